"""`theano.tensor.slinalg`: linear algebra with SciPy's ``scipy.linalg``.

Theano 1.0's names: `cholesky`, `solve` (and its structured variants),
`solve_triangular`, `eigvalsh`, `expm` and `kron`, all differentiable. SciPy is
imported on first use, never when this module is imported.
"""

from __future__ import annotations

import numpy as np

from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.tensor.basic import as_tensor_variable
from theano.tensor.creation import tril, triu
from theano.tensor.elemwise import _cast_grad, dimshuffle
from theano.tensor.math import dot, mul, neg, outer, sub
from theano.tensor.nlinalg import _as_matrix, _linalg_dtype, _matrix, _vector
from theano.tensor.shape import reshape, shape_i
from theano.tensor.type import TensorType


def _scipy_linalg():
    """``scipy.linalg``, imported on first use (it costs ~100 ms to import)."""
    import scipy.linalg

    return scipy.linalg


def _fold(m, lower):
    """The gradient of an op that reads one triangle of a symmetric input: the
    symmetric-input gradient ``m`` folded onto that triangle (symbolic)."""
    from theano.tensor.creation import diag, diagonal

    full = (tril if lower else triu)(m + m.T)
    return sub(full, diag(diagonal(m)))


# ------------------------------------------------------------------------- cholesky


class Cholesky(Op):
    """The Cholesky factor of a symmetric positive-definite matrix.

    ``lower=True`` gives ``L`` with ``x = L @ L.T`` (reading the lower triangle of
    ``x``), ``lower=False`` gives ``U`` with ``x = U.T @ U`` (reading the upper one).
    ``on_error='nan'`` returns NaNs instead of raising for a non-positive-definite
    input.
    """

    __props__ = ("lower", "on_error")

    def __init__(self, lower=True, on_error="raise"):
        if on_error not in ("raise", "nan"):
            raise ValueError(f"Cholesky: on_error must be 'raise' or 'nan', got {on_error!r}")
        self.lower = bool(lower)
        self.on_error = on_error

    def make_node(self, x):
        x = _as_matrix(x, "cholesky")
        return Apply(self, [x], [_matrix(_linalg_dtype(x.dtype))])

    def perform(self, node, inputs, output_storage):
        sl = _scipy_linalg()
        x = inputs[0]
        try:
            out = sl.cholesky(x, lower=self.lower)
        except sl.LinAlgError:
            if self.on_error == "raise":
                raise
            out = np.full(x.shape, np.nan)
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].dtype)

    def infer_shape(self, node, shapes):
        return shapes

    def L_op(self, inputs, outputs, gz):
        # With x = L L^T: dL = L Phi(L^-1 dx L^-T), Phi = tril with a halved diagonal.
        # So <gL, dL> = <S, dx> with S = L^-T Phi(L^T gL) L^-1 (Murray, 2016).
        from theano.tensor.creation import diag, diagonal

        (x,) = inputs
        chol = outputs[0] if self.lower else outputs[0].T
        g = gz[0] if self.lower else gz[0].T
        p = dot(chol.T, g)
        phi = sub(tril(p), diag(mul(diagonal(p), np.array(0.5, dtype=p.dtype))))
        upper = solve_upper_triangular
        s_t = upper(chol.T, upper(chol.T, phi).T)  # = S^T
        return [_cast_grad(_fold(s_t, self.lower), x)]


cholesky = Cholesky()


# ---------------------------------------------------------------------------- solve

_STRUCTURES = ("general", "symmetric", "positive_definite", "lower_triangular",
               "upper_triangular")  # fmt: skip
_ASSUME_A = {"gen": "general", "sym": "symmetric", "her": "symmetric",
             "pos": "positive_definite"}  # fmt: skip


class Solve(Op):
    """The solution ``x`` of ``a @ x = b`` for a square ``a`` and a vector or matrix ``b``.

    ``A_structure`` (Theano's name) is 'general', 'symmetric', 'positive_definite',
    'lower_triangular' or 'upper_triangular'; ``assume_a`` ('gen', 'sym', 'her',
    'pos', SciPy's names) may be given instead. For a symmetric structure ``lower``
    says which triangle of ``a`` is read.
    """

    __props__ = ("A_structure", "lower")

    def __init__(self, A_structure="general", lower=False, overwrite_A=False,
                 overwrite_b=False, assume_a=None):  # fmt: skip
        if assume_a is not None:
            if assume_a not in _ASSUME_A:
                raise ValueError(
                    f"solve: assume_a must be one of {sorted(_ASSUME_A)}, got {assume_a!r}"
                )
            A_structure = _ASSUME_A[assume_a]
        if A_structure not in _STRUCTURES:
            raise ValueError(f"solve: A_structure must be one of {_STRUCTURES}, "
                             f"got {A_structure!r}")  # fmt: skip
        if A_structure.endswith("triangular"):
            lower = A_structure == "lower_triangular"
        self.A_structure = A_structure
        self.lower = bool(lower)

    def __str__(self):
        return f"Solve{{{self.A_structure}, lower={self.lower}}}"

    def make_node(self, a, b):
        a = _as_matrix(a, "solve", "a")
        b = as_tensor_variable(b)
        if b.ndim not in (1, 2):
            raise TypeError(f"solve: input b must be a vector or a matrix, got {b.type}")
        out = TensorType(_linalg_dtype(a.dtype, b.dtype), b.broadcastable)()
        return Apply(self, [a, b], [out])

    def _solve(self, a, b):
        sl = _scipy_linalg()
        if self.A_structure.endswith("triangular"):
            return sl.solve_triangular(a, b, lower=self.lower, check_finite=False)
        assume = {"general": "gen", "symmetric": "sym", "positive_definite": "pos"}
        return sl.solve(
            a, b, lower=self.lower, assume_a=assume[self.A_structure], check_finite=False
        )

    def perform(self, node, inputs, output_storage):
        a, b = inputs
        if a.shape[0] != a.shape[1]:
            raise ValueError(f"solve: input a must be square, got shape {a.shape}")
        if a.shape[1] != b.shape[0]:
            raise ValueError(f"solve: input a of shape {a.shape} does not match input b of "
                             f"shape {b.shape}")  # fmt: skip
        out = self._solve(a, b)
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].dtype)

    def infer_shape(self, node, shapes):
        return [shapes[1]]

    def _transposed(self):
        """The op solving with ``a.T`` (the transpose keeps a symmetric structure and
        moves the triangle read)."""
        flipped = {"lower_triangular": "upper_triangular",
                   "upper_triangular": "lower_triangular"}  # fmt: skip
        return Solve(flipped.get(self.A_structure, self.A_structure), not self.lower)

    def _project(self, ga):
        """``ga`` restricted to the entries of ``a`` that the solver reads."""
        if self.A_structure == "lower_triangular":
            return tril(ga)
        if self.A_structure == "upper_triangular":
            return triu(ga)
        if self.A_structure in ("symmetric", "positive_definite"):
            return _fold(ga, self.lower)
        return ga

    def L_op(self, inputs, outputs, gz):
        # x = a^-1 b: gb = a^-T gx and ga = -gb x^T.
        a, b = inputs
        (x,) = outputs
        gb = self._transposed()(a.T, gz[0])
        ga = neg(outer(gb, x) if x.ndim == 1 else dot(gb, x.T))
        return [_cast_grad(self._project(ga), a), _cast_grad(gb, b)]

    def R_op(self, inputs, eval_points):
        a, b = inputs
        ea, eb = eval_points
        if ea is None and eb is None:
            return [None]
        x = self(a, b)
        rhs = eb if eb is not None else None
        if ea is not None:
            ea = _project_tangent(self, ea)
            term = neg(dot(ea, x))
            rhs = term if rhs is None else rhs + term
        return [self(a, rhs)]


def _project_tangent(op, ea):
    """The tangent of ``a`` as the solver sees it (only the triangle it reads)."""
    if op.A_structure == "lower_triangular":
        return tril(ea)
    if op.A_structure == "upper_triangular":
        return triu(ea)
    if op.A_structure in ("symmetric", "positive_definite"):
        from theano.tensor.creation import diag, diagonal

        half = (tril if op.lower else triu)(ea)
        return sub(half + half.T, diag(diagonal(ea)))
    return ea


def solve(a, b, assume_a="gen", lower=False, sym_pos=False, **kwargs):
    """The solution ``x`` of ``a @ x = b`` (``scipy.linalg.solve``).

    ``assume_a`` is 'gen', 'sym', 'her' or 'pos' (``sym_pos=True`` means 'pos'), and
    ``lower`` chooses the triangle of ``a`` read for the symmetric cases.
    """
    if kwargs:
        raise TypeError(f"solve: unexpected arguments {sorted(kwargs)}")
    return Solve(assume_a="pos" if sym_pos else assume_a, lower=lower)(a, b)


solve_lower_triangular = Solve("lower_triangular", lower=True)
solve_upper_triangular = Solve("upper_triangular", lower=False)
solve_symmetric = Solve("symmetric")
solve_general = Solve("general")


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False):
    """The solution of ``a @ x = b`` for a triangular ``a`` (``scipy.linalg.solve_triangular``).

    ``trans`` 1 or 'T' solves ``a.T @ x = b``; ``unit_diagonal`` takes the diagonal
    of ``a`` as ones.
    """
    from theano.tensor.creation import diag, diagonal, identity_like

    a = _as_matrix(a, "solve_triangular", "a")
    if unit_diagonal:
        a = sub(a, diag(diagonal(a))) + identity_like(a)
    if trans in (1, "T", "C"):
        a, lower = a.T, not lower
    elif trans not in (0, "N"):
        raise ValueError(f"solve_triangular: trans must be 0, 1, 'N', 'T' or 'C', got {trans!r}")
    return (solve_lower_triangular if lower else solve_upper_triangular)(a, b)


# ----------------------------------------------------------------------- eigvalsh


class Eigvalsh(Op):
    """Eigenvalues (ascending) of symmetric ``a``, or of the generalized problem
    ``a v = w b v`` for a positive-definite ``b`` (``scipy.linalg.eigvalsh``).

    The triangle named by ``lower`` of each input is read.
    """

    __props__ = ("lower",)

    def __init__(self, lower=True):
        self.lower = bool(lower)

    def make_node(self, a, b=None):
        a = _as_matrix(a, "eigvalsh", "a")
        inputs = [a]
        if b is not None and not (hasattr(b, "data") and b.data is None):
            inputs.append(_as_matrix(b, "eigvalsh", "b"))
        dtype = _linalg_dtype(*(i.dtype for i in inputs))
        return Apply(self, inputs, [_vector(dtype)])

    def perform(self, node, inputs, output_storage):
        b = inputs[1] if len(inputs) > 1 else None
        w = _scipy_linalg().eigh(inputs[0], b, lower=self.lower, eigvals_only=True)
        output_storage[0][0] = np.asarray(w, dtype=node.outputs[0].dtype)

    def infer_shape(self, node, shapes):
        return [(shapes[0][0],)]

    def L_op(self, inputs, outputs, gz):
        grads = EigvalshGrad(self.lower)(*inputs, gz[0])
        grads = grads if isinstance(grads, list) else [grads]
        return [_cast_grad(g, x) for g, x in zip(grads, inputs)]


class EigvalshGrad(Op):
    """The gradients of `Eigvalsh` with respect to ``a`` (and ``b``), given ``gw``."""

    __props__ = ("lower",)

    def __init__(self, lower=True):
        self.lower = bool(lower)

    def make_node(self, *inputs):
        inputs = [as_tensor_variable(i) for i in inputs]
        dtype = _linalg_dtype(*(i.dtype for i in inputs))
        return Apply(self, inputs, [_matrix(dtype) for _ in inputs[:-1]])

    def perform(self, node, inputs, output_storage):
        *mats, gw = inputs
        b = mats[1] if len(mats) > 1 else None
        w, v = _scipy_linalg().eigh(mats[0], b, lower=self.lower)
        # With v^T b v = I: dw_i = v_i^T (da - w_i db) v_i.
        tri = np.tril if self.lower else np.triu

        def fold(m):  # onto the triangle read; m is symmetric
            return tri(2 * m) - np.diag(np.diag(m))

        outs = [fold((v * gw) @ v.T)]
        if b is not None:
            outs.append(fold(-(v * (gw * w)) @ v.T))
        for k, out in enumerate(outs):
            output_storage[k][0] = np.asarray(out, dtype=node.outputs[k].dtype)

    def infer_shape(self, node, shapes):
        return list(shapes[:-1])


def eigvalsh(a, b=None, lower=True):
    """Eigenvalues of symmetric ``a`` (generalized with positive-definite ``b``)."""
    return Eigvalsh(lower)(a, b)


# ---------------------------------------------------------------------------- expm


class Expm(Op):
    """The matrix exponential (``scipy.linalg.expm``)."""

    __props__ = ()

    def make_node(self, a):
        a = _as_matrix(a, "expm", "a")
        return Apply(self, [a], [_matrix(_linalg_dtype(a.dtype))])

    def perform(self, node, inputs, output_storage):
        out = _scipy_linalg().expm(inputs[0])
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].dtype)

    def infer_shape(self, node, shapes):
        return shapes

    def L_op(self, inputs, outputs, gz):
        return [_cast_grad(ExpmGrad()(inputs[0], gz[0]), inputs[0])]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [ExpmFrechet()(inputs[0], eval_points[0])]


class ExpmFrechet(Op):
    """The Fréchet derivative of `expm` at ``a`` in direction ``e``."""

    __props__ = ()

    def make_node(self, a, e):
        a, e = as_tensor_variable(a), as_tensor_variable(e)
        return Apply(self, [a, e], [_matrix(_linalg_dtype(a.dtype, e.dtype))])

    def perform(self, node, inputs, output_storage):
        a, e = inputs
        out = _scipy_linalg().expm_frechet(a, e, compute_expm=False)
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].dtype)

    def infer_shape(self, node, shapes):
        return [shapes[0]]


class ExpmGrad(ExpmFrechet):
    """The gradient of `expm` at ``a`` for the output gradient ``g``: the adjoint of the
    Fréchet derivative, which is the derivative at ``a.T`` in direction ``g``."""

    def perform(self, node, inputs, output_storage):
        a, g = inputs
        out = _scipy_linalg().expm_frechet(a.T, g, compute_expm=False)
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].dtype)


expm = Expm()


# ---------------------------------------------------------------------------- kron


def kron(a, b):
    """The Kronecker product of ``a`` and ``b`` (``numpy.kron``).

    The inputs' dimensions must sum to 3 or more (as in Theano); the one with fewer
    dimensions gets leading length-1 axes.
    """
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.ndim + b.ndim <= 2:
        raise TypeError(f"kron: the inputs' dimensions must sum to 3 or more, got {a.type} "
                        f"and {b.type}; use outer for vectors")  # fmt: skip
    n = max(a.ndim, b.ndim)
    a = dimshuffle(a, *["x"] * (n - a.ndim), *range(a.ndim))
    b = dimshuffle(b, *["x"] * (n - b.ndim), *range(b.ndim))
    # a[i0, 'x', i1, 'x', ...] * b['x', j0, 'x', j1, ...] has axes (i0, j0, i1, j1, ...).
    pa, pb = [], []
    for d in range(n):
        pa += [d, "x"]
        pb += ["x", d]
    prod = mul(dimshuffle(a, *pa), dimshuffle(b, *pb))
    sizes = [mul(shape_i(a, d), shape_i(b, d)) for d in range(n)]
    return reshape(prod, sizes, ndim=n)


__all__ = [
    "Cholesky",
    "Eigvalsh",
    "EigvalshGrad",
    "Expm",
    "ExpmGrad",
    "Solve",
    "cholesky",
    "eigvalsh",
    "expm",
    "kron",
    "solve",
    "solve_general",
    "solve_lower_triangular",
    "solve_symmetric",
    "solve_triangular",
    "solve_upper_triangular",
]
