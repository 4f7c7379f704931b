"""Symbolic differentiation: grad, jacobian, hessian, Rop, Lop, verify_grad, modifiers."""

import warnings

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano import Apply, function
from theano import gradient as G
from theano.graph.null_type import DisconnectedType, NullType
from theano.graph.op import Op

RNG = np.random.default_rng(1234)


def numeric_jacobian(fn, x, eps=1e-6):
    """Central differences of vector-valued ``fn`` at ``x``: shape out.shape + x.shape."""
    x = np.asarray(x, dtype="float64")
    base = np.asarray(fn(x))
    jac = np.zeros(base.shape + x.shape)
    for idx in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += eps
        minus[idx] -= eps
        jac[(..., *idx)] = (np.asarray(fn(plus)) - np.asarray(fn(minus))) / (2 * eps)
    return jac


class WrongSquare(Op):
    """``x ** 2`` with a deliberately wrong gradient (``3 x`` instead of ``2 x``)."""

    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] ** 2

    def L_op(self, inputs, outputs, output_grads):
        return [output_grads[0] * inputs[0] * 3]


class NoGrad(Op):
    """Identity whose gradient is undefined."""

    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0].copy()

    def L_op(self, inputs, outputs, output_grads):
        return [G.grad_undefined(self, 0, inputs[0], "no reason")]


# -------------------------------------------------------------------------- grad


def test_seed_grad_of_square():
    x = T.scalar("x")
    gx = T.grad(x**2, x)
    assert float(gx.eval({x: 10})) == 20.0


def test_grad_matches_hand_computed(mode):
    x = T.dvector("x")
    W = T.dmatrix("W")
    cost = T.sum(T.exp(T.dot(W, x)))
    gW, gx = T.grad(cost, [W, x])
    f = function([W, x], [gW, gx], mode=mode)
    Wv, xv = RNG.normal(size=(2, 3)), RNG.normal(size=3)
    e = np.exp(Wv @ xv)
    got_W, got_x = f(Wv, xv)
    np.testing.assert_allclose(got_W, np.outer(e, xv))
    np.testing.assert_allclose(got_x, Wv.T @ e)


def test_grad_single_and_list_and_names():
    x, y = T.dscalars("x", "y")
    cost = x * y
    cost.name = "c"
    g = T.grad(cost, x)
    assert isinstance(g, theano.Variable) and g.name == "(dc/dx)"
    gs = T.grad(cost, [x, y])
    assert isinstance(gs, list) and len(gs) == 2
    assert float(gs[0].eval({x: 2.0, y: 3.0})) == 3.0
    assert float(gs[1].eval({x: 2.0, y: 3.0})) == 2.0


def test_grad_dtype_follows_wrt():
    x = T.fvector("x")
    g = T.grad((x * 2).sum(), x)
    assert g.dtype == "float32"


def test_non_scalar_cost():
    v = T.dvector("v")
    with pytest.raises(TypeError, match=r"cost must be a scalar.*TensorType\(float64, vector\)"):
        T.grad(v * 2, v)


def test_disconnected_input():
    x, y = T.dscalars("x", "y")
    with pytest.raises(G.DisconnectedInputError, match=r"not part of the computational graph.*: y"):
        T.grad(x**2, y)
    with pytest.warns(UserWarning, match=": y"):
        g = T.grad(x**2, y, disconnected_inputs="warn")
    assert float(g.eval({y: 1.0})) == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = T.grad(x**2, [x, y], disconnected_inputs="ignore")
    assert float(g[1].eval({y: 1.0})) == 0.0
    assert T.grad(x**2, y, disconnected_inputs="ignore", return_disconnected="None") is None
    dis = T.grad(x**2, y, disconnected_inputs="ignore", return_disconnected="Disconnected")
    assert isinstance(dis.type, DisconnectedType)
    with pytest.raises(ValueError, match="disconnected_inputs must be"):
        T.grad(x**2, y, disconnected_inputs="bogus")


def test_integer_path_is_disconnected():
    x = T.dscalar("x")
    i = T.iscalar("i")
    # A gradient through an integer input does not exist: the cost uses i, yet x is fine.
    g = T.grad(x * i, x)
    assert float(g.eval({x: 1.0, i: 3})) == 3.0


def test_null_gradient():
    x = T.dscalar("x")
    with pytest.raises(G.NullTypeGradError, match="undefined"):
        T.grad(NoGrad()(x), x)
    g = T.grad(NoGrad()(x), x, null_gradients="return")
    assert isinstance(g.type, NullType)


def test_known_grads():
    v = T.dvector("v")
    h = v * 3
    g = T.grad(None, v, known_grads={h: T.ones_like(h) * 2})
    np.testing.assert_allclose(g.eval({v: np.ones(3)}), [6.0, 6.0, 6.0])
    c = (h**2).sum()
    g2 = T.grad(c, v, known_grads={c: np.float64(0.5)})
    np.testing.assert_allclose(g2.eval({v: np.array([1.0, 2.0])}), [9.0, 18.0])
    with pytest.raises(ValueError, match="cost or known_grads"):
        T.grad(None, v)


# ------------------------------------------------------------ gradient modifiers


def test_consider_constant(mode):
    x, y = T.dscalars("x", "y")
    z = x * y
    g = function([x, y], T.grad(z * x, x, consider_constant=[z]), mode=mode)
    assert g(2.0, 3.0) == 6.0  # z, not 2 x y
    g2 = function([x], T.grad(G.consider_constant(x**2) * x, x), mode=mode)
    assert g2(2.0) == 4.0


def test_zero_grad_and_disconnected_grad(mode):
    x, y = T.dscalars("x", "y")
    f = function([x], [G.zero_grad(x**2), T.grad(G.zero_grad(x**2) + x, x)], mode=mode)
    value, grad = f(3.0)
    assert value == 9.0 and grad == 1.0
    f2 = function([x, y], T.grad(G.disconnected_grad(x**2) * y + x, x), mode=mode)
    assert f2(2.0, 5.0) == 1.0
    with pytest.raises(G.DisconnectedInputError):
        T.grad(G.disconnected_grad(x**2), x)
    assert float(T.grad(G.zero_grad(x**2), x).eval({x: 3.0})) == 0.0


def test_grad_clip_and_scale(mode):
    x = T.dscalar("x")
    # d/dx 5 * clip(x) ** ... : the gradient reaching x**2 is clipped to [-1, 1].
    clip = function([x], T.grad(G.grad_clip(x**2, -1.0, 1.0) * 5, x), mode=mode)
    assert clip(2.0) == 4.0  # 5 clipped to 1, times 2 x
    clip_neg = function([x], T.grad(G.grad_clip(x**2, -0.5, 0.5) * -5, x), mode=mode)
    assert clip_neg(2.0) == -2.0
    scale = function([x], [G.grad_scale(x**2, 0.5), T.grad(G.grad_scale(x**2, 0.5), x)], mode=mode)
    value, grad = scale(2.0)
    assert value == 4.0 and grad == 2.0
    with pytest.raises(ValueError, match="upper bound"):
        G.grad_clip(x, 1.0, -1.0)


# ------------------------------------------------------------ jacobian, hessian


def test_seed_jacobian():
    A, x, b = T.dmatrix("A"), T.dvector("x"), T.dvector("b")
    y = T.dot(A, x) + b
    J = theano.gradient.jacobian(y, x)
    Av = np.array([[9.0, 8, 7], [4, 5, 6]])
    got = J.eval({A: Av, x: np.array([1.0, 2, 3]), b: np.array([4.0, 5])})
    np.testing.assert_allclose(got, Av)


def test_jacobian_sizes_known_at_call_time(mode):
    x = T.dvector("x")
    y = T.tanh(x) * x.sum()
    f = function([x], G.jacobian(y, x), mode=mode)
    for n in (0, 1, 3, 5):
        xv = RNG.normal(size=n)
        expected = numeric_jacobian(lambda v: np.tanh(v) * v.sum(), xv)
        got = f(xv)
        assert got.shape == (n, n)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)
    empty = function([x], G.jacobian(x[:0] * 2, x), mode=mode)(np.ones(3))
    assert empty.shape == (0, 3) and empty.dtype == np.float64


def test_jacobian_list_and_scalar(mode):
    x, w = T.dvector("x"), T.dvector("w")
    jx, jw = G.jacobian(x * w, [x, w])
    f = function([x, w], [jx, jw], mode=mode)
    xv, wv = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    got_x, got_w = f(xv, wv)
    np.testing.assert_allclose(got_x, np.diag(wv))
    np.testing.assert_allclose(got_w, np.diag(xv))
    s = T.dscalar("s")
    assert float(G.jacobian(s**3, s).eval({s: 2.0})) == 12.0
    with pytest.raises(TypeError, match="vector expression"):
        G.jacobian(T.dmatrix("m"), x)


def test_hessian(mode):
    x = T.dvector("x")
    cost = (x**3).sum() + x[0] * x[1]
    f = function([x], G.hessian(cost, x), mode=mode)
    xv = np.array([1.0, 2.0, -1.0])
    expected = np.diag(6 * xv)
    expected[0, 1] = expected[1, 0] = 1.0
    np.testing.assert_allclose(f(xv), expected)
    np.testing.assert_allclose(f(np.array([1.0, 2.0])), [[6.0, 1.0], [1.0, 12.0]])
    with pytest.raises(TypeError, match="cost must be a scalar"):
        G.hessian(x * 2, x)
    with pytest.raises(TypeError, match="wrt must be a vector"):
        G.hessian((T.dmatrix("m") ** 2).sum(), T.dmatrix("m2"))


# --------------------------------------------------------------------- Rop, Lop


def test_seed_rop(mode):
    W, V = T.dmatrices("W", "V")
    x = T.dvector("x")
    y = T.dot(x, W)
    f = function([W, V, x], T.Rop(y, W, V), mode=mode)
    np.testing.assert_allclose(f([[1, 1], [1, 1]], [[2, 2], [2, 2]], [0, 1]), [2.0, 2.0])


def test_rop_matches_jacobian_product(mode):
    x, v = T.dvectors("x", "v")
    W = T.dmatrix("W")

    def np_fn(xv, Wv):
        return np.exp(Wv @ xv) * xv.sum()

    y = T.exp(T.dot(W, x)) * x.sum()
    f = function([W, x, v], T.Rop(y, x, v), mode=mode)
    Wv, xv, vv = RNG.normal(size=(2, 3)), RNG.normal(size=3), RNG.normal(size=3)
    J = numeric_jacobian(lambda a: np_fn(a, Wv), xv)
    np.testing.assert_allclose(f(Wv, xv, vv), J @ vv, rtol=1e-6)


def test_lop_matches_jacobian_product(mode):
    x, u = T.dvectors("x", "u")
    W = T.dmatrix("W")
    y = T.tanh(T.dot(W, x))
    f = function([W, x, u], [T.Lop(y, x, u), T.Lop(y, W, u)], mode=mode)
    Wv, xv, uv = RNG.normal(size=(2, 3)), RNG.normal(size=3), RNG.normal(size=2)
    got_x, got_W = f(Wv, xv, uv)
    Jx = numeric_jacobian(lambda a: np.tanh(Wv @ a), xv)
    JW = numeric_jacobian(lambda a: np.tanh(a @ xv), Wv)
    np.testing.assert_allclose(got_x, uv @ Jx, rtol=1e-6)
    np.testing.assert_allclose(got_W, np.tensordot(uv, JW, axes=1), rtol=1e-6)


def test_rop_lop_errors(mode):
    x, v = T.dvectors("x", "v")
    f = function([x, v], T.Rop(x * 2, x, v), mode=mode)
    with pytest.raises(ValueError, match=r"eval point has shape \(2,\).*\(3,\)"):
        f(np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="dimensions"):
        T.Rop(x * 2, x, T.dmatrix("m"))
    with pytest.raises(G.DisconnectedInputError, match="does not depend"):
        T.Rop(T.dvector("other") * 2, x, v)
    with pytest.raises(ValueError, match="2 outputs but 1 eval points"):
        T.Lop([x, x * 2], x, [v])


# -------------------------------------------------------------------- verify_grad


def test_verify_grad_accepts_correct_gradients(mode):
    rng = np.random.default_rng(0)
    G.verify_grad(lambda a: a**2, [rng.normal(size=3)], rng=rng, mode=mode)
    G.verify_grad(
        lambda a, b: T.dot(a, b), [rng.normal(size=(2, 3)), rng.normal(size=3)], rng=rng, mode=mode
    )
    G.verify_grad(lambda a: T.tanh(a), [rng.normal(size=(2, 2)).astype("float32")], rng=rng,
                  mode=mode)  # fmt: skip


def test_verify_grad_catches_a_wrong_gradient(mode):
    rng = np.random.default_rng(0)
    with pytest.raises(G.GradientError) as err:
        G.verify_grad(WrongSquare(), [rng.normal(size=3) + 2.0], rng=rng, mode=mode)
    assert err.value.arg == 0
    assert err.value.abs_err > err.value.abs_tol
    assert "numeric gradient and analytic gradient exceed tolerance" in str(err.value)
    assert G.verify_grad.E_grad is G.GradientError


def test_numeric_grad():
    def fn(a):
        return (a**2).sum()

    g = G.numeric_grad(fn, [np.array([1.0, -2.0])])
    np.testing.assert_allclose(g[0], [2.0, -4.0], rtol=1e-6)
