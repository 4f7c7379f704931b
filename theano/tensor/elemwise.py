"""`Elemwise` (a scalar op over whole arrays), `DimShuffle` and the reductions (`CAReduce`)."""

from __future__ import annotations

import numpy as np

from theano import scalar
from theano.configdefaults import config
from theano.graph.basic import Apply, Constant, Variable, io_toposort
from theano.graph.null_type import DisconnectedType
from theano.graph.op import Op
from theano.tensor.basic import as_tensor_variable, constant
from theano.tensor.type import TensorType

# ------------------------------------------------------------------------- DimShuffle


class DimShuffle(Op):
    """Reorder, add (``'x'``) and drop (broadcastable) dimensions: ``x.dimshuffle('x', 0)``.

    Parameters
    ----------
    input_broadcastable : tuple of bool
        The broadcastable pattern of the input.
    new_order : sequence of int or 'x'
        For each output dimension, the input dimension it takes, or ``'x'`` for a new
        broadcastable dimension. Input dimensions left out must be broadcastable.
    """

    __props__ = ("input_broadcastable", "new_order")
    view_map = {0: [0]}

    def __init__(self, input_broadcastable, new_order):
        self.input_broadcastable = tuple(input_broadcastable)
        self.new_order = tuple(new_order)
        nd = len(self.input_broadcastable)
        seen = set()
        for d in self.new_order:
            if d == "x":
                continue
            if not isinstance(d, int | np.integer) or not 0 <= d < nd:
                raise ValueError(f"dimshuffle{self.new_order}: {d!r} is not a dimension of a "
                                 f"{nd}-d input")  # fmt: skip
            if d in seen:
                raise ValueError(f"dimshuffle{self.new_order}: dimension {d} appears twice")
            seen.add(d)
        self.drop = tuple(i for i in range(nd) if i not in seen)
        for i in self.drop:
            if not self.input_broadcastable[i]:
                raise ValueError(
                    f"dimshuffle{self.new_order} drops dimension {i} of an input with "
                    f"broadcastable pattern {self.input_broadcastable}; only broadcastable "
                    f"dimensions can be dropped"
                )

    def __str__(self):
        return "DimShuffle{" + ",".join(str(d) for d in self.new_order) + "}"

    def make_node(self, x):
        x = as_tensor_variable(x)
        ours, theirs = self.input_broadcastable, x.type.broadcastable
        if len(theirs) != len(ours) or any(b and not xb for b, xb in zip(ours, theirs)):
            raise TypeError(f"{self} expects an input with pattern {ours}, got {x.type}")
        bcast = [True if d == "x" else x.type.broadcastable[d] for d in self.new_order]
        return Apply(self, [x], [TensorType(x.type.dtype, bcast)()])

    def _transform(self, x: str) -> str:
        expr = x
        if self.drop:
            idx = ", ".join(
                "0" if i in self.drop else ":" for i in range(len(self.input_broadcastable))
            )
            expr = f"{expr}[{idx}]"
        kept = [d for d in self.new_order if d != "x"]
        # Input dims that survive, renumbered after dropping.
        renum = {d: i for i, d in enumerate(sorted(kept))}
        perm = [renum[d] for d in kept]
        if perm != sorted(perm):
            expr = f"{expr}.transpose({', '.join(map(str, perm))})"
        if "x" in self.new_order:
            idx = ", ".join("None" if d == "x" else ":" for d in self.new_order)
            expr = f"{expr}[{idx}]"
        return expr

    def py_code(self, node, inames, onames, ctx):
        return f"{onames[0]} = {self._transform(inames[0])}"

    def perform(self, node, inputs, output_storage):
        x = np.asarray(inputs[0])
        output_storage[0][0] = eval(self._transform("x"), {}, {"x": x})

    def infer_shape(self, node, shapes):
        (shape,) = shapes
        return [tuple(1 if d == "x" else shape[d] for d in self.new_order)]

    def L_op(self, inputs, outputs, gz):
        (x,) = inputs
        g = gz[0]
        added = [i for i, d in enumerate(self.new_order) if d == "x"]
        if added:
            g = Sum(axis=tuple(added))(g)
        kept = [d for d in self.new_order if d != "x"]
        order = [kept.index(i) if i in kept else "x" for i in range(x.ndim)]
        g = DimShuffle(g.broadcastable, order)(g)
        return [_cast_grad(g, x)]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0])]


def dimshuffle(x, *pattern):
    """``x`` with dimensions reordered per ``pattern`` (``'x'`` adds a broadcastable one)."""
    x = as_tensor_variable(x)
    if len(pattern) == 1 and isinstance(pattern[0], list | tuple):
        pattern = tuple(pattern[0])
    if tuple(pattern) == tuple(range(x.ndim)):
        return x
    return DimShuffle(x.broadcastable, pattern)(x)


def _cast_grad(g, x):
    """The gradient ``g`` in ``x``'s dtype when ``x`` is real-valued."""
    if x.dtype in scalar.CONTINUOUS_DTYPES and g.dtype != x.dtype:
        from theano.tensor.math import cast  # same layer; avoids a cycle at import

        return cast(g, x.dtype)
    return g


# --------------------------------------------------------------------------- Elemwise


class Elemwise(Op):
    """A scalar op applied to every element of its (broadcast) inputs.

    Inputs with fewer dimensions are padded on the left with broadcastable ones, as
    in NumPy; only dimensions marked broadcastable may broadcast, so a length-1 value
    in a non-broadcastable dimension is an error at call time, as in Theano.
    ``inplace_pattern`` maps an output to the input whose buffer it overwrites.
    """

    __props__ = ("scalar_op", "inplace_pattern")

    def __init__(self, scalar_op, inplace_pattern=None, name=None):
        self.scalar_op = scalar_op
        self.inplace_pattern = tuple(sorted((inplace_pattern or {}).items()))
        self.destroy_map = {o: [i] for o, i in self.inplace_pattern}
        self.name = name

    def __str__(self):
        if self.name:
            return self.name
        mode = "inplace" if self.inplace_pattern else "no_inplace"
        return f"Elemwise{{{self.scalar_op},{mode}}}"

    def make_node(self, *inputs):
        inputs = [as_tensor_variable(i) for i in inputs]
        nd = max((i.ndim for i in inputs), default=0)
        inputs = [
            i
            if i.ndim == nd
            else DimShuffle(i.broadcastable, ["x"] * (nd - i.ndim) + list(range(i.ndim)))(
                i
            )  # fmt: skip
            for i in inputs
        ]
        bcast = tuple(all(i.broadcastable[d] for i in inputs) for d in range(nd))
        try:
            dtypes = self.scalar_op.output_dtypes(*[i.dtype for i in inputs])
        except TypeError as err:
            types = ", ".join(str(i.type) for i in inputs)
            raise TypeError(f"{self}: cannot apply to inputs of types {types}: {err}") from err
        return Apply(self, inputs, [TensorType(d, bcast)() for d in dtypes])

    # -- evaluation -------------------------------------------------------------------
    def _literal(self, node, i):
        """Python literal for constant input ``i`` when NumPy gives the same dtype with it."""
        var = node.inputs[i]
        if not isinstance(var, Constant) or var.data.size != 1 or not all(var.broadcastable):
            return None
        if all(isinstance(v, Constant) for j, v in enumerate(node.inputs) if j != i):
            return None  # a literal needs an array operand to keep the result's shape
        value = var.data.item()
        if isinstance(value, float) and not np.isfinite(value):
            return None
        if isinstance(value, complex | bool):
            return None
        others = [v.dtype for j, v in enumerate(node.inputs) if j != i]
        if not others or scalar.upcast(*others) != scalar.upcast(*others, var.dtype):
            return None
        if (
            var.dtype.startswith("int")
            and isinstance(value, int)
            and not others[0].startswith(
                ("int", "float", "complex")  # fmt: skip
            )
        ):
            return None
        # The op itself must give the same dtype with the literal (e.g. `second(x, 0.0)`
        # is a float64 array for a float32 x, while the output keeps the constant's dtype).
        with np.errstate(all="ignore"):
            arrays = [np.ones(1, dtype=v.dtype) for v in node.inputs]
            with_literal = [value if j == i else a for j, a in enumerate(arrays)]
            try:
                same = (np.asarray(self.scalar_op.impl(*with_literal)).dtype ==
                        np.asarray(self.scalar_op.impl(*arrays)).dtype)  # fmt: skip
            except (TypeError, ValueError, AttributeError):
                same = False
        if not same:
            return None
        return repr(value)

    def _literals_keep_dtype(self, node, names, inames, upcast):
        """True when NumPy gives the same dtype with every chosen literal at once."""
        out = node.outputs[0].dtype
        args = []
        for k, (var, name) in enumerate(zip(node.inputs, names)):
            if name != inames[k] and k not in upcast:
                args.append(var.data.item())
            else:
                args.append(np.ones(1, dtype=out if k in upcast else var.dtype))
        if all(not isinstance(a, np.ndarray) for a in args):
            return False
        with np.errstate(all="ignore"):
            try:
                got = np.asarray(self.scalar_op.impl(*args)).dtype
            except (TypeError, ValueError, AttributeError):
                return False
        return got == self._numpy_dtype(node, upcast)

    def _numpy_dtype(self, node, upcast=()):
        """The dtype NumPy itself produces for this op on these input dtypes (with the
        inputs numbered in ``upcast`` first converted to the output dtype)."""
        out = node.outputs[0].dtype
        with np.errstate(all="ignore"):
            args = [np.ones(1, dtype=out if k in upcast else i.dtype)
                    for k, i in enumerate(node.inputs)]  # fmt: skip
            return np.asarray(self.scalar_op.impl(*args)).dtype

    def _upcast_inputs(self, node):
        """Discrete inputs to convert to the float output dtype before computing.

        NumPy computes e.g. ``exp`` of int8 in float16; Theano's int8 -> float32 rule
        means the result must be computed in float32, not merely cast to it.
        """
        out = node.outputs[0].dtype
        if out not in scalar.CONTINUOUS_DTYPES:
            return ()
        discrete = [k for k, i in enumerate(node.inputs) if i.dtype in scalar.DISCRETE_DTYPES]
        from theano.scalar.composite import Composite

        if not isinstance(getattr(self.scalar_op, "ufunc", None), np.ufunc) and not isinstance(
            self.scalar_op,
            Composite | scalar.Cast,  # a Composite converts per inner op; a Cast is one
        ):
            # A Python implementation may compute an intermediate in NumPy's smaller
            # float (log of int8 in float16) even when its final dtype is right.
            skip = {0} if isinstance(self.scalar_op, scalar.Switch) else set()
            return tuple(k for k in discrete if k not in skip
                         and not isinstance(node.inputs[k], Constant))  # fmt: skip
        if str(self._numpy_dtype(node)) == out:
            return ()
        return tuple(discrete)

    def py_code(self, node, inames, onames, ctx):
        """The node's source: one NumPy expression, written into the destroyed input when
        in place, else into a kept buffer or block by block where that pays."""
        out_dtype = node.outputs[0].dtype
        if (
            node.outputs[0].ndim == 0
            and isinstance(self.scalar_op, scalar.Cast)
            and out_dtype in scalar.FLOAT_DTYPES
            and not self.inplace_pattern
        ):
            # A 0-d value to a float: the scalar type's constructor is ten times
            # faster than .astype (graph code keeps 0-d values as NumPy scalars).
            make = ctx.ref(np.dtype(out_dtype).type, out_dtype)
            return f"{onames[0]} = {make}({inames[0]})"
        upcast = self._upcast_inputs(node)
        names = self._argument_names(node, inames, upcast, ctx)
        expr, same_dtype = self._expression(node, names, upcast, ctx)
        ufunc = getattr(self.scalar_op, "ufunc", None)
        # A ufunc whose NumPy result already has the graph's dtype can write with out=.
        direct = same_dtype and isinstance(ufunc, np.ufunc) and ufunc.nin == len(names)
        if self.inplace_pattern:
            return self._inplace_code(node, inames, onames, names, expr, direct, upcast, ctx)
        if expr in inames or _views_an_input(self.scalar_op):
            expr = f"{expr}.copy()"  # the value itself (or a view): a new array
        lines = [f"{onames[0]} = {expr}"]
        buffer = self.output_buffer(node, inames, onames[0], ctx)
        blocked = _blocked_kernel(node)
        if blocked is not None:
            # Large arrays are computed block by block (see theano/link/blocked.py); the
            # size test is inline so that small arrays pay no call for it.
            kernel = ctx.ref(blocked, "blocked")
            out = f", out={buffer[1]}" if buffer else ""
            size = f"{inames[blocked.size_input]}.size"
            lines = [f"if {size} >= {_blocked_min_size()}:",
                     *("    " + ln for ln in (buffer[0] if buffer else [])),
                     f"    {onames[0]} = {kernel}({', '.join(inames)}{out})",
                     f"    if {onames[0]} is None: {onames[0]} = {expr}",
                     "else:", f"    {onames[0]} = {expr}"]  # fmt: skip
        elif buffer and direct and not upcast:
            call = f"{ctx.ref(ufunc, ufunc.__name__)}({', '.join(names)}, out={buffer[1]})"
            lines = [*buffer[0], f"{onames[0]} = {call}"]
        lines.extend(self._broadcast_checks(node, inames, onames[0], ctx))
        return "\n".join(lines)

    def _argument_names(self, node, inames, upcast, ctx):
        """The source of each argument: converted to the float result type, inlined as a
        literal, or the input's name."""
        out_dtype = node.outputs[0].dtype
        asarray = ctx.ref(np.asarray, "asarray")
        names = [
            f"{asarray}({n}, dtype={out_dtype!r})" if i in upcast
            else self._literal(node, i) or n
            for i, n in enumerate(inames)
        ]  # fmt: skip
        if names != list(inames) and not self._literals_keep_dtype(node, names, inames, upcast):
            # Several literals together can change NumPy's result type
            # (np.where(c, 1.0, 0.0) is float64 where the graph says float32).
            names = [n if i in upcast else inames[i] for i, n in enumerate(names)]
        return names

    def _expression(self, node, names, upcast, ctx):
        """``(expr, same_dtype)``: the scalar op's expression, cast to the graph's dtype
        when NumPy's own result type differs (``same_dtype`` is False then)."""
        out_dtype = node.outputs[0].dtype
        expr = self.scalar_op.py_expr(names, ctx)
        same_dtype = str(self._numpy_dtype(node, upcast)) == out_dtype
        if not same_dtype:
            expr = f"{ctx.ref(np.asarray, 'asarray')}({expr}).astype({out_dtype!r})"
        return expr, same_dtype

    def _inplace_code(self, node, inames, onames, names, expr, direct, upcast, ctx):
        """Source writing the result into the destroyed input, after the shape checks (so
        a refused call has overwritten nothing)."""
        ((_o, i),) = self.inplace_pattern
        if direct:  # the ufunc writes straight into the input: no temporary
            ufunc = self.scalar_op.ufunc
            call = f"{ctx.ref(ufunc, ufunc.__name__)}({', '.join(names)}, out={inames[i]})"
            return "\n".join([*self.precheck(node, inames, ctx), f"{onames[0]} = {call}"])
        from theano.scalar.composite import Composite

        if isinstance(self.scalar_op, Composite) and not upcast:
            body = self.scalar_op.inplace_lines(names, i, ctx)
        else:
            body = [f"{inames[i]}[...] = {expr}"]
        body.append(f"{onames[0]} = {inames[i]}")
        lines = self.precheck(node, inames, ctx)
        blocked = _blocked_kernel(node)
        if blocked is None:
            return "\n".join([*lines, *body])
        # Large arrays block by block, the last op of each block writing the input's
        # own slice (its temporaries stay in cache); None when the layout does not fit.
        kernel = ctx.ref(blocked, "blocked")
        size = f"{inames[blocked.size_input]}.size"
        call = f"{kernel}({', '.join(inames)}, out={inames[i]})"
        lines += [f"{onames[0]} = {call} if {size} >= {_blocked_min_size()} else None",
                  f"if {onames[0]} is None:", *("    " + ln for ln in body)]  # fmt: skip
        return "\n".join(lines)

    def precheck(self, node, inames, ctx):
        """For an in-place node: checks that its inputs fit the buffer it overwrites,
        to run before anything is written."""
        if not self.inplace_pattern:
            return []
        ((_o, i),) = self.inplace_pattern
        return self._broadcast_checks(node, inames, inames[i], ctx)

    @staticmethod
    def output_buffer(node, inames, oname, ctx):
        """A buffer kept between calls for the node's output (see
        `CodeContext.output_buffer`), sized like an input of the output's pattern."""
        out = node.outputs[0]
        if out.ndim == 0 or not hasattr(ctx, "output_buffer"):
            return None
        for name, var in zip(inames, node.inputs):
            if var.broadcastable == out.broadcastable and not isinstance(var, Constant):
                return ctx.output_buffer(out, oname, f"{name}.shape")
        return None

    def _broadcast_checks(self, node, inames, oname, ctx):
        """Call-time checks that no non-broadcastable dimension was broadcast by NumPy."""
        if len(node.inputs) < 2 or node.outputs[0].ndim == 0:
            return []
        # Theano-illegal broadcasting needs two inputs with a non-broadcastable dim.
        if sum(not all(v.broadcastable) for v in node.inputs) < 2:
            return []
        checks = []
        for i, var in enumerate(node.inputs):
            if isinstance(var, Constant) or all(var.broadcastable) or inames[i] == oname:
                continue  # (an in-place node checks the others against its own input)
            dims = [d for d, b in enumerate(var.broadcastable) if not b]
            if len(dims) == var.ndim:
                cond = f"{inames[i]}.shape != {oname}.shape"
            else:
                cond = " or ".join(f"{inames[i]}.shape[{d}] != {oname}.shape[{d}]" for d in dims)
            err = ctx.ref(_broadcast_error(node, i), f"bcast_error_{i}")
            checks.append(f"if {cond}: {err}({inames[i]}, {oname})")
        return checks

    def perform(self, node, inputs, output_storage):
        upcast = getattr(node.tag, "elemwise_upcast", None)
        if upcast is None:  # found once per node: it runs the op on sample arrays
            upcast = node.tag.elemwise_upcast = self._upcast_inputs(node)
        dtype = node.outputs[0].dtype
        inputs = [np.asarray(v, dtype=dtype) if k in upcast else v for k, v in enumerate(inputs)]
        with np.errstate(all="ignore"):
            out = self.scalar_op.impl(*inputs)
        shares = any(isinstance(i, np.ndarray) and np.may_share_memory(out, i) for i in inputs)
        output_storage[0][0] = np.array(out, dtype=node.outputs[0].dtype, copy=shares or None)

    def infer_shape(self, node, shapes):
        nd = node.outputs[0].ndim
        out = []
        for d in range(nd):
            dims = [s[d] for s, v in zip(shapes, node.inputs) if not v.broadcastable[d]]
            out.append(dims[0] if dims else 1)
        return [tuple(out)] * len(node.outputs)

    # -- derivatives ------------------------------------------------------------------
    def _scalar_partials(self, inputs, outputs, gz_types):
        """Scalar graph of the op's gradient, with placeholders for inputs, outputs and gz."""
        s_in = [scalar.ScalarType(i.dtype)() for i in inputs]
        s_out = self.scalar_op.make_node(*s_in).outputs
        s_gz = [scalar.ScalarType(t)() for t in gz_types]
        s_grads = self.scalar_op.L_op(s_in, s_out, s_gz)
        return s_in, s_out, s_gz, s_grads

    def L_op(self, inputs, outputs, gz):
        gz_types = [g.dtype if not isinstance(g.type, DisconnectedType) else outputs[k].dtype
                    for k, g in enumerate(gz)]  # fmt: skip
        s_in, s_out, s_gz, s_grads = self._scalar_partials(inputs, outputs, gz_types)
        mapping = dict(zip(s_in, inputs)) | dict(zip(s_out, outputs)) | dict(zip(s_gz, gz))
        grads = []
        for x, sg in zip(inputs, s_grads):
            if sg is None:
                grads.append(DisconnectedType()())
                continue
            g = scalar_graph_to_tensor(sg, mapping, s_in + s_out + s_gz)
            out = outputs[0]
            if g.broadcastable != out.broadcastable:
                g = Elemwise(scalar.second)(out, g)
            axes = tuple(d for d in range(x.ndim) if x.broadcastable[d] and not
                         g.broadcastable[d])  # fmt: skip
            if axes:
                g = Sum(axis=axes, keepdims_pattern=x.broadcastable)(g)
            if x.dtype in scalar.DISCRETE_DTYPES:
                g = g if g.dtype in scalar.CONTINUOUS_DTYPES else _cast_grad_to(g, config.floatX)
            else:
                g = _cast_grad(g, x)
            grads.append(g)
        return grads

    def R_op(self, inputs, eval_points):
        outputs = self.make_node(*inputs).outputs
        total = None
        for i, ev in enumerate(eval_points):
            if ev is None:
                continue
            s_in, s_out, s_gz, s_grads = self._scalar_partials(inputs, outputs, [ev.dtype])
            mapping = dict(zip(s_in, inputs)) | dict(zip(s_out, outputs)) | {s_gz[0]: ev}
            term = scalar_graph_to_tensor(s_grads[i], mapping, s_in + s_out + s_gz)
            total = term if total is None else Elemwise(scalar.add)(total, term)
        if total is None:
            return [None]
        if total.broadcastable != outputs[0].broadcastable:
            total = Elemwise(scalar.second)(outputs[0], total)
        return [_cast_grad(total, outputs[0])]


def _cast_grad_to(g, dtype):
    return Elemwise(scalar.Cast(dtype))(g)


def _broadcast_error(node, i):
    def raise_error(value, result):
        raise ValueError(
            f"{node.op}: input {i} has shape {np.shape(value)}, which does not match the "
            f"result's shape {np.shape(result)} in a dimension that is not broadcastable "
            f"(input type {node.inputs[i].type}); mark the dimension broadcastable "
            f"(e.g. with T.addbroadcast or a row/col type) to broadcast it"
        )

    return raise_error


def scalar_graph_to_tensor(out: Variable, mapping: dict, stop) -> Variable:
    """Rebuild a scalar graph over tensors: each scalar op becomes an `Elemwise`."""
    memo = dict(mapping)
    for node in io_toposort(stop, [out]):
        args = []
        for v in node.inputs:
            if v not in memo:
                if not isinstance(v, Constant):
                    raise ValueError(f"free scalar variable {v} in a gradient graph")
                memo[v] = constant(np.asarray(v.data, dtype=v.type.dtype))
            args.append(memo[v])
        res = Elemwise(node.op)(*args)
        memo[node.outputs[0]] = res
    if out not in memo:
        memo[out] = constant(np.asarray(out.data, dtype=out.type.dtype))
    return memo[out]


# --------------------------------------------------------------------------- CAReduce


def _normalize_axis(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int | np.integer):
        axis = (axis,)
    out = []
    for a in axis:
        a = int(a)
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of range for a {ndim}-d tensor")
        out.append(a % ndim)
    return tuple(sorted(set(out)))


class CAReduce(Op):
    """Reduce over ``axis`` with an associative scalar op (sum, product, max, min).

    ``keepdims_pattern``, when given, keeps the reduced axes as broadcastable ones.
    """

    __props__ = ("axis", "acc_dtype", "dtype", "keepdims_pattern")
    numpy_fn = None
    label = "CAReduce"

    def __init__(self, axis=None, acc_dtype=None, dtype=None, keepdims_pattern=None):
        self.axis = None if axis is None else tuple(axis)
        self.acc_dtype = acc_dtype
        self.dtype = dtype
        self.keepdims_pattern = None if keepdims_pattern is None else tuple(keepdims_pattern)

    def _axes(self, ndim):
        return _normalize_axis(self.axis, ndim)

    def __str__(self):
        parts = []
        if self.axis is not None:
            parts.append(f"axis={list(self.axis)}")
        if self.acc_dtype is not None:
            parts.append(f"acc_dtype={self.acc_dtype}")
        return f"{self.label}{{{', '.join(parts)}}}" if parts else self.label

    def output_dtype(self, in_dtype):
        return self.dtype or in_dtype

    def make_node(self, x):
        return Apply(self, *_reduce_io(self, as_tensor_variable(x)))

    def _call(self, node, xname, fname):
        axes = self._axes(node.inputs[0].ndim)
        args = [xname, f"axis={axes!r}"]
        acc = self.acc_dtype
        if acc is not None and (acc != node.outputs[0].dtype or acc != node.inputs[0].dtype):
            args.append(f"dtype={acc!r}")
        if self.keepdims_pattern is not None:
            args.append("keepdims=True")
        expr = f"{fname}({', '.join(args)})"
        if self.acc_dtype is not None and self.acc_dtype != node.outputs[0].dtype:
            expr = f"{expr}.astype({node.outputs[0].dtype!r})"
        return expr

    def py_code(self, node, inames, onames, ctx):
        fname = ctx.ref(self.numpy_fn, self.numpy_fn.__name__)
        if not self._axes(node.inputs[0].ndim) and self.keepdims_pattern is None:
            if node.outputs[0].dtype != node.inputs[0].dtype:
                return f"{onames[0]} = {inames[0]}.astype({node.outputs[0].dtype!r})"
            return f"{onames[0]} = {inames[0]}.copy()"  # nothing reduced: still a new array
        return f"{onames[0]} = {self._call(node, inames[0], fname)}"

    def perform(self, node, inputs, output_storage):
        out = eval(self._call(node, "x", "f"), {}, {"x": inputs[0], "f": self.numpy_fn})
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].dtype)

    def infer_shape(self, node, shapes):
        axes = self._axes(node.inputs[0].ndim)
        if self.keepdims_pattern is not None:
            return [tuple(1 if d in axes else s for d, s in enumerate(shapes[0]))]
        return [tuple(s for d, s in enumerate(shapes[0]) if d not in axes)]

    def _expand(self, g, x):
        """``g`` (shaped like the output) with the reduced axes restored as broadcastable."""
        if self.keepdims_pattern is not None:
            return g
        axes = self._axes(x.ndim)
        order, k = [], 0
        for d in range(x.ndim):
            if d in axes:
                order.append("x")
            else:
                order.append(k)
                k += 1
        return dimshuffle(g, *order)

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        (x,) = inputs
        out = self(x)
        partial = self.L_op(inputs, [out], [Elemwise(scalar.second)(out, constant(
            np.asarray(1, dtype=out.dtype)))])[0]  # fmt: skip
        return [Sum(axis=self.axis, keepdims_pattern=self.keepdims_pattern)(
            Elemwise(scalar.mul)(partial, eval_points[0]))]  # fmt: skip


_SUM_ACC = {
    "bool": "int64", "int8": "int64", "int16": "int64", "int32": "int64", "uint8": "uint64",
    "uint16": "uint64", "uint32": "uint64", "float16": "float32", "float32": "float64",
    "complex64": "complex128",
}  # fmt: skip
_SUM_OUT = {"bool": "int64", "int8": "int64", "int16": "int64", "int32": "int64",
            "uint8": "uint64", "uint16": "uint64", "uint32": "uint64"}  # fmt: skip


class _Accumulation(CAReduce):
    """A reduction with an accumulation dtype: integers accumulate and return in 64
    bits, float32 accumulates in float64 (Sum and Prod; neither is the other)."""

    def make_node(self, x):
        x = as_tensor_variable(x)
        if self.acc_dtype is None:
            acc = _SUM_ACC.get(x.dtype, x.dtype)
            op = type(self)(self.axis, acc, self.dtype, self.keepdims_pattern)
            return Apply(op, *_reduce_io(op, x))
        acc = self.acc_dtype
        widening = acc in scalar.CONTINUOUS_DTYPES and x.dtype in scalar.DISCRETE_DTYPES
        if not widening and scalar.upcast(x.dtype, acc) != acc:
            raise TypeError(
                f"{self.label}: accumulating {x.dtype} in acc_dtype {acc} loses precision; "
                f"use an acc_dtype of at least {scalar.upcast(x.dtype, acc)}, or dtype= to "
                "cast only the result"
            )
        return Apply(self, *_reduce_io(self, x))

    def output_dtype(self, in_dtype):
        return self.dtype or _SUM_OUT.get(in_dtype, in_dtype)


class Sum(_Accumulation):
    """Sum over ``axis``; integers accumulate and return in 64 bits, float32 in float64."""

    numpy_fn = staticmethod(np.add.reduce)  # np.sum adds ~1 us of dispatch per call
    label = "Sum"

    def L_op(self, inputs, outputs, gz):
        (x,) = inputs
        g = self._expand(gz[0], x)
        return [_cast_grad(Elemwise(scalar.second)(x, g), x)]


_VIEWS = (scalar.Identity, scalar.Real, scalar.Imag)  # NumPy returns (a view of) the input


def _views_an_input(scalar_op) -> bool:
    """True when NumPy computes ``scalar_op`` as a view of an input (``np.real``,
    ``np.imag``, or a composite of nothing else): its result must be copied."""
    if isinstance(scalar_op, _VIEWS):
        return True
    outputs = getattr(scalar_op, "outputs", None)
    if not isinstance(getattr(scalar_op, "inputs", None), list) or not outputs or len(outputs) != 1:
        return False
    var = outputs[0]
    while var.owner is not None and isinstance(var.owner.op, _VIEWS):
        var = var.owner.inputs[0]
    return any(var is i for i in scalar_op.inputs)


def _blocked_kernel(node):
    from theano.link.blocked import blocked_kernel

    return blocked_kernel(node)


def _blocked_min_size():
    from theano.link.blocked import MIN_SIZE

    return MIN_SIZE


def _const(value, dtype):
    return constant(np.asarray(value, dtype=dtype))


def _reduce_io(op, x):
    axes = op._axes(x.ndim)
    if op.keepdims_pattern is not None:
        bcast = tuple(True if d in axes else b for d, b in enumerate(x.broadcastable))
    else:
        bcast = tuple(b for d, b in enumerate(x.broadcastable) if d not in axes)
    return [x], [TensorType(op.output_dtype(x.dtype), bcast)()]


class Prod(_Accumulation):
    """Product over ``axis``."""

    numpy_fn = staticmethod(np.multiply.reduce)
    label = "Prod"

    def L_op(self, inputs, outputs, gz):
        (x,) = inputs
        # d prod / d x_i is the product of the other entries: prod / x_i when no entry is
        # zero; with one zero, the product of the nonzero entries at the zero and 0
        # elsewhere; with two or more zeros, 0 everywhere (Theano's rule, no NaN).
        switch, eq = Elemwise(scalar.switch), Elemwise(scalar.eq)
        keep = self.keepdims_pattern
        is_zero = eq(x, _const(0, x.dtype))
        safe_x = switch(is_zero, _const(1, x.dtype), x)
        n_zeros = self._expand(Sum(self.axis, keepdims_pattern=keep)(is_zero), x)
        nz_prod = self._expand(Prod(self.axis, dtype=self.dtype, keepdims_pattern=keep)(safe_x), x)
        zero = _const(0, outputs[0].dtype)
        partial = switch(
            eq(n_zeros, _const(0, "int64")),
            Elemwise(scalar.true_div)(nz_prod, safe_x),
            switch(eq(n_zeros, _const(1, "int64")), switch(is_zero, nz_prod, zero), zero),
        )
        g = Elemwise(scalar.mul)(self._expand(gz[0], x), partial)
        return [_cast_grad(g, x)]


class _Extremum(CAReduce):
    """Max and Min: the gradient flows to every element equal to the result."""

    def L_op(self, inputs, outputs, gz):
        (x,) = inputs
        is_max = Elemwise(scalar.eq)(x, self._expand(outputs[0], x))
        g = Elemwise(scalar.mul)(self._expand(gz[0], x), _cast_grad_to(is_max, gz[0].dtype))
        return [_cast_grad(g, x)]


class Max(_Extremum):
    """Maximum over ``axis``; the gradient flows to every element equal to the maximum."""

    numpy_fn = staticmethod(np.maximum.reduce)
    label = "Max"


class Min(_Extremum):
    """Minimum over ``axis``."""

    numpy_fn = staticmethod(np.minimum.reduce)
    label = "Min"
