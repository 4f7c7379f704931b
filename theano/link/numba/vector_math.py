"""exp, log, log1p, tanh, sin and cos in float64 that LLVM can vectorize in a kernel loop.

Numba compiles ``np.exp`` and friends to calls of the C library's scalar functions,
which keep a loop from using vector instructions (``tanh`` costs about 18 ns an
element that way). These versions are straight-line arithmetic: a range reduction,
a polynomial and a rescaling by a power of two built from its bits, with selects
instead of branches, so the loop vectorizer turns a kernel calling them into vector
code. Each is within one or two ulp of the correctly rounded result and handles
infinities, NaN, signed zeros and subnormals as the C library does (see
``tests/link/test_vector_math.py``), except that sin and cos hold for |x| up to
`SIN_COS_MAX` only (NaN beyond): kernels use them on inputs whose range they check.
float32 kernels call them on float64 values and round the result, which is then
almost always the correctly rounded float32.

Importing this module imports Numba: only kernel builds do.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

# sin and cos reduce their argument by multiples of pi / 2 up to this bound; a kernel's
# caller checks its inputs are within it, else NumPy computes the node.
from theano.link.numba.kernels import SIN_COS_MAX

# Inlined into the kernel by Numba itself (LLVM's inliner declines tanh, and a call
# would keep the loop from vectorizing).
_jit = njit(error_model="numpy", cache=False, inline="always")


@intrinsic
def _float_from_bits(typingctx, bits):
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@intrinsic
def _bits_of_float(typingctx, value):
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _muladd(typingctx, a, b, c):
    """a * b + c, as one fused multiply-add where the CPU has one (LLVM's fmuladd): the
    polynomials get the accuracy and speed of FMA, without letting the kernel's own
    arithmetic round differently from NumPy's (as a fastmath flag on it would)."""

    def codegen(context, builder, signature, args):
        double = ir.DoubleType()
        fn = builder.module.declare_intrinsic(
            "llvm.fmuladd.f64", fnty=ir.FunctionType(double, [double] * 3)
        )
        return builder.call(fn, args)

    return types.float64(types.float64, types.float64, types.float64), codegen


_LOG2E = 1.4426950408889634
# ln 2 split in two: LN2_HI has its low 32 bits zero, so n * LN2_HI is exact.
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_SQRT_HALF_BITS = 0x3FE6A09E667F3BCD  # the bits of sqrt(2) / 2
_EXP_MAX, _EXP_MIN = 710.0, -746.0  # exp overflows above, underflows to 0 below


def _horner(name, coefficients):
    """Source evaluating the polynomial with ``coefficients`` (constant term first)."""
    expr = repr(float(coefficients[-1]))
    for c in coefficients[-2::-1]:
        expr = f"_muladd({expr}, {name}, {float(c)!r})"
    return expr


# e**r on |r| <= ln(2) / 2: Taylor terms to r**13 (the next is below 1e-17).
_EXP_POLY = _horner("r", [1.0 / math.factorial(k) for k in range(14)])
# 2 atanh(s) = log((1 + s) / (1 - s)) = 2s + s * R(s**2): R's terms to z**9 for
# |s| <= 0.1716 (f = m - 1 with m in [sqrt(1/2), sqrt(2))).
_LOG_POLY = _horner("z", [0.0] + [2.0 / (2 * j + 1) for j in range(1, 10)])
# tanh(x) = x + x**3 P(x**2) on |x| < 0.55: weighted minimax fit (relative error
# below 6e-19), made with mpmath for this module.
_TANH_POLY = _horner("z", [
    -0.333333333333333, 0.1333333333332662, -0.05396825396376001, 0.021869488385840675,
    -0.008863232601215852, 0.003592092028334419, -0.0014555428331153085,
    0.0005884444372387546, -0.00023338144714280304, 8.331628597961782e-05,
    -1.9494592064809218e-05,
])  # fmt: skip

_SOURCE = f'''
def _exp_reduced(c):
    """e**c for c in [_EXP_MIN, _EXP_MAX], as e**r * 2**n with |r| <= ln(2) / 2."""
    n = np.floor(_muladd(c, {_LOG2E!r}, 0.5))
    r = _muladd(n, -{_LN2_LO!r}, _muladd(n, -{_LN2_HI!r}, c))
    k = np.int64(n)
    half = k >> 1
    # Two factors: 2**n alone is not a normal float64 for n = 1024 or n < -1022.
    first = _float_from_bits((half + 1023) << 52)
    second = _float_from_bits((k - half + 1023) << 52)
    return {_EXP_POLY} * first * second


def exp(x):
    """e**x."""
    x = np.float64(x)
    c = {_EXP_MAX!r} if x > {_EXP_MAX!r} else ({_EXP_MIN!r} if x < {_EXP_MIN!r} else x)
    c = c if c == c else 0.0
    y = _exp_reduced(c)
    return y if x == x else x


def _log_parts(u):
    """(k, f, s) with u = 2**k * (1 + f), 1 + f in [sqrt(1/2), sqrt(2)), s = f / (2 + f),
    for a positive normal u."""
    bits = _bits_of_float(u)
    k = (bits - {_SQRT_HALF_BITS}) >> 52
    m = _float_from_bits(bits - (k << 52))
    f = m - 1.0
    return k, f, f / (2.0 + f)


def _log_sum(k, f, s, c):
    """k ln2 + log(1 + f) + c, for c a small correction."""
    z = s * s
    half_f2 = 0.5 * f * f
    kf = np.float64(k)
    return kf * {_LN2_HI!r} - ((half_f2 - (s * (half_f2 + {_LOG_POLY}) + (kf * {_LN2_LO!r} + c))) - f)


def log(x):
    """The natural logarithm of x."""
    x = np.float64(x)
    tiny = x < 2.2250738585072014e-308  # subnormal (or not positive): scale up first
    u = x * 18014398509481984.0 if tiny else x  # 2**54
    u = u if u > 0.0 and u < np.inf else 1.0
    k, f, s = _log_parts(u)
    k = k - 54 if tiny else k
    y = _log_sum(k, f, s, 0.0)
    y = -np.inf if x == 0.0 else y
    y = x if x == np.inf or x != x else y
    return np.nan if x < 0.0 else y


def log1p(x):
    """log(1 + x), accurate for small x."""
    x = np.float64(x)
    u = 1.0 + x
    ok = u > 0.0 and u < np.inf
    v = u if ok else 1.0
    # 1 + x was rounded to u: log(1 + x) = log(u) + (x - (u - 1)) / u to first order.
    c = (x - (v - 1.0)) / v
    k, f, s = _log_parts(v)
    y = _log_sum(k, f, s, c)
    y = x if abs(x) < 5.551115123125783e-17 else y  # log1p(x) rounds to x (keeps -0.0)
    y = -np.inf if u == 0.0 else y
    y = x if x == np.inf or x != x else y
    return np.nan if x < -1.0 else y


def tanh(x):
    """The hyperbolic tangent of x."""
    x = np.float64(x)
    a = np.abs(x)
    z = x * x
    small = _muladd(x * z, {_TANH_POLY}, x)
    # 1 - 2 / (e**2a + 1): no cancellation for a >= 0.55; tanh rounds to 1 from 19.1.
    c = 20.0 if a > 20.0 else a
    c = c if c == c else 0.0
    big = 1.0 - 2.0 / (_exp_reduced(2.0 * c) + 1.0)
    big = -big if x < 0.0 else big
    y = small if a < 0.55 else big
    # Below 2**-27, tanh(x) rounds to x (this also keeps the sign of -0.0).
    y = x if a < 7.450580596923828e-09 else y
    return x if x != x else y
'''

_SIN_POLY = _horner("z", [(-1) ** j / math.factorial(2 * j + 1) for j in range(1, 9)])
_COS_POLY = _horner("z", [(-1) ** j / math.factorial(2 * j) for j in range(2, 10)])
# pi / 2 in four parts (33 bits each, then the rest): n * part is exact for the first
# three, and the sum is right to about 2**-150, enough near a multiple of pi / 2.
_PIO2 = (1.57079632673412561417e00, 6.07710050630396597660e-11, 2.02226624871116645580e-21,
         8.47842766036889956997e-32)  # fmt: skip

_TRIG_SOURCE = f'''
def _quadrant(x):
    """(q, s, c): x = q pi/2 + r with |r| <= pi/4, and sin(r), cos(r)."""
    n = np.floor(_muladd(x, {2 / math.pi!r}, 0.5))
    r = _muladd(n, -{_PIO2[1]!r}, _muladd(n, -{_PIO2[0]!r}, x))
    r = _muladd(n, -{_PIO2[3]!r}, _muladd(n, -{_PIO2[2]!r}, r))
    z = r * r
    s = _muladd(r * z, {_SIN_POLY}, r)
    c = _muladd(z * z, {_COS_POLY}, 1.0 - 0.5 * z)
    return np.int64(n) & 3, s, c


def sin(x):
    """sin(x), for |x| <= SIN_COS_MAX (NaN beyond, and for infinities and NaN)."""
    x = np.float64(x)
    ok = np.abs(x) <= {SIN_COS_MAX!r}
    q, s, c = _quadrant(x if ok else 0.0)
    y = c if q & 1 else s
    y = -y if q & 2 else y
    y = x if np.abs(x) < 1.4901161193847656e-08 else y  # sin(x) rounds to x; keeps -0.0
    return y if ok else np.nan


def cos(x):
    """cos(x), for |x| <= SIN_COS_MAX (NaN beyond, and for infinities and NaN)."""
    x = np.float64(x)
    ok = np.abs(x) <= {SIN_COS_MAX!r}
    q, s, c = _quadrant(x if ok else 0.0)
    y = s if q & 1 else c
    y = -y if (q + 1) & 2 else y
    return y if ok else np.nan
'''

_namespace = {"np": np, "_float_from_bits": _float_from_bits, "_bits_of_float": _bits_of_float,
              "_muladd": _muladd}  # fmt: skip
exec(compile(_SOURCE + _TRIG_SOURCE, "<theano.link.numba.vector_math>", "exec"), _namespace)
# Jitted in place, so that a function calling another finds the jitted one.
for _name in ("_exp_reduced", "_log_parts", "_log_sum", "_quadrant",
              "exp", "log", "log1p", "tanh", "sin", "cos"):  # fmt: skip
    _namespace[_name] = _jit(_namespace[_name])
exp, log, log1p, tanh, sin, cos = (_namespace[name]
                                   for name in ("exp", "log", "log1p", "tanh", "sin", "cos"))  # fmt: skip
