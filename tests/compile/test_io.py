"""`In`, `Param` and `Out`: how function inputs and outputs are declared."""

import numpy as np
import pytest

import theano.tensor as T
from theano import In, Out, Param, function
from theano.compile import SymbolicInput, SymbolicOutput


def test_in_defaults():
    x = T.dvector("x")
    i = In(x)
    assert i.variable is x and i.name == "x"
    assert i.value is None and not i.has_default
    assert i.update is None and not i.mutable and not i.borrow and not i.strict
    assert i.allow_downcast is None and not i.implicit
    assert repr(i) == "In(x)"


def test_in_options():
    x = T.dscalar("x")
    i = In(x, name="other", value=2.0, update=x + 1, strict=True, allow_downcast=True)
    assert i.name == "other" and i.value == 2.0 and i.has_default
    assert i.mutable and i.borrow  # an updated input is mutable, hence borrowed
    assert i.strict and i.allow_downcast
    assert not In(x, value=1.0, update=x + 1, mutable=False).mutable
    assert In(x, borrow=True).borrow
    assert In(x, autoname=False).name is None


def test_in_errors():
    x = T.dscalar("x")
    with pytest.raises(TypeError, match="symbolic variable"):
        In(np.ones(2))
    with pytest.raises(TypeError, match=r"In\(x\): an input with an update needs a value"):
        In(x, update=x + 1)


def test_param_spelling():
    y = T.dscalar("y")
    p = Param(y, default=3.0, name="zz")
    assert isinstance(p, In)
    assert p.default == 3.0 == p.value and p.name == "zz" and p.has_default
    assert Param(y).name == "y" and Param(y).default is None


def test_out():
    x = T.dvector("x")
    o = Out(x)
    assert o.variable is x and o.borrow is False
    assert repr(Out(x, borrow=True)) == "Out(x, borrow=True)"
    with pytest.raises(TypeError, match="symbolic variable"):
        Out([1, 2])
    assert SymbolicOutput is Out and issubclass(SymbolicInput, In)


def test_in_and_out_in_a_function(mode):
    x, y = T.dscalars("x", "y")
    f = function([In(x, name="a"), In(y, value=10.0, name="b")], Out(x * y), mode=mode)
    assert f(2) == 20.0 and f(a=3, b=2) == 6.0
    with pytest.raises(TypeError, match='Missing required input "a"'):
        f(b=1.0)
    with pytest.raises(TypeError, match="Unknown input or state: x"):
        f(x=1.0)


def test_in_mutable_with_update_in_a_function(mode):
    v = T.dvector("v")
    f = function([In(v, value=np.zeros(2), update=v + 1, mutable=True)], v.sum(), mode=mode)
    assert [float(f()) for _ in range(3)] == [0.0, 2.0, 4.0]
    np.testing.assert_allclose(f["v"], [3.0, 3.0])
