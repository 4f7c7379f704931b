"""Tensors: `TensorType` so far; the variables, constructors and ops land next."""

from theano.tensor.type import TensorType

__all__ = ["TensorType"]
