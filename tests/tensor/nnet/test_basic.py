"""theano.tensor.nnet: activations, softmax and cross-entropies against NumPy/SciPy, with
gradients (verify_grad), forward derivatives (Rop), shapes and stability at logits of 1000.
"""

import numpy as np
import pytest
from scipy import special

import theano
import theano.tensor as T
from theano.graph.fg import FunctionGraph
from theano.graph.rewriting.basic import equilibrium
from theano.tensor import nnet
from theano.tensor.nnet import (
    CrossentropyCategorical1Hot,
    CrossentropySoftmaxArgmax1HotWithBias,
    LogSoftmax,
    Softmax,
    SoftmaxGrad,
    binary_crossentropy,
    categorical_crossentropy,
    crossentropy_categorical_1hot,
    crossentropy_softmax_1hot,
    logsoftmax,
    sigmoid_binary_crossentropy,
    softmax,
)
from theano.testing import check_infer_shape, grad_check

rng = np.random.default_rng(0)


def away_from(values, points, margin=0.05):
    """``values`` nudged so that none lies within ``margin`` of a kink in ``points``."""
    for p in points:
        close = np.abs(values - p) < margin
        values = np.where(close, p + np.sign(values - p + 1e-12) * margin, values)
    return values


def fd_rop(f, x, v, eps=1e-6):
    return (f(x + eps * v) - f(x - eps * v)) / (2 * eps)


# ----------------------------------------------------------------------- activations


def test_import_paths():
    assert T.nnet is nnet
    assert nnet.sigmoid is T.sigmoid and nnet.softplus is T.softplus
    from theano.tensor.nnet import nnet as old_nnet
    from theano.tensor.nnet import sigm

    assert old_nnet.softmax is softmax and sigm.hard_sigmoid is nnet.hard_sigmoid
    for name in ("relu", "elu", "selu", "softsign", "ultra_fast_sigmoid", "softmax_with_bias",
                 "crossentropy_softmax_1hot", "Softmax", "SoftmaxGrad", "LogSoftmax"):  # fmt: skip
        assert hasattr(T.nnet, name), name


ACTIVATIONS = {
    "sigmoid": (nnet.sigmoid, special.expit),
    "softplus": (nnet.softplus, lambda x: np.logaddexp(0, x)),
    "hard_sigmoid": (nnet.hard_sigmoid, lambda x: np.clip(0.2 * x + 0.5, 0, 1)),
    "softsign": (nnet.softsign, lambda x: x / (1 + np.abs(x))),
    "relu": (nnet.relu, lambda x: np.maximum(x, 0)),
    "leaky_relu": (lambda x: nnet.relu(x, 0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
    "elu": (nnet.elu, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
    "elu_half": (
        lambda x: nnet.elu(x, 0.5),
        lambda x: np.where(x > 0, x, 0.5 * np.expm1(np.minimum(x, 0))),
    ),
    "selu": (
        nnet.selu,
        lambda x: (
            nnet.SELU_SCALE * np.where(x > 0, x, nnet.SELU_ALPHA * np.expm1(np.minimum(x, 0)))
        ),
    ),
}
KINKS = {"hard_sigmoid": (-2.5, 2.5), "relu": (0,), "leaky_relu": (0,), "elu": (0,),
         "elu_half": (0,), "selu": (0,), "softsign": (0,)}  # fmt: skip


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_values(mode, name):
    fn, ref = ACTIVATIONS[name]
    x = T.dmatrix("x")
    f = theano.function([x], fn(x), mode=mode)
    xv = rng.normal(scale=4, size=(3, 5))
    xv[0, :3] = [0.0, 800.0, -800.0]
    np.testing.assert_allclose(f(xv), ref(xv), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_grads(mode, name):
    fn, _ = ACTIVATIONS[name]
    xv = away_from(rng.normal(scale=3, size=(2, 3)), KINKS.get(name, ()))
    grad_check(fn, [xv], mode=mode)


@pytest.mark.parametrize("name", ["sigmoid", "hard_sigmoid", "softsign", "relu", "elu", "selu",
                                  "ultra_fast_sigmoid"])  # fmt: skip
def test_activations_keep_float32(name):
    x = T.fvector("x")
    assert getattr(nnet, name)(x).dtype == "float32"
    assert getattr(nnet, name)(T.ivector()).dtype.startswith("float")


def test_relu_gradient_at_zero_is_half_as_in_theano():
    x = T.dvector("x")
    g = theano.function([x], T.grad(T.sum(nnet.relu(x)), x))
    np.testing.assert_allclose(g(np.array([-1.0, 0.0, 2.0])), [0.0, 0.5, 1.0])


def test_relu_with_tensor_alpha(mode):
    x, a = T.dvector("x"), T.dscalar("a")
    f = theano.function([x, a], nnet.relu(x, a), mode=mode)
    xv = rng.normal(size=6)
    np.testing.assert_allclose(f(xv, 0.3), np.where(xv > 0, xv, 0.3 * xv))
    grad_check(lambda a: nnet.relu(T.constant(away_from(xv, (0,))), a), [np.array(0.2)], mode=mode)


def test_elu_has_no_overflow_in_gradient():
    x = T.dvector("x")
    g = theano.function([x], T.grad(T.sum(nnet.elu(x)), x))
    np.testing.assert_allclose(g(np.array([1000.0, -1000.0, -1.0])), [1.0, 0.0, np.exp(-1)])


def test_ultra_fast_sigmoid(mode):
    x = T.dvector("x")
    y = nnet.ultra_fast_sigmoid(x)
    f = theano.function([x], [y, T.grad(T.sum(y), x)], mode=mode)
    xv = np.concatenate([np.linspace(-10, 10, 201), [-1e4, 1e4]])
    val, grad = f(xv)
    assert np.max(np.abs(val - special.expit(xv))) < 0.03
    # Theano's tanh(x / 2) pieces: 1.5h / (1 + h) below h = 1.7, a line up to 3, then flat.
    np.testing.assert_allclose(val[[120, 70, 140]], [0.875, 0.5 * (1 - 1.5 * 1.5 / 2.5), 0.5 * (
        1.935409070603099 + 0.0458812946797165 * 0.3)])  # fmt: skip
    np.testing.assert_allclose([val.min(), val.max()], [0.0024726231566, 0.9975273768434])
    np.testing.assert_allclose(val[100], 0.5)
    # The gradient is the sigmoid's, y * (1 - y), of the approximated value (as in Theano).
    np.testing.assert_allclose(grad, val * (1 - val))
    fused = theano.function([x], nnet.ultra_fast_sigmoid(x * 2) + 1, mode=mode)
    np.testing.assert_allclose(fused(xv), f(xv * 2)[0] + 1)


# ------------------------------------------------------------------------------ softmax


@pytest.mark.parametrize(
    ("shape", "axis"), [((5,), -1), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1), ((2, 3), None)]
)
def test_softmax_and_logsoftmax_values(mode, shape, axis):
    x = T.tensor("float64", (False,) * len(shape), "x")
    f = theano.function([x], [softmax(x, axis=axis), logsoftmax(x, axis=axis)], mode=mode)
    xv = rng.normal(scale=3, size=shape)
    sm, lsm = f(xv)
    assert sm.shape == lsm.shape == shape
    np.testing.assert_allclose(sm, special.softmax(xv, axis=axis), rtol=1e-12)
    np.testing.assert_allclose(lsm, special.log_softmax(xv, axis=axis), rtol=1e-12)


def test_softmax_types_and_errors():
    assert softmax(T.fmatrix()).dtype == "float32"
    assert logsoftmax(T.fmatrix()).dtype == "float32"
    assert softmax(T.imatrix()).dtype == "float64"
    assert str(softmax(T.dmatrix()).owner.op) == "Softmax"
    assert str(softmax(T.dmatrix(), axis=0).owner.op) == "Softmax{axis=0}"
    with pytest.raises(ValueError, match="at least 1 dimension"):
        softmax(T.dscalar())
    with pytest.raises(ValueError, match="out of range"):
        softmax(T.dmatrix(), axis=2)
    with pytest.raises(TypeError, match="real"):
        softmax(T.tensor("complex128", (False,)))


def test_softmax_float32(mode):
    x = T.fmatrix("x")
    f = theano.function([x], [softmax(x), logsoftmax(x)], mode=mode)
    xv = rng.normal(size=(3, 4)).astype("float32")
    sm, lsm = f(xv)
    assert sm.dtype == lsm.dtype == np.float32
    np.testing.assert_allclose(sm, special.softmax(xv, axis=-1), rtol=1e-5)


@pytest.mark.parametrize("axis", [-1, 0, None])
def test_softmax_grads(mode, axis):
    xv = rng.normal(size=(3, 4))
    grad_check(lambda x: softmax(x, axis=axis), [xv], mode=mode)
    grad_check(lambda x: logsoftmax(x, axis=axis), [xv], mode=mode)


def test_softmax_grad_op_grads(mode):
    # SoftmaxGrad's own gradient (used for second derivatives), on both inputs.
    dy, sm = rng.normal(size=(3, 4)), special.softmax(rng.normal(size=(3, 4)), axis=1)
    grad_check(lambda a, b: SoftmaxGrad()(a, b), [dy, sm], mode=mode)
    grad_check(lambda a, b: SoftmaxGrad(0)(a, b), [dy, sm], mode=mode)


def test_softmax_second_derivative(mode):
    w = rng.normal(size=(2, 3))
    grad_check(
        lambda x: T.grad(T.sum(softmax(x) ** 2 * w), x), [rng.normal(size=(2, 3))], mode=mode
    )


def test_softmax_with_bias(mode):
    x, b = T.dmatrix("x"), T.dvector("b")
    f = theano.function([x, b], nnet.softmax_with_bias(x, b), mode=mode)
    xv, bv = rng.normal(size=(3, 4)), rng.normal(size=4)
    np.testing.assert_allclose(f(xv, bv), special.softmax(xv + bv, axis=1), rtol=1e-12)
    grad_check(nnet.softmax_with_bias, [xv, bv], mode=mode)


ROP_CASES = {
    "softmax": lambda x: softmax(x),
    "softmax_axis0": lambda x: softmax(x, axis=0),
    "logsoftmax": lambda x: logsoftmax(x),
    "softmax_with_bias": lambda x: nnet.softmax_with_bias(x, x[0] * 2),
    "softmax_grad": lambda x: SoftmaxGrad()(x * x, softmax(x)),
    "crossentropy_softmax_1hot": lambda x: crossentropy_softmax_1hot(x, [1, 0, 3])[0],
    "crossentropy_softmax_1hot_sm": lambda x: crossentropy_softmax_1hot(x, [1, 0, 3])[1],
    "crossentropy_categorical_1hot": lambda x: crossentropy_categorical_1hot(
        T.exp(x), np.array([1, 0, 3], dtype="int32")
    ),
    "dx": lambda x: T.grad(T.sum(crossentropy_softmax_1hot(x, [1, 0, 3])[0] * x[:, 0] ** 2), x),
}


@pytest.mark.parametrize("name", sorted(ROP_CASES))
def test_rop_against_finite_differences(mode, name):
    x, v = T.dmatrix("x"), T.dmatrix("v")
    y = ROP_CASES[name](x)
    f = theano.function([x], y, mode=mode)
    r = theano.function([x, v], T.Rop(y, x, v), mode=mode)
    xv, vv = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    np.testing.assert_allclose(r(xv, vv), fd_rop(f, xv, vv), rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------- cross-entropies


def _nll(p, y):
    return -np.log(p[np.arange(len(y)), y])


def test_categorical_crossentropy(mode):
    p, t, y = T.dmatrix("p"), T.dmatrix("t"), T.ivector("y")
    f = theano.function(
        [p, t, y],
        [
            categorical_crossentropy(p, t),
            categorical_crossentropy(p, y),
            crossentropy_categorical_1hot(p, y),
        ],  # fmt: skip
        mode=mode,
    )
    pv = special.softmax(rng.normal(size=(4, 5)), axis=1)
    yv = np.array([0, 4, 2, 2], dtype="int32")
    tv = np.eye(5)[yv]
    soft = rng.dirichlet(np.ones(5), size=4)
    dense, sparse, op = f(pv, tv, yv)
    np.testing.assert_allclose(dense, _nll(pv, yv), rtol=1e-12)
    np.testing.assert_allclose(sparse, _nll(pv, yv), rtol=1e-12)
    np.testing.assert_allclose(op, _nll(pv, yv), rtol=1e-12)
    np.testing.assert_allclose(f(pv, soft, yv)[0], -np.sum(soft * np.log(pv), axis=1))
    assert isinstance(categorical_crossentropy(p, y).owner.op, CrossentropyCategorical1Hot)
    with pytest.raises(TypeError, match="rank mismatch"):
        categorical_crossentropy(p, T.dscalar())
    with pytest.raises(ValueError, match="out of range"):
        f(pv, tv, np.array([0, 5, 1, 1], dtype="int32"))
    with pytest.raises(ValueError, match="class indices"):
        f(pv, tv, np.array([0, 1], dtype="int32"))


def test_crossentropy_grads(mode):
    pv = rng.uniform(0.2, 1.0, size=(3, 4))
    yv = np.array([1, 3, 0], dtype="int32")
    tv = rng.dirichlet(np.ones(4), size=3)
    grad_check(lambda p: crossentropy_categorical_1hot(p, yv), [pv], mode=mode)
    grad_check(lambda p: categorical_crossentropy(p, T.constant(tv)), [pv], mode=mode)
    # Second derivatives go through CrossentropyCategorical1HotGrad's own gradient.
    grad_check(
        lambda p: T.grad(T.sum(crossentropy_categorical_1hot(p, yv) ** 2), p), [pv], mode=mode
    )
    grad_op = nnet.crossentropy_categorical_1hot_grad
    grad_check(lambda g, p: grad_op(g, p, yv), [rng.normal(size=3), pv], mode=mode)


def test_crossentropy_softmax_1hot(mode):
    x, b, y = T.dmatrix("x"), T.dvector("b"), T.ivector("y")
    nll, sm = crossentropy_softmax_1hot(x, y)
    nll_b, sm_b = nnet.crossentropy_softmax_1hot_with_bias(x, b, y)
    am = nnet.crossentropy_softmax_argmax_1hot_with_bias(x, b, y)[2]
    f = theano.function([x, b, y], [nll, sm, nll_b, sm_b, am], mode=mode)
    xv, bv = rng.normal(size=(4, 5)), rng.normal(size=5)
    yv = np.array([0, 4, 2, 2], dtype="int32")
    nv, smv, nbv, smbv, amv = f(xv, bv, yv)
    np.testing.assert_allclose(smv, special.softmax(xv, axis=1), rtol=1e-12)
    np.testing.assert_allclose(nv, _nll(smv, yv), rtol=1e-12)
    np.testing.assert_allclose(smbv, special.softmax(xv + bv, axis=1), rtol=1e-12)
    np.testing.assert_allclose(nbv, _nll(smbv, yv), rtol=1e-12)
    np.testing.assert_array_equal(amv, np.argmax(xv + bv, axis=1))
    assert amv.dtype == np.int32


def test_crossentropy_softmax_grads(mode):
    xv, bv = rng.normal(size=(3, 4)), rng.normal(size=4)
    yv = np.array([1, 3, 0], dtype="int32")
    grad_check(lambda x: crossentropy_softmax_1hot(x, yv)[0], [xv], mode=mode)
    grad_check(lambda x: crossentropy_softmax_1hot(x, yv)[1], [xv], mode=mode)
    for k in (0, 1):
        grad_check(
            lambda x, b, k=k: nnet.crossentropy_softmax_1hot_with_bias(x, b, yv)[k],
            [xv, bv],
            mode=mode,
        )
    grad_check(lambda x: categorical_crossentropy(softmax(x), yv), [xv], mode=mode)
    grad_check(
        lambda x: categorical_crossentropy(softmax(x), T.constant(np.eye(4)[yv])), [xv], mode=mode
    )
    # Second derivatives: through CrossentropySoftmax1HotWithBiasDx's own gradient.
    grad_check(
        lambda x: T.grad(T.sum(crossentropy_softmax_1hot(x, yv)[0] * x[:, 0] ** 2), x),
        [xv],
        mode=mode,
    )
    dx = nnet.crossentropy_softmax_1hot_with_bias_dx
    sm = special.softmax(xv, axis=1)
    grad_check(lambda dy, s: dx(dy, s, yv), [rng.normal(size=3), sm], mode=mode)


def test_binary_crossentropies(mode):
    o, t, z = T.dmatrix("o"), T.dmatrix("t"), T.dmatrix("z")
    f = theano.function(
        [o, t, z], [binary_crossentropy(o, t), sigmoid_binary_crossentropy(z, t)], mode=mode
    )
    ov, tv = rng.uniform(0.05, 0.95, size=(3, 4)), rng.uniform(size=(3, 4))
    zv = rng.normal(scale=3, size=(3, 4))
    bce, sbce = f(ov, tv, zv)
    np.testing.assert_allclose(bce, -(tv * np.log(ov) + (1 - tv) * np.log(1 - ov)))
    p = special.expit(zv)
    np.testing.assert_allclose(sbce, -(tv * np.log(p) + (1 - tv) * np.log(1 - p)), rtol=1e-10)
    grad_check(lambda o, t: binary_crossentropy(o, t), [ov, tv], mode=mode)
    grad_check(lambda z, t: sigmoid_binary_crossentropy(z, t), [away_from(zv, (0,)), tv], mode=mode)


# -------------------------------------------------------------------------- stability


LOGITS = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0], [0.5, 1.0, -0.5]])
Y = np.array([1, 2, 0], dtype="int32")


def _ref_nll(x, y):
    return -special.log_softmax(x, axis=1)[np.arange(len(y)), y]


def test_softmax_family_is_stable_for_huge_logits(mode):
    x = T.dmatrix("x")
    f = theano.function([x], [softmax(x), logsoftmax(x), softmax(x, axis=0)], mode=mode)
    sm, lsm, sm0 = f(LOGITS)
    assert np.all(np.isfinite(sm)) and np.all(np.isfinite(lsm)) and np.all(np.isfinite(sm0))
    np.testing.assert_allclose(sm, special.softmax(LOGITS, axis=1), atol=1e-300)
    np.testing.assert_allclose(lsm[0], [0.0, -2000.0, -1000.0])
    np.testing.assert_allclose(lsm, special.log_softmax(LOGITS, axis=1))
    g = theano.function([x], T.grad(T.sum(logsoftmax(x)[:, 1]), x), mode=mode)(LOGITS)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, np.eye(3)[[1, 1, 1]] - special.softmax(LOGITS, axis=1),
                               atol=1e-12)  # fmt: skip


def test_crossentropies_are_stable_for_huge_logits(mode):
    x, y, t = T.dmatrix("x"), T.ivector("y"), T.dmatrix("t")
    losses = [
        crossentropy_softmax_1hot(x, y)[0],
        categorical_crossentropy(softmax(x), y),
        categorical_crossentropy(softmax(x), t),
        crossentropy_categorical_1hot(softmax(x), y),
    ]
    f = theano.function([x, y, t], losses, mode=mode)
    grads = theano.function([x, y, t], [T.grad(T.sum(loss), x) for loss in losses], mode=mode,
                            on_unused_input="ignore")  # fmt: skip
    ref = _ref_nll(LOGITS, Y)
    ref_grad = special.softmax(LOGITS, axis=1) - np.eye(3)[Y]
    for out in f(LOGITS, Y, np.eye(3)[Y]):
        np.testing.assert_allclose(out, ref)
    assert ref[0] == 2000.0
    for g in grads(LOGITS, Y, np.eye(3)[Y]):
        np.testing.assert_allclose(g, ref_grad, atol=1e-12)


def test_binary_crossentropy_is_stable_for_huge_logits(mode):
    z, t = T.dvector("z"), T.dvector("t")
    zv, tv = np.array([1000.0, -1000.0, 1000.0, -1000.0, 0.0]), np.array([0, 1, 1, 0, 0.3])
    losses = [sigmoid_binary_crossentropy(z, t), binary_crossentropy(nnet.sigmoid(z), t)]
    f = theano.function([z, t], losses + [T.grad(T.sum(loss), z) for loss in losses], mode=mode)
    out = f(zv, tv)
    ref = np.logaddexp(0, zv) - tv * zv
    for loss in out[:2]:
        np.testing.assert_allclose(loss, ref)
    for g in out[2:]:
        np.testing.assert_allclose(g, special.expit(zv) - tv)


def test_log_softmax_rewrites():
    from theano.tensor.nnet.rewriting import STABILIZE

    x = T.dmatrix("x")
    out = T.log(softmax(x))
    g = T.grad(T.sum(out[:, 1]), x)
    fg = FunctionGraph([x], [out, g])
    equilibrium(fg, STABILIZE)
    ops = {type(n.op) for n in fg.apply_nodes}
    assert LogSoftmax in ops and SoftmaxGrad not in ops
    f = theano.function(fg.inputs, fg.outputs, mode="FAST_COMPILE")
    lsm, gv = f(LOGITS)
    np.testing.assert_allclose(lsm, special.log_softmax(LOGITS, axis=1))
    np.testing.assert_allclose(gv, np.eye(3)[[1, 1, 1]] - special.softmax(LOGITS, axis=1),
                               atol=1e-12)  # fmt: skip


# ------------------------------------------------------------------------ infer_shape


def test_infer_shape():
    x, b, p = T.dmatrix("x"), T.dvector("b"), T.dmatrix("p")
    y, g = T.ivector("y"), T.dvector("g")
    t3 = T.tensor("float64", (False,) * 3, "t3")
    xv, bv, pv = rng.normal(size=(3, 4)), rng.normal(size=4), rng.uniform(0.1, 1, (3, 4))
    yv, gv = np.array([0, 3, 1], dtype="int32"), rng.normal(size=3)
    t3v = rng.normal(size=(2, 3, 4))
    nll_sm_am = CrossentropySoftmaxArgmax1HotWithBias()(x, b, y)
    cases = [
        (Softmax()(x), [x], [xv]),
        (Softmax(1)(t3), [t3], [t3v]),
        (LogSoftmax(None)(t3), [t3], [t3v]),
        (SoftmaxGrad()(p, x), [p, x], [pv, xv]),
        (nnet.softmax_with_bias(x, b), [x, b], [xv, bv]),
        (CrossentropyCategorical1Hot()(p, y), [p, y], [pv, yv]),
        (nnet.crossentropy_categorical_1hot_grad(g, p, y), [g, p, y], [gv, pv, yv]),
        (nnet.crossentropy_softmax_1hot_with_bias_dx(g, p, y), [g, p, y], [gv, pv, yv]),
        (nnet.to_one_hot(y, 5), [y], [yv]),
        *[(o, [x, b, y], [xv, bv, yv]) for o in nll_sm_am],
    ]
    for out, inputs, values in cases:
        check_infer_shape(out, inputs, values)


def test_to_one_hot(mode):
    y = T.ivector("y")
    f = theano.function([y], nnet.to_one_hot(y, 4, dtype="int8"), mode=mode)
    out = f(np.array([3, 0, 1], dtype="int32"))
    np.testing.assert_array_equal(out, np.eye(4, dtype="int8")[[3, 0, 1]])
    assert out.dtype == np.int8
