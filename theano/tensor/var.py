"""`TensorVariable` and `TensorConstant` (the printed class path of classic Theano)."""

from __future__ import annotations

import sys

from theano.graph.basic import Constant, Variable


def _m():
    """`theano.tensor.math`, imported lazily: it is built on this module."""
    mod = sys.modules.get("theano.tensor.math")
    if mod is None:
        import theano.tensor.math as mod
    return mod


def _mod(name):
    mod = sys.modules.get(name)
    if mod is None:
        import importlib

        mod = importlib.import_module(name)
    return mod


def _t(name):
    """``theano.tensor.<name>``, looked up at call time (several ops arrive in later modules)."""
    fn = getattr(sys.modules["theano.tensor"], name, None)
    if fn is None:
        raise NotImplementedError(f"theano.tensor.{name} is not available in this build")
    return fn


def _r():
    """`theano.tensor.reduction` (var, std, all, any, ...); ``T.var`` is also this module's name."""
    return _mod("theano.tensor.reduction")


def _vector_length(v):
    """The length of vector ``v`` when its graph fixes it (Theano's get_vector_length), else
    None: constants, shapes, stacked scalars, joins and constant slices of those, casts and
    elementwise ops."""
    if isinstance(v, Constant):
        return len(v.data)
    if v.broadcastable[0]:
        return 1
    if v.owner is None:
        return None
    node = v.owner
    name = type(node.op).__name__
    if name == "Shape":
        return node.inputs[0].ndim
    if name == "MakeVector":
        return len(node.inputs)
    if name == "Join":
        lengths = [_vector_length(i) for i in node.inputs]
        return None if None in lengths else sum(lengths)
    if name == "Subtensor":
        return _sliced_length(node)
    if name in ("Rebroadcast", "SpecifyShape", "DimShuffle", "Elemwise"):
        vectors = [i for i in node.inputs if i.ndim == 1 and not i.broadcastable[0]]
        lengths = [n for n in map(_vector_length, vectors) if n is not None]
        return lengths[0] if lengths else None
    return None


def _sliced_length(node):
    """The length of ``vector[a:b:c]`` with constant bounds and a vector of known length."""
    (entry,) = node.op.idx_list
    n = _vector_length(node.inputs[0])
    if entry == "i" or n is None:
        return None
    bounds, given = [], iter(node.inputs[1:])
    for present in entry[1:4]:
        b = next(given) if present else None
        if b is not None and not isinstance(b, Constant):
            return None
        bounds.append(None if b is None else int(b.data))
    return len(range(n)[slice(*bounds)])


_COMPARISONS = ("lt", "gt", "le", "ge", "eq", "neq")


class _tensor_py_operators:
    """Operators and array-like methods shared by tensor variables and constants."""

    # NumPy arrays on the left of an operator defer to our reflected operators.
    __array_priority__ = 1000

    @property
    def ndim(self):
        return self.type.ndim

    @property
    def dtype(self):
        return self.type.dtype

    @property
    def broadcastable(self):
        return self.type.broadcastable

    def __bool__(self):
        owner = self.owner
        if owner is not None and str(getattr(owner.op, "scalar_op", "")) in _COMPARISONS:
            raise TypeError(
                "Variables do not support boolean operations. This can happen if you do a "
                "logical operation (<, <=, >, <=, ==, !=) between a numpy.ndarray and a "
                "Theano tensor variable. Due to NumPy implementation before NumPy 1.8, we "
                "cannot make the Python syntax work when the ndarray is on the left, and "
                "this results in this error. To work around that, either call "
                "theano.tensor.{lt,le,eq,ne,gt,ge}(ndarray, tensor), or use the Python "
                "syntax with the Theano tensor on the left. Or update to NumPy 1.8 or above."
            )
        return True

    def __len__(self):
        raise TypeError(
            "len() of a symbolic tensor is not defined; use var.shape[0] for a symbolic length"
        )

    def __iter__(self):
        """Iterate over the first dimension when the graph knows its length.

        That covers constants, ``x.shape`` (``n, m = x.shape``), stacked scalars and
        broadcastable first dimensions; any other tensor raises `TypeError`.
        """
        n = self._known_length()
        if n is None:
            raise TypeError(
                f"cannot iterate over {self} of type {self.type}: the length of its first "
                "dimension is not known when the graph is built. Maybe you used Python's "
                "builtin sum/max/min instead of theano.tensor.sum/max/min, or meant to loop "
                "with theano.scan"
            )
        return (self[i] for i in range(n))

    def _known_length(self):
        if self.ndim == 0:
            return None
        if isinstance(self, Constant):
            return int(self.data.shape[0])
        if self.broadcastable[0]:
            return 1
        if self.ndim == 1:
            return _vector_length(self)
        return None

    # -- arithmetic -------------------------------------------------------------------
    def __add__(self, other):
        return _m().add(self, other)

    def __radd__(self, other):
        return _m().add(other, self)

    def __sub__(self, other):
        return _m().sub(self, other)

    def __rsub__(self, other):
        return _m().sub(other, self)

    def __mul__(self, other):
        return _m().mul(self, other)

    def __rmul__(self, other):
        return _m().mul(other, self)

    def __truediv__(self, other):
        return _m().true_div(self, other)

    def __rtruediv__(self, other):
        return _m().true_div(other, self)

    def __floordiv__(self, other):
        return _m().int_div(self, other)

    def __rfloordiv__(self, other):
        return _m().int_div(other, self)

    def __mod__(self, other):
        return _m().mod(self, other)

    def __rmod__(self, other):
        return _m().mod(other, self)

    def __pow__(self, other):
        return _m().pow(self, other)

    def __rpow__(self, other):
        return _m().pow(other, self)

    def __neg__(self):
        return _m().neg(self)

    def __abs__(self):
        return _m().abs_(self)

    def __lt__(self, other):
        return _m().lt(self, other)

    def __le__(self, other):
        return _m().le(self, other)

    def __gt__(self, other):
        return _m().gt(self, other)

    def __ge__(self, other):
        return _m().ge(self, other)

    # == and != stay identity comparisons (variables are dict keys), as in Theano.

    def __divmod__(self, other):
        return _m().int_div(self, other), _m().mod(self, other)

    def __rdivmod__(self, other):
        return _m().int_div(other, self), _m().mod(other, self)

    def __round__(self, ndigits=None):
        """``round(x)``: to the nearest integer, ties to even (as ``round`` of an ndarray)."""
        if not ndigits:
            return _t("round")(self, mode="half_to_even")
        scale = 10.0**ndigits
        return _m().true_div(_t("round")(_m().mul(self, scale), mode="half_to_even"), scale)

    # -- bitwise and logical (bool tensors are logical) --------------------------------
    def __invert__(self):
        return _t("invert")(self)

    def __and__(self, other):
        return _t("and_")(self, other)

    def __rand__(self, other):
        return _t("and_")(other, self)

    def __or__(self, other):
        return _t("or_")(self, other)

    def __ror__(self, other):
        return _t("or_")(other, self)

    def __xor__(self, other):
        return _t("xor")(self, other)

    def __rxor__(self, other):
        return _t("xor")(other, self)

    # -- products ---------------------------------------------------------------------
    def __matmul__(self, other):
        return _m().dot(self, other)

    def __rmatmul__(self, other):
        return _m().dot(other, self)

    def __dot__(self, other):
        return _mod("theano.tensor.products").dot(self, other)

    def __rdot__(self, other):
        return _mod("theano.tensor.products").dot(other, self)

    def dot(self, other):
        """``numpy.ndarray.dot`` semantics: any ranks (tensordot beyond 2-d)."""
        return _mod("theano.tensor.products").dot(self, other)

    # -- shape ------------------------------------------------------------------------
    @property
    def shape(self):
        return _mod("theano.tensor.shape").shape(self)

    @property
    def size(self):
        """The number of elements, symbolic (the product of the shape)."""
        return _m().prod(self.shape)

    def dimshuffle(self, *pattern):
        return _mod("theano.tensor.elemwise").dimshuffle(self, *pattern)

    @property
    def T(self):
        return self.transpose()

    def transpose(self, *axes):
        if not axes or axes == (None,):
            axes = tuple(reversed(range(self.ndim)))
        elif len(axes) == 1 and isinstance(axes[0], list | tuple):
            axes = tuple(axes[0])
        return self.dimshuffle(*axes)

    def reshape(self, shape, *more, ndim=None):
        if more:
            shape = (shape, *more)
        return _mod("theano.tensor.shape").reshape(self, shape, ndim=ndim)

    def flatten(self, ndim=1):
        return _mod("theano.tensor.shape").flatten(self, ndim)

    def ravel(self):
        return _mod("theano.tensor.shape").flatten(self)

    def squeeze(self, axis=None):
        return _t("squeeze")(self, axis)

    def swapaxes(self, axis1, axis2):
        return _t("swapaxes")(self, axis1, axis2)

    def repeat(self, repeats, axis=None):
        return _t("repeat")(self, repeats, axis)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        return _t("diagonal")(self, offset, axis1, axis2)

    def trace(self, offset=0, axis1=0, axis2=1):
        return _t("trace")(self, offset, axis1, axis2)

    # -- indexing ---------------------------------------------------------------------
    def __getitem__(self, args):
        return _mod("theano.tensor.subtensor").getitem(self, args)

    def take(self, indices, axis=None, mode="raise"):
        return _t("take")(self, indices, axis, mode)

    def nonzero(self, return_matrix=False):
        return _t("nonzero")(self, return_matrix=return_matrix)

    def nonzero_values(self):
        return _t("nonzero_values")(self)

    def sort(self, axis=-1, kind="quicksort", order=None):
        return _t("sort")(self, axis, kind, order)

    def argsort(self, axis=-1, kind="quicksort", order=None):
        return _t("argsort")(self, axis, kind, order)

    def searchsorted(self, v, side="left", sorter=None):
        return _t("searchsorted")(self, v, side, sorter)

    def choose(self, choices, out=None, mode="raise"):
        return _t("choose")(self, choices, out=out, mode=mode)

    def compress(self, a, axis=None):
        """Theano's argument order: ``self`` is the condition, ``a`` the tensor selected from
        (``cond.compress(x)`` is ``compress(cond, x)``; NumPy's ``x.compress(cond)`` differs)."""
        return _t("compress")(self, a, axis=axis)

    # -- reductions -------------------------------------------------------------------
    def sum(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _m().sum(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)

    def prod(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _m().prod(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)

    def mean(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _m().mean(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)

    def var(self, axis=None, ddof=0, keepdims=False, corrected=False):
        return _r().var(self, axis=axis, ddof=ddof, keepdims=keepdims, corrected=corrected)

    def std(self, axis=None, ddof=0, keepdims=False, corrected=False):
        return _r().std(self, axis=axis, ddof=ddof, keepdims=keepdims, corrected=corrected)

    def max(self, axis=None, keepdims=False):
        return _m().max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return _m().min(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None, keepdims=False):
        return _m().argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims=False):
        return _m().argmin(self, axis=axis, keepdims=keepdims)

    def max_and_argmax(self, axis=None, keepdims=False):
        return _r().max_and_argmax(self, axis=axis, keepdims=keepdims)

    def all(self, axis=None, keepdims=False):
        return _r().all(self, axis=axis, keepdims=keepdims)

    def any(self, axis=None, keepdims=False):
        return _r().any(self, axis=axis, keepdims=keepdims)

    def ptp(self, axis=None, keepdims=False):
        return _r().ptp(self, axis=axis, keepdims=keepdims)

    def norm(self, L, axis=None, keepdims=False):
        return _r().norm(self, L, axis=axis, keepdims=keepdims)

    def logsumexp(self, axis=None, keepdims=False):
        return _r().logsumexp(self, axis=axis, keepdims=keepdims)

    def cumsum(self, axis=None):
        return _t("cumsum")(self, axis)

    def cumprod(self, axis=None):
        return _t("cumprod")(self, axis)

    # -- elementwise ------------------------------------------------------------------
    def astype(self, dtype):
        return _m().cast(self, dtype)

    def copy(self, name=None):
        """A copy of this tensor (a new variable computing the same values)."""
        out = _m().identity(self)
        out.name = name
        return out

    def fill(self, value):
        """A tensor shaped like this one, filled with ``value``."""
        return _m().fill(self, value)

    def zeros_like(self, dtype=None):
        return _m().zeros_like(self, dtype)

    def ones_like(self, dtype=None):
        return _m().ones_like(self, dtype)

    def round(self, mode=None):
        return _t("round")(self) if mode is None else _t("round")(self, mode=mode)

    def clip(self, a_min, a_max):
        return _t("clip")(self, a_min, a_max)

    def conj(self):
        return _t("conj")(self)

    conjugate = conj

    @property
    def real(self):
        return _t("real")(self)

    @property
    def imag(self):
        return _t("imag")(self)

    def get_scalar_constant_value(self):
        """The constant scalar this tensor always equals (raises when there is none)."""
        return _t("get_scalar_constant_value")(self)

    def transfer(self, target):
        """This tensor on ``target``: only ``'cpu'`` exists in this implementation."""
        if target in ("cpu", None):
            return self
        raise ValueError(f"transfer: unknown target {target!r}; only 'cpu' is available")


def _elementwise_method(name):
    def method(self):
        return _t(name)(self)

    method.__name__ = name
    method.__doc__ = f"``theano.tensor.{name}(self)``."
    return method


# The unary math methods Theano gave tensors (``x.exp()``, ``x.floor()``, ...).
for _name in (
    "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "ceil", "cos", "cosh",
    "deg2rad", "exp", "exp2", "expm1", "floor", "log", "log10", "log1p", "log2", "rad2deg",
    "sin", "sinh", "sqrt", "tan", "tanh", "trunc",
):  # fmt: skip
    setattr(_tensor_py_operators, _name, _elementwise_method(_name))
del _name


class TensorVariable(_tensor_py_operators, Variable):
    """A symbolic n-dimensional array."""


class TensorConstant(_tensor_py_operators, Constant):
    """A tensor with a fixed value; prints as ``TensorConstant{2}``."""
