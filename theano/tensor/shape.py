"""Shape ops: `Shape`, `Shape_i`, `Reshape`, `flatten`, and `Alloc` (fill a new shape)."""

from __future__ import annotations

import numpy as np

from theano.graph.basic import Apply, Constant
from theano.graph.null_type import DisconnectedType
from theano.graph.op import Op
from theano.tensor.basic import as_tensor_variable, constant
from theano.tensor.type import TensorType


class Shape(Op):
    """The shape of a tensor, as an int64 vector."""

    __props__ = ()

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorType("int64", (False,))()])

    def py_code(self, node, inames, onames, ctx):
        return f"{onames[0]} = {ctx.ref(np.array, 'array')}({inames[0]}.shape, dtype='int64')"

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.array(np.shape(inputs[0]), dtype="int64")

    def infer_shape(self, node, shapes):
        return [(len(shapes[0]),)]

    def connection_pattern(self, node):
        return [[False]]

    def L_op(self, inputs, outputs, gz):
        return [DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        return [None]


class Shape_i(Op):
    """The length of dimension ``i`` of a tensor, as an int64 scalar."""

    __props__ = ("i",)

    def __init__(self, i):
        self.i = int(i)

    def __str__(self):
        return f"Shape_i{{{self.i}}}"

    def make_node(self, x):
        x = as_tensor_variable(x)
        if not 0 <= self.i < x.ndim:
            raise ValueError(f"Shape_i{{{self.i}}}: {x} has only {x.ndim} dimensions")
        return Apply(self, [x], [TensorType("int64", ())()])

    def py_code(self, node, inames, onames, ctx):
        return f"{onames[0]} = {ctx.ref(np.int64, 'int64')}({inames[0]}.shape[{self.i}])"

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(np.shape(inputs[0])[self.i], dtype="int64")

    def infer_shape(self, node, shapes):
        return [()]

    def connection_pattern(self, node):
        return [[False]]

    def L_op(self, inputs, outputs, gz):
        return [DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        return [None]


_shape = Shape()


def shape(x):
    """The symbolic shape of ``x`` (an int64 vector)."""
    return _shape(x)


def shape_i(x, i):
    """The symbolic length of dimension ``i`` of ``x``; a constant when it is broadcastable."""
    x = as_tensor_variable(x)
    if x.broadcastable[i]:
        return constant(1, dtype="int64")
    if isinstance(x, Constant):
        return constant(x.data.shape[i], dtype="int64")
    return Shape_i(i)(x)


def _as_int64(s):
    """``s`` as an int64 scalar; Python ints and integer constants stay constants."""
    from theano.tensor.math import cast

    if isinstance(s, int | np.integer) and not isinstance(s, bool):
        return constant(int(s), dtype="int64")
    s = as_tensor_variable(s)
    if isinstance(s, Constant) and s.ndim == 0 and s.dtype in _INTEGER_DTYPES:
        return constant(int(s.data), dtype="int64")
    return cast(s, "int64")


_INTEGER_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


def _as_shape_vector(shape):
    """A symbolic int64 vector from a tuple/list of ints and scalars, or a vector variable."""
    from theano.tensor.math import cast

    if isinstance(shape, list | tuple):
        if all(isinstance(s, int | np.integer) for s in shape):
            return constant(np.array(shape, dtype="int64")), [int(s) for s in shape]
        parts = [_as_int64(s) for s in shape]
        return MakeVector("int64")(*parts), [
            int(p.data) if isinstance(p, Constant) else None for p in parts
        ]
    vec = cast(as_tensor_variable(shape), "int64")
    if vec.ndim != 1:
        raise TypeError(f"a shape must be a vector of ints, got {vec.type}")
    known = [int(s) for s in vec.data] if isinstance(vec, Constant) else None
    return vec, known


class Reshape(Op):
    """``x`` with a new shape of ``ndim`` dimensions (given as an int64 vector; -1 infers)."""

    __props__ = ("ndim",)
    view_map = {0: [0]}

    def __init__(self, ndim):
        self.ndim = int(ndim)

    def __str__(self):
        return f"Reshape{{{self.ndim}}}"

    def make_node(self, x, shp, known=None):
        x = as_tensor_variable(x)
        shp = as_tensor_variable(shp)
        if known is None and isinstance(shp, Constant):
            known = [int(s) for s in shp.data]
        bcast = [k == 1 for k in known] if known else [False] * self.ndim
        return Apply(self, [x, shp], [TensorType(x.dtype, bcast)()])

    def py_code(self, node, inames, onames, ctx):
        return f"{onames[0]} = {ctx.ref(_reshape, 'reshape')}({inames[0]}, {inames[1]})"

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = _reshape(*inputs)

    def infer_shape(self, node, shapes):
        from theano.tensor.math import eq, int_div, mul, neg, switch
        from theano.tensor.subtensor import index

        x_size = constant(1, dtype="int64")
        for s in shapes[0]:
            x_size = mul(x_size, s)
        if self.ndim == 0:
            return [()]
        parts = [index(node.inputs[1], i) for i in range(self.ndim)]
        product = mul(*parts) if len(parts) > 1 else parts[0]
        # A -1 entry makes the product negative; that entry is size / -product.
        return [tuple(switch(eq(p, -1), int_div(x_size, neg(product)), p) for p in parts)]

    def connection_pattern(self, node):
        return [[True], [False]]

    def L_op(self, inputs, outputs, gz):
        from theano.tensor.math import cast

        x, _shp = inputs
        return [cast(reshape(gz[0], shape(x), ndim=x.ndim), x.dtype), DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0], inputs[1])]


def _reshape(x, shp):
    try:
        return np.reshape(x, tuple(shp))
    except ValueError as err:
        raise ValueError(
            f"cannot reshape an array of shape {np.shape(x)} to {tuple(int(s) for s in shp)}: {err}"
        ) from None


def reshape(x, newshape, ndim=None):
    """``x`` reshaped to ``newshape`` (a tuple of ints/scalars or a vector; -1 infers).

    ``ndim`` is required when ``newshape`` is a symbolic vector of unknown length.
    """
    x = as_tensor_variable(x)
    vec, known = _as_shape_vector(newshape)
    if ndim is None:
        if known is not None:
            ndim = len(known)
        elif isinstance(newshape, list | tuple):
            ndim = len(newshape)
        else:
            raise ValueError(
                "reshape: the length of a symbolic shape vector is unknown; pass ndim="
            )
    return Reshape(ndim)(x, vec, known)


def flatten(x, outdim=1, ndim=None):
    """``x`` with its trailing dimensions merged so that it has ``outdim`` dimensions."""
    x = as_tensor_variable(x)
    outdim = ndim if ndim is not None else outdim
    if not 1 <= outdim <= max(x.ndim, 1):
        raise ValueError(f"flatten: outdim={outdim} must be between 1 and {x.ndim}")
    if outdim == x.ndim:
        return x
    lead = [shape_i(x, d) for d in range(outdim - 1)]
    return reshape(x, [*lead, -1], ndim=outdim)


class MakeVector(Op):
    """A vector from scalars of one dtype."""

    __props__ = ("dtype",)

    def __init__(self, dtype="int64"):
        self.dtype = dtype

    def make_node(self, *scalars):
        from theano.tensor.math import cast

        scalars = [_as_int64(s) if self.dtype == "int64" else cast(as_tensor_variable(s),
                   self.dtype) for s in scalars]  # fmt: skip
        for s in scalars:
            if s.ndim != 0:
                raise TypeError(f"MakeVector: each element must be a scalar, got {s.type}")
        return Apply(self, scalars, [TensorType(self.dtype, (False,))()])

    def py_code(self, node, inames, onames, ctx):
        arr = ctx.ref(np.array, "array")
        return f"{onames[0]} = {arr}([{', '.join(inames)}], dtype={self.dtype!r})"

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.array(inputs, dtype=self.dtype)

    def infer_shape(self, node, shapes):
        return [(len(node.inputs),)]

    def L_op(self, inputs, outputs, gz):
        from theano.tensor.subtensor import index

        return [index(gz[0], i) for i in range(len(inputs))]

    def R_op(self, inputs, eval_points):
        if any(e is None for e in eval_points):
            return [None]
        return [self(*eval_points)]


class Alloc(Op):
    """A new tensor of the given shape filled with ``value`` (broadcast)."""

    __props__ = ()

    def make_node(self, value, *shape):
        value = as_tensor_variable(value)
        dims = [_as_int64(s) for s in shape]
        for d in dims:
            if d.ndim != 0:
                raise TypeError(f"alloc: each dimension must be a scalar, got {d.type}")
        if len(dims) < value.ndim:
            raise TypeError(f"alloc: {len(dims)} dimensions given for a {value.ndim}-d value")
        bcast = [isinstance(d, Constant) and int(d.data) == 1 for d in dims]
        return Apply(self, [value, *dims], [TensorType(value.dtype, bcast)()])

    def py_code(self, node, inames, onames, ctx):
        dims = "".join(f"{d}, " for d in inames[1:])  # a tuple, () for a 0-d alloc
        dtype = node.outputs[0].dtype
        value = node.inputs[0]
        from theano.tensor.elemwise import DimShuffle

        while value.owner is not None and isinstance(value.owner.op, DimShuffle):
            value = value.owner.inputs[0]  # zeros_like(x) made by a late rewrite
        if isinstance(value, Constant) and not value.data.tobytes().strip(b"\0"):
            zeros = ctx.ref(
                np.zeros, "zeros"
            )  # all bits zero (not -0.0): calloc'd, faster than full
            return f"{onames[0]} = {zeros}(({dims}), dtype={dtype!r})"
        full = ctx.ref(np.full, "full")
        return f"{onames[0]} = {full}(({dims}), {inames[0]}, dtype={dtype!r})"

    def perform(self, node, inputs, output_storage):
        value, *dims = inputs
        output_storage[0][0] = np.full(tuple(int(d) for d in dims), value,
                                       dtype=node.outputs[0].dtype)  # fmt: skip

    def infer_shape(self, node, shapes):
        return [tuple(node.inputs[1:])]

    def connection_pattern(self, node):
        return [[True]] + [[False]] * (len(node.inputs) - 1)

    def L_op(self, inputs, outputs, gz):
        from theano.tensor.math import cast, sum

        value = inputs[0]
        g = gz[0]
        lead = g.ndim - value.ndim
        if lead:
            g = sum(g, axis=tuple(range(lead)))
        # Dimensions the value broadcast along sum back, kept as length 1.
        axes = [d for d in range(value.ndim) if value.broadcastable[d] and not g.broadcastable[d]]
        if axes:
            g = sum(g, axis=axes, keepdims=True)
        return [cast(g, value.dtype)] + [DisconnectedType()() for _ in inputs[1:]]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0], *inputs[1:])]


alloc = Alloc()
