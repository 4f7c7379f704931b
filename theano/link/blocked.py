"""Blocked evaluation of a fused elementwise node on large arrays, in NumPy.

A fused ``Elemwise{Composite}`` evaluated as one nested NumPy expression makes a full
temporary array per inner op, so a 1e7-element expression streams every temporary
through memory. Evaluated block by block (`BLOCK` elements at a time) into a few
small reused buffers, its temporaries stay in cache: each input is read once and
the output written once, while each inner op still runs NumPy's own (SIMD) loop.

`blocked_kernel(node)` generates such a function for a node, or returns None when an
inner op has no ufunc form. The function itself returns None (and the caller falls
back to the plain expression) for small arrays and for layouts it does not handle:
its array inputs must share the output's shape and be C-contiguous; inputs that are
broadcastable in every dimension act as scalars.
"""

from __future__ import annotations

import numpy as np

from theano import scalar as S
from theano.graph.basic import Constant
from theano.scalar.composite import Composite, numpy_result_dtype

BLOCK = 16384  # elements per block: a few float64 buffers of 128 KiB stay in L2
MIN_SIZE = 1 << 17  # below this, one NumPy call per op is as fast

_cache: dict = {}


def blocked_kernel(node):
    """A blocked evaluator for ``node`` (an Elemwise over a Composite), or None."""
    comp = node.op.scalar_op
    if not isinstance(comp, Composite) or len(comp.outputs) != 1 or node.outputs[0].ndim == 0:
        return None
    key = (comp, tuple(v.type for v in node.inputs), node.outputs[0].type)
    if key not in _cache:
        try:
            _cache[key] = _build(comp, node)
        except _Unsupported:
            _cache[key] = None
    return _cache[key]


class _Unsupported(Exception):
    pass


def _build(comp, node):
    g = {"_empty": np.empty, "_ravel": np.ravel, "_copyto": np.copyto,
         "_shares": np.may_share_memory}  # fmt: skip
    names = [f"a{k}" for k in range(len(node.inputs))]
    arrays = [n for n, v in zip(names, node.inputs) if not all(v.broadcastable)]
    if not arrays:
        raise _Unsupported
    out_dtype = node.outputs[0].dtype

    # Where each inner value lives: a block of an input, a scalar, a buffer, the output.
    where = {}
    for name, inner, outer in zip(names, comp.inputs, node.inputs):
        where[inner] = f"x_{name}" if name in arrays else f"s_{name}"
    last_use = {}
    for k, n in enumerate(comp.nodes):
        for v in n.inputs:
            last_use[v] = k
    free: dict[str, list[str]] = {}
    buffers: list[tuple[str, str]] = []
    body = []
    final = comp.outputs[0]
    for k, n in enumerate(comp.nodes):
        args = []
        for v in n.inputs:
            if v not in where:
                if not isinstance(v, Constant):
                    raise _Unsupported
                where[v] = _constant(g, v)
            args.append(where[v])
        out = n.outputs[0]
        want = out.type.dtype
        dying = [where[v] for v in set(n.inputs)
                 if last_use.get(v) == k and where[v].startswith("t")]  # fmt: skip
        # A one-statement ufunc may write over an input it reads for the last time; a
        # switch or an n-ary sum (several statements) must not.
        if not (isinstance(n.op, S.Switch) or len(n.inputs) > 2):
            for buf in dying:
                free.setdefault(_dtype_of(buffers, buf), []).append(buf)
            dying = []
        if out is final:
            dst = "o[s:e]"
        elif free.get(want):
            dst = free[want].pop()
        else:
            dst = f"t{len(buffers)}"
            buffers.append((dst, want))
        for buf in dying:
            free.setdefault(_dtype_of(buffers, buf), []).append(buf)
        body.append(_step(g, n.op, args, [v.type.dtype for v in n.inputs], want, dst))
        where[out] = dst
    if final not in where or where[final] != "o[s:e]":
        raise _Unsupported  # the output is an input or a constant

    lines = [f"def blocked({', '.join(names)}, out=None):"]
    first = arrays[0]
    lines.append(f"    shape = {first}.shape")
    for a in arrays:
        cond = f"{a}.shape != shape or " if a != first else ""
        lines.append(f"    if {cond}not {a}.flags.c_contiguous: return None")
    lines.append(f"    n = {first}.size")
    lines.append(f"    if n < {MIN_SIZE}: return None")
    for name, v in zip(names, node.inputs):
        if name in arrays:
            lines.append(f"    f_{name} = {name}.reshape(-1)")
        else:
            lines.append(f"    s_{name} = _ravel({name})[0]")
    # A kept output buffer passed back in as an input (x = f(x) with borrow=True) would
    # be overwritten while it is read: compute into a new one then. The input itself
    # may be the output (an in-place node) when the last op is one statement: each
    # block reads its slice before that statement writes it.
    final_node = final.owner
    one_statement = not (isinstance(final_node.op, S.Switch) or len(final_node.inputs) > 2)
    alias = " or ".join(f"(out is not {a} and _shares(out, {a}))" if one_statement
                        else f"_shares(out, {a})" for a in arrays)  # fmt: skip
    lines.append(f"    if out is None or out.shape != shape or {alias}: "
                 f"out = _empty(shape, {out_dtype!r})")  # fmt: skip
    lines.append("    o = out.reshape(-1)")
    for buf, dtype in buffers:
        lines.append(f"    {buf}_full = _empty({BLOCK}, {dtype!r})")
    lines.append(f"    for s in range(0, n, {BLOCK}):")
    lines.append(f"        e = min(s + {BLOCK}, n)")
    for a in arrays:
        lines.append(f"        x_{a} = f_{a}[s:e]")
    for buf, _ in buffers:
        lines.append(f"        {buf} = {buf}_full[: e - s]")
    lines.extend("        " + step for step in body)
    lines.append("    return out")
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<blocked {comp}>", "exec"), g)
    fn = g["blocked"]
    fn.source = source
    fn.size_input = names.index(first)  # callers skip the call below MIN_SIZE elements
    return fn


def _dtype_of(buffers, name):
    return dict(buffers)[name]


def _constant(g, var):
    name = f"c{len(g)}"
    g[name] = np.asarray(var.data, dtype=var.type.dtype)[()]
    return name


def _step(g, op, args, in_dtypes, want, dst):
    """One statement computing ``op(*args)`` into ``dst`` with the graph's dtype rules."""
    if isinstance(op, S.Cast | S.Identity):
        return f"_copyto({dst}, {args[0]}, casting='unsafe')"
    if isinstance(op, S.Second):
        return f"_copyto({dst}, {args[1]}, casting='unsafe')"
    if isinstance(op, S.Switch):
        return (f"_copyto({dst}, {args[2]}, casting='unsafe'); "
                f"_copyto({dst}, {args[1]}, casting='unsafe', where={args[0]})")  # fmt: skip
    ufunc = getattr(op, "ufunc", None)
    if (
        isinstance(ufunc, np.ufunc)
        and ufunc.nin == 2
        and len(args) > 2
        and (ufunc in (np.add, np.multiply) and len(set(in_dtypes)) == 1 and in_dtypes[0] == want)
    ):
        # An n-ary sum or product of one dtype: accumulate into dst, left to right.
        g[f"u_{ufunc.__name__}"] = ufunc
        name = f"u_{ufunc.__name__}"
        steps = [f"{name}({args[0]}, {args[1]}, out={dst})"]
        steps += [f"{name}({dst}, {a}, out={dst})" for a in args[2:]]
        return "; ".join(steps)
    if not isinstance(ufunc, np.ufunc) or ufunc.nin != len(args) or ufunc.nout != 1:
        raise _Unsupported
    name = f"u_{ufunc.__name__}"
    g[name] = ufunc
    have = numpy_result_dtype(op, in_dtypes)
    if have == want:
        return f"{name}({', '.join(args)}, out={dst})"
    if want in S.CONTINUOUS_DTYPES and numpy_result_dtype(op, [
        want if d in S.DISCRETE_DTYPES else d for d in in_dtypes
    ]) == want:  # fmt: skip
        # Integers are computed in the float result type, as the graph says.
        return f"{name}({', '.join(args)}, out={dst}, dtype={want!r}, casting='unsafe')"
    raise _Unsupported
