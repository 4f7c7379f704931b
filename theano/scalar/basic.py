"""Scalar types and scalar ops: the element-level math that `Elemwise` lifts to tensors.

Each scalar op carries everything about itself in one place: its output dtype rule,
its NumPy implementation (``ufunc``, applied to whole arrays by `Elemwise`), the
Python expression a code generator inlines (`py_expr`), and its gradient as a graph
of other scalar ops (`L_op`).
"""

from __future__ import annotations

import warnings

import numpy as np

from theano.configdefaults import config
from theano.graph.basic import Apply, Constant, Variable
from theano.graph.op import Op
from theano.graph.type import Type

# ----------------------------------------------------------------------------- types

INT_DTYPES = ("int8", "int16", "int32", "int64")
UINT_DTYPES = ("uint8", "uint16", "uint32", "uint64")
FLOAT_DTYPES = ("float16", "float32", "float64")
COMPLEX_DTYPES = ("complex64", "complex128")
DISCRETE_DTYPES = ("bool", *INT_DTYPES, *UINT_DTYPES)
CONTINUOUS_DTYPES = FLOAT_DTYPES + COMPLEX_DTYPES
ALL_DTYPES = DISCRETE_DTYPES + CONTINUOUS_DTYPES


def upcast(*dtypes) -> str:
    """The dtype of combining values of ``dtypes`` (Theano's table equals NumPy's for arrays)."""
    return str(np.result_type(*[np.dtype(d) for d in dtypes]))


class ScalarType(Type):
    """The type of one number of a given ``dtype``."""

    def __init__(self, dtype):
        self.dtype = str(np.dtype(config.floatX if dtype == "floatX" else dtype))
        self.ndim = 0
        self.broadcastable = ()

    def filter(self, data, strict=False, allow_downcast=None):
        value = np.asarray(data)
        if value.ndim != 0:
            raise TypeError(f"{self} expects a single number, got shape {value.shape}")
        if strict and value.dtype != self.dtype:
            raise TypeError(f"{self} expects dtype {self.dtype}, got {value.dtype}")
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            converted = np.dtype(self.dtype).type(value.astype(self.dtype))
            exact = value.dtype == self.dtype or bool(converted == value) or (
                bool(np.isnan(value)) and bool(np.isnan(converted))
                if value.dtype.kind in "fc" and converted.dtype.kind in "fc" else False
            )  # fmt: skip
        # As in Theano: a value that does not convert exactly needs allow_downcast, except
        # a Python float stored as floatX.
        python_float = allow_downcast is None and isinstance(data, float) and \
            self.dtype == config.floatX  # fmt: skip
        if not (exact or allow_downcast or python_float):
            raise TypeError(
                f"{self} cannot store {data!r} ({value.dtype}) exactly; cast it to "
                f"{self.dtype} or pass allow_downcast=True (allow_input_downcast=True)"
            )
        return converted

    def __eq__(self, other):
        return type(other) is type(self) and other.dtype == self.dtype

    def __hash__(self):
        return hash((ScalarType, self.dtype))

    def __str__(self):
        return self.dtype

    __repr__ = __str__

    def make_variable(self, name=None):
        return ScalarVariable(self, None, None, name)

    def data_signature(self, data):
        return (self.dtype, data.item())


class _scalar_py_operators:
    """Arithmetic on scalar variables, used to write gradients readably."""

    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __sub__(self, other):
        return sub(self, other)

    def __rsub__(self, other):
        return sub(other, self)

    def __mul__(self, other):
        return mul(self, other)

    def __rmul__(self, other):
        return mul(other, self)

    def __truediv__(self, other):
        return true_div(self, other)

    def __rtruediv__(self, other):
        return true_div(other, self)

    def __pow__(self, other):
        return pow(self, other)

    def __rpow__(self, other):
        return pow(other, self)

    def __neg__(self):
        return neg(self)

    @property
    def dtype(self):
        return self.type.dtype


class ScalarVariable(_scalar_py_operators, Variable):
    """A symbolic scalar (used inside gradients and fused kernels)."""


class ScalarConstant(_scalar_py_operators, Constant):
    """A scalar with a fixed value."""

    def __str__(self):
        return self.name if self.name is not None else str(self.data)


ScalarType.Variable = ScalarVariable
ScalarType.Constant = ScalarConstant


def as_scalar(x, dtype=None) -> Variable:
    """``x`` as a scalar variable; Python numbers become constants of ``dtype``."""
    if isinstance(x, Variable):
        if not isinstance(x.type, ScalarType):
            raise TypeError(f"{x} of type {x.type} is not a scalar variable")
        return x
    if dtype is None:
        dtype = "int64" if isinstance(x, int) else config.floatX
    return ScalarConstant(ScalarType(dtype), x)


def constant_like(value, like: Variable) -> ScalarConstant:
    """A constant with ``like``'s dtype (or floatX when ``like`` is discrete)."""
    dtype = like.type.dtype if like.type.dtype in CONTINUOUS_DTYPES else config.floatX
    return ScalarConstant(ScalarType(dtype), np.asarray(value, dtype=dtype))


# ----------------------------------------------------------------------- dtype rules


def same_out(*dtypes):
    return [upcast(*dtypes)]


def upgrade_to_float(*dtypes):
    """Theano's rule for ops like ``exp`` and ``/``: integers give floats."""
    out = upcast(*dtypes)
    return [_INT_TO_FLOAT.get(out, out)]


_INT_TO_FLOAT = {
    "bool": "float32", "int8": "float32", "uint8": "float32", "int16": "float32",
    "uint16": "float32", "int32": "float64", "uint32": "float64", "int64": "float64",
    "uint64": "float64",
}  # fmt: skip


def bool_out(*dtypes):
    return ["bool"]


def int_out(*dtypes):
    out = upcast(*dtypes)
    return [out if out in DISCRETE_DTYPES and out != "bool" else "int64"]


# ------------------------------------------------------------------------- base ops


class ScalarOp(Op):
    """An operation on ``nin`` scalars giving one scalar.

    Subclasses set ``ufunc`` (the NumPy function applied elementwise), ``nin``,
    ``output_dtypes`` (a rule from input dtypes to output dtypes) and usually
    ``L_op``; `py_expr` gives the inlined source.
    """

    nin = 1
    nout = 1
    ufunc = None
    output_dtypes = staticmethod(same_out)
    # Pretty-printing: infix symbol and precedence for binary operators.
    symbol: str | None = None
    precedence = 100
    # The printed name, when it is not the lowercased class name.
    op_name: str | None = None

    def make_node(self, *inputs):
        if len(inputs) != self.nin:
            raise TypeError(f"{self} takes {self.nin} inputs, got {len(inputs)}")
        inputs = [as_scalar(i) for i in inputs]
        dtypes = self.output_dtypes(*[i.type.dtype for i in inputs])
        return Apply(self, inputs, [ScalarType(d)() for d in dtypes])

    def impl(self, *args):
        return self.ufunc(*args)

    def perform(self, node, inputs, output_storage):
        dtype = node.outputs[0].type.dtype
        if dtype in CONTINUOUS_DTYPES and not isinstance(self, Cast):
            # Compute discrete inputs in the float output dtype (NumPy would pick float16
            # for int8, losing precision).
            inputs = [np.asarray(v, dtype=dtype) if np.asarray(v).dtype.kind in "biu" else v
                      for v in inputs]  # fmt: skip
        out = self.impl(*inputs)
        output_storage[0][0] = np.dtype(dtype).type(out)

    def py_expr(self, inames: list[str], ctx) -> str:
        """A Python expression computing this op on arrays named ``inames``."""
        fname = ctx.ref(self.ufunc, getattr(self.ufunc, "__name__", self.name))
        return f"{fname}({', '.join(inames)})"

    @property
    def name(self):
        return self.op_name or type(self).__name__.lower()

    def __str__(self):
        return self.name

    def L_op(self, inputs, outputs, output_grads):
        raise NotImplementedError(f"the gradient of {self} is not implemented")

    def grad(self, inputs, output_grads):
        return self.L_op(inputs, [self(*inputs)], output_grads)


class UnaryScalarOp(ScalarOp):
    nin = 1


class BinaryScalarOp(ScalarOp):
    nin = 2


class _InfixOp(BinaryScalarOp):
    """A binary op printed and emitted with an infix ``symbol``."""

    def py_expr(self, inames, ctx):
        return f"({inames[0]} {self.symbol} {inames[1]})"


def _float_dtype(var) -> bool:
    return var.type.dtype in CONTINUOUS_DTYPES


def _zero_grads(inputs):
    """Gradients of a piecewise-constant op: zero wherever defined."""
    return [zeros_like(i) for i in inputs]


# ---------------------------------------------------------------------- arithmetic


class Add(ScalarOp):
    """``a + b + ...`` (any number of inputs)."""

    ufunc = np.add
    symbol = "+"
    precedence = -1

    def make_node(self, *inputs):
        inputs = [as_scalar(i) for i in inputs]
        return Apply(self, inputs, [ScalarType(upcast(*[i.type.dtype for i in inputs]))()])

    def impl(self, *args):
        out = args[0]
        for a in args[1:]:
            out = out + a
        return out

    def py_expr(self, inames, ctx):
        return "(" + " + ".join(inames) + ")"

    def L_op(self, inputs, outputs, gz):
        return [gz[0] if _float_dtype(i) else zeros_like(i) for i in inputs]


class Mul(Add):
    """``a * b * ...`` (any number of inputs)."""

    ufunc = np.multiply
    symbol = "*"
    precedence = 1

    def impl(self, *args):
        out = args[0]
        for a in args[1:]:
            out = out * a
        return out

    def py_expr(self, inames, ctx):
        return "(" + " * ".join(inames) + ")"

    def L_op(self, inputs, outputs, gz):
        grads = []
        for i, x in enumerate(inputs):
            if not _float_dtype(x):
                grads.append(zeros_like(x))
                continue
            others = [y for j, y in enumerate(inputs) if j != i]
            if not others:
                grads.append(gz[0])
            elif gz[0].type.dtype in COMPLEX_DTYPES:
                # Real cost of complex values: the gradient is gz * conj(d out / d x).
                g = mul(gz[0], conj(mul(*others) if len(others) > 1 else others[0]))
                grads.append(g if x.type.dtype in COMPLEX_DTYPES else real(g))
            else:
                grads.append(mul(gz[0], *others))
        return grads


class Sub(_InfixOp):
    ufunc = np.subtract
    symbol = "-"
    precedence = -1

    def L_op(self, inputs, outputs, gz):
        x, y = inputs
        return [gz[0] if _float_dtype(x) else zeros_like(x), neg(gz[0]) if _float_dtype(y)
                else zeros_like(y)]  # fmt: skip


class TrueDiv(_InfixOp):
    ufunc = np.true_divide
    symbol = "/"
    precedence = 1
    output_dtypes = staticmethod(upgrade_to_float)

    @property
    def name(self):
        return "true_div"

    def L_op(self, inputs, outputs, gz):
        x, y = inputs
        gx = gz[0] / y if _float_dtype(x) else zeros_like(x)
        gy = neg(gz[0]) * x / (y * y) if _float_dtype(y) else zeros_like(y)
        return [gx, gy]


class IntDiv(_InfixOp):
    ufunc = np.floor_divide
    symbol = "//"
    precedence = 1

    @property
    def name(self):
        return "int_div"

    def L_op(self, inputs, outputs, gz):
        return _zero_grads(inputs)


class Mod(_InfixOp):
    ufunc = np.mod
    symbol = "%"
    precedence = 1

    def L_op(self, inputs, outputs, gz):
        x, y = inputs
        return [gz[0], neg(gz[0]) * int_div(x, y)]


class Pow(_InfixOp):
    ufunc = np.power
    symbol = "**"
    precedence = 2

    def L_op(self, inputs, outputs, gz):
        x, y = inputs
        gx = gz[0] * y * pow(x, y - constant_like(1, y)) if _float_dtype(x) else zeros_like(x)
        gy = gz[0] * outputs[0] * log(x) if _float_dtype(y) else zeros_like(y)
        return [gx, gy]


class Maximum(BinaryScalarOp):
    ufunc = np.maximum

    def L_op(self, inputs, outputs, gz):
        x, y = inputs
        # At ties the gradient goes to both, as Theano did.
        return [gz[0] * cast(eq(outputs[0], x), gz[0].type.dtype),
                gz[0] * cast(eq(outputs[0], y), gz[0].type.dtype)]  # fmt: skip


class Minimum(Maximum):
    ufunc = np.minimum


class Neg(UnaryScalarOp):
    ufunc = np.negative
    symbol = "-"

    def py_expr(self, inames, ctx):
        return f"(-{inames[0]})"

    def L_op(self, inputs, outputs, gz):
        return [neg(gz[0])]


class Abs(UnaryScalarOp):
    ufunc = np.abs
    # The modulus of a complex number is real (complex64 -> float32).
    output_dtypes = staticmethod(lambda dtype: real_out(dtype))

    @property
    def name(self):
        return "abs_"

    def L_op(self, inputs, outputs, gz):
        return [gz[0] * sgn(inputs[0])]


class Sgn(UnaryScalarOp):
    ufunc = np.sign

    def L_op(self, inputs, outputs, gz):
        return _zero_grads(inputs)


class Sqr(UnaryScalarOp):
    ufunc = np.square

    def L_op(self, inputs, outputs, gz):
        x = inputs[0]
        return [gz[0] * x * constant_like(2, x)]


class Sqrt(UnaryScalarOp):
    ufunc = np.sqrt
    output_dtypes = staticmethod(upgrade_to_float)

    def L_op(self, inputs, outputs, gz):
        return [gz[0] / (outputs[0] * constant_like(2, outputs[0]))]


class Inv(UnaryScalarOp):
    ufunc = np.reciprocal
    output_dtypes = staticmethod(upgrade_to_float)

    def py_expr(self, inames, ctx):
        return f"(1.0 / {inames[0]})"

    def L_op(self, inputs, outputs, gz):
        return [neg(gz[0]) * outputs[0] * outputs[0]]


class Exp(UnaryScalarOp):
    ufunc = np.exp
    output_dtypes = staticmethod(upgrade_to_float)

    def L_op(self, inputs, outputs, gz):
        return [gz[0] * outputs[0]]


class Log(UnaryScalarOp):
    ufunc = np.log
    output_dtypes = staticmethod(upgrade_to_float)

    def L_op(self, inputs, outputs, gz):
        return [gz[0] / inputs[0]]


class Log1p(UnaryScalarOp):
    ufunc = np.log1p
    output_dtypes = staticmethod(upgrade_to_float)

    def L_op(self, inputs, outputs, gz):
        return [gz[0] / (constant_like(1, inputs[0]) + inputs[0])]


class Expm1(UnaryScalarOp):
    ufunc = np.expm1
    output_dtypes = staticmethod(upgrade_to_float)

    def L_op(self, inputs, outputs, gz):
        return [gz[0] * (outputs[0] + constant_like(1, outputs[0]))]


class Sin(UnaryScalarOp):
    ufunc = np.sin
    output_dtypes = staticmethod(upgrade_to_float)

    def L_op(self, inputs, outputs, gz):
        return [gz[0] * cos(inputs[0])]


class Cos(UnaryScalarOp):
    ufunc = np.cos
    output_dtypes = staticmethod(upgrade_to_float)

    def L_op(self, inputs, outputs, gz):
        return [neg(gz[0]) * sin(inputs[0])]


class Tanh(UnaryScalarOp):
    ufunc = np.tanh
    output_dtypes = staticmethod(upgrade_to_float)

    def L_op(self, inputs, outputs, gz):
        y = outputs[0]
        return [gz[0] * (constant_like(1, y) - y * y)]


class Sigmoid(UnaryScalarOp):
    output_dtypes = staticmethod(upgrade_to_float)

    @property
    def ufunc(self):
        # scipy.special.expit is stable and fast; imported on first use, not at import.
        from scipy.special import expit

        return expit

    def L_op(self, inputs, outputs, gz):
        y = outputs[0]
        return [gz[0] * y * (constant_like(1, y) - y)]


def second_impl(a, b):
    """``b`` broadcast to the shape of ``a`` and ``b`` together, as a new array."""
    b = np.asarray(b)
    shape = np.shape(a)
    if b.size == 1 and b.ndim <= len(shape):  # a constant fill: the common case, fast
        out = np.empty(shape, dtype=b.dtype)
        out.fill(b.reshape(())[()])
        return out
    return np.broadcast_to(b, np.broadcast_shapes(shape, b.shape)).copy()


def softplus_impl(x):
    """``log(1 + exp(x))`` without overflow: ``max(x, 0) + log1p(exp(-|x|))``, twice as
    fast as ``np.logaddexp(0, x)`` (SIMD exp and log1p) and as accurate."""
    if np.asarray(x).dtype.kind in "biu":
        x = np.asarray(x, dtype="float64")  # -x of a bool fails, of an int wraps
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


class Softplus(UnaryScalarOp):
    # NumPy's own dtype (float16 for int8); callers compute discrete inputs in the output
    # dtype, so the inlined expression and the implementation agree.
    ufunc = staticmethod(softplus_impl)
    output_dtypes = staticmethod(upgrade_to_float)

    def py_expr(self, inames, ctx):
        return f"{ctx.ref(softplus_impl, 'softplus')}({inames[0]})"

    def L_op(self, inputs, outputs, gz):
        return [gz[0] * sigmoid(inputs[0])]


# ----------------------------------------------------------------------- comparisons


class _Comparison(_InfixOp):
    output_dtypes = staticmethod(bool_out)
    precedence = -5

    def L_op(self, inputs, outputs, gz):
        return _zero_grads(inputs)


class LT(_Comparison):
    ufunc = np.less
    symbol = "<"

    @property
    def name(self):
        return "lt"


class GT(_Comparison):
    ufunc = np.greater
    symbol = ">"

    @property
    def name(self):
        return "gt"


class LE(_Comparison):
    ufunc = np.less_equal
    symbol = "<="

    @property
    def name(self):
        return "le"


class GE(_Comparison):
    ufunc = np.greater_equal
    symbol = ">="

    @property
    def name(self):
        return "ge"


class EQ(_Comparison):
    ufunc = np.equal
    symbol = "=="

    @property
    def name(self):
        return "eq"


class NEQ(_Comparison):
    ufunc = np.not_equal
    symbol = "!="

    @property
    def name(self):
        return "neq"


class Switch(ScalarOp):
    """``switch(cond, a, b)``: ``a`` where ``cond`` is true, else ``b``."""

    nin = 3
    ufunc = staticmethod(np.where)

    def output_dtypes(self, cond, a, b):
        return [upcast(a, b)]

    def L_op(self, inputs, outputs, gz):
        cond, _a, _b = inputs
        zero = constant_like(0, gz[0])
        return [zeros_like(cond), switch(cond, gz[0], zero), switch(cond, zero, gz[0])]


# ------------------------------------------------------------------ casts, identity


class Cast(UnaryScalarOp):
    """Convert to ``o_type``'s dtype."""

    __props__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = str(np.dtype(dtype))

    def output_dtypes(self, dtype):
        return [self.dtype]

    def impl(self, x):
        return np.asarray(x).astype(self.dtype)

    def py_expr(self, inames, ctx):
        return f"{inames[0]}.astype({self.dtype!r})"

    @property
    def name(self):
        return f"convert_to_{self.dtype}"

    def L_op(self, inputs, outputs, gz):
        x = inputs[0]
        if _float_dtype(x) and self.dtype in CONTINUOUS_DTYPES:
            return [cast(gz[0], x.type.dtype)]
        return _zero_grads(inputs)


class Identity(UnaryScalarOp):
    ufunc = staticmethod(lambda x: x)

    def py_expr(self, inames, ctx):
        return inames[0]

    def L_op(self, inputs, outputs, gz):
        return [gz[0]]


class Second(BinaryScalarOp):
    """``second(a, b)`` is ``b`` (broadcast to ``a``'s shape by `Elemwise`): Theano's fill."""

    ufunc = staticmethod(lambda a, b: second_impl(a, b))

    def output_dtypes(self, a, b):
        return [b]

    def py_expr(self, inames, ctx):
        return f"{ctx.ref(self.ufunc, 'second')}({inames[0]}, {inames[1]})"

    def L_op(self, inputs, outputs, gz):
        return [zeros_like(inputs[0]), gz[0]]


class ZerosLike(UnaryScalarOp):
    ufunc = staticmethod(np.zeros_like)

    def L_op(self, inputs, outputs, gz):
        return _zero_grads(inputs)


def zeros_like(x):
    """A zero of ``x``'s dtype (floatX for discrete ``x``, since gradients are float)."""
    return constant_like(0, x)


# ------------------------------------------------------------------- op instances

add = Add()
mul = Mul()
sub = Sub()
true_div = TrueDiv()
int_div = IntDiv()
mod = Mod()
pow = Pow()
maximum = Maximum()
minimum = Minimum()
neg = Neg()
abs_ = Abs()
sgn = Sgn()
sqr = Sqr()
sqrt = Sqrt()
inv = Inv()
exp = Exp()
log = Log()
log1p = Log1p()
expm1 = Expm1()
sin = Sin()
cos = Cos()
tanh = Tanh()
sigmoid = Sigmoid()
softplus = Softplus()
lt = LT()
gt = GT()
le = LE()
ge = GE()
eq = EQ()
neq = NEQ()
switch = Switch()
identity = Identity()
second = Second()


def cast(x, dtype):
    """``x`` converted to ``dtype`` (no op when it already has it)."""
    x = as_scalar(x)
    if x.type.dtype == str(np.dtype(dtype)):
        return x
    return Cast(dtype)(x)


# ============================================================================ math breadth
# Theano 1.0's remaining elementwise scalar ops: exponentials and logarithms in other
# bases, trigonometry, rounding, special functions, bitwise logic, complex numbers.


def same_out_nocomplex(*dtypes):
    """Theano's rule for ops like ``floor``: the upcast dtype, complex refused."""
    out = upcast(*dtypes)
    if out in COMPLEX_DTYPES:
        raise TypeError(f"not defined for complex inputs (got {', '.join(dtypes)})")
    return [out]


def same_out_float_only(*dtypes):
    """The input dtype, which must be a float (``round_half_to_even`` and friends)."""
    out = upcast(*dtypes)
    if out not in FLOAT_DTYPES:
        raise TypeError(f"needs float inputs, got {', '.join(dtypes)}; cast the input first")
    return [out]


def upgrade_to_float_no_complex(*dtypes):
    """`upgrade_to_float` for real-only functions (the SciPy special functions)."""
    if any(d in COMPLEX_DTYPES for d in dtypes):
        raise TypeError(f"not defined for complex inputs (got {', '.join(dtypes)})")
    return upgrade_to_float(*dtypes)


def bitwise_out(*dtypes):
    """bool with bools, the upcast integer dtype with integers; floats are refused."""
    if all(d == "bool" for d in dtypes):
        return ["bool"]
    bad = [d for d in dtypes if d not in DISCRETE_DTYPES]
    if bad:
        raise TypeError(f"bitwise operations need integer or bool inputs, got {', '.join(bad)}")
    return [upcast(*dtypes)]


def real_out(*dtypes):
    """complex64 -> float32, complex128 -> float64, real dtypes unchanged."""
    return [_COMPLEX_TO_REAL.get(d, d) for d in dtypes]


def complex_out(*dtypes):
    """The complex dtype built from real parts of ``dtypes`` (Theano's ``complex`` rule)."""
    bad = [d for d in dtypes if d in COMPLEX_DTYPES]
    if bad:
        raise TypeError(f"expects real inputs, got {', '.join(bad)}")
    out = upcast(*dtypes)
    return ["complex128" if out in ("float64", "int64", "uint64", "int32", "uint32")
            else "complex64"]  # fmt: skip


_COMPLEX_TO_REAL = {"complex64": "float32", "complex128": "float64"}


class _scipy_ufunc:
    """A class attribute giving ``scipy.special.<name>``, imported on first use so that
    ``import theano`` does not import SciPy."""

    def __init__(self, fname):
        self.fname = fname

    def __get__(self, obj, cls=None):
        import scipy.special

        return getattr(scipy.special, self.fname)


def _discrete_guard(inputs, grads):
    """Zero gradients for discrete inputs (Theano's rule), the given ones otherwise."""
    return [g if _float_dtype(x) else zeros_like(x) for x, g in zip(inputs, grads)]


class _FloatUnary(UnaryScalarOp):
    """A unary function whose integer inputs give floats (``exp2``, ``tan``, ...)."""

    output_dtypes = staticmethod(upgrade_to_float)

    def derivative(self, x, y):
        """d out / d x as a scalar graph of the input ``x`` and output ``y``."""
        raise NotImplementedError(f"the gradient of {self} is not implemented")

    def L_op(self, inputs, outputs, gz):
        return _discrete_guard(inputs, [gz[0] * self.derivative(inputs[0], outputs[0])])


class _ScipyUnary(_FloatUnary):
    output_dtypes = staticmethod(upgrade_to_float_no_complex)


class _Piecewise(UnaryScalarOp):
    """Piecewise-constant ops (rounding): gradient zero wherever it is defined."""

    output_dtypes = staticmethod(same_out_nocomplex)

    def L_op(self, inputs, outputs, gz):
        return _zero_grads(inputs)


# ------------------------------------------------------------ exponentials, logarithms


class Exp2(_FloatUnary):
    ufunc = np.exp2

    def derivative(self, x, y):
        return y * constant_like(np.log(2.0), y)


class Log2(_FloatUnary):
    ufunc = np.log2

    def derivative(self, x, y):
        return inv(x * constant_like(np.log(2.0), y))


class Log10(_FloatUnary):
    ufunc = np.log10

    def derivative(self, x, y):
        return inv(x * constant_like(np.log(10.0), y))


# ------------------------------------------------------------------------ trigonometry


class Tan(_FloatUnary):
    ufunc = np.tan

    def derivative(self, x, y):
        return constant_like(1, y) + y * y


class ArcSin(_FloatUnary):
    ufunc = np.arcsin

    def derivative(self, x, y):
        return inv(sqrt(constant_like(1, y) - x * x))


class ArcCos(_FloatUnary):
    ufunc = np.arccos

    def derivative(self, x, y):
        return neg(inv(sqrt(constant_like(1, y) - x * x)))


class ArcTan(_FloatUnary):
    ufunc = np.arctan

    def derivative(self, x, y):
        return inv(constant_like(1, y) + x * x)


class Sinh(_FloatUnary):
    ufunc = np.sinh

    def derivative(self, x, y):
        return cosh(x)


class Cosh(_FloatUnary):
    ufunc = np.cosh

    def derivative(self, x, y):
        return sinh(x)


class ArcSinh(_FloatUnary):
    ufunc = np.arcsinh

    def derivative(self, x, y):
        return inv(sqrt(x * x + constant_like(1, y)))


class ArcCosh(_FloatUnary):
    ufunc = np.arccosh

    def derivative(self, x, y):
        return inv(sqrt(x * x - constant_like(1, y)))


class ArcTanh(_FloatUnary):
    ufunc = np.arctanh

    def derivative(self, x, y):
        return inv(constant_like(1, y) - x * x)


class Deg2Rad(_FloatUnary):
    ufunc = np.deg2rad

    def derivative(self, x, y):
        return constant_like(np.pi / 180.0, y)


class Rad2Deg(_FloatUnary):
    ufunc = np.rad2deg

    def derivative(self, x, y):
        return constant_like(180.0 / np.pi, y)


class ArcTan2(BinaryScalarOp):
    """``arctan2(y, x)``: the angle of the point ``(x, y)``."""

    ufunc = np.arctan2
    output_dtypes = staticmethod(upgrade_to_float_no_complex)

    def L_op(self, inputs, outputs, gz):
        y, x = inputs
        r2 = x * x + y * y
        return _discrete_guard(inputs, [gz[0] * x / r2, neg(gz[0]) * y / r2])


# ---------------------------------------------------------------------------- rounding


class Ceil(_Piecewise):
    ufunc = np.ceil


class Floor(_Piecewise):
    ufunc = np.floor


class Trunc(_Piecewise):
    ufunc = np.trunc


class RoundHalfToEven(_Piecewise):
    """Round to the nearest integer, halves to the even neighbour (NumPy's ``round``)."""

    op_name = "round_half_to_even"
    ufunc = np.rint
    output_dtypes = staticmethod(same_out_float_only)


def _round_half_away(x):
    t = np.trunc(x)
    # x - trunc(x) is exact, so halves are detected without the x + 0.5 rounding error.
    return t + np.where(np.abs(x - t) >= 0.5, np.sign(x), 0).astype(np.result_type(x))


class RoundHalfAwayFromZero(_Piecewise):
    """Round to the nearest integer, halves away from zero (C's ``round``)."""

    op_name = "round_half_away_from_zero"
    ufunc = staticmethod(_round_half_away)
    output_dtypes = staticmethod(same_out_float_only)

    def py_expr(self, inames, ctx):
        return f"{ctx.ref(_round_half_away, 'round_half_away')}({inames[0]})"

    def numba_expr(self, args):
        x = args[0]
        return f"(np.trunc({x}) + (np.sign({x}) if abs({x} - np.trunc({x})) >= 0.5 else 0.0))"


# ------------------------------------------------------------------- special functions

_TWO_OVER_SQRT_PI = 2.0 / np.sqrt(np.pi)


class Erf(_ScipyUnary):
    ufunc = _scipy_ufunc("erf")

    def derivative(self, x, y):
        return constant_like(_TWO_OVER_SQRT_PI, y) * exp(neg(x * x))

    def numba_expr(self, args):
        return f"math.erf({args[0]})"


class Erfc(_ScipyUnary):
    ufunc = _scipy_ufunc("erfc")

    def derivative(self, x, y):
        return constant_like(-_TWO_OVER_SQRT_PI, y) * exp(neg(x * x))

    def numba_expr(self, args):
        return f"math.erfc({args[0]})"


class Erfinv(_ScipyUnary):
    ufunc = _scipy_ufunc("erfinv")

    def derivative(self, x, y):
        return constant_like(1.0 / _TWO_OVER_SQRT_PI, y) * exp(y * y)


class Erfcinv(_ScipyUnary):
    ufunc = _scipy_ufunc("erfcinv")

    def derivative(self, x, y):
        return constant_like(-1.0 / _TWO_OVER_SQRT_PI, y) * exp(y * y)


class Erfcx(_ScipyUnary):
    """The scaled complementary error function ``exp(x**2) * erfc(x)``."""

    ufunc = _scipy_ufunc("erfcx")

    def derivative(self, x, y):
        return constant_like(2, y) * x * y - constant_like(_TWO_OVER_SQRT_PI, y)


class Gamma(_ScipyUnary):
    ufunc = _scipy_ufunc("gamma")

    def derivative(self, x, y):
        return y * psi(x)

    def numba_expr(self, args):
        return f"math.gamma({args[0]})"


class GammaLn(_ScipyUnary):
    """``log(abs(gamma(x)))``."""

    ufunc = _scipy_ufunc("gammaln")

    def derivative(self, x, y):
        return psi(x)

    def numba_expr(self, args):
        return f"math.lgamma({args[0]})"


class Psi(_ScipyUnary):
    """The digamma function, the derivative of ``gammaln``."""

    ufunc = _scipy_ufunc("psi")

    def derivative(self, x, y):
        return tri_gamma(x)


def _trigamma(x):
    from scipy.special import polygamma

    return polygamma(1, x)


class TriGamma(_ScipyUnary):
    """The trigamma function, the derivative of ``psi`` (its own gradient is not defined)."""

    op_name = "tri_gamma"
    ufunc = staticmethod(_trigamma)

    def py_expr(self, inames, ctx):
        return f"{ctx.ref(_trigamma, 'trigamma')}({inames[0]})"


class J0(_ScipyUnary):
    """Bessel function of the first kind of order 0."""

    ufunc = _scipy_ufunc("j0")

    def derivative(self, x, y):
        return neg(j1(x))


class J1(_ScipyUnary):
    """Bessel function of the first kind of order 1."""

    ufunc = _scipy_ufunc("j1")

    def derivative(self, x, y):
        return (j0(x) - jv(constant_like(2, y), x)) * constant_like(0.5, y)


class I0(_ScipyUnary):
    """Modified Bessel function of the first kind of order 0."""

    ufunc = _scipy_ufunc("i0")

    def derivative(self, x, y):
        return i1(x)


class I1(_ScipyUnary):
    """Modified Bessel function of the first kind of order 1."""

    ufunc = _scipy_ufunc("i1")

    def derivative(self, x, y):
        return (i0(x) + iv(constant_like(2, y), x)) * constant_like(0.5, y)


class Jv(BinaryScalarOp):
    """Bessel function of the first kind of real order ``v``: ``jv(v, x)``."""

    ufunc = _scipy_ufunc("jv")
    output_dtypes = staticmethod(upgrade_to_float_no_complex)
    sign = -1  # J'_v = (J_{v-1} - J_{v+1}) / 2; I'_v = (I_{v-1} + I_{v+1}) / 2

    def L_op(self, inputs, outputs, gz):
        v, x = inputs
        one, half = constant_like(1, v), constant_like(0.5, outputs[0])
        below, above = self(v - one, x), self(v + one, x)
        deriv = (below - above) if self.sign < 0 else (below + above)
        # The derivative in the order is not implemented: marked disconnected.
        return [None, _discrete_guard([x], [gz[0] * deriv * half])[0]]


class Iv(Jv):
    """Modified Bessel function of the first kind of real order ``v``: ``iv(v, x)``."""

    ufunc = _scipy_ufunc("iv")
    sign = 1


def _xlogx(x):
    with np.errstate(all="ignore"):
        return np.where(x == 0, 0, x * np.log(np.where(x == 0, 1, x)))


def _xlogy0(x, y):
    with np.errstate(all="ignore"):
        return np.where(x == 0, 0, x * np.log(np.where(x == 0, 1, y)))


class XlogX(_FloatUnary):
    """``x * log(x)``, with the limit 0 at ``x == 0``."""

    ufunc = staticmethod(_xlogx)

    def py_expr(self, inames, ctx):
        return f"{ctx.ref(_xlogx, 'xlogx')}({inames[0]})"

    def numba_expr(self, args):
        x = args[0]
        return f"(0.0 if {x} == 0 else {x} * np.log({x}))"

    def derivative(self, x, y):
        return constant_like(1, y) + log(x)


class XlogY0(BinaryScalarOp):
    """``x * log(y)``, with the value 0 wherever ``x == 0``."""

    ufunc = staticmethod(_xlogy0)
    output_dtypes = staticmethod(upgrade_to_float_no_complex)

    def py_expr(self, inames, ctx):
        return f"{ctx.ref(_xlogy0, 'xlogy0')}({inames[0]}, {inames[1]})"

    def numba_expr(self, args):
        x, y = args
        return f"(0.0 if {x} == 0 else {x} * np.log({y}))"

    def L_op(self, inputs, outputs, gz):
        x, y = inputs
        return _discrete_guard(inputs, [gz[0] * log(y), gz[0] * x / y])


# ------------------------------------------------------------------ tests and clipping


class IsNan(UnaryScalarOp):
    ufunc = np.isnan
    output_dtypes = staticmethod(bool_out)

    def L_op(self, inputs, outputs, gz):
        return _zero_grads(inputs)


class IsInf(IsNan):
    ufunc = np.isinf


class Clip(ScalarOp):
    """``clip(x, min, max)``; at the bounds the value (and gradient) belongs to ``x``."""

    nin = 3
    ufunc = staticmethod(np.clip)
    output_dtypes = staticmethod(same_out_nocomplex)

    def numba_expr(self, args):
        x, lo, hi = args
        low = f"({lo} if {x} < {lo} else {x})"  # then hi wins, as in np.clip
        return f"({hi} if {low} > {hi} else {low})"

    def L_op(self, inputs, outputs, gz):
        x, lo, hi = inputs
        g, zero = gz[0], constant_like(0, gz[0])
        gx = switch(ge(x, lo), switch(le(x, hi), g, zero), zero)
        return _discrete_guard(inputs, [gx, switch(lt(x, lo), g, zero),
                                        switch(gt(x, hi), g, zero)])  # fmt: skip


# ---------------------------------------------------------------------------- bitwise


class _BitOp(_InfixOp):
    """A bitwise operator: logical on bools, bit by bit on integers."""

    output_dtypes = staticmethod(bitwise_out)
    precedence = -3

    def L_op(self, inputs, outputs, gz):
        return _zero_grads(inputs)


class AND(_BitOp):
    ufunc = np.bitwise_and
    symbol = "&"
    op_name = "and_"


class OR(_BitOp):
    ufunc = np.bitwise_or
    symbol = "|"
    op_name = "or_"


class XOR(_BitOp):
    ufunc = np.bitwise_xor
    symbol = "^"
    op_name = "xor"


class Invert(UnaryScalarOp):
    """``~x``: logical not on bools, bitwise complement on integers."""

    ufunc = np.invert
    output_dtypes = staticmethod(bitwise_out)

    def py_expr(self, inames, ctx):
        return f"(~{inames[0]})"

    def L_op(self, inputs, outputs, gz):
        return _zero_grads(inputs)


# -------------------------------------------------------------------------- complex
# Gradients follow Theano's convention for a real cost C of complex z = a + ib:
# the gradient with respect to z is dC/da + i dC/db.


class Real(UnaryScalarOp):
    ufunc = staticmethod(np.real)
    output_dtypes = staticmethod(real_out)

    def L_op(self, inputs, outputs, gz):
        (z,) = inputs
        if z.type.dtype in COMPLEX_DTYPES:
            return [complex(gz[0], constant_like(0, gz[0]))]
        return _discrete_guard(inputs, [gz[0]])


class Imag(UnaryScalarOp):
    ufunc = staticmethod(np.imag)
    output_dtypes = staticmethod(real_out)

    def L_op(self, inputs, outputs, gz):
        (z,) = inputs
        if z.type.dtype in COMPLEX_DTYPES:
            return [complex(constant_like(0, gz[0]), gz[0])]
        return _zero_grads(inputs)


class Angle(UnaryScalarOp):
    """The argument of a complex number (0 or pi for reals)."""

    ufunc = staticmethod(np.angle)

    def output_dtypes(self, dtype):
        return real_out(dtype) if dtype in COMPLEX_DTYPES else upgrade_to_float(dtype)

    def L_op(self, inputs, outputs, gz):
        (z,) = inputs
        if z.type.dtype not in COMPLEX_DTYPES:
            return _zero_grads(inputs)
        a, b = real(z), imag(z)
        r2 = a * a + b * b
        return [complex(neg(gz[0]) * b / r2, gz[0] * a / r2)]


class Conj(UnaryScalarOp):
    ufunc = np.conjugate

    @property
    def name(self):
        return "conj"

    def L_op(self, inputs, outputs, gz):
        return [conj(gz[0])]


def _complex(re, im):
    return np.asarray(re) + 1j * np.asarray(im)


def _complex_from_polar(r, theta):
    return r * np.cos(theta) + 1j * (r * np.sin(theta))


class Complex(BinaryScalarOp):
    """``complex(re, im)``: float32 parts give complex64, wider ones complex128."""

    ufunc = staticmethod(_complex)
    output_dtypes = staticmethod(complex_out)

    def py_expr(self, inames, ctx):
        return f"({inames[0]} + 1j * {inames[1]})"

    def L_op(self, inputs, outputs, gz):
        return _discrete_guard(inputs, [real(gz[0]), imag(gz[0])])


class ComplexFromPolar(BinaryScalarOp):
    """``complex_from_polar(abs, angle)``: ``abs * exp(1j * angle)``."""

    op_name = "complex_from_polar"
    ufunc = staticmethod(_complex_from_polar)
    output_dtypes = staticmethod(complex_out)

    def py_expr(self, inames, ctx):
        return f"{ctx.ref(_complex_from_polar, 'complex_from_polar')}({inames[0]}, {inames[1]})"

    def L_op(self, inputs, outputs, gz):
        r, theta = inputs
        ga, gb = real(gz[0]), imag(gz[0])
        c, s = cos(theta), sin(theta)
        return _discrete_guard(inputs, [ga * c + gb * s, r * (gb * c - ga * s)])


# --------------------------------------------------------------- more op instances

exp2 = Exp2()
log2 = Log2()
log10 = Log10()
tan = Tan()
arcsin = ArcSin()
arccos = ArcCos()
arctan = ArcTan()
arctan2 = ArcTan2()
sinh = Sinh()
cosh = Cosh()
arcsinh = ArcSinh()
arccosh = ArcCosh()
arctanh = ArcTanh()
deg2rad = Deg2Rad()
rad2deg = Rad2Deg()
ceil = Ceil()
floor = Floor()
trunc = Trunc()
round_half_to_even = RoundHalfToEven()
round_half_away_from_zero = RoundHalfAwayFromZero()
erf = Erf()
erfc = Erfc()
erfinv = Erfinv()
erfcinv = Erfcinv()
erfcx = Erfcx()
gamma = Gamma()
gammaln = GammaLn()
psi = Psi()
tri_gamma = TriGamma()
j0 = J0()
j1 = J1()
jv = Jv()
i0 = I0()
i1 = I1()
iv = Iv()
xlogx = XlogX()
xlogy0 = XlogY0()
isnan = IsNan()
isinf = IsInf()
clip = Clip()
and_ = AND()
or_ = OR()
xor = XOR()
invert = Invert()
real = Real()
imag = Imag()
angle = Angle()
conj = Conj()
complex = Complex()
complex_from_polar = ComplexFromPolar()
