"""Shared tensors: `TensorSharedVariable` and the constructor `theano.shared` uses for arrays."""

from __future__ import annotations

import numpy as np

from theano.graph.shared import SharedVariable
from theano.tensor.type import TensorType
from theano.tensor.var import _tensor_py_operators


class TensorSharedVariable(_tensor_py_operators, SharedVariable):
    """A shared variable holding an ndarray."""


class ScalarSharedVariable(TensorSharedVariable):
    """A shared variable holding a 0-d array (made from a Python or NumPy scalar)."""


def tensor_constructor(value, name=None, strict=False, allow_downcast=None, borrow=False,
                       broadcastable=None, target="cpu"):  # fmt: skip
    """A `TensorSharedVariable` for an ndarray (copied unless ``borrow``).

    No dimension is broadcastable unless ``broadcastable`` says so, since a shared
    value may later change shape.
    """
    if not isinstance(value, np.ndarray):
        raise TypeError(f"expected an ndarray, got {type(value).__name__}")
    if broadcastable is None:
        broadcastable = (False,) * value.ndim
    ttype = TensorType(value.dtype, broadcastable)
    # Updates may run in the shared buffer: a read-only array is copied even when borrowed.
    stored = value if borrow and value.flags.writeable else value.copy()
    return TensorSharedVariable(name=name, type=ttype, value=stored, strict=strict,
                                allow_downcast=allow_downcast)  # fmt: skip


def scalar_constructor(value, name=None, strict=False, allow_downcast=None, borrow=False,
                       target="cpu"):  # fmt: skip
    """A 0-d shared tensor for a Python or NumPy number."""
    if not isinstance(value, int | float | complex | np.number) or isinstance(value, bool):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    arr = np.asarray(value)
    ttype = TensorType(arr.dtype, ())
    return ScalarSharedVariable(name=name, type=ttype, value=arr, strict=strict,
                                allow_downcast=allow_downcast)  # fmt: skip
