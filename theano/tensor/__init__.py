"""Tensors: types, variables and constructors so far; the ops land next."""

from theano.tensor import type as _type
from theano.tensor.type import TensorType, tensor
from theano.tensor.var import TensorConstant, TensorVariable

globals().update(_type.CONSTRUCTORS)

__all__ = ["TensorConstant", "TensorType", "TensorVariable", "tensor"]  # + constructors
