"""Changing a tensor's broadcastable pattern or rank without moving data.

`Rebroadcast` (``addbroadcast``/``unbroadcast``/``patternbroadcast``), `SpecifyShape`,
and the `DimShuffle` shorthands ``shape_padleft``/``shape_padright``/
``shape_padaxis``, ``squeeze``, ``swapaxes`` and ``transpose``.
"""

from __future__ import annotations

import numpy as np

from theano.graph.basic import Apply, Constant
from theano.graph.null_type import DisconnectedType
from theano.graph.op import Op
from theano.tensor.basic import as_tensor_variable
from theano.tensor.elemwise import dimshuffle
from theano.tensor.type import TensorType


class Rebroadcast(Op):
    """``x`` with some dimensions' broadcastable flag set; checked at run time."""

    __props__ = ("axis",)
    view_map = {0: [0]}

    def __init__(self, *axis):
        # axis: (dimension, broadcastable) pairs, kept sorted for equality.
        self.axis = tuple(sorted((int(d), bool(b)) for d, b in axis))

    def __str__(self):
        return "Rebroadcast{" + ",".join(f"({d}, {b})" for d, b in self.axis) + "}"

    def make_node(self, x):
        x = as_tensor_variable(x)
        bcast = list(x.broadcastable)
        for d, b in self.axis:
            if not 0 <= d < x.ndim:
                raise ValueError(f"Rebroadcast: dimension {d} does not exist in {x.type}")
            bcast[d] = b
        return Apply(self, [x], [TensorType(x.dtype, bcast)()])

    def py_code(self, node, inames, onames, ctx):
        checks = [d for d, b in self.axis if b]
        lines = []
        if checks:
            err = ctx.ref(_rebroadcast_error, "rebroadcast_error")
            cond = " or ".join(f"{inames[0]}.shape[{d}] != 1" for d in checks)
            lines.append(f"if {cond}: {err}({inames[0]}, {checks!r})")
        lines.append(f"{onames[0]} = {inames[0]}")
        return "\n".join(lines)

    def perform(self, node, inputs, output_storage):
        x = inputs[0]
        for d, b in self.axis:
            if b and x.shape[d] != 1:
                _rebroadcast_error(x, [d])
        output_storage[0][0] = x

    def infer_shape(self, node, shapes):
        return [tuple(1 if (d, True) in self.axis else s for d, s in enumerate(shapes[0]))]

    def L_op(self, inputs, outputs, gz):
        x = inputs[0]
        back = tuple((d, x.broadcastable[d]) for d, _ in self.axis)
        return [Rebroadcast(*back)(gz[0])]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0])]


def _rebroadcast_error(x, dims):
    raise ValueError(
        f"a dimension marked broadcastable must have length 1: dimensions {dims} of a "
        f"value of shape {np.shape(x)}"
    )


def _rebroadcast(x, pairs):
    x = as_tensor_variable(x)
    pairs = [(d % max(x.ndim, 1), b) for d, b in pairs]
    pairs = [(d, b) for d, b in pairs if x.broadcastable[d] != b]
    return Rebroadcast(*pairs)(x) if pairs else x


def addbroadcast(x, *axes):
    """``x`` with ``axes`` marked broadcastable (their length must be 1 at run time)."""
    return _rebroadcast(x, [(a, True) for a in axes])


def unbroadcast(x, *axes):
    """``x`` with ``axes`` marked not broadcastable."""
    return _rebroadcast(x, [(a, False) for a in axes])


def patternbroadcast(x, broadcastable):
    """``x`` with exactly the broadcastable pattern ``broadcastable``."""
    x = as_tensor_variable(x)
    if len(broadcastable) != x.ndim:
        raise ValueError(f"patternbroadcast: pattern {broadcastable} for {x.ndim}-d {x}")
    return _rebroadcast(x, list(enumerate(broadcastable)))


class SpecifyShape(Op):
    """``x``, checked at run time to have the given shape (an int vector)."""

    __props__ = ()
    view_map = {0: [0]}

    def make_node(self, x, shape):
        from theano.tensor.math import cast

        x = as_tensor_variable(x)
        shape = cast(as_tensor_variable(shape), "int64")
        if shape.ndim != 1:
            raise TypeError(f"specify_shape: the shape must be a vector, got {shape.type}")
        bcast = list(x.broadcastable)
        if isinstance(shape, Constant):
            if len(shape.data) != x.ndim:
                raise ValueError(f"specify_shape: {len(shape.data)} sizes for {x.ndim}-d {x}")
            bcast = [b or int(s) == 1 for b, s in zip(bcast, shape.data)]
        return Apply(self, [x, shape], [TensorType(x.dtype, bcast)()])

    def perform(self, node, inputs, output_storage):
        x, shape = inputs
        if tuple(np.shape(x)) != tuple(int(s) for s in shape):
            raise AssertionError(
                f"specify_shape: expected shape {tuple(int(s) for s in shape)}, got {np.shape(x)}"
            )
        output_storage[0][0] = x

    def infer_shape(self, node, shapes):
        from theano.tensor.subtensor import index

        return [tuple(index(node.inputs[1], d) for d in range(node.inputs[0].ndim))]

    def connection_pattern(self, node):
        return [[True], [False]]

    def L_op(self, inputs, outputs, gz):
        return [gz[0], DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0], inputs[1])]


def specify_shape(x, shape):
    """``x``, with its shape asserted at run time (and known to the graph)."""
    from theano.tensor.shape import _as_shape_vector

    vec, _ = _as_shape_vector(shape)
    return SpecifyShape()(x, vec)


def shape_padleft(t, n_ones=1):
    """``t`` with ``n_ones`` broadcastable dimensions added on the left."""
    t = as_tensor_variable(t)
    return dimshuffle(t, *(["x"] * n_ones + list(range(t.ndim))))


def shape_padright(t, n_ones=1):
    """``t`` with ``n_ones`` broadcastable dimensions added on the right."""
    t = as_tensor_variable(t)
    return dimshuffle(t, *(list(range(t.ndim)) + ["x"] * n_ones))


def shape_padaxis(t, axis):
    """``t`` with a broadcastable dimension inserted at ``axis`` (negative counts back)."""
    t = as_tensor_variable(t)
    ndim = t.ndim + 1
    if not -ndim <= axis < ndim:
        raise IndexError(f"shape_padaxis: axis {axis} out of range for a {ndim}-d result")
    axis %= ndim
    order = list(range(t.ndim))
    order.insert(axis, "x")
    return dimshuffle(t, *order)


def squeeze(x, axis=None):
    """``x`` without its broadcastable dimensions (or only those in ``axis``)."""
    x = as_tensor_variable(x)
    if axis is None:
        drop = [d for d, b in enumerate(x.broadcastable) if b]
    else:
        axes = [axis] if isinstance(axis, int) else list(axis)
        drop = [a % x.ndim for a in axes]
        x = addbroadcast(x, *drop)
    return dimshuffle(x, *[d for d in range(x.ndim) if d not in drop])


def swapaxes(y, axis1, axis2):
    """``y`` with dimensions ``axis1`` and ``axis2`` exchanged."""
    y = as_tensor_variable(y)
    order = list(range(y.ndim))
    order[axis1], order[axis2] = order[axis2], order[axis1]
    return dimshuffle(y, *order)


def transpose(x, axes=None):
    """``x`` with its dimensions reversed, or permuted by ``axes``."""
    x = as_tensor_variable(x)
    if axes is None:
        axes = list(reversed(range(x.ndim)))
    return dimshuffle(x, *axes)


__all__ = [
    "Rebroadcast", "SpecifyShape", "addbroadcast", "patternbroadcast", "shape_padaxis",
    "shape_padleft", "shape_padright", "specify_shape", "squeeze", "swapaxes", "transpose",
    "unbroadcast",
]  # fmt: skip
