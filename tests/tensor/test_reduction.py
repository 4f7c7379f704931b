"""`theano.tensor.reduction` (var, std, all, any, ptp, max_and_argmax, norm, logsumexp)
against NumPy/SciPy, with gradients, R_op and shape inference; and the dtype rules of
sum/prod/mean that these build on."""

import warnings

import numpy as np
import pytest
import scipy.special
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import theano
import theano.tensor as T
from theano.gradient import DisconnectedInputError, verify_grad
from theano.tensor import reduction as R
from theano.testing import check_infer_shape, check_rop, random_values, tensor

rng = np.random.default_rng(0)

AXES = [None, 0, -1, (0, 2), (), (2, 0, 1)]


def np_axis(axis):
    return axis if axis is None or isinstance(axis, int) else tuple(axis)


# --------------------------------------------------------------------------- var, std


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32"])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_var_std_match_numpy(mode, dtype, axis, keepdims):
    x = tensor(dtype, 3, "x")
    v = random_values((2, 3, 4), dtype, rng=rng)
    outs = []
    for ddof in (0, 1):
        for corrected in (False, True):
            outs += [R.var(x, axis, ddof, keepdims, corrected),
                     R.std(x, axis, ddof, keepdims, corrected)]  # fmt: skip
    f = theano.function([x], outs, mode=mode)
    with np.errstate(all="ignore"):  # ddof=1 over no axis divides by zero
        res = f(v)
    out_dtype = "float64" if dtype == "int32" else dtype
    tol = 1e-5 if dtype == "float32" else 1e-10
    k = 0
    for ddof in (0, 1):
        if ddof and axis == ():
            k += 4  # NumPy divides by N - ddof = 0 there
            continue
        for _corrected in (False, True):
            ref_v = np.var(v.astype("float64"), np_axis(axis), ddof=ddof, keepdims=keepdims)
            ref_s = np.std(v.astype("float64"), np_axis(axis), ddof=ddof, keepdims=keepdims)
            for got, ref in ((res[k], ref_v), (res[k + 1], ref_s)):
                assert got.dtype == out_dtype
                np.testing.assert_allclose(got, ref, rtol=tol, atol=tol)
            k += 2


def test_norm_of_empty_is_zero(mode):
    x = T.dmatrix("x")
    f = theano.function([x], [R.norm(x, 2, 0), R.norm(x, 1), R.norm(x, 3, 1)], mode=mode)
    a, b, c = f(np.zeros((0, 3)))
    np.testing.assert_array_equal(a, np.linalg.norm(np.zeros((0, 3)), axis=0))
    assert b == 0 and c.shape == (0,)


def test_var_names_errors_and_empty(mode):
    x = T.dmatrix("x")
    assert R.var(x).name == "var" and R.std(x).name == "std"
    with pytest.raises(ValueError, match="keepdims is the 4th"):
        R.var(x, 0, True)
    with pytest.raises(ValueError, match="out of range"):
        R.var(x, 2)
    f = theano.function([x], [R.var(x, 1), R.var(x, 0)], mode=mode)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        along_empty_rows, along_empty_axis = f(np.zeros((0, 3)))
        ref = np.var(np.zeros((0, 3)), 0)
    assert along_empty_rows.shape == (0,)
    assert (
        along_empty_axis.shape == (3,) and np.isnan(along_empty_axis).all() == np.isnan(ref).all()
    )


def test_var_corrected_is_more_accurate(mode):
    # A large offset makes the plain two-pass result lose digits to the mean's rounding.
    x = T.fvector("x")
    v = (1e4 + rng.normal(size=1000)).astype("float32")
    f = theano.function([x], [R.var(x), R.var(x, corrected=True)], mode=mode)
    plain, corrected = f(v)
    exact = np.var(v.astype("float64"))
    assert abs(corrected - exact) <= abs(plain - exact) + 1e-6


@pytest.mark.parametrize("axis", [None, 1, (0, 1)])
def test_var_std_grad_rop_and_shape(mode, axis):
    v = rng.normal(size=(3, 4))
    for ddof in (0, 1):
        verify_grad(lambda x, d=ddof: R.var(x, axis, d), [v], mode=mode)
        verify_grad(lambda x, d=ddof: R.std(x, axis, d, corrected=True), [v], mode=mode)
    check_rop(lambda x: R.var(x, axis, 1), [v], mode, [rng.normal(size=v.shape)], atol=1e-6)
    x = T.dmatrix("x")
    check_infer_shape(R.var(x, axis, keepdims=True), [x], [v], mode, out_shape=True)
    check_infer_shape(R.std(x, axis, 1), [x], [v], mode, out_shape=True)


# ----------------------------------------------------------------------------- all, any


@pytest.mark.parametrize("dtype", ["bool", "int8", "float64", "uint16"])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_all_any_match_numpy(mode, dtype, axis, keepdims):
    x = tensor(dtype, 3, "x")
    v = random_values((2, 3, 4), dtype, rng=rng)
    v.flat[::3] = 0  # zeros everywhere, so that both results vary
    f = theano.function([x], [R.all(x, axis, keepdims), R.any(x, axis, keepdims),
                               x.all(axis, keepdims), x.any(axis, keepdims)], mode=mode)  # fmt: skip
    a, o, ma, mo = f(v)
    for got, ref in ((a, np.all(v, np_axis(axis), keepdims=keepdims)),
                     (o, np.any(v, np_axis(axis), keepdims=keepdims)),
                     (ma, np.all(v, np_axis(axis), keepdims=keepdims)),
                     (mo, np.any(v, np_axis(axis), keepdims=keepdims))):  # fmt: skip
        assert np.asarray(got).dtype == np.bool_
        np.testing.assert_array_equal(got, ref)


def test_all_any_empty_types_and_grad(mode):
    x = T.dmatrix("x")
    f = theano.function([x], [R.all(x), R.any(x), R.all(x, 0), R.any(x, 1)], mode=mode)
    a, o, a0, o1 = f(np.zeros((0, 3)))
    assert bool(a) is True and bool(o) is False
    np.testing.assert_array_equal(a0, [True] * 3)
    assert o1.shape == (0,)
    assert R.all(x).dtype == "bool" and R.any(T.lrow(), 1).broadcastable == (True,)
    assert str(R.all(x, 0).owner.op) == "All{axis=[0]}"
    assert str(R.any(x).owner.op) == "Any"
    # Theano's choice: a zero gradient, not a disconnected one.
    cost = T.sum(x) + T.cast(R.all(x), "float64")
    g = theano.function([x], T.grad(cost, x), mode=mode)(np.ones((2, 2)))
    np.testing.assert_array_equal(g, np.ones((2, 2)))
    g_only = T.grad(T.cast(R.any(x), "float64"), x)
    np.testing.assert_array_equal(theano.function([x], g_only, mode=mode)(np.ones((2, 2))), 0)
    v = rng.normal(size=(3, 4))
    check_infer_shape(R.all(x, 1), [x], [v], mode, out_shape=True)
    check_infer_shape(R.any(x, 0, keepdims=True), [x], [v], mode, out_shape=True)


# ---------------------------------------------------------------------------------- ptp


@pytest.mark.parametrize("dtype", ["float64", "float32", "int16", "uint8"])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
def test_ptp_matches_numpy(mode, dtype, axis):
    x = tensor(dtype, 3, "x")
    v = random_values((2, 3, 4), dtype, rng=rng)
    f = theano.function([x], [R.ptp(x, axis), R.ptp(x, axis, keepdims=True), x.ptp(axis)],
                        mode=mode)  # fmt: skip
    out, kept, meth = f(v)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, np.ptp(v, np_axis(axis)), rtol=1e-6)
    np.testing.assert_allclose(kept, np.ptp(v, np_axis(axis), keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(meth, out)


def test_ptp_grad_and_shape(mode):
    v = rng.permutation(12).reshape(3, 4).astype("float64")  # distinct: no ties
    verify_grad(lambda x: R.ptp(x), [v], mode=mode)
    verify_grad(lambda x: R.ptp(x, 1), [v], mode=mode)
    x = T.dmatrix("x")
    check_infer_shape(R.ptp(x, 0), [x], [v], mode, out_shape=True)


# ------------------------------------------------------------------------ max_and_argmax


def np_max_and_argmax(v, axis, keepdims):
    axes = tuple(range(v.ndim)) if axis is None else np.atleast_1d(axis) % v.ndim
    axes = tuple(sorted({int(a) for a in axes}))
    kept = [d for d in range(v.ndim) if d not in axes]
    moved = v.transpose(*kept, *axes).reshape([v.shape[d] for d in kept] + [-1])
    idx = np.argmax(moved, -1)
    if keepdims:
        idx = idx.reshape([1 if d in axes else v.shape[d] for d in range(v.ndim)])
    return np.max(v, axis=axes, keepdims=keepdims), idx


@pytest.mark.parametrize("dtype", ["float64", "int32", "float32"])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2), (2, 1), (0, 1, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_max_and_argmax_match_numpy(mode, dtype, axis, keepdims):
    x = tensor(dtype, 3, "x")
    v = random_values((2, 3, 4), dtype, rng=rng)
    m, i = R.max_and_argmax(x, axis, keepdims)
    mm, mi = x.max_and_argmax(axis, keepdims)
    f = theano.function([x], [m, i, mm, mi], mode=mode)
    got_m, got_i, got_mm, got_mi = f(v)
    ref_m, ref_i = np_max_and_argmax(v, axis, keepdims)
    assert got_m.dtype == dtype and got_i.dtype == "int64"
    np.testing.assert_array_equal(got_m, ref_m)
    np.testing.assert_array_equal(got_i, ref_i)
    np.testing.assert_array_equal(got_mm, ref_m)
    np.testing.assert_array_equal(got_mi, ref_i)
    if axis is None:
        assert got_i == np.argmax(v)


def test_max_and_argmax_gradients(mode):
    x = T.dvector("x")
    m, i = R.max_and_argmax(x)
    # Ties: every element equal to the maximum gets the gradient (Theano's eq(x, max)).
    g = theano.function([x], T.grad(m, x), mode=mode)([1.0, 3.0, 3.0, 2.0])
    np.testing.assert_array_equal(g, [0, 1, 1, 0])
    # The index is not differentiable.
    with pytest.raises(DisconnectedInputError):
        T.grad(T.cast(i, "float64"), x)
    g2 = T.grad(m + T.cast(i, "float64"), x)
    np.testing.assert_array_equal(theano.function([x], g2, mode=mode)([5.0, 1.0]), [1, 0])
    v = rng.permutation(24).reshape(2, 3, 4).astype("float64")
    for axis in (None, 1, (0, 2)):
        verify_grad(lambda t, a=axis: R.max_and_argmax(t, a)[0], [v], mode=mode)
    check_rop(
        lambda t: R.max_and_argmax(t, 1)[0], [v[0]], mode, [rng.normal(size=(3, 4))], atol=1e-6
    )
    t = T.dtensor3("t")
    for axis in (None, 1, (0, 2)):
        for out in R.max_and_argmax(t, axis, keepdims=axis == 1):
            check_infer_shape(out, [t], [v], mode, out_shape=True)


def test_max_and_argmax_accepts_array_axes():
    x = T.dmatrix()
    assert R.max_and_argmax(x, np.array(1))[1].ndim == 1
    assert R.max_and_argmax(x, [0, 1])[1].ndim == 0
    with pytest.raises(TypeError, match="axis"):
        R.max_and_argmax(x, 1.5)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=4), data=st.data())
def test_property_reductions_over_random_axes(mode, shape, data):
    """Shapes, broadcastable patterns and values of the reductions over any set of axes."""
    ndim = len(shape)
    axis = data.draw(st.none() | st.lists(st.integers(-ndim, ndim - 1), unique_by=lambda a: a % ndim
                                          ).map(tuple))  # fmt: skip
    keepdims = data.draw(st.booleans())
    pattern = tuple(n == 1 and data.draw(st.booleans()) for n in shape)
    x = T.TensorType("float64", pattern)("x")
    v = rng.normal(size=shape)
    outs = [R.var(x, axis, keepdims=keepdims), *R.max_and_argmax(x, axis, keepdims),
            R.any(x, axis, keepdims), R.logsumexp(x, axis, keepdims)]  # fmt: skip
    got = theano.function([x], outs, mode=mode)(v)
    ax = np_axis(axis)
    ref_m, ref_i = np_max_and_argmax(v, axis, keepdims)
    refs = [np.var(v, ax, keepdims=keepdims), ref_m, ref_i, np.any(v, ax, keepdims=keepdims),
            scipy.special.logsumexp(v, ax, keepdims=keepdims)]  # fmt: skip
    for out, g, r in zip(outs, got, refs):
        assert np.shape(g) == np.shape(r)
        # A dimension the type calls broadcastable has length 1.
        assert all(n == 1 for n, b in zip(np.shape(g), out.broadcastable) if b)
        np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------------- norm


def np_norm(v, L, axis, keepdims):
    a = np.abs(v.astype("complex128" if np.iscomplexobj(v) else "float64"))
    ax = np_axis(axis)
    if L == np.inf:
        return a.max(ax, keepdims=keepdims)
    if L == -np.inf:
        return a.min(ax, keepdims=keepdims)
    if L == 0:
        return (a != 0).sum(ax, keepdims=keepdims).astype("float64")
    return (a**L).sum(ax, keepdims=keepdims) ** (1.0 / L)


@pytest.mark.parametrize("L", [1, 2, 3, 0.5, np.inf, -np.inf, 0])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
def test_norm_matches_numpy(mode, L, axis):
    x = tensor("float64", 3, "x")
    v = random_values((2, 3, 4), "float64", rng=rng)
    v[0, 0, :] = 0
    f = theano.function([x], [R.norm(x, L, axis), R.norm(x, L, axis, keepdims=True),
                              x.norm(L, axis)], mode=mode)  # fmt: skip
    out, kept, meth = f(v)
    np.testing.assert_allclose(out, np_norm(v, L, axis, False), rtol=1e-10)
    np.testing.assert_allclose(kept, np_norm(v, L, axis, True), rtol=1e-10)
    np.testing.assert_allclose(meth, out)
    if axis is None and L in (1, 2, np.inf, -np.inf, 0):
        np.testing.assert_allclose(out, np.linalg.norm(v.ravel(), L), rtol=1e-10)


@pytest.mark.parametrize(
    "dtype, out_dtype",
    [("float32", "float32"), ("int8", "float64"), ("bool", "float64"), ("complex128", "float64")],
)
def test_norm_dtypes(mode, dtype, out_dtype):
    x = tensor(dtype, 2, "x")
    v = random_values((3, 4), dtype, rng=rng)
    for L in (1, 2, 3, np.inf):
        out = R.norm(x, L, 1)
        assert out.dtype == out_dtype
        got = theano.function([x], out, mode=mode)(v)
        np.testing.assert_allclose(got, np_norm(v, L, 1, False), rtol=1e-5)


def test_norm_errors_grad_and_shape(mode):
    x = T.dmatrix("x")
    for bad in (None, "fro", True):
        with pytest.raises(ValueError, match="L must be a number"):
            R.norm(x, bad)
    v = rng.normal(size=(3, 4))
    for L in (1, 2, 3, np.inf):
        verify_grad(lambda t, p=L: R.norm(t, p, 1), [v], mode=mode)
    verify_grad(lambda t: R.norm(t, 2), [v], mode=mode)
    check_rop(lambda t: R.norm(t, 2, 0), [v], mode, [rng.normal(size=v.shape)], atol=1e-6)
    check_infer_shape(R.norm(x, 2, 1, keepdims=True), [x], [v], mode, out_shape=True)
    check_infer_shape(R.norm(x, 3), [x], [v], mode, out_shape=True)


# ---------------------------------------------------------------------------- logsumexp


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32"])
@pytest.mark.parametrize("axis", AXES[:5])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_matches_scipy(mode, dtype, axis, keepdims):
    x = tensor(dtype, 3, "x")
    v = random_values((2, 3, 4), dtype, rng=rng)
    f = theano.function([x], [R.logsumexp(x, axis, keepdims), x.logsumexp(axis, keepdims)],
                        mode=mode)  # fmt: skip
    out, meth = f(v)
    ref = scipy.special.logsumexp(v.astype("float64"), np_axis(axis), keepdims=keepdims)
    np.testing.assert_allclose(out, ref, rtol=1e-5 if dtype == "float32" else 1e-12)
    np.testing.assert_allclose(meth, out)
    assert out.dtype == ("float64" if dtype == "int32" else dtype)


def test_logsumexp_is_stable(mode):
    x = T.dmatrix("x")
    f = theano.function([x], [R.logsumexp(x, 1), T.grad(T.sum(R.logsumexp(x, 1)), x)],
                        mode=mode)  # fmt: skip
    v = np.array([[1000.0, 1000.0], [-1000.0, -1000.0], [-np.inf, -np.inf], [np.inf, 0.0]])
    with np.errstate(all="ignore"):  # log(0) and the gradient at the infinite rows
        out, g = f(v)
    np.testing.assert_allclose(out[:2], [1000 + np.log(2), -1000 + np.log(2)])
    assert out[2] == -np.inf and out[3] == np.inf
    np.testing.assert_allclose(g[:2], 0.5)  # the softmax, finite at +-1000
    ff = theano.function([x], R.logsumexp(x), mode=mode)
    assert np.isfinite(ff(np.full((2, 2), 1000.0)))


def test_logsumexp_grad_rop_and_shape(mode):
    v = rng.normal(size=(3, 4))
    for axis in (None, 0, (0, 1)):
        verify_grad(lambda t, a=axis: R.logsumexp(t, a), [v], mode=mode)
    check_rop(lambda t: R.logsumexp(t, 1), [v], mode, [rng.normal(size=v.shape)], atol=1e-6)
    x = T.dmatrix("x")
    check_infer_shape(R.logsumexp(x, 1), [x], [v], mode, out_shape=True)
    check_infer_shape(R.logsumexp(x, 0, keepdims=True), [x], [v], mode, out_shape=True)


# ------------------------------------------------------- sum/prod/mean dtype rules (Theano 1.0)


@pytest.mark.parametrize(
    "dtype, sum_dtype, mean_dtype",
    [("bool", "int64", "float64"), ("int8", "int64", "float64"), ("int32", "int64", "float64"),
     ("uint8", "uint64", "float64"), ("int64", "int64", "float64"),
     ("float16", "float16", "float16"), ("float32", "float32", "float32"),
     ("float64", "float64", "float64")],
)  # fmt: skip
def test_sum_prod_mean_default_dtypes(mode, dtype, sum_dtype, mean_dtype):
    x = tensor(dtype, 2, "x")
    outs = [T.sum(x), T.prod(x, 0), T.mean(x, 1)]
    assert [o.dtype for o in outs] == [sum_dtype, sum_dtype, mean_dtype]
    v = random_values((3, 4), dtype, rng=rng)
    s, p, m = theano.function([x], outs, mode=mode)(v)
    tol = 1e-2 if dtype == "float16" else 1e-5
    np.testing.assert_allclose(s, v.sum(dtype=sum_dtype), rtol=tol)
    np.testing.assert_allclose(p, v.prod(0, dtype=sum_dtype), rtol=tol)
    np.testing.assert_allclose(m, v.mean(1, dtype="float64"), rtol=tol)


def test_sum_accumulates_float32_in_float64(mode):
    x = T.fvector("x")
    s = T.sum(x)
    assert s.dtype == "float32" and s.owner.op.acc_dtype == "float64"
    v = np.full(10**6, 0.1, dtype="float32")
    got = theano.function([x], s, mode=mode)(v)
    assert got == np.float32(v.astype("float64").sum())


def test_sum_prod_mean_dtype_arguments(mode):
    b = T.bvector("b")
    outs = [T.sum(b, dtype="int8"), T.sum(b, dtype="float32"), T.prod(b, dtype="int16"),
            T.mean(b, dtype="float32"), T.sum(b, acc_dtype="float64")]  # fmt: skip
    assert [o.dtype for o in outs] == ["int8", "float32", "int16", "float32", "int64"]
    v = np.array([100, 100, 100], dtype="int8")
    got = theano.function([b], outs, mode=mode)(v)
    assert got[0] == np.int8(np.int64(300).astype("int8"))  # accumulated in int64, then cast
    assert got[1] == 300 and got[3] == 100 and got[4] == 300


def test_sum_rejects_lossy_acc_dtype():
    with pytest.raises(TypeError, match="precision"):
        T.sum(T.fvector(), acc_dtype="float16")


def test_mean_of_float16_does_not_overflow():
    x = T.TensorType("float16", (False,))("x")
    m = T.mean(x)
    assert m.dtype == "float16"
    with np.errstate(all="ignore"):
        got = theano.function([x], m)(np.full(1000, 100, dtype="float16"))
    assert got == 100
