"""Turning Python and NumPy values into tensor variables, with Theano's autocasting."""

from __future__ import annotations

import numpy as np

from theano.configdefaults import config
from theano.graph.basic import Variable
from theano.tensor.type import TensorType
from theano.tensor.var import TensorConstant

_INT_DTYPES = ("int8", "int16", "int32", "int64")


def autocast(value):
    """The ndarray a Python number becomes under ``config.cast_policy``.

    'custom' (Theano's default): an int takes the smallest int dtype that holds it; a
    float becomes floatX when floatX is float32, otherwise float32 when exact, else
    float64. 'numpy+floatX': NumPy's choice, with Python floats as floatX.
    """
    if isinstance(value, bool):
        return np.asarray(value)
    if config.cast_policy == "numpy+floatX":
        arr = np.asarray(value)
        return arr.astype(config.floatX) if isinstance(value, float) else arr
    if isinstance(value, int):
        for dtype in _INT_DTYPES:
            info = np.iinfo(dtype)
            if info.min <= value <= info.max:
                return np.asarray(value, dtype=dtype)
        return np.asarray(value)
    if isinstance(value, float):
        if config.floatX in ("float32", "float16"):
            return np.asarray(value, dtype=config.floatX)
        as32 = np.asarray(value, dtype="float32")
        return as32 if (float(as32) == value or np.isnan(value)) else np.asarray(value, "float64")
    return np.asarray(value)


def constant(x, name=None, ndim=None, dtype=None) -> TensorConstant:
    """A `TensorConstant` holding ``x`` (Python numbers are autocast)."""
    if dtype is not None:
        value = np.asarray(x, dtype=dtype)
    elif isinstance(x, int | float) and not isinstance(x, np.generic):
        value = autocast(x)
    else:
        value = np.asarray(x)
    if value.dtype.kind not in "biufc":
        raise TypeError(f"values of dtype {value.dtype} cannot be tensors")
    if ndim is not None and value.ndim != ndim:
        extra = value.ndim - ndim
        if extra < 0:
            value = value.reshape((1,) * -extra + value.shape)
        elif all(n == 1 for n in value.shape[:extra]):
            value = value.reshape(value.shape[extra:])
        else:
            raise ValueError(f"cannot make a {ndim}-d constant from shape {value.shape}")
    bcast = tuple(n == 1 for n in value.shape)
    return TensorConstant(TensorType(value.dtype, bcast), value, name)


def as_tensor_variable(x, name=None, ndim=None) -> Variable:
    """Return ``x`` as a tensor variable: variables pass, values become constants."""
    if isinstance(x, Variable):
        if not isinstance(x.type, TensorType):
            raise TypeError(f"{x} has type {x.type}, which is not a tensor type")
        if ndim is not None and x.type.ndim != ndim:
            raise TypeError(f"{x} has {x.type.ndim} dimensions, expected {ndim}")
        return x
    if isinstance(x, bool):
        raise TypeError(
            "cannot make a tensor of True or False; use 1 or 0. This may come from `==` on "
            "variables: use theano.tensor.eq(a, b) instead"
        )
    try:
        return constant(x, name=name, ndim=ndim)
    except (TypeError, ValueError) as err:
        raise TypeError(f"cannot convert {x!r} to a tensor: {err}") from err


as_tensor = as_tensor_variable


def __getattr__(name):
    # Theano 1.0 defined most of the tensor library in ``theano.tensor.basic``; old code
    # imports from that path (``from theano.tensor.basic import dot``), so it resolves
    # every public name of ``theano.tensor`` too.
    import theano.tensor

    if name.startswith("__"):
        raise AttributeError(name)
    try:
        return getattr(theano.tensor, name)
    except AttributeError:
        raise AttributeError(f"module 'theano.tensor.basic' has no attribute {name!r}") from None
