"""The rewriting framework: node rewriters, walk, equilibrium with a budget, merge."""

import warnings

import theano.tensor as T
from theano import scalar
from theano.graph.fg import FunctionGraph
from theano.graph.rewriting import equilibrium, merge, node_rewriter, walk
from theano.tensor.elemwise import Elemwise


@node_rewriter([Elemwise(scalar.exp)])
def exp_to_sin(fgraph, node):
    return [T.sin(node.inputs[0])]


def ops_of(fg):
    return [str(n.op) for n in fg.toposort()]


def test_walk_offers_only_tracked_ops_and_keeps_names():
    x = T.vector("x")
    e = T.exp(x)
    e.name = "e"
    fg = FunctionGraph([x], [T.cos(e)])
    report = walk(fg, [exp_to_sin])
    assert report.replacements == 1
    assert ops_of(fg) == ["Elemwise{sin,no_inplace}", "Elemwise{cos,no_inplace}"]
    assert fg.outputs[0].owner.inputs[0].name == "e"


def test_equilibrium_reaches_a_fixed_point_on_new_nodes():
    @node_rewriter([Elemwise(scalar.neg)])
    def neg_neg(fgraph, node):
        inner = node.inputs[0]
        if inner.owner is not None and inner.owner.op == Elemwise(scalar.neg):
            return [inner.owner.inputs[0]]
        return None

    x = T.vector("x")
    y = T.neg(T.neg(T.neg(T.neg(x))))
    fg = FunctionGraph([x], [T.exp(y)])
    report = equilibrium(fg, [neg_neg])
    assert ops_of(fg) == ["Elemwise{exp,no_inplace}"]
    assert not report.budget_exhausted


def test_equilibrium_stops_at_budget_and_reports_it():
    @node_rewriter([Elemwise(scalar.sin)])
    def flip(fgraph, node):
        return [T.cos(node.inputs[0])]

    @node_rewriter([Elemwise(scalar.cos)])
    def flop(fgraph, node):
        return [T.sin(node.inputs[0])]

    x = T.vector("x")
    fg = FunctionGraph([x], [T.sin(x)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = equilibrium(fg, [flip, flop], max_visits=20)
    assert report.budget_exhausted and report.visits == 20
    assert any("fixed point" in str(w.message) for w in caught)


def test_merge_unifies_identical_nodes_and_constants():
    x = T.vector("x")
    a = T.exp(x) + 2
    b = T.exp(x) + 2
    fg = FunctionGraph([x], [a * b])
    before = len(fg.apply_nodes)
    report = merge(fg)
    assert report.replacements >= 2
    assert len(fg.apply_nodes) < before
    mul_node = fg.outputs[0].owner
    assert mul_node.inputs[0] is mul_node.inputs[1]
