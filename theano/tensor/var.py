"""`TensorVariable` and `TensorConstant` (the printed class path of classic Theano)."""

from __future__ import annotations

import sys

from theano.graph.basic import Constant, Variable


def _m():
    """`theano.tensor.math`, imported lazily: it is built on this module."""
    mod = sys.modules.get("theano.tensor.math")
    if mod is None:
        import theano.tensor.math as mod
    return mod


def _mod(name):
    mod = sys.modules.get(name)
    if mod is None:
        import importlib

        mod = importlib.import_module(name)
    return mod


_COMPARISONS = ("lt", "gt", "le", "ge", "eq", "neq")


class _tensor_py_operators:
    """Operators and array-like methods shared by tensor variables and constants."""

    # NumPy arrays on the left of an operator defer to our reflected operators.
    __array_priority__ = 1000

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
        owner = self.owner
        if owner is not None and str(getattr(owner.op, "scalar_op", "")) in _COMPARISONS:
            raise TypeError(
                "Variables do not support boolean operations. This can happen if you do a "
                "logical operation (<, <=, >, <=, ==, !=) between a numpy.ndarray and a "
                "Theano tensor variable. Due to NumPy implementation before NumPy 1.8, we "
                "cannot make the Python syntax work when the ndarray is on the left, and "
                "this results in this error. To work around that, either call "
                "theano.tensor.{lt,le,eq,ne,gt,ge}(ndarray, tensor), or use the Python "
                "syntax with the Theano tensor on the left. Or update to NumPy 1.8 or above."
            )
        return True

    def __len__(self):
        raise TypeError(
            "len() of a symbolic tensor is not defined; use var.shape[0] for a symbolic length"
        )

    def __iter__(self):
        raise TypeError("a symbolic tensor cannot be iterated over; index it or use scan")

    # -- arithmetic -------------------------------------------------------------------
    def __add__(self, other):
        return _m().add(self, other)

    def __radd__(self, other):
        return _m().add(other, self)

    def __sub__(self, other):
        return _m().sub(self, other)

    def __rsub__(self, other):
        return _m().sub(other, self)

    def __mul__(self, other):
        return _m().mul(self, other)

    def __rmul__(self, other):
        return _m().mul(other, self)

    def __truediv__(self, other):
        return _m().true_div(self, other)

    def __rtruediv__(self, other):
        return _m().true_div(other, self)

    def __floordiv__(self, other):
        return _m().int_div(self, other)

    def __rfloordiv__(self, other):
        return _m().int_div(other, self)

    def __mod__(self, other):
        return _m().mod(self, other)

    def __rmod__(self, other):
        return _m().mod(other, self)

    def __pow__(self, other):
        return _m().pow(self, other)

    def __rpow__(self, other):
        return _m().pow(other, self)

    def __neg__(self):
        return _m().neg(self)

    def __abs__(self):
        return _m().abs_(self)

    def __lt__(self, other):
        return _m().lt(self, other)

    def __le__(self, other):
        return _m().le(self, other)

    def __gt__(self, other):
        return _m().gt(self, other)

    def __ge__(self, other):
        return _m().ge(self, other)

    # == and != stay identity comparisons (variables are dict keys), as in Theano.

    def __matmul__(self, other):
        return _m().dot(self, other)

    def __rmatmul__(self, other):
        return _m().dot(other, self)

    # -- shape ------------------------------------------------------------------------
    @property
    def shape(self):
        return _mod("theano.tensor.shape").shape(self)

    @property
    def size(self):
        return _m().prod(self.shape)

    def dimshuffle(self, *pattern):
        return _mod("theano.tensor.elemwise").dimshuffle(self, *pattern)

    @property
    def T(self):
        return self.transpose()

    def transpose(self, *axes):
        if not axes or axes == (None,):
            axes = tuple(reversed(range(self.ndim)))
        elif len(axes) == 1 and isinstance(axes[0], list | tuple):
            axes = tuple(axes[0])
        return self.dimshuffle(*axes)

    def reshape(self, shape, *more, ndim=None):
        if more:
            shape = (shape, *more)
        return _mod("theano.tensor.shape").reshape(self, shape, ndim=ndim)

    def flatten(self, ndim=1):
        return _mod("theano.tensor.shape").flatten(self, ndim)

    def __getitem__(self, args):
        return _mod("theano.tensor.subtensor").getitem(self, args)

    # -- reductions and math ----------------------------------------------------------
    def sum(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _m().sum(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)

    def prod(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _m().prod(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)

    def mean(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _m().mean(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)

    def max(self, axis=None, keepdims=False):
        return _m().max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return _m().min(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None, keepdims=False):
        return _m().argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims=False):
        return _m().argmin(self, axis=axis, keepdims=keepdims)

    def dot(self, other):
        return _m().dot(self, other)

    def astype(self, dtype):
        return _m().cast(self, dtype)

    def exp(self):
        return _m().exp(self)

    def log(self):
        return _m().log(self)

    def sqrt(self):
        return _m().sqrt(self)

    def zeros_like(self, dtype=None):
        return _m().zeros_like(self, dtype)

    def ones_like(self, dtype=None):
        return _m().ones_like(self, dtype)


class TensorVariable(_tensor_py_operators, Variable):
    """A symbolic n-dimensional array."""


class TensorConstant(_tensor_py_operators, Constant):
    """A tensor with a fixed value; prints as ``TensorConstant{2}``."""
