"""join, concatenate, stack, split and friends against NumPy, with gradients."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.gradient import verify_grad

rng = np.random.default_rng(0)


def test_join_and_concatenate(mode):
    a, b = T.dmatrices("a", "b")
    f = theano.function([a, b], [T.join(1, a, b), T.concatenate([a, b], axis=-2)], mode=mode)
    av, bv = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    j, c = f(av, bv)
    np.testing.assert_array_equal(j, np.concatenate([av, bv], axis=1))
    np.testing.assert_array_equal(c, np.concatenate([av, bv], axis=0))


def test_join_upcasts_and_checks_rank(mode):
    a, i = T.fvector("a"), T.ivector("i")
    out = T.concatenate([a, i])
    assert out.dtype == "float64"
    with pytest.raises(TypeError, match="same rank"):
        T.concatenate([a, T.fmatrix()])
    with pytest.raises(TypeError, match="list or tuple"):
        T.concatenate(a, i)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_stack_list_and_varargs(mode, axis):
    a, b, c = T.dvectors("a", "b", "c")
    vals = [rng.normal(size=4) for _ in range(3)]
    f = theano.function([a, b, c], [T.stack([a, b, c], axis=axis), T.stack(a, b, c)], mode=mode)
    s, v = f(*vals)
    np.testing.assert_array_equal(s, np.stack(vals, axis=axis))
    np.testing.assert_array_equal(v, np.stack(vals))


def test_stack_scalars_and_stacklists(mode):
    x, y = T.dscalars("x", "y")
    f = theano.function([x, y], [T.stack([x, y]), T.stacklists([[x, y], [y, x]])], mode=mode)
    s, m = f(1.0, 2.0)
    np.testing.assert_array_equal(s, [1.0, 2.0])
    np.testing.assert_array_equal(m, [[1.0, 2.0], [2.0, 1.0]])


def test_split(mode):
    x = T.dvector("x")
    parts = T.split(x, [2, 3, 1], 3)
    f = theano.function([x], parts, mode=mode)
    v = np.arange(6.0)
    out = f(v)
    for got, want in zip(out, np.split(v, [2, 5])):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="add up"):
        f(np.arange(7.0))


def test_horizontal_and_vertical_stack(mode):
    a, b = T.dmatrices("a", "b")
    f = theano.function([a, b], [T.horizontal_stack(a, b), T.vertical_stack(a, b)], mode=mode)
    av, bv = np.ones((2, 2)), np.zeros((2, 2))
    h, v = f(av, bv)
    np.testing.assert_array_equal(h, np.hstack([av, bv]))
    np.testing.assert_array_equal(v, np.vstack([av, bv]))


def test_gradients():
    verify_grad(lambda a, b: T.concatenate([a, b], axis=1),
                [rng.normal(size=(2, 3)), rng.normal(size=(2, 2))], rng=rng)  # fmt: skip
    verify_grad(lambda a, b: T.stack([a, b], axis=1), [rng.normal(size=3)] * 2, rng=rng)
    verify_grad(lambda x: T.split(x, [1, 2], 2)[1] * 3, [rng.normal(size=3)], rng=rng)


def test_rop_of_join(mode):
    a, b, va, vb = T.dvectors("a", "b", "va", "vb")
    r = T.Rop(T.concatenate([a * a, b]), [a, b], [va, vb])
    f = theano.function([a, b, va, vb], r, mode=mode)
    out = f(np.array([1.0, 2.0]), np.array([3.0]), np.array([1.0, 1.0]), np.array([5.0]))
    np.testing.assert_allclose(out, [2.0, 4.0, 5.0])


def test_infer_shape_of_join():
    a, b = T.dmatrices("a", "b")
    out = T.join(0, a, b)
    shape = out.owner.op.infer_shape(out.owner, [(a.shape[0], a.shape[1]),
                                                 (b.shape[0], b.shape[1])])[0]  # fmt: skip
    f = theano.function([a, b], list(shape))
    assert [int(s) for s in f(np.ones((2, 3)), np.ones((4, 3)))] == [6, 3]
