"""Tensor math: elementwise functions, `dot`, reductions and casts."""

from __future__ import annotations

import numpy as np

from theano import scalar
from theano.configdefaults import config
from theano.graph.basic import Apply
from theano.graph.null_type import DisconnectedType
from theano.graph.op import Op
from theano.tensor.basic import as_tensor_variable, constant
from theano.tensor.elemwise import (
    CAReduce,
    DimShuffle,
    Elemwise,
    Max,
    Min,
    Prod,
    Sum,
    _normalize_axis,
    dimshuffle,
)
from theano.tensor.type import TensorType

# -------------------------------------------------------------------- elementwise


def _elemwise(scalar_op, name, doc):
    op = Elemwise(scalar_op)

    def apply(*args):
        return op(*args)

    apply.__name__ = name
    apply.__doc__ = doc
    apply.op = op
    return apply


add = _elemwise(scalar.add, "add", "Elementwise sum of any number of tensors.")
mul = _elemwise(scalar.mul, "mul", "Elementwise product of any number of tensors.")
sub = _elemwise(scalar.sub, "sub", "Elementwise ``a - b``.")
true_div = _elemwise(scalar.true_div, "true_div", "Elementwise ``a / b`` (ints give floats).")
int_div = _elemwise(scalar.int_div, "int_div", "Elementwise ``a // b``.")
floor_div = int_div
mod = _elemwise(scalar.mod, "mod", "Elementwise ``a % b``.")
pow = _elemwise(scalar.pow, "pow", "Elementwise ``a ** b``.")
neg = _elemwise(scalar.neg, "neg", "Elementwise ``-a``.")
abs_ = _elemwise(scalar.abs_, "abs_", "Elementwise absolute value.")
sgn = _elemwise(scalar.sgn, "sgn", "Elementwise sign (-1, 0 or 1).")
sqr = _elemwise(scalar.sqr, "sqr", "Elementwise square.")
sqrt = _elemwise(scalar.sqrt, "sqrt", "Elementwise square root.")
inv = _elemwise(scalar.inv, "inv", "Elementwise ``1 / a``.")
exp = _elemwise(scalar.exp, "exp", "Elementwise exponential.")
log = _elemwise(scalar.log, "log", "Elementwise natural logarithm.")
log1p = _elemwise(scalar.log1p, "log1p", "Elementwise ``log(1 + a)``, accurate near 0.")
expm1 = _elemwise(scalar.expm1, "expm1", "Elementwise ``exp(a) - 1``, accurate near 0.")
sin = _elemwise(scalar.sin, "sin", "Elementwise sine.")
cos = _elemwise(scalar.cos, "cos", "Elementwise cosine.")
tanh = _elemwise(scalar.tanh, "tanh", "Elementwise hyperbolic tangent.")
sigmoid = _elemwise(scalar.sigmoid, "sigmoid", "Elementwise logistic ``1 / (1 + exp(-a))``.")
softplus = _elemwise(scalar.softplus, "softplus", "Elementwise ``log(1 + exp(a))``, stable.")
maximum = _elemwise(scalar.maximum, "maximum", "Elementwise maximum of two tensors.")
minimum = _elemwise(scalar.minimum, "minimum", "Elementwise minimum of two tensors.")
lt = _elemwise(scalar.lt, "lt", "Elementwise ``a < b`` (bool).")
gt = _elemwise(scalar.gt, "gt", "Elementwise ``a > b`` (bool).")
le = _elemwise(scalar.le, "le", "Elementwise ``a <= b`` (bool).")
ge = _elemwise(scalar.ge, "ge", "Elementwise ``a >= b`` (bool).")
eq = _elemwise(scalar.eq, "eq", "Elementwise ``a == b`` (bool).")
neq = _elemwise(scalar.neq, "neq", "Elementwise ``a != b`` (bool).")
switch = _elemwise(scalar.switch, "switch", "Elementwise ``a if cond else b``.")
fill = _elemwise(scalar.second, "fill", "``b`` broadcast to the shape of ``a``.")
second = fill
identity = _elemwise(scalar.identity, "identity", "A copy of ``a``.")
abs = abs_
reciprocal = inv
where = switch

# Exponentials, logarithms and trigonometry.
exp2 = _elemwise(scalar.exp2, "exp2", "Elementwise ``2 ** a``.")
log2 = _elemwise(scalar.log2, "log2", "Elementwise base-2 logarithm.")
log10 = _elemwise(scalar.log10, "log10", "Elementwise base-10 logarithm.")
tan = _elemwise(scalar.tan, "tan", "Elementwise tangent.")
arcsin = _elemwise(scalar.arcsin, "arcsin", "Elementwise inverse sine.")
arccos = _elemwise(scalar.arccos, "arccos", "Elementwise inverse cosine.")
arctan = _elemwise(scalar.arctan, "arctan", "Elementwise inverse tangent.")
arctan2 = _elemwise(scalar.arctan2, "arctan2", "Elementwise angle of the point ``(b, a)``.")
sinh = _elemwise(scalar.sinh, "sinh", "Elementwise hyperbolic sine.")
cosh = _elemwise(scalar.cosh, "cosh", "Elementwise hyperbolic cosine.")
arcsinh = _elemwise(scalar.arcsinh, "arcsinh", "Elementwise inverse hyperbolic sine.")
arccosh = _elemwise(scalar.arccosh, "arccosh", "Elementwise inverse hyperbolic cosine.")
arctanh = _elemwise(scalar.arctanh, "arctanh", "Elementwise inverse hyperbolic tangent.")
deg2rad = _elemwise(scalar.deg2rad, "deg2rad", "Elementwise degrees to radians.")
rad2deg = _elemwise(scalar.rad2deg, "rad2deg", "Elementwise radians to degrees.")

# Rounding (gradient zero).
ceil = _elemwise(scalar.ceil, "ceil", "Elementwise ceiling (integers stay integers).")
floor = _elemwise(scalar.floor, "floor", "Elementwise floor (integers stay integers).")
trunc = _elemwise(scalar.trunc, "trunc", "Elementwise truncation toward zero.")
round_half_to_even = _elemwise(scalar.round_half_to_even, "round_half_to_even",
                               "Elementwise rounding, halves to even (float inputs).")  # fmt: skip
round_half_away_from_zero = _elemwise(scalar.round_half_away_from_zero,
                                      "round_half_away_from_zero",
                                      "Elementwise rounding, halves away from zero (float "
                                      "inputs).")  # fmt: skip


def round(a, mode=None):
    """Round ``a`` elementwise; ``mode`` is 'half_to_even' (default, as NumPy since
    Theano 1.0) or 'half_away_from_zero'."""
    if mode is None:
        mode = "half_to_even"
        if config.warn.round:
            import warnings

            warnings.warn(
                "theano.tensor.round() changed its default from `half_away_from_zero` to "
                "`half_to_even` to have the same default as NumPy. Use the Theano flag "
                "`warn.round=False` to disable this warning.",
                stacklevel=2,
            )
    if mode == "half_to_even":
        return round_half_to_even(a)
    if mode == "half_away_from_zero":
        return round_half_away_from_zero(a)
    raise ValueError(f"round: mode must be 'half_to_even' or 'half_away_from_zero', got {mode!r}")


def iround(a, mode=None):
    """``round(a, mode)`` cast to int64."""
    return cast(round(a, mode), "int64")


# Special functions (SciPy, imported on first use).
erf = _elemwise(scalar.erf, "erf", "Elementwise error function.")
erfc = _elemwise(scalar.erfc, "erfc", "Elementwise complementary error function.")
erfinv = _elemwise(scalar.erfinv, "erfinv", "Elementwise inverse error function.")
erfcinv = _elemwise(scalar.erfcinv, "erfcinv", "Elementwise inverse of ``erfc``.")
erfcx = _elemwise(scalar.erfcx, "erfcx", "Elementwise ``exp(a ** 2) * erfc(a)``.")
gamma = _elemwise(scalar.gamma, "gamma", "Elementwise gamma function.")
gammaln = _elemwise(scalar.gammaln, "gammaln", "Elementwise ``log(abs(gamma(a)))``.")
psi = _elemwise(scalar.psi, "psi", "Elementwise digamma function.")
tri_gamma = _elemwise(scalar.tri_gamma, "tri_gamma", "Elementwise trigamma function.")
j0 = _elemwise(scalar.j0, "j0", "Elementwise Bessel function of the first kind, order 0.")
j1 = _elemwise(scalar.j1, "j1", "Elementwise Bessel function of the first kind, order 1.")
jv = _elemwise(scalar.jv, "jv", "Elementwise Bessel function of the first kind, order v.")
i0 = _elemwise(scalar.i0, "i0", "Elementwise modified Bessel function, order 0.")
i1 = _elemwise(scalar.i1, "i1", "Elementwise modified Bessel function, order 1.")
iv = _elemwise(scalar.iv, "iv", "Elementwise modified Bessel function, order v.")
xlogx = _elemwise(scalar.xlogx, "xlogx", "Elementwise ``a * log(a)``, 0 at ``a == 0``.")
xlogy0 = _elemwise(scalar.xlogy0, "xlogy0", "Elementwise ``a * log(b)``, 0 where ``a == 0``.")

# Tests and clipping.
isnan = _elemwise(scalar.isnan, "isnan", "Elementwise test for NaN (bool).")
isinf = _elemwise(scalar.isinf, "isinf", "Elementwise test for +-inf (bool).")
_clip = Elemwise(scalar.clip)


def clip(x, min, max):
    """``x`` limited to ``[min, max]`` elementwise.

    Where ``x`` equals a bound the output is ``x``: the gradient passes to ``x`` inside
    the closed interval, and to ``min`` (``max``) only where ``x`` is below (above) it.
    """
    return _clip(x, min, max)


# Bitwise and logical (logical on bool tensors).
and_ = _elemwise(scalar.and_, "and_", "Elementwise ``a & b``.")
or_ = _elemwise(scalar.or_, "or_", "Elementwise ``a | b``.")
xor = _elemwise(scalar.xor, "xor", "Elementwise ``a ^ b``.")
invert = _elemwise(scalar.invert, "invert", "Elementwise ``~a``.")
bitwise_and = bitand = and_
bitwise_or = bitor = or_
bitwise_xor = bitxor = xor
bitwise_not = invert

# Complex numbers.
real = _elemwise(scalar.real, "real", "Elementwise real part.")
imag = _elemwise(scalar.imag, "imag", "Elementwise imaginary part.")
angle = _elemwise(scalar.angle, "angle", "Elementwise argument of a complex number.")
conj = _elemwise(scalar.conj, "conj", "Elementwise complex conjugate.")
complex = _elemwise(scalar.complex, "complex", "Elementwise ``real + 1j * imag``.")
complex_from_polar = _elemwise(scalar.complex_from_polar, "complex_from_polar",
                               "Elementwise ``abs * exp(1j * angle)``.")  # fmt: skip


def isclose(a, b, rtol=1.0e-5, atol=1.0e-8, equal_nan=False):
    """Elementwise ``abs(a - b) <= atol + rtol * abs(b)`` as in NumPy (bool).

    Infinities are close only to infinities of the same sign; NaNs are close to each
    other only when ``equal_nan``.
    """
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    dtype = scalar.upcast(a.dtype, b.dtype, "float32")
    close = le(abs_(sub(a, b)), add(constant(atol, dtype=dtype),
                                     mul(constant(rtol, dtype=dtype), abs_(b))))  # fmt: skip
    a_nan, b_nan, a_inf, b_inf = isnan(a), isnan(b), isinf(a), isinf(b)
    finite = invert(or_(or_(a_nan, b_nan), or_(a_inf, b_inf)))
    same_inf = and_(and_(a_inf, b_inf), eq(sgn(a), sgn(b)))
    out = or_(and_(close, finite), same_inf)
    if equal_nan:
        out = or_(out, and_(a_nan, b_nan))
    return out


def allclose(a, b, rtol=1.0e-5, atol=1.0e-8, equal_nan=False):
    """True (a bool scalar) when `isclose` holds for every element."""
    not_close = invert(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))
    return eq(sum(not_close), constant(0, dtype="int64"))


def cast(x, dtype):
    """``x`` converted to ``dtype`` ('floatX' means ``config.floatX``)."""
    x = as_tensor_variable(x)
    dtype = config.floatX if dtype == "floatX" else str(np.dtype(dtype))
    if x.dtype == dtype:
        return x
    return Elemwise(scalar.Cast(dtype))(x)


def zeros_like(x, dtype=None):
    """Zeros with the shape (and, unless ``dtype`` is given, the dtype) of ``x``."""
    x = as_tensor_variable(x)
    return fill(x, constant(0, dtype=dtype or x.dtype))


def ones_like(x, dtype=None):
    """Ones with the shape (and, unless ``dtype`` is given, the dtype) of ``x``."""
    x = as_tensor_variable(x)
    return fill(x, constant(1, dtype=dtype or x.dtype))


# ------------------------------------------------------------------------------ dot


class Dot(Op):
    """Matrix and vector products with NumPy's ``dot`` semantics (1-d and 2-d operands)."""

    __props__ = ()
    symbol = "\\dot"

    def __str__(self):
        return "dot"

    def make_node(self, x, y):
        x, y = as_tensor_variable(x), as_tensor_variable(y)
        if x.ndim not in (1, 2) or y.ndim not in (1, 2):
            raise TypeError(f"dot: expects 1-d or 2-d inputs, got {x.type} and {y.type}")
        bcast = x.broadcastable[:-1] + y.broadcastable[:-2] + y.broadcastable[-1:][: y.ndim - 1]
        dtype = scalar.upcast(x.dtype, y.dtype)
        return Apply(self, [x, y], [TensorType(dtype, bcast)()])

    def py_code(self, node, inames, onames, ctx):
        expr = f"{ctx.ref(np.dot, 'dot')}({inames[0]}, {inames[1]})"
        return f"{onames[0]} = {expr}"

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(np.dot(*inputs), dtype=node.outputs[0].dtype)

    def infer_shape(self, node, shapes):
        xs, ys = shapes
        return [tuple(xs[:-1]) + tuple(ys[:-2]) + tuple(ys[-1:][: len(ys) - 1])]

    def L_op(self, inputs, outputs, gz):
        x, y = inputs
        (g,) = gz
        if x.ndim == 2 and y.ndim == 2:
            gx, gy = dot(g, y.T), dot(x.T, g)
        elif x.ndim == 1 and y.ndim == 2:
            gx, gy = dot(y, g), outer(x, g)
        elif x.ndim == 2 and y.ndim == 1:
            gx, gy = outer(g, y), dot(x.T, g)
        else:
            gx, gy = mul(g, y), mul(g, x)
        return [cast(gx, x.dtype), cast(gy, y.dtype)]

    def R_op(self, inputs, eval_points):
        x, y = inputs
        ex, ey = eval_points
        terms = []
        if ex is not None:
            terms.append(dot(ex, y))
        if ey is not None:
            terms.append(dot(x, ey))
        if not terms:
            return [None]
        return [terms[0] if len(terms) == 1 else add(*terms)]


_dot = Dot()


def dot(a, b):
    """The product of ``a`` and ``b``: matrix, matrix-vector, or inner product.

    A 0-d operand gives the elementwise product, as in NumPy.
    """
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.ndim == 0 or b.ndim == 0:
        return mul(a, b)
    return _dot(a, b)


def outer(x, y):
    """The outer product of vectors ``x`` and ``y``."""
    return dot(dimshuffle(x, 0, "x"), dimshuffle(y, "x", 0))


# ------------------------------------------------------------------------ reductions


def _keep(x, axis, out):
    """``out`` with the reduced ``axis`` of ``x`` put back as broadcastable dimensions."""
    axes = _normalize_axis(axis, x.ndim)
    order, k = [], 0
    for d in range(x.ndim):
        if d in axes:
            order.append("x")
        else:
            order.append(k)
            k += 1
    return dimshuffle(out, *order)


def _reduce(op_class, x, axis, keepdims, **kw):
    x = as_tensor_variable(x)
    axes = _normalize_axis(axis, x.ndim)
    out = op_class(axis=None if axis is None else axes, **kw)(x)
    return _keep(x, axes, out) if keepdims else out


def sum(input, axis=None, dtype=None, keepdims=False, acc_dtype=None):
    """Sum over ``axis`` (int, tuple or None for all); ints sum in 64 bits."""
    return _reduce(Sum, input, axis, keepdims, dtype=dtype, acc_dtype=acc_dtype)


def prod(input, axis=None, dtype=None, keepdims=False, acc_dtype=None,
         no_zeros_in_input=False):  # fmt: skip
    """Product over ``axis`` (``no_zeros_in_input`` is accepted for Theano's signature; the
    gradient handles zeros either way)."""
    return _reduce(Prod, input, axis, keepdims, dtype=dtype, acc_dtype=acc_dtype)


def max(x, axis=None, keepdims=False):
    """Maximum over ``axis``."""
    return _reduce(Max, x, axis, keepdims)


def min(x, axis=None, keepdims=False):
    """Minimum over ``axis``."""
    return _reduce(Min, x, axis, keepdims)


def mean(input, axis=None, dtype=None, keepdims=False, acc_dtype=None, op=False):
    """Mean over ``axis``; integer inputs give float64, as in Theano."""
    from theano.tensor.shape import shape_i  # same layer; shape builds on math

    x = as_tensor_variable(input)
    axes = _normalize_axis(axis, x.ndim)
    # float16 is summed in float32 (its range overflows), the mean cast back, as Theano did.
    sum_dtype = "float32" if dtype is None and x.dtype == "float16" else dtype
    s = sum(x, axis=None if axis is None else axes, dtype=sum_dtype, acc_dtype=acc_dtype)
    if s.dtype in scalar.DISCRETE_DTYPES:
        s = cast(s, "float64")
    n = None
    for d in axes:
        size = constant(1, dtype="int64") if x.broadcastable[d] else shape_i(x, d)
        n = size if n is None else mul(n, size)
    out = s if n is None else true_div(s, cast(n, s.dtype))
    if (dtype or x.dtype) == "float16":
        out = cast(out, "float16")
    return _keep(x, axes, out) if keepdims else out


class Argmax(Op):
    """Index of the maximum over one ``axis`` (or of the flattened array when None)."""

    __props__ = ("axis",)
    numpy_fn = staticmethod(np.argmax)

    def __init__(self, axis):
        self.axis = axis

    def make_node(self, x):
        x = as_tensor_variable(x)
        if self.axis is None:
            bcast = ()
        else:
            bcast = tuple(b for d, b in enumerate(x.broadcastable) if d != self.axis)
        return Apply(self, [x], [TensorType("int64", bcast)()])

    def py_code(self, node, inames, onames, ctx):
        fn = ctx.ref(self.numpy_fn, type(self).__name__.lower())
        return f"{onames[0]} = {fn}({inames[0]}, axis={self.axis})"

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(self.numpy_fn(inputs[0], axis=self.axis), "int64")

    def infer_shape(self, node, shapes):
        if self.axis is None:
            return [()]
        return [tuple(s for d, s in enumerate(shapes[0]) if d != self.axis)]

    def connection_pattern(self, node):
        return [[False]]

    def L_op(self, inputs, outputs, gz):
        return [DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        return [None]


class Argmin(Argmax):
    numpy_fn = staticmethod(np.argmin)


def _arg_reduce(op_class, x, axis, keepdims):
    x = original = as_tensor_variable(x)
    if axis is None and x.ndim > 1:
        from theano.tensor.shape import flatten

        x = flatten(x)
    ax = None if axis is None else _normalize_axis(axis, x.ndim)
    if ax is not None and len(ax) != 1:
        raise ValueError(f"{op_class.__name__.lower()} takes a single axis, got {axis}")
    ax = None if ax is None else ax[0]
    out = op_class(0 if (ax is None and x.ndim == 1) else ax)(x)
    if not keepdims:
        return out
    # Every axis of the original input is kept (as length 1) when axis is None.
    return _keep(original, ax if ax is not None else tuple(range(original.ndim)), out)


def argmax(x, axis=None, keepdims=False):
    """Index of the maximum over ``axis`` (of the flattened tensor when None)."""
    return _arg_reduce(Argmax, x, axis, keepdims)


def argmin(x, axis=None, keepdims=False):
    """Index of the minimum over ``axis`` (of the flattened tensor when None)."""
    return _arg_reduce(Argmin, x, axis, keepdims)


__all__ = [
    "CAReduce",
    "DimShuffle",
    "Dot",
    "Elemwise",
    "abs",
    "abs_",
    "add",
    "allclose",
    "and_",
    "angle",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctan2",
    "arctanh",
    "argmax",
    "argmin",
    "bitand",
    "bitor",
    "bitwise_and",
    "bitwise_not",
    "bitwise_or",
    "bitwise_xor",
    "bitxor",
    "cast",
    "ceil",
    "clip",
    "complex",
    "complex_from_polar",
    "conj",
    "cos",
    "cosh",
    "deg2rad",
    "dot",
    "eq",
    "erf",
    "erfc",
    "erfcinv",
    "erfcx",
    "erfinv",
    "exp",
    "exp2",
    "expm1",
    "fill",
    "floor",
    "floor_div",
    "gamma",
    "gammaln",
    "ge",
    "gt",
    "i0",
    "i1",
    "identity",
    "imag",
    "int_div",
    "inv",
    "invert",
    "iround",
    "isclose",
    "isinf",
    "isnan",
    "iv",
    "j0",
    "j1",
    "jv",
    "le",
    "log",
    "log1p",
    "log2",
    "log10",
    "lt",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mod",
    "mul",
    "neg",
    "neq",
    "ones_like",
    "or_",
    "outer",
    "pow",
    "prod",
    "psi",
    "rad2deg",
    "real",
    "reciprocal",
    "round",
    "round_half_away_from_zero",
    "round_half_to_even",
    "second",
    "sgn",
    "sigmoid",
    "sin",
    "sinh",
    "softplus",
    "sqr",
    "sqrt",
    "sub",
    "sum",
    "switch",
    "tan",
    "tanh",
    "tri_gamma",
    "true_div",
    "trunc",
    "where",
    "xlogx",
    "xlogy0",
    "xor",
    "zeros_like",
]  # fmt: skip
