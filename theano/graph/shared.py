"""`SharedVariable`: a variable with a value that persists between function calls."""

from __future__ import annotations

import copy

from theano.graph.basic import Variable


class Container:
    """The one-element storage of a shared value, shared by every function that uses it."""

    __slots__ = ("allow_downcast", "name", "storage", "strict", "type")

    def __init__(self, type, value, strict=False, allow_downcast=None, name=None):
        self.type = type
        self.strict = strict
        self.allow_downcast = allow_downcast
        self.name = name
        self.storage = [value]

    @property
    def value(self):
        return self.storage[0]

    @value.setter
    def value(self, new):
        self.storage[0] = self.type.filter(new, self.strict, self.allow_downcast)

    def __repr__(self):
        return f"<{self.storage[0]!r}>"


class SharedVariable(Variable):
    """A variable whose value lives in a `Container` shared by all functions using it.

    Shared variables are implicit inputs of every function whose graph uses them;
    ``updates=`` (or ``default_update``) give their new values after each call.
    """

    def __init__(self, name, type, value, strict, allow_downcast=None, container=None):
        super().__init__(type=type, owner=None, index=None, name=name)
        if container is not None:
            self.container = container
        else:
            self.container = Container(
                type, type.filter(value, strict=strict, allow_downcast=allow_downcast),
                strict=strict, allow_downcast=allow_downcast, name=name,
            )  # fmt: skip

    def get_value(self, borrow=False, return_internal_type=False):
        """The current value; a copy unless ``borrow`` is true."""
        value = self.container.storage[0]
        return value if borrow else copy.deepcopy(value)

    def set_value(self, new_value, borrow=False):
        """Replace the value (copied unless ``borrow`` is true), checked against the type."""
        if not borrow or not getattr(getattr(new_value, "flags", None), "writeable", True):
            new_value = copy.deepcopy(new_value)  # updates may write into the stored buffer
        self.container.value = new_value

    def clone(self):
        cp = self.__class__(self.name, self.type, None, self.container.strict,
                            self.container.allow_downcast, container=self.container)  # fmt: skip
        cp.tag = copy.copy(self.tag)
        return cp

    @property
    def value(self):
        return self.get_value()

    def __str__(self):
        return self.name if self.name is not None else f"<{self.type}>"

    def __getstate__(self):
        return super().__getstate__()
