"""Reductions built on the basic ones: var, std, all, any, ptp, max_and_argmax, norm, logsumexp.

`All` and `Any` are `CAReduce` ops of their own; everything else is a graph of existing ops,
so its gradient, shape inference and rewrites come from those ops.
"""

from __future__ import annotations

import numpy as np

from theano import scalar
from theano.configdefaults import config
from theano.graph.basic import Constant
from theano.tensor.basic import as_tensor_variable, constant
from theano.tensor.elemwise import CAReduce, _normalize_axis, dimshuffle
from theano.tensor.math import (
    _keep,
    _reduce,
    abs_,
    add,
    argmax,
    cast,
    eq,
    exp,
    log,
    max,
    mean,
    min,
    mul,
    neq,
    pow,
    sqr,
    sqrt,
    sub,
    sum,
    switch,
    true_div,
    zeros_like,
)

# ------------------------------------------------------------------------------ All, Any


class All(CAReduce):
    """Logical and over ``axis``; a non-bool input is first compared with 0 (bool result)."""

    numpy_fn = staticmethod(np.logical_and.reduce)
    label = "All"

    def output_dtype(self, in_dtype):
        return "bool"

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.dtype != "bool":
            x = neq(x, constant(np.asarray(0, dtype=x.dtype)))
        return super().make_node(x)

    def L_op(self, inputs, outputs, gz):
        # Theano's choice: a zero gradient (in floatX), not a disconnected one.
        return [zeros_like(inputs[0], dtype=config.floatX)]

    def R_op(self, inputs, eval_points):
        return [None]


class Any(All):
    """Logical or over ``axis``; a non-bool input is first compared with 0 (bool result)."""

    numpy_fn = staticmethod(np.logical_or.reduce)
    label = "Any"


def _axis_arg(axis):
    """``axis`` as None, an int or a tuple of ints (NumPy arrays and constants accepted)."""
    if isinstance(axis, Constant):
        axis = axis.data
    if isinstance(axis, np.ndarray):
        axis = axis.item() if axis.ndim == 0 else tuple(axis.tolist())
    if isinstance(axis, list):
        axis = tuple(axis)
    if axis is not None and not isinstance(axis, int | np.integer | tuple):
        raise TypeError(f"axis must be None, an int or a tuple of ints, got {axis!r}")
    return axis


def all(x, axis=None, keepdims=False):
    """True where every element over ``axis`` is nonzero (bool result)."""
    return _reduce(All, x, _axis_arg(axis), keepdims)


def any(x, axis=None, keepdims=False):
    """True where some element over ``axis`` is nonzero (bool result)."""
    return _reduce(Any, x, _axis_arg(axis), keepdims)


# ----------------------------------------------------------------------- var and std


def _count(x, axes):
    """The number of elements of ``x`` over ``axes``, as an int64 scalar."""
    from theano.tensor.shape import shape_i  # same layer; shape builds on math

    n = constant(1, dtype="int64")
    for d in axes:
        n = mul(n, shape_i(x, d))
    return n


def var(input, axis=None, ddof=0, keepdims=False, corrected=False):
    """Variance over ``axis``: the mean squared deviation from the mean.

    Parameters
    ----------
    axis : None, int or tuple of int
        None means every axis.
    ddof : int
        Delta degrees of freedom: the divisor is ``N - ddof`` (``N`` the number of
        elements reduced), as in NumPy; ``ddof=1`` is the unbiased estimate.
    keepdims : bool
        Keep the reduced axes as broadcastable dimensions of length 1.
    corrected : bool
        Use the corrected two-pass algorithm (subtracts the rounding error of the mean),
        which is more stable.

    Integer inputs give float64; float inputs keep their dtype.
    """
    if isinstance(ddof, bool):  # ValueError, as Theano raised
        raise ValueError(  # noqa: TRY004
            "var: ddof must be an int, got a bool; keepdims is the 4th parameter: "
            "var(input, axis=None, ddof=0, keepdims=False, corrected=False)"
        )
    x = as_tensor_variable(input)
    axis = _axis_arg(axis)
    axes = _normalize_axis(axis, x.ndim)
    red = None if axis is None else axes
    centered = sub(x, mean(x, red, keepdims=True))
    dtype = centered.dtype
    if ddof == 0:
        v = mean(sqr(centered), red, keepdims=keepdims)
    else:
        n = _count(x, axes)
        v = true_div(sum(sqr(centered), red, keepdims=keepdims), cast(sub(n, ddof), dtype))
    if corrected:
        if ddof == 0:
            error = sqr(mean(centered, red, keepdims=keepdims))
        else:
            n = _count(x, axes)
            error = true_div(sqr(sum(centered, red, keepdims=keepdims)),
                             cast(mul(n, sub(n, ddof)), dtype))  # fmt: skip
        v = sub(v, error)
    v.name = "var"
    return v


def std(input, axis=None, ddof=0, keepdims=False, corrected=False):
    """Standard deviation over ``axis``: ``sqrt(var(...))``; see `var` for the parameters."""
    if isinstance(ddof, bool):  # ValueError, as Theano raised
        raise ValueError(  # noqa: TRY004
            "std: ddof must be an int, got a bool; keepdims is the 4th parameter: "
            "std(input, axis=None, ddof=0, keepdims=False, corrected=False)"
        )
    s = sqrt(var(input, axis=axis, ddof=ddof, keepdims=keepdims, corrected=corrected))
    s.name = "std"
    return s


# ------------------------------------------------------------------ ptp, max_and_argmax


def ptp(a, axis=None, keepdims=False):
    """Range (maximum minus minimum) over ``axis``."""
    axis = _axis_arg(axis)
    return sub(max(a, axis, keepdims=keepdims), min(a, axis, keepdims=keepdims))


def max_and_argmax(a, axis=None, keepdims=False):
    """The maximum over ``axis`` and its index, as two variables ``(max, argmax)``.

    Over several axes the index counts in the C-ordered flattening of the reduced axes
    (those axes moved last), as Theano did. The gradient of the maximum flows to every
    element equal to it; the index is not differentiable.
    """
    from theano.tensor.shape import reshape, shape_i

    a = as_tensor_variable(a)
    axis = _axis_arg(axis)
    axes = _normalize_axis(axis, a.ndim)
    m = max(a, None if axis is None else axes, keepdims=keepdims)
    if axis is None or len(axes) == a.ndim:
        return m, argmax(a, None, keepdims=keepdims)
    if len(axes) == 1:
        return m, argmax(a, axes[0], keepdims=keepdims)
    kept = [d for d in range(a.ndim) if d not in axes]
    moved = dimshuffle(a, *kept, *axes)
    shape = [shape_i(a, d) for d in kept] + [_count(a, axes)]
    idx = argmax(reshape(moved, shape, ndim=len(shape)), -1)
    return m, (_keep(a, axes, idx) if keepdims else idx)


# ------------------------------------------------------------------ norm, logsumexp


def _float_input(x):
    """``x`` with integer and bool inputs converted to float64 (as NumPy's norms do)."""
    x = as_tensor_variable(x)
    if x.dtype in scalar.DISCRETE_DTYPES:
        return cast(x, "float64")
    return x


def norm(x, L, axis=None, keepdims=False):
    """The L-norm of ``x`` over ``axis``: ``(sum |x|**L) ** (1/L)``.

    ``L`` may be any nonzero number, ``inf`` (max of ``|x|``), ``-inf`` (min of ``|x|``)
    or 0 (the count of nonzero elements). Integer inputs give float64.
    """
    if L is None or isinstance(L, bool) or not isinstance(L, int | float | np.number):
        raise ValueError(f"norm: L must be a number (1, 2, inf, ...), got {L!r}")
    x = _float_input(x)
    axis = _axis_arg(axis)
    mag = abs_(x)  # real even for complex x
    dtype = mag.dtype
    if L == np.inf:
        return max(mag, axis, keepdims=keepdims)
    if L == -np.inf:
        return min(mag, axis, keepdims=keepdims)
    if L == 0:
        return cast(sum(neq(mag, constant(np.asarray(0, dtype))), axis, keepdims=keepdims),
                    dtype)  # fmt: skip
    if L == 1:
        return sum(mag, axis, keepdims=keepdims)
    if L == 2:
        return sqrt(sum(sqr(mag if x.dtype in scalar.COMPLEX_DTYPES else x), axis,
                        keepdims=keepdims))  # fmt: skip
    p = constant(np.asarray(L, dtype))
    return pow(sum(pow(mag, p), axis, keepdims=keepdims), constant(np.asarray(1.0 / L, dtype)))


def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over ``axis``, computed stably (shifted by the maximum).

    Finite for large inputs (e.g. 1000); ``-inf`` where every element is ``-inf``.
    """
    x = as_tensor_variable(x)
    axis = _axis_arg(axis)
    axes = _normalize_axis(axis, x.ndim)
    red = None if axis is None else axes
    m = max(x, red)
    if x.dtype in scalar.CONTINUOUS_DTYPES:
        # An infinite maximum would give inf - inf = nan; shift by 0 there instead.
        inf = constant(np.asarray(np.inf, dtype=m.dtype))
        m = switch(eq(abs_(m), inf), constant(np.asarray(0, dtype=m.dtype)), m)
    m_kept = _keep(x, axes, m)
    total = log(sum(exp(sub(x, m_kept)), red, keepdims=keepdims))
    return add(total, m_kept if keepdims else m)


__all__ = [
    "All",
    "Any",
    "all",
    "any",
    "logsumexp",
    "max_and_argmax",
    "norm",
    "ptp",
    "std",
    "var",
]
