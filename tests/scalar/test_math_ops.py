"""The math-breadth scalar ops: dtype rules, compiled values against NumPy/SciPy, and
scalar gradients (`L_op`) against central finite differences of each op's own
implementation."""

import subprocess
import sys

import numpy as np
import pytest
import scipy.special as sp

import theano
from theano import scalar as ts
from theano.testing import scalar_compiled_partials, scalar_numeric_partials, scalar_var


def out_dtype(op, *dtypes):
    return op(*[scalar_var(d) for d in dtypes]).type.dtype


# Unary ops whose integer inputs give floats (int8/int16 -> float32, int32/int64 -> float64).
FLOAT_UNARY = [
    (ts.exp2, np.exp2, 0.7), (ts.log2, np.log2, 1.7), (ts.log10, np.log10, 2.5),
    (ts.tan, np.tan, 0.4), (ts.arcsin, np.arcsin, 0.3), (ts.arccos, np.arccos, -0.4),
    (ts.arctan, np.arctan, 1.3), (ts.sinh, np.sinh, 0.8), (ts.cosh, np.cosh, -0.6),
    (ts.arcsinh, np.arcsinh, 1.1), (ts.arccosh, np.arccosh, 1.9), (ts.arctanh, np.arctanh, 0.5),
    (ts.deg2rad, np.deg2rad, 45.0), (ts.rad2deg, np.rad2deg, 0.9), (ts.erf, sp.erf, 0.4),
    (ts.erfc, sp.erfc, 0.6), (ts.erfinv, sp.erfinv, 0.35), (ts.erfcinv, sp.erfcinv, 0.7),
    (ts.erfcx, sp.erfcx, 0.8), (ts.gamma, sp.gamma, 2.3), (ts.gammaln, sp.gammaln, 3.1),
    (ts.psi, sp.psi, 1.6), (ts.tri_gamma, lambda x: sp.polygamma(1, x), 1.4),
    (ts.j0, sp.j0, 1.2), (ts.j1, sp.j1, 0.9), (ts.i0, sp.i0, 0.8), (ts.i1, sp.i1, 1.3),
    (ts.xlogx, lambda x: x * np.log(x), 0.6),
]  # fmt: skip
NO_GRAD = {ts.tri_gamma}


@pytest.mark.parametrize("op, ref, value", FLOAT_UNARY, ids=[str(u[0]) for u in FLOAT_UNARY])
def test_float_unary_dtypes_and_values(mode, op, ref, value):
    for dtype, want in [("int8", "float32"), ("int16", "float32"), ("uint8", "float32"),
                        ("int32", "float64"), ("int64", "float64"), ("float32", "float32"),
                        ("float64", "float64")]:  # fmt: skip
        assert out_dtype(op, dtype) == want, (op, dtype)
    a = scalar_var("float64", "a")
    got = theano.function([a], op(a), mode=mode)(value)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, ref(np.float64(value)), rtol=1e-12)
    b = scalar_var("float32", "b")
    got32 = theano.function([b], op(b), mode=mode)(np.float32(value))
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, ref(np.float64(value)), rtol=1e-5)


@pytest.mark.parametrize("op, ref, value", [u for u in FLOAT_UNARY if u[0] not in NO_GRAD],
                         ids=[str(u[0]) for u in FLOAT_UNARY if u[0] not in NO_GRAD])  # fmt: skip
def test_float_unary_gradients(mode, op, ref, value):
    got = scalar_compiled_partials(op, [value], mode, gz=1.3)
    np.testing.assert_allclose(
        got, [1.3 * g for g in scalar_numeric_partials(op, [value])], rtol=1e-6
    )


def test_tri_gamma_gradient_is_not_implemented():
    x = scalar_var("float64")
    with pytest.raises(NotImplementedError, match="tri_gamma"):
        ts.tri_gamma.L_op([x], [ts.tri_gamma(x)], [scalar_var("float64")])


BINARY = [
    (ts.arctan2, np.arctan2, (0.7, -1.3)), (ts.xlogy0, lambda x, y: x * np.log(y), (0.6, 2.1)),
    (ts.jv, sp.jv, (1.5, 2.2)), (ts.iv, sp.iv, (2.0, 1.1)),
]  # fmt: skip


@pytest.mark.parametrize("op, ref, values", BINARY, ids=[str(b[0]) for b in BINARY])
def test_binary_values_and_gradients(mode, op, ref, values):
    assert out_dtype(op, "int16", "int8") == "float32"
    assert out_dtype(op, "int32", "float32") == "float64"
    a, b = scalar_var("float64", "a"), scalar_var("float64", "b")
    got = theano.function([a, b], op(a, b), mode=mode)(*values)
    np.testing.assert_allclose(got, ref(*values), rtol=1e-12)
    partials = scalar_compiled_partials(op, list(values), mode, gz=-0.7)
    keep = [k for k, p in enumerate(partials) if p is not None]
    want = [-0.7 * g for g in scalar_numeric_partials(op, list(values))]
    np.testing.assert_allclose([partials[k] for k in keep], [want[k] for k in keep], rtol=1e-6)
    # Bessel functions: the derivative in the order is not defined (disconnected).
    assert keep == ([1] if op in (ts.jv, ts.iv) else [0, 1])


def test_xlog_ops_are_zero_at_zero(mode):
    a, b = scalar_var("float64", "a"), scalar_var("float64", "b")
    f = theano.function([a, b], [ts.xlogx(a), ts.xlogy0(a, b)], mode=mode)
    assert [float(v) for v in f(0.0, 0.0)] == [0.0, 0.0]


def test_rounding_ops(mode):
    for op in (ts.ceil, ts.floor, ts.trunc):
        assert out_dtype(op, "int16") == "int16" and out_dtype(op, "float32") == "float32"
        with pytest.raises(TypeError, match="complex"):
            op(scalar_var("complex64"))
    for op in (ts.round_half_to_even, ts.round_half_away_from_zero):
        assert out_dtype(op, "float32") == "float32"
        with pytest.raises(TypeError, match="float"):
            op(scalar_var("int32"))
    a = scalar_var("float64", "a")
    ops = [ts.ceil, ts.floor, ts.trunc, ts.round_half_to_even, ts.round_half_away_from_zero]
    f = theano.function([a], [op(a) for op in ops], mode=mode)
    for value, want in [(2.5, [3, 2, 2, 2, 3]), (-2.5, [-2, -3, -2, -2, -3]),
                        (0.49999999999999994, [1, 0, 0, 0, 0]), (-1.2, [-1, -2, -1, -1, -1]),
                        (3.5, [4, 3, 3, 4, 4])]:  # fmt: skip
        assert [float(v) for v in f(value)] == want, value
    for op in ops:
        got = scalar_compiled_partials(op, [1.3], mode)
        assert got == [0.0]


def test_isnan_isinf_clip(mode):
    assert out_dtype(ts.isnan, "float32") == "bool" and out_dtype(ts.isinf, "int8") == "bool"
    assert out_dtype(ts.clip, "float32", "int8", "int8") == "float32"
    a, lo, hi = scalar_var("float64", "a"), scalar_var("float64", "lo"), scalar_var("float64", "hi")
    f = theano.function([a], [ts.isnan(a), ts.isinf(a)], mode=mode)
    assert [bool(v) for v in f(np.nan)] == [True, False]
    assert [bool(v) for v in f(-np.inf)] == [False, True]
    g = theano.function([a, lo, hi], ts.clip(a, lo, hi), mode=mode)
    assert [float(g(v, -1.0, 2.0)) for v in (-3.0, 0.5, 5.0, 2.0)] == [-1.0, 0.5, 2.0, 2.0]
    # Inside (bounds included) the gradient goes to x, outside to the bound passed.
    for value, want in [(0.5, [1, 0, 0]), (-1.0, [1, 0, 0]), (2.0, [1, 0, 0]),
                        (-3.0, [0, 1, 0]), (5.0, [0, 0, 1])]:  # fmt: skip
        got = scalar_compiled_partials(ts.clip, [value, -1.0, 2.0], mode, gz=2.0)
        assert got == [2.0 * w for w in want], value


def test_bitwise_ops(mode):
    assert out_dtype(ts.and_, "bool", "bool") == "bool"
    assert out_dtype(ts.or_, "int8", "int32") == "int32"
    assert out_dtype(ts.invert, "uint8") == "uint8" and out_dtype(ts.invert, "bool") == "bool"
    with pytest.raises(TypeError, match="integer or bool"):
        ts.xor(scalar_var("float32"), scalar_var("int8"))
    a, b = scalar_var("int32", "a"), scalar_var("int32", "b")
    f = theano.function([a, b], [ts.and_(a, b), ts.or_(a, b), ts.xor(a, b), ts.invert(a)],
                        mode=mode)  # fmt: skip
    assert [int(v) for v in f(12, 10)] == [12 & 10, 12 | 10, 12 ^ 10, ~12]
    p, q = scalar_var("bool", "p"), scalar_var("bool", "q")
    g = theano.function([p, q], [ts.and_(p, q), ts.or_(p, q), ts.xor(p, q), ts.invert(p)],
                        mode=mode)  # fmt: skip
    assert [bool(v) for v in g(True, False)] == [False, True, True, False]
    assert str(ts.and_) == "and_" and str(ts.invert) == "invert"


def test_complex_ops_dtypes_and_values(mode):
    assert out_dtype(ts.complex, "float32", "float32") == "complex64"
    assert out_dtype(ts.complex, "float32", "float64") == "complex128"
    assert out_dtype(ts.complex_from_polar, "int32", "int8") == "complex128"
    for op in (ts.real, ts.imag, ts.abs_, ts.angle):
        assert out_dtype(op, "complex64") == "float32"
        assert out_dtype(op, "complex128") == "float64"
    assert out_dtype(ts.conj, "complex64") == "complex64"
    with pytest.raises(TypeError, match="real inputs"):
        ts.complex(scalar_var("complex64"), scalar_var("float32"))
    x, y = scalar_var("float64", "x"), scalar_var("float64", "y")
    z = ts.complex(x, y)
    f = theano.function([x, y], [z, ts.real(z), ts.imag(z), ts.angle(z), ts.conj(z),
                                 ts.abs_(z), ts.complex_from_polar(x, y)], mode=mode)  # fmt: skip
    zz, re, im, ang, cj, mod, polar = f(3.0, -4.0)
    assert zz == 3 - 4j and (re, im) == (3.0, -4.0) and cj == 3 + 4j and mod == 5.0
    np.testing.assert_allclose(ang, np.angle(3 - 4j))
    np.testing.assert_allclose(polar, 3.0 * np.exp(-4j))
    assert np.asarray(polar).dtype == np.complex128


def test_import_theano_does_not_import_scipy():
    code = "import sys, theano, theano.tensor; sys.exit('scipy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
