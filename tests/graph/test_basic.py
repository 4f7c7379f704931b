"""Tests of the graph core: variables, apply nodes, walks, cloning and FunctionGraph edits."""

import pytest

from theano.gof import graph as gof_graph
from theano.graph import Apply, Constant, FunctionGraph, Op, Type, Variable
from theano.graph.basic import ancestors, clone, clone_replace, graph_inputs, io_toposort
from theano.graph.fg import MissingInputError


class IntType(Type):
    """A toy type of Python ints, enough to exercise the graph machinery."""

    def filter(self, data, strict=False, allow_downcast=None):
        if not isinstance(data, int):
            raise TypeError(f"expected an int, got {data!r}")
        return data

    def __eq__(self, other):
        return type(other) is IntType

    def __hash__(self):
        return hash(IntType)

    def __str__(self):
        return "int"


tint = IntType()


class Add(Op):
    def make_node(self, *inputs):
        return Apply(self, list(inputs), [tint()])

    def perform(self, node, inputs, out):
        out[0][0] = sum(inputs)


add = Add()


def test_variable_printing_and_owner():
    x, y = tint("x"), tint("y")
    z = add(x, y)
    assert str(x) == "x"
    assert str(z) == "Add.0"
    assert z.owner.inputs == [x, y]
    assert str(tint()) == "<int>"
    c = Constant(tint, 3)
    assert str(c) == "Constant{3}"
    with pytest.raises(TypeError, match="expected an int"):
        Constant(tint, 1.5)


def test_inputs_order_is_depth_first_first_appearance():
    x, y, w = tint("x"), tint("y"), tint("w")
    out = add(add(y, x), add(w, y))
    assert graph_inputs([out]) == [y, x, w]
    assert gof_graph.inputs([out]) == [y, x, w]
    assert ancestors([out])[0] is out


def test_toposort_parents_first():
    x, y = tint("x"), tint("y")
    a = add(x, y)
    b = add(a, x)
    c = add(b, a)
    order = io_toposort([x, y], [c])
    assert order == [a.owner, b.owner, c.owner]


def test_clone_and_clone_replace():
    x, y = tint("x"), tint("y")
    z = add(x, y)
    (nx, ny), (nz,) = clone([x, y], [z])
    assert nx is not x and nz.owner.inputs == [nx, ny]
    w = tint("w")
    r = clone_replace(z, {x: w})
    assert r.owner.inputs == [w, y]
    assert z.owner.inputs == [x, y]  # the original is untouched


def test_function_graph_replace_prunes_and_tracks_clients():
    x, y = tint("x"), tint("y")
    a = add(x, y)
    out = add(a, a)
    fg = FunctionGraph([x, y], [out])
    assert len(fg.apply_nodes) == 2
    fa = fg.outputs[0].owner.inputs[0]
    assert len(fg.clients[fa]) == 2
    fg.replace(fa, fg.inputs[0], reason="test")
    assert len(fg.apply_nodes) == 1
    assert fg.outputs[0].owner.inputs == [fg.inputs[0], fg.inputs[0]]
    assert [n.op for n in fg.toposort()] == [add]


def test_function_graph_missing_input_is_named():
    x, y = tint("x"), tint("y")
    with pytest.raises(MissingInputError, match="y"):
        FunctionGraph([x], [add(x, y)])


def test_op_equality_by_props():
    class Scale(Op):
        __props__ = ("k",)

        def __init__(self, k):
            self.k = k

    assert Scale(2) == Scale(2) and hash(Scale(2)) == hash(Scale(2))
    assert Scale(2) != Scale(3)
    assert str(Scale(2)) == "Scale{k=2}"


def test_variable_is_truthy():
    assert bool(Variable(tint))
