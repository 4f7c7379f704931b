"""`theano.tensor.extra_ops` against NumPy, with gradients, R_op and infer_shape."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.configdefaults import config
from theano.gradient import DisconnectedInputError, verify_grad
from theano.tensor import extra_ops as E
from theano.testing import check_infer_shape, check_rop, random_values, tensor

rng = np.random.default_rng(0)


# ------------------------------------------------------------------ cumsum, cumprod


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32", "bool"])
@pytest.mark.parametrize(
    "shape,axis", [((5,), None), ((5,), 0), ((3, 4), None), ((3, 4), 0), ((3, 4), -1),
                   ((2, 3, 4), 1), ((0, 3), 0), ((0, 3), None)]
)  # fmt: skip
def test_cumsum_cumprod(mode, shape, axis, dtype):
    x = tensor(dtype, len(shape), "x")
    f = theano.function([x], [E.cumsum(x, axis), E.cumprod(x, axis)], mode=mode)
    v = random_values(shape, dtype, rng=rng)
    s, p = f(v)
    out_dtype = "int64" if dtype == "bool" else dtype
    assert s.dtype == out_dtype and p.dtype == out_dtype
    np.testing.assert_allclose(s, np.cumsum(v, axis, dtype=out_dtype), rtol=1e-5)
    np.testing.assert_allclose(p, np.cumprod(v, axis, dtype=out_dtype), rtol=1e-5)


def test_cum_ops_checks_and_shapes():
    x = T.dmatrix("x")
    with pytest.raises(ValueError, match="out of range"):
        E.cumsum(x, 2)
    with pytest.raises(ValueError, match="mode"):
        E.CumOp(0, "max")
    assert E.cumsum(T.drow(), 1).broadcastable == (True, False)
    v = rng.normal(size=(3, 4))
    check_infer_shape(E.cumsum(x), [x], [v])
    check_infer_shape(E.cumprod(x, -1), [x], [v])


def test_cum_ops_gradients_and_rop(mode):
    m = [rng.normal(size=(3, 4))]
    verify_grad(lambda a: E.cumsum(a), m, rng=rng)
    verify_grad(lambda a: E.cumsum(a, -1), m, rng=rng)
    verify_grad(lambda a: E.cumsum(a, 0), [rng.normal(size=(2, 3, 2))], rng=rng)
    verify_grad(lambda a: E.cumprod(a), m, rng=rng)
    verify_grad(lambda a: E.cumprod(a, 0), m, rng=rng)
    check_rop(lambda a: E.cumsum(a, 1), [m[0]], mode, [rng.normal(size=(3, 4))], atol=1e-6)
    check_rop(lambda a: E.cumprod(a), [m[0]], mode, [rng.normal(size=(3, 4))], atol=1e-6)


# ----------------------------------------------------------------------------- diff


@pytest.mark.parametrize("n", [0, 1, 2, 3])
@pytest.mark.parametrize("shape,axis", [((6,), -1), ((4, 5), 0), ((4, 5), -1), ((2, 3, 4), 1)])
def test_diff(mode, shape, axis, n):
    x = tensor("float64", len(shape), "x")
    i = tensor("int16", len(shape), "i")
    f = theano.function([x, i], [E.diff(x, n, axis), E.diff(i, n, axis)], mode=mode)
    v, iv = random_values(shape, "float64", rng=rng), random_values(shape, "int16", rng=rng)
    a, b = f(v, iv)
    np.testing.assert_allclose(a, np.diff(v, n, axis))
    np.testing.assert_array_equal(b, np.diff(iv, n, axis))
    assert b.dtype == "int16"
    check_infer_shape(E.diff(x, n, axis), [x], [v])


def test_diff_empty_and_errors(mode):
    x = T.dvector("x")
    f = theano.function([x], [E.diff(x), E.diff(x, 0)], mode=mode)
    assert f(np.zeros(0))[0].shape == (0,)
    v = np.arange(3.0)
    assert f(v)[1] is not v  # order 0 copies, never aliases the input
    with pytest.raises(TypeError, match="scalar"):
        E.diff(T.dscalar())


def test_diff_gradients_and_rop(mode):
    verify_grad(lambda a: E.diff(a), [rng.normal(size=5)], rng=rng)
    verify_grad(lambda a: E.diff(a, 2, 0), [rng.normal(size=(4, 3))], rng=rng)
    verify_grad(lambda a: E.diff(a, 3, -1), [rng.normal(size=(2, 6))], rng=rng)
    check_rop(
        lambda a: E.diff(a, 2),
        [rng.normal(size=(3, 5))],
        mode,
        [rng.normal(size=(3, 5))],
        atol=1e-6,
    )


# ------------------------------------------------------------------------- bincount


@pytest.mark.parametrize("dtype", ["int64", "int8", "uint16"])
def test_bincount(mode, dtype):
    x = tensor(dtype, 1, "x")
    w = T.dvector("w")
    n = T.lscalar("n")
    outs = [E.bincount(x), E.bincount(x, w), E.bincount(x, minlength=8), E.bincount(x, w, n)]
    f = theano.function([x, w, n], outs, mode=mode)
    xv = np.array([0, 3, 1, 1, 5, 3, 3], dtype=dtype)
    wv = rng.normal(size=7)
    a, b, c, d = f(xv, wv, 2)
    np.testing.assert_array_equal(a, np.bincount(xv))
    assert a.dtype == dtype  # Theano counts in x's dtype
    np.testing.assert_allclose(b, np.bincount(xv, wv))
    np.testing.assert_array_equal(c, np.bincount(xv, minlength=8))
    np.testing.assert_allclose(d, np.bincount(xv, wv, minlength=2))
    assert f(np.zeros(0, dtype=dtype), np.zeros(0), 3)[3].shape == (3,)


def test_bincount_assert_nonneg_and_gradient(mode):
    x = T.lvector("x")
    f = theano.function([x], E.bincount(x, assert_nonneg=True), mode=mode)
    with pytest.raises(AssertionError, match="negative"):
        f(np.array([0, -1]))
    with pytest.raises(TypeError, match="integer vector"):
        E.bincount(T.dvector())
    idx = np.array([0, 2, 2, 1, 4])
    verify_grad(lambda w: E.bincount(idx, w, minlength=7), [rng.normal(size=5)], rng=rng)


# --------------------------------------------------------------------------- unique


@pytest.mark.parametrize("flags", [(False, False, False), (True, False, False),
                                   (False, True, True), (True, True, True)])  # fmt: skip
def test_unique(mode, flags):
    x = T.dmatrix("x")
    outs = E.unique(x, *flags)
    outs = outs if isinstance(outs, list) else [outs]
    f = theano.function([x], outs, mode=mode)
    v = rng.integers(0, 4, size=(3, 4)).astype("float64")
    got = f(v)
    want = np.unique(v, *flags)
    want = want if isinstance(want, tuple) else (want,)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, np.asarray(w).reshape(-1) if g.ndim == 1 else w)
    for out in outs:
        check_infer_shape(out, [x], [v])


def test_unique_axis_and_empty(mode):
    x = T.imatrix("x")
    vals, inv = E.unique(x, return_inverse=True, axis=0)
    f = theano.function([x], [vals, inv], mode=mode)
    v = np.array([[1, 2], [3, 4], [1, 2]], dtype="int32")
    u, i = f(v)
    np.testing.assert_array_equal(u, np.unique(v, axis=0))
    np.testing.assert_array_equal(u[i], v)
    check_infer_shape(inv, [x], [v])
    g = theano.function([x], E.unique(x), mode=mode)
    assert g(np.zeros((0, 2), dtype="int32")).shape == (0,)


# ----------------------------------------------------------------------- to_one_hot


def test_to_one_hot(mode):
    y = T.ivector("y")
    f = theano.function([y], [E.to_one_hot(y, 5), E.to_one_hot(y, 5, dtype="int32")], mode=mode)
    yv = np.array([0, 4, 2, 2], dtype="int32")
    a, b = f(yv)
    np.testing.assert_array_equal(a, np.eye(5)[yv])
    assert a.dtype == config.floatX and b.dtype == "int32"
    with pytest.raises(TypeError, match="integer vector"):
        E.to_one_hot(T.dvector(), 3)


# --------------------------------------------------------------------- searchsorted


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted(mode, side):
    x, v = T.dvector("x"), T.dmatrix("v")
    s = T.lvector("s")
    outs = [E.searchsorted(x, v, side), E.searchsorted(x, v, side, sorter=s)]
    f = theano.function([x, v, s], outs, mode=mode, on_unused_input="ignore")
    xv = np.array([3.0, 1.0, 2.0, 2.0, 5.0])
    vv = np.array([[0.0, 2.0, 2.5], [5.0, 6.0, 1.0]])
    order = np.argsort(xv)
    a, b = f(np.sort(xv), vv, order)
    np.testing.assert_array_equal(a, np.searchsorted(np.sort(xv), vv, side))
    assert a.dtype == "int64"
    _, b = f(xv, vv, order)
    np.testing.assert_array_equal(b, np.searchsorted(xv, vv, side, sorter=order))
    check_infer_shape(outs[0], [x, v], [np.sort(xv), vv])


def test_searchsorted_gradient_is_zero(mode):
    x, v = T.dvector("x"), T.dvector("v")
    cost = T.sum(E.searchsorted(x, v) * v)
    gx, gv = T.grad(cost, [x, v])
    f = theano.function([x, v], [gx, gv], mode=mode)
    a, b = f(np.arange(3.0), np.array([0.5, 2.5]))
    np.testing.assert_array_equal(a, 0)
    np.testing.assert_array_equal(b, [1, 3])  # only the direct use of v counts
    with pytest.raises(TypeError, match="vector"):
        E.searchsorted(T.dmatrix(), v)


# -------------------------------------------------------------------- fill_diagonal


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (3, 3, 3), (0, 0)])
def test_fill_diagonal(mode, shape):
    a = tensor("float64", len(shape), "a")
    val = T.dscalar("val")
    out = E.fill_diagonal(a, val)
    f = theano.function([a, val], [out, E.fill_diagonal(a, 2)], mode=mode)
    v = rng.normal(size=shape)
    got, got2 = f(v, 7.5)
    want = v.copy()
    np.fill_diagonal(want, 7.5)
    np.testing.assert_array_equal(got, want)
    np.fill_diagonal(want, 2)
    np.testing.assert_array_equal(got2, want)
    check_infer_shape(out, [a, val], [v, 1.0])


def test_fill_diagonal_dtypes():
    assert E.fill_diagonal(T.imatrix(), 3).dtype == "int32"
    assert E.fill_diagonal(T.fmatrix(), T.fscalar()).dtype == "float32"
    with pytest.raises(TypeError, match="wider"):
        E.fill_diagonal(T.fmatrix(), T.dscalar())
    with pytest.raises(TypeError, match="2 dimensions"):
        E.fill_diagonal(T.dvector(), 1)


def _fill_offset_reference(a, val, offset):
    a = a.copy()
    for i in range(a.shape[0]):
        j = i + offset
        if 0 <= j < a.shape[1]:
            a[i, j] = val
    return a


@pytest.mark.parametrize("offset", [-4, -2, -1, 0, 1, 3, 6])
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_fill_diagonal_offset(mode, shape, offset):
    a, val, k = T.dmatrix("a"), T.dscalar("val"), T.iscalar("k")
    out = E.fill_diagonal_offset(a, val, k)
    f = theano.function([a, val, k], out, mode=mode)
    v = rng.normal(size=shape)
    np.testing.assert_array_equal(f(v, 9.0, offset), _fill_offset_reference(v, 9.0, offset))


def test_fill_diagonal_gradients_and_rop(mode):
    m, v = rng.normal(size=(3, 4)), rng.normal(size=2)
    verify_grad(lambda a: E.fill_diagonal(a, 3.0), [m], rng=rng)
    verify_grad(lambda a, b: E.fill_diagonal(a, b.sum()), [m, v], rng=rng)
    verify_grad(lambda a, b: E.fill_diagonal(a, b.sum()), [rng.normal(size=(3, 3, 3)), v],
                rng=rng)  # fmt: skip
    for offset in (-2, 0, 1, 3):
        verify_grad(lambda a, b, o=offset: E.fill_diagonal_offset(a, b.sum(), o), [m, v],
                    rng=rng)  # fmt: skip
    check_rop(
        lambda a: E.fill_diagonal(a, a.sum()), [m], mode, [rng.normal(size=m.shape)], atol=1e-6
    )
    a = T.dmatrix("a")
    with pytest.raises(DisconnectedInputError):
        T.grad(E.fill_diagonal_offset(a, 1.0, 1).sum(), a.shape[0])
    check_infer_shape(E.fill_diagonal_offset(a, 1.0, 1), [a], [m])


# --------------------------------------------------------------------------- repeat


@pytest.mark.parametrize(
    "shape,repeats,axis",
    [((4,), 3, None), ((3, 4), 2, None), ((3, 4), 2, 0), ((3, 4), [1, 0, 2], 0),
     ((3, 4), [1, 2, 0, 3], -1), ((2, 3, 2), 0, 1), ((0, 2), 3, 0), ((3,), [2], 0)],
)  # fmt: skip
@pytest.mark.parametrize("dtype", ["float64", "int32"])
def test_repeat(mode, shape, repeats, axis, dtype):
    x = tensor(dtype, len(shape), "x")
    r = T.lvector("r") if isinstance(repeats, list) else T.lscalar("r")
    out = E.repeat(x, r, axis)
    f = theano.function([x, r], out, mode=mode)
    v = random_values(shape, dtype, rng=rng)
    got = f(v, np.array(repeats))
    np.testing.assert_array_equal(got, np.repeat(v, repeats, axis))
    assert got.dtype == dtype
    check_infer_shape(out, [x, r], [v, np.array(repeats)])


def test_repeat_constants_types_and_errors(mode):
    x = T.dcol("x")
    out = E.repeat(x, 3, axis=1)
    assert out.broadcastable == (False, False)
    assert E.repeat(x, np.array([2]), axis=0).type == T.dcol().type
    f = theano.function([x], out, mode=mode)
    np.testing.assert_array_equal(f(np.ones((2, 1))), np.ones((2, 3)))
    with pytest.raises(ValueError, match="exceed 1"):
        E.repeat(x, np.ones((2, 2), dtype="int64"))
    with pytest.raises(TypeError, match="integers"):
        E.repeat(x, 1.5)
    with pytest.raises(ValueError, match="out of range"):
        E.repeat(x, 2, axis=2)


def test_repeat_gradients_and_rop(mode):
    m = rng.normal(size=(3, 4))
    verify_grad(lambda a: E.repeat(a, 2), [m], rng=rng)
    verify_grad(lambda a: E.repeat(a, 3, axis=-1), [m], rng=rng)
    verify_grad(lambda a: E.repeat(a, np.array([1, 0, 3]), axis=0), [m], rng=rng)
    verify_grad(lambda a: E.repeat(a, np.arange(12) % 3), [m], rng=rng)
    check_rop(
        lambda a: E.repeat(a, np.array([2, 1, 0]), 0),
        [m],
        mode,
        [rng.normal(size=(3, 4))],
        atol=1e-6,
    )


# ------------------------------------------------------------ squeeze and compress


def test_squeeze(mode):
    x = T.TensorType("float64", (True, False, True, False))("x")
    out = E.squeeze(x)
    assert out.ndim == 2
    f = theano.function([x], [out, E.squeeze(x, axis=2)], mode=mode)
    v = rng.normal(size=(1, 3, 1, 2))
    a, b = f(v)
    np.testing.assert_array_equal(a, np.squeeze(v))
    np.testing.assert_array_equal(b, np.squeeze(v, axis=2))
    assert E.squeeze(T.dmatrix()).ndim == 2  # nothing broadcastable: unchanged


@pytest.mark.parametrize(
    "cond,axis", [([1, 0, 1], 0), ([0, 1, 1, 0], 1), ([1, 0, 0, 1, 1], None), ([0, 1], 0),
                  ([0, 0, 0], 0)]
)  # fmt: skip
def test_compress(mode, cond, axis):
    c, x = T.bvector("c"), T.dmatrix("x")
    out = E.compress(c, x, axis)
    f = theano.function([c, x], out, mode=mode)
    cv, v = np.array(cond, dtype="int8"), rng.normal(size=(3, 4))
    np.testing.assert_array_equal(f(cv, v), np.compress(cv, v, axis))
    check_infer_shape(out, [c, x], [cv, v])


def test_compress_gradient():
    cond = np.array([1, 0, 1])
    verify_grad(lambda a: E.compress(cond, a, axis=0), [rng.normal(size=(3, 4))], rng=rng)
    verify_grad(lambda a: E.compress(np.array([0, 1, 1, 1]), a), [rng.normal(size=(2, 2))],
                rng=rng)  # fmt: skip


# --------------------------------------------------------- ravel and unravel indices


@pytest.mark.parametrize("order", ["C", "F"])
def test_ravel_and_unravel_index(mode, order):
    i, j = T.lvectors("i", "j")
    flat = T.lmatrix("flat")
    outs = [E.ravel_multi_index((i, j), (4, 5), order=order),
            *E.unravel_index(flat, (3, 4, 5), order=order)]  # fmt: skip
    f = theano.function([i, j, flat], outs, mode=mode)
    iv, jv = np.array([0, 3, 2]), np.array([4, 0, 1])
    fv = np.array([[0, 7], [59, 33]])
    r, *u = f(iv, jv, fv)
    np.testing.assert_array_equal(r, np.ravel_multi_index((iv, jv), (4, 5), order=order))
    for got, want in zip(u, np.unravel_index(fv, (3, 4, 5), order=order)):
        np.testing.assert_array_equal(got, want)
    assert r.dtype == "int64" and all(a.dtype == "int64" for a in u)
    check_infer_shape(outs[0], [i, j], [iv, jv])
    check_infer_shape(outs[2], [flat], [fv])


def test_ravel_modes_and_symbolic_dims(mode):
    i, j = T.lvectors("i", "j")
    n = T.lscalar("n")
    outs = [E.ravel_multi_index([i, j], (3, 4), mode="wrap"),
            E.ravel_multi_index([i, j], (3, 4), mode="clip"),
            *E.unravel_index(j, (n, 4))]  # fmt: skip
    f = theano.function([i, j, n], outs, mode=mode)
    iv, jv = np.array([5, -1]), np.array([1, 9])
    w, c, u0, u1 = f(iv, jv, 5)
    np.testing.assert_array_equal(w, np.ravel_multi_index((iv, jv), (3, 4), mode="wrap"))
    np.testing.assert_array_equal(c, np.ravel_multi_index((iv, jv), (3, 4), mode="clip"))
    np.testing.assert_array_equal(u0, np.unravel_index(jv, (5, 4))[0])
    np.testing.assert_array_equal(u1, np.unravel_index(jv, (5, 4))[1])
    assert len(E.unravel_index(i, (6,))) == 1
    with pytest.raises(ValueError, match="known"):
        E.unravel_index(i, T.lvector())
    with pytest.raises(TypeError, match="tuple or a list"):
        E.ravel_multi_index(i, (3, 4))
    g = theano.function([i, j], E.ravel_multi_index((i, j), (3, 4)), mode=mode)
    with pytest.raises(ValueError):
        g(np.array([3]), np.array([0]))


# --------------------------------------------------------------------------- choose


@pytest.mark.parametrize("choose_mode", ["raise", "wrap", "clip"])
def test_choose(mode, choose_mode):
    a = T.imatrix("a")
    c0, c1, c2 = T.dmatrix("c0"), T.drow("c1"), T.dvector("c2")
    stack = T.tensor3("s")
    outs = [E.choose(a, [c0, c1, c2], mode=choose_mode), E.choose(a, stack, mode=choose_mode)]
    f = theano.function([a, c0, c1, c2, stack], outs, mode=mode)
    hi = 3 if choose_mode == "raise" else 6
    av = rng.integers(-2 if choose_mode != "raise" else 0, hi, size=(2, 4)).astype("int32")
    cv = [rng.normal(size=(2, 4)), rng.normal(size=(1, 4)), rng.normal(size=4)]
    sv = rng.normal(size=(3, 2, 4)).astype(config.floatX)
    x, y = f(av, *cv, sv)
    np.testing.assert_array_equal(x, np.choose(av, cv, mode=choose_mode))
    np.testing.assert_array_equal(y, np.choose(av, sv, mode=choose_mode))
    check_infer_shape(outs[0], [a, c0, c1, c2], [av, *cv])
    check_infer_shape(outs[1], [a, stack], [av, sv])


def test_choose_gradient_and_errors():
    idx = np.array([[0, 2, 1, 1], [2, 0, 0, 1]])
    verify_grad(lambda p, q, r: E.choose(idx, [p, T.addbroadcast(q, 0), r]),
                [rng.normal(size=(2, 4)), rng.normal(size=(1, 4)), rng.normal(size=4)],
                rng=rng)  # fmt: skip
    verify_grad(lambda p, q: E.choose(idx + 3, [p, q], mode="wrap"),
                [rng.normal(size=(2, 4)), rng.normal(size=(2, 4))], rng=rng)  # fmt: skip
    with pytest.raises(TypeError, match="integers"):
        E.choose(T.dmatrix(), [T.dmatrix()])
    a, c = T.imatrix("a"), T.dmatrix("c")
    f = theano.function([a, c], E.choose(a, [c, c]))
    with pytest.raises(ValueError, match="not broadcastable"):
        f(np.zeros((2, 3), dtype="int32"), np.ones((1, 3)))
    with pytest.raises(ValueError, match="mode"):
        E.choose(T.imatrix(), [T.dmatrix()], mode="bad")
