"""Joining and splitting tensors: `join`, `concatenate`, `stack`, `split` and friends."""

from __future__ import annotations

import numpy as np

from theano.graph.basic import Apply, Constant
from theano.graph.null_type import DisconnectedType
from theano.graph.op import Op
from theano.scalar.basic import upcast
from theano.tensor.basic import as_tensor_variable, constant
from theano.tensor.type import TensorType


def _axis_value(axis, ndim):
    axis = int(axis.data) if isinstance(axis, Constant) else int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of range for {ndim}-d tensors")
    return axis % ndim


class Join(Op):
    """Concatenate tensors of equal rank along an ``axis`` (a constant)."""

    __props__ = ("axis",)

    def __init__(self, axis):
        self.axis = int(axis)

    def __str__(self):
        return f"Join{{axis={self.axis}}}"

    def make_node(self, *tensors):
        tensors = [as_tensor_variable(t) for t in tensors]
        if not tensors:
            raise ValueError("join: needs at least one tensor")
        ndim = tensors[0].ndim
        if ndim == 0:
            raise TypeError("join: cannot join 0-d tensors; use stack")
        for t in tensors:
            if t.ndim != ndim:
                types = ", ".join(str(t.type) for t in tensors)
                raise TypeError(f"join: all tensors must have the same rank, got {types}")
        axis = self.axis % ndim
        bcast = []
        for d in range(ndim):
            if d == axis:
                bcast.append(len(tensors) == 1 and tensors[0].broadcastable[d])
            else:
                bcast.append(all(t.broadcastable[d] for t in tensors))
        dtype = upcast(*[t.dtype for t in tensors])
        return Apply(self, tensors, [TensorType(dtype, bcast)()])

    def py_code(self, node, inames, onames, ctx):
        fn = ctx.ref(np.concatenate, "concatenate")
        axis = self.axis % node.outputs[0].ndim
        dtype = node.outputs[0].dtype
        return f"{onames[0]} = {fn}(({', '.join(inames)},), axis={axis}, dtype={dtype!r})"

    def perform(self, node, inputs, output_storage):
        axis = self.axis % node.outputs[0].ndim
        output_storage[0][0] = np.concatenate(inputs, axis=axis).astype(node.outputs[0].dtype)

    def infer_shape(self, node, shapes):
        from theano.tensor.math import add

        axis = self.axis % node.outputs[0].ndim
        out = list(shapes[0])
        out[axis] = add(*[s[axis] for s in shapes]) if len(shapes) > 1 else shapes[0][axis]
        return [tuple(out)]

    def L_op(self, inputs, outputs, gz):
        from theano.tensor.elemwise import _cast_grad
        from theano.tensor.shape import shape_i

        axis = self.axis % outputs[0].ndim
        sizes = [shape_i(t, axis) for t in inputs]
        parts = split(gz[0], sizes, len(inputs), axis) if len(inputs) > 1 else [gz[0]]
        out = []
        for t, g in zip(inputs, parts):
            if t.dtype.startswith(("int", "uint", "bool")):
                from theano.tensor.math import zeros_like

                out.append(zeros_like(t, dtype="float64"))
            else:
                out.append(_cast_grad(_match_broadcast(g, t), t))
        return out

    def R_op(self, inputs, eval_points):
        if any(e is None for e in eval_points):
            return [None]
        return [self(*eval_points)]


def _match_broadcast(g, like):
    from theano.tensor.broadcast import patternbroadcast

    if g.broadcastable != like.broadcastable:
        return patternbroadcast(g, like.broadcastable)
    return g


class Split(Op):
    """Split ``x`` along ``axis`` into ``len_splits`` pieces of the given sizes."""

    __props__ = ("len_splits",)

    def __init__(self, len_splits):
        self.len_splits = int(len_splits)

    def __str__(self):
        return f"Split{{{self.len_splits}}}"

    def make_node(self, x, axis, splits):
        x = as_tensor_variable(x)
        axis = as_tensor_variable(axis)
        splits = as_tensor_variable(splits)
        if splits.ndim != 1 or not splits.dtype.startswith(("int", "uint")):
            raise TypeError(f"split: splits must be an integer vector, got {splits.type}")
        if axis.ndim != 0 or not axis.dtype.startswith(("int", "uint")):
            raise TypeError(f"split: axis must be an integer scalar, got {axis.type}")
        outs = [TensorType(x.dtype, (False,) * x.ndim)() for _ in range(self.len_splits)]
        return Apply(self, [x, axis, splits], outs)

    def perform(self, node, inputs, output_storage):
        x, axis, splits = inputs
        axis = int(axis) % x.ndim
        if len(splits) != self.len_splits:
            raise ValueError(f"split: {len(splits)} sizes given for {self.len_splits} pieces")
        if int(np.sum(splits)) != x.shape[axis]:
            raise ValueError(
                f"split: the sizes {list(splits)} do not add up to the length "
                f"{x.shape[axis]} of axis {axis}"
            )
        bounds = np.cumsum(splits)[:-1]
        for cell, piece in zip(output_storage, np.split(x, bounds, axis=axis)):
            cell[0] = piece.copy()

    def infer_shape(self, node, shapes):
        from theano.tensor.subtensor import index

        x, axis, splits = node.inputs
        ax = int(axis.data) % x.ndim if isinstance(axis, Constant) else None
        if ax is None:
            raise NotImplementedError("split: symbolic axis")
        out = []
        for k in range(self.len_splits):
            s = list(shapes[0])
            s[ax] = index(splits, k)
            out.append(tuple(s))
        return out

    def connection_pattern(self, node):
        return [[True] * self.len_splits, [False] * self.len_splits, [False] * self.len_splits]

    def L_op(self, inputs, outputs, gz):
        from theano.tensor.math import zeros_like

        _x, axis, _splits = inputs
        parts = [
            zeros_like(o) if isinstance(g.type, DisconnectedType) else g
            for g, o in zip(gz, outputs)
        ]
        ax = int(axis.data) if isinstance(axis, Constant) else None
        if ax is None:
            raise NotImplementedError("the gradient of split needs a constant axis")
        return [join(ax, *parts), DisconnectedType()(), DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None] * self.len_splits
        return self(eval_points[0], *inputs[1:])


def join(axis, *tensors_list):
    """Concatenate ``tensors_list`` along ``axis`` (Theano's argument order)."""
    if len(tensors_list) == 1 and isinstance(tensors_list[0], list | tuple):
        tensors_list = tuple(tensors_list[0])
    tensors = [as_tensor_variable(t) for t in tensors_list]
    if len(tensors) == 1:
        return tensors[0]
    axis = _axis_value(axis, tensors[0].ndim)
    return Join(axis)(*tensors)


def concatenate(tensor_list, axis=0):
    """Concatenate a list of tensors along ``axis`` (NumPy's argument order)."""
    if not isinstance(tensor_list, list | tuple):
        raise TypeError(
            "concatenate takes a list or tuple of tensors first; did you mean join(axis, ...)?"
        )
    return join(axis, *tensor_list)


def stack(*tensors, **kwargs):
    """Stack tensors of the same shape along a new ``axis`` (default 0).

    Both ``stack([a, b, c], axis=0)`` and Theano's older ``stack(a, b, c)`` work.
    """
    axis = kwargs.pop("axis", 0)
    if kwargs:
        raise TypeError(f"stack: unexpected keyword arguments {sorted(kwargs)}")
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        tensors = tuple(tensors[0])
    elif len(tensors) >= 1 and isinstance(tensors[0], list | tuple):
        tensors, axis = tuple(tensors[0]), tensors[1]
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    tensors = [as_tensor_variable(t) for t in tensors]
    ndim = tensors[0].ndim + 1
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"stack: axis {axis} out of range for the {ndim}-d result")
    axis %= ndim
    from theano.tensor.elemwise import dimshuffle

    expanded = []
    for t in tensors:
        order = list(range(t.ndim))
        order.insert(axis, "x")
        expanded.append(dimshuffle(t, *order))
    if len(expanded) == 1:
        return expanded[0]
    return Join(axis)(*expanded)


def split(x, splits_size, n_splits, axis=0):
    """Split ``x`` along ``axis`` into ``n_splits`` pieces of sizes ``splits_size``."""
    from theano.tensor.math import cast
    from theano.tensor.shape import MakeVector

    x = as_tensor_variable(x)
    if isinstance(splits_size, list | tuple):
        if all(isinstance(s, int | np.integer) for s in splits_size):
            sizes = constant(np.array(splits_size, dtype="int64"))
        else:
            sizes = MakeVector("int64")(*[cast(as_tensor_variable(s), "int64")
                                          for s in splits_size])  # fmt: skip
    else:
        sizes = as_tensor_variable(splits_size)
    axis_c = constant(int(axis) % max(x.ndim, 1), dtype="int64") if not hasattr(
        axis, "type"
    ) else axis  # fmt: skip
    out = Split(n_splits)(x, axis_c, sizes)
    return out if isinstance(out, list) else [out]


def stacklists(arg):
    """A tensor from nested lists of scalars or tensors: ``stacklists([[a, b], [c, d]])``."""
    if isinstance(arg, list | tuple):
        return stack([stacklists(a) for a in arg])
    return as_tensor_variable(arg)


def horizontal_stack(*args):
    """Join matrices side by side (along axis 1)."""
    if len(args) < 2:
        raise ValueError("horizontal_stack takes at least two tensors")
    return concatenate(list(args), axis=1)


def vertical_stack(*args):
    """Join matrices one above the other (along axis 0)."""
    if len(args) < 2:
        raise ValueError("vertical_stack takes at least two tensors")
    return concatenate(list(args), axis=0)


__all__ = [
    "Join", "Split", "concatenate", "horizontal_stack", "join", "split", "stack",
    "stacklists", "vertical_stack",
]  # fmt: skip
