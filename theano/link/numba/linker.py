"""The Numba tier: the same generated graph function, with elementwise nodes compiled.

Every `Elemwise` whose scalar op has a Numba form becomes a call to its compiled loop
(one per fused kernel, never one per op) when its arrays are C-contiguous and of one
shape; otherwise, and for every other node, the source the Python tier gives runs.
Kernels with transcendental functions run on small arrays only (`TRANSCENDENTAL_MAX`),
where one call beats NumPy's call per op, unless `vector_math` computes them faster
than NumPy (`vector_math_wins`). `compile_tier` builds that function;
`TieredCompiler` does it in a background thread and swaps it in when ready, so a
function is usable at once and becomes fast when its kernels are compiled.
"""

from __future__ import annotations

import threading
import warnings

import numpy as np

from theano.link.numba.kernels import (
    SIN_COS_MAX,
    TRANSCENDENTAL_MAX,
    NoNumbaForm,
    address,
    array_checks,
    data_field_offset,
    default_kinds,
    elemwise_kernel,
    guarded,
    pinned_settings,
    settings,
    small_arrays_only,
)


def _node_override(node, inames, onames, ctx):
    """Source calling a compiled kernel for ``node`` (with the Python tier's snippet as
    the fallback branch), or None to keep that snippet alone."""
    from theano.link.numba.ops import overrides

    code = overrides().get(type(node.op))
    if code is None:
        return _elemwise_override(node, inames, onames, ctx)
    if data_field_offset() is None:
        return None
    try:
        return code(node, inames, onames, ctx)
    except NoNumbaForm:
        return None


def _compiles(node) -> bool:
    """True when the Numba tier compiles the `Elemwise` ``node``: an array output and a
    fused scalar graph (one op is one NumPy ufunc call already, cheaper than a kernel's
    checks and call), or any op with ``numba.kernels='all'``."""
    from theano.scalar.composite import Composite
    from theano.tensor.elemwise import Elemwise

    op = node.op
    if not isinstance(op, Elemwise) or len(node.outputs) != 1 or node.outputs[0].ndim == 0:
        return False
    return not small_arrays_only() or isinstance(op.scalar_op, Composite)


def _distinct(indices, inames):
    """``indices`` without those naming an array already named (``x * x``)."""
    seen, out = set(), []
    for k in indices:
        if inames[k] not in seen:
            seen.add(inames[k])
            out.append(k)
    return out


def _elemwise_override(node, inames, onames, ctx):
    """Source calling the node's compiled loop when its arrays allow (C-contiguous,
    one shape), with the Python tier's snippet as the other branch; None to keep
    that snippet alone."""
    if not _compiles(node):
        return None
    op = node.op
    kinds = default_kinds(node)
    full = [k for k, kind in enumerate(kinds) if kind == "p"]
    if not full:
        return None
    inplace = None
    if op.inplace_pattern:
        ((_, inplace),) = op.inplace_pattern
        if kinds[inplace] != "p":
            return None
    if data_field_offset() is None:
        return None
    try:
        kernel = elemwise_kernel(node, kinds, inplace)
    except NoNumbaForm:
        return None
    addr = address(ctx)
    arithmetic = arithmetic_only(op.scalar_op)
    any_size = arithmetic or vector_math_wins(op.scalar_op, node.outputs[0].dtype)
    first = inames[full[0]]
    distinct = _distinct(full, inames)
    conds = array_checks(ctx, [inames[k] for k in distinct], [node.inputs[k] for k in distinct])
    if small_arrays_only() and not any_size:
        conds.insert(0, f"{first}.size < {size_limit(op.scalar_op)}")
    conds.extend(f"{inames[k]}.shape == {first}.shape" for k in distinct[1:])
    rows = _distinct([k for k, kind in enumerate(kinds) if kind == "r"], inames)
    if rows:
        # Rows of ``cols`` elements; each one-row input holds exactly one such row.
        conds += array_checks(ctx, [inames[k] for k in rows], [node.inputs[k] for k in rows])
        conds.append(f"{first}.shape[-1] > 0")
        conds.extend(f"{inames[k]}.size == {first}.shape[-1]" for k in rows)
        count, args = f"{first}.size // {first}.shape[-1]", [f"{first}.shape[-1]"]
    else:
        count, args = f"{first}.size", []
    for k in kernel.spec.range_checked:
        if kinds[k] == "c":
            if not abs(np.asarray(node.inputs[k].data).item()) <= SIN_COS_MAX:
                return None
        else:
            conds.append(f"{ctx.ref(_within_sin_cos_range, 'in_range')}({inames[k]})")
    for k, kind in enumerate(kinds):
        if kind in "pr":
            args.append(addr(inames[k]))
        elif kind == "s":
            args.append(f"{inames[k]}.item()")
    fallback = op.py_code(node, inames, onames, ctx)
    call = _kernel_call(kernel, count, ctx, threads=any_size)
    if inplace is not None:
        dest = inames[inplace]
        share = ctx.ref(np.may_share_memory, "may_share")
        # Element i is read before it is written; another input overlapping the
        # destination elsewhere would be read after it is overwritten.
        conds.append(f"{dest}.flags.writeable")
        others = {inames[k] for k in [*distinct, *rows]} - {dest}
        conds.extend(f"not {share}({name}, {dest})" for name in sorted(others))
        body = [call(args), f"{onames[0]} = {dest}"]
    else:
        buffer = op.output_buffer(node, inames, onames[0], ctx)
        empty = ctx.ref(np.empty, "empty")
        fresh = f"{empty}({first}.shape, {node.outputs[0].dtype!r})"
        if buffer is not None:
            # (An input sharing a borrowed output's kept buffer was copied at the start
            # of the call: see `_borrowed_copies`.)
            body = [*buffer[0], f"{onames[0]} = {buffer[1]}"]
        else:
            body = [f"{onames[0]} = {fresh}"]
        body.append(call([*args, addr(onames[0])]))
    return guarded(conds, body, fallback)


def _within_sin_cos_range(values) -> bool:
    """True when every value lies within [-SIN_COS_MAX, SIN_COS_MAX] (none is NaN)."""
    if not values.size:
        return True
    return bool(values.max() <= SIN_COS_MAX and values.min() >= -SIN_COS_MAX)


def _kernel_call(kernel, count, ctx, threads):
    """``make(args)``: the source calling ``kernel`` over ``count`` (source: the elements,
    or rows), split between threads (Theano's ``openmp`` flag, ``OMP_NUM_THREADS`` of
    them) from ``openmp_elemwise_minsize`` of them when ``threads``."""
    call = ctx.ref(kernel.fn, "kernel")
    flags = settings()
    n_threads = _thread_count() if threads and flags.openmp else 1

    def make(args):
        serial = f"{call}(0, {count}, {', '.join(args)})"
        if n_threads < 2:
            return serial
        split = ctx.ref(_parallel, "parallel")
        free = ctx.ref(kernel.fn_nogil, "kernel_nogil")
        minimum = max(flags.openmp_minsize, 1)
        return (f"{split}({free}, {count}, {n_threads}, {', '.join(args)}) "
                f"if {count} >= {minimum} else {serial}")  # fmt: skip

    return make


def _thread_count():
    import os

    try:
        return max(int(os.environ.get("OMP_NUM_THREADS", "") or os.cpu_count() or 1), 1)
    except ValueError:
        return os.cpu_count() or 1


_POOL = []


def _parallel(fn, n, n_threads, *args):
    """Run ``fn(lo, hi, *args)`` over ``[0, n)`` in ``n_threads`` parts, this thread
    computing the first (``fn`` releases the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max_workers=n_threads - 1,
                                        thread_name_prefix="theano-kernel"))  # fmt: skip
    part = -(-n // n_threads)
    step = -(-part // 64) * 64  # parts of whole cache lines
    bounds = [(lo, min(lo + step, n)) for lo in range(0, n, step)]
    futures = [_POOL[0].submit(fn, lo, hi, *args) for lo, hi in bounds[1:]]
    fn(*bounds[0], *args)
    for f in futures:
        f.result()


# Scalar ops LLVM turns into vector instructions inside a Numba loop.
_ARITHMETIC = {
    "add", "sub", "mul", "true_div", "int_div", "mod", "neg", "abs", "sqr", "sqrt", "inv",
    "maximum", "minimum", "lt", "gt", "le", "ge", "eq", "neq", "switch", "second",
    "identity", "sgn", "floor", "ceil", "trunc", "and_", "or_", "xor", "invert",
}  # fmt: skip


def arithmetic_only(scalar_op) -> bool:
    """True when every scalar op of ``scalar_op`` (a Composite's too) is arithmetic
    (or a cast, or a power with a small integer exponent)."""
    from theano import scalar as S
    from theano.scalar.composite import Composite

    if isinstance(scalar_op, Composite):
        return all(_arithmetic_node(n) for n in scalar_op.nodes)
    return _arithmetic_name(scalar_op) or isinstance(scalar_op, S.Cast)


def _arithmetic_node(node):
    from theano import scalar as S
    from theano.graph.basic import Constant

    op = node.op
    if isinstance(op, S.Pow):
        exponent = node.inputs[1]
        return isinstance(exponent, Constant) and float(exponent.data) in (0, 1, 2, 3, -1)
    return _arithmetic_name(op) or isinstance(op, S.Cast)


# Scalar ops whose `vector_math` form, in a kernel, beats NumPy's own loops at any size,
# by the dtype they compute in. Measured on AVX-512: float64 exp, log1p and sigmoid
# kernels run 1.1-3.5x NumPy's passes, tanh the same, sin and cos 2.7x (NumPy's are
# scalar; on a computed argument, where the C library's runs, about the same as
# NumPy's); in float32 NumPy's 16-lane tanh, log1p, exp and sin are as fast or faster,
# while its sigmoid (three passes) is not. (softplus is exp then log1p: a chain.)
_VECTOR_MATH_WINS = {
    "float64": {"exp", "log", "log1p", "tanh", "sigmoid", "sin", "cos"},
    "float32": {"sigmoid"},
}  # fmt: skip


def size_limit(scalar_op) -> int:
    """The size below which a kernel with transcendental ops beats NumPy's passes:
    `TRANSCENDENTAL_MAX` for one op deep, a quarter of it for each further op chained
    on another (each element's computation waits on their latency), at least 128.
    Measured on a chain of 3: break-even near 300 elements; of 30: near 150."""
    chained = max(_transcendental_depth(scalar_op) - 1, 0)
    return max(TRANSCENDENTAL_MAX >> min(2 * chained, 30), 128)


def vector_math_wins(scalar_op, dtype) -> bool:
    """True when every scalar op of ``scalar_op`` is arithmetic or computed by
    `vector_math` faster than NumPy in its dtype (``dtype``: the node's output), and
    no such op feeds another: a chain like ``tanh(tanh(x))`` makes each element one
    long dependency chain, and the kernel waits on latency where NumPy's passes,
    one op over the whole array each, do not (3x slower for a chain of three)."""
    from theano.scalar.composite import Composite

    if not isinstance(scalar_op, Composite):
        return _vector_wins(scalar_op, dtype)
    return _transcendental_depth(scalar_op) <= 1 and all(
        _arithmetic_node(n) or _vector_wins(n.op, n.outputs[0].type.dtype) for n in scalar_op.nodes
    )


def _transcendental_depth(scalar_op) -> int:
    """The most non-arithmetic ops on one path through ``scalar_op`` (1 for one op)."""
    from theano.scalar.composite import Composite

    if not isinstance(scalar_op, Composite):
        return 1
    depth = {}
    for n in scalar_op.nodes:
        deepest = max((depth.get(v, 0) for v in n.inputs), default=0)
        depth[n.outputs[0]] = deepest + (0 if _arithmetic_node(n) else 1)
    return max(depth.values(), default=0)


def _vector_wins(op, dtype):
    return type(op).__name__.lower() in _VECTOR_MATH_WINS.get(dtype, ())


def _arithmetic_name(op):
    name = getattr(op, "op_name", None) or getattr(op, "name", None) or type(op).__name__
    return str(name).lower() in _ARITHMETIC or type(op).__name__.lower() in _ARITHMETIC


def available() -> bool:
    """True when Numba can be imported (it is imported only when a kernel is built)."""
    import importlib.util

    return importlib.util.find_spec("numba") is not None


def count_kernels(nodes) -> int:
    """How many nodes the Numba tier would compile (for reporting and tests)."""
    from theano.link.numba.ops import overrides

    others = tuple(overrides())
    return sum(1 for n in nodes if _compiles(n) or isinstance(n.op, others))


def whole_graph_candidate(fgraph, nodes, shared_values=()) -> bool:
    """True when ``config.numba.whole_graph`` is on, every node's op is of a kind a
    whole-graph kernel computes, the graph costs NumPy more than one call, and no
    shared value (``shared_values``, the current ones) is too large for the kernel to
    run: a cheap test, before a kernel that takes seconds to build is built."""
    from theano.link.numba.graph_kernel import ELEMENTS_MAX, numpy_calls, op_kinds

    if not settings().whole_graph or not nodes:
        return False
    if any(np.size(v) > ELEMENTS_MAX for v in shared_values):
        return False
    kinds = op_kinds()
    # One kernel call costs about what two NumPy calls on small arrays do.
    return all(isinstance(n.op, kinds) for n in nodes) and sum(map(numpy_calls, nodes)) >= 2


def whole_graph(fgraph, nodes):
    """The compiled whole-graph kernel of ``fgraph`` (`graph_kernel.Plan`), or None."""
    from theano.link.numba.graph_kernel import plan

    return plan(fgraph, nodes)


def compile_tier(generate_fn, *args, **kwargs):
    """Run the Python tier's code generator with elementwise nodes as Numba kernels."""
    return generate_fn(*args, override=_node_override, **kwargs)


class TieredCompiler:
    """Compile the Numba tier in a background thread and hand it to ``install``: each of
    the ``stages`` (functions building a tier, or None) in turn, the later replacing the
    earlier."""

    def __init__(self, stages, install, pinned=None):
        self._stages = list(stages)
        self._install = install
        self._pinned = pinned if pinned is not None else settings()
        self.done = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="theano-numba")

    def start(self):
        self._thread.start()
        return self

    def _run(self):
        from theano.link.numba.kernels import built_elsewhere

        first = True
        try:
            for build in self._stages:
                with built_elsewhere(), pinned_settings(self._pinned):
                    built = build()
                self._install(built)
                first = False
        except Exception as err:  # noqa: BLE001 (the Python tier keeps serving)
            self.error = err
            warnings.warn(
                f"the Numba tier could not be compiled; the function keeps running on the "
                f"{'Python tier' if first else 'Numba tier built so far'}: "
                f"{type(err).__name__}: {err}",
                stacklevel=1,
            )
        finally:
            self.done.set()

    def wait(self, timeout=None) -> bool:
        return self.done.wait(timeout)
