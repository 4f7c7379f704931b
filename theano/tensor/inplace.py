"""`theano.tensor.inplace`: ``<name>_inplace`` versions of the elementwise functions.

Each writes its result into the buffer of its first input (an `Elemwise` with
``inplace_pattern={0: 0}``), so the result must have that input's type: same dtype and
broadcastable pattern. The input's old value is lost; do not use it afterwards.
FAST_RUN makes this substitution itself where it is safe, so user code rarely needs it.
"""

from __future__ import annotations

from theano.tensor import math as _math
from theano.tensor.elemwise import Elemwise

# The unary and binary elementwise functions of `theano.tensor.math` that get a version.
_UNARY = (
    "neg", "abs_", "sgn", "sqr", "sqrt", "inv", "exp", "exp2", "expm1", "log", "log2",
    "log10", "log1p", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh",
    "tanh", "arcsinh", "arccosh", "arctanh", "deg2rad", "rad2deg", "sigmoid", "softplus",
    "ceil", "floor", "trunc", "round_half_to_even", "round_half_away_from_zero", "erf",
    "erfc", "erfinv", "erfcinv", "erfcx", "gamma", "gammaln", "psi", "tri_gamma", "j0", "j1",
    "i0", "i1", "xlogx", "isnan", "isinf", "invert", "real", "imag", "angle", "conj",
    "identity",
)  # fmt: skip
_BINARY = (
    "add", "sub", "mul", "true_div", "int_div", "mod", "pow", "maximum", "minimum",
    "arctan2", "jv", "iv", "xlogy0", "lt", "gt", "le", "ge", "eq", "neq", "and_", "or_",
    "xor", "complex", "complex_from_polar", "second",
)  # fmt: skip


def _make_inplace(fn):
    op = Elemwise(fn.op.scalar_op, {0: 0})
    name = f"{fn.__name__}_inplace"

    def apply(*args):
        out = op(*args)
        target = out.owner.inputs[0]
        if out.type != target.type:
            raise TypeError(
                f"{name}: the result ({out.type}) cannot be written into the first input "
                f"({target.type}); an inplace op needs them of the same dtype and "
                f"broadcastable pattern. Use {fn.__name__} instead."
            )
        return out

    apply.__name__ = name
    apply.__doc__ = f"`{fn.__name__}` computed in the buffer of the first input."
    apply.op = op
    return apply


__all__ = []
for _name in _UNARY + _BINARY:
    _fn = getattr(_math, _name)
    globals()[f"{_name}_inplace"] = _make_inplace(_fn)
    __all__.append(f"{_name}_inplace")
abs__inplace = globals()["abs__inplace"]
abs_inplace = abs__inplace
fill_inplace = globals()["second_inplace"]
__all__ += ["abs_inplace", "fill_inplace"]
del _name, _fn
