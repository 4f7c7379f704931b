"""Types of gradients that are not values: undefined (`NullType`) and disconnected."""

from __future__ import annotations

from theano.graph.type import Type


class NullType(Type):
    """The type of a gradient that is undefined; ``why_null`` says why."""

    def __init__(self, why_null="(no explanation given)"):
        self.why_null = why_null

    def filter(self, data, strict=False, allow_downcast=None):
        raise ValueError("no value can have a NullType (it marks an undefined gradient)")

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))

    def __str__(self):
        return "NullType"


class DisconnectedType(Type):
    """The type of the gradient of an output with respect to an input it does not depend on."""

    def filter(self, data, strict=False, allow_downcast=None):
        raise ValueError("no value can have a DisconnectedType")

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))

    def __str__(self):
        return "DisconnectedType"


disconnected_type = DisconnectedType()
