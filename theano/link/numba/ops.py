"""Numba kernels for ops other than `Elemwise`, on C-contiguous arrays.

NumPy computes these ops in several calls each (a softmax cross-entropy in about
fourteen); on the small arrays of a training step the cost is the calls, not the
arithmetic, and one compiled loop removes it. Each function here returns the source
calling the kernel when the arrays allow, with the Python tier's snippet as the other
branch, or None to keep that snippet alone. Kernels are built and cached by
`theano.link.numba.kernels.load_kernel` like elementwise ones.
"""

from __future__ import annotations

import ctypes

import numpy as np

from theano.link.numba.kernels import (
    _CTYPES,
    TRANSCENDENTAL_MAX,
    _storage,
    address,
    array_checks,
    cfunc_module,
    guarded,
    load_kernel,
    small_arrays_only,
)

_FLOATS = ("float32", "float64")


class FunctionSpec:
    """A kernel module's source and the ctypes types of its arguments (``"n"`` an
    element count, ``"p"`` an array's data field, ``"s:<dtype>"`` a value)."""

    def __init__(self, source, args, returns_index=False):
        self.source = source
        self.args = args
        self.returns_index = returns_index

    def argtypes(self):
        table = {"n": ctypes.c_ssize_t, "p": ctypes.c_void_p}
        return [table.get(a) or _CTYPES[a[2:]] for a in self.args]

    def restype(self):
        return ctypes.c_ssize_t if self.returns_index else None


def _pp(dtype):
    return f"types.CPointer(types.CPointer(types.{_storage(dtype)}))"


def _load(spec, ctx):
    """``(call, addr, empty)``: the names calling the kernel of ``spec`` and allocating,
    and `address`."""
    kernel = load_kernel(spec)
    return ctx.ref(kernel.fn, "kernel"), address(ctx), ctx.ref(np.empty, "empty")


# ------------------------------------------------------------------------------ sums


def sum_code(node, inames, onames, ctx):
    """``sum(x, axis=0)`` of a float matrix of several columns, accumulated in
    ``acc_dtype``: row after row into an accumulator, as NumPy adds them (the same
    result, in one call where NumPy casts every row through a buffer)."""
    from theano.tensor.elemwise import Sum

    op = node.op
    (x,) = node.inputs
    out = node.outputs[0]
    if type(op) is not Sum or x.ndim != 2 or op._axes(2) != (0,):
        return None
    acc = op.acc_dtype or x.dtype
    if x.dtype not in _FLOATS or out.dtype not in _FLOATS or acc not in _FLOATS:
        return None
    signature = (f"types.void(types.intp, types.intp, {_pp(x.dtype)}, {_pp(acc)}, "
                 f"{_pp(out.dtype)})")  # fmt: skip
    body = (
        "def body(rows, cols, x, scratch, out):\n"
        "    px = x[0]\n"
        "    acc = scratch[0]\n"
        "    po = out[0]\n"
        "    for j in range(cols):\n"
        f"        acc[j] = np.{acc}(0)\n"
        "    for i in range(rows):\n"
        "        base = i * cols\n"
        "        for j in range(cols):\n"
        f"            acc[j] += np.{acc}(px[base + j])\n"
        "    for j in range(cols):\n"
        f"        po[j] = np.{out.dtype}(acc[j])\n"
    )
    spec = FunctionSpec(cfunc_module(signature, body), ["n", "n", "p", "p", "p"])
    call, addr, empty = _load(spec, ctx)
    xs, o = inames[0], onames[0]
    shape = f"(1, {xs}.shape[1])" if op.keepdims_pattern is not None else f"({xs}.shape[1],)"
    total = ctx.local(f"{o}_acc")
    body = [
        f"{o} = {empty}({shape}, {out.dtype!r})",
        f"{total} = {empty}({xs}.shape[1], {acc!r})",
        f"{call}({xs}.shape[0], {xs}.shape[1], {addr(xs)}, {addr(total)}, {addr(o)})",
    ]
    # One column is a contiguous vector, which NumPy sums pairwise: left to NumPy.
    conds = [*array_checks(ctx, [xs], [x]), f"{xs}.shape[1] != 1"]
    return guarded(conds, body, op.py_code(node, inames, onames, ctx))


# ------------------------------------------------------------- softmax cross-entropy


def crossentropy_code(node, inames, onames, ctx):
    """`CrossentropySoftmaxArgmax1HotWithBias` of float logits, a bias of one value or
    one per column, and integer classes: the three outputs in one pass per row."""
    x, b, y = node.inputs
    nll, sm, am = node.outputs
    dtype = sm.dtype
    if x.dtype != dtype or b.dtype != dtype or dtype not in _FLOATS:
        return None
    one_bias = b.broadcastable[0]
    signature = (f"types.intp(types.intp, types.intp, {_pp(dtype)}, {_pp(dtype)}, "
                 f"{_pp(y.dtype)}, {_pp(dtype)}, {_pp(dtype)}, {_pp(am.dtype)})")  # fmt: skip
    bias = "pb[0]" if one_bias else "pb[j]"
    body = (
        "def body(rows, cols, x, b, y, nll, sm, am):\n"
        "    px, pb, py = x[0], b[0], y[0]\n"
        "    pn, ps, pa = nll[0], sm[0], am[0]\n"
        "    for i in range(rows):\n"
        "        label = py[i]\n"
        "        if label < 0 or label >= cols:\n"
        "            return i\n"
        "        base = i * cols\n"
        "        best = 0\n"
        f"        top = px[base] + {bias.replace('j', '0')}\n"
        "        for j in range(1, cols):\n"
        f"            z = px[base + j] + {bias}\n"
        "            if z > top:\n"
        "                top = z\n"
        "                best = j\n"
        f"        total = np.{dtype}(0)\n"
        "        for j in range(cols):\n"
        f"            e = np.exp((px[base + j] + {bias}) - top)\n"
        "            ps[base + j] = e\n"
        "            total += e\n"
        "        for j in range(cols):\n"
        "            ps[base + j] = ps[base + j] / total\n"
        f"        pn[i] = np.log(total) - ((px[base + label] + {bias.replace('j', 'label')}) - top)\n"
        f"        pa[i] = np.{am.dtype}(best)\n"
        "    return -1\n"
    )
    spec = FunctionSpec(cfunc_module(signature, body), ["n", "n", "p", "p", "p", "p", "p", "p"],
                        returns_index=True)  # fmt: skip
    call, addr, empty = _load(spec, ctx)
    xs, bs, ys = inames
    on, osm, oam = onames
    conds = [*array_checks(ctx, inames, node.inputs), f"{ys}.shape[0] == {xs}.shape[0]",
             f"{xs}.shape[1] > 0"]  # fmt: skip
    if small_arrays_only():
        conds.insert(0, f"{xs}.size < {TRANSCENDENTAL_MAX}")
    if not one_bias:
        conds.append(f"{bs}.shape[0] == {xs}.shape[1]")
    args = ", ".join(addr(v) for v in (xs, bs, ys, on, osm, oam))
    fallback = node.op.py_code(node, inames, onames, ctx)
    body = [
        f"{on} = {empty}({xs}.shape[0], {nll.dtype!r})",
        f"{osm} = {empty}({xs}.shape, {dtype!r})",
        f"{oam} = {empty}({xs}.shape[0], {am.dtype!r})",
        f"if {call}({xs}.shape[0], {xs}.shape[1], {args}) >= 0:",
        *("    " + ln for ln in fallback.splitlines()),  # raises the index error
    ]
    return guarded(conds, body, fallback)


def crossentropy_dx_code(node, inames, onames, ctx):
    """`CrossentropySoftmax1HotWithBiasDx`: ``dy[i] * (sm[i] - onehot(y[i]))``."""
    dy, sm, y = node.inputs
    (dx,) = node.outputs
    dtype = dx.dtype
    if dy.dtype != dtype or sm.dtype != dtype or dtype not in _FLOATS:
        return None
    signature = (f"types.intp(types.intp, types.intp, {_pp(dtype)}, {_pp(dtype)}, "
                 f"{_pp(y.dtype)}, {_pp(dtype)})")  # fmt: skip
    body = (
        "def body(rows, cols, dy, sm, y, dx):\n"
        "    pd, ps, py, po = dy[0], sm[0], y[0], dx[0]\n"
        "    for i in range(rows):\n"
        "        label = py[i]\n"
        "        if label < 0 or label >= cols:\n"
        "            return i\n"
        "        base = i * cols\n"
        "        g = pd[i]\n"
        "        for j in range(cols):\n"
        "            po[base + j] = ps[base + j] * g\n"
        "        po[base + label] -= g\n"
        "    return -1\n"
    )
    spec = FunctionSpec(cfunc_module(signature, body), ["n", "n", "p", "p", "p", "p"],
                        returns_index=True)  # fmt: skip
    call, addr, empty = _load(spec, ctx)
    ds, ss, ys = inames
    (o,) = onames
    conds = [*array_checks(ctx, inames, node.inputs), f"{ys}.shape[0] == {ss}.shape[0]",
             f"{ds}.shape[0] == {ss}.shape[0]"]  # fmt: skip
    args = ", ".join(addr(v) for v in (ds, ss, ys, o))
    fallback = node.op.py_code(node, inames, onames, ctx)
    body = [
        f"{o} = {empty}({ss}.shape, {dtype!r})",
        f"if {call}({ss}.shape[0], {ss}.shape[1], {args}) >= 0:",
        *("    " + ln for ln in fallback.splitlines()),
    ]
    return guarded(conds, body, fallback)


def overrides():
    """Kernel source generators by op class."""
    from theano.tensor.elemwise import Sum
    from theano.tensor.nnet.basic import (
        CrossentropySoftmax1HotWithBiasDx,
        CrossentropySoftmaxArgmax1HotWithBias,
    )

    return {
        Sum: sum_code,
        CrossentropySoftmaxArgmax1HotWithBias: crossentropy_code,
        CrossentropySoftmax1HotWithBiasDx: crossentropy_dx_code,
    }
