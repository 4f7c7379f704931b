"""TensorType printing and Theano's value-conversion rules, against NumPy."""

import numpy as np
import pytest

from theano import config
from theano.tensor.type import TensorType


@pytest.mark.parametrize(
    "dtype, pattern, text",
    [
        ("float32", (), "TensorType(float32, scalar)"),
        ("float64", (False, False), "TensorType(float64, matrix)"),
        ("float32", (True, False), "TensorType(float32, row)"),
        ("float32", (False, True), "TensorType(float32, col)"),
        ("int64", (False,), "TensorType(int64, vector)"),
        ("float32", (False,) * 3, "TensorType(float32, 3D)"),
        ("float64", (False, True, False), "TensorType(float64, (False, True, False))"),
    ],
)
def test_printing(dtype, pattern, text):
    assert str(TensorType(dtype, pattern)) == text


def test_equality_and_floatx():
    assert TensorType("float32", (False,)) == TensorType("float32", [0])
    assert TensorType("float32", (False,)) != TensorType("float64", (False,))
    with config.change_flags(floatX="float32"):
        assert TensorType("floatX", ()).dtype == "float32"


def test_filter_rules():
    f32v = TensorType("float32", (False,))
    out = f32v.filter([1, 2, 3])
    assert out.dtype == np.float32 and out.tolist() == [1, 2, 3]
    with pytest.raises(TypeError, match="loss of precision"):
        f32v.filter(np.zeros(3, dtype="float64"))
    assert f32v.filter(np.zeros(3), allow_downcast=True).dtype == np.float32
    assert TensorType("float64", (False,)).filter(np.arange(3, dtype="int32")).dtype == np.float64
    with pytest.raises(TypeError, match="1 dimension"):
        f32v.filter(np.zeros((2, 2), dtype="float32"))
    with pytest.raises(TypeError, match="broadcastable"):
        TensorType("float64", (True, False)).filter(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="exactly"):
        TensorType("int8", ()).filter(1000)
    with config.change_flags(floatX="float32"):
        assert TensorType("float32", ()).filter(0.1).dtype == np.float32
    a = np.ones(2, dtype="float32")
    assert f32v.filter(a) is a
