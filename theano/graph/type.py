"""`Type`: what values a `Variable` may hold, and how to check and convert them."""

from __future__ import annotations

from theano.graph.basic import Constant, Variable


class Type:
    """Base class of variable types (tensor types, scalar types, ...).

    Subclasses define `filter`, which accepts or converts a value, and may set
    ``Variable``/``Constant`` to the classes that their variables instantiate.
    """

    Variable = Variable
    Constant = Constant

    def filter(self, data, strict: bool = False, allow_downcast=None):
        """Return ``data`` as a valid value of this type, or raise `TypeError`."""
        raise NotImplementedError

    def is_valid_value(self, data) -> bool:
        try:
            self.filter(data, strict=True)
            return True
        except (TypeError, ValueError):
            return False

    def filter_variable(self, other, allow_convert=True):
        """Return ``other`` as a variable of this type (constants are wrapped)."""
        if not isinstance(other, Variable):
            other = self.Constant(self, self.filter(other))
        if other.type == self:
            return other
        if allow_convert:
            conv = self.convert_variable(other)
            if conv is not None:
                return conv
        raise TypeError(f"cannot convert {other} of type {other.type} to {self}")

    def convert_variable(self, var):
        """Return ``var`` converted to this type when that is lossless, else ``None``."""
        return var if var.type == self else None

    def make_variable(self, name=None):
        return self.Variable(self, None, None, name)

    def __call__(self, name=None):
        return self.make_variable(name)

    def make_constant(self, value, name=None):
        return self.Constant(self, value, name)

    def data_signature(self, data):
        return data

    def data_str(self, data) -> str:
        return str(data)

    def values_eq(self, a, b) -> bool:
        return a == b

    def values_eq_approx(self, a, b) -> bool:
        return self.values_eq(a, b)


class Generic(Type):
    """A type for arbitrary Python objects."""

    def filter(self, data, strict=False, allow_downcast=None):
        return data

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))

    def __str__(self):
        return "generic"


generic = Generic()
