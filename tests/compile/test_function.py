"""`theano.function`: inputs, outputs, updates, givens, input checks and call errors."""

import pickle
import re
import sys
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano import In, Out, Param, function, shared
from theano.compile.function import UnusedInputError
from theano.graph.fg import MissingInputError

function_module = sys.modules["theano.compile.function"]


# ----------------------------------------------------------------------- outputs


def test_positional_and_keyword_calls(mode):
    x, y = T.dvectors("x", "y")
    f = function([x, y], x - y, mode=mode)
    np.testing.assert_allclose(f([1.0, 2.0], [3.0, 5.0]), [-2.0, -3.0])
    np.testing.assert_allclose(f(y=[3.0, 5.0], x=[1.0, 2.0]), [-2.0, -3.0])
    np.testing.assert_allclose(f([1.0, 2.0], y=[3.0, 5.0]), [-2.0, -3.0])


def test_output_forms(mode):
    x = T.dvector("x")
    v = np.array([1.0, 2.0])
    assert function([x], None, mode=mode, on_unused_input="ignore")(v) == []
    assert function([x], [], mode=mode, on_unused_input="ignore")(v) == []
    single = function([x], x * 2, mode=mode)(v)
    assert isinstance(single, np.ndarray)
    np.testing.assert_allclose(single, [2.0, 4.0])
    one_in_list = function([x], [x * 2], mode=mode)(v)
    assert isinstance(one_in_list, list) and len(one_in_list) == 1
    both = function([x], [x * 2, x.sum()], mode=mode)(v)
    np.testing.assert_allclose(both[0], [2.0, 4.0])
    assert float(both[1]) == 3.0
    np.testing.assert_allclose(function([x], Out(x + 1, borrow=True), mode=mode)(v), [2.0, 3.0])


def test_zero_d_output_is_ndarray(mode):
    s = T.dscalar("s")
    r = function([s], s * 2, mode=mode)(3.0)
    assert type(r) is np.ndarray and r.shape == () and r.dtype == np.float64 and r == 6.0
    x = T.dvector("x")
    total = function([x], x.sum(), mode=mode)([1.0, 2.0, 3.5])
    assert type(total) is np.ndarray and total.shape == () and total == 6.5


def test_seed_linear_mix(mode):
    A, x, b = T.matrix("A"), T.vector("x"), T.vector("b")
    y = T.dot(A, x) + b
    z = T.sum(A**2)
    fX = theano.config.floatX
    Av = np.array([[1, 2, 3], [4, 5, 6]], dtype=fX)
    xv = np.array([1, 2, 3], dtype=fX)
    f = function([A, x, b], [y, z], mode=mode)
    out = f(Av, xv, np.array([4, 5], dtype=fX))
    np.testing.assert_allclose(out[0], [18.0, 37.0])
    np.testing.assert_allclose(out[1], 91.0)
    fd = function([A, x, Param(b, default=np.zeros(2, dtype=fX))], [y, z], mode=mode)
    np.testing.assert_allclose(fd(Av, xv)[0], [14.0, 32.0])
    np.testing.assert_allclose(fd(Av, xv, np.array([4, 5], dtype=fX))[0], [18.0, 37.0])


# ------------------------------------------------------------------ input checks


def test_python_numbers_and_lists_convert(mode):
    s, v = T.dscalar("s"), T.dvector("v")
    f = function([s, v], s * v, mode=mode)
    np.testing.assert_allclose(f(2, [1, 2, 3]), [2.0, 4.0, 6.0])
    i = T.ivector("i")
    r = function([i], i * 2, mode=mode)([1, 2])
    assert r.dtype == np.int32
    np.testing.assert_array_equal(r, [2, 4])


def test_float64_array_for_float32_input(mode):
    xf = T.fvector("xf")
    f = function([xf], xf * 2, mode=mode)
    with pytest.raises(TypeError) as err:
        f(np.ones(2))
    msg = str(err.value)
    assert 'name "xf"' in msg and "index 0" in msg
    assert "float32" in msg and "float64" in msg  # expected and given dtypes
    g = function([xf], xf * 2, mode=mode, allow_input_downcast=True)
    r = g(np.array([1.5, 2.0]))
    assert r.dtype == np.float32
    np.testing.assert_allclose(r, [3.0, 4.0])
    h = function([In(xf, allow_downcast=True)], xf * 2, mode=mode)
    assert h(np.ones(2)).dtype == np.float32


def test_wrong_ndim_names_the_input(mode):
    x, y = T.dvectors("x", "y")
    f = function([x, y], x + y, mode=mode, name="adder")
    with pytest.raises(TypeError) as err:
        f([1.0, 2.0], [[1.0, 2.0]])
    msg = str(err.value)
    assert 'name "y"' in msg and "index 1" in msg and '"adder"' in msg
    assert "1 dimension" in msg and "2" in msg and "(1, 2)" in msg


def test_lossy_values_rejected(mode):
    i = T.ivector("i")
    f = function([i], i + 1, mode=mode)
    with pytest.raises(TypeError, match=r'name "i".*index 0.*int32.*exactly'):
        f([1.5, 2])
    with pytest.raises(TypeError, match=r"int32.*int64"):
        f(np.array([1, 2], dtype="int64"))
    fs = T.fscalar("fs")
    g = function([fs], fs * 2, mode=mode)
    assert g(1.5) == 3.0  # exact in float32
    with pytest.raises(TypeError, match='name "fs"'):
        g(0.1)  # not exact in float32, and floatX is not float32


def test_strict_input(mode):
    st = T.dvector("st")
    f = function([In(st, strict=True)], st * 2, mode=mode)
    np.testing.assert_allclose(f(np.array([1.0, 2.0])), [2.0, 4.0])
    with pytest.raises(TypeError, match=r'name "st".*expects an ndarray of dtype float64.*list'):
        f([1.0, 2.0])
    with pytest.raises(TypeError, match="float32"):
        f(np.ones(2, dtype="float32"))


def test_missing_input(mode):
    x, y = T.dvectors("x", "y")
    f = function([x, y], x + y, mode=mode)
    with pytest.raises(TypeError, match=r'Missing required input "y".*index 1.*float64, vector'):
        f([1.0])
    with pytest.raises(TypeError, match=r'Missing required input "x".*index 0'):
        f(y=[1.0])


def test_too_many_arguments(mode):
    x, y = T.dvectors("x", "y")
    f = function([x, y], x + y, mode=mode)
    with pytest.raises(TypeError, match=r"Too many arguments.*2 input\(s\) \(x, y\), got 3"):
        f([1.0], [2.0], [3.0])


def test_unknown_keyword(mode):
    x, y = T.dvectors("x", "y")
    f = function([x, y], x + y, mode=mode)
    with pytest.raises(TypeError, match=r"Unknown input or state: z.*2 named inputs \(x, y\)"):
        f([1.0], [2.0], z=[3.0])


def test_input_names_that_shadow_builtins(mode):
    t, a = T.dvector("type"), T.dvector("abs")
    f = function([t, a], abs(t) + a.max() + t.shape[0], mode=mode)
    np.testing.assert_allclose(f([1.0, -2.0], [0.5, 1.0]), [4.0, 5.0])
    np.testing.assert_allclose(f(type=[1.0, -2.0], abs=[0.5, 1.0]), [4.0, 5.0])


def test_trust_input_skips_checks(mode):
    x = T.fvector("x")
    f = function([x], x * 2, mode=mode)
    with pytest.raises(TypeError):
        f(np.ones(2))
    f.trust_input = True
    assert f.trust_input
    # No conversion happens: the float64 array goes straight into the graph.
    assert f(np.ones(2)).dtype == np.float64
    f.trust_input = False
    with pytest.raises(TypeError):
        f(np.ones(2))


# --------------------------------------------------------------- defaults, state


def test_in_default_and_item_access(mode):
    x, y = T.dscalars("x", "y")
    f = function([x, In(y, value=1.0)], x + y, mode=mode)
    assert f(2) == 3.0
    assert f(2, 5) == 7.0
    assert f(2, y=7) == 9.0
    assert f["y"] == 1.0
    f["y"] = 10
    assert f(1) == 11.0
    assert "y" in f and "q" not in f
    with pytest.raises(KeyError, match="q"):
        f["q"]
    with pytest.raises(KeyError, match="no stored value"):
        f["x"]


def test_in_default_is_copied(mode):
    v = T.dvector("v")
    default = np.array([1.0, 2.0])
    f = function([In(v, value=default)], v * 1, mode=mode)
    default[0] = 100.0
    np.testing.assert_allclose(f(), [1.0, 2.0])


def test_param_default_and_name(mode):
    x, y = T.dscalars("x", "y")
    f = function([x, Param(y, default=3.0, name="zz")], x * y, mode=mode)
    assert f(2) == 6.0
    assert f(2, zz=4) == 8.0
    assert f["zz"] == 3.0


def test_in_update_keeps_state(mode):
    inc, acc = T.dscalars("inc", "acc")
    f = function([inc, In(acc, value=0.0, update=acc + inc)], acc, mode=mode)
    assert [float(f(k)) for k in (1, 2, 3)] == [0.0, 1.0, 3.0]
    assert f["acc"] == 6.0
    f["acc"] = -1.0
    assert f(1) == -1.0 and f["acc"] == 0.0


# ---------------------------------------------------------------------- updates


@pytest.mark.parametrize("kind", ["dict", "ordered", "pairs"])
def test_updates_forms(mode, kind):
    w = shared(np.array([1.0, 2.0]), name="w")
    d = T.dvector("d")
    pairs = [(w, w - d)]
    updates = {"dict": dict(pairs), "ordered": OrderedDict(pairs), "pairs": pairs}[kind]
    f = function([d], w * 1, updates=updates, mode=mode)
    out = f([1.0, 1.0])
    np.testing.assert_allclose(out, [1.0, 2.0])  # the value before the update
    np.testing.assert_allclose(w.get_value(), [0.0, 1.0])


def test_updates_swap(mode):
    a = shared(np.array([1.0, 2.0]), name="a")
    b = shared(np.array([3.0, 4.0]), name="b")
    f = function([], [], updates={a: b, b: a}, mode=mode)
    f()
    np.testing.assert_allclose(a.get_value(), [3.0, 4.0])
    np.testing.assert_allclose(b.get_value(), [1.0, 2.0])
    f()
    np.testing.assert_allclose(a.get_value(), [1.0, 2.0])
    np.testing.assert_allclose(b.get_value(), [3.0, 4.0])


def test_updates_after_all_outputs(mode):
    a = shared(np.array(1.0), name="a")
    f = function([], [a * 10, a + 1], updates=[(a, a + 5)], mode=mode)
    r = f()
    assert float(r[0]) == 10.0 and float(r[1]) == 2.0
    assert a.get_value() == 6.0


def test_update_errors(mode):
    a = shared(np.ones(2), name="a")
    f32 = shared(np.ones(2, dtype="float32"), name="f32")
    x = T.dvector("x")
    with pytest.raises(TypeError, match="an update must be for a shared variable, got x"):
        function([x], x, updates={x: x + 1}, mode=mode)
    with pytest.raises(TypeError, match=r"same type.*TensorType\(float64, row\)"):
        function([x], x, updates={a: x.dimshuffle("x", 0)}, mode=mode)
    with pytest.raises(TypeError, match=r"shared_var=f32.*float64"):
        function([x], x, updates={f32: f32 * T.dscalar("k")}, mode=mode)
    with pytest.raises(ValueError, match="updated twice"):
        function([x], x, updates=[(a, a + 1), (a, a + 2)], mode=mode)


def test_default_update_and_no_default_updates(mode):
    cnt = shared(0, name="cnt")
    cnt.default_update = cnt + 1
    f = function([], cnt * 1, mode=mode)
    assert [int(f()) for _ in range(3)] == [0, 1, 2]
    assert cnt.get_value() == 3
    function([], cnt * 1, mode=mode, no_default_updates=True)()
    assert cnt.get_value() == 3
    function([], cnt * 1, mode=mode, no_default_updates=[cnt])()
    assert cnt.get_value() == 3
    # An explicit update wins over the default one.
    function([], cnt * 1, mode=mode, updates={cnt: cnt + 10})()
    assert cnt.get_value() == 13


# ----------------------------------------------------------------------- givens


def test_givens(mode):
    x, y = T.dvectors("x", "y")
    a = shared(np.array([1.0, 2.0]), name="a")
    f = function([y], x * 2, givens={x: y + 1}, mode=mode)
    np.testing.assert_allclose(f([1.0, 2.0]), [4.0, 6.0])
    g = function([], x * 2, givens=[(x, a)], mode=mode)
    np.testing.assert_allclose(g(), [2.0, 4.0])
    a.set_value(np.array([5.0]))
    np.testing.assert_allclose(g(), [10.0])


def test_givens_type_errors(mode):
    x = T.dvector("x")
    with pytest.raises(TypeError, match=r"x of type TensorType\(float64, vector\).*float32"):
        function([x], x, givens={x: T.fvector()}, mode=mode)
    with pytest.raises(TypeError, match="matrix"):
        function([x], x, givens={x: T.dmatrix()}, mode=mode)


# ------------------------------------------------------------- graph-time errors


def test_unused_input(mode):
    x, y = T.dvectors("x", "y")
    with pytest.raises(UnusedInputError, match=r"(?s)index 1.*: y.*on_unused_input='warn'"):
        function([x, y], x * 2, mode=mode)
    with pytest.warns(UserWarning, match="index 1"):
        f = function([x, y], x * 2, mode=mode, on_unused_input="warn")
    np.testing.assert_allclose(f([1.0], [5.0]), [2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        function([x, y], x * 2, mode=mode, on_unused_input="ignore")
    with pytest.raises(ValueError, match="on_unused_input must be"):
        function([x], x * 2, mode=mode, on_unused_input="bogus")


def test_missing_graph_input(mode):
    x, y = T.dvectors("x", "y")
    with pytest.raises(MissingInputError, match=r"depend on y.*not among the inputs"):
        function([x], x + y, mode=mode)


def test_bad_arguments_to_function(mode):
    x = T.dvector("x")
    a = shared(np.ones(2), name="a")
    with pytest.raises(TypeError, match="inputs must be a list"):
        function(x, x, mode=mode)
    with pytest.raises(TypeError, match="shared variable a as an explicit input"):
        function([a], a, mode=mode)
    with pytest.raises(ValueError, match="appears twice"):
        function([x, x], x, mode=mode)
    with pytest.raises(TypeError, match="outputs must be variables"):
        function([x], "abc", mode=mode)
    with pytest.raises(TypeError, match="constant"):
        function([T.constant(1.0)], x, mode=mode)
    with pytest.raises(ValueError, match="unknown mode 'BOGUS'"):
        function([x], x, mode="BOGUS")


# ----------------------------------------------------------------- call semantics


def test_failed_call_leaves_shared_unchanged(mode):
    m, x = T.dmatrix("m"), T.dvector("x")
    acc = shared(np.zeros(2), name="acc")
    other = shared(np.array(5.0), name="other")
    f = function([m, x], T.dot(m, x), updates={acc: acc + 1, other: other * 2}, mode=mode)
    with pytest.raises(ValueError) as err:
        f(np.ones((2, 3)), np.ones(2))
    note = "\n".join(getattr(err.value, "__notes__", []))
    # FAST_RUN reports the node it ran: the product became one gemv call (Dot21).
    assert re.search(r"Apply node that caused the error: (dot|Dot21)\(m, x\)", note)
    assert "(2, 3), (2,)" in note
    np.testing.assert_allclose(acc.get_value(), [0.0, 0.0])
    assert other.get_value() == 5.0
    np.testing.assert_allclose(f(np.ones((2, 3)), np.ones(3)), [3.0, 3.0])
    np.testing.assert_allclose(acc.get_value(), [1.0, 1.0])
    assert other.get_value() == 10.0


def test_bad_input_leaves_shared_unchanged(mode):
    x = T.dvector("x")
    s = shared(np.array(1.0), name="s")
    f = function([x], x * s, updates={s: s + 1}, mode=mode)
    with pytest.raises(TypeError):
        f([[1.0]])
    assert s.get_value() == 1.0


def test_outputs_do_not_alias_inputs_or_shared(mode):
    x = T.dvector("x")
    v = np.array([1.0, 2.0])
    r = function([x], x, mode=mode)(v)
    assert not np.shares_memory(r, v)
    a = shared(np.array([1.0, 2.0]), name="a")
    r = function([], a, mode=mode)()
    r[0] = 100.0
    np.testing.assert_allclose(a.get_value(), [1.0, 2.0])
    # An output that is also the new value of a shared variable.
    e = a + 1
    f = function([], e, updates={a: e}, mode=mode)
    r = f()
    assert not np.shares_memory(r, a.get_value(borrow=True))
    # Two outputs that are the same variable are distinct arrays.
    r1, r2 = function([x], [x * 2, x * 2], mode=mode)(v)
    assert not np.shares_memory(r1, r2)
    # A view of an input.
    r = function([x], x[1:], mode=mode)(v)
    assert not np.shares_memory(r, v)
    # An output that is a view of another output.
    y = x * 2
    r1, r2, r3 = function([x], [y[1:], y, y.T], mode=mode)(v)
    assert not np.shares_memory(r1, r2) and not np.shares_memory(r2, r3)
    r2[1] = 100.0
    assert r1[0] == 4.0
    # Two shared variables updated to the same value get separate buffers.
    p, q = shared(np.zeros(2), name="p"), shared(np.zeros(2), name="q")
    function([x], [], updates=[(p, x * 3), (q, x * 3)], mode=mode)(v)
    assert not np.shares_memory(p.get_value(borrow=True), q.get_value(borrow=True))


def test_out_borrow_may_alias_shared(mode):
    a = shared(np.array([1.0, 2.0]), name="a")
    f = function([], Out(a, borrow=True), mode=mode)
    assert f() is a.get_value(borrow=True)


def test_eval_compiles_once(monkeypatch):
    x = T.dscalar("x")
    y = x**2
    calls = []
    real = function_module.function

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(function_module, "function", counting)
    assert y.eval({x: 3.0}) == 9.0
    assert y.eval({x: 4.0}) == 16.0
    assert len(calls) == 1
    w = T.dscalar("w")
    z = x * w
    assert z.eval({x: 2.0, w: 3.0}) == 6.0
    assert z.eval({x: 5.0, w: 1.0}) == 5.0
    assert len(calls) == 2
    assert (x * 2).eval({x: np.float64(2.5)}) == 5.0


def test_maker_and_source(mode):
    x = T.dvector("x")
    a = shared(np.ones(2), name="a")
    f = function([x], T.exp(x) + a, mode=mode)
    fg = f.maker.fgraph
    nodes = fg.toposort()
    assert len(nodes) >= 1 and set(nodes) == set(fg.apply_nodes)
    assert [v.name for v in fg.inputs] == ["x", "a"]
    assert len(fg.outputs) == 1
    assert [s.variable.name for s in f.maker.inputs] == ["x", "a"]
    assert [s.implicit for s in f.maker.inputs] == [False, True]
    src = f.source
    assert src.startswith("def graph(x, a):") and "return" in src


def test_function_is_usable_repeatedly_and_name(mode):
    x = T.dvector("x")
    f = function([x], x + 1, mode=mode, name="inc")
    assert f.name == "inc" and "inc" in repr(f)
    for k in range(3):
        np.testing.assert_allclose(f([float(k)]), [k + 1.0])


def test_pickle_round_trip(mode):
    x = T.dvector("x")
    acc = T.dscalar("acc")
    s = shared(np.ones(2), name="s")
    f = function([x, In(acc, value=0.0, update=acc + 1)], (T.exp(x) * s).sum() + acc,
                 updates={s: s * 2}, mode=mode, name="pickled")  # fmt: skip
    assert float(f([0.0, 0.0])) == 2.0
    g, s2 = pickle.loads(pickle.dumps((f, s)))
    assert g.name == "pickled" and g["acc"] == 1.0
    np.testing.assert_allclose(s2.get_value(), [2.0, 2.0])
    assert float(g([0.0, 0.0])) == 5.0
    np.testing.assert_allclose(s2.get_value(), [4.0, 4.0])
    np.testing.assert_allclose(s.get_value(), [2.0, 2.0])  # the original is separate
    with pytest.raises(TypeError, match='name "x"'):
        g([[0.0]])


def test_pickle_keeps_a_value_set_on_an_input_without_default(mode):
    import copy

    x, y = T.dvectors("x", "y")
    f = function([x, y], x + y, mode=mode)
    f["y"] = np.ones(2)
    for g in (pickle.loads(pickle.dumps(f)), copy.copy(f)):
        np.testing.assert_array_equal(g(np.zeros(2)), [1.0, 1.0])
        np.testing.assert_array_equal(g["y"], [1.0, 1.0])


# ------------------------------------------------------------ in-place ops and inputs


def test_inplace_graph_needs_accept_inplace():
    from theano.tensor import inplace

    x = T.dvector("x")
    with pytest.raises(TypeError, match="Graph must not contain inplace operations"):
        theano.function([x], inplace.exp_inplace(x * 2))


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "FAST_RUN"])
def test_inplace_op_never_overwrites_a_callers_array(mode):
    from theano.tensor import inplace

    x, y = T.dvectors("x", "y")
    w = theano.shared(np.ones(2), "w")
    outs = [inplace.exp_inplace(x), inplace.add_inplace(y + 0.0, x), inplace.neg_inplace(w)]
    f = theano.function([x, y], outs, mode=mode, accept_inplace=True)
    a, b = np.array([0.0, 1.0]), np.array([2.0, 3.0])
    r1, r2, r3 = f(a, b)
    np.testing.assert_allclose(r1, np.exp([0.0, 1.0]))
    np.testing.assert_allclose(r2, [2.0, 4.0])
    np.testing.assert_allclose(r3, [-1.0, -1.0])
    np.testing.assert_array_equal(a, [0.0, 1.0])
    np.testing.assert_array_equal(b, [2.0, 3.0])
    np.testing.assert_array_equal(w.get_value(), [1.0, 1.0])


def test_inplace_op_overwrites_a_mutable_input():
    from theano.tensor import inplace

    x = T.dvector("x")
    f = theano.function([theano.In(x, mutable=True)], inplace.exp_inplace(x), accept_inplace=True)
    a = np.zeros(2)
    f(a)
    np.testing.assert_array_equal(a, [1.0, 1.0])


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "FAST_RUN"])
def test_set_subtensor_on_an_input_leaves_the_callers_array(mode):
    x = T.dvector("x")
    f = theano.function([x], T.set_subtensor(x[1:], 0.0, inplace=True), mode=mode,
                        accept_inplace=True)  # fmt: skip
    a = np.ones(3)
    np.testing.assert_array_equal(f(a), [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(a, [1.0, 1.0, 1.0])


def test_set_subtensor_of_an_intermediate_runs_in_place():
    x = T.dvector("x")
    f = theano.function([x], T.set_subtensor(T.exp(x)[1:], 0.0))
    ops = [str(n.op) for n in f.maker.fgraph.toposort()]
    assert "SetSubtensor{inplace}" in ops
    np.testing.assert_allclose(f(np.zeros(3)), [1.0, 0.0, 0.0])


def test_compiling_leaves_the_garbage_collector_as_it_was():
    import gc

    x = T.dvector("x")
    theano.function([x], x + 1)
    assert gc.isenabled()


# ------------------------------------------------------------------------- copy


def test_copy_computes_the_same_with_its_own_stored_values(mode):
    x, a = T.dvector("x"), T.dscalar("a")
    s = shared(np.zeros(3), "s")
    f = function([x, In(a, value=2.0)], (x * a + s).sum(), updates=[(s, s + x)], mode=mode)
    g = f.copy()
    assert float(f(np.ones(3))) == 6.0
    assert float(g(np.ones(3))) == 9.0  # the same shared variable, updated by both
    np.testing.assert_array_equal(s.get_value(), [2.0, 2.0, 2.0])
    g["a"] = 5.0
    assert f["a"] == 2.0 and g["a"] == 5.0
    shared_memory = f.copy(share_memory=True)
    shared_memory["a"] = 7.0
    assert f["a"] == 7.0


def test_copy_with_swap_delete_updates_name_and_profile(mode):
    x = T.dvector("x")
    s, other = shared(np.zeros(2), "s"), shared(np.full(2, 10.0), "other")
    f = function([x], s * 2, updates=[(s, s + x)], mode=mode, name="f")
    from theano.compile.profiling import ProfileStats

    swapped = f.copy(swap={s: other}, name="swapped", profile=ProfileStats(atexit_print=False))
    np.testing.assert_array_equal(swapped(np.ones(2)), [20.0, 20.0])
    np.testing.assert_array_equal(other.get_value(), [11.0, 11.0])
    np.testing.assert_array_equal(s.get_value(), [0.0, 0.0])
    assert swapped.name == "swapped" and swapped.profile.fct_callcount == 1
    frozen = f.copy(delete_updates=True)
    frozen(np.ones(2))
    np.testing.assert_array_equal(s.get_value(), [0.0, 0.0])
    with pytest.raises(TypeError, match="cannot swap the shared variable s"):
        f.copy(swap={s: shared(np.zeros((2, 2)))})
    with pytest.raises(ValueError, match="does not use"):
        f.copy(swap={shared(np.zeros(2), "unused"): other})


@pytest.mark.parametrize("any_mode", ["FAST_RUN", "NUMBA"])
def test_one_copy_per_thread_gives_right_results(any_mode):
    import threading

    x, y = T.dvectors("x", "y")
    f = function([x, y], ((x * 2.0 + y) * 3.0 - x).sum(), mode=any_mode)
    wrong = []

    def work(k, fn):
        xv, yv = np.random.default_rng(k).normal(size=(2, 140_000))
        want = ((xv * 2 + yv) * 3 - xv).sum()
        for _ in range(30):
            if not np.isclose(fn(xv, yv), want, rtol=1e-12):
                wrong.append(k)

    threads = [threading.Thread(target=work, args=(k, f.copy())) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong
