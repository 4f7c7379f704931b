"""`theano.tensor.slinalg` against SciPy, with gradients, R_op and infer_shape."""

import subprocess
import sys

import numpy as np
import pytest
import scipy.linalg as sl

import theano
import theano.tensor as T
from theano.gradient import verify_grad
from theano.tensor import slinalg as S
from theano.testing import check_infer_shape, check_rop, random_spd, random_well_conditioned

rng = np.random.default_rng(0)


def sym(m):
    return (m + m.T) / 2


def matrix(dtype, name="x"):
    return T.TensorType(dtype, (False, False))(name)


def test_import_theano_does_not_import_scipy():
    code = "import sys, theano, theano.tensor.slinalg; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)  # fmt: skip
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------------------- cholesky


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("lower", [True, False])
def test_cholesky(mode, lower, dtype):
    x = matrix(dtype)
    out = S.Cholesky(lower=lower)(x)
    assert out.dtype == dtype
    f = theano.function([x], out, mode=mode)
    a = random_spd(4, dtype, rng=rng)
    got = f(a)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, sl.cholesky(a, lower=lower), rtol=1e-4 if dtype ==
                               "float32" else 1e-10, atol=1e-5)  # fmt: skip
    check_infer_shape(out, [x], [a])
    assert S.cholesky.lower


def test_cholesky_errors(mode):
    x = T.dmatrix("x")
    f = theano.function([x], S.cholesky(x), mode=mode)
    with pytest.raises(sl.LinAlgError):
        f(-np.eye(2))
    g = theano.function([x], S.Cholesky(on_error="nan")(x), mode=mode)
    assert np.all(np.isnan(g(-np.eye(2))))
    with pytest.raises(TypeError, match="cholesky: input x must be a matrix"):
        S.cholesky(T.dvector())


@pytest.mark.parametrize("lower", [True, False])
def test_cholesky_gradient(lower):
    chol = S.Cholesky(lower=lower)
    verify_grad(lambda m: chol(sym(m)), [random_spd(4, rng=rng)], rng=rng)
    # The factor reads one triangle only; the gradient is that triangle's.
    verify_grad(chol, [random_spd(3, rng=rng)], rng=rng)


# ---------------------------------------------------------------------------- solve


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("b_ndim", [1, 2])
def test_solve(mode, b_ndim, dtype):
    a, s = matrix(dtype, "a"), matrix(dtype, "s")
    b = T.TensorType(dtype, (False,) * b_ndim)("b")
    outs = [S.solve(a, b), S.solve(s, b, assume_a="sym"), S.solve(s, b, sym_pos=True),
            S.solve(s, b, assume_a="pos", lower=True), S.solve_lower_triangular(a, b),
            S.solve_upper_triangular(a, b), S.solve_triangular(a, b, lower=True),
            S.solve_triangular(a, b, trans="T", unit_diagonal=True)]  # fmt: skip
    f = theano.function([a, s, b], outs, mode=mode)
    av, sv = random_well_conditioned(4, dtype, rng=rng), random_spd(4, dtype, rng=rng)
    bv = rng.normal(size=(4, 3)[:b_ndim]).astype(dtype)
    want = [sl.solve(av, bv), sl.solve(sv, bv, assume_a="sym"), sl.solve(sv, bv, assume_a="pos"),
            sl.solve(sv, bv, assume_a="pos", lower=True), sl.solve_triangular(av, bv, lower=True),
            sl.solve_triangular(av, bv), sl.solve_triangular(av, bv, lower=True),
            sl.solve_triangular(av, bv, trans="T", unit_diagonal=True)]  # fmt: skip
    tol = 1e-4 if dtype == "float32" else 1e-10
    for out, got, w in zip(outs, f(av, sv, bv), want):
        assert out.dtype == dtype and got.dtype == dtype
        np.testing.assert_allclose(got, w, rtol=tol, atol=tol)
    check_infer_shape(outs[0], [a, b], [av, bv])


def test_solve_errors(mode):
    a, b = T.dmatrix("a"), T.dmatrix("b")
    with pytest.raises(TypeError, match="input b must be a vector or a matrix"):
        S.solve(a, T.dtensor3())
    with pytest.raises(TypeError, match="solve: input a must be a matrix"):
        S.solve(T.dvector(), b)
    with pytest.raises(ValueError, match="assume_a"):
        S.solve(a, b, assume_a="banded")
    with pytest.raises(ValueError, match="trans"):
        S.solve_triangular(a, b, trans=3)
    f = theano.function([a, b], S.solve(a, b), mode=mode)
    with pytest.raises(ValueError, match="does not match input b"):
        f(np.eye(3), np.ones((2, 2)))
    with pytest.raises(ValueError, match="must be square"):
        f(np.ones((2, 3)), np.ones((2, 2)))


def test_solve_gradients():
    a, s = random_well_conditioned(3, rng=rng), random_spd(3, rng=rng)
    bm, bv = rng.normal(size=(3, 2)), rng.normal(size=3)
    verify_grad(S.solve, [a, bm], rng=rng)
    verify_grad(S.solve, [a, bv], rng=rng)
    verify_grad(lambda m, b: S.solve(sym(m), b, assume_a="sym"), [s, bm], rng=rng)
    for lower in (True, False):  # the one triangle read, without symmetrizing
        verify_grad(lambda m, b, lo=lower: S.solve(m, b, assume_a="pos", lower=lo),
                    [s, bm], rng=rng)  # fmt: skip
    verify_grad(S.solve_lower_triangular, [a, bm], rng=rng)
    verify_grad(S.solve_upper_triangular, [a, bv], rng=rng)
    verify_grad(lambda m, b: S.solve_triangular(m, b, trans=1, lower=True, unit_diagonal=True),
                [a, bm], rng=rng)  # fmt: skip


def test_solve_rop(mode):
    a, bm = random_well_conditioned(3, rng=rng), rng.normal(size=(3, 2))
    va, vb = rng.normal(size=(3, 3)), rng.normal(size=(3, 2))
    check_rop(S.solve, [a, bm], mode, [va, vb], atol=1e-6)
    check_rop(S.solve_lower_triangular, [a, bm], mode, [va, vb], atol=1e-6)
    check_rop(
        lambda m, b: S.solve(m, b, assume_a="sym"),
        [random_spd(3, rng=rng), bm],
        mode,
        [va, vb],
        atol=1e-6,
    )


# ------------------------------------------------------------------------- eigvalsh


@pytest.mark.parametrize("lower", [True, False])
def test_eigvalsh(mode, lower):
    a, b = T.dmatrix("a"), T.dmatrix("b")
    outs = [S.eigvalsh(a, None, lower), S.eigvalsh(a, b, lower)]
    f = theano.function([a, b], outs, mode=mode)
    av, bv = random_spd(4, rng=rng), random_spd(4, rng=rng)
    got = f(av, bv)
    np.testing.assert_allclose(got[0], sl.eigvalsh(av, lower=lower))
    np.testing.assert_allclose(got[1], sl.eigvalsh(av, bv, lower=lower))
    for out in outs:
        check_infer_shape(out, [a, b], [av, bv])
    g = theano.function([a], S.eigvalsh(a), mode=mode)
    assert g(random_spd(3, rng=rng).astype("float32")).dtype == "float64"
    assert S.eigvalsh(matrix("float32")).dtype == "float32"


@pytest.mark.parametrize("lower", [True, False])
def test_eigvalsh_gradient(lower):
    verify_grad(lambda m: S.eigvalsh(sym(m), None, lower), [random_spd(4, rng=rng)], rng=rng)
    verify_grad(
        lambda m, n: S.eigvalsh(sym(m), sym(n), lower),
        [random_spd(3, rng=rng), random_spd(3, rng=rng)],
        rng=rng,
    )
    verify_grad(
        lambda m, n: S.eigvalsh(m, n, lower),
        [random_spd(3, rng=rng), random_spd(3, rng=rng)],
        rng=rng,
    )


# ----------------------------------------------------------------------------- expm


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_expm(mode, dtype):
    x = matrix(dtype)
    out = S.expm(x)
    f = theano.function([x], out, mode=mode)
    a = (rng.normal(size=(4, 4)) / 2).astype(dtype)
    got = f(a)
    assert got.dtype == dtype and out.dtype == dtype
    np.testing.assert_allclose(got, sl.expm(a), rtol=1e-4 if dtype == "float32" else 1e-10)
    check_infer_shape(out, [x], [a])
    with pytest.raises(TypeError, match="expm: input a must be a matrix"):
        S.expm(T.dvector())


def test_expm_gradient_and_rop(mode):
    a = rng.normal(size=(3, 3)) / 2
    verify_grad(S.expm, [a], rng=rng, mode=mode)
    # A non-diagonalizable matrix (a Jordan block) works too.
    verify_grad(S.expm, [np.array([[1.0, 1.0], [0.0, 1.0]])], rng=rng, mode=mode)
    check_rop(S.expm, [a], mode, [rng.normal(size=(3, 3))], atol=1e-6)


# ----------------------------------------------------------------------------- kron


@pytest.mark.parametrize("sa,sb", [((2, 3), (3, 2)), ((3,), (2, 2)), ((2, 3), (4,)),
                                   ((2, 1, 3), (2, 2)), ((2, 2, 2), (1, 3, 2))])  # fmt: skip
def test_kron(mode, sa, sb):
    a = T.TensorType("float64", (False,) * len(sa))("a")
    b = T.TensorType("float32", (False,) * len(sb))("b")
    f = theano.function([a, b], S.kron(a, b), mode=mode)
    av, bv = rng.normal(size=sa), rng.normal(size=sb).astype("float32")
    got = f(av, bv)
    assert got.dtype == "float64"
    np.testing.assert_allclose(got, np.kron(av, bv), rtol=1e-6)
    verify_grad(S.kron, [av, bv.astype("float64")], rng=rng)


def test_kron_rejects_vectors():
    with pytest.raises(TypeError, match="sum to 3 or more"):
        S.kron(T.dvector(), T.dvector())
