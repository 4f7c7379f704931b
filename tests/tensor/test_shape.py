"""Shape ops: `Shape`, `Shape_i`, `Reshape`, `flatten`, `Alloc` and `MakeVector`.

Compiled results are compared with NumPy under both modes; differentiable ops get a
`verify_grad` check and an R_op check (finite differences); every op's `infer_shape`
is compiled and compared with the real output shape.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import theano
import theano.tensor as T
from theano.tensor.shape import Alloc, MakeVector, Reshape, Shape, Shape_i
from theano.testing import check_infer_shape, check_rop, grad_check, tensor

RNG = np.random.default_rng(0)


# ---------------------------------------------------------------------- Shape, Shape_i


def test_shape_and_shape_i(mode):
    x = T.dtensor3("x")
    s = x.shape
    assert isinstance(s.owner.op, Shape) and s.dtype == "int64" and s.broadcastable == (False,)
    parts = [T.shape_i(x, d) for d in range(3)]
    assert all(isinstance(p.owner.op, Shape_i) and p.ndim == 0 for p in parts)
    assert str(parts[1].owner.op) == "Shape_i{1}"
    f = theano.function([x], [s, *parts, s[0], s[-1], x.size], mode=mode)
    a = np.zeros((2, 3, 4))
    shp, d0, d1, d2, first, last, size = f(a)
    np.testing.assert_array_equal(shp, [2, 3, 4])
    assert shp.dtype == np.int64
    assert (d0, d1, d2, first, last, size) == (2, 3, 4, 2, 4, 24)
    check_infer_shape(s, [x], [a], mode, known_dims=True)
    check_infer_shape(parts[0], [x], [a], mode, known_dims=True)


def test_shape_of_scalar_and_empty(mode):
    s, e = T.dscalar("s"), T.dmatrix("e")
    f = theano.function([s, e], [s.shape, e.shape], mode=mode)
    ss, es = f(1.0, np.zeros((0, 5)))
    assert ss.shape == (0,) and ss.dtype == np.int64
    np.testing.assert_array_equal(es, [0, 5])


def test_shape_i_of_broadcastable_or_constant_is_constant():
    r = T.drow("r")
    one = T.shape_i(r, 0)
    assert isinstance(one, T.TensorConstant) and int(one.data) == 1
    c = T.constant(np.zeros((2, 5)))
    assert int(T.shape_i(c, 1).data) == 5
    with pytest.raises(ValueError, match="dimensions"):
        Shape_i(2)(T.dmatrix())


def test_shape_is_not_differentiable(mode):
    x = T.dmatrix("x")
    cost = x.shape.sum() * 1.0 + x.sum()
    g = theano.function([x], theano.grad(cost, x), mode=mode)
    np.testing.assert_array_equal(g(np.zeros((2, 3))), np.ones((2, 3)))
    assert T.Rop(x.shape * 1.0 + x.sum(), x, T.dmatrix("v")) is not None


# ---------------------------------------------------------------------------- Reshape

RESHAPES = [
    ((3, 4), (12,)),
    ((3, 4), (4, 3)),
    ((3, 4), (2, -1)),
    ((3, 4), (-1, 2, 2)),
    ((2, 3, 4), (6, 4)),
    ((2, 3, 4), (1, 24)),
    ((12,), (3, 1, 4)),
    ((1, 1), ()),
]


@pytest.mark.parametrize("in_shape, new_shape", RESHAPES, ids=str)
def test_reshape_constant_shape(mode, in_shape, new_shape):
    x = tensor("float64", len(in_shape), "x")
    out = x.reshape(new_shape)
    assert isinstance(out.owner.op, Reshape) and out.ndim == len(new_shape)
    # Dimensions known to be 1 become broadcastable.
    assert out.broadcastable == tuple(n == 1 for n in new_shape)
    a = RNG.normal(size=in_shape)
    got = theano.function([x], out, mode=mode)(a)
    np.testing.assert_array_equal(got, a.reshape(new_shape))
    check_infer_shape(out, [x], [a], mode, known_dims=True)
    grad_check(lambda v: v.reshape(new_shape) * 2, [a], mode)
    check_rop(lambda v: T.reshape(v, new_shape), [a], mode)


def test_reshape_symbolic_shape(mode):
    x = T.dmatrix("x")
    n, m = T.lscalars("n", "m")
    out = x.reshape((n, m))
    assert out.broadcastable == (False, False)
    assert isinstance(out.owner.inputs[1].owner.op, MakeVector)
    a = RNG.normal(size=(3, 4))
    f = theano.function([x, n, m], out, mode=mode)
    np.testing.assert_array_equal(f(a, 2, 6), a.reshape(2, 6))
    np.testing.assert_array_equal(f(a, 6, -1), a.reshape(6, -1))
    check_infer_shape(out, [x, n, m], [a, -1, 3], mode, known_dims=True)
    # A constant 1 among symbolic entries still makes a broadcastable dimension.
    col = x.reshape((n, 1))
    assert col.broadcastable == (False, True)
    np.testing.assert_array_equal(theano.function([x, n], col, mode=mode)(a, 12),
                                  a.reshape(12, 1))  # fmt: skip
    with pytest.raises(ValueError, match="cannot reshape"):
        f(a, 5, 5)


def test_reshape_with_shape_vector(mode):
    x, y = T.dmatrix("x"), T.dtensor3("y")
    out = x.reshape(y.shape, ndim=3)
    a, b = RNG.normal(size=(2, 6)), np.zeros((3, 2, 2))
    got = theano.function([x, y], out, mode=mode)(a, b)
    np.testing.assert_array_equal(got, a.reshape(3, 2, 2))
    check_infer_shape(out, [x, y], [a, b], mode, known_dims=True)
    v = T.lvector("v")
    with pytest.raises(ValueError, match="ndim"):
        x.reshape(v)
    with pytest.raises(TypeError, match="vector"):
        x.reshape(T.lmatrix(), ndim=2)


def test_reshape_method_forms(mode):
    x = T.dvector("x")
    a = np.arange(6.0)
    f = theano.function([x], [x.reshape(2, 3), x.reshape([3, 2]), T.reshape(x, (1, -1))],
                        mode=mode)  # fmt: skip
    for got, want in zip(f(a), [a.reshape(2, 3), a.reshape(3, 2), a.reshape(1, -1)]):
        np.testing.assert_array_equal(got, want)


def test_reshape_str():
    assert str(T.dvector().reshape((2, 3)).owner.op) == "Reshape{2}"


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(dims=st.lists(st.integers(1, 4), min_size=1, max_size=4), data=st.data())
def test_property_reshape_matches_numpy(mode, dims, data):
    """Any factorization of the size (with an optional -1) reshapes as NumPy does."""
    a = np.arange(float(np.prod(dims))).reshape(dims)
    new = data.draw(st.permutations(dims))
    new = list(new)
    if data.draw(st.booleans()):
        new[data.draw(st.integers(0, len(new) - 1))] = -1
    x = tensor("float64", np.ndim(a), "x")
    out = x.reshape(tuple(new))
    f = theano.function([x], [out, out.shape], mode=mode)
    got, shp = f(a)
    np.testing.assert_array_equal(got, a.reshape(new))
    np.testing.assert_array_equal(shp, a.reshape(new).shape)


# ---------------------------------------------------------------------------- flatten


@pytest.mark.parametrize("outdim", [1, 2, 3])
def test_flatten(mode, outdim):
    x = T.dtensor3("x")
    out = T.flatten(x, outdim)
    assert out.ndim == outdim
    a = RNG.normal(size=(2, 3, 4))
    want = a.reshape(a.shape[: outdim - 1] + (-1,))
    f = theano.function([x], [out, x.flatten(outdim)], mode=mode)
    for got in f(a):
        np.testing.assert_array_equal(got, want)
    if outdim < 3:
        check_infer_shape(out, [x], [a], mode, known_dims=True)
    grad_check(lambda v: T.flatten(v, outdim) ** 2, [a], mode)
    check_rop(lambda v: T.flatten(v, outdim), [a], mode)


def test_flatten_errors_and_defaults():
    x = T.dmatrix("x")
    assert x.flatten().ndim == 1
    assert T.flatten(x, ndim=2) is x
    with pytest.raises(ValueError, match="outdim"):
        T.flatten(x, 3)
    with pytest.raises(ValueError, match="outdim"):
        T.flatten(x, 0)


# ------------------------------------------------------------------------------ Alloc


def test_alloc_values_types_and_shapes(mode):
    v, n = T.dscalar("v"), T.lscalar("n")
    out = T.alloc(v, n, 3)
    assert isinstance(out.owner.op, Alloc)
    assert out.broadcastable == (False, False) and out.dtype == "float64"
    f = theano.function([v, n], out, mode=mode)
    got = f(2.5, 4)
    np.testing.assert_array_equal(got, np.full((4, 3), 2.5))
    check_infer_shape(out, [v, n], [2.5, 4], mode, known_dims=True)
    assert T.alloc(v, 1, 3).broadcastable == (True, False)
    assert T.alloc(v, T.constant(1), n).broadcastable == (True, False)
    assert T.alloc(T.fscalar(), 2).dtype == "float32"


def test_alloc_of_zero_constants_keeps_the_sign_of_zero(mode):
    """Zeros come from np.zeros (calloc) only when every bit is zero: -0.0 is not."""
    n = T.lscalar("n")
    outs = [T.alloc(np.float64(0.0), n, 2), T.alloc(np.float64(-0.0), n), T.alloc(np.int8(0), n),
            T.alloc(np.array(False), n), T.alloc(np.float32(7), n)]  # fmt: skip
    got = theano.function([n], outs, mode=mode)(3)
    np.testing.assert_array_equal(got[0], np.zeros((3, 2)))
    assert np.signbit(got[1]).all() and (got[1] == 0).all()
    assert got[2].dtype == "int8" and not got[2].any() and got[3].dtype == "bool"
    np.testing.assert_array_equal(got[4], np.full(3, 7, "float32"))


def test_alloc_broadcasts_a_vector_value(mode):
    r, n = T.dvector("r"), T.lscalar("n")
    out = T.alloc(r, n, 3)
    a = RNG.normal(size=3)
    got = theano.function([r, n], out, mode=mode)(a, 2)
    np.testing.assert_array_equal(got, np.broadcast_to(a, (2, 3)))
    check_infer_shape(out, [r, n], [a, 2], mode, known_dims=True)
    with pytest.raises(TypeError, match="dimensions"):
        T.alloc(T.dmatrix(), 3)
    with pytest.raises(TypeError, match="scalar"):
        T.alloc(1.0, T.lvector())


def test_alloc_gradient(mode):
    grad_check(lambda s: T.alloc(s, 2, 3) * 1.5, [np.array(0.7)], mode)
    grad_check(lambda v: T.alloc(v, 2, 3) ** 2, [RNG.normal(size=3)], mode)
    grad_check(lambda c: T.alloc(T.addbroadcast(c, 1), 2, 4, 3) ** 2, [RNG.normal(size=(4, 1))],
               mode)  # fmt: skip
    check_rop(lambda v: T.alloc(v, 2, 3), [RNG.normal(size=3)], mode)


# ------------------------------------------------------------------------- MakeVector


def test_make_vector(mode):
    a, b = T.lscalars("a", "b")
    out = MakeVector("int64")(a, b, 7)
    assert out.dtype == "int64" and out.broadcastable == (False,)
    f = theano.function([a, b], out, mode=mode)
    got = f(3, 4)
    np.testing.assert_array_equal(got, [3, 4, 7])
    assert got.dtype == np.int64
    check_infer_shape(out, [a, b], [3, 4], mode, known_dims=True)
    with pytest.raises(TypeError, match="scalar"):
        MakeVector("int64")(a, T.lvector())


def test_make_vector_float_gradient(mode):
    mv = MakeVector("float64")
    grad_check(lambda p, q: mv(p, q, p * q) ** 2, [np.array(0.3), np.array(-1.2)], mode)
    check_rop(lambda p, q: mv(p, q * 2), [np.array(0.3), np.array(-1.2)], mode)
