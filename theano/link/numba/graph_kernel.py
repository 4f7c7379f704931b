"""Whole graphs of small arrays as one compiled function.

On small arrays a graph's time goes to its calls (a NumPy call per op, a BLAS call
per product), not to arithmetic. When every node of a compiled graph has a form here
(elementwise ops whose scalar ops have a Numba form, dimshuffles, sums, products,
maxima and minima, matrix products, shapes), the Numba tier compiles the whole graph
into one ``cfunc``, called once per call with the address of each input array object:

1. it reads each array's data pointer, dimensions and strides from the object (any
   layout), computes the shape of every value and checks them all, before it writes
   anything; a mismatch, an array above `ELEMENTS_MAX` elements or a product above
   `PRODUCT_MAX` multiply-adds returns -1, and the function's usual code runs (and
   raises the usual errors, or calls NumPy and BLAS on large arrays);
2. it computes every node in order, intermediates in an arena kept between calls (it
   returns the bytes it needs when the arena is too small; the caller grows it and
   calls again), function outputs straight into arrays the caller allocated;
3. last, it writes each shared variable's in-place update into the variable's buffer,
   as the usual code does: a call that fails changes nothing.

Like elementwise kernels, these are cached on disk as shared libraries
(`theano.link.numba.kernels.load_kernel`), so a warm process never imports Numba.
"""

from __future__ import annotations

import numpy as np

from theano.graph.basic import Constant, alias_roots
from theano.link.numba.kernels import (
    WRITEABLE_FLAG,
    NoNumbaForm,
    _cast,
    _literal,
    _Locals,
    _node_expr,
    _storage,
    array_layout,
    cfunc_module,
    load_kernel,
)

# Above these sizes NumPy's loops and BLAS beat one pass of plain loops.
ELEMENTS_MAX = 1 << 14
PRODUCT_MAX = 1 << 16

_ALIGN = 64  # bytes: each arena value starts on a cache line


class _Dim:
    """One dimension of a value: ``src`` in the kernel, ``origin`` ``(input, axis)``
    where it comes from (None for a dimension of length 1)."""

    def __init__(self, src, origin=None):
        self.src = src
        self.origin = origin


_ONE = _Dim("1")


class _Value:
    """A value in the kernel: one element held in a local (``name``; every dimension has
    length 1), or memory at ``ptr`` with ``dims`` and element ``strides``. ``views`` is
    the kernel argument whose memory it is when it is an input's (or a view of one)."""

    def __init__(self, dtype, dims, name=None, ptr=None, strides=None, views=None):
        self.dtype = dtype
        self.dims = list(dims)
        self.name = name
        self.ptr = ptr
        self.strides = list(strides or [])
        self.views = views

    def offset(self, index):
        """The element offset of ``index`` (a source per dimension, None for 0)."""
        terms = [f"{i} * {s}" for i, s in zip(index, self.strides) if i is not None and s != "0"]
        return " + ".join(terms) or "0"

    def read(self, index):
        """Source reading the element at ``index`` in the value's dtype."""
        if self.name is not None:
            return self.name
        return _cast(f"{self.ptr}[{self.offset(index)}]", self.dtype)


def _store(dtype, value):
    return f"np.uint8({value})" if dtype == "bool" else _cast(value, dtype)


class _Unsupported(Exception):
    """A node without a whole-graph form: the graph is not compiled whole."""


class GraphKernel:
    """The source of a whole-graph kernel and how to call it (see `plan`)."""

    def __init__(self, fgraph, nodes):
        layout = array_layout()
        if layout is None:
            raise _Unsupported("ndarray layout not confirmed")
        self.data, self.nd, self.dims_at, self.strides_at, self.flags = layout
        self.fgraph = fgraph
        self.head, self.body, self.tail = [], [], []
        self.values: dict = {}
        self.args: list = []  # ("input", index) | ("constant", array) | ("output", k) | "arena"
        self.outputs: list = []  # (variable, python dims) allocated by the caller
        self.out_arg: dict = {}  # variable -> its kernel argument
        self.returns: list = []  # per graph output: ("input", index) | ("output", k)
        self.arena: list = []
        self._counter = 0
        self._plan_outputs(nodes)
        self._load_inputs(nodes)
        for k, node in enumerate(nodes):
            self._node(k, node)
        self._finish()

    # ---------------------------------------------------------------- arguments
    def _fresh(self, base):
        self._counter += 1
        return f"{base}{self._counter}"

    def _arg(self, what):
        self.args.append(what)
        return f"a{len(self.args) - 1}"

    def _plan_outputs(self, nodes):
        """Which outputs the caller allocates and which are written into an input."""
        fg = self.fgraph
        produced = {v for n in nodes for v in n.outputs}
        updates = getattr(fg, "update_mapping", {})
        self.copy_back = {}  # variable -> input index whose buffer receives it
        for k, var in enumerate(fg.outputs):
            if var in fg.inputs:
                self.returns.append(("input", fg.inputs.index(var)))
                continue
            if isinstance(var, Constant) or var not in produced:
                raise _Unsupported(f"output {var} is not computed by the graph")
            target = updates.get(k)
            if target is not None and alias_roots(var) == {fg.inputs[target]}:
                self.copy_back[var] = target
                self.returns.append(("input", target))
                continue
            if var not in self.out_arg:
                self.out_arg[var] = len(self.outputs)
                self.outputs.append(var)
            self.returns.append(("output", self.out_arg[var]))
        overwritten = {fg.inputs[j] for j in self.copy_back.values()}
        for k, var in enumerate(fg.outputs):
            if var not in self.copy_back and alias_roots(var) & overwritten:
                raise _Unsupported("an output shows a buffer an update overwrites")
        self.output_arg = {var: self._arg(("output", k)) for k, var in enumerate(self.outputs)}

    def _load_inputs(self, nodes):
        fg = self.fgraph
        used = {v for n in nodes for v in n.inputs} | set(fg.outputs)
        for j, var in enumerate(fg.inputs):
            if var in used or j in self.copy_back.values():
                self.values[var] = self._load(var, ("input", j))

    def _load(self, var, what):
        """Read the array object passed for ``var``: its data, dimensions and strides."""
        dtype = getattr(var.type, "dtype", None)
        if dtype is None or not hasattr(var.type, "broadcastable") or not _kernel_dtype(dtype):
            raise _Unsupported(f"input {var} of type {var.type}")
        a = self._arg(what)
        k = len(self.args) - 1
        item = np.dtype(dtype).itemsize
        h = self.head
        h.append(f"h{k} = mem.at_intp({a})")
        h.append(f"if mem.at_int32({a} + {self.nd})[0] != {var.ndim}: return -1")
        h.append(f"p{k} = mem.at_{_storage(dtype)}(h{k}[{self.data // 8}])")
        dims, strides = [], []
        if var.ndim:
            h.append(f"dd{k} = mem.at_intp(h{k}[{self.dims_at // 8}])")
            h.append(f"ss{k} = mem.at_intp(h{k}[{self.strides_at // 8}])")
        for j, bcast in enumerate(var.broadcastable):
            h.append(f"d{k}_{j} = dd{k}[{j}]")
            h.append(f"if ss{k}[{j}] % {item} != 0: return -1")
            h.append(f"s{k}_{j} = ss{k}[{j}] // {item}")
            if bcast:
                h.append(f"if d{k}_{j} != 1: return -1")
                dims.append(_ONE)
            else:
                dims.append(_Dim(f"d{k}_{j}", (what, j)))
            strides.append(f"s{k}_{j}")
        value = _Value(dtype, dims, ptr=f"p{k}", strides=strides, views=k)
        if all(var.broadcastable):
            name = f"x{k}"
            h.append(f"{name} = {_cast(f'p{k}[0]', dtype)}")
            value.name = name
        return value

    def _value(self, var):
        if var in self.values:
            return self.values[var]
        if isinstance(var, Constant):
            data = np.asarray(var.data)
            if data.size == 1 and all(var.broadcastable):
                value = _Value(var.type.dtype, [_ONE] * var.ndim,
                               name=_literal(data.item(), var.type.dtype))  # fmt: skip
            else:
                value = self._load(var, ("constant", data))
            self.values[var] = value
            return value
        raise _Unsupported(f"{var} is needed before it is computed")

    # ------------------------------------------------------------------ storage
    def _require_equal(self, a: _Dim, b: _Dim):
        if a.src != b.src:
            self.head.append(f"if {a.src} != {b.src}: return -1")

    def _memory(self, var, dims, dtype=None):
        """Memory for a value of ``dims``: the caller's array for a function output,
        else a slice of the arena; C-contiguous."""
        dtype = dtype or var.type.dtype
        k = self._fresh("m")
        size = " * ".join(d.src for d in dims) or "1"
        self.head.append(f"n{k} = {size}")
        self.head.append(f"if n{k} > {ELEMENTS_MAX}: return -1")
        strides, step = [], "1"
        for d in reversed(dims):
            strides.insert(0, step)
            step = d.src if step == "1" else f"{step} * {d.src}"
        names = []
        for j, s in enumerate(strides):
            if s in ("1", "0") or s.isidentifier():
                names.append(s)
            else:
                names.append(f"st{k}_{j}")
                self.head.append(f"st{k}_{j} = {s}")
        if var is not None and var in self.output_arg and dtype == var.type.dtype:
            a = self.output_arg.pop(var)
            ptr = f"(mem.at_{_storage(dtype)}(mem.at_intp({a})[{self.data // 8}]))"
            self.head.append(f"p{k} = {ptr}")
        else:
            self.arena.append((k, dtype))
        return _Value(dtype, dims, ptr=f"p{k}", strides=names)

    # -------------------------------------------------------------------- nodes
    def _node(self, k, node):
        from theano.tensor.blas import Dot21, Dot22, Gemm, Gemv, Ger
        from theano.tensor.elemwise import CAReduce, DimShuffle, Elemwise
        from theano.tensor.math import Dot
        from theano.tensor.shape import Shape_i

        op = node.op
        for out in node.outputs:
            if not _kernel_dtype(getattr(out.type, "dtype", "object")):
                raise _Unsupported(f"{node}: dtype {out.type}")
        if isinstance(op, Elemwise):
            return self._elemwise(k, node)
        if isinstance(op, DimShuffle):
            return self._dimshuffle(node)
        if isinstance(op, CAReduce):
            return self._reduce(k, node)
        if isinstance(op, Dot22 | Dot21 | Dot | Gemm | Gemv):
            return self._product(k, node)
        if isinstance(op, Ger):
            return self._ger(k, node)
        if isinstance(op, Shape_i):
            dim = self._value(node.inputs[0]).dims[op.i]
            self.body.append(f"r{k} = np.int64({dim.src})")
            self.values[node.outputs[0]] = _Value("int64", [], name=f"r{k}")
            return None
        raise _Unsupported(f"{op} has no whole-graph form")

    def _elemwise(self, k, node):
        if len(node.outputs) != 1:
            raise _Unsupported(f"{node.op}: several outputs")
        out = node.outputs[0]
        ins = [self._value(v) for v in node.inputs]
        dims = []
        for j in range(out.ndim):
            full = [v.dims[j] for v, var in zip(ins, node.inputs) if not var.broadcastable[j]]
            for other in full[1:]:
                self._require_equal(full[0], other)
            dims.append(full[0] if full else _ONE)
        in_dtypes = [v.type.dtype for v in node.inputs]
        args = [f"e{k}_{i}" for i in range(len(ins))]
        local = _Locals(prefix=f"e{k}_t")
        try:
            result = _node_expr(node.op.scalar_op, args, in_dtypes, out.type.dtype, local)
        except NoNumbaForm as err:
            raise _Unsupported(str(err)) from err
        lines = [_sin_cos(line) for line in local.lines]
        result = _cast(_sin_cos(result), out.type.dtype)
        if all(out.broadcastable):
            self.body.extend(f"e{k}_{i} = {v.read([None] * out.ndim)}" for i, v in enumerate(ins))
            self.body.extend(lines)
            self.body.append(f"r{k} = {result}")
            self.values[out] = _Value(out.type.dtype, dims, name=f"r{k}")
            return
        target = self._memory(out, dims)
        index = [f"i{j}" for j in range(out.ndim)]
        loads = []
        for i, (v, var) in enumerate(zip(ins, node.inputs)):
            at = [None if b else index[j] for j, b in enumerate(var.broadcastable)]
            loads.append(f"e{k}_{i} = {v.read(at)}")
        write = f"{target.ptr}[{target.offset(index)}] = {_store(out.type.dtype, result)}"
        self.body.extend(_loops(dims, [*loads, *lines, write]))
        self.values[out] = target

    def _dimshuffle(self, node):
        op = node.op
        x = self._value(node.inputs[0])
        dims = [_ONE if d == "x" else x.dims[d] for d in op.new_order]
        if x.name is not None:
            value = _Value(x.dtype, dims, name=x.name)
        else:
            strides = ["0" if d == "x" else x.strides[d] for d in op.new_order]
            value = _Value(x.dtype, dims, ptr=x.ptr, strides=strides, views=x.views)
        self.values[node.outputs[0]] = value

    def _reduce(self, k, node):
        from theano.tensor.elemwise import Max, Min, Prod, Sum

        op = node.op
        combine = {Sum: "add", Prod: "mul", Max: "max", Min: "min"}.get(type(op))
        var, out = node.inputs[0], node.outputs[0]
        axes = op._axes(var.ndim)
        if combine is None or not axes:
            raise _Unsupported(f"{op} has no whole-graph form")
        acc = op.acc_dtype or out.type.dtype
        if combine in ("max", "min") and (acc == "bool" or acc != var.type.dtype):
            raise _Unsupported(f"{op} of {var.type.dtype}")
        x = self._value(var)
        for a in axes:
            if combine in ("max", "min"):  # NumPy raises on an empty maximum
                self.head.append(f"if {x.dims[a].src} == 0: return -1")
        kept = [d for d in range(var.ndim) if d not in axes]
        if op.keepdims_pattern is not None:
            dims = [_ONE if d in axes else x.dims[d] for d in range(var.ndim)]
        else:
            dims = [x.dims[d] for d in kept]
        index = [f"i{j}" for j in range(var.ndim)]
        element = _cast(x.read(index), acc)
        if all(out.broadcastable):
            a = f"r{k}_acc"
            self.body.append(f"{a} = {_identity(combine, acc)}")
            self.body.extend(_loops(x.dims, [f"{a} = {_combine(combine, a, element, acc)}"]))
            self.body.append(f"r{k} = {_cast(a, out.type.dtype)}")
            self.values[out] = _Value(out.type.dtype, dims, name=f"r{k}")
            return
        same = acc == out.type.dtype
        target = self._memory(out if same else None, dims, acc)
        if op.keepdims_pattern is not None:
            at = [None if d in axes else index[d] for d in range(var.ndim)]
        else:
            at = [index[d] for d in kept]
        slot = f"{target.ptr}[{target.offset(at)}]"
        out_index = [f"i{j}" for j in range(len(dims))]
        start = f"{target.ptr}[{target.offset(out_index)}] = {_identity(combine, acc)}"
        self.body.extend(_loops(dims, [start]))
        self.body.extend(_loops(x.dims, [f"{slot} = {_combine(combine, slot, element, acc)}"]))
        if not same:
            final = self._memory(out, dims)
            value = _store(out.type.dtype, _cast(target.read(out_index), out.type.dtype))
            self.body.extend(_loops(dims, [f"{final.ptr}[{final.offset(out_index)}] = {value}"]))
            target = final
        self.values[out] = target

    def _operand(self, var, value, rows):
        """``(dims, read)``: ``var`` (1-d or 2-d) as a matrix; a vector is one row
        (``rows``) or one column; ``read(i, j)`` reads an element."""
        if var.ndim == 2:
            return value.dims, lambda i, j: value.read([i, j])
        if rows:
            return [_ONE, value.dims[0]], lambda i, j: value.read([j])
        return [value.dims[0], _ONE], lambda i, j: value.read([i])

    def _product(self, k, node):
        from theano.tensor.blas import Dot21, Dot22
        from theano.tensor.math import Dot

        op = node.op
        out = node.outputs[0]
        dtype = out.type.dtype
        if isinstance(op, Dot22 | Dot21 | Dot):
            x, y = node.inputs
            z = alpha = beta = None
        else:  # Gemm, Gemv: beta * z + alpha * dot(x, y)
            z, alpha, x, y, beta = node.inputs
        if any(v.type.dtype != dtype for v in (x, y)) or not dtype.startswith("float"):
            raise _Unsupported(f"{op} of {x.type}, {y.type}")
        xv, yv = self._value(x), self._value(y)
        (m, kx), read_x = self._operand(x, xv, rows=True)
        (ky, n), read_y = self._operand(y, yv, rows=False)
        self._require_equal(kx, ky)
        dims = ([m] if x.ndim == 2 else []) + ([n] if y.ndim == 2 else [])
        if z is not None:
            zv = self._value(z)
            for have, want in zip(zv.dims, dims):
                self._require_equal(have, want)
            dims = zv.dims
        self.head.append(f"if {m.src} * {n.src} * {kx.src} > {PRODUCT_MAX}: return -1")
        acc = f"r{k}_acc"
        if all(out.broadcastable):
            self.body.append(f"{acc} = np.{dtype}(0)")
            self.body.extend(_loops([kx], [f"{acc} += {read_x('0', 'i0')} * {read_y('i0', '0')}"]))
            if z is not None:
                self.body.append(self._gemm_scale(acc, acc, zv.read([None] * z.ndim),
                                                  self._value(alpha), self._value(beta), dtype))  # fmt: skip
            self.body.append(f"r{k} = {acc}")
            self.values[out] = _Value(dtype, dims, name=f"r{k}")
            return
        target = self._memory(out, dims)
        flat = f"i * {n.src} + j"
        self.body += [
            f"for i in range({m.src}):",
            f"    for j in range({n.src}):",
            f"        {target.ptr}[{flat}] = 0",
            f"    for l in range({kx.src}):",
            f"        {acc} = {read_x('i', 'l')}",
            f"        for j in range({n.src}):",
            f"            {target.ptr}[{flat}] += {acc} * {read_y('l', 'j')}",
        ]
        if z is not None:
            index = ["i", "j"] if z.ndim == 2 else (["i"] if x.ndim == 2 else ["j"])
            slot = f"{target.ptr}[{flat}]"
            line = self._gemm_scale(slot, slot, zv.read(index), self._value(alpha),
                                    self._value(beta), dtype)  # fmt: skip
            self.body += [f"for i in range({m.src}):", f"    for j in range({n.src}):",
                          f"        {line}"]  # fmt: skip
        self.values[out] = target

    @staticmethod
    def _gemm_scale(dest, product, z, alpha, beta, dtype):
        """``dest = alpha * product + beta * z``; ``z`` is not read when ``beta`` is 0 (a
        NaN in it does not spread, as in BLAS)."""
        a, b = alpha.read([]), beta.read([])
        return (f"{dest} = {_cast(f'{a} * {product}', dtype)} if {b} == 0 else "
                f"{_cast(f'{a} * {product} + {b} * {z}', dtype)}")  # fmt: skip

    def _ger(self, k, node):
        dtype = node.outputs[0].type.dtype
        if not dtype.startswith("float"):
            raise _Unsupported(f"{node.op} of {dtype}")
        mv, av, xv, yv = (self._value(v) for v in node.inputs)
        self._require_equal(mv.dims[0], xv.dims[0])
        self._require_equal(mv.dims[1], yv.dims[0])
        target = self._memory(node.outputs[0], mv.dims)
        value = _cast(f"{mv.read(['i0', 'i1'])} + {av.read([])} * {xv.read(['i0'])} * "
                      f"{yv.read(['i1'])}", dtype)  # fmt: skip
        self.body.extend(
            _loops(mv.dims, [f"{target.ptr}[{target.offset(['i0', 'i1'])}] = {value}"])
        )
        self.values[node.outputs[0]] = target

    # ------------------------------------------------------------------ the end
    def _finish(self):
        """Write the outputs not computed in place, then the in-place updates."""
        for var, a in list(self.output_arg.items()):
            # Views, and values held in a local: copied into the caller's array.
            value = self.values[var]
            dtype = var.type.dtype
            ptr = f"po{a[1:]}"
            self.head.append(
                f"{ptr} = mem.at_{_storage(dtype)}(mem.at_intp({a})[{self.data // 8}])"
            )
            index = [f"i{j}" for j in range(var.ndim)]
            dest = _Value(dtype, value.dims, ptr=ptr, strides=_contiguous(value.dims))
            write = f"{ptr}[{dest.offset(index)}] = {_store(dtype, value.read(index))}"
            self.tail.extend(_loops(value.dims, [write]))
        for var, j in self.copy_back.items():
            value = self.values[var]
            dest = self.values[self.fgraph.inputs[j]]
            if value.views is not None:
                raise _Unsupported("an in-place update that is a view of an input")
            a = f"a{dest.views}"
            self.head.append(f"if mem.at_int32({a} + {self.flags})[0] & {WRITEABLE_FLAG} == 0: "
                             "return -1")  # fmt: skip
            for have, want in zip(value.dims, dest.dims):
                self._require_equal(have, want)
            dtype = var.type.dtype
            index = [f"i{j}" for j in range(var.ndim)]
            write = f"{dest.ptr}[{dest.offset(index)}] = {_store(dtype, value.read(index))}"
            self.tail.extend(_loops(dest.dims, [write]))

    def source(self):
        """The kernel module's source."""
        arena = self._arg("arena")
        lines = list(self.head)
        lines.append("need = 0")
        for k, dtype in self.arena:
            size = np.dtype(dtype).itemsize
            lines.append(f"o{k} = need")
            lines.append(f"need += (n{k} * {size} + {_ALIGN - 1}) // {_ALIGN} * {_ALIGN}")
        lines.append(f"ha = mem.at_intp({arena})")
        lines.append(f"base = ha[{self.data // 8}]")
        lines.append(f"if need > mem.at_intp(ha[{self.dims_at // 8}])[0] - {_ALIGN}: "
                     f"return need + {_ALIGN}")  # fmt: skip
        lines.append(f"base = (base + {_ALIGN - 1}) // {_ALIGN} * {_ALIGN}")
        for k, dtype in self.arena:
            lines.append(f"p{k} = mem.at_{_storage(dtype)}(base + o{k})")
        lines += self.body
        lines += self.tail
        lines.append("return 0")
        params = ", ".join(f"a{i}" for i in range(len(self.args)))
        text = f"def body({params}):\n" + "".join(f"    {ln}\n" for ln in lines)
        signature = f"types.intp({', '.join(['types.intp'] * len(self.args))})"
        return cfunc_module(signature, text)


def op_kinds():
    """The op classes a whole-graph kernel computes (some of their nodes only)."""
    from theano.tensor.blas import Dot21, Dot22, Gemm, Gemv, Ger
    from theano.tensor.elemwise import CAReduce, DimShuffle, Elemwise
    from theano.tensor.math import Dot
    from theano.tensor.shape import Shape_i

    return (Elemwise, DimShuffle, CAReduce, Dot22, Dot21, Dot, Gemm, Gemv, Ger, Shape_i)


def _kernel_dtype(dtype):
    return dtype in ("bool", "float32", "float64") or dtype.startswith(("int", "uint"))


def _sin_cos(source):
    # vector_math's sin and cos hold on a bounded range only: the C library's here.
    return source.replace("vm.sin(", "np.sin(").replace("vm.cos(", "np.cos(")


def _contiguous(dims):
    strides, step = [], "1"
    for d in reversed(dims):
        strides.insert(0, step)
        step = d.src if step == "1" else f"{step} * {d.src}"
    return [s if s in ("0", "1") else f"({s})" for s in strides]


def _loops(dims, inner):
    """Nested loops over ``dims`` (indices ``i0, i1...``) around the lines ``inner``."""
    lines = [f"{'    ' * j}for i{j} in range({d.src}):" for j, d in enumerate(dims)]
    pad = "    " * len(dims)
    return lines + [pad + ln for ln in inner]


def _identity(combine, dtype):
    if combine == "add":
        return _literal(0, dtype)
    if combine == "mul":
        return _literal(1, dtype)
    if dtype.startswith("float"):
        return _literal(-np.inf if combine == "max" else np.inf, dtype)
    info = np.iinfo(dtype)
    return _literal(info.min if combine == "max" else info.max, dtype)


def _combine(combine, acc, x, dtype):
    if combine == "add":
        return _cast(f"{acc} + {x}", dtype)
    if combine == "mul":
        return _cast(f"{acc} * {x}", dtype)
    better = ">" if combine == "max" else "<"
    # A NaN wins as in NumPy: once held it stays (comparisons with it are false).
    nan = f" or {x} != {x}" if dtype.startswith("float") else ""
    return f"({x} if {x} {better} {acc}{nan} else {acc})"


class Plan:
    """A compiled whole-graph kernel and the source that calls it."""

    def __init__(self, graph, kernel):
        self.graph = graph
        self.kernel = kernel

    def emit(self, ctx, input_names):
        """``(lines, status, outputs)``: source computing the graph with the kernel, the
        local that is 0 when it did, and the source of each graph output then."""
        g = self.graph
        call = ctx.ref(self.kernel.fn, "graph_kernel")
        ident, empty = ctx.ref(id, "id"), ctx.ref(np.empty, "empty")
        ndarray = ctx.ref(np.ndarray, "ndarray")
        arena = ctx.ref([np.empty(0, np.uint8)], "arena")
        status = ctx.local("_status")
        conds, args, allocs, out_names = [], [], [], []
        for var in g.outputs:
            name = ctx.local("_out")
            out_names.append(name)
            shape = [_python_dim(d, input_names) for d in g.values[var].dims]
            text = f"({', '.join(shape)}{',' if len(shape) == 1 else ''})"
            allocs.append(f"{name} = {empty}({text}, {var.type.dtype!r})")
        for what in g.args:
            if what == "arena":
                args.append(f"{ident}({arena}[0])")
            elif what[0] == "input":
                name = input_names[what[1]]
                dtype = ctx.ref(np.dtype(g.fgraph.inputs[what[1]].type.dtype),
                                f"dt_{g.fgraph.inputs[what[1]].type.dtype}")  # fmt: skip
                cond = f"type({name}) is {ndarray} and {name}.dtype is {dtype}"
                if g.fgraph.inputs[what[1]].ndim:  # large arrays: the usual code, at once
                    cond += f" and {name}.size <= {ELEMENTS_MAX}"
                if cond not in conds:
                    conds.append(cond)
                args.append(f"{ident}({name})")
            elif what[0] == "constant":
                args.append(f"{ident}({ctx.ref(what[1], 'c')})")
            else:
                args.append(f"{ident}({out_names[what[1]]})")
        kernel_call = f"{call}({', '.join(args)})"
        lines = [f"{status} = -1", f"if {' and '.join(conds) or 'True'}:"]
        lines += ["    " + a for a in allocs]
        lines += [f"    {status} = {kernel_call}", f"    if {status} > 0:",
                  f"        {arena}[0] = {empty}({status}, 'uint8')",
                  f"        {status} = {kernel_call}"]  # fmt: skip
        outs = [input_names[r[1]] if r[0] == "input" else out_names[r[1]] for r in g.returns]
        return lines, status, outs


def _python_dim(dim, input_names):
    """Source of the length of ``dim`` in the calling function."""
    if dim.origin is None:
        return "1"
    (kind, what), axis = dim.origin
    if kind == "input":
        return f"{input_names[what]}.shape[{axis}]"
    return str(what.shape[axis])  # a constant's


def plan(fgraph, nodes):
    """The whole-graph kernel of ``fgraph`` (its nodes in order), compiled, or None when
    a node has no whole-graph form or the kernel cannot be built."""
    if not nodes:
        return None
    try:
        graph = GraphKernel(fgraph, nodes)
        source = graph.source()
    except _Unsupported:
        return None
    from theano.link.numba.ops import FunctionSpec

    spec = FunctionSpec(source, ["n"] * len(graph.args), returns_index=True)
    try:
        kernel = load_kernel(spec)
    except NoNumbaForm:
        return None
    return Plan(graph, kernel)
