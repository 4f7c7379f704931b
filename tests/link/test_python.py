"""The Python linker: one generated function per graph, its source, and failure notes."""

import linecache

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano import Apply, function
from theano.graph.op import Op
from theano.link.python import CodeContext, describe_failure, generate


class PerformOnly(Op):
    """``x + 1`` computed by `perform` only (no source snippet)."""

    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] + 1


class TwoOutputs(Op):
    """``(x + y, x - y)`` from `perform`."""

    __props__ = ()

    def make_node(self, x, y):
        x, y = T.as_tensor_variable(x), T.as_tensor_variable(y)
        return Apply(self, [x, y], [x.type(), x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] + inputs[1]
        output_storage[1][0] = inputs[0] - inputs[1]


class Fails(Op):
    """Raises at run time, from its generated source."""

    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def py_code(self, node, inames, onames, ctx):
        err = ctx.ref(_explode, "explode")
        return f"{onames[0]} = {err}({inames[0]})"


def _explode(x):
    raise FloatingPointError(f"boom on shape {x.shape}")


def test_generate_straight_line_function():
    x, y = T.dvectors("x", "y")
    out = T.exp(x) * y
    g = generate([x, y], [out, x + 1])
    xv, yv = np.array([0.0, 1.0]), np.array([2.0, 3.0])
    r1, r2 = g.fn(xv, yv)
    np.testing.assert_allclose(r1, np.exp(xv) * yv)
    np.testing.assert_allclose(r2, xv + 1)
    assert g.source.startswith("def graph(x, y):\n")
    assert g.source.rstrip().splitlines()[-1].startswith("    return (")
    assert g.names[x] == "x" and g.names[y] == "y"
    # The source is registered so that tracebacks show the generated lines.
    assert linecache.getline(g.filename, 1) == "def graph(x, y):\n"


def test_every_line_maps_to_its_node():
    x = T.dvector("x")
    e = T.exp(x)
    g = generate([x], [e * 2])
    nodes = {g.node_at(k) for k in range(2, len(g.source.splitlines()))}
    nodes.discard(None)
    assert e.owner in nodes and len(nodes) >= 2
    assert g.node_at(1) is None  # the def line


def test_perform_fallback_and_multiple_outputs():
    x, y = T.dvectors("x", "y")
    a, b = TwoOutputs()(x, y)
    g = generate([x, y], [PerformOnly()(a), b])
    r1, r2 = g.fn(np.array([1.0, 2.0]), np.array([0.5, 0.5]))
    np.testing.assert_allclose(r1, [2.5, 3.5])
    np.testing.assert_allclose(r2, [0.5, 1.5])
    assert "_perform_PerformOnly" in g.source and "_perform_TwoOutputs" in g.source


def test_perform_op_in_a_function(mode):
    x = T.dvector("x")
    f = function([x], PerformOnly()(x) * 2, mode=mode)
    np.testing.assert_allclose(f([1.0, 2.0]), [4.0, 6.0])


def test_constants_are_globals_and_returns_templates():
    x = T.dvector("x")
    g = generate([x], [x + np.array([1.0, 2.0]), x], returns=["{}", "{}.copy()"])
    v = np.array([1.0, 1.0])
    r1, r2 = g.fn(v)
    np.testing.assert_allclose(r1, [2.0, 3.0])
    assert r2 is not v and np.array_equal(r2, v)
    assert ".copy()" in g.source


def test_variable_names_are_safe_identifiers():
    weird, kw, builtin = T.dvector("a b"), T.dvector("lambda"), T.dvector("len")
    dup = T.dvector("a b")
    g = generate([weird, kw, builtin, dup], [weird + kw + builtin + dup])
    header = g.source.splitlines()[0]
    assert "lambda" not in header and "len" not in header and "a b" not in header
    ones = np.ones(2)
    np.testing.assert_allclose(g.fn(ones, ones, ones, ones)[0], [4.0, 4.0])
    assert len({g.names[v] for v in (weird, kw, builtin, dup)}) == 4


def test_code_context_ref():
    ctx = CodeContext()
    obj = object()
    name = ctx.ref(obj, "thing")
    assert name == "_thing" and ctx.globals[name] is obj
    assert ctx.ref(obj, "other") == name  # one name per object
    assert ctx.ref(object(), "thing") == "_thing_1"
    assert ctx.ref(1.5, "a-b.c") == "_a_b_c"


def test_describe_failure_names_the_node():
    x = T.dvector("x")
    bad = Fails()(T.exp(x))
    g = generate([x], [bad + 1])
    with pytest.raises(FloatingPointError) as err:
        g.fn(np.ones(3))
    note = describe_failure(g, err.value.__traceback__)
    assert note.startswith("Apply node that caused the error: Fails(")
    assert "Input types: TensorType(float64, vector)" in note
    assert "Input shapes: (3,)" in note
    assert "_explode(" in note  # the generated line
    try:
        raise ValueError("not from a graph")
    except ValueError as other:
        assert describe_failure(g, other.__traceback__) is None


def test_runtime_error_in_function_gets_a_note(mode):
    x = T.dvector("x")
    f = function([x], Fails()(x * 2), mode=mode)
    with pytest.raises(FloatingPointError, match=r"boom on shape \(2,\)") as err:
        f([1.0, 2.0])
    notes = "\n".join(err.value.__notes__)
    assert "Apply node that caused the error: Fails(" in notes
    assert "Input shapes: (2,)" in notes
    assert "Fails" in f.source or "_explode" in f.source


def test_missing_intermediate_is_reported():
    x, y = T.dvectors("x", "y")
    with pytest.raises(ValueError, match="not computed before it is used"):
        generate([x], [x + y])


def test_error_note_shows_the_users_expression_behind_a_rewritten_node():
    x, y = T.dvectors("x", "y")
    z = (T.exp(x) * 2 + y) * 3
    z.name = "z"
    f = theano.function([x, y], z, mode="FAST_RUN")
    with pytest.raises(ValueError) as err:
        f(np.ones(3), np.ones(2))
    note = "\n".join(err.value.__notes__)
    assert "Composite" in note  # the node that ran is the fused one
    assert "It computes the user's expression z: " in note
    assert "exp(x)" in note
