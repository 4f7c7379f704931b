"""Shared variables: construction, values, types, and their use in functions."""

import pickle

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano import function, shared
from theano.tensor.sharedvar import TensorSharedVariable


def test_array_types_and_class():
    m = shared(np.zeros((2, 2), dtype="float32"), name="m")
    assert str(m.type) == "TensorType(float32, matrix)"
    assert isinstance(m, TensorSharedVariable)
    assert isinstance(m, theano.tensor.sharedvar.TensorSharedVariable)
    assert isinstance(m, theano.SharedVariable)
    assert str(m) == "m" and m.name == "m"
    v = shared(np.arange(3))
    assert str(v.type) == "TensorType(int64, vector)"
    assert str(v) == "<TensorType(int64, vector)>"
    assert str(shared(np.ones((1, 2, 3))).type) == "TensorType(float64, 3D)"


def test_python_scalars():
    i = shared(3)
    assert str(i.type) == "TensorType(int64, scalar)"
    value = i.get_value()
    assert type(value) is np.ndarray and value.shape == () and value == 3
    f = shared(2.5)
    assert str(f.type) == "TensorType(float64, scalar)"
    assert shared(np.float32(1.5)).dtype == "float32"
    assert isinstance(f, TensorSharedVariable)


def test_shared_rejects_other_values():
    with pytest.raises(TypeError, match="cannot hold a value of type str"):
        shared("abc")
    with pytest.raises(TypeError, match="takes a value, not a shared variable"):
        shared(shared(1.0))


def test_broadcastable():
    b = shared(np.ones((1, 3)), broadcastable=(True, False))
    assert b.broadcastable == (True, False)
    assert str(b.type) == "TensorType(float64, row)"
    assert shared(np.ones((1, 3))).broadcastable == (False, False)
    with pytest.raises(TypeError, match="broadcastable"):
        b.set_value(np.ones((2, 3)))


def test_construction_copies_unless_borrow():
    v = np.array([1.0, 2.0])
    s = shared(v)
    v[0] = 9.0
    np.testing.assert_allclose(s.get_value(), [1.0, 2.0])
    v = np.array([1.0, 2.0])
    s = shared(v, borrow=True)
    v[0] = 9.0
    np.testing.assert_allclose(s.get_value(), [9.0, 2.0])
    assert s.get_value(borrow=True) is v


def test_get_value_copies_unless_borrow():
    s = shared(np.array([1.0, 2.0]))
    g = s.get_value()
    g[0] = 100.0
    np.testing.assert_allclose(s.get_value(), [1.0, 2.0])
    inner = s.get_value(borrow=True)
    assert inner is s.get_value(borrow=True)


def test_set_value_copies_unless_borrow():
    s = shared(np.zeros(2))
    new = np.array([5.0, 6.0])
    s.set_value(new)
    new[0] = 0.0
    np.testing.assert_allclose(s.get_value(), [5.0, 6.0])
    s.set_value(new, borrow=True)
    assert s.get_value(borrow=True) is new
    s.set_value([7, 8])  # lists and ints convert
    assert s.get_value().dtype == np.float64
    np.testing.assert_allclose(s.get_value(), [7.0, 8.0])
    s.set_value(np.ones(5))  # the shape may change, not the type
    assert s.get_value().shape == (5,)


def test_set_value_type_checks():
    s = shared(np.zeros(2), name="s")
    with pytest.raises(TypeError, match=r"expects 1 dimension\(s\), got a value with 2"):
        s.set_value(np.ones((2, 2)))
    with pytest.raises(TypeError, match="complex128"):
        s.set_value(np.ones(2, dtype="complex128"))
    np.testing.assert_allclose(s.get_value(), [0.0, 0.0])  # unchanged after errors
    f32 = shared(np.ones(2, dtype="float32"))
    with pytest.raises(TypeError, match=r"float32.*float64"):
        f32.set_value(np.ones(2))
    down = shared(np.ones(2, dtype="float32"), allow_downcast=True)
    down.set_value(np.array([0.1, 0.2]))
    assert down.get_value().dtype == np.float32
    strict = shared(np.ones(2), strict=True)
    with pytest.raises(TypeError, match="expects an ndarray of dtype float64"):
        strict.set_value([1.0, 2.0])


def test_implicit_input_follows_value(mode):
    fX = theano.config.floatX
    sv = shared(np.array([[1.0, 2.0], [3.0, 4.0]], dtype=fX))
    f = function([], sv**2, mode=mode)
    np.testing.assert_allclose(f(), [[1.0, 4.0], [9.0, 16.0]])
    sv.set_value(np.array([[3.0, 4], [2, 1]], dtype=fX))
    np.testing.assert_allclose(f(), [[9.0, 16.0], [4.0, 1.0]])
    assert f.maker.inputs[0].implicit and f.maker.inputs[0].variable is sv


def test_seed_update_example(mode):
    fX = theano.config.floatX
    sv = shared(np.array([[1.0, 2], [3, 4]], dtype=fX))
    subtract = T.matrix("subtract")
    f = function([subtract], sv, updates={sv: sv - subtract}, mode=mode)
    before = f(np.ones((2, 2), dtype=fX))
    np.testing.assert_allclose(before, [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(sv.get_value(), [[0.0, 1.0], [2.0, 3.0]])


def test_shared_between_functions(mode):
    c = shared(0, name="c")
    inc = T.lscalar("inc")
    add = function([inc], c, updates={c: c + inc}, mode=mode)
    dec = function([inc], c, updates={c: c - inc}, mode=mode)
    add(10)
    dec(3)
    assert c.get_value() == 7
    assert int(add(1)) == 7 and c.get_value() == 8


def test_default_update():
    r = shared(np.array(1.0), name="r")
    assert getattr(r, "default_update", None) is None
    r.default_update = r * 2
    f = function([], r + 0)
    assert [float(f()) for _ in range(3)] == [1.0, 2.0, 4.0]


def test_pickle_round_trip():
    s = shared(np.array([1.0, 2.0]), name="s")
    back = pickle.loads(pickle.dumps(s))
    assert back.name == "s" and back.type == s.type
    np.testing.assert_allclose(back.get_value(), [1.0, 2.0])
