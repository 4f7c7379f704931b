"""`vector_math`: exp, log, log1p and tanh written for the loop vectorizer.

Each is checked against the C library's long double function, correctly rounded to
float64 in practice, over wide random ranges and on special values (infinities, NaN,
signed zeros, subnormals, overflow and underflow thresholds), and checked to compile
to vector code inside a loop.
"""

import re

import numpy as np
import pytest

numba = pytest.importorskip("numba")

from theano.link.numba import vector_math

RNG = np.random.default_rng(7)
SPECIALS = np.array([
    0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e-310, -1e-310,
    2.2250738585072014e-308, 1e-17, -1e-17, 5.6e-17, 1.0, -1.0, 0.55, -0.55, 19.1, 20.0,
    709.78, 709.79, 710.0, -745.13, -745.14, -746.0, 1e300, -1e300, -1.0 + 2**-53,
])  # fmt: skip

SAMPLES = {
    "exp": [RNG.uniform(-750, 712, 200_000), RNG.uniform(-1, 1, 100_000)],
    "log": [np.exp(RNG.uniform(-745, 709, 200_000)), RNG.uniform(0.5, 2, 100_000),
            RNG.uniform(1e-320, 1e-308, 10_000), -RNG.uniform(0, 1, 100)],
    "log1p": [RNG.uniform(-1, 1, 200_000), np.exp(RNG.uniform(-745, 709, 100_000)),
              -np.exp(RNG.uniform(-745, 0, 100_000)), RNG.uniform(-3, -1, 100)],
    "tanh": [RNG.uniform(-25, 25, 200_000), RNG.uniform(-1, 1, 100_000),
             np.exp(RNG.uniform(-745, 3, 100_000)) * RNG.choice([-1, 1], 100_000)],
    "sin": [RNG.uniform(-1e5, 1e5, 200_000), RNG.uniform(-7, 7, 100_000),
            np.exp(RNG.uniform(-745, 0, 100_000)) * RNG.choice([-1, 1], 100_000),
            np.pi / 2 * np.arange(-60000, 60000, 7)],  # near multiples of pi / 2
    "cos": [RNG.uniform(-1e5, 1e5, 200_000), RNG.uniform(-7, 7, 100_000),
            np.pi / 2 * np.arange(-60000, 60000, 7)],
}  # fmt: skip
# sin and cos hold within +-SIN_COS_MAX (their callers check): specials beyond it are NaN.
TRIG_SPECIALS = SPECIALS[np.isnan(SPECIALS) | np.isinf(SPECIALS)
                         | (np.abs(SPECIALS) <= vector_math.SIN_COS_MAX)]  # fmt: skip


def _loop(fn):
    @numba.njit(error_model="numpy", boundscheck=False)
    def apply(x, out):
        for i in range(x.size):
            out[i] = fn(x[i])

    return apply


def _ordered(v):
    bits = v.view(np.int64)
    return np.where(bits < 0, np.int64(-(2**63)) - bits, bits)


def _ulps(got, want):
    both_nan = np.isnan(got) & np.isnan(want)
    diff = np.abs(_ordered(got) - _ordered(want)).astype(np.float64)
    return np.where(both_nan, 0.0, diff)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_within_two_ulp_of_the_long_double_result(name):
    specials = TRIG_SPECIALS if name in ("sin", "cos") else SPECIALS
    x = np.concatenate([*SAMPLES[name], specials])
    got = np.empty_like(x)
    _loop(getattr(vector_math, name))(x, got)
    with np.errstate(all="ignore"):
        want = getattr(np, name)(x.astype(np.longdouble)).astype(np.float64)
        numpy_own = getattr(np, name)(x)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    worst = _ulps(got, want)
    bound = 2 if np.finfo(np.longdouble).nmant > 52 else 3  # a double reference errs too
    assert worst.max() <= bound, (x[worst.argmax()], got[worst.argmax()], want[worst.argmax()])
    # Special values: the same value and the same sign as NumPy's.
    got_s, want_s = got[-specials.size :], numpy_own[-specials.size :]
    exact = (got_s == want_s) | (np.isnan(got_s) & np.isnan(want_s))
    close = _ulps(got_s, want_s) <= bound
    assert (exact | close).all(), specials[~(exact | close)]
    signed = exact & ~np.isnan(got_s)  # a NaN's sign means nothing
    assert np.array_equal(np.signbit(got_s[signed]), np.signbit(want_s[signed]))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_float32_results_are_within_one_float32_ulp(name):
    """float32 kernels compute in float64 and round: at most 1 ulp from float64's own."""
    x = np.concatenate([s[:2000] for s in SAMPLES[name]])
    x = x[np.abs(x) < 3e38].astype(np.float32)
    got = np.empty(x.size)
    _loop(getattr(vector_math, name))(x.astype(np.float64), got)
    with np.errstate(all="ignore"):
        want = getattr(np, name)(x.astype(np.float64)).astype(np.float32)
        got = got.astype(np.float32)
    bits = [np.where(v.view(np.int32) < 0, np.int32(-(2**31)) - v.view(np.int32),
                     v.view(np.int32)).astype(np.int64) for v in (got, want)]  # fmt: skip
    diff = np.where(np.isnan(got) & np.isnan(want), 0, np.abs(bits[0] - bits[1]))
    assert diff.max() <= 1


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_a_loop_calling_it_is_vectorized(name):
    apply = _loop(getattr(vector_math, name))
    x = np.ones(8)
    apply(x, np.empty_like(x))
    ir = apply.inspect_llvm(apply.signatures[0])
    assert re.search(r"<\d+ x double>", ir), "the loop was not vectorized"
    assert not re.search(r"call [^\n]*@(exp|log|log1p|tanh)\(", ir)  # no libm call left


@pytest.mark.parametrize("name", ["sin", "cos"])
def test_sin_and_cos_are_nan_beyond_their_range(name):
    x = np.array([vector_math.SIN_COS_MAX * 1.0001, -1e6, 1e300, np.inf, -np.inf, np.nan])
    got = np.empty_like(x)
    _loop(getattr(vector_math, name))(x, got)
    assert np.isnan(got).all()
