"""`TensorType`: a dtype plus a broadcastable pattern, and the value checks of Theano."""

from __future__ import annotations

import numpy as np

from theano.configdefaults import config
from theano.graph.type import Type
from theano.tensor.var import TensorConstant, TensorVariable

_PATTERN_NAMES = {
    (): "scalar",
    (False,): "vector",
    (False, False): "matrix",
    (True, False): "row",
    (False, True): "col",
    (False, False, False): "3D",
    (False, False, False, False): "4D",
    (False, False, False, False, False): "5D",
}


class TensorType(Type):
    """The type of n-dimensional arrays of one ``dtype``.

    ``broadcastable[i]`` is True when dimension ``i`` always has length 1 and may
    broadcast against any length; only such dimensions broadcast.
    """

    Variable = TensorVariable
    Constant = TensorConstant

    def __init__(self, dtype, broadcastable, name=None):
        self.dtype = str(np.dtype(config.floatX if dtype == "floatX" else dtype))
        self.broadcastable = tuple(bool(b) for b in broadcastable)
        self.ndim = len(self.broadcastable)
        self.name = name
        self.numpy_dtype = np.dtype(self.dtype)

    def __eq__(self, other):
        return (
            type(other) is type(self)
            and other.dtype == self.dtype
            and other.broadcastable == self.broadcastable
        )

    def __hash__(self):
        return hash((type(self), self.dtype, self.broadcastable))

    def __str__(self):
        if self.name:
            return self.name
        pattern = _PATTERN_NAMES.get(self.broadcastable, str(self.broadcastable))
        return f"TensorType({self.dtype}, {pattern})"

    __repr__ = __str__

    def filter(self, data, strict=False, allow_downcast=None):
        """Return ``data`` as an ndarray of this type, following Theano's casting rules.

        Python numbers and lists convert when no precision is lost (a Python float may
        always become floatX); an array of another dtype converts only when the cast is
        safe, or when ``allow_downcast`` is true.
        """
        if type(data) is np.ndarray and data.dtype == self.numpy_dtype:
            value = data
        elif strict:
            raise TypeError(
                f"{self} expects an ndarray of dtype {self.dtype}, got {_describe(data)}"
            )
        elif isinstance(data, np.ndarray | np.generic):
            arr = np.asarray(data)
            if not (allow_downcast or np.can_cast(arr.dtype, self.numpy_dtype, "safe")):
                raise TypeError(
                    f"{self} cannot store a value of dtype {arr.dtype} without risking a loss "
                    f"of precision; cast it to {self.dtype} or pass allow_input_downcast=True"
                )
            value = arr.astype(self.numpy_dtype, copy=False)
        else:
            value = np.asarray(data)
            converted = value.astype(self.numpy_dtype)
            python_float_to_floatx = isinstance(data, float) and self.dtype == config.floatX
            exact = value.dtype.kind in "biuf" and bool(np.all(converted == value))
            needs_permission = value.dtype != self.numpy_dtype and not exact
            if needs_permission and not (allow_downcast or python_float_to_floatx):
                raise TypeError(
                    f"{self} cannot store {data!r} exactly; pass allow_input_downcast=True"
                )
            value = converted
        if value.ndim != self.ndim:
            raise TypeError(
                f"{self} expects {self.ndim} dimension(s), got a value with {value.ndim} "
                f"(shape {value.shape})"
            )
        for i, (b, n) in enumerate(zip(self.broadcastable, value.shape)):
            if b and n != 1:
                raise TypeError(
                    f"{self}: dimension {i} is broadcastable and must have length 1, got "
                    f"shape {value.shape}"
                )
        return value

    def data_signature(self, data):
        return (data.dtype.str, data.shape, data.tobytes())

    def data_str(self, data) -> str:
        if data.size > 10:
            return "..."
        return str(data)

    def values_eq(self, a, b):
        return a.shape == b.shape and bool(np.all(a == b))

    def values_eq_approx(self, a, b, rtol=None, atol=None):
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol or 1e-5, atol=atol or 1e-8))


def _describe(data):
    if isinstance(data, np.ndarray):
        return f"an ndarray of dtype {data.dtype} and shape {data.shape}"
    return f"{type(data).__name__} {data!r}"


_PREFIX_DTYPES = {
    "b": "int8", "w": "int16", "i": "int32", "l": "int64",
    "f": "float32", "d": "float64", "c": "complex64", "z": "complex128",
}  # fmt: skip


def tensor(dtype=None, broadcastable=(), name=None):
    """A free tensor variable of ``dtype`` (default floatX) and broadcastable pattern."""
    return TensorType(dtype or config.floatX, broadcastable)(name)


def _constructor(pattern, kind, default_dtype=None):
    def make(name=None, dtype=default_dtype):
        return TensorType(dtype or config.floatX, pattern)(name)

    make.__name__ = kind
    make.__doc__ = f"A symbolic {kind} (broadcastable pattern {pattern}) named ``name``."
    return make


def _plural(single):
    def make(*names, **dtype):
        if len(names) == 1 and isinstance(names[0], int):
            return [single(**dtype) for _ in range(names[0])]
        return [single(n, **dtype) for n in names]

    return make


_KINDS = {
    "scalar": (), "vector": (False,), "matrix": (False, False), "row": (True, False),
    "col": (False, True), "tensor3": (False,) * 3, "tensor4": (False,) * 4,
    "tensor5": (False,) * 5,
}  # fmt: skip

_PLURALS = {"matrix": "matrices"}

CONSTRUCTORS = {}
for _kind, _pattern in _KINDS.items():
    _many = _PLURALS.get(_kind, _kind + "s")
    for _prefix, _dtype in [("", None), *_PREFIX_DTYPES.items()]:
        _single = _constructor(_pattern, _prefix + _kind, _dtype)
        CONSTRUCTORS[_prefix + _kind] = _single
        CONSTRUCTORS[_prefix + _many] = _plural(_single)
globals().update(CONSTRUCTORS)
