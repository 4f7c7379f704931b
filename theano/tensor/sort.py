"""Sorting: `sort`, `argsort`, `topk`, `argtopk` (``theano.tensor.sort``).

`sort` is differentiable (its gradient sends each output gradient back to the
element it came from); `argsort` and the indices of `argtopk` are not (disconnected).
"""

from __future__ import annotations

import numpy as np

from theano import scalar
from theano.graph.basic import Apply, Constant
from theano.graph.null_type import DisconnectedType
from theano.graph.op import Op
from theano.tensor.basic import as_tensor_variable, constant
from theano.tensor.elemwise import _cast_grad
from theano.tensor.type import TensorType

_INT_DTYPES = scalar.INT_DTYPES + scalar.UINT_DTYPES


def _axis_input(a, axis, name):
    """``(a, axis)`` for a sort node: ``axis=None`` flattens ``a``; a constant axis is
    checked and made non-negative."""
    from theano.tensor.shape import flatten

    a = as_tensor_variable(a)
    if a.ndim == 0:
        raise TypeError(f"{name}: cannot sort a scalar ({a.type})")
    if axis is None:
        return flatten(a), constant(0, dtype="int64")
    if isinstance(axis, int | np.integer):
        axis = constant(int(axis), dtype="int64")
    axis = as_tensor_variable(axis)
    if axis.ndim != 0 or axis.dtype not in _INT_DTYPES:
        raise TypeError(f"{name}: axis must be an integer scalar or None, got {axis.type}")
    if isinstance(axis, Constant):
        value = int(axis.data)
        if not -a.ndim <= value < a.ndim:
            raise ValueError(f"{name}: axis {value} is out of range for {a.type}")
        axis = constant(value % a.ndim, dtype="int64")
    return a, axis


def _static_axis(axis, what):
    if not isinstance(axis, Constant):
        raise NotImplementedError(f"the {what} needs a constant axis")
    return int(axis.data)


class _SortBase(Op):
    """What `SortOp` and `ArgSortOp` share: the ``numpy.sort`` options and an output
    shaped like the input."""

    __props__ = ("kind", "order")

    def __init__(self, kind="quicksort", order=None):
        self.kind = kind
        self.order = order

    def __str__(self):
        return f"{type(self).__name__}{{{self.kind}, {self.order}}}"

    def infer_shape(self, node, shapes):
        return [shapes[0]]


class SortOp(_SortBase):
    """``numpy.sort(a, axis, kind, order)``; the axis is the node's second input."""

    def make_node(self, input, axis=-1):
        a, axis = _axis_input(input, axis, "sort")
        return Apply(self, [a, axis], [a.type()])

    def py_code(self, node, inames, onames, ctx):
        fn = ctx.ref(np.sort, "sort")
        return (f"{onames[0]} = {fn}({inames[0]}, {inames[1]}, kind={self.kind!r}, "
                f"order={self.order!r})")  # fmt: skip

    def perform(self, node, inputs, output_storage):
        a, axis = inputs
        output_storage[0][0] = np.sort(a, int(axis), kind=self.kind, order=self.order)

    def connection_pattern(self, node):
        return [[True], [False]]

    def L_op(self, inputs, outputs, gz):
        a, axis = inputs
        if a.dtype in scalar.DISCRETE_DTYPES:
            from theano.tensor.math import zeros_like

            return [zeros_like(a, dtype="float64"), DisconnectedType()()]
        ax = _static_axis(axis, "gradient of sort")
        idx = ArgSortOp(self.kind, self.order)(a, axis)
        return [_cast_grad(ScatterAlongAxis(ax)(a, gz[0], idx), a), DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        a, axis = inputs
        if eval_points[0] is None:
            return [None]
        idx = ArgSortOp(self.kind, self.order)(a, axis)
        return [TakeAlongAxis(_static_axis(axis, "R_op of sort"))(eval_points[0], idx)]


class ArgSortOp(_SortBase):
    """``numpy.argsort(a, axis, kind, order)`` as int64; not differentiable."""

    def make_node(self, input, axis=-1):
        a, axis = _axis_input(input, axis, "argsort")
        return Apply(self, [a, axis], [TensorType("int64", a.broadcastable)()])

    def py_code(self, node, inames, onames, ctx):
        fn = ctx.ref(np.argsort, "argsort")
        return (f"{onames[0]} = {fn}({inames[0]}, {inames[1]}, kind={self.kind!r}, "
                f"order={self.order!r}).astype('int64')")  # fmt: skip

    def perform(self, node, inputs, output_storage):
        a, axis = inputs
        out = np.argsort(a, int(axis), kind=self.kind, order=self.order)
        output_storage[0][0] = out.astype("int64")

    def connection_pattern(self, node):
        return [[False], [False]]

    def L_op(self, inputs, outputs, gz):
        return [DisconnectedType()(), DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        return [None]


def sort(a, axis=-1, kind="quicksort", order=None):
    """``a`` sorted along ``axis`` (the flattened ``a`` when None), as ``numpy.sort``."""
    return SortOp(kind, order)(a, axis)


def argsort(a, axis=-1, kind="quicksort", order=None):
    """The indices that sort ``a`` along ``axis`` (flattened when None), as int64."""
    return ArgSortOp(kind, order)(a, axis)


# ------------------------------------------------------- gather and scatter along an axis


def _ogrid_index(idx, axis):
    grids = list(np.ogrid[tuple(slice(n) for n in idx.shape)])
    grids[axis] = idx
    return tuple(grids)


class TakeAlongAxis(Op):
    """``numpy.take_along_axis(x, indices, axis)``: a gather with per-slice indices."""

    __props__ = ("axis",)

    def __init__(self, axis):
        self.axis = int(axis)

    def make_node(self, x, indices):
        x, indices = as_tensor_variable(x), as_tensor_variable(indices)
        if indices.ndim != x.ndim or indices.dtype not in _INT_DTYPES:
            raise TypeError(f"take_along_axis: indices must be integers of x's rank, got "
                            f"{indices.type} for {x.type}")  # fmt: skip
        bcast = [ib if d == self.axis else (xb and ib)
                 for d, (xb, ib) in enumerate(zip(x.broadcastable, indices.broadcastable))]  # fmt: skip
        return Apply(self, [x, indices], [TensorType(x.dtype, bcast)()])

    def py_code(self, node, inames, onames, ctx):
        fn = ctx.ref(np.take_along_axis, "take_along_axis")
        return f"{onames[0]} = {fn}({inames[0]}, {inames[1]}, {self.axis})"

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.take_along_axis(inputs[0], inputs[1], self.axis)

    def infer_shape(self, node, shapes):
        return [shapes[1]]

    def connection_pattern(self, node):
        return [[True], [False]]

    def L_op(self, inputs, outputs, gz):
        x, indices = inputs
        return [_cast_grad(ScatterAlongAxis(self.axis)(x, gz[0], indices), x),
                DisconnectedType()()]  # fmt: skip

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0], inputs[1])]


class _ScatterAdd(Op):
    """Zeros shaped like ``x`` with ``g`` added at the positions that ``indices`` pick
    along ``axis`` (repeated positions accumulate): the transpose of a gather op.

    A subclass says how ``indices`` become a NumPy index (`_index`) and which gather op it
    transposes (`_take_op`, its gradient).
    """

    __props__ = ("axis",)

    def __init__(self, axis):
        self.axis = int(axis)

    def _index(self, indices):
        raise NotImplementedError(f"{type(self).__name__}._index")

    def _take_op(self):
        raise NotImplementedError(f"{type(self).__name__}._take_op")

    def make_node(self, x, g, indices):
        x, g, indices = (as_tensor_variable(v) for v in (x, g, indices))
        return Apply(self, [x, g, indices], [TensorType(g.dtype, x.broadcastable)()])

    def perform(self, node, inputs, output_storage):
        x, g, indices = inputs
        out = np.zeros(np.shape(x), dtype=node.outputs[0].dtype)
        np.add.at(out, self._index(indices), g)
        output_storage[0][0] = out

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def connection_pattern(self, node):
        return [[False], [True], [False]]

    def L_op(self, inputs, outputs, gz):
        return [DisconnectedType()(), self._take_op()(gz[0], inputs[2]), DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[1] is None else self(inputs[0], eval_points[1], inputs[2])]


class ScatterAlongAxis(_ScatterAdd):
    """Zeros shaped like ``x`` with ``g`` added at ``indices`` along ``axis`` (the
    transpose of `TakeAlongAxis`; repeated indices accumulate)."""

    def _index(self, indices):
        return _ogrid_index(indices, self.axis)

    def _take_op(self):
        return TakeAlongAxis(self.axis)


# ----------------------------------------------------------------------------- top-k


class TopKOp(Op):
    """The ``|kth|`` largest (``kth > 0``) or smallest (``kth < 0``) elements along
    ``axis`` and/or their indices.

    Results come ordered: largest first for ``kth > 0``, smallest first for
    ``kth < 0`` (``sorted=False`` allows any order; this implementation sorts anyway).
    """

    __props__ = ("axis", "sorted", "idx_dtype", "return_values", "return_indices")

    def __init__(self, axis=-1, sorted=True, idx_dtype="int64", return_values=True,
                 return_indices=True):  # fmt: skip
        if idx_dtype not in _INT_DTYPES:
            raise TypeError(f"topk: idx_dtype must be an integer dtype, got {idx_dtype!r}")
        if not (return_values or return_indices):
            raise ValueError("topk: return_values and return_indices cannot both be False")
        self.axis = int(axis)
        self.sorted = bool(sorted)
        self.idx_dtype = idx_dtype
        self.return_values = bool(return_values)
        self.return_indices = bool(return_indices)

    def make_node(self, x, kth):
        x = as_tensor_variable(x)
        if x.ndim == 0:
            raise TypeError(f"topk: cannot take the top elements of a scalar ({x.type})")
        if not -x.ndim <= self.axis < x.ndim:
            raise ValueError(f"topk: axis {self.axis} is out of range for {x.type}")
        kth = as_tensor_variable(kth)
        if kth.ndim != 0 or kth.dtype not in _INT_DTYPES:
            raise TypeError(f"topk: kth must be an integer scalar, got {kth.type}")
        bcast = list(x.broadcastable)
        bcast[self.axis % x.ndim] = False
        outs = []
        if self.return_values:
            outs.append(TensorType(x.dtype, bcast)())
        if self.return_indices:
            outs.append(TensorType(self.idx_dtype, bcast)())
        return Apply(self, [x, kth], outs)

    def perform(self, node, inputs, output_storage):
        x, kth = inputs
        axis = self.axis % x.ndim
        k, n = int(kth), x.shape[axis]
        if k == 0 or abs(k) > n:
            raise ValueError(f"topk: kth={k} must be nonzero and at most {n} in magnitude")
        order = np.argsort(x, axis=axis, kind="stable")
        if k > 0:
            idx = np.flip(np.take(order, np.arange(n - k, n), axis=axis), axis=axis)
        else:
            idx = np.take(order, np.arange(-k), axis=axis)
        out = []
        if self.return_values:
            out.append(np.take_along_axis(x, idx, axis))
        if self.return_indices:
            out.append(idx.astype(self.idx_dtype))
        for cell, value in zip(output_storage, out):
            cell[0] = value

    def infer_shape(self, node, shapes):
        from theano.tensor.math import abs_, cast

        x, kth = node.inputs
        shape = list(shapes[0])
        shape[self.axis % x.ndim] = cast(abs_(kth), "int64")
        return [tuple(shape)] * len(node.outputs)

    def connection_pattern(self, node):
        return [[self.return_values] + [False] * self.return_indices, [False] * len(node.outputs)]

    def L_op(self, inputs, outputs, gz):
        x, kth = inputs
        if not self.return_values or isinstance(gz[0].type, DisconnectedType):
            return [DisconnectedType()(), DisconnectedType()()]
        if x.dtype in scalar.DISCRETE_DTYPES:
            from theano.tensor.math import zeros_like

            return [zeros_like(x, dtype="float64"), DisconnectedType()()]
        if self.return_indices:
            idx = outputs[1]
        else:
            idx = TopKOp(self.axis, self.sorted, self.idx_dtype, False, True)(x, kth)
        gx = ScatterAlongAxis(self.axis % x.ndim)(x, gz[0], idx)
        return [_cast_grad(gx, x), DisconnectedType()()]


def _topk_input(x, axis):
    from theano.tensor.shape import flatten

    x = as_tensor_variable(x)
    if axis is None:
        return flatten(x), 0
    return x, int(axis)


def topk(x, kth, axis=-1, sorted=True, idx_dtype="int64"):
    """The ``kth`` largest elements of ``x`` along ``axis`` (the ``-kth`` smallest when
    ``kth`` is negative); ``axis=None`` flattens. Differentiable with respect to ``x``."""
    x, axis = _topk_input(x, axis)
    return TopKOp(axis, sorted, idx_dtype, return_values=True, return_indices=False)(x, kth)


def argtopk(x, kth, axis=-1, sorted=True, idx_dtype="int64"):
    """The indices of the ``kth`` largest (``-kth`` smallest if negative) elements."""
    x, axis = _topk_input(x, axis)
    return TopKOp(axis, sorted, idx_dtype, return_values=False, return_indices=True)(x, kth)


def topk_and_argtopk(x, kth, axis=-1, sorted=True, idx_dtype="int64"):
    """``(topk(x, kth, axis), argtopk(x, kth, axis))`` from one node."""
    x, axis = _topk_input(x, axis)
    return tuple(TopKOp(axis, sorted, idx_dtype)(x, kth))


__all__ = [
    "ArgSortOp", "SortOp", "TopKOp", "argsort", "argtopk", "sort", "topk", "topk_and_argtopk",
]  # fmt: skip
