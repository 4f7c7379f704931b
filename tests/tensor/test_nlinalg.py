"""`theano.tensor.nlinalg` against NumPy, with gradients, R_op and infer_shape."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.gradient import verify_grad
from theano.tensor import nlinalg as N
from theano.testing import check_infer_shape, check_rop, random_spd, random_well_conditioned

rng = np.random.default_rng(0)


def matrix(dtype):
    return T.TensorType(dtype, (False, False))("x")


# -------------------------------------------------------------------- values, dtypes


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_matrix_functions_match_numpy(mode, dtype):
    x = matrix(dtype)
    a = random_well_conditioned(4, dtype, rng=rng)
    s = random_spd(4, dtype, rng=rng)
    outs = [N.matrix_inverse(x), N.det(x), N.pinv(x), N.matrix_power(x, 3),
            N.matrix_power(x, -2), N.matrix_power(x, 0), N.trace(x), N.extract_diag(x)]  # fmt: skip
    f = theano.function([x], outs, mode=mode)
    want = [np.linalg.inv(a), np.linalg.det(a), np.linalg.pinv(a),
            np.linalg.matrix_power(a, 3), np.linalg.matrix_power(a, -2), np.eye(4),
            np.trace(a), np.diag(a)]  # fmt: skip
    rtol = 1e-4 if dtype == "float32" else 1e-10
    for out, got, w in zip(outs, f(a), want):
        assert out.dtype == dtype and got.dtype == dtype
        np.testing.assert_allclose(got, w, rtol=rtol, atol=rtol)
    w, v = theano.function([x], N.eigh(x), mode=mode)(s)
    assert w.dtype == dtype and v.dtype == dtype
    np.testing.assert_allclose(w, np.linalg.eigvalsh(s), rtol=rtol)
    np.testing.assert_allclose(np.abs(v), np.abs(np.linalg.eigh(s)[1]), rtol=rtol, atol=rtol)


def test_integer_inputs_give_float64(mode):
    x = matrix("int32")
    assert N.matrix_inverse(x).dtype == "float64" and N.det(x).dtype == "float64"
    f = theano.function([x], N.det(x), mode=mode)
    np.testing.assert_allclose(f(np.array([[2, 1], [1, 3]], dtype="int32")), 5.0)


def test_float16_computes_in_float32(mode):
    x = matrix("float16")
    outs = [N.matrix_inverse(x), N.det(x), N.eigh(x)[0], N.svd(x, compute_uv=False)]
    f = theano.function([x], outs, mode=mode)
    a = np.array([[2.0, 1.0], [1.0, 3.0]], dtype="float16")
    got = f(a)
    assert all(out.dtype == "float32" and g.dtype == "float32" for out, g in zip(outs, got))
    np.testing.assert_allclose(got[0], np.linalg.inv(a.astype("float32")), rtol=1e-5)


def test_eig(mode):
    x = T.dmatrix("x")
    w, v = N.eig(x)
    f = theano.function([x], [w, v], mode=mode)
    a = random_spd(4, rng=rng)  # real spectrum
    gw, gv = f(a)
    np.testing.assert_allclose(a @ gv, gv * gw, atol=1e-8)
    np.testing.assert_allclose(np.sort(gw), np.linalg.eigvalsh(a), rtol=1e-8)
    check_infer_shape(w, [x], [a])
    check_infer_shape(v, [x], [a])
    with pytest.warns(UserWarning, match="complex"):
        f(np.array([[0.0, -1.0], [1.0, 0.0]]))


@pytest.mark.parametrize("full_matrices", [True, False])
@pytest.mark.parametrize("shape", [(3, 5), (5, 3)])
def test_svd(mode, shape, full_matrices):
    x = T.dmatrix("x")
    u, s, v = N.svd(x, full_matrices)
    sv = N.svd(x, compute_uv=False)
    f = theano.function([x], [u, s, v, sv], mode=mode)
    a = rng.normal(size=shape)
    gu, gs, gv, gsv = f(a)
    wu, ws, wv = np.linalg.svd(a, full_matrices)
    assert gu.shape == wu.shape and gv.shape == wv.shape
    np.testing.assert_allclose(gs, ws)
    np.testing.assert_allclose(gsv, ws)
    k = min(shape)
    np.testing.assert_allclose((gu[:, :k] * gs) @ gv[:k], a, atol=1e-10)
    for out in (u, s, v, sv):
        check_infer_shape(out, [x], [a])


@pytest.mark.parametrize("qr_mode", ["reduced", "complete", "r", "raw"])
@pytest.mark.parametrize("shape", [(3, 5), (5, 3)])
def test_qr(mode, shape, qr_mode):
    x = T.dmatrix("x")
    outs = N.qr(x, qr_mode)
    outs = outs if isinstance(outs, list) else [outs]
    f = theano.function([x], outs, mode=mode)
    a = rng.normal(size=shape)
    want = np.linalg.qr(a, qr_mode)
    want = [want] if qr_mode == "r" else list(want)
    for out, got, w in zip(outs, f(a), want):
        np.testing.assert_allclose(got, w, atol=1e-12)
        check_infer_shape(out, [x], [a])
    with pytest.raises(ValueError, match="mode must be"):
        N.qr(x, "economic")


@pytest.mark.parametrize("ord", [None, 2, 1, 3, 0, np.inf, -np.inf])
def test_vector_norm(mode, ord):
    x = T.dvector("x")
    f = theano.function([x], N.norm(x, ord), mode=mode)
    v = np.array([1.5, -2.0, 0.0, 3.0])
    np.testing.assert_allclose(f(v), np.linalg.norm(v, ord))


@pytest.mark.parametrize("ord", [None, "fro", np.inf, -np.inf, 1, -1, "nuc", 2, -2])
def test_matrix_norm(mode, ord):
    x = T.dmatrix("x")
    f = theano.function([x], N.norm(x, ord), mode=mode)
    a = rng.normal(size=(3, 4))
    np.testing.assert_allclose(f(a), np.linalg.norm(a, ord))


def test_norm_errors_and_gradient():
    with pytest.raises(NotImplementedError, match="vector or a matrix"):
        N.norm(T.dtensor3())
    with pytest.raises(ValueError, match="invalid ord"):
        N.norm(T.dmatrix(), 3)
    verify_grad(lambda a: N.norm(a, 3), [rng.normal(size=4)], rng=rng)
    verify_grad(lambda a: N.norm(a), [rng.normal(size=(2, 3))], rng=rng)


def test_lstsq(mode):
    a, b, m = T.dmatrix("a"), T.dvector("b"), T.dmatrix("m")
    x, res, rank, s = N.lstsq(a, b)
    f = theano.function([a, b, m], [x, res, rank, s, N.lstsq(a, m, 1e-10)[0]], mode=mode)
    av, bv, mv = rng.normal(size=(5, 3)), rng.normal(size=5), rng.normal(size=(5, 2))
    got = f(av, bv, mv)
    want = np.linalg.lstsq(av, bv)
    for g, w in zip(got[:4], want):
        np.testing.assert_allclose(g, w)
    assert got[2].dtype == "int64"
    np.testing.assert_allclose(got[4], np.linalg.lstsq(av, mv, rcond=1e-10)[0])


def test_tensorinv_and_tensorsolve(mode):
    a = T.dtensor3("a")
    b = T.dmatrix("b")
    av = rng.normal(size=(6, 2, 3))
    bv = rng.normal(size=(2, 3))
    a2 = rng.normal(size=(2, 3, 6))
    inv1, inv2 = N.tensorinv(a, 1), N.tensorinv(a, 2)
    sol, sol_axes = N.tensorsolve(a, b), N.tensorsolve(a, b, axes=(0,))
    f = theano.function([a, b], [inv1, sol_axes], mode=mode)
    g = theano.function([a, b], [inv2, sol], mode=mode)
    g1, g4 = f(av, bv)
    g2, g3 = g(a2, bv)
    np.testing.assert_allclose(g1, np.linalg.tensorinv(av, 1))
    np.testing.assert_allclose(g2, np.linalg.tensorinv(a2, 2))
    np.testing.assert_allclose(g3, np.linalg.tensorsolve(a2, bv))
    np.testing.assert_allclose(g4, np.linalg.tensorsolve(av, bv, axes=(0,)))
    check_infer_shape(inv1, [a], [av])
    check_infer_shape(inv2, [a], [a2])
    check_infer_shape(sol, [a, b], [a2, bv])
    check_infer_shape(sol_axes, [a, b], [av, bv])


def test_diag_ops(mode):
    v, x = T.dvector("v"), T.dmatrix("x")
    f = theano.function([v, x], [N.alloc_diag(v), N.extract_diag(x), N.diag(v), N.trace(x)],
                        mode=mode)  # fmt: skip
    vv, xv = rng.normal(size=3), rng.normal(size=(3, 4))
    a, b, c, d = f(vv, xv)
    np.testing.assert_allclose(a, np.diag(vv))
    np.testing.assert_allclose(b, np.diag(xv))
    np.testing.assert_allclose(c, np.diag(vv))
    np.testing.assert_allclose(d, np.trace(xv))


# ------------------------------------------------------------------------- shapes


def test_infer_shape():
    x = T.dmatrix("x")
    a, s, r = random_well_conditioned(4, rng=rng), random_spd(4, rng=rng), rng.normal(size=(3, 5))
    for out, val in [(N.matrix_inverse(x), a), (N.det(x), a), (N.pinv(x), r),
                     (N.eigh(x)[0], s), (N.eigh(x)[1], s)]:  # fmt: skip
        check_infer_shape(out, [x], [val])


# ---------------------------------------------------------------------- gradients


def test_gradients(mode):
    a = random_well_conditioned(3, rng=rng)
    verify_grad(N.matrix_inverse, [a], rng=rng, mode=mode)
    verify_grad(N.det, [a], rng=rng, mode=mode)
    verify_grad(N.pinv, [rng.normal(size=(3, 4))], rng=rng, mode=mode)
    verify_grad(N.pinv, [rng.normal(size=(4, 2))], rng=rng, mode=mode)
    verify_grad(lambda m: N.matrix_power(m, 3), [a], rng=rng, mode=mode)
    verify_grad(N.trace, [rng.normal(size=(3, 4))], rng=rng, mode=mode)
    verify_grad(N.extract_diag, [rng.normal(size=(3, 4))], rng=rng, mode=mode)
    verify_grad(N.alloc_diag, [rng.normal(size=3)], rng=rng, mode=mode)


@pytest.mark.parametrize("UPLO", ["L", "U"])
def test_eigh_gradient(UPLO):
    s = random_spd(4, rng=rng)

    def sym(m):  # a symmetric input: the eigenvector signs stay stable
        return (m + m.T) / 2

    verify_grad(lambda m: N.eigh(sym(m), UPLO)[0], [s], rng=rng)
    # Eigenvectors are defined up to sign; a sign-free function of them is checked.
    verify_grad(lambda m: N.eigh(sym(m), UPLO)[1] ** 2, [s], rng=rng)
    # Only one triangle is read, and the gradient is that triangle's.
    verify_grad(lambda m: N.eigh(m, UPLO)[0], [s + np.triu(rng.normal(size=(4, 4)), 1)],
                rng=rng)  # fmt: skip


def test_tensor_gradients():
    verify_grad(lambda m: N.tensorinv(m, 1), [rng.normal(size=(6, 2, 3))], rng=rng)
    verify_grad(lambda m: N.tensorinv(m, 2), [rng.normal(size=(2, 3, 6))], rng=rng)
    pts = [rng.normal(size=(2, 3, 6)), rng.normal(size=(2, 3))]
    verify_grad(N.tensorsolve, pts, rng=rng)
    pts = [rng.normal(size=(6, 2, 3)), rng.normal(size=(2, 3))]
    verify_grad(lambda m, b: N.tensorsolve(m, b, (0,)), pts, rng=rng)


def test_rop(mode):
    a, v = random_well_conditioned(3, rng=rng), rng.normal(size=(3, 3))
    check_rop(N.matrix_inverse, [a], mode, [v], atol=1e-6)
    check_rop(N.det, [a], mode, [v], atol=1e-6)


def test_no_gradient_for_svd_and_qr():
    x = T.dmatrix("x")
    with pytest.raises(NotImplementedError, match="no gradient"):
        T.grad(N.svd(x)[1].sum(), x)
    with pytest.raises(NotImplementedError, match="no gradient"):
        T.grad(N.qr(x)[1].sum(), x)


# ------------------------------------------------------------------------- errors


@pytest.mark.parametrize("fn,name", [
    (N.matrix_inverse, "matrix_inverse"), (N.det, "det"), (N.eig, "eig"), (N.eigh, "eigh"),
    (N.svd, "svd"), (N.qr, "qr"), (N.pinv, "pinv"), (lambda m: N.matrix_power(m, 2), "M"),
])  # fmt: skip
def test_wrong_ndim_names_the_input(fn, name):
    with pytest.raises(TypeError, match=f"{name}.*must be a matrix.*vector"):
        fn(T.dvector("v"))


def test_other_errors():
    with pytest.raises(TypeError, match="input b must be a vector or a matrix"):
        N.lstsq(T.dmatrix(), T.dtensor3())
    with pytest.raises(TypeError, match="more than ind=2"):
        N.tensorinv(T.dmatrix())
    with pytest.raises(TypeError, match="more dimensions than input b"):
        N.tensorsolve(T.dmatrix(), T.dmatrix())
    with pytest.raises(ValueError, match="UPLO"):
        N.eigh(T.dmatrix(), "X")
    f = theano.function([(x := T.dmatrix("x"))], N.matrix_inverse(x))
    with pytest.raises(np.linalg.LinAlgError):
        f(np.zeros((2, 2)))
