"""Whole graphs of small arrays as one compiled function.

On small arrays a graph's time goes to its calls (a NumPy call per op, a BLAS call
per product), not to arithmetic. When every node of a compiled graph has a form here
(elementwise ops whose scalar ops have a Numba form, dimshuffles, sums, products,
maxima and minima, matrix products, shapes, reshapes, slices, rows picked by an index
vector, joins, the softmax family), the Numba tier compiles the whole graph
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

import re
import warnings

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
#
# Generated kernels avoid Python's builtins (``max(a, b)`` is compiled with exception
# handling that links to Numba's runtime): a cached kernel must load without Numba.
ELEMENTS_MAX = 1 << 14
PRODUCT_MAX = 1 << 16

_ALIGN = 64  # bytes: each arena value starts on a cache line


class _Dim:
    """One dimension of a value: ``src`` in the kernel, ``origin`` ``(input, axis)``
    where it comes from (None for a dimension of length 1, or one computed in the kernel
    from values: ``known`` False, and the caller cannot allocate an output of it).
    ``formula`` derives it from other dimensions, so the caller can compute it too:
    ``("literal", n)``, ``("sum", dims)`` or ``("quotient", dims, dims)`` (the product of
    the first over that of the second)."""

    def __init__(self, src, origin=None, known=True, formula=None):
        self.src = src
        self.origin = origin
        self.known = known
        self.formula = formula

    @classmethod
    def literal(cls, n):
        return _ONE if n == 1 else cls(str(n), formula=("literal", n))

    @classmethod
    def derived(cls, src, formula, parts):
        return cls(src, known=all(d.known for d in parts), formula=formula)

    def literal_value(self):
        """Its length when fixed in the graph (1 for `_ONE`), else None."""
        if self.formula is not None and self.formula[0] == "literal":
            return self.formula[1]
        return 1 if self.src == "1" else None


_ONE = _Dim("1")


class _Value:
    """A value in the kernel: one element held in a local (``name``; every dimension has
    length 1), or memory at ``ptr`` with ``dims`` and element ``strides``. ``views`` is
    the kernel argument whose memory it is when it is an input's (or a view of one)."""

    def __init__(self, dtype, dims, name=None, ptr=None, strides=None, views=None, start="0",
                 in_head=False):  # fmt: skip
        self.dtype = dtype
        self.dims = list(dims)
        self.name = name
        self.ptr = ptr
        self.strides = list(strides or [])
        self.views = views
        self.start = start  # the element offset of the first element from ``ptr``
        # A value computed before anything is written (from shapes and constants), which
        # shapes and indices may use.
        self.in_head = in_head
        self.elements = None  # a shape's: the _Dim of each element (no memory)
        self.dim = None  # a scalar equal to this _Dim (a shape's element)
        self.contiguous = False  # C-contiguous memory of its own (from `_memory`)

    def offset(self, index):
        """The element offset of ``index`` (a source per dimension, None for 0)."""
        terms = [i if s == "1" else f"{i} * {s}"
                 for i, s in zip(index, self.strides) if i is not None and s != "0"]  # fmt: skip
        if self.start != "0":
            terms.insert(0, self.start)
        return " + ".join(terms) or "0"

    def read(self, index):
        """Source reading the element at ``index`` in the value's dtype."""
        if self.name is not None:
            return self.name
        if self.ptr is None:
            raise _Unsupported("a shape read as an array")
        element = f"{self.ptr}[{self.offset(index)}]"
        # A pointer's elements have the dtype already (a bool is stored as a uint8).
        return _cast(element, "bool") if self.dtype == "bool" else element


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
        self.checks = []  # conditions on which the kernel returns -1 (`_decline_if`)
        self.values: dict = {}
        self.args: list = []  # ("input", index) | ("constant", array) | ("output", k) | "arena"
        self.outputs: list = []  # the variables whose arrays the caller allocates
        self.out_index: dict = {}  # variable -> its place in self.outputs
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
            if var not in self.out_index:
                self.out_index[var] = len(self.outputs)
                self.outputs.append(var)
            self.returns.append(("output", self.out_index[var]))
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
            self._decline_if(f"ss{k}[{j}] % {item} != 0")
            h.append(f"s{k}_{j} = ss{k}[{j}] // {item}")
            if bcast:
                if all(var.broadcastable):  # its element is read at once, below
                    h.append(f"if d{k}_{j} != 1: return -1")
                else:
                    self._decline_if(f"d{k}_{j} != 1")
                dims.append(_ONE)
            else:
                dims.append(_Dim(f"d{k}_{j}", (what, j)))
            strides.append(f"s{k}_{j}")
        value = _Value(dtype, dims, ptr=f"p{k}", strides=strides, views=k)
        if all(var.broadcastable):
            name = f"x{k}"
            h.append(f"{name} = {_cast(f'p{k}[0]', dtype)}")
            value.name = name
            value.in_head = True
        return value

    def _value(self, var):
        if var in self.values:
            return self.values[var]
        if isinstance(var, Constant):
            data = np.asarray(var.data)
            if data.size == 1 and all(var.broadcastable):
                value = _Value(var.type.dtype, [_ONE] * var.ndim, in_head=True,
                               name=_literal(data.item(), var.type.dtype))  # fmt: skip
            else:
                value = self._load(var, ("constant", data))
            self.values[var] = value
            return value
        raise _Unsupported(f"{var} is needed before it is computed")

    # ------------------------------------------------------------------ storage
    def _require_equal(self, a: _Dim, b: _Dim):
        if a.src != b.src:
            self._decline_if(f"{a.src} != {b.src}")

    def _decline_if(self, condition):
        """Return -1 when ``condition`` holds, tested with the others at the end of the
        head, in one branch: Numba's compile time grows with the branches."""
        if condition not in self.checks:
            self.checks.append(condition)

    def _memory(self, var, dims, dtype=None):
        """Memory for a value of ``dims``: the caller's array for a function output,
        else a slice of the arena; C-contiguous."""
        dtype = dtype or var.type.dtype
        k = self._fresh("m")
        # Each length is checked too: a product of lengths read from arrays of no
        # elements ((2**32, 0) @ (0, 2**32)) may wrap around; of four at most does not.
        if len(dims) > 4:
            raise _Unsupported("more than four dimensions")
        lengths = [d.src for d in dims if d.src != "1"]
        self.head.append(f"n{k} = {' * '.join(lengths) or '1'}")
        for length in [*lengths, f"n{k}"]:
            self._decline_if(f"{length} > {ELEMENTS_MAX}")
        names = self._c_strides(k, dims)
        if var is not None and var in self.output_arg and dtype == var.type.dtype:
            if not all(d.known for d in dims):
                raise _Unsupported(f"output {var} has a shape computed from values")
            a = self.output_arg.pop(var)
            ptr = f"(mem.at_{_storage(dtype)}(mem.at_intp({a})[{self.data // 8}]))"
            self.head.append(f"p{k} = {ptr}")
        else:
            self.arena.append((k, dtype))
        value = _Value(dtype, dims, ptr=f"p{k}", strides=names)
        value.contiguous = True
        return value

    def _c_strides(self, k, dims):
        """The element strides of C-contiguous memory of ``dims`` (locals of the head)."""
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
        return names

    # -------------------------------------------------------------------- nodes
    def _node(self, k, node):
        from theano.tensor.blas import Dot21, Dot22, Gemm, Gemv, Ger
        from theano.tensor.elemwise import CAReduce, DimShuffle, Elemwise
        from theano.tensor.join import Join
        from theano.tensor.math import Argmax, Dot
        from theano.tensor.shape import Alloc, MakeVector, Reshape, Shape, Shape_i
        from theano.tensor.subtensor import (
            AdvancedIncSubtensor1,
            AdvancedSubtensor1,
            IncSubtensor,
            Subtensor,
        )

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
            self.head.append(f"r{k} = np.int64({dim.src})")
            self.values[node.outputs[0]] = value = _Value("int64", [], name=f"r{k}", in_head=True)
            value.dim = dim
            return None
        if isinstance(op, Shape):
            dims = self._value(node.inputs[0]).dims
            value = _Value("int64", [_Dim.literal(len(dims))])
            value.elements = list(dims)
            self.values[node.outputs[0]] = value
            return None
        kind = _nnet_kind(op)
        if kind is not None:
            return getattr(self, f"_{kind}")(k, node)
        if isinstance(op, Subtensor):
            return self._subtensor(k, node)
        if isinstance(op, IncSubtensor):
            return self._inc_subtensor(k, node)
        if isinstance(op, Alloc):
            return self._alloc(k, node)
        if isinstance(op, Argmax):
            return self._argmax(k, node)
        if isinstance(op, MakeVector):
            return self._make_vector(node)
        if isinstance(op, Reshape):
            return self._reshape(k, node)
        if isinstance(op, AdvancedSubtensor1):
            return self._take_rows(k, node)
        if isinstance(op, AdvancedIncSubtensor1):
            return self._inc_rows(k, node)
        if isinstance(op, Join):
            return self._join(k, node)
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
            # Equal after the checks: a length the caller can compute, where one is.
            dims.append(next((d for d in full if d.known), full[0]) if full else _ONE)
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
            in_head = all(v.in_head for v in ins)
            code = self.head if in_head else self.body
            code.extend(f"e{k}_{i} = {v.read([None] * out.ndim)}" for i, v in enumerate(ins))
            code.extend(lines)
            code.append(f"r{k} = {result}")
            self.values[out] = _Value(out.type.dtype, dims, name=f"r{k}", in_head=in_head)
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
        if x.elements is not None:
            raise _Unsupported("a shape as an array")
        dims = [_ONE if d == "x" else x.dims[d] for d in op.new_order]
        if x.name is not None:
            value = _Value(x.dtype, dims, name=x.name, in_head=x.in_head)
        else:
            strides = ["0" if d == "x" else x.strides[d] for d in op.new_order]
            value = _Value(x.dtype, dims, ptr=x.ptr, strides=strides, views=x.views,
                           start=x.start)  # fmt: skip
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
                self._decline_if(f"{x.dims[a].src} == 0")
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

    def _argmax(self, k, node):
        """`Argmax` and `Argmin` over one axis or all: the first extremum, or the first
        NaN, as NumPy."""
        from theano.tensor.math import Argmin

        var, out = node.inputs[0], node.outputs[0]
        dtype = var.type.dtype
        if dtype == "bool":
            raise _Unsupported(f"{node.op} of booleans")
        x = self._value(var)
        axis = node.op.axis
        axes = list(range(var.ndim)) if axis is None else [axis % var.ndim]
        for a in axes:  # NumPy raises on an empty sequence
            self._decline_if(f"{x.dims[a].src} == 0")
        kept = [d for d in range(var.ndim) if d not in axes]
        dims = [x.dims[d] for d in kept]
        better = "<" if isinstance(node.op, Argmin) else ">"
        index = [f"i{j}" for j in range(var.ndim)]
        v = f"a{k}_v"
        if all(out.broadcastable):
            # The position in C order of the reduced dimensions: a counter.
            best, at, pos = f"a{k}_best", f"r{k}", f"a{k}_pos"
            self.body += [f"{best} = {_literal(0, dtype)}", f"{at} = np.int64(0)",
                          f"{pos} = np.int64(0)"]  # fmt: skip
            self.body += _loops(x.dims, [
                f"{v} = {x.read(index)}",
                f"if {pos} == 0 or {v} {better} {best} or ({v} != {v} and {best} == {best}):",
                f"    {best} = {v}",
                f"    {at} = {pos}",
                f"{pos} += 1",
            ])  # fmt: skip
            self.values[out] = _Value("int64", dims, name=at)
            return
        target = self._memory(out, dims)
        best = self._memory(None, dims, dtype)
        at = [index[d] for d in kept]
        slot, held = f"{target.ptr}[{target.offset(at)}]", f"{best.ptr}[{best.offset(at)}]"
        first = index[axes[0]]
        self.body += _loops(x.dims, [
            f"{v} = {x.read(index)}",
            f"if {first} == 0 or {v} {better} {held} or ({v} != {v} and {held} == {held}):",
            f"    {held} = {v}",
            f"    {slot} = {first}",
        ])  # fmt: skip
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
        for length in (m.src, n.src, kx.src, f"{m.src} * {n.src} * {kx.src}"):
            self._decline_if(f"{length} > {PRODUCT_MAX}")
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
        """``dest = alpha * product + beta * z``, as BLAS: ``z`` is not read when ``beta``
        is 0, the product not when ``alpha`` is (a NaN there does not spread)."""
        a, b = alpha.read([]), beta.read([])
        scaled, kept = _cast(f"{a} * {product}", dtype), _cast(f"{b} * {z}", dtype)
        both = _cast(f"{a} * {product} + {b} * {z}", dtype)
        zero = _literal(0, dtype)
        return (f"{dest} = ({zero} if {b} == 0 else {kept}) if {a} == 0 else "
                f"({scaled} if {b} == 0 else {both})")  # fmt: skip

    def _ger(self, k, node):
        dtype = node.outputs[0].type.dtype
        if not dtype.startswith("float"):
            raise _Unsupported(f"{node.op} of {dtype}")
        mv, av, xv, yv = (self._value(v) for v in node.inputs)
        self._require_equal(mv.dims[0], xv.dims[0])
        self._require_equal(mv.dims[1], yv.dims[0])
        target = self._memory(node.outputs[0], mv.dims)
        m, a = mv.read(["i0", "i1"]), av.read([])
        # As BLAS: with alpha 0, x and y are not read (a NaN there does not spread).
        value = _cast(f"{m} if {a} == 0 else {m} + {a} * {xv.read(['i0'])} * {yv.read(['i1'])}",
                      dtype)  # fmt: skip
        self.body.extend(
            _loops(mv.dims, [f"{target.ptr}[{target.offset(['i0', 'i1'])}] = {value}"])
        )
        self.values[node.outputs[0]] = target

    # ----------------------------------------------------------------- indexing
    def _index_value(self, var):
        value = self._value(var)
        if not value.in_head:
            raise _Unsupported(f"index {var} is computed from array values")
        if var.type.dtype == "uint64":  # above intp's range: the usual code's error
            # (as intp it is negative; compared as uint64 with an int literal, Numba
            # compares in float64, where 2**63 + 1 is 2**63)
            self._decline_if(f"np.intp({value.name}) < 0")
        return value.name

    def _slice(self, k, x, idx_list, index_vars):
        """``x[idx]`` as a view: ``(start, dims, strides)`` over ``x``'s memory, with
        Python's rules for bounds (an integer out of range returns -1: the usual code
        raises IndexError)."""
        values = iter(index_vars)
        h = self.head
        start, dims, strides = x.start, [], []
        for d in range(len(x.dims)):
            n, stride = x.dims[d].src, x.strides[d]
            entry = idx_list[d] if d < len(idx_list) else ("s", False, False, False)
            if entry == "i":
                i = f"ix{k}_{d}"
                h.append(f"{i} = np.intp({self._index_value(next(values))})")
                h.append(f"if {i} < 0: {i} += {n}")
                self._decline_if(f"{i} < 0 or {i} >= {n}")
                start = f"{start} + {i} * {stride}"
                continue
            bounds = [next(values) if present else None for present in entry[1:]]
            lo, hi, step = (None if v is None else self._index_value(v) for v in bounds)
            if lo is None and hi is None and step is None:
                dims.append(x.dims[d])
                strides.append(stride)
                continue
            constant_step = bounds[2].data if isinstance(bounds[2], Constant) else None
            whole = lo is None and hi is None and constant_step in (1, -1)
            b, e, st, ln = (f"{name}{k}_{d}" for name in ("lo", "hi", "st", "ln"))
            h.append(f"{st} = np.intp({step if step is not None else 1})")
            self._decline_if(f"{st} == 0")
            # A step longer than the dimension takes one element at most: clamped, so
            # that the arithmetic below cannot overflow.
            h.append(f"if {st} > {n}: {st} = {n} + 1")
            h.append(f"if {st} < -{n}: {st} = -{n} - 1")
            # Python's slice.indices(n): bounds clamped to [0, n] (or [-1, n - 1] back).
            h.append(f"lower{k}_{d} = 0 if {st} > 0 else -1")
            h.append(f"upper{k}_{d} = {n} if {st} > 0 else {n} - 1")
            for name, bound, default in ((b, lo, f"upper{k}_{d} if {st} < 0 else lower{k}_{d}"),
                                         (e, hi, f"lower{k}_{d} if {st} < 0 else upper{k}_{d}")):  # fmt: skip
                if bound is None:
                    h.append(f"{name} = {default}")
                    continue
                h.append(f"{name} = np.intp({bound})")
                h.append(f"if {name} < 0: {name} += {n}")
                h.append(f"if {name} < lower{k}_{d}: {name} = lower{k}_{d}")
                h.append(f"if {name} > upper{k}_{d}: {name} = upper{k}_{d}")
            h.append(f"{ln} = (({e} - {b} + {st} - 1) // {st}) if {st} > 0 else "
                     f"(({b} - {e} - {st} - 1) // (-{st}))")  # fmt: skip
            h.append(f"if {ln} < 0: {ln} = 0")
            start = f"{start} + {b} * {stride}"
            # x[::-1] is as long as x: a length the caller knows.
            dims.append(x.dims[d] if whole else _Dim(ln, known=False))
            strides.append(f"{stride} * {st}")
        name = f"sx{k}"
        h.append(f"{name} = {start}")
        return name, dims, strides

    def _subtensor(self, k, node):
        x = self._value(node.inputs[0])
        if x.elements is not None:  # x.shape[i]
            index = node.inputs[1:]
            if node.op.idx_list != ("i",) or not isinstance(index[0], Constant):
                raise _Unsupported("a shape indexed by a variable")
            i = int(index[0].data)
            if not -len(x.elements) <= i < len(x.elements):
                raise _Unsupported("a shape indexed out of its range")
            dim = x.elements[i]
            value = _Value("int64", [], name=f"np.int64({dim.src})", in_head=True)
            value.dim = dim
            self.values[node.outputs[0]] = value
            return
        if x.name is not None:
            raise _Unsupported("indexing a value held in a local")
        start, dims, strides = self._slice(k, x, node.op.idx_list, node.inputs[1:])
        self.values[node.outputs[0]] = _Value(x.dtype, dims, ptr=x.ptr, strides=strides,
                                              views=x.views, start=start)  # fmt: skip

    def _inc_subtensor(self, k, node):
        x, y = (self._value(v) for v in node.inputs[:2])
        out = node.outputs[0]
        if x.name is not None:
            raise _Unsupported("indexing a value held in a local")
        target = self._memory(out, x.dims)
        index = [f"i{j}" for j in range(len(x.dims))]
        copy = f"{target.ptr}[{target.offset(index)}] = {_store(out.type.dtype, x.read(index))}"
        self.body.extend(_loops(x.dims, [copy]))
        start, dims, strides = self._slice(k, target, node.op.idx_list, node.inputs[2:])
        view = _Value(out.type.dtype, dims, ptr=target.ptr, strides=strides, start=start)
        yvar = node.inputs[1]
        lead = len(dims) - yvar.ndim
        for j, b in enumerate(yvar.broadcastable):
            if not b:
                self._require_equal(y.dims[j], dims[lead + j])
        index = [f"i{j}" for j in range(len(dims))]
        value = _cast(y.read([None if b else index[lead + j]
                              for j, b in enumerate(yvar.broadcastable)]), out.type.dtype)  # fmt: skip
        slot = f"{view.ptr}[{view.offset(index)}]"
        if not node.op.set_instead_of_inc:
            value = _cast(f"{slot} + {value}", out.type.dtype)
        self.body.extend(_loops(dims, [f"{slot} = {_store(out.type.dtype, value)}"]))
        self.values[out] = target

    def _alloc(self, k, node):
        value_var, *shape = node.inputs
        out = node.outputs[0]
        value = self._value(value_var)
        dims = []
        for j, (var, b) in enumerate(zip(shape, out.broadcastable)):
            n = self._index_value(var)
            same = self._value(var).dim
            if same is not None and not b:  # x.shape[j]: that dimension's length
                if same.origin is None:  # a length written in a shape vector may be < 0
                    self._decline_if(f"{n} < 0")
                dims.append(same)
                continue
            if b:
                self._decline_if(f"{n} != 1")
                dims.append(_ONE)
                continue
            name = f"al{k}_{j}"
            self.head.append(f"{name} = np.intp({n})")
            self._decline_if(f"{name} < 0")
            dims.append(_Dim(name, known=False))
        lead = out.ndim - value_var.ndim
        for j, b in enumerate(value_var.broadcastable):
            if not b:
                self._require_equal(value.dims[j], dims[lead + j])
        if all(out.broadcastable):
            self.values[out] = _Value(out.type.dtype, dims, in_head=value.in_head,
                                      name=_cast(value.read([None] * value_var.ndim),
                                                 out.type.dtype))  # fmt: skip
            return
        target = self._memory(out, dims)
        index = [f"i{j}" for j in range(out.ndim)]
        read = value.read([None if b else index[lead + j]
                           for j, b in enumerate(value_var.broadcastable)])  # fmt: skip
        write = f"{target.ptr}[{target.offset(index)}] = {_store(out.type.dtype, read)}"
        self.body.extend(_loops(dims, [write]))
        self.values[out] = target

    # ---------------------------------------------------- shapes, rows and joins
    def _make_vector(self, node):
        """A vector of integers, as its elements' lengths (a shape for `Reshape`)."""
        if node.op.dtype != "int64":
            raise _Unsupported(f"{node.op}: a vector of {node.op.dtype}")
        elements = []
        for var in node.inputs:
            if isinstance(var, Constant):
                elements.append(_Dim.literal(int(var.data)))
                continue
            value = self._value(var)
            if value.dim is not None:
                elements.append(value.dim)
            elif value.in_head:
                elements.append(_Dim(f"np.intp({value.name})", known=False))
            else:
                raise _Unsupported("a length computed from array values")
        value = _Value("int64", [_Dim.literal(len(elements))])
        value.elements = elements
        self.values[node.outputs[0]] = value

    def _shape_entries(self, var):
        """The lengths a shape vector ``var`` holds (`_Dim`s; a literal -1 infers)."""
        if isinstance(var, Constant):
            return [_Dim.literal(int(n)) for n in np.asarray(var.data).ravel()]
        value = self._value(var)
        if value.elements is None:
            raise _Unsupported("a shape read from an array")
        return list(value.elements)

    def _reshape(self, k, node):
        """`Reshape`: a view of memory the kernel wrote, else a copy in C order; NumPy's
        errors (sizes that differ, -1 with a zero-length rest) return -1."""
        x = self._value(node.inputs[0])
        out = node.outputs[0]
        if x.name is not None or x.elements is not None:
            raise _Unsupported("reshaping a value held in a local")
        entries = self._shape_entries(node.inputs[1])
        if len(entries) != out.ndim:
            raise _Unsupported("a shape of another length than the output's rank")
        if out.ndim > 4 or len(x.dims) > 4:  # as `_memory`: products that cannot wrap
            raise _Unsupported("a reshape of more than four dimensions")
        fixed_size = int(np.prod([max(e.literal_value() or 1, 1) for e in entries]))
        if fixed_size > ELEMENTS_MAX:
            raise _Unsupported("a reshape to more elements than a kernel takes")
        for d in x.dims:  # lengths small enough that their products cannot overflow
            if d.src != "1":
                self._decline_if(f"{d.src} > {ELEMENTS_MAX}")
        dims, rest, infer = [], [], None
        for j, entry in enumerate(entries):
            fixed = entry.literal_value()
            if fixed == -1 and infer is None:
                infer = j
                dims.append(None)
                continue
            if fixed is not None and not 0 <= fixed <= ELEMENTS_MAX:
                raise _Unsupported(f"a reshape to length {fixed}")
            if fixed is None:  # a computed -1 infers too: the usual code does that
                self._decline_if(f"{entry.src} < 0 or {entry.src} > {ELEMENTS_MAX}")
            if out.broadcastable[j] and fixed != 1:
                raise _Unsupported("a broadcastable length that is not 1")
            dims.append(entry)
            rest.append(entry)
        size, others = f"rz{k}", f"ro{k}"
        self.head.append(f"{size} = {' * '.join(d.src for d in x.dims if d.src != '1') or '1'}")
        self.head.append(f"{others} = {' * '.join(d.src for d in rest if d.src != '1') or '1'}")
        if infer is None:
            self._decline_if(f"{others} != {size}")
        else:
            inferred = f"ri{k}"
            self.head.append(f"{inferred} = {size} // ({others} if {others} != 0 else 1)")
            self._decline_if(f"{others} == 0 or {inferred} * {others} != {size}")
            dims[infer] = _Dim.derived(inferred, ("quotient", x.dims, rest), [*x.dims, *rest])
        if x.contiguous and out not in self.output_arg:
            strides = self._c_strides(self._fresh("m"), dims)
            view = _Value(x.dtype, dims, ptr=x.ptr, strides=strides, views=x.views,
                          start=x.start)  # fmt: skip
            view.contiguous = x.start == "0"
            self.values[out] = view
            return
        target = self._memory(out, dims)
        index = [f"i{j}" for j in range(len(x.dims))]
        counter = f"c{k}"
        self.body.append(f"{counter} = 0")
        self.body.extend(_loops(x.dims, [
            f"{target.ptr}[{counter}] = {_store(out.type.dtype, x.read(index))}",
            f"{counter} += 1",
        ]))  # fmt: skip
        self.values[out] = target

    def _row_index(self, k, x, ilist_var):
        """The source of row ``i0`` of ``x`` that ``ilist_var[i0]`` names (Python's
        negative indices), and its length; an index out of range returns -1 (the usual
        code raises IndexError). The indices must be an input's or a constant's."""
        if ilist_var.type.dtype == "uint64":
            raise _Unsupported("indices of uint64")
        ilist = self._value(ilist_var)
        # Read in the head, before its checks: an input's or a constant's own memory
        # only, not a view (whose bounds are among those checks).
        direct = ilist_var in self.fgraph.inputs or isinstance(ilist_var, Constant)
        if not direct or ilist.views is None or ilist.name is not None:
            raise _Unsupported("indices that are not an input or a constant")
        rows = x.dims[0].src
        # Read before the checks at the end of the head: the strides it reads with must
        # be whole elements now.
        item = np.dtype(ilist_var.type.dtype).itemsize
        what = self.args[ilist.views]
        ndim = self.fgraph.inputs[what[1]].ndim if what[0] == "input" else what[1].ndim
        for j in range(ndim):
            self.head.append(f"if ss{ilist.views}[{j}] % {item} != 0: return -1")
        bad = f"bad{k}"
        self.head.append(f"{bad} = False")
        self.head.extend(_loops(ilist.dims, [
            f"t{k} = np.intp({ilist.read(['i0'])})",
            f"if t{k} < -{rows} or t{k} >= {rows}: {bad} = True",
        ]))  # fmt: skip
        self._decline_if(bad)
        row = f"rw{k}"
        return row, [f"{row} = np.intp({ilist.read(['i0'])})",
                     f"if {row} < 0: {row} += {rows}"], ilist.dims[0]  # fmt: skip

    def _take_rows(self, k, node):
        """`AdvancedSubtensor1`: ``x[ilist]``, rows of ``x`` (a copy)."""
        x = self._value(node.inputs[0])
        out = node.outputs[0]
        if x.name is not None or x.elements is not None:
            raise _Unsupported("indexing a value held in a local")
        row, find, length = self._row_index(k, x, node.inputs[1])
        dims = [_ONE if out.broadcastable[0] else length, *x.dims[1:]]
        target = self._memory(out, dims)
        index = [f"i{j}" for j in range(len(dims))]
        read = x.read([row, *index[1:]])
        write = f"{target.ptr}[{target.offset(index)}] = {_store(out.type.dtype, read)}"
        self.body.extend(_loops(dims[:1], [*find, *_loops_from(1, dims[1:], [write])]))
        self.values[out] = target

    def _inc_rows(self, k, node):
        """`AdvancedIncSubtensor1`: a copy of ``x`` with ``y`` added to (or written into)
        its rows ``ilist``, in order: repeated rows accumulate (or the last wins)."""
        x, y = (self._value(v) for v in node.inputs[:2])
        out, yvar = node.outputs[0], node.inputs[1]
        if x.name is not None or x.elements is not None:
            raise _Unsupported("indexing a value held in a local")
        target = self._memory(out, x.dims)
        index = [f"i{j}" for j in range(len(x.dims))]
        copy = f"{target.ptr}[{target.offset(index)}] = {_store(out.type.dtype, x.read(index))}"
        self.body.extend(_loops(x.dims, [copy]))
        row, find, length = self._row_index(k, x, node.inputs[2])
        dims = [length, *x.dims[1:]]  # of x[ilist], which y broadcasts to
        lead = len(dims) - yvar.ndim
        for j, b in enumerate(yvar.broadcastable):
            if not b:
                self._require_equal(y.dims[j], dims[lead + j])
        value = _cast(y.read([None if b else index[lead + j]
                              for j, b in enumerate(yvar.broadcastable)]), out.type.dtype)  # fmt: skip
        slot = f"{target.ptr}[{target.offset([row, *index[1:]])}]"
        if not node.op.set_instead_of_inc:
            value = _cast(f"{slot} + {value}", out.type.dtype)
        write = f"{slot} = {_store(out.type.dtype, value)}"
        self.body.extend(_loops(dims[:1], [*find, *_loops_from(1, dims[1:], [write])]))
        self.values[out] = target

    def _join(self, k, node):
        """`Join`: the inputs one after another along the axis, into new memory."""
        out = node.outputs[0]
        axis = node.op.axis % out.ndim
        parts = [self._value(v) for v in node.inputs]
        if any(p.elements is not None for p in parts):
            raise _Unsupported("joining shapes")
        dims = []
        for j in range(out.ndim):
            if j == axis:
                lengths = [p.dims[j] for p in parts]
                for d in lengths:  # lengths whose sum cannot wrap around
                    if d.src != "1":
                        self._decline_if(f"{d.src} > {ELEMENTS_MAX}")
                src = " + ".join(d.src for d in lengths)
                total = _Dim.derived(f"jn{k}", ("sum", lengths), lengths)
                self.head.append(f"jn{k} = {src}")
                dims.append(_ONE if out.broadcastable[j] else total)
                continue
            full = [p.dims[j] for p, v in zip(parts, node.inputs) if not v.broadcastable[j]]
            if len(full) != len(parts):  # NumPy does not broadcast in a join
                for p, v in zip(parts, node.inputs):
                    if v.broadcastable[j]:
                        full.append(p.dims[j])
            for other in full[1:]:
                self._require_equal(full[0], other)
            known = next((d for d in full if d.known and d.src != "1"), full[0])
            dims.append(_ONE if out.broadcastable[j] else known)
        target = self._memory(out, dims)
        offset = "0"
        for n, (part, var) in enumerate(zip(parts, node.inputs)):
            index = [f"i{j}" for j in range(out.ndim)]
            at = list(index)
            at[axis] = index[axis] if offset == "0" else f"({offset} + {index[axis]})"
            write = (
                f"{target.ptr}[{target.offset(at)}] = {_store(out.type.dtype, part.read(index))}"
            )
            self.body.extend(_loops(part.dims, [write]))
            length = part.dims[axis].src
            if n + 1 < len(parts):
                self.head.append(f"jo{k}_{n} = {offset} + {length}")
                offset = f"jo{k}_{n}"
        self.values[out] = target

    # ------------------------------------------------------------ softmax family
    def _rows(self, var):
        """``(value, rows, cols, read(i, j))`` of a float matrix or vector (one row)."""
        value = self._value(var)
        if var.ndim == 2:
            return value, value.dims[0], value.dims[1], lambda i, j: value.read([i, j])
        if var.ndim == 1:
            return value, _ONE, value.dims[0], lambda i, j: value.read([j])
        raise _Unsupported(f"{var.type}: rows of a matrix or vector only")

    def _softmax(self, k, node):
        """`Softmax`, `LogSoftmax` and `SoftmaxWithBias` along the last axis, a row at a
        time: the maximum, the shifted exponentials and their sum, as NumPy computes."""
        from theano.tensor.nnet.basic import LogSoftmax

        _check_last_axis(node.op, node.inputs[0])
        _, rows, cols, read = self._rows(node.inputs[0])
        z = read("i", "j")
        if len(node.inputs) == 2:  # SoftmaxWithBias
            b = self._value(node.inputs[1])
            self._require_equal(b.dims[0], cols)
            z = f"({z} + {b.read(['j'])})"
        out = node.outputs[0]
        dtype = out.type.dtype
        target = self._memory(out, [rows, cols] if out.ndim == 2 else [cols])
        put = f"{target.ptr}[i * {cols.src} + j]"
        if isinstance(node.op, LogSoftmax):
            value = _cast(f"{z} - top - np.log(total)", dtype)
        else:
            value = _cast(f"np.exp({z} - top) / total", dtype)
        lines = [
            f"for i in range({rows.src}):",
            f"    top = {_literal(-np.inf, dtype)}",
            f"    for j in range({cols.src}):",
            f"        top = {_combine('max', 'top', z, dtype)}",
            f"    total = {_literal(0, dtype)}",
            f"    for j in range({cols.src}):",
            f"        total += {_cast(f'np.exp({z} - top)', dtype)}",
            f"    for j in range({cols.src}):",
            f"        {put} = {value}",
        ]
        self.body += _own_names(k, lines)
        self.values[out] = target

    def _softmax_grad(self, k, node):
        """`SoftmaxGrad` along the last axis: ``dy * sm - sm * sum(dy * sm)``."""
        _check_last_axis(node.op, node.inputs[1])
        _, rows, cols, dy = self._rows(node.inputs[0])
        _, rows2, cols2, sm = self._rows(node.inputs[1])
        self._require_equal(rows, rows2)
        self._require_equal(cols, cols2)
        out = node.outputs[0]
        dtype = out.type.dtype
        target = self._memory(out, [rows, cols] if out.ndim == 2 else [cols])
        product = _cast(f"{dy('i', 'j')} * {sm('i', 'j')}", dtype)
        grad = _cast(f"{product} - {sm('i', 'j')} * total", dtype)
        self.body += _own_names(
            k,
            [
                f"for i in range({rows.src}):",
                f"    total = {_literal(0, dtype)}",
                f"    for j in range({cols.src}):",
                f"        total += {product}",
                f"    for j in range({cols.src}):",
                f"        {target.ptr}[i * {cols.src} + j] = {grad}",
            ],
        )
        self.values[out] = target

    def _crossentropy(self, k, node):
        """`CrossentropySoftmaxArgmax1HotWithBias`: the loss, softmax and argmax rows."""
        xvar, bvar, yvar = node.inputs
        nll, sm, am = node.outputs
        _, rows, cols, read = self._rows(xvar)
        if xvar.ndim != 2:
            raise _Unsupported("crossentropy of a vector")
        b, y = self._value(bvar), self._value(yvar)
        if not bvar.broadcastable[0]:
            self._require_equal(b.dims[0], cols)
        self._require_equal(y.dims[0] if not yvar.broadcastable[0] else _ONE, rows)
        dtype = sm.type.dtype
        pn = self._memory(nll, [rows])
        ps = self._memory(sm, [rows, cols])
        pa = self._memory(am, [rows])
        z = f"({read('i', 'j')} + {b.read([None if bvar.broadcastable[0] else 'j'])})"
        zl = f"({read('i', 'label')} + {b.read([None if bvar.broadcastable[0] else 'label'])})"
        self.body += _own_names(
            k,
            [
                f"for i in range({rows.src}):",
                f"    label = np.intp({y.read([None if yvar.broadcastable[0] else 'i'])})",
                f"    if label < 0 or label >= {cols.src}: return -1",
                "    best = 0",
                f"    top = {_literal(-np.inf, dtype)}",
                f"    for j in range({cols.src}):",
                f"        z = {z}",
                # np.argmax: the first maximum, or the first NaN.
                "        if j == 0 or z > top or (z != z and top == top):",
                "            top = z",
                "            best = j",
                f"    total = {_literal(0, dtype)}",
                f"    for j in range({cols.src}):",
                f"        e = {_cast(f'np.exp({z} - top)', dtype)}",
                f"        {ps.ptr}[i * {cols.src} + j] = e",
                "        total += e",
                f"    for j in range({cols.src}):",
                f"        {ps.ptr}[i * {cols.src} + j] = {ps.ptr}[i * {cols.src} + j] / total",
                f"    {pn.ptr}[i] = {_cast(f'np.log(total) - ({zl} - top)', dtype)}",
                f"    {pa.ptr}[i] = {_cast('best', am.type.dtype)}",
            ],
        )
        self._decline_if(f"{cols.src} == 0")
        self.values[nll], self.values[sm], self.values[am] = pn, ps, pa

    def _crossentropy_dx(self, k, node):
        """`CrossentropySoftmax1HotWithBiasDx`: ``dy[i] * (sm[i] - onehot(y[i]))``."""
        dyvar, smvar, yvar = node.inputs
        dy, y = self._value(dyvar), self._value(yvar)
        _, rows, cols, read = self._rows(smvar)
        if smvar.ndim != 2:
            raise _Unsupported("crossentropy gradient of a vector")
        for v, var in ((dy, dyvar), (y, yvar)):
            self._require_equal(_ONE if var.broadcastable[0] else v.dims[0], rows)
        dtype = node.outputs[0].type.dtype
        out = self._memory(node.outputs[0], [rows, cols])
        g = _cast(dy.read([None if dyvar.broadcastable[0] else "i"]), dtype)
        self.body += _own_names(
            k,
            [
                f"for i in range({rows.src}):",
                f"    label = np.intp({y.read([None if yvar.broadcastable[0] else 'i'])})",
                f"    if label < 0 or label >= {cols.src}: return -1",
                f"    g = {g}",
                f"    for j in range({cols.src}):",
                f"        {out.ptr}[i * {cols.src} + j] = {_cast(read('i', 'j') + ' * g', dtype)}",
                f"    {out.ptr}[i * {cols.src} + label] -= g",
            ],
        )
        self.values[node.outputs[0]] = out

    # ------------------------------------------------------------------ the end
    def _finish(self):
        """Write the outputs not computed in place, then the in-place updates."""
        for var in list(self.output_arg):
            # Views, and values held in a local: copied into the caller's array.
            value = self.values[var]
            dest = self._memory(var, value.dims)  # the caller's array
            index = [f"i{j}" for j in range(var.ndim)]
            write = (
                f"{dest.ptr}[{dest.offset(index)}] = {_store(var.type.dtype, value.read(index))}"
            )
            self.tail.extend(_loops(value.dims, [write]))
        for var, j in self.copy_back.items():
            value = self.values[var]
            dest = self.values[self.fgraph.inputs[j]]
            if value.views is not None:
                raise _Unsupported("an in-place update that is a view of an input")
            a = f"a{dest.views}"
            self._decline_if(f"mem.at_int32({a} + {self.flags})[0] & {WRITEABLE_FLAG} == 0")
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
        for start in range(0, len(self.checks), 16):
            part = " | ".join(f"({c})" for c in self.checks[start : start + 16])
            lines.append(f"if {part}: return -1")
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
    from theano.tensor.join import Join
    from theano.tensor.math import Argmax, Dot
    from theano.tensor.nnet import basic as nnet
    from theano.tensor.shape import Alloc, MakeVector, Reshape, Shape, Shape_i
    from theano.tensor.subtensor import (
        AdvancedIncSubtensor1,
        AdvancedSubtensor1,
        IncSubtensor,
        Subtensor,
    )

    return (Elemwise, DimShuffle, CAReduce, Dot22, Dot21, Dot, Gemm, Gemv, Ger, Shape_i, Shape,
            Alloc, Argmax, Subtensor, IncSubtensor, nnet.Softmax, nnet.LogSoftmax, nnet.SoftmaxWithBias,
            nnet.SoftmaxGrad, nnet.CrossentropySoftmaxArgmax1HotWithBias,
            nnet.CrossentropySoftmax1HotWithBiasDx, MakeVector, Reshape, AdvancedSubtensor1,
            AdvancedIncSubtensor1, Join)  # fmt: skip


def numpy_calls(node) -> int:
    """About how many NumPy calls the usual code makes for ``node``: none for a view
    or a shape, several for a softmax or a cross-entropy."""
    from theano.tensor.elemwise import DimShuffle
    from theano.tensor.shape import Shape, Shape_i
    from theano.tensor.subtensor import AdvancedIncSubtensor1, IncSubtensor, Subtensor

    if isinstance(node.op, DimShuffle | Shape | Shape_i | Subtensor):
        return 0
    if _nnet_kind(node.op) is not None:
        return 4
    return 2 if isinstance(node.op, IncSubtensor | AdvancedIncSubtensor1) else 1


def _nnet_kind(op):
    """The method name computing a softmax-family or cross-entropy op, or None."""
    from theano.tensor.nnet import basic as nnet

    return {
        nnet.Softmax: "softmax", nnet.LogSoftmax: "softmax", nnet.SoftmaxWithBias: "softmax",
        nnet.SoftmaxGrad: "softmax_grad", nnet.CrossentropySoftmaxArgmax1HotWithBias:
        "crossentropy", nnet.CrossentropySoftmax1HotWithBiasDx: "crossentropy_dx",
    }.get(type(op))  # fmt: skip


def _check_last_axis(op, var):
    axis = getattr(op, "axis", -1)
    if axis not in (-1, var.ndim - 1) or var.ndim not in (1, 2):
        raise _Unsupported(f"{op} over axis {axis} of {var.type}")


def _kernel_dtype(dtype):
    return dtype in ("bool", "float32", "float64") or dtype.startswith(("int", "uint"))


def _sin_cos(source):
    # vector_math's sin and cos hold on a bounded range only: the C library's here.
    return source.replace("vm.sin(", "np.sin(").replace("vm.cos(", "np.cos(")


_ROW_LOCALS = re.compile(r"\b(top|total|label|best|e|g|z)\b")


def _own_names(k, lines):
    """``lines`` with their locals named for node ``k``: Numba gives a name one type,
    and two nodes of different dtypes must not share one."""
    return [_ROW_LOCALS.sub(lambda m: f"{m.group(1)}{k}", ln) for ln in lines]


def _loops(dims, inner):
    """Nested loops over ``dims`` (indices ``i0, i1...``) around the lines ``inner``; a
    dimension of length 1 is no loop, its index 0."""
    return _loops_from(0, dims, inner)


def _loops_from(first, dims, inner):
    """`_loops` with indices numbered from ``first``."""
    lines, depth = [], 0
    for j, d in enumerate(dims, first):
        if d.src == "1":
            lines.append(f"{'    ' * depth}i{j} = 0")
        else:
            lines.append(f"{'    ' * depth}for i{j} in range({d.src}):")
            depth += 1
    return lines + ["    " * depth + ln for ln in inner]


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

    def emit(self, ctx, input_names, checked=()):
        """``(lines, status, outputs)``: source computing the graph with the kernel, the
        local that is 0 when it did, and the source of each graph output then.
        ``checked`` names the inputs the caller has checked already (exact dtype and
        rank, as ndarrays): the call path does not test them twice."""
        g = self.graph
        call = ctx.ref(self.kernel.fn, "graph_kernel")
        ident, empty = ctx.ref(id, "id"), ctx.ref(np.empty, "empty")
        ndarray = ctx.ref(np.ndarray, "ndarray")
        kind = ctx.ref(type, "type")  # (an input may be named type)
        arena = ctx.ref([np.empty(0, np.uint8)], "arena")
        status = ctx.local("_status")
        # A local reference: the arena another call replaces stays alive for this one.
        scratch = ctx.local("_scratch")
        conds, args, allocs, out_names, sized = [], [], [], [], []
        for var in g.outputs:
            name = ctx.local("_out")
            out_names.append(name)
            shape = [_python_dim(d, input_names) for d in g.values[var].dims]
            # Its size is checked before it is allocated (lengths of empty inputs, or
            # derived from others, may be huge): the kernel would decline it, and the
            # usual code raises its own error.
            if any(d.formula is not None or d.origin is not None for d in g.values[var].dims):
                sized.append(f"{' * '.join(shape)} <= {ELEMENTS_MAX}")
            text = f"({', '.join(shape)}{',' if len(shape) == 1 else ''})"
            allocs.append(f"{name} = {empty}({text}, {var.type.dtype!r})")
        for what in g.args:
            if what == "arena":
                args.append(f"{ident}({scratch})")
            elif what[0] == "input":
                name = input_names[what[1]]
                dtype = ctx.ref(np.dtype(g.fgraph.inputs[what[1]].type.dtype),
                                f"dt_{g.fgraph.inputs[what[1]].type.dtype}")  # fmt: skip
                ndim = g.fgraph.inputs[what[1]].ndim
                # ndim: trusted inputs are not checked, and outputs are allocated from
                # their shapes before the kernel runs.
                parts = [] if name in checked else [
                    f"{kind}({name}) is {ndarray}", f"{name}.dtype is {dtype}",
                    f"{name}.ndim == {ndim}"]  # fmt: skip
                if ndim:  # large arrays: the usual code, at once
                    parts.append(f"{name}.size <= {ELEMENTS_MAX}")
                cond = " and ".join(parts)
                if cond and cond not in conds:
                    conds.append(cond)
                args.append(f"{ident}({name})")
            elif what[0] == "constant":
                args.append(f"{ident}({ctx.ref(what[1], 'c')})")
            else:
                args.append(f"{ident}({out_names[what[1]]})")
        conds += sized  # after the inputs' checks: they read the inputs' shapes
        kernel_call = f"{call}({', '.join(args)})"
        lines = [f"{status} = -1", f"if {' and '.join(conds) or 'True'}:"]
        lines += ["    " + a for a in allocs]
        lines += [f"    {scratch} = {arena}[0]", f"    {status} = {kernel_call}",
                  f"    if {status} > 0:",
                  f"        {scratch} = {arena}[0] = {empty}({status}, 'uint8')",
                  f"        {status} = {kernel_call}"]  # fmt: skip
        outs = [input_names[r[1]] if r[0] == "input" else out_names[r[1]] for r in g.returns]
        return lines, status, outs


def _python_dim(dim, input_names):
    """Source of the length of ``dim`` in the calling function."""
    if dim.formula is not None:
        kind, *parts = dim.formula
        if kind == "literal":
            return str(parts[0])
        if kind == "sum":
            return f"({' + '.join(_python_dim(d, input_names) for d in parts[0])})"
        num, den = (" * ".join(_python_dim(d, input_names) for d in ds) or "1" for ds in parts)
        # Lengths the kernel declines (a zero divisor) must not fail the allocation.
        # (No builtin: an input may be named max.)
        return f"(({num}) // (({den}) if ({den}) > 0 else 1))"
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
    except Exception as err:  # noqa: BLE001 (a bug here must not cost the function)
        warnings.warn(f"no whole-graph kernel: {type(err).__name__}: {err}", stacklevel=2)
        return None
    from theano.link.numba.ops import FunctionSpec

    spec = FunctionSpec(source, ["n"] * len(graph.args), returns_index=True)
    try:
        kernel = load_kernel(spec)
    except NoNumbaForm:
        return None
    return Plan(graph, kernel)
