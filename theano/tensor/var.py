"""`TensorVariable` and `TensorConstant` (the printed class path of classic Theano)."""

from __future__ import annotations

from theano.graph.basic import Constant, Variable


class _tensor_py_operators:
    """Array-like attributes shared by tensor variables and constants."""

    @property
    def ndim(self):
        return self.type.ndim

    @property
    def dtype(self):
        return self.type.dtype

    @property
    def broadcastable(self):
        return self.type.broadcastable

    def __bool__(self):
        # Defined because __len__ is: a variable is truthy, as in Theano.
        return True

    def __len__(self):
        raise TypeError(
            "len() of a symbolic tensor is not defined; use var.shape[0] for a symbolic length"
        )


class TensorVariable(_tensor_py_operators, Variable):
    """A symbolic n-dimensional array."""


class TensorConstant(_tensor_py_operators, Constant):
    """A tensor with a fixed value; prints as ``TensorConstant{2}``."""
