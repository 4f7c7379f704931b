"""Constructors of symbolic tensors: names, dtypes, patterns and the classic class path."""

import pytest

import theano.tensor as T
from theano import config


def test_seed_scalar_prints_like_theano():
    with config.change_flags(floatX="float32"):
        foo = T.scalar("x")
    assert str(foo) == "x"
    assert str(type(foo)) == "<class 'theano.tensor.var.TensorVariable'>"
    assert str(foo.type) == "TensorType(float32, scalar)"


@pytest.mark.parametrize(
    "ctor, dtype, pattern",
    [("dvector", "float64", (False,)), ("imatrix", "int32", (False, False)),
     ("brow", "int8", (True, False)), ("zcol", "complex128", (False, True)),
     ("ftensor3", "float32", (False,) * 3), ("ltensor4", "int64", (False,) * 4),
     ("wscalar", "int16", ()), ("ctensor5", "complex64", (False,) * 5)],
)  # fmt: skip
def test_prefixed_constructors(ctor, dtype, pattern):
    v = getattr(T, ctor)("v")
    assert (v.dtype, v.broadcastable, v.name) == (dtype, pattern, "v")


def test_plural_forms_and_default_dtype():
    x, y, z = T.vectors("x", "y", "z")
    assert [v.name for v in (x, y, z)] == ["x", "y", "z"]
    assert x.dtype == config.floatX
    assert len(T.dmatrices(3)) == 3 and T.dmatrices(3)[0].dtype == "float64"
    a, b = T.iscalars("a", "b")
    assert a.dtype == "int32" and b.name == "b"
    assert [v.dtype for v in T.fvectors(2)] == ["float32", "float32"]
    assert T.vectors("a", dtype="int8")[0].dtype == "int8"
    assert T.matrix("m", dtype="int8").dtype == "int8"
    assert T.tensor("float32", (False, True), "t").type == T.TensorType("float32", (False, True))


def test_len_raises_and_variables_are_truthy():
    x = T.vector("x")
    assert x
    with pytest.raises(TypeError, match="shape"):
        len(x)
