"""Small names of Theano 1.0's tensor API that have no other home here.

Each is an alias or a thin function over existing ops, so old code that calls
``T.square``, ``T.get_scalar_constant_value`` or ``T.nnet.confusion_matrix`` runs as it
did. ``__all__`` lists the names for ``theano.tensor``; ``NNET_ALL``, ``EXTRA_OPS_ALL``,
``SLINALG_ALL`` and ``INPLACE_ALL`` list the names for those submodules.
"""

from __future__ import annotations

import numpy as np

from theano.graph.basic import Constant
from theano.tensor import math as _math
from theano.tensor.basic import as_tensor_variable
from theano.tensor.broadcast import Rebroadcast, SpecifyShape, transpose
from theano.tensor.elemwise import DimShuffle, Elemwise
from theano.tensor.inplace import sigmoid_inplace  # noqa: F401 (re-exported for T.nnet)
from theano.tensor.shape import MakeVector, Shape, Shape_i
from theano.tensor.sharedvar import TensorSharedVariable
from theano.tensor.subtensor import Subtensor

__all__ = [
    "NotScalarConstantError", "TensorSharedVariable", "bartlett", "ceil_intdiv",
    "extract_constant", "get_scalar_constant_value", "get_vector_length",
    "inverse_permutation", "largest", "permute_row_elements", "power", "smallest", "square",
    "tensor_copy",
]  # fmt: skip
NNET_ALL = [
    "batch_normalization", "confusion_matrix", "h_softmax", "prepend_0_to_each_row",
    "prepend_1_to_each_row", "prepend_scalar_to_each_row", "sigmoid_inplace",
]  # fmt: skip
EXTRA_OPS_ALL = ["bartlett"]
SLINALG_ALL = ["MATRIX_STRUCTURES", "cho_solve"]
INPLACE_ALL = ["transpose_inplace"]

# ----------------------------------------------------------------- aliases

square = _math.sqr
tensor_copy = _math.identity
transpose_inplace = transpose  # DimShuffle is already a view here


def power(x, y):
    """``x ** y`` elementwise (NumPy's name for `pow`)."""
    return _math.pow(x, y)


def ceil_intdiv(a, b):
    """``ceil(a / b)`` for integer tensors, computed without floats."""
    quotient = _math.int_div(a, b)
    return quotient + _math.cast(_math.neq(_math.mod(a, b), 0), quotient.dtype)


def largest(*args):
    """The elementwise maximum of all the arguments."""
    return _fold(_math.maximum, args, "largest")


def smallest(*args):
    """The elementwise minimum of all the arguments."""
    return _fold(_math.minimum, args, "smallest")


def _fold(binary, args, name):
    if not args:
        raise TypeError(f"{name}() needs at least one tensor, got none")
    out = as_tensor_variable(args[0])
    for a in args[1:]:
        out = binary(out, a)
    return out


def inverse_permutation(perm):
    """The inverse of the permutation(s) in the last axis of the integer tensor ``perm``.

    ``inverse_permutation(p)[p[i]] == i``; leading axes hold independent permutations.
    """
    from theano.tensor.sort import argsort

    perm = as_tensor_variable(perm)
    if not perm.dtype.startswith(("int", "uint")):
        raise TypeError(f"inverse_permutation: perm must be an integer tensor, got {perm.type}")
    if perm.ndim == 0:
        raise TypeError("inverse_permutation: perm must have at least one dimension, got 0-d")
    return _math.cast(argsort(perm, axis=-1), perm.dtype)


def permute_row_elements(x, y, inverse=0):
    """Each row (last axis) of ``x`` reordered by the permutation in ``y``.

    ``out[..., j] = x[..., y[..., j]]``, or with ``inverse`` the inverse permutation
    (``out[..., y[..., j]] = x[..., j]``). Leading axes broadcast: one permutation
    vector ``y`` reorders every row of ``x``, and one row ``x`` is reordered by every
    permutation in ``y``.
    """
    from theano.tensor.broadcast import shape_padleft
    from theano.tensor.creation import arange

    x, y = as_tensor_variable(x), as_tensor_variable(y)
    if not y.dtype.startswith(("int", "uint")):
        raise TypeError(f"permute_row_elements: y must be an integer tensor, got {y.type}")
    if x.ndim == 0 or y.ndim == 0:
        raise TypeError(
            f"permute_row_elements: x and y need at least one dimension, got {x.type} and {y.type}"
        )
    if inverse:
        y = inverse_permutation(y)
    ndim = max(x.ndim, y.ndim)
    x, y = shape_padleft(x, ndim - x.ndim), shape_padleft(y, ndim - y.ndim)
    index = []
    for axis in range(ndim - 1):
        # ``% x.shape`` maps every output position to 0 where x is broadcast on this axis.
        size = _math.maximum(x.shape[axis], y.shape[axis])
        positions = arange(size) % x.shape[axis]
        pattern = ["x"] * ndim
        pattern[axis] = 0
        index.append(positions.dimshuffle(*pattern))
    return x[(*index, y)]


def bartlett(M):
    """The Bartlett (triangular) window of ``M`` points, as a float64 vector.

    Like ``numpy.bartlett``: empty for ``M < 1``, ``[1.]`` for ``M == 1``.
    """
    from theano.tensor.creation import arange

    M = as_tensor_variable(M)
    if M.ndim != 0 or not M.dtype.startswith(("int", "uint")):
        raise TypeError(f"bartlett: M must be an integer scalar, got {M.type}")
    n = _math.cast(arange(_math.maximum(M, 0)), "float64")
    half = _math.cast(M - 1, "float64")
    # M == 1 would divide 0 by 0; its only point is 1.
    window = 1 - abs(2 * n / _math.maximum(half, 1) - 1)
    return _math.switch(_math.eq(M, 1), 1.0, window)


# ----------------------------------------------------------------- constants


class NotScalarConstantError(Exception):
    """Raised by `get_scalar_constant_value` for a variable with no constant value."""


_CONSTANT_FOLDABLE = (DimShuffle, Rebroadcast, SpecifyShape, Subtensor, MakeVector)


def _constant_value(v, elemwise, only_constants, depth):
    """The array that ``v`` always equals, or `NotScalarConstantError`."""
    if isinstance(v, np.ndarray | np.generic | int | float | complex | bool):
        return np.asarray(v)
    if isinstance(v, Constant):
        return np.asarray(v.data)
    node = getattr(v, "owner", None)
    if node is None or only_constants or depth <= 0:
        raise NotScalarConstantError(f"{v} is not a constant")
    op = node.op
    if isinstance(op, Shape_i) and node.inputs[0].broadcastable[op.i]:
        return np.asarray(1, dtype="int64")
    if isinstance(op, Shape) and all(node.inputs[0].broadcastable):
        return np.ones(node.inputs[0].ndim, dtype="int64")
    if isinstance(op, Subtensor) and node.inputs[0].owner is not None:
        # ``x.shape[i]`` of a broadcastable dimension is 1, whatever the other dims are.
        inner = node.inputs[0].owner
        if isinstance(inner.op, Shape) and len(node.inputs) == 2:
            i = int(_constant_value(node.inputs[1], elemwise, only_constants, depth - 1))
            if inner.inputs[0].broadcastable[i]:
                return np.asarray(1, dtype="int64")
    if isinstance(op, _CONSTANT_FOLDABLE) or (elemwise and isinstance(op, Elemwise)):
        values = [_constant_value(i, elemwise, only_constants, depth - 1) for i in node.inputs]
        storage = [[None] for _ in node.outputs]
        op.perform(node, values, storage)
        return np.asarray(storage[node.outputs.index(v)][0])
    raise NotScalarConstantError(f"{v} (computed by {op}) is not a constant")


def get_scalar_constant_value(v, elemwise=True, only_process_constants=False, max_recur=10):
    """The 0-d array that the scalar expression ``v`` always equals.

    Follows constants through dimshuffles, subtensors, the shapes of broadcastable
    dimensions and (with ``elemwise``) elementwise ops; raises `NotScalarConstantError`
    when ``v`` can vary or holds more than one value.
    """
    value = _constant_value(v, elemwise, only_process_constants, max_recur)
    if value.size != 1:
        raise NotScalarConstantError(f"{v} is a constant of shape {value.shape}, not a scalar")
    return value.reshape(())


def extract_constant(x, elemwise=True, only_process_constants=False):
    """The constant value of ``x`` when it has one (a 0-d array), else ``x`` itself."""
    try:
        return get_scalar_constant_value(x, elemwise, only_process_constants)
    except NotScalarConstantError:
        return x


def get_vector_length(v):
    """The length of the symbolic vector ``v``, when known before running the graph."""
    v = as_tensor_variable(v)
    if v.ndim != 1:
        raise TypeError(f"get_vector_length: expected a vector, got {v.type} ({v.ndim}-d)")
    if isinstance(v, Constant):
        return len(v.data)
    if v.broadcastable[0]:
        return 1
    node = v.owner
    if node is not None and isinstance(node.op, Shape):
        return node.inputs[0].ndim
    if node is not None and isinstance(node.op, MakeVector):
        return len(node.inputs)
    raise ValueError(f"get_vector_length: the length of {v} is not known before run time")


# ----------------------------------------------------------------- nnet


def prepend_scalar_to_each_row(val, mat):
    """``mat`` with a first column of ``val`` added (cast to ``mat``'s dtype)."""
    from theano.tensor.join import concatenate
    from theano.tensor.shape import alloc

    mat = as_tensor_variable(mat)
    if mat.ndim != 2:
        raise TypeError(f"prepend_scalar_to_each_row: mat must be a matrix, got {mat.type}")
    val = _math.cast(as_tensor_variable(val), mat.dtype)
    if val.ndim != 0:
        raise TypeError(f"prepend_scalar_to_each_row: val must be a scalar, got {val.type}")
    column = alloc(val, mat.shape[0], 1)
    return concatenate([column, mat], axis=1)


def prepend_0_to_each_row(mat):
    """``mat`` with a first column of zeros."""
    return prepend_scalar_to_each_row(0, mat)


def prepend_1_to_each_row(mat):
    """``mat`` with a first column of ones."""
    return prepend_scalar_to_each_row(1, mat)


def confusion_matrix(actual, pred):
    """The confusion matrix of two label vectors, and the labels that index it.

    Returns ``[conf_mat, order]``: ``order`` is the sorted union of the labels, and
    ``conf_mat[i, j]`` counts the positions where ``actual`` is ``order[i]`` and ``pred``
    is ``order[j]`` (int64).
    """
    from theano.tensor.extra_ops import unique
    from theano.tensor.join import concatenate
    from theano.tensor.products import dot

    actual, pred = as_tensor_variable(actual), as_tensor_variable(pred)
    for name, v in (("actual", actual), ("pred", pred)):
        if v.ndim != 1:
            raise ValueError(f"confusion_matrix: {name} must be a vector, got {v.type}")
    order = unique(concatenate([actual, pred]))
    one_hot_actual = _math.cast(_math.eq(actual.dimshuffle(0, "x"), order), "int64")
    one_hot_pred = _math.cast(_math.eq(pred.dimshuffle(0, "x"), order), "int64")
    return [dot(one_hot_actual.T, one_hot_pred), order]


def h_softmax(x, batch_size, n_outputs, n_classes, n_outputs_per_class, W1, b1, W2, b2,
              target=None):  # fmt: skip
    """Two-level hierarchical softmax: p(output) = p(class) * p(output | class).

    ``x`` is (batch_size, n_in); ``W1`` (n_in, n_classes) and ``b1`` (n_classes,) give the
    class probabilities; ``W2`` (n_classes, n_in, n_outputs_per_class) and ``b2``
    (n_classes, n_outputs_per_class) the probabilities inside each class. Output ``k``
    lies in class ``k // n_outputs_per_class``. Without ``target`` the result is the
    (batch_size, n_outputs) matrix of all probabilities; with an integer vector
    ``target`` it is the (batch_size,) vector of each row's target probability, computed
    from the target's class only.
    """
    from theano.tensor.creation import arange
    from theano.tensor.nnet import softmax
    from theano.tensor.products import batched_dot, dot, tensordot

    x, W1, b1, W2, b2 = (as_tensor_variable(v) for v in (x, W1, b1, W2, b2))
    if x.ndim != 2:
        raise TypeError(f"h_softmax: x must be a (batch_size, n_in) matrix, got {x.type}")
    class_probs = softmax(dot(x, W1) + b1)
    if target is None:
        # (batch, n_classes, n_outputs_per_class), a softmax over the last axis.
        activations = tensordot(x, W2, axes=[[1], [1]]) + b2
        in_class = softmax(activations.reshape((-1, n_outputs_per_class)))
        in_class = in_class.reshape((batch_size, n_classes, n_outputs_per_class))
        probs = in_class * class_probs.dimshuffle(0, 1, "x")
        return probs.reshape((batch_size, n_classes * n_outputs_per_class))[:, :n_outputs]
    target = as_tensor_variable(target)
    if target.ndim != 1 or not target.dtype.startswith(("int", "uint")):
        raise TypeError(f"h_softmax: target must be an integer vector, got {target.type}")
    target_class = target // n_outputs_per_class
    rows = arange(batch_size)
    in_class = softmax(batched_dot(x, W2[target_class]) + b2[target_class])
    return class_probs[rows, target_class] * in_class[rows, target % n_outputs_per_class]


def batch_normalization(inputs, gamma, beta, mean, std, mode="low_mem"):
    """``(inputs - mean) * (gamma / std) + beta``, elementwise with broadcasting.

    ``mode`` ('low_mem' or 'high_mem') chose a GPU kernel in Theano; both give the
    same graph here.
    """
    if mode not in ("low_mem", "high_mem"):
        raise ValueError(f"batch_normalization: mode must be 'low_mem' or 'high_mem', got {mode!r}")
    inputs = as_tensor_variable(inputs)
    return (inputs - mean) * (gamma / std) + beta


# ----------------------------------------------------------------- slinalg

MATRIX_STRUCTURES = (
    "general", "symmetric", "lower_triangular", "upper_triangular", "hermitian",
    "banded", "diagonal", "toeplitz",
)  # fmt: skip


def cho_solve(c_and_lower, b):
    """The solution of ``a @ x = b`` from ``a``'s Cholesky factor (``scipy.linalg.cho_solve``).

    ``c_and_lower`` is ``(c, lower)``: ``c`` is the lower (``lower=True``) or upper
    triangular factor of ``a``.
    """
    from theano.tensor.slinalg import solve_triangular

    c, lower = c_and_lower
    if lower:
        return solve_triangular(c, solve_triangular(c, b, lower=True), trans=1, lower=True)
    return solve_triangular(c, solve_triangular(c, b, trans=1, lower=False), lower=False)
