"""Broadcastable-pattern changes and DimShuffle shorthands against NumPy."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.gradient import verify_grad

rng = np.random.default_rng(1)


def test_addbroadcast_lets_a_dimension_broadcast(mode):
    m, r = T.dmatrices("m", "r")
    rb = T.addbroadcast(r, 0)
    assert rb.broadcastable == (True, False)
    f = theano.function([m, r], m + rb, mode=mode)
    np.testing.assert_array_equal(f(np.ones((3, 2)), np.array([[1.0, 2.0]])),
                                  np.ones((3, 2)) + [[1.0, 2.0]])  # fmt: skip
    with pytest.raises(ValueError, match="length 1"):
        f(np.ones((3, 2)), np.ones((2, 2)))


def test_unbroadcast_and_patternbroadcast():
    r = T.row("r")
    assert T.unbroadcast(r, 0).broadcastable == (False, False)
    assert T.patternbroadcast(r, (False, True)).broadcastable == (False, True)
    assert T.unbroadcast(T.matrix(), 0).owner is None  # already so: no node


def test_specify_shape(mode):
    x = T.dmatrix("x")
    f = theano.function([x], T.specify_shape(x, (2, 3)) * 2, mode=mode)
    np.testing.assert_array_equal(f(np.ones((2, 3))), 2 * np.ones((2, 3)))
    with pytest.raises(AssertionError, match="expected shape"):
        f(np.ones((3, 2)))


def test_dimshuffle_shorthands(mode):
    x = T.dtensor3("x")
    v = rng.normal(size=(2, 1, 3))
    xb = T.addbroadcast(x, 1)
    outs = [T.shape_padleft(x), T.shape_padright(x, 2), T.shape_padaxis(x, -1), T.squeeze(xb),
            T.swapaxes(x, 0, 2), T.transpose(x), T.transpose(x, (1, 0, 2))]  # fmt: skip
    f = theano.function([x], outs, mode=mode)
    got = f(v)
    want = [v[None], v[..., None, None], v[..., None], v.squeeze(1), v.swapaxes(0, 2), v.T,
            v.transpose(1, 0, 2)]  # fmt: skip
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    with pytest.raises(IndexError):
        T.shape_padaxis(x, 5)


def test_gradients():
    verify_grad(lambda r: T.addbroadcast(r, 0) * 2, [rng.normal(size=(1, 3))], rng=rng)
    verify_grad(lambda x: T.swapaxes(x, 0, 1) ** 2, [rng.normal(size=(2, 3))], rng=rng)
    verify_grad(lambda x: T.specify_shape(x, (2, 3)).sum(axis=0), [rng.normal(size=(2, 3))],
                rng=rng)  # fmt: skip
