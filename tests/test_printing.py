"""Printing graphs: `pp` (infix) and `debugprint` (Theano's ``[id A]`` tree)."""

import io

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano import function
from theano.printing import debugprint, pp


def test_pp_seed_examples():
    x = T.scalar("x")
    assert theano.pp(x**2) == "(x ** TensorConstant{2})"
    A, v, b = T.matrix("A"), T.vector("x"), T.vector("b")
    assert pp(T.dot(A, v) + b) == "((A \\dot x) + b)"
    assert theano.printing.pprint is pp


def test_pp_operators():
    x, y = T.dscalars("x", "y")
    A = T.dmatrix("A")
    assert pp(x - (y - x)) == "(x - (y - x))"
    assert pp((x - y) - x) == "((x - y) - x)"
    assert pp((x + y) * x) == "((x + y) * x)"
    assert pp(x / (x * y)) == "(x / (x * y))"
    assert pp(T.exp(x)) == "exp(x)"
    assert pp(A.T) == "A.T"
    assert pp(x) == "x"


def test_pp_names():
    x = T.dscalar("x")
    y = x * 2
    y.name = "y"
    z = y + 1
    # Named intermediates print as their name; the variable asked for is expanded.
    assert pp(z) == "(y + TensorConstant{1})"
    assert pp(y) == "(x * TensorConstant{2})"
    assert pp([y, z]) == "(x * TensorConstant{2})\n(y + TensorConstant{1})"


def test_pp_compiled_function(mode):
    x = T.dscalar("x")
    f = function([x], [x**2, T.exp(x)], mode="FAST_COMPILE")
    assert pp(f) == "(x ** TensorConstant{2})\nexp(x)"
    g = function([x], x**2, mode=mode)
    assert len(pp(g).splitlines()) == 1 and "x" in pp(g)


def _graph():
    A, B, D, E = T.dmatrices("A", "B", "D", "E")
    C = A + B
    C.name = "C"
    return A, B, D, E, C + (D + E)


def test_debugprint_layout():
    *_, G = _graph()
    expected = [
        "Elemwise{add,no_inplace} [id A] ''   ",
        " |Elemwise{add,no_inplace} [id B] 'C'   ",
        " | |A [id C]",
        " | |B [id D]",
        " |Elemwise{add,no_inplace} [id E] ''   ",
        "   |D [id F]",
        "   |E [id G]",
    ]
    assert debugprint(G, file="str") == "".join(line + "\n" for line in expected)


def test_debugprint_ids_and_stop_on_name():
    *_, G = _graph()
    ints = debugprint(G, file="str", ids="int").splitlines()
    assert ints[0] == "Elemwise{add,no_inplace} [id 0] ''   "
    assert ints[-1] == "   |E [id 6]"
    none = debugprint(G, file="str", ids="").splitlines()
    assert none[0] == "Elemwise{add,no_inplace}  ''   " and none[2] == " | |A "
    stopped = debugprint(G, file="str", stop_on_name=True).splitlines()
    assert stopped == [
        "Elemwise{add,no_inplace} [id A] ''   ",
        " |Elemwise{add,no_inplace} [id B] 'C'   ",
        " |Elemwise{add,no_inplace} [id C] ''   ",
        "   |D [id D]",
        "   |E [id E]",
    ]
    assert debugprint(G, file="str", depth=1) == "Elemwise{add,no_inplace} [id A] ''   \n"
    assert debugprint(G, file="str", depth=2).splitlines() == [
        "Elemwise{add,no_inplace} [id A] ''   ",
        " |Elemwise{add,no_inplace} [id B] 'C'   ",
        " |Elemwise{add,no_inplace} [id C] ''   ",
    ]
    with pytest.raises(ValueError, match="ids must be"):
        debugprint(G, file="str", ids="bogus")


def test_debugprint_print_type_constants_and_repeats():
    x = T.dvector("x")
    y = T.exp(x) * 2
    z = y + y
    text = debugprint(z, file="str", print_type=True)
    assert text.splitlines() == [
        "Elemwise{add,no_inplace} [id A] <TensorType(float64, vector)> ''   ",
        " |Elemwise{mul,no_inplace} [id B] <TensorType(float64, vector)> ''   ",
        " | |Elemwise{exp,no_inplace} [id C] <TensorType(float64, vector)> ''   ",
        " | | |x [id D] <TensorType(float64, vector)>",
        " | |DimShuffle{x} [id E] <TensorType(int8, (True,))> ''   ",
        " |   |TensorConstant{2} [id F] <TensorType(int8, scalar)>",
        " |Elemwise{mul,no_inplace} [id B] <TensorType(float64, vector)> ''   ",
    ]


def test_debugprint_unnamed_leaf_and_list():
    v = T.dvector()
    s = theano.shared(np.ones(2), name="s")
    lines = debugprint([v + s, v * 2], file="str").splitlines()
    assert lines[0] == "Elemwise{add,no_inplace} [id A] ''   "
    assert lines[1] == " |<TensorType(float64, vector)> [id B]"
    assert lines[2] == " |s [id C]"
    assert lines[3] == "Elemwise{mul,no_inplace} [id D] ''   "
    assert lines[4] == " |<TensorType(float64, vector)> [id B]"


def test_debugprint_compiled_function(mode):
    x, y = T.dvectors("x", "y")
    s = x + y
    f = function([x, y], [s, s - x], mode="FAST_COMPILE")
    assert debugprint(f, file="str").splitlines() == [
        "Elemwise{add,no_inplace} [id A] ''   0",
        " |x [id B]",
        " |y [id C]",
        "Elemwise{sub,no_inplace} [id D] ''   1",
        " |Elemwise{add,no_inplace} [id A] ''   0",
        " |x [id B]",
    ]
    # Under any mode, every node line ends with its position in the execution order.
    g = function([x, y], T.exp(x) * y + 1, mode=mode)
    order = g.maker.fgraph.toposort()
    node_lines = [ln for ln in debugprint(g, file="str").splitlines() if "''" in ln]
    positions = {int(ln.rsplit(" ", 1)[1]) for ln in node_lines}
    assert positions == set(range(len(order)))


def test_debugprint_outputs():
    x = T.dscalar("x")
    buf = io.StringIO()
    assert debugprint(x * 2, file=buf) is buf
    assert buf.getvalue().startswith("Elemwise{mul,no_inplace} [id A] ''   \n |x [id B]\n")
    assert theano.dprint is debugprint
    with pytest.raises(TypeError, match="cannot print"):
        debugprint(3)


def test_debugprint_to_stdout(capsys):
    x = T.dscalar("x")
    debugprint(T.exp(x))
    assert capsys.readouterr().out == "Elemwise{exp,no_inplace} [id A] ''   \n |x [id B]\n"
