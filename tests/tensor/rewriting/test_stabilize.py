"""The ``stabilize`` phase: unstable expressions become stable ones under FAST_RUN.

Each stability test computes the reference by hand with NumPy in a stable way, checks
FAST_RUN against it (values and gradients finite), and checks that FAST_COMPILE, which
runs no rewrite, gives inf/nan (or a value rounded to 0) there: the rewrite is what
fixes it. Structure tests look for the stable op in the rewritten graph; value tests
compare both modes on moderate inputs.
"""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.gradient import verify_grad
from theano.graph.fg import FunctionGraph
from theano.graph.rewriting.basic import equilibrium
from theano.tensor.elemwise import Max
from theano.tensor.nnet import (
    CrossentropySoftmax1HotWithBiasDx,
    CrossentropySoftmaxArgmax1HotWithBias,
    LogSoftmax,
    Softmax,
    binary_crossentropy,
    categorical_crossentropy,
    crossentropy_categorical_1hot,
    softmax,
    softmax_graph,
)
from theano.tensor.rewriting.stabilize import STABILIZE
from theano.tensor.subtensor import AdvancedIncSubtensor

rng = np.random.default_rng(7)

LOGITS = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0], [0.5, 1.0, -0.5]])
Y = np.array([1, 2, 0], dtype="int64")


def run(inputs, outputs, mode, *values):
    f = theano.function(inputs, outputs, mode=mode, on_unused_input="ignore")
    with np.errstate(all="ignore"):
        return f(*values)


def stabilized(inputs, outputs):
    """The graph after the stabilize phase alone (a FunctionGraph)."""
    fg = FunctionGraph(inputs, outputs)
    equilibrium(fg, STABILIZE)
    return fg


def op_types(fn_or_fg):
    fg = getattr(fn_or_fg, "maker", None)
    fg = fg.fgraph if fg is not None else fn_or_fg
    return {type(n.op) for n in fg.apply_nodes}


def scalar_names(fg):
    return {str(getattr(n.op, "scalar_op", "")) for n in fg.apply_nodes}


# ---------------------------------------------------------- NumPy stable references


def np_sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def np_softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def np_logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def np_softmax(x, axis=-1):
    return np.exp(x - np_logsumexp(x, axis=axis, keepdims=True))


def np_nll(x, y):
    return np_logsumexp(x, axis=1) - x[np.arange(len(y)), y]


# ------------------------------------------------------------ log(1 + exp(x)) and log1p


@pytest.mark.parametrize("dtype, big", [("float64", 800.0), ("float32", 100.0)])
def test_log1p_exp_is_softplus_at_extremes(dtype, big):
    x = T.vector("x", dtype=dtype)
    out = T.log(1 + T.exp(x))
    g = T.grad(T.sum(out), x)
    xv = np.array([-big, big, 0.0, 3.0], dtype=dtype)
    value, grad = run([x], [out, g], "FAST_RUN", xv)
    assert value.dtype == dtype and grad.dtype == dtype
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(value, np_softplus(xv.astype("float64")), rtol=1e-6, atol=1e-40)
    np.testing.assert_allclose(grad, np_sigmoid(xv.astype("float64")), rtol=1e-6, atol=1e-40)
    bad_value, bad_grad = run([x], [out, g], "FAST_COMPILE", xv)
    assert np.isinf(bad_value[1]) and np.isnan(bad_grad[1])


def test_log1p_keeps_tiny_values():
    x = T.dvector("x")
    out = T.log(1 + x)
    xv = np.array([1e-20, -1e-20])
    np.testing.assert_array_equal(run([x], out, "FAST_RUN", xv), xv)
    np.testing.assert_array_equal(run([x], out, "FAST_COMPILE", xv), [0.0, 0.0])
    g = run([x], T.grad(T.sum(out), x), "FAST_RUN", xv)
    np.testing.assert_allclose(g, [1.0, 1.0])


def test_log1p_exp_structure():
    x = T.dvector("x")
    fg = stabilized([x], [T.log(1 + T.exp(x)), T.log(1 + x)])
    names = scalar_names(fg)
    assert {"softplus", "log1p"} <= names and "log" not in names and "exp" not in names


# ------------------------------------------------------------------- log(sigmoid(x))


def test_log_sigmoid_at_minus_800():
    x = T.dvector("x")
    outs = [T.log(T.sigmoid(x)), T.log(1 - T.sigmoid(x))]
    grads = [T.grad(T.sum(o), x) for o in outs]
    xv = np.array([-800.0, 800.0, -2.0, 0.5])
    a, b, ga, gb = run([x], outs + grads, "FAST_RUN", xv)
    np.testing.assert_allclose(a, -np_softplus(-xv))
    np.testing.assert_allclose(b, -np_softplus(xv))
    np.testing.assert_allclose(ga, 1 - np_sigmoid(xv))
    np.testing.assert_allclose(gb, -np_sigmoid(xv))
    a, b, ga, gb = run([x], outs + grads, "FAST_COMPILE", xv)
    assert np.isneginf(a[0]) and np.isneginf(b[1])
    assert np.isnan(ga[0]) and np.isnan(gb[1])


def test_sigmoid_derivative_form_is_left_alone():
    x = T.dvector("x")
    out = T.sigmoid(x) * (1 - T.sigmoid(x))
    fg = stabilized([x], [out])
    assert "sigmoid" in scalar_names(fg) and "softplus" not in scalar_names(fg)
    xv = np.array([-30.0, 0.0, 2.0])
    np.testing.assert_allclose(run([x], out, "FAST_RUN", xv), np_sigmoid(xv) * np_sigmoid(-xv))


# ------------------------------------------------------------------------- log1mexp


def test_log_one_minus_exp_is_accurate():
    x = T.dvector("x")
    out = T.log(1 - T.exp(x))
    xv = np.array([-1e-20, -1e-5, -1.0, -40.0])
    ref = np.array([np.log(1e-20), np.log(-np.expm1(-1e-5)), np.log(-np.expm1(-1.0)),
                    -np.exp(-40.0) - np.exp(-80.0) / 2])  # fmt: skip
    np.testing.assert_allclose(run([x], out, "FAST_RUN", xv), ref, rtol=1e-12)
    bad = run([x], out, "FAST_COMPILE", xv)
    assert np.isneginf(bad[0]) and bad[3] == 0.0


def test_log_one_minus_exp_values(mode):
    x = T.dvector("x")
    xv = -rng.uniform(0.1, 5, size=6)
    np.testing.assert_allclose(run([x], T.log(1 - T.exp(x)), mode, xv), np.log1p(-np.exp(xv)))
    verify_grad(lambda v: T.log(1 - T.exp(v)), [xv], mode=mode)


# ------------------------------------------------------------------------ logsumexp


@pytest.mark.parametrize(
    "axis, keepdims", [(1, False), (1, True), (0, False), (None, False), (None, True)]
)
def test_logsumexp_at_1000(axis, keepdims):
    z = T.dmatrix("z")
    out = T.log(T.sum(T.exp(z), axis=axis, keepdims=keepdims))
    g = T.grad(T.sum(out), z)
    value, grad = run([z], [out, g], "FAST_RUN", LOGITS)
    np.testing.assert_allclose(value, np_logsumexp(LOGITS, axis=axis, keepdims=keepdims))
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad, np_softmax(LOGITS, axis=axis), atol=1e-300)
    bad_value, bad_grad = run([z], [out, g], "FAST_COMPILE", LOGITS)
    assert np.any(np.isinf(bad_value)) and np.any(np.isnan(bad_grad))


def test_logsumexp_float32():
    z = T.fmatrix("z")
    out = T.log(T.sum(T.exp(z), axis=1))
    zv = LOGITS.astype("float32") / 10
    value = run([z], out, "FAST_RUN", zv)
    assert value.dtype == "float32"
    np.testing.assert_allclose(value, np_logsumexp(zv.astype("float64"), axis=1), rtol=1e-6)


def test_logsumexp_with_infinite_maxima():
    z = T.dmatrix("z")
    out = T.log(T.sum(T.exp(z), axis=1))
    zv = np.array([[-np.inf, -np.inf], [np.inf, 0.0], [np.inf, np.inf], [1.0, -np.inf]])
    np.testing.assert_allclose(run([z], out, "FAST_RUN", zv), [-np.inf, np.inf, np.inf, 1.0])
    np.testing.assert_allclose(run([z], out, "FAST_COMPILE", zv), [-np.inf, np.inf, np.inf, 1.0])


def test_logsumexp_structure_and_no_loop():
    z = T.dmatrix("z")
    out = T.log(T.sum(T.exp(z), axis=1))
    fg = stabilized([z], [out, T.grad(T.sum(out), z)])
    maxes = [n for n in fg.apply_nodes if type(n.op) is Max]
    assert len(maxes) == 1
    assert Softmax in op_types(fg)
    assert fg.outputs[0].type == out.type


def test_logsumexp_values(mode):
    z = T.dtensor3("z")
    zv = rng.normal(size=(2, 3, 4))
    out = T.log(T.sum(T.exp(z), axis=(0, 2), keepdims=True))
    np.testing.assert_allclose(run([z], out, mode, zv), np_logsumexp(zv, (0, 2), True))
    verify_grad(lambda v: T.log(T.sum(T.exp(v), axis=(0, 2))), [zv], mode=mode)
    verify_grad(lambda v: T.log(T.sum(T.exp(v), axis=1, keepdims=True)), [zv], mode=mode)


# --------------------------------------------------------------------------- softmax


def test_softmax_op_is_stable(mode):
    z = T.dmatrix("z")
    w = T.dmatrix("w")
    sm = softmax(z)
    value, grad = run([z, w], [sm, T.grad(T.sum(sm * w), z)], mode, LOGITS, np.eye(3))
    ref = np_softmax(LOGITS)
    np.testing.assert_allclose(value, ref, atol=1e-300)
    np.testing.assert_allclose(grad, ref * (np.eye(3) - np.sum(ref * np.eye(3), 1)[:, None]))
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("axis", [1, 0])
def test_exp_over_sum_becomes_softmax(axis):
    z = T.dmatrix("z")
    e = T.exp(z)
    out = e / T.sum(e, axis=axis, keepdims=True)
    fg = stabilized([z], [out])
    assert Softmax in op_types(fg) and "exp" not in scalar_names(fg)
    assert fg.outputs[0].type == out.type
    np.testing.assert_allclose(run([z], out, "FAST_RUN", LOGITS), np_softmax(LOGITS, axis))
    assert np.any(np.isnan(run([z], out, "FAST_COMPILE", LOGITS)))


def test_exp_over_other_sum_is_left_alone():
    z, u = T.dmatrices("z", "u")
    out = T.exp(z) / T.sum(T.exp(u), axis=1, keepdims=True)
    assert Softmax not in op_types(stabilized([z, u], [out]))
    out = T.exp(z) / T.sum(T.exp(z), axis=1).dimshuffle("x", 0)  # a transposed sum
    assert Softmax not in op_types(stabilized([z], [out]))


def test_softmax_graph_values(mode):
    z = T.dmatrix("z")
    zv = rng.normal(size=(3, 4))
    np.testing.assert_allclose(run([z], softmax_graph(z), mode, zv), np_softmax(zv))
    verify_grad(softmax_graph, [zv], mode=mode)


# ------------------------------------------------------------------- cross-entropies


def _loss_forms(z, y):
    rows = T.arange(z.shape[0])
    return {
        "neg_log_pick": -T.log(softmax(z))[rows, y],
        "neg_log_of_pick": -T.log(softmax(z)[rows, y]),
        "mean": T.mean(-T.log(softmax(z))[rows, y]),
        "sum": T.sum(-T.log(softmax(z))[rows, y]),
        "labels_length": -T.log(softmax(z))[T.arange(y.shape[0]), y],
        "categorical": categorical_crossentropy(softmax(z), y),
        "tutorial": -T.mean(T.log(softmax(z))[T.arange(y.shape[0]), y]),
    }


@pytest.mark.parametrize(
    "form",
    ["neg_log_pick", "neg_log_of_pick", "mean", "sum", "labels_length", "categorical", "tutorial"],
)
def test_crossentropy_of_softmax_at_1000(form):
    z, y = T.dmatrix("z"), T.lvector("y")
    loss = _loss_forms(z, y)[form]
    g = T.grad(T.sum(loss), z)
    value, grad = run([z, y], [loss, g], "FAST_RUN", LOGITS, Y)
    nll = np_nll(LOGITS, Y)
    assert nll[0] == 2000.0
    scale = 1 / len(Y) if form in ("mean", "tutorial") else 1.0
    ref = nll.mean() if form in ("mean", "tutorial") else nll.sum() if form == "sum" else nll
    np.testing.assert_allclose(value, ref)
    np.testing.assert_allclose(grad, scale * (np_softmax(LOGITS) - np.eye(3)[Y]), atol=1e-300)
    if form != "categorical":  # built stably from the start, in every mode
        bad_value, bad_grad = run([z, y], [loss, g], "FAST_COMPILE", LOGITS, Y)
        assert np.any(np.isinf(bad_value)) and np.any(np.isnan(bad_grad))


@pytest.mark.parametrize(
    "form", ["neg_log_pick", "neg_log_of_pick", "mean", "categorical", "labels_length", "tutorial"]
)
def test_crossentropy_structure(form):
    """The cost and its gradient share one cross-entropy node (its softmax output feeds
    the gradient): no softmax is computed twice, and no index-add builds the gradient,
    also when the rows come from ``y.shape[0]``."""
    z, y = T.dmatrix("z"), T.lvector("y")
    loss = _loss_forms(z, y)[form]
    f = theano.function([z, y], [loss, T.grad(T.sum(loss), z)], mode="FAST_RUN")
    nodes = f.maker.fgraph.toposort()
    ops = [type(n.op) for n in nodes]
    assert ops.count(CrossentropySoftmaxArgmax1HotWithBias) == 1
    assert ops.count(CrossentropySoftmax1HotWithBiasDx) == 1
    assert AdvancedIncSubtensor not in ops
    assert not {Softmax, LogSoftmax} & set(ops)


def test_tutorial_negative_log_likelihood_is_fused():
    """``-mean(log(p)[arange(y.shape[0]), y])`` (the classic logistic regression
    tutorial): the forward pass becomes one fused op; its gradient stays stable."""
    z, y = T.dmatrix("z"), T.lvector("y")
    f = theano.function([z, y], _loss_forms(z, y)["tutorial"], mode="FAST_RUN")
    assert CrossentropySoftmaxArgmax1HotWithBias in op_types(f)
    assert LogSoftmax not in op_types(f)


def test_crossentropy_of_fewer_labels_than_rows(mode):
    z, y = T.dmatrix("z"), T.lvector("y")
    loss = _loss_forms(z, y)["labels_length"]
    g = T.grad(T.sum(loss), z)
    zv, yv = rng.normal(size=(4, 3)), np.array([2, 0])
    value, grad = run([z, y], [loss, g], mode, zv, yv)
    np.testing.assert_allclose(value, np_nll(zv[:2], yv))
    ref_grad = np.zeros_like(zv)
    ref_grad[:2] = np_softmax(zv[:2]) - np.eye(3)[yv]
    np.testing.assert_allclose(grad, ref_grad, atol=1e-12)


def test_crossentropy_1hot_node_on_softmax_is_fused():
    """A `CrossentropyCategorical1Hot` node on a softmax (built without the shortcut of
    its ``__call__``, or on ``exp / sum`` that becomes a softmax) and its gradient."""
    z, y = T.dmatrix("z"), T.lvector("y")
    direct = crossentropy_categorical_1hot.make_node(softmax(z), y).outputs[0]
    via_graph = crossentropy_categorical_1hot(softmax_graph(z), y)
    outs = [direct, via_graph, T.grad(T.sum(direct), z)]
    f = theano.function([z, y], outs, mode="FAST_RUN")
    ops = op_types(f)
    assert CrossentropySoftmaxArgmax1HotWithBias in ops
    assert CrossentropySoftmax1HotWithBiasDx in ops
    a, b, g = f(LOGITS, Y)
    np.testing.assert_allclose(a, np_nll(LOGITS, Y))
    np.testing.assert_allclose(b, np_nll(LOGITS, Y))
    np.testing.assert_allclose(g, np_softmax(LOGITS) - np.eye(3)[Y], atol=1e-300)
    bad = run([z, y], outs, "FAST_COMPILE", LOGITS, Y)
    assert np.isinf(bad[0][0]) and np.isinf(bad[1][0]) and np.isnan(bad[2][0, 0])


def test_crossentropy_values_and_grads(mode):
    z, y = T.dmatrix("z"), T.lvector("y")
    zv, yv = rng.normal(size=(4, 3)), np.array([2, 0, 1, 1])
    forms = _loss_forms(z, y)
    values = run([z, y], list(forms.values()), mode, zv, yv)
    nll = np_nll(zv, yv)
    for name, value in zip(forms, values):
        ref = nll.mean() if name in ("mean", "tutorial") else nll.sum() if name == "sum" else nll
        np.testing.assert_allclose(value, ref, err_msg=name)
    ys = T.as_tensor_variable(yv)
    verify_grad(lambda v: -T.log(softmax(v))[T.arange(v.shape[0]), ys], [zv], mode=mode)
    verify_grad(lambda v: -T.log(softmax(v)[T.arange(v.shape[0]), ys]), [zv], mode=mode)


def test_log_of_picked_softmax_becomes_logsoftmax():
    z = T.dmatrix("z")
    out = T.log(softmax(z)[:, 1:])
    fg = stabilized([z], [out])
    assert LogSoftmax in op_types(fg) and "log" not in scalar_names(fg)
    np.testing.assert_allclose(
        run([z], out, "FAST_RUN", LOGITS), (LOGITS - np_logsumexp(LOGITS, 1, True))[:, 1:]
    )


# --------------------------------------------------------------- binary cross-entropy


def test_binary_crossentropy_of_sigmoid_at_800(mode):
    x, t = T.dvector("x"), T.dvector("t")
    xv, tv = np.array([800.0, -800.0, 800.0, 0.3]), np.array([0.0, 1.0, 1.0, 0.25])
    ref = np_softplus(xv) - tv * xv
    ref_grad = np_sigmoid(xv) - tv
    built = binary_crossentropy(T.nnet.sigmoid(x), t)
    by_hand = -(t * T.log(T.nnet.sigmoid(x)) + (1 - t) * T.log(1 - T.nnet.sigmoid(x)))
    outs = [built, T.grad(T.sum(built), x)]
    value, grad = run([x, t], outs, mode, xv, tv)
    np.testing.assert_allclose(value, ref)
    np.testing.assert_allclose(grad, ref_grad)
    outs = [by_hand, T.grad(T.sum(by_hand), x)]
    value, grad = run([x, t], outs, mode, xv, tv)
    if mode == "FAST_RUN":
        np.testing.assert_allclose(value, ref)
        np.testing.assert_allclose(grad, ref_grad, atol=1e-12)
    else:
        assert np.isinf(value[0]) and np.isnan(grad[0])


def test_logistic_regression_mean_cost_gradient_at_saturation(mode):
    """The logistic-regression tutorial's cost, a mean: its gradient
    ``((c*y)/p - (c*(1-y))/(1-p)) * p * (1-p)`` is ``0/0`` where ``p`` is exactly 0 or 1;
    FAST_RUN distributes the product over the sum and cancels both divisions."""
    x, t = T.dvector("x"), T.dvector("t")
    p = T.nnet.sigmoid(x)
    cost = -T.mean(t * T.log(p) + (1 - t) * T.log(1 - p))
    grad = T.grad(cost, x)
    xv, tv = np.array([40.0, -40.0, 40.0, 800.0, 0.3]), np.array([1.0, 0.0, 0.0, 1.0, 0.7])
    value, g = run([x, t], [cost, grad], mode, xv, tv)
    ref_grad = (np_sigmoid(xv) - tv) / len(xv)
    if mode == "FAST_RUN":
        np.testing.assert_allclose(value, np.mean(np_softplus(xv) - tv * xv))
        np.testing.assert_allclose(g, ref_grad, atol=1e-300)
        fg = stabilized([x, t], [cost])
        assert "sigmoid_binary_crossentropy" in scalar_names(fg)
        assert "softplus" not in scalar_names(fg)
        fg = stabilized([x, t], [grad])
        divisions = [n for n in fg.apply_nodes if str(getattr(n.op, "scalar_op", "")) ==
                     "true_div" and n.outputs[0].ndim]  # fmt: skip
        assert not divisions  # only the mean's scalar 1/n is left
    else:
        assert np.isnan(g[0])


def test_crossentropy_of_softmax_with_bias(mode):
    z, b, y = T.dmatrix("z"), T.dvector("b"), T.lvector("y")
    loss = -T.log(T.nnet.softmax_with_bias(z, b))[T.arange(z.shape[0]), y]
    outs = [loss, *T.grad(T.sum(loss), [z, b])]
    bv = np.array([0.0, 500.0, -500.0])
    value, gz, gb = run([z, b, y], outs, mode, LOGITS, bv, Y)
    shifted = LOGITS + bv
    ref_grad = np_softmax(shifted) - np.eye(3)[Y]
    if mode == "FAST_RUN":
        np.testing.assert_allclose(value, np_nll(shifted, Y))
        np.testing.assert_allclose(gz, ref_grad, atol=1e-300)
        np.testing.assert_allclose(gb, ref_grad.sum(0), atol=1e-12)
        f = theano.function([z, b, y], loss, mode=mode)
        assert CrossentropySoftmaxArgmax1HotWithBias in op_types(f)
    else:
        assert np.any(np.isinf(value))


# ------------------------------------------------------------ quotients and products


def test_quotients_that_cancel():
    x, a = T.dvectors("x", "a")
    e = T.exp(x)
    outs = [e / (1 + e), (a * T.sigmoid(x)) / T.sigmoid(x), (a / T.sigmoid(x)) * T.sigmoid(x)]
    fg = stabilized([x, a], outs)
    assert fg.outputs[1] is a and fg.outputs[2] is a
    assert "exp" not in scalar_names(fg) and "sigmoid" in scalar_names(fg)
    xv, av = np.array([-800.0, 800.0, 0.3]), np.array([1.0, 2.0, 3.0])
    first, second, third = run([x, a], outs, "FAST_RUN", xv, av)
    np.testing.assert_allclose(first, np_sigmoid(xv))
    np.testing.assert_allclose(second, av)
    np.testing.assert_allclose(third, av)
    bad = run([x, a], outs, "FAST_COMPILE", xv, av)
    assert np.isnan(bad[0][1]) and np.isnan(bad[1][0]) and np.isnan(bad[2][0])


def test_quotients_values(mode):
    x, a = T.dvectors("x", "a")
    xv, av = rng.normal(size=5), rng.normal(size=5)
    outs = [T.exp(x) / (1 + T.exp(x)), -(a / (2 + x**2)) * (x**2 + 2)]
    first, second = run([x, a], outs, mode, xv, av)
    np.testing.assert_allclose(first, np_sigmoid(xv))
    np.testing.assert_allclose(second, -av)


def test_float32_types_are_kept():
    z, y = T.fmatrix("z"), T.lvector("y")
    outs = [
        T.log(T.sum(T.exp(z), axis=1)),
        -T.log(softmax(z))[T.arange(z.shape[0]), y],
        T.log(1 - T.exp(z)),
        T.exp(z) / T.sum(T.exp(z), axis=1, keepdims=True),
    ]
    outs.append(T.grad(T.sum(outs[0]) + T.sum(outs[1]), z))
    fg = stabilized([z, y], outs)
    assert [o.type for o in fg.outputs] == [o.type for o in outs]
    zv = (LOGITS / 10).astype("float32")
    values = run([z, y], outs, "FAST_RUN", zv, Y)
    assert all(v.dtype == "float32" for v in values)
    assert np.all(np.isfinite(values[0])) and np.all(np.isfinite(values[4]))
