"""Constants and Theano's autocasting of Python numbers."""

import numpy as np
import pytest

from theano import config
from theano.tensor.basic import as_tensor_variable, autocast, constant


@pytest.mark.parametrize(
    "value, dtype",
    [(2, "int8"), (-129, "int16"), (40000, "int32"), (2**40, "int64"), (1.5, "float32"),
     (0.1, "float64")],
)  # fmt: skip
def test_autocast_custom_float64(value, dtype):
    with config.change_flags(floatX="float64", cast_policy="custom"):
        assert autocast(value).dtype == dtype


def test_autocast_float32_keeps_floats_float32():
    with config.change_flags(floatX="float32"):
        assert autocast(0.1).dtype == np.float32
    with config.change_flags(floatX="float32", cast_policy="numpy+floatX"):
        assert autocast(0.1).dtype == np.float32 and autocast(2).dtype == np.int64


def test_constant_prints_and_broadcasts():
    c = constant(2)
    assert str(c) == "TensorConstant{2}"
    assert c.type.broadcastable == ()
    m = constant([[1.0, 2.0]])
    assert m.type.broadcastable == (True, False) and m.dtype == "float64"
    assert constant(3, ndim=2).data.shape == (1, 1)


def test_as_tensor_variable_errors():
    with pytest.raises(TypeError, match="eq"):
        as_tensor_variable(True)
    with pytest.raises(TypeError, match="cannot convert"):
        as_tensor_variable(object())
    c = constant(1.0)
    assert as_tensor_variable(c) is c
