"""`theano.tensor.products` against NumPy, with gradients, R_op and infer_shape."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.gradient import verify_grad
from theano.tensor import products as P
from theano.testing import check_infer_shape, check_rop, tensor

rng = np.random.default_rng(0)


# ------------------------------------------------------------------------------ dot

DOT_SHAPES = [
    ((), (3,)), ((3,), ()), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
    ((2, 3, 4), (4,)), ((4,), (2, 4, 5)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)),
    ((2, 3, 4), (5, 4, 2)), ((2, 1, 3, 4), (3, 4, 2)),
]  # fmt: skip


@pytest.mark.parametrize("sa,sb", DOT_SHAPES)
def test_dot_every_rank(mode, sa, sb):
    a, b = tensor("float64", len(sa), "a"), tensor("float64", len(sb), "b")
    out = P.dot(a, b)
    f = theano.function([a, b], out, mode=mode)
    av, bv = rng.normal(size=sa), rng.normal(size=sb)
    got = f(av, bv)
    np.testing.assert_allclose(got, np.dot(av, bv), rtol=1e-10)
    assert out.ndim == np.ndim(got)


def test_dot_dtypes(mode):
    a, b = tensor("float32", 3, "a"), tensor("int32", 2, "b")
    c = tensor("int16", 3, "c")
    out = P.dot(a, b)
    assert out.dtype == "float64"  # float32 with int32 upcasts, as in NumPy and Theano
    assert P.dot(a, tensor("float32", 2)).dtype == "float32"
    f = theano.function([a, b, c], [out, P.dot(c, b)], mode=mode)
    av, bv = (
        rng.normal(size=(2, 3, 4)).astype("float32"),
        rng.integers(-3, 3, (4, 2)).astype("int32"),
    )
    cv = rng.integers(-3, 3, (2, 3, 4)).astype("int16")
    x, y = f(av, bv, cv)
    np.testing.assert_allclose(x, np.dot(av, bv), rtol=1e-5)
    np.testing.assert_array_equal(y, np.dot(cv, bv))
    assert y.dtype == "int32"


def test_dot_gradients_and_rop(mode):
    verify_grad(P.dot, [rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 2))], rng=rng)
    verify_grad(P.dot, [rng.normal(size=(3, 4)), rng.normal(size=(2, 4, 3))], rng=rng)
    verify_grad(P.dot, [rng.normal(size=(2, 3, 4)), rng.normal(size=4)], rng=rng)
    check_rop(
        P.dot,
        [rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 2))],
        mode,
        [rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 2))],
        atol=1e-6,
    )


def test_matrix_dot(mode):
    a, b, c = T.dmatrix("a"), T.dmatrix("b"), T.dvector("c")
    f = theano.function([a, b, c], P.matrix_dot(a, b, c), mode=mode)
    av, bv, cv = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    np.testing.assert_allclose(f(av, bv, cv), av @ bv @ cv)
    assert P.matrix_dot(a) is a
    with pytest.raises(TypeError, match="at least one"):
        P.matrix_dot()


# ------------------------------------------------------------------------ tensordot

TENSORDOT_CASES = [
    ((2, 3, 4), (3, 4, 5), 2), ((2, 3), (3, 4), 1), ((3,), (4,), 0), ((2, 3), (2, 3), 2),
    ((2, 3, 4), (4, 3, 2), [[1, 2], [1, 0]]), ((2, 3, 4), (4, 5), [[2], [0]]),
    ((2, 3, 4), (5, 3), [[-2], [-1]]), ((4, 2), (2, 4), ([0, 1], [1, 0])),
    ((2, 3, 4, 5), (5, 4, 6), [[3, 2], [0, 1]]), ((3, 4), (4,), 1),
]  # fmt: skip


@pytest.mark.parametrize("sa,sb,axes", TENSORDOT_CASES)
def test_tensordot(mode, sa, sb, axes):
    a, b = tensor("float64", len(sa), "a"), tensor("float64", len(sb), "b")
    f = theano.function([a, b], P.tensordot(a, b, axes), mode=mode)
    av, bv = rng.normal(size=sa), rng.normal(size=sb)
    np.testing.assert_allclose(f(av, bv), np.tensordot(av, bv, axes), rtol=1e-10)


def test_tensordot_float32_and_broadcastable(mode):
    a, b = T.TensorType("float32", (False, True, False))("a"), T.fmatrix("b")
    out = P.tensordot(a, b, [[2], [0]])
    assert out.dtype == "float32"
    assert out.broadcastable == (False, True, False)
    f = theano.function([a, b], out, mode=mode)
    av, bv = rng.normal(size=(2, 1, 3)).astype("float32"), rng.normal(size=(3, 4)).astype("float32")
    got = f(av, bv)
    assert got.dtype == "float32"
    np.testing.assert_allclose(got, np.tensordot(av, bv, 1), rtol=1e-5)


def test_tensordot_gradients():
    verify_grad(
        lambda a, b: P.tensordot(a, b, 2),
        [rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 4, 2))],
        rng=rng,
    )
    verify_grad(lambda a, b: P.tensordot(a, b, [[0, 2], [2, 1]]),
                [rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 4, 2))], rng=rng)  # fmt: skip
    verify_grad(
        lambda a, b: P.tensordot(a, b, 0), [rng.normal(size=2), rng.normal(size=3)], rng=rng
    )


def test_tensordot_errors():
    a, b = T.dtensor3("a"), T.dmatrix("b")
    with pytest.raises(ValueError, match="out of range for input b"):
        P.tensordot(a, b, [[0], [2]])
    with pytest.raises(ValueError, match="same length"):
        P.tensordot(a, b, [[0, 1], [0]])
    with pytest.raises(ValueError, match="cannot sum over 3 axes"):
        P.tensordot(a, b, 3)
    with pytest.raises(ValueError, match="repeated axis"):
        P.tensordot(a, b, [[1, 1], [0, 1]])
    with pytest.raises(ValueError, match="pair of axis lists"):
        P.tensordot(a, b, [[1]])


# ---------------------------------------------------------------------- batched_dot

BATCHED_SHAPES = [
    ((3, 2, 4), (3, 4, 5)), ((3, 2, 4), (3, 4)), ((3, 4), (3, 4, 5)), ((3, 4), (3, 4)),
    ((3,), (3, 4, 5)), ((3, 2, 4), (3,)), ((3, 2, 2, 4), (3, 4, 5)), ((3, 2, 4), (3, 2, 4, 5)),
]  # fmt: skip


@pytest.mark.parametrize("sa,sb", BATCHED_SHAPES)
def test_batched_dot(mode, sa, sb):
    a, b = tensor("float64", len(sa), "a"), tensor("float64", len(sb), "b")
    out = P.batched_dot(a, b)
    f = theano.function([a, b], out, mode=mode)
    av, bv = rng.normal(size=sa), rng.normal(size=sb)
    want = np.stack([np.dot(x, y) if np.ndim(x) and np.ndim(y) else x * y
                     for x, y in zip(av, bv)])  # fmt: skip
    np.testing.assert_allclose(f(av, bv), want, rtol=1e-10)
    if isinstance(out.owner.op, P.BatchedDot):
        check_infer_shape(out, [a, b], [av, bv])


def test_batched_dot_float32_gradients_and_rop(mode):
    a, b = T.ftensor3("a"), T.ftensor3("b")
    f = theano.function([a, b], P.batched_dot(a, b), mode=mode)
    av, bv = (
        rng.normal(size=(2, 3, 4)).astype("float32"),
        rng.normal(size=(2, 4, 2)).astype("float32"),
    )
    got = f(av, bv)
    assert got.dtype == "float32"
    np.testing.assert_allclose(got, np.matmul(av, bv), rtol=1e-5)
    for sa, sb in BATCHED_SHAPES[:4]:
        verify_grad(P.batched_dot, [rng.normal(size=sa), rng.normal(size=sb)], rng=rng)
    check_rop(
        P.batched_dot,
        [rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 4))],
        mode,
        [rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 4))],
        atol=1e-6,
    )


def test_batched_dot_errors(mode):
    with pytest.raises(TypeError, match="input a must have a batch axis"):
        P.batched_dot(T.dscalar(), T.dmatrix())
    with pytest.raises(TypeError, match="input b must be 2-d or 3-d"):
        P.BatchedDot()(T.dmatrix(), T.dvector())
    a, b = T.dtensor3("a"), T.dtensor3("b")
    f = theano.function([a, b], P.batched_dot(a, b), mode=mode)
    with pytest.raises(ValueError, match="batch sizes differ"):
        f(rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 4, 2)))


@pytest.mark.parametrize("sa,sb,axes", [
    ((2, 3, 4), (2, 4, 5), [[2], [1]]), ((2, 3, 4), (2, 3, 4), 2),
    ((2, 3, 4, 5), (2, 5, 4), [[2, 3], [2, 1]]), ((2, 3), (2, 3, 4), 1),
])  # fmt: skip
def test_batched_tensordot(mode, sa, sb, axes):
    a, b = tensor("float64", len(sa), "a"), tensor("float64", len(sb), "b")
    f = theano.function([a, b], P.batched_tensordot(a, b, axes), mode=mode)
    av, bv = rng.normal(size=sa), rng.normal(size=sb)
    if isinstance(axes, int):
        ax = [list(range(len(sa) - 1 - axes, len(sa) - 1)), list(range(axes))]
    else:
        ax = [[d - 1 for d in axes[0]], [d - 1 for d in axes[1]]]
    want = np.stack([np.tensordot(x, y, ax) for x, y in zip(av, bv)])
    np.testing.assert_allclose(f(av, bv), want, rtol=1e-10)
    verify_grad(lambda x, y: P.batched_tensordot(x, y, axes), [av, bv], rng=rng)


def test_batched_tensordot_rejects_the_batch_axis():
    with pytest.raises(ValueError, match="batch axis 0 of input a"):
        P.batched_tensordot(T.dtensor3(), T.dtensor3(), [[0], [1]])
