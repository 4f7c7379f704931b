"""BLAS-level ops the ``specialize`` phase puts in place of `Dot` and its accumulations.

``Dot22`` is a matrix product; ``Gemm`` computes ``b * Z + a * dot(X, Y)``, ``Gemv``
``b * y + a * dot(A, x)`` and ``Ger`` ``A + a * outer(x, y)``, each in one BLAS call
that writes into ``Z``'s (``y``'s, ``A``'s) buffer when the op is in place. SciPy's
BLAS wrappers are imported when a graph that uses them is compiled, not at import.
Arrays are C-ordered; Fortran BLAS sees them transposed, so the products are taken in
transposed form (``Z.T = Y.T @ X.T``) and no operand is copied.
"""

from __future__ import annotations

import numpy as np

from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.tensor.basic import as_tensor_variable
from theano.tensor.type import TensorType

BLAS_DTYPES = ("float32", "float64")


def blas_function(name: str, dtype: str):
    """SciPy's wrapper of BLAS routine ``name`` (``'gemm'``, ``'gemv'``, ``'ger'``)."""
    from scipy.linalg import blas

    return blas.get_blas_funcs(name, dtype=np.dtype(dtype))


def _as_fortran(a):
    """``(array, trans)`` with ``array`` Fortran-contiguous and ``op(array) == a``."""
    if a.flags.f_contiguous:
        return a, 0
    if a.flags.c_contiguous:
        return a.T, 1
    return np.asfortranarray(a), 0


def _empty_case(z, a, product, b):
    out = a * product
    return out if z is None or not b else out + b * z


def _mismatch(what, *arrays):
    shapes = " and ".join(str(a.shape) for a in arrays if a is not None)
    return ValueError(f"{what}: shapes {shapes} not aligned")


def run_gemm(gemm, z, a, x, y, b, overwrite):
    """``b * z + a * (x @ y)``, into ``z``'s buffer when ``overwrite`` and possible."""
    if x.shape[1] != y.shape[0] or (z is not None and z.shape != (x.shape[0], y.shape[1])):
        raise _mismatch("gemm", x, y) if x.shape[1] != y.shape[0] else _mismatch("gemm", z, x, y)
    if not (x.size and y.size and (z is None or z.size)):
        return _empty_case(z, a, np.dot(x, y), b)  # BLAS wrappers refuse empty operands
    # z.T = b * z.T + a * (y.T @ x.T), with every operand seen by BLAS in Fortran order.
    yt, trans_y = _as_fortran(y.T)
    xt, trans_x = _as_fortran(x.T)
    if z is None or not b:
        return gemm(a, yt, xt, trans_a=trans_y, trans_b=trans_x).T
    zt = z.T
    if not zt.flags.f_contiguous:
        zt, overwrite = np.asfortranarray(zt), True
    return gemm(a, yt, xt, beta=b, c=zt, trans_a=trans_y, trans_b=trans_x,
                overwrite_c=overwrite).T  # fmt: skip


def run_gemv(gemv, y, a, m, x, b, overwrite):
    """``b * y + a * (m @ x)``, into ``y``'s buffer when ``overwrite`` and possible."""
    if m.shape[1] != x.shape[0] or (y is not None and y.shape[0] != m.shape[0]):
        raise _mismatch("gemv", y, m, x)
    if not (m.size and x.size and (y is None or y.size)):
        return _empty_case(y, a, np.dot(m, x), b)
    mf, trans = _as_fortran(m)
    if y is None or not b:
        return gemv(a, mf, x, trans=trans)
    return gemv(a, mf, x, beta=b, y=y, trans=trans, overwrite_y=overwrite)


def run_ger(ger, m, a, x, y, overwrite):
    """``m + a * outer(x, y)``, into ``m``'s buffer when ``overwrite`` and possible."""
    if m.shape != (x.shape[0], y.shape[0]):
        raise _mismatch("ger", m, x, y)
    if not (m.size and x.size and y.size):
        return m + a * np.outer(x, y)
    mt = m.T  # m.T += a * outer(y, x) in Fortran order
    if not mt.flags.f_contiguous:
        mt, overwrite = np.asfortranarray(mt), True
    return ger(a, y, x, a=mt, overwrite_a=overwrite).T


def _check(op, args, ndims):
    out = []
    for name, var, nd in zip(("out", "a", "x", "y", "b"), args, ndims):
        var = as_tensor_variable(var)
        if var.ndim != nd:
            raise TypeError(f"{op}: input {name!r} must be {nd}-d, got {var.type}")
        out.append(var)
    dtypes = {v.dtype for v in out}
    if len(dtypes) != 1 or out[0].dtype not in BLAS_DTYPES:
        raise TypeError(f"{op}: inputs must share one dtype of {BLAS_DTYPES}, got "
                        f"{[v.dtype for v in out]}")  # fmt: skip
    return out


class _BlasOp(Op):
    """Shared parts: the ``inplace`` flag, printing, the destroy map on input 0, and the
    call: ``run(<SciPy's routine>, *inputs, inplace)`` (a subclass sets ``routine``, the
    BLAS routine's name, and ``run``, the ``run_*`` function above)."""

    __props__ = ("inplace",)

    def __init__(self, inplace=False):
        self.inplace = bool(inplace)
        self.destroy_map = {0: [0]} if self.inplace else {}

    def __str__(self):
        return f"{type(self).__name__}{{{'inplace' if self.inplace else 'no_inplace'}}}"

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def py_code(self, node, inames, onames, ctx):
        fn = ctx.ref(blas_function(self.routine, node.outputs[0].dtype), self.routine)
        run = ctx.ref(self.run, f"run_{self.routine}")
        return f"{onames[0]} = {run}({fn}, {', '.join(inames)}, {self.inplace})"

    def perform(self, node, inputs, output_storage):
        fn = blas_function(self.routine, node.outputs[0].dtype)
        output_storage[0][0] = self.run(fn, *inputs, self.inplace)

    def precheck(self, node, inames, ctx):
        """The shape check of the BLAS call, to run before any in-place update writes."""
        check = ctx.ref(self.check_shapes, f"check_{type(self).__name__.lower()}")
        return [f"{check}({', '.join(inames)})"]


class Gemm(_BlasOp):
    """``Gemm(Z, a, X, Y, b) = b * Z + a * dot(X, Y)`` for matrices, scalars ``a``, ``b``."""

    routine = "gemm"
    run = staticmethod(run_gemm)

    @staticmethod
    def check_shapes(z, a, x, y, b):
        if x.shape[1] != y.shape[0] or z.shape != (x.shape[0], y.shape[1]):
            raise _mismatch("gemm", z, x, y)

    def make_node(self, z, a, x, y, b):
        z, a, x, y, b = _check(self, (z, a, x, y, b), (2, 0, 2, 2, 0))
        return Apply(self, [z, a, x, y, b], [TensorType(z.dtype, (False, False))()])


class Gemv(_BlasOp):
    """``Gemv(y, a, A, x, b) = b * y + a * dot(A, x)`` for a matrix ``A``, vectors ``x, y``."""

    routine = "gemv"
    run = staticmethod(run_gemv)

    @staticmethod
    def check_shapes(y, a, m, x, b):
        if m.shape[1] != x.shape[0] or y.shape[0] != m.shape[0]:
            raise _mismatch("gemv", y, m, x)

    def make_node(self, y, a, m, x, b):
        y, a, m, x, b = _check(self, (y, a, m, x, b), (1, 0, 2, 1, 0))
        return Apply(self, [y, a, m, x, b], [TensorType(y.dtype, (False,))()])


class Ger(_BlasOp):
    """``Ger(A, a, x, y) = A + a * outer(x, y)``."""

    routine = "ger"
    run = staticmethod(run_ger)

    @staticmethod
    def check_shapes(m, a, x, y):
        if m.shape != (x.shape[0], y.shape[0]):
            raise _mismatch("ger", m, x, y)

    def make_node(self, m, a, x, y):
        m, a, x, y = _check(self, (m, a, x, y), (2, 0, 1, 1))
        return Apply(self, [m, a, x, y], [TensorType(m.dtype, (False, False))()])


class Dot22(Op):
    """The product of two matrices (what `Dot` of two matrices becomes in FAST_RUN)."""

    __props__ = ()

    def __str__(self):
        return "Dot22"

    def make_node(self, x, y):
        x, y = as_tensor_variable(x), as_tensor_variable(y)
        if x.ndim != 2 or y.ndim != 2 or x.dtype != y.dtype:
            raise TypeError(f"Dot22: expects two matrices of one dtype, got {x.type}, {y.type}")
        bcast = (x.broadcastable[0], y.broadcastable[1])
        return Apply(self, [x, y], [TensorType(x.dtype, bcast)()])

    def py_code(self, node, inames, onames, ctx):
        return f"{onames[0]} = {ctx.ref(np.dot, 'dot')}({inames[0]}, {inames[1]})"

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.dot(*inputs)

    def infer_shape(self, node, shapes):
        return [(shapes[0][0], shapes[1][1])]


class Dot21(Op):
    """A matrix times a vector, as one BLAS gemv call (what `Dot` of a matrix and a
    vector becomes in FAST_RUN; NumPy's dot adds its own dispatch on top)."""

    __props__ = ()

    def __str__(self):
        return "Dot21"

    def make_node(self, m, x):
        m, x = as_tensor_variable(m), as_tensor_variable(x)
        if m.ndim != 2 or x.ndim != 1 or m.dtype != x.dtype or m.dtype not in BLAS_DTYPES:
            raise TypeError(f"Dot21: expects a matrix and a vector of one BLAS dtype, got "
                            f"{m.type}, {x.type}")  # fmt: skip
        return Apply(self, [m, x], [TensorType(m.dtype, (m.broadcastable[0],))()])

    def py_code(self, node, inames, onames, ctx):
        fn = ctx.ref(blas_function("gemv", node.outputs[0].dtype), "gemv")
        run = ctx.ref(run_gemv, "run_gemv")
        return f"{onames[0]} = {run}({fn}, None, 1.0, {inames[0]}, {inames[1]}, 0.0, False)"

    def perform(self, node, inputs, output_storage):
        fn = blas_function("gemv", node.outputs[0].dtype)
        output_storage[0][0] = run_gemv(fn, None, 1.0, *inputs, 0.0, False)

    def infer_shape(self, node, shapes):
        return [(shapes[0][0],)]


gemm_no_inplace, gemm_inplace = Gemm(False), Gemm(True)
gemv_no_inplace, gemv_inplace = Gemv(False), Gemv(True)
ger, ger_destructive = Ger(False), Ger(True)
_dot22 = Dot22()
_dot21 = Dot21()
