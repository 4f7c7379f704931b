"""`theano.shared`: make a shared variable of the right kind for a value."""

from __future__ import annotations

from theano.graph.shared import Container, SharedVariable
from theano.tensor import sharedvar

__all__ = ["Container", "SharedVariable", "shared"]

_CONSTRUCTORS = (sharedvar.tensor_constructor, sharedvar.scalar_constructor)


def shared(value, name=None, strict=False, allow_downcast=None, **kwargs):
    """A shared variable holding ``value`` (an ndarray or a Python/NumPy number).

    Parameters
    ----------
    value : ndarray or number
        The initial value; copied unless ``borrow=True`` is passed.
    name : str, optional
    strict : bool
        Later values must have exactly this type (no conversion).
    allow_downcast : bool, optional
        Later values may be cast with a loss of precision.
    borrow : bool
        Keep a reference to ``value`` instead of a copy.
    broadcastable : tuple of bool, optional
        The broadcastable pattern (default: none broadcastable).
    """
    if isinstance(value, SharedVariable):
        raise TypeError("shared() takes a value, not a shared variable")
    errors = []
    for make in _CONSTRUCTORS:
        try:
            return make(value, name=name, strict=strict, allow_downcast=allow_downcast,
                        **kwargs)  # fmt: skip
        except TypeError as err:
            errors.append(str(err))
    raise TypeError(
        f"theano.shared cannot hold a value of type {type(value).__name__}; it takes "
        f"ndarrays and numbers ({'; '.join(errors)})"
    )
