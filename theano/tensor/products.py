"""`theano.tensor.products`: products of tensors of any rank.

`dot` with NumPy's semantics for every rank, `tensordot`, `batched_dot`,
`batched_tensordot` and `matrix_dot`, as in Theano 1.0. The higher-rank products
are built from transposes, reshapes and the matrix `Dot` (or `BatchedDot`), so
their gradients come from those ops.
"""

from __future__ import annotations

import numpy as np

from theano import scalar
from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.tensor.basic import as_tensor_variable, constant
from theano.tensor.broadcast import patternbroadcast
from theano.tensor.elemwise import _cast_grad, dimshuffle
from theano.tensor.math import add, mul, outer
from theano.tensor.math import dot as _matrix_dot
from theano.tensor.shape import reshape, shape_i
from theano.tensor.type import TensorType


def dot(a, b):
    """The product of ``a`` and ``b`` with ``numpy.dot`` semantics for every rank.

    Ranks up to 2 use the matrix `Dot`; for higher ranks the last axis of ``a`` is
    summed against the second-to-last axis of ``b`` (its only axis for a vector).
    """
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.ndim <= 2 and b.ndim <= 2:
        return _matrix_dot(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return mul(a, b)
    return tensordot(a, b, [[a.ndim - 1], [max(b.ndim - 2, 0)]])


def matrix_dot(*args):
    """The product ``args[0] . args[1] . ... . args[-1]``, left to right."""
    if not args:
        raise TypeError("matrix_dot: needs at least one argument")
    out = as_tensor_variable(args[0])
    for arg in args[1:]:
        out = dot(out, arg)
    return out


# ------------------------------------------------------------------------ tensordot


def _as_axis_list(axes, name, which):
    if isinstance(axes, int | np.integer):
        return [int(axes)]
    try:
        return [int(ax) for ax in axes]
    except TypeError:
        raise TypeError(f"{name}: {which} axes must be ints, got {axes!r}") from None


def _normalize_axes(a, b, axes, name, batched):
    """The summed axes of ``a`` and of ``b`` as two lists of non-negative ints."""
    first = 1 if batched else 0
    if isinstance(axes, int | np.integer):
        n = int(axes)
        if n < 0:
            raise ValueError(f"{name}: axes must be non-negative, got {n}")
        if n > a.ndim - first or n > b.ndim - first:
            raise ValueError(
                f"{name}: cannot sum over {n} axes of inputs of {a.ndim} and {b.ndim} "
                f"dimensions{' (the batch axis excluded)' if batched else ''}"
            )
        return list(range(a.ndim - n, a.ndim)), list(range(first, first + n))
    try:
        a_axes, b_axes = axes
    except (TypeError, ValueError):
        raise ValueError(
            f"{name}: axes must be an int or a pair of axis lists, got {axes!r}"
        ) from None
    a_axes = _as_axis_list(a_axes, name, "a's")
    b_axes = _as_axis_list(b_axes, name, "b's")
    if len(a_axes) != len(b_axes):
        raise ValueError(
            f"{name}: a's axes {a_axes} and b's axes {b_axes} must have the same length"
        )
    out = []
    for label, x, ax_list in (("a", a, a_axes), ("b", b, b_axes)):
        norm = []
        for ax in ax_list:
            if not -x.ndim <= ax < x.ndim:
                raise ValueError(
                    f"{name}: axis {ax} is out of range for input {label} of type {x.type}"
                )
            ax %= x.ndim
            if batched and ax == 0:
                raise ValueError(f"{name}: cannot sum over the batch axis 0 of input {label}")
            norm.append(ax)
        if len(set(norm)) != len(norm):
            raise ValueError(f"{name}: repeated axis in {ax_list} for input {label}")
        out.append(norm)
    return out[0], out[1]


def _size(x, axes):
    """The product of the lengths of ``x`` along ``axes`` (an int64 scalar)."""
    if not axes:
        return constant(1, dtype="int64")
    sizes = [shape_i(x, d) for d in axes]
    return sizes[0] if len(sizes) == 1 else mul(*sizes)


def _tensordot_as_dot(a, b, axes, name, batched):
    """``a`` and ``b`` contracted over ``axes`` via transpose, reshape and a matrix product."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if batched and (a.ndim < 1 or b.ndim < 1):
        bad = "a" if a.ndim < 1 else "b"
        raise TypeError(f"{name}: input {bad} must have a batch axis, got a scalar")
    a_axes, b_axes = _normalize_axes(a, b, axes, name, batched)
    first = 1 if batched else 0
    a_rest = [d for d in range(first, a.ndim) if d not in a_axes]
    b_rest = [d for d in range(first, b.ndim) if d not in b_axes]
    lead = [0] if batched else []
    a_t = dimshuffle(a, *lead, *a_rest, *a_axes)
    b_t = dimshuffle(b, *lead, *b_axes, *b_rest)

    # Collapse to (batch?, rows?, k) and (batch?, k, cols?); empty groups are dropped.
    k = _size(a, a_axes)
    batch = [shape_i(a, 0)] if batched else []
    a_shape = [*batch, *([_size(a, a_rest)] if a_rest else []), k]
    b_shape = [*batch, k, *([_size(b, b_rest)] if b_rest else [])]
    a2 = reshape(a_t, a_shape, ndim=len(a_shape))
    b2 = reshape(b_t, b_shape, ndim=len(b_shape))
    prod = batched_dot(a2, b2) if batched else _matrix_dot(a2, b2)

    out_dims = [(a, d) for d in lead + a_rest] + [(b, d) for d in b_rest]
    if len(a_rest) > 1 or len(b_rest) > 1:
        prod = reshape(prod, [shape_i(x, d) for x, d in out_dims], ndim=len(out_dims))
    bcast = tuple(x.broadcastable[d] for x, d in out_dims)
    if prod.broadcastable != bcast:
        prod = patternbroadcast(prod, bcast)
    return prod


def tensordot(a, b, axes=2):
    """Sum products of ``a`` and ``b`` over the given axes (``numpy.tensordot``).

    ``axes`` is an int ``n`` (the last ``n`` axes of ``a`` against the first ``n``
    of ``b``) or a pair of lists ``[a_axes, b_axes]``. The result has the remaining
    axes of ``a`` followed by the remaining axes of ``b``.
    """
    return _tensordot_as_dot(a, b, axes, "tensordot", batched=False)


def batched_tensordot(x, y, axes=2):
    """`tensordot` for each pair ``x[i]``, ``y[i]`` along the first (batch) axis.

    ``axes`` counts the batch axis: an int ``n`` sums the last ``n`` axes of ``x``
    against axes ``1..n`` of ``y``; a pair of lists names axes of the full tensors
    (never 0).
    """
    return _tensordot_as_dot(x, y, axes, "batched_tensordot", batched=True)


# ---------------------------------------------------------------------- batched_dot


class BatchedDot(Op):
    """``dot(a[i], b[i])`` for each ``i`` along the first axis.

    Operands are 2-d (a batch of vectors) or 3-d (a batch of matrices); the result
    is the batch of products (``matmul`` for 3-d by 3-d).
    """

    __props__ = ()

    def make_node(self, a, b):
        a, b = as_tensor_variable(a), as_tensor_variable(b)
        for label, x in (("a", a), ("b", b)):
            if x.ndim not in (2, 3):
                raise TypeError(f"BatchedDot: input {label} must be 2-d or 3-d, got {x.type}")
        bcast = (a.broadcastable[0] and b.broadcastable[0],)
        bcast += a.broadcastable[1:-1] + b.broadcastable[2:]
        dtype = scalar.upcast(a.dtype, b.dtype)
        return Apply(self, [a, b], [TensorType(dtype, bcast)()])

    @staticmethod
    def _subscripts(nda, ndb):
        return {(3, 3): "bij,bjk->bik", (3, 2): "bij,bj->bi",
                (2, 3): "bj,bjk->bk", (2, 2): "bj,bj->b"}[(nda, ndb)]  # fmt: skip

    def perform(self, node, inputs, output_storage):
        a, b = inputs
        if a.shape[0] != b.shape[0]:
            raise ValueError(
                f"batched_dot: the batch sizes differ: a has {a.shape[0]}, b has {b.shape[0]}"
            )
        dtype = node.outputs[0].dtype
        if a.ndim == 3 and b.ndim == 3:
            out = np.matmul(a, b)
        else:
            out = np.einsum(self._subscripts(a.ndim, b.ndim), a, b)
        output_storage[0][0] = np.asarray(out, dtype=dtype)

    def infer_shape(self, node, shapes):
        sa, sb = shapes
        return [(sa[0], *sa[1:-1], *sb[2:])]

    def L_op(self, inputs, outputs, gz):
        a, b = inputs
        (g,) = gz
        if a.ndim == 3 and b.ndim == 3:
            ga = self(g, dimshuffle(b, 0, 2, 1))
            gb = self(dimshuffle(a, 0, 2, 1), g)
        elif a.ndim == 3:  # g: (B, n), b: (B, k)
            ga = mul(dimshuffle(g, 0, 1, "x"), dimshuffle(b, 0, "x", 1))
            gb = self(dimshuffle(a, 0, 2, 1), g)
        elif b.ndim == 3:  # a: (B, k), g: (B, m)
            ga = self(b, g)
            gb = mul(dimshuffle(a, 0, 1, "x"), dimshuffle(g, 0, "x", 1))
        else:
            ga = mul(dimshuffle(g, 0, "x"), b)
            gb = mul(a, dimshuffle(g, 0, "x"))
        return [_cast_grad(ga, a), _cast_grad(gb, b)]

    def R_op(self, inputs, eval_points):
        a, b = inputs
        ea, eb = eval_points
        terms = []
        if ea is not None:
            terms.append(self(ea, b))
        if eb is not None:
            terms.append(self(a, eb))
        if not terms:
            return [None]
        return [terms[0] if len(terms) == 1 else add(*terms)]


_batched_dot = BatchedDot()


def batched_dot(a, b):
    """``dot(a[i], b[i])`` for each ``i`` along the first (batch) axis.

    3-d by 3-d gives a batch of matrix products, 3-d by 2-d and 2-d by 3-d a batch
    of matrix-vector products, 2-d by 2-d a batch of inner products; a vector
    operand scales the other one per batch entry, and higher ranks use
    `batched_tensordot` (the last axis of ``a`` against axis ``max(1, b.ndim - 2)``
    of ``b``).
    """
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.ndim == 0:
        raise TypeError(f"batched_dot: input a must have a batch axis, got {a.type}")
    if b.ndim == 0:
        raise TypeError(f"batched_dot: input b must have a batch axis, got {b.type}")
    if a.ndim == 1:
        return mul(dimshuffle(a, 0, *["x"] * (b.ndim - 1)), b)
    if b.ndim == 1:
        return mul(a, dimshuffle(b, 0, *["x"] * (a.ndim - 1)))
    if a.ndim > 3 or b.ndim > 3:
        return batched_tensordot(a, b, [[a.ndim - 1], [max(1, b.ndim - 2)]])
    return _batched_dot(a, b)


__all__ = [
    "BatchedDot",
    "batched_dot",
    "batched_tensordot",
    "dot",
    "matrix_dot",
    "outer",
    "tensordot",
]
