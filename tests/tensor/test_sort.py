"""`sort`, `argsort`, `topk` and `argtopk` against NumPy, with gradients."""

import importlib

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.gradient import DisconnectedInputError, verify_grad
from theano.testing import check_infer_shape, random_values, tensor

# ``theano.tensor.sort`` is the function as an attribute (as in Theano); the module by name:
S = importlib.import_module("theano.tensor.sort")

rng = np.random.default_rng(0)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int16", "uint8"])
@pytest.mark.parametrize(
    "shape,axis", [((7,), -1), ((7,), None), ((3, 4), -1), ((3, 4), 0), ((3, 4), None),
                   ((2, 3, 4), 1), ((0, 3), 0), ((0, 3), -1)]
)  # fmt: skip
def test_sort_argsort_against_numpy(mode, shape, axis, dtype):
    x = tensor(dtype, len(shape), "x")
    s, a = S.sort(x, axis), S.argsort(x, axis, kind="stable")
    f = theano.function([x], [s, a], mode=mode)
    v = random_values(shape, dtype, rng=rng, int_high=50)
    got_s, got_a = f(v)
    np.testing.assert_array_equal(got_s, np.sort(v, axis))
    np.testing.assert_array_equal(got_a, np.argsort(v, axis, kind="stable"))
    assert got_s.dtype == dtype and got_a.dtype == "int64"
    check_infer_shape(s, [x], [v])
    check_infer_shape(a, [x], [v])


@pytest.mark.parametrize("kind", ["quicksort", "mergesort", "heapsort", "stable"])
def test_sort_kinds_and_symbolic_axis(mode, kind):
    x = T.dmatrix("x")
    ax = T.lscalar("ax")
    f = theano.function([x, ax], [S.sort(x, ax, kind), S.argsort(x, ax, kind)], mode=mode)
    v = rng.normal(size=(3, 5))
    for axis in (0, 1, -1):
        s, a = f(v, axis)
        np.testing.assert_array_equal(s, np.sort(v, axis, kind=kind))
        np.testing.assert_array_equal(np.take_along_axis(v, a, axis), np.sort(v, axis))


def test_sort_types_and_errors():
    r = T.drow("r")
    assert S.sort(r).type == r.type
    assert S.sort(r, None).ndim == 1
    assert S.argsort(r).broadcastable == (True, False)
    with pytest.raises(ValueError, match="out of range"):
        S.sort(r, 2)
    with pytest.raises(TypeError, match="scalar"):
        S.sort(T.dscalar())
    with pytest.raises(TypeError, match="axis"):
        S.sort(r, T.dscalar())
    assert str(S.SortOp("quicksort")) == "SortOp{quicksort, None}"


def test_sort_gradient():
    m = [rng.normal(size=(3, 4))]
    verify_grad(lambda a: S.sort(a), m, rng=rng)
    verify_grad(lambda a: S.sort(a, 0), m, rng=rng)
    verify_grad(lambda a: S.sort(a, None), m, rng=rng)
    verify_grad(lambda a: S.sort(a, 1) * S.sort(a, 1), [rng.normal(size=(2, 3, 2))], rng=rng)


def test_sort_rop(mode):
    x, v = T.dmatrices("x", "v")
    out = S.sort(x, 0)
    r = theano.function([x, v], T.Rop(out, x, v), mode=mode)
    xv, vv = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    np.testing.assert_allclose(r(xv, vv), np.take_along_axis(vv, np.argsort(xv, 0), 0))


def test_argsort_is_not_differentiable(mode):
    x = T.dvector("x")
    with pytest.raises(DisconnectedInputError):
        T.grad(T.sum(S.argsort(x)), x)
    # Through argsort only as indices: the values path still differentiates.
    cost = T.sum(S.sort(x) * S.argsort(x))
    g = theano.function([x], T.grad(cost, x), mode=mode)
    xv = np.array([3.0, 1.0, 2.0])
    np.testing.assert_allclose(g(xv), [0.0, 1.0, 2.0])  # weights argsort(x)[rank(x_i)]


# ----------------------------------------------------------------------------- top-k


def _reference_topk(v, k, axis):
    order = np.argsort(v, axis=axis, kind="stable")
    n = v.shape[axis]
    if k > 0:
        idx = np.flip(np.take(order, np.arange(n - k, n), axis=axis), axis=axis)
    else:
        idx = np.take(order, np.arange(-k), axis=axis)
    return np.take_along_axis(v, idx, axis), idx


@pytest.mark.parametrize(
    "shape,k,axis", [((7,), 3, -1), ((7,), -2, 0), ((3, 5), 1, -1), ((3, 5), 5, 1),
                     ((3, 5), -3, 0), ((2, 3, 4), 2, 1), ((3, 4), 4, None)]
)  # fmt: skip
def test_topk_argtopk(mode, shape, k, axis):
    x = tensor("float64", len(shape), "x")
    kth = T.iscalar("k")
    vals = S.topk(x, kth, axis)
    idx = S.argtopk(x, kth, axis, idx_dtype="int32")
    both = S.topk_and_argtopk(x, kth, axis)
    f = theano.function([x, kth], [vals, idx, *both], mode=mode)
    v = rng.normal(size=shape)
    got_v, got_i, both_v, both_i = f(v, k)
    flat = v.reshape(-1) if axis is None else v
    want_v, want_i = _reference_topk(flat, k, -1 if axis is None else axis)
    np.testing.assert_array_equal(got_v, want_v)
    np.testing.assert_array_equal(got_i, want_i)
    np.testing.assert_array_equal(both_v, want_v)
    np.testing.assert_array_equal(both_i, want_i)
    assert got_i.dtype == "int32" and both_i.dtype == "int64"
    # the top-k set matches a plain sort
    np.testing.assert_array_equal(np.sort(got_v, axis=-1 if axis is None else axis),
                                  np.sort(want_v, axis=-1 if axis is None else axis))  # fmt: skip
    check_infer_shape(vals, [x, kth], [v, k])
    check_infer_shape(idx, [x, kth], [v, k])


def test_topk_errors():
    x = T.dvector("x")
    f = theano.function([x], S.topk(x, 4))
    with pytest.raises(ValueError, match="kth"):
        f(np.ones(3))
    with pytest.raises(TypeError, match="integer scalar"):
        S.topk(x, 1.5)
    with pytest.raises(TypeError, match="idx_dtype"):
        S.argtopk(x, 1, idx_dtype="float32")
    with pytest.raises(ValueError, match="out of range"):
        S.topk(x, 1, axis=1)


def test_topk_gradient(mode):
    m = [rng.normal(size=(3, 5))]
    verify_grad(lambda a: S.topk(a, 2), m, rng=rng)
    verify_grad(lambda a: S.topk(a, -2, axis=0), m, rng=rng)
    verify_grad(lambda a: S.topk_and_argtopk(a, 3, None)[0], m, rng=rng)
    x = T.dvector("x")
    with pytest.raises(DisconnectedInputError):
        T.grad(T.sum(S.argtopk(x, 2)), x)
    g = theano.function([x], T.grad(T.sum(S.topk(x, 2)), x), mode=mode)
    np.testing.assert_array_equal(g(np.array([1.0, 5.0, 3.0, 0.0])), [0, 1, 1, 0])
