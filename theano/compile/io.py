"""`In`/`Param` and `Out`: how a function's inputs and outputs are declared."""

from __future__ import annotations

from theano.graph.basic import Variable


class In:
    """An input of a compiled function.

    Parameters
    ----------
    variable : Variable
        The symbolic input.
    name : str, optional
        The keyword the function accepts for it (default: ``variable.name``).
    value : optional
        A default value; with ``update``, the stored state the function keeps.
    update : Variable, optional
        An expression giving the stored value after each call (needs ``value``).
    mutable : bool
        The function may overwrite the array passed in.
    borrow : bool
        The function may keep a reference to the array passed in.
    strict : bool
        Only values of exactly the right type are accepted (no conversion).
    allow_downcast : bool, optional
        Accept values that lose precision when converted to the input's dtype.
    implicit : bool
        Internal: the input is a shared variable.
    """

    def __init__(self, variable, name=None, value=None, update=None, mutable=None,
                 strict=False, allow_downcast=None, autoname=True, implicit=False,
                 borrow=False, shared=False):  # fmt: skip
        if not isinstance(variable, Variable):
            raise TypeError(f"In() takes a symbolic variable, got {variable!r}")
        self.variable = variable
        self.name = variable.name if (name is None and autoname) else name
        self.value = value
        self.update = update
        self.mutable = bool(mutable) if mutable is not None else update is not None
        self.strict = strict
        self.allow_downcast = allow_downcast
        self.implicit = implicit
        self.borrow = borrow or self.mutable
        self.shared = shared
        if update is not None and value is None:
            raise TypeError(f"In({variable}): an input with an update needs a value")

    @property
    def has_default(self):
        return self.value is not None

    def __repr__(self):
        return f"In({self.variable})"


class Param(In):
    """Theano's older spelling of `In`: ``Param(var, default=value, name=...)``."""

    def __init__(self, variable, default=None, name=None, mutable=False, strict=False,
                 allow_downcast=None, implicit=False, borrow=None):  # fmt: skip
        super().__init__(variable, name=name, value=default, mutable=mutable, strict=strict,
                         allow_downcast=allow_downcast, implicit=implicit,
                         borrow=bool(borrow))  # fmt: skip

    @property
    def default(self):
        return self.value


class SymbolicInput(In):
    """Alias kept for old code."""


class Out:
    """An output of a compiled function; ``borrow=True`` lets it alias internal storage."""

    def __init__(self, variable, borrow=False):
        if not isinstance(variable, Variable):
            raise TypeError(f"Out() takes a symbolic variable, got {variable!r}")
        self.variable = variable
        self.borrow = borrow

    def __repr__(self):
        return f"Out({self.variable}, borrow={self.borrow})"


SymbolicOutput = Out
