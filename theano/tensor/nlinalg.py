"""`theano.tensor.nlinalg`: linear algebra with NumPy's ``numpy.linalg``.

Theano 1.0's names: `matrix_inverse`, `det`, `eig`, `eigh`, `svd`, `qr`, `pinv`,
`matrix_power`, `norm`, `lstsq`, `tensorinv`, `tensorsolve`, `trace`, `diag`,
`alloc_diag`, `extract_diag` and `matrix_dot`. Float32 inputs give float32 results,
float64 gives float64, integers give float64. Gradients exist for `matrix_inverse`,
`det`, `eigh`, `pinv`, `tensorinv`, `tensorsolve` and the diagonal ops; `eig`,
`svd`, `qr` and `lstsq` have none (as in Theano).
"""

from __future__ import annotations

import warnings

import numpy as np

from theano import scalar
from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.tensor.basic import as_tensor_variable
from theano.tensor.creation import AllocDiag, ExtractDiag, diag, identity_like, trace
from theano.tensor.elemwise import _cast_grad, dimshuffle
from theano.tensor.math import (
    abs_,
    add,
    dot,
    max,
    min,
    mul,
    neg,
    pow,
    sqr,
    sqrt,
    sub,
    sum,
)
from theano.tensor.products import matrix_dot, tensordot
from theano.tensor.type import TensorType

alloc_diag = AllocDiag()
extract_diag = ExtractDiag()


def _linalg_dtype(*dtypes):
    """The dtype ``numpy.linalg`` computes in: float32/complex stay, the rest is float64."""
    dtype = scalar.upcast(*dtypes)
    if dtype in ("float32", "float64", "complex64", "complex128"):
        return dtype
    return "float32" if dtype == "float16" else "float64"


def _as_matrix(x, op_name, input_name="x"):
    x = as_tensor_variable(x)
    if x.ndim != 2:
        raise TypeError(f"{op_name}: input {input_name} must be a matrix (2-d), got {x.type}")
    return x


def _matrix(dtype):
    return TensorType(dtype, (False, False))()


def _vector(dtype):
    return TensorType(dtype, (False,))()


def _cast_outputs(node, values, storage):
    for k, v in enumerate(values):
        storage[k][0] = np.asarray(v, dtype=node.outputs[k].dtype)


class _LinalgOp(Op):
    """An op computed by ``numpy.linalg``, which has no float16 routines: half-precision
    inputs are computed in float32 (the outputs' dtype)."""

    def perform(self, node, inputs, output_storage):
        inputs = [i.astype("float32") if i.dtype == np.float16 else i for i in inputs]
        self._perform(node, inputs, output_storage)


# ------------------------------------------------------------------- inverse and det


class MatrixInverse(_LinalgOp):
    """The inverse of a square matrix (``numpy.linalg.inv``)."""

    __props__ = ()

    def make_node(self, x):
        x = _as_matrix(x, "matrix_inverse")
        return Apply(self, [x], [_matrix(_linalg_dtype(x.dtype))])

    def _perform(self, node, inputs, output_storage):
        _cast_outputs(node, [np.linalg.inv(inputs[0])], output_storage)

    def infer_shape(self, node, shapes):
        return shapes

    def L_op(self, inputs, outputs, gz):
        # d(X^-1) = -X^-1 dX X^-1, so the adjoint is -X^-T g X^-T.
        (xi,) = outputs
        return [_cast_grad(neg(matrix_dot(xi.T, gz[0], xi.T)), inputs[0])]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        xi = self(inputs[0])
        return [neg(matrix_dot(xi, eval_points[0], xi))]


matrix_inverse = MatrixInverse()


class Det(_LinalgOp):
    """The determinant of a square matrix (``numpy.linalg.det``)."""

    __props__ = ()

    def make_node(self, x):
        x = _as_matrix(x, "det")
        return Apply(self, [x], [TensorType(_linalg_dtype(x.dtype), ())()])

    def _perform(self, node, inputs, output_storage):
        _cast_outputs(node, [np.linalg.det(inputs[0])], output_storage)

    def infer_shape(self, node, shapes):
        return [()]

    def L_op(self, inputs, outputs, gz):
        # d det(X) = det(X) tr(X^-1 dX)
        (x,) = inputs
        return [_cast_grad(mul(mul(gz[0], outputs[0]), matrix_inverse(x).T), x)]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        x = inputs[0]
        return [mul(self(x), trace(dot(matrix_inverse(x), eval_points[0])))]

    def __str__(self):
        return "Det"


det = Det()


# ---------------------------------------------------------------------- eigenvalues


class Eig(_LinalgOp):
    """Eigenvalues and right eigenvectors of a square matrix (``numpy.linalg.eig``).

    As in Theano, both outputs have the input's (real) dtype: a complex spectrum
    loses its imaginary part, with a warning. No gradient.
    """

    __props__ = ()

    def make_node(self, x):
        x = _as_matrix(x, "eig")
        dtype = _linalg_dtype(x.dtype)
        return Apply(self, [x], [_vector(dtype), _matrix(dtype)])

    def _perform(self, node, inputs, output_storage):
        w, v = np.linalg.eig(inputs[0])
        if node.outputs[0].dtype.startswith("float") and np.iscomplexobj(w):
            if np.any(w.imag != 0):
                warnings.warn(
                    "eig: the eigenvalues are complex; the real output drops their "
                    "imaginary parts", stacklevel=2)  # fmt: skip
            w, v = w.real, v.real
        _cast_outputs(node, [w, v], output_storage)

    def infer_shape(self, node, shapes):
        n = shapes[0][0]
        return [(n,), (n, n)]


eig = Eig()


class Eigh(_LinalgOp):
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix (``numpy.linalg.eigh``).

    Only the triangle named by ``UPLO`` ('L' or 'U') is read, and the gradient is the
    one of that triangle.
    """

    __props__ = ("UPLO",)

    def __init__(self, UPLO="L"):
        if UPLO not in ("L", "U"):
            raise ValueError(f"Eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
        self.UPLO = UPLO

    def make_node(self, x):
        x = _as_matrix(x, "eigh")
        dtype = _linalg_dtype(x.dtype)
        return Apply(self, [x], [_vector(dtype), _matrix(dtype)])

    def _perform(self, node, inputs, output_storage):
        _cast_outputs(node, np.linalg.eigh(inputs[0], self.UPLO), output_storage)

    def infer_shape(self, node, shapes):
        n = shapes[0][0]
        return [(n,), (n, n)]

    def L_op(self, inputs, outputs, g_outputs):
        (x,) = inputs
        w, v = outputs
        gw, gv = g_outputs
        return [_cast_grad(EighGrad(self.UPLO)(x, w, v, gw, gv), x)]


def _fold_triangle(g, lower):
    """The gradient of a function of a symmetric matrix that reads one triangle only:
    the symmetric-input gradient ``g`` folded onto that triangle."""
    out = np.tril(g + g.T) if lower else np.triu(g + g.T)
    out[np.diag_indices_from(out)] = np.diag(g)
    return out


class EighGrad(_LinalgOp):
    """The gradient of `Eigh` with respect to its input, given the output gradients."""

    __props__ = ("UPLO",)

    def __init__(self, UPLO="L"):
        self.UPLO = UPLO

    def make_node(self, x, w, v, gw, gv):
        inputs = [as_tensor_variable(t) for t in (x, w, v, gw, gv)]
        dtype = scalar.upcast(*(t.dtype for t in inputs[1:]))
        return Apply(self, inputs, [_matrix(dtype)])

    def _perform(self, node, inputs, output_storage):
        _x, w, v, gw, gv = inputs
        # With X = V diag(w) V^T: dw = diag(V^T dX V) and dV = V (F * (V^T dX V)),
        # F[i, j] = 1 / (w[j] - w[i]) off the diagonal; the adjoint follows.
        diff = w[np.newaxis, :] - w[:, np.newaxis]
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(np.eye(len(w), dtype=bool), 0.0, 1.0 / diff)
        inner = np.diag(gw) + f * (v.T @ gv)
        g = v @ inner @ v.T
        out = _fold_triangle(g, self.UPLO == "L")
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].dtype)

    def infer_shape(self, node, shapes):
        return [shapes[0]]


def eigh(a, UPLO="L"):
    """Eigenvalues (ascending) and eigenvectors of symmetric ``a``; reads triangle ``UPLO``."""
    return Eigh(UPLO)(a)


# ----------------------------------------------------------------- svd, qr and pinv


class SVD(_LinalgOp):
    """Singular value decomposition ``u, s, v`` with ``a = u @ diag(s) @ v`` (``numpy.linalg.svd``).

    With ``compute_uv=False`` only ``s`` is computed. No gradient (as in Theano).
    """

    __props__ = ("full_matrices", "compute_uv")

    def __init__(self, full_matrices=True, compute_uv=True):
        self.full_matrices = bool(full_matrices)
        self.compute_uv = bool(compute_uv)

    def make_node(self, x):
        x = _as_matrix(x, "svd")
        dtype = _linalg_dtype(x.dtype)
        if self.compute_uv:
            return Apply(self, [x], [_matrix(dtype), _vector(dtype), _matrix(dtype)])
        return Apply(self, [x], [_vector(dtype)])

    def _perform(self, node, inputs, output_storage):
        out = np.linalg.svd(inputs[0], self.full_matrices, self.compute_uv)
        _cast_outputs(node, out if self.compute_uv else [out], output_storage)

    def infer_shape(self, node, shapes):
        from theano.tensor.math import minimum

        m, n = shapes[0]
        k = minimum(m, n)
        if not self.compute_uv:
            return [(k,)]
        if self.full_matrices:
            return [(m, m), (k,), (n, n)]
        return [(m, k), (k,), (k, n)]


def svd(a, full_matrices=1, compute_uv=1):
    """``u, s, v`` of the singular value decomposition of ``a`` (only ``s`` without uv)."""
    return SVD(full_matrices, compute_uv)(a)


class QRFull(_LinalgOp):
    """QR decomposition (``numpy.linalg.qr``) in ``mode`` 'reduced', 'complete', 'r' or 'raw'.

    'reduced' and 'complete' give ``q, r``; 'r' gives ``r`` alone; 'raw' gives
    LAPACK's ``h, tau``. No gradient (as in Theano).
    """

    __props__ = ("mode",)

    def __init__(self, mode="reduced"):
        if mode not in ("reduced", "complete", "r", "raw"):
            raise ValueError(f"qr: mode must be 'reduced', 'complete', 'r' or 'raw', got {mode!r}")
        self.mode = mode

    def make_node(self, x):
        x = _as_matrix(x, "qr")
        dtype = _linalg_dtype(x.dtype)
        if self.mode == "r":
            return Apply(self, [x], [_matrix(dtype)])
        second = _vector(dtype) if self.mode == "raw" else _matrix(dtype)
        return Apply(self, [x], [_matrix(dtype), second])

    def _perform(self, node, inputs, output_storage):
        out = np.linalg.qr(inputs[0], self.mode)
        _cast_outputs(node, [out] if self.mode == "r" else list(out), output_storage)

    def infer_shape(self, node, shapes):
        from theano.tensor.math import minimum

        m, n = shapes[0]
        k = minimum(m, n)
        if self.mode == "reduced":
            return [(m, k), (k, n)]
        if self.mode == "complete":
            return [(m, m), (m, n)]
        if self.mode == "r":
            return [(k, n)]
        return [(n, m), (k,)]


def qr(a, mode="reduced"):
    """The QR decomposition of ``a``: ``q, r`` (modes 'reduced', 'complete'), ``r``
    (mode 'r') or ``h, tau`` (mode 'raw')."""
    return QRFull(mode)(a)


class MatrixPinv(_LinalgOp):
    """The Moore-Penrose pseudo-inverse (``numpy.linalg.pinv``).

    The gradient assumes the rank does not change near the input.
    """

    __props__ = ("hermitian",)

    def __init__(self, hermitian=False):
        self.hermitian = bool(hermitian)

    def make_node(self, x):
        x = _as_matrix(x, "pinv")
        return Apply(self, [x], [_matrix(_linalg_dtype(x.dtype))])

    def _perform(self, node, inputs, output_storage):
        out = np.linalg.pinv(inputs[0], hermitian=self.hermitian)
        _cast_outputs(node, [out], output_storage)

    def infer_shape(self, node, shapes):
        m, n = shapes[0]
        return [(n, m)]

    def L_op(self, inputs, outputs, gz):
        # dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P  (Golub & Pereyra)
        (a,) = inputs
        (p,) = outputs
        (g,) = gz
        left = sub(identity_like(dot(a, p)), dot(a, p))
        right = sub(identity_like(dot(p, a)), dot(p, a))
        ga = add(
            neg(matrix_dot(p.T, g, p.T)),
            matrix_dot(left, g.T, p, p.T),
            matrix_dot(p.T, p, g.T, right),
        )
        return [_cast_grad(ga, a)]


pinv = MatrixPinv()


# ------------------------------------------------------------------ power and norm


def matrix_power(M, n):
    """``M`` multiplied by itself ``n`` times (``n`` a Python int; negative inverts)."""
    M = _as_matrix(M, "matrix_power", "M")
    n = int(n)
    if n < 0:
        M, n = matrix_inverse(M), -n
    if n == 0:
        return identity_like(M)
    result, base = None, M
    while n:  # binary exponentiation: O(log n) products
        if n & 1:
            result = base if result is None else dot(result, base)
        n >>= 1
        if n:
            base = dot(base, base)
    return result


def norm(x, ord=None):
    """The vector or matrix norm of ``x`` (``numpy.linalg.norm`` without ``axis``).

    Vectors: ``ord`` None/2, ``inf``, ``-inf``, 0 (the count of nonzeros) or any
    number ``p``. Matrices: None/'fro', ``inf``, ``-inf``, 1, -1, and 'nuc', 2,
    -2 (from the singular values; no gradient for those).
    """
    x = as_tensor_variable(x)
    if x.ndim == 1:
        if ord is None or ord == 2:
            return sqrt(sum(sqr(abs_(x))))
        if ord == np.inf:
            return max(abs_(x))
        if ord == -np.inf:
            return min(abs_(x))
        if ord == 0:
            from theano.tensor.math import neq

            return sum(neq(x, 0))
        if isinstance(ord, str):
            raise ValueError(f"norm: invalid ord {ord!r} for a vector")
        return pow(sum(pow(abs_(x), ord)), 1.0 / ord)
    if x.ndim == 2:
        if ord is None or ord == "fro":
            return sqrt(sum(sqr(abs_(x))))
        if ord == np.inf:
            return max(sum(abs_(x), axis=1))
        if ord == -np.inf:
            return min(sum(abs_(x), axis=1))
        if ord == 1:
            return max(sum(abs_(x), axis=0))
        if ord == -1:
            return min(sum(abs_(x), axis=0))
        if ord in ("nuc", 2, -2):
            s = SVD(compute_uv=False)(x)
            return sum(s) if ord == "nuc" else max(s) if ord == 2 else min(s)
        raise ValueError(f"norm: invalid ord {ord!r} for a matrix")
    raise NotImplementedError(f"norm: x must be a vector or a matrix, got {x.type}")


# -------------------------------------------------------------------------- lstsq


class Lstsq(_LinalgOp):
    """Least-squares solution of ``a @ x = b`` (``numpy.linalg.lstsq``).

    Inputs ``a``, ``b``, ``rcond``; outputs the solution, the residuals, the rank of
    ``a`` (int64) and its singular values. No gradient.
    """

    __props__ = ()

    def make_node(self, a, b, rcond=None):
        a = _as_matrix(a, "lstsq", "a")
        b = as_tensor_variable(b)
        if b.ndim not in (1, 2):
            raise TypeError(f"lstsq: input b must be a vector or a matrix, got {b.type}")
        rcond = as_tensor_variable(-1.0 if rcond is None else rcond)
        if rcond.ndim != 0:
            raise TypeError(f"lstsq: rcond must be a scalar, got {rcond.type}")
        dtype = _linalg_dtype(a.dtype, b.dtype)
        outs = [TensorType(dtype, (False,) * b.ndim)(), _vector(dtype),
                TensorType("int64", ())(), _vector(dtype)]  # fmt: skip
        return Apply(self, [a, b, rcond], outs)

    def _perform(self, node, inputs, output_storage):
        a, b, rcond = inputs
        rc = None if rcond < 0 else float(rcond)
        _cast_outputs(node, np.linalg.lstsq(a, b, rcond=rc), output_storage)


def lstsq(a, b, rcond=None):
    """``x, residuals, rank, s`` of the least-squares solution of ``a @ x = b``.

    ``rcond`` cuts off small singular values (None: machine precision times the size).
    """
    return Lstsq()(a, b, rcond)


# --------------------------------------------------------- tensorinv and tensorsolve


class TensorInv(_LinalgOp):
    """The inverse of ``a`` with respect to ``tensordot`` over its first ``ind`` axes
    (``numpy.linalg.tensorinv``): the result has shape ``a.shape[ind:] + a.shape[:ind]``."""

    __props__ = ("ind",)

    def __init__(self, ind=2):
        self.ind = int(ind)
        if self.ind <= 0:
            raise ValueError(f"tensorinv: ind must be a positive int, got {ind}")

    def make_node(self, a):
        a = as_tensor_variable(a)
        if a.ndim <= self.ind:
            raise TypeError(
                f"tensorinv: input a needs more than ind={self.ind} dimensions, got {a.type}"
            )
        bcast = a.broadcastable[self.ind :] + a.broadcastable[: self.ind]
        return Apply(self, [a], [TensorType(_linalg_dtype(a.dtype), bcast)()])

    def _perform(self, node, inputs, output_storage):
        _cast_outputs(node, [np.linalg.tensorinv(inputs[0], self.ind)], output_storage)

    def infer_shape(self, node, shapes):
        s = tuple(shapes[0])
        return [s[self.ind :] + s[: self.ind]]

    def L_op(self, inputs, outputs, gz):
        # As matrices A (N1 x N2) and B = A^-1: gA = -B^T g B^T, in tensordot form.
        (a,) = inputs
        (b,) = outputs
        n2 = a.ndim - self.ind
        front = list(range(n2))
        m = tensordot(b, gz[0], [front, front])  # shape a.shape[:ind] * 2
        back_m = list(range(self.ind, 2 * self.ind))
        back_b = list(range(n2, b.ndim))
        return [_cast_grad(neg(tensordot(m, b, [back_m, back_b])), a)]


def tensorinv(a, ind=2):
    """The ``tensordot`` inverse of ``a`` over its first ``ind`` axes."""
    return TensorInv(ind)(a)


class TensorSolve(_LinalgOp):
    """The ``x`` with ``tensordot(a, x, x.ndim) = b`` (``numpy.linalg.tensorsolve``).

    ``axes`` lists axes of ``a`` moved to the end first.
    """

    __props__ = ("axes",)

    def __init__(self, axes=None):
        self.axes = None if axes is None else tuple(int(ax) for ax in axes)

    def _moved(self, ndim):
        """The permutation of ``a``'s axes that numpy applies for ``axes``."""
        order = list(range(ndim))
        if self.axes is None:
            return order
        moved = [ax % ndim for ax in self.axes]
        return [d for d in order if d not in moved] + moved

    def make_node(self, a, b):
        a, b = as_tensor_variable(a), as_tensor_variable(b)
        if a.ndim <= b.ndim:
            raise TypeError(
                f"tensorsolve: input a must have more dimensions than input b, got "
                f"{a.type} and {b.type}"
            )
        order = self._moved(a.ndim)
        bcast = tuple(a.broadcastable[d] for d in order[b.ndim :])
        return Apply(self, [a, b], [TensorType(_linalg_dtype(a.dtype, b.dtype), bcast)()])

    def _perform(self, node, inputs, output_storage):
        a, b = inputs
        _cast_outputs(node, [np.linalg.tensorsolve(a, b, self.axes)], output_storage)

    def infer_shape(self, node, shapes):
        sa, sb = shapes
        order = self._moved(len(sa))
        return [tuple(sa[d] for d in order[len(sb) :])]

    def L_op(self, inputs, outputs, gz):
        # As a matrix A (Nb x Nx): x = A^-1 b, gb = A^-T gx and gA = -gb (x) x.
        a, b = inputs
        (x,) = outputs
        order = self._moved(a.ndim)
        a_moved = dimshuffle(a, *order)
        nb = b.ndim
        a_t = dimshuffle(a_moved, *range(nb, a.ndim), *range(nb))
        gb = TensorSolve()(a_t, gz[0])
        ga_moved = neg(tensordot(gb, x, 0))
        inverse = [order.index(d) for d in range(a.ndim)]
        return [_cast_grad(dimshuffle(ga_moved, *inverse), a), _cast_grad(gb, b)]


def tensorsolve(a, b, axes=None):
    """The ``x`` with ``tensordot(a, x, x.ndim) = b``; ``axes`` of ``a`` go to the end first."""
    return TensorSolve(axes)(a, b)


__all__ = [
    "SVD",
    "AllocDiag",
    "Det",
    "Eig",
    "Eigh",
    "EighGrad",
    "ExtractDiag",
    "Lstsq",
    "MatrixInverse",
    "MatrixPinv",
    "QRFull",
    "TensorInv",
    "TensorSolve",
    "alloc_diag",
    "det",
    "diag",
    "eig",
    "eigh",
    "extract_diag",
    "lstsq",
    "matrix_dot",
    "matrix_inverse",
    "matrix_power",
    "norm",
    "pinv",
    "qr",
    "svd",
    "tensorinv",
    "tensorsolve",
    "trace",
]
