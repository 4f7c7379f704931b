"""DebugMode: each node checked as it runs, and the rewrites checked against the graph
as written. Faulty ops and a faulty rewrite show that every check fires."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.compile.debugmode import (
    BadDestroyMap,
    BadOptimization,
    BadThunkOutput,
    BadViewMap,
    DebugMode,
    InvalidValueError,
)
from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.graph.rewriting.basic import RewriteReport
from theano.tensor.type import TensorType

rng = np.random.default_rng(0)


@pytest.mark.parametrize("optimizer", ["fast_run", None])
def test_real_graphs_pass_every_check(optimizer):
    x = T.dmatrix("x")
    labels = T.ivector("labels")
    w = theano.shared(rng.normal(size=(4, 3)), "w")
    b = theano.shared(np.zeros(3), "b")
    p = T.nnet.softmax(T.dot(x, w) + b)
    cost = -T.mean(T.log(p)[T.arange(labels.shape[0]), labels])
    gw, gb = T.grad(cost, [w, b])
    outs = [cost, x[1:, ::2], x.T.sum(0), T.concatenate([x, x]), T.inc_subtensor(x[labels], 1.0)]
    f = theano.function([x, labels], outs, updates=[(w, w - 0.1 * gw), (b, b - 0.1 * gb)],
                        mode=DebugMode(optimizer=optimizer))  # fmt: skip
    reference = theano.function([x, labels], outs, mode="FAST_COMPILE")
    xv, yv = rng.normal(size=(5, 4)), np.array([0, 1, 2, 1, 0], "int32")
    expected = reference(xv, yv)
    for got, want in zip(f(xv, yv), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    assert not np.array_equal(w.get_value(), np.zeros((4, 3)))


def test_mode_by_name_and_config():
    x = T.dvector("x")
    for name in ("DebugMode", "DEBUG_MODE"):
        assert isinstance(theano.compile.get_mode(name), DebugMode)
    with theano.config.change_flags(mode="DebugMode"):
        f = theano.function([x], T.exp(x))
    assert isinstance(f.maker.mode, DebugMode)
    np.testing.assert_allclose(f(np.ones(2)), np.exp(np.ones(2)))


def test_nan_made_from_finite_inputs_is_an_invalid_value():
    v = T.dvector("v")
    f = theano.function([v], T.log(v) * 2, mode="DebugMode")
    with np.errstate(divide="ignore"), pytest.raises(InvalidValueError, match="NaN or infinite"):
        f(np.array([0.0, 1.0]))
    quiet = theano.function([v], T.log(v), mode=DebugMode(check_isfinite=False))
    with np.errstate(divide="ignore"):
        assert quiet(np.array([0.0]))[0] == -np.inf
    # An infinity that came in is not the node's fault.
    np.testing.assert_array_equal(f(np.array([np.inf])), [np.inf])


class _Faulty(Op):
    """An op computing ``x * 2`` whose generated snippet errs in the way ``fault`` says."""

    __props__ = ("fault",)

    def __init__(self, fault):
        self.fault = fault
        if fault == "undeclared view":
            self.view_map = {}
        if fault == "declared destroy":
            self.destroy_map = {0: [0]}

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        dtype = "float32" if self.fault == "wrong dtype" else x.dtype
        return Apply(self, [x], [TensorType(dtype, x.broadcastable)()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = (inputs[0] * 2).astype(node.outputs[0].dtype)

    def py_code(self, node, inames, onames, ctx):
        (x,), (o,) = inames, onames
        return {
            "wrong value": f"{o} = {x} * 3",
            "undeclared destroy": f"{x} *= 2\n{o} = {x}",
            "declared destroy": f"{x} *= 2\n{o} = {x}",
            "undeclared view": f"{o} = {x}[...]",
            "wrong dtype": f"{o} = {x} * 2",
        }[self.fault]


@pytest.mark.parametrize("fault, error", [
    ("wrong value", BadThunkOutput),
    ("undeclared destroy", BadDestroyMap),
    ("undeclared view", BadViewMap),
    ("wrong dtype", InvalidValueError),
])  # fmt: skip
def test_each_node_check_catches_its_fault(fault, error):
    x = T.dvector("x")
    s = theano.shared(np.ones(2), "s")
    # exp(x) is an intermediate: the faulty node may write into it without harming x
    f = theano.function([x], _Faulty(fault)(T.exp(x)).sum(), updates=[(s, s + 1)],
                        mode=DebugMode(optimizer=None))  # fmt: skip
    with pytest.raises(error, match="_Faulty|fault"):
        f(np.zeros(2))
    np.testing.assert_array_equal(s.get_value(), [1.0, 1.0])  # the call changed nothing


def test_a_declared_destroy_passes():
    x = T.dvector("x")
    f = theano.function([x], _Faulty("declared destroy")(T.exp(x)), mode=DebugMode(optimizer=None),
                        accept_inplace=True)  # fmt: skip
    np.testing.assert_allclose(f(np.zeros(2)), [2.0, 2.0])


def test_a_wrong_rewrite_is_a_bad_optimization(monkeypatch):
    from theano.tensor import rewriting

    def wrong(fgraph, included, excluded):
        for node in fgraph.toposort():
            if "exp" in str(node.op):
                fgraph.replace_all([(node.outputs[0], node.outputs[0] * 1.5)], reason="wrong")
                break
        return [RewriteReport("wrong")]

    monkeypatch.setitem(rewriting.PHASES, "specialize", wrong)
    x = T.dvector("x")
    s = theano.shared(np.zeros(2), "s")
    f = theano.function([x], [], updates=[(s, s + T.exp(x))], mode="DebugMode")
    with pytest.raises(BadOptimization, match="the update of s differs"):
        f(np.zeros(2))
    np.testing.assert_array_equal(s.get_value(), [0.0, 0.0])


# ------------------------------------------------------- found by a review of it


def test_functions_without_inputs():
    f = theano.function([], T.constant(np.arange(3.0)) * 2, mode="DebugMode")
    np.testing.assert_array_equal(f(), [0.0, 2.0, 4.0])
    assert theano.function([], [], mode="DebugMode")() == []


def test_a_failed_check_after_an_in_place_update_changes_nothing():
    x = T.dscalar("x")
    w = theano.shared(np.ones(3), "w")
    f = theano.function([x], [], updates={w: w / x}, mode="DebugMode")
    with np.errstate(divide="ignore"), pytest.raises(InvalidValueError):
        f(0.0)
    np.testing.assert_array_equal(w.get_value(), np.ones(3))
    f(2.0)
    np.testing.assert_array_equal(w.get_value(), np.full(3, 0.5))


def test_a_rewrite_changing_a_shape_is_a_bad_optimization(monkeypatch):
    from theano.tensor import rewriting

    def wrong(fgraph, included, excluded):
        for node in fgraph.toposort():
            if "exp" in str(node.op):
                fgraph.replace_all([(node.outputs[0], node.outputs[0][:1])], reason="wrong")
                break
        return [RewriteReport("wrong")]

    monkeypatch.setitem(rewriting.PHASES, "specialize", wrong)
    x = T.dvector("x")
    f = theano.function([x], T.exp(x), mode="DebugMode")
    with pytest.raises(BadOptimization, match="output 0"):
        f(np.zeros(3))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_stability_rewrites_are_not_bad_optimizations(dtype):
    x = T.matrix("x", dtype=dtype)
    outs = [T.log(1 - T.nnet.sigmoid(x)), T.log(T.nnet.softmax(x))]
    f = theano.function([x], outs, mode="DebugMode")
    values = {"float16": [[0.5, 1.0, 1.5, 2.0], [1.2, 0.7, 1.9, 0.6]],
              "float32": [[0.0, -100.0, 10.0, 30.0]], "float64": [[0.0, -740.0, 30.0, 12.0]]}  # fmt: skip
    with np.errstate(all="ignore"):
        f(np.array(values[dtype], dtype=dtype))


def test_uninitialized_memory_is_not_compared():
    x = T.dvector("x")
    n = x.shape[0]
    f = theano.function([x], T.set_subtensor(T.empty((n,))[:n], x) * 2,
                        mode=DebugMode(optimizer=None))  # fmt: skip
    for size in range(3, 300, 7):
        np.testing.assert_array_equal(f(np.arange(size, dtype=float)), np.arange(size) * 2.0)
