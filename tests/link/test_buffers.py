"""Buffers kept between calls: only where no returned value can show them."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.link import blocked

BIG = blocked.MIN_SIZE + 7


@pytest.mark.parametrize("n", [5, BIG])
def test_default_outputs_are_fresh_arrays(n):
    x = T.dvector("x")
    f = theano.function([x], T.exp(x) * 2 + 1)
    a = f(np.zeros(n))
    b = f(np.ones(n))
    assert not np.shares_memory(a, b)
    np.testing.assert_allclose(a, 3.0)


@pytest.mark.parametrize("n,fused", [(5, False), (BIG, False), (BIG, True)])
def test_borrowed_output_buffer_is_reused(n, fused):
    x = T.dvector("x")
    out = T.exp(x) * 2 + 1 if fused else T.exp(x)
    f = theano.function([x], theano.Out(out, borrow=True))
    a = f(np.zeros(n))
    b = f(np.ones(n))
    np.testing.assert_allclose(b, np.e * 2 + 1 if fused else np.e)
    assert np.shares_memory(a, b)  # borrow=True: the caller accepted that


def test_intermediate_buffers_follow_the_shape_of_each_call():
    x, y = T.dvectors("x", "y")
    mid = T.exp(x) + y  # an intermediate, not returned
    f = theano.function([x, y], T.sum(mid * mid))
    for n in (BIG, 3, BIG + 5, 0):
        xv, yv = np.linspace(0, 1, n), np.linspace(1, 2, n)
        np.testing.assert_allclose(f(xv, yv), np.sum((np.exp(xv) + yv) ** 2))


def test_value_shown_through_a_view_is_not_reused():
    x = T.dmatrix("x")
    mid = T.exp(x) + 1
    f = theano.function([x], [mid.T, T.sum(mid)])
    first, _ = f(np.zeros((2, 3)))
    f(np.ones((2, 3)))
    np.testing.assert_allclose(first, 2.0)  # the second call left it alone
