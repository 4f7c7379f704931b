"""Softmax and cross-entropy: the ops of classic ``theano.tensor.nnet.nnet``.

`Softmax`, `LogSoftmax` and `SoftmaxWithBias` shift by the maximum before
exponentiating, so logits of any size give finite results; their gradients go
through `SoftmaxGrad`, which never divides by a probability. The one-hot
cross-entropies take integer class indices; built on the output of a softmax they
are computed from the logits (`CrossentropySoftmaxArgmax1HotWithBias`), which stays
exact where the probabilities underflow to 0. Each op computes with one NumPy
function (its ``kernel``), inlined by the Python linker.
"""

from __future__ import annotations

import numpy as np

from theano import scalar
from theano.configdefaults import config
from theano.graph.basic import Apply, Constant, Variable
from theano.graph.null_type import DisconnectedType
from theano.graph.op import Op
from theano.tensor import math as tm
from theano.tensor.basic import as_tensor_variable, constant
from theano.tensor.elemwise import DimShuffle, Elemwise, _normalize_axis, dimshuffle
from theano.tensor.nnet.sigm import _is_sigmoid, _like
from theano.tensor.type import TensorType

# ----------------------------------------------------------------------------- helpers


def _as_float(x: Variable, what: str) -> Variable:
    """``x`` as a real float tensor: integers are cast (``exp``'s rule), complex refused."""
    if x.dtype in scalar.FLOAT_DTYPES:
        return x
    if x.dtype in scalar.COMPLEX_DTYPES:
        raise TypeError(f"{what}: expects a real tensor, got {x.type}")
    return tm.cast(x, scalar.upgrade_to_float(x.dtype)[0])


def _check_axis(axis, x: Variable, what: str):
    """Raise a readable error when ``axis`` (int, tuple or None) does not fit ``x``."""
    if axis is None:
        return
    if x.ndim == 0:
        raise ValueError(f"{what}: needs at least 1 dimension, got {x.type}")
    try:
        _normalize_axis(axis, x.ndim)
    except ValueError as err:
        raise ValueError(f"{what}: {err} (input type {x.type})") from err


def _axis_key(axis):
    """A hashable form of ``axis`` for ``__props__``."""
    if axis is None or isinstance(axis, int):
        return axis
    if isinstance(axis, np.integer):
        return int(axis)
    return tuple(int(a) for a in axis)


def _int_vector(y, what: str) -> Variable:
    y = as_tensor_variable(y)
    if y.ndim != 1 or y.dtype not in scalar.INT_DTYPES + scalar.UINT_DTYPES:
        raise TypeError(f"{what}: class indices must be an integer vector, got {y.type}")
    return y


def _matrix(x, what: str, name: str) -> Variable:
    x = as_tensor_variable(x)
    if x.ndim != 2:
        raise TypeError(f"{what}: {name} must be a matrix, got {x.type}")
    return x


def _is_zero(g: Variable) -> bool:
    """True for a gradient known to be all zeros (disconnected, or a zero fill)."""
    if isinstance(g.type, DisconnectedType):
        return True
    while g.owner is not None and isinstance(g.owner.op, Elemwise):
        if g.owner.op.scalar_op != scalar.second:
            return False
        g = g.owner.inputs[1]
    while g.owner is not None and isinstance(g.owner.op, DimShuffle):
        g = g.owner.inputs[0]
    return isinstance(g, Constant) and not np.any(g.data)


def _cast_like(g: Variable, x: Variable) -> Variable:
    return tm.cast(g, x.dtype) if g.dtype != x.dtype else g


def _sum_keep(x, axis):
    return tm.sum(x, axis=axis, keepdims=True)


def _check_indices(y, n_rows, n_classes, op):
    if y.shape[0] != n_rows:
        raise ValueError(
            f"{op}: {n_rows} rows of scores but {y.shape[0]} class indices (y_idx has "
            f"shape {y.shape})"
        )
    # One reduction: as unsigned, a negative index is larger than any class count.
    unsigned = y.view(y.dtype.str.replace("i", "u")) if y.dtype.kind == "i" else y
    if y.size and unsigned.max() >= n_classes:
        bad = y[(y < 0) | (y >= n_classes)][0]
        raise ValueError(f"{op}: class index {bad} is out of range for {n_classes} classes")


class _KernelOp(Op):
    """An op whose outputs one NumPy function computes: ``kernel(*inputs, **params)``.

    The generated source calls the kernel directly; `perform` calls it too and casts
    each output to the dtype the node promised.
    """

    kernel = None

    def _params(self) -> dict:
        return {}

    def py_code(self, node, inames, onames, ctx):
        fn = ctx.ref(type(self).kernel, type(self).__name__.lower())
        args = [*inames, *(f"{k}={v!r}" for k, v in self._params().items())]
        call = f"{fn}({', '.join(args)})"
        if len(onames) == 1:
            return f"{onames[0]} = {call}"
        return f"{', '.join(onames)} = {call}"

    def perform(self, node, inputs, output_storage):
        outs = type(self).kernel(*inputs, **self._params())
        if len(node.outputs) == 1:
            outs = (outs,)
        for cell, out, var in zip(output_storage, outs, node.outputs):
            cell[0] = np.asarray(out, dtype=var.dtype)


# ------------------------------------------------------------------------ the kernels


def _softmax_kernel(x, axis=-1):
    if x.size == 0:
        return np.empty_like(x)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def _logsoftmax_kernel(x, axis=-1):
    if x.size == 0:
        return np.empty_like(x)
    z = x - x.max(axis=axis, keepdims=True)
    z -= np.log(np.exp(z).sum(axis=axis, keepdims=True))
    return z


def _softmax_grad_kernel(dy, sm, axis=-1):
    dx = dy * sm
    dx -= sm * dx.sum(axis=axis, keepdims=True)
    return dx


def _softmax_with_bias_kernel(x, b):
    return _softmax_kernel(x + b, -1)


def _crossentropy_1hot_kernel(coding, y):
    _check_indices(y, coding.shape[0], coding.shape[1], "CrossentropyCategorical1Hot")
    with np.errstate(divide="ignore"):
        return -np.log(coding[np.arange(len(y)), y])


def _crossentropy_1hot_grad_kernel(g, coding, y):
    rows = np.arange(len(y))
    dx = np.zeros_like(coding, dtype=np.result_type(g, coding))
    with np.errstate(divide="ignore", invalid="ignore"):
        dx[rows, y] = -g / coding[rows, y]
    return dx


def _crossentropy_softmax_kernel(x, b, y):
    # A zero bias of x's dtype (the usual case) costs no pass over x.
    z = x + b if b.dtype != x.dtype or b.any() else x
    _check_indices(y, z.shape[0], z.shape[1], "CrossentropySoftmaxArgmax1HotWithBias")
    if z.shape[1] == 0:
        return np.full(z.shape[0], np.inf, z.dtype), np.empty_like(z), np.zeros_like(y)
    # The row maxima come from argmax and a pick: NumPy's max over short rows is slower.
    am = z.argmax(axis=1)
    rows = np.arange(z.shape[0])
    shifted = z - z[rows, am][:, None]
    sm = np.exp(shifted)
    total = sm.sum(axis=1)
    sm /= total[:, None]
    nll = np.log(total) - shifted[rows, y]
    return nll, sm, am.astype(y.dtype)


def _crossentropy_softmax_dx_kernel(dy, sm, y):
    _check_indices(y, sm.shape[0], sm.shape[1], "CrossentropySoftmax1HotWithBiasDx")
    dx = sm * dy[:, None]
    dx[np.arange(len(y)), y] -= dy
    return dx


def _one_hot_kernel(y, n, dtype="float64"):
    out = np.zeros((len(y), int(n)), dtype=dtype)
    _check_indices(y, len(y), int(n), "to_one_hot")
    out[np.arange(len(y)), y] = 1
    return out


# ------------------------------------------------------------------------------ softmax


class _AxisOp(_KernelOp):
    """A softmax-family op over ``axis`` (an int, a tuple of ints, or None for all)."""

    __props__ = ("axis",)

    def __init__(self, axis=-1):
        self.axis = _axis_key(axis)

    def _params(self):
        return {"axis": self.axis}

    def __str__(self):
        name = type(self).__name__
        return name if self.axis == -1 else f"{name}{{axis={self.axis}}}"

    # The defaults: one float input, an output of the same type and shape.
    def make_node(self, x):
        x = _as_float(as_tensor_variable(x), str(self))
        _check_axis(self.axis, x, str(self))
        return Apply(self, [x], [x.type()])

    def infer_shape(self, node, shapes):
        return [shapes[0]]


class Softmax(_AxisOp):
    """``exp(x) / sum(exp(x), axis)``, computed shifted by the maximum (never overflows).

    Its gradient is `SoftmaxGrad`; its forward derivative too.
    """

    kernel = staticmethod(_softmax_kernel)

    def L_op(self, inputs, outputs, gz):
        (x,), (sm,), (g,) = inputs, outputs, gz
        return [_cast_like(SoftmaxGrad(self.axis)(g, sm), x)]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        sm = self(inputs[0])
        return [_cast_like(SoftmaxGrad(self.axis)(eval_points[0], sm), sm)]


class LogSoftmax(_AxisOp):
    """``x - log(sum(exp(x), axis))``, computed shifted by the maximum: exact for logits
    where the softmax itself underflows (``log(softmax(x))`` would give ``-inf``).
    """

    kernel = staticmethod(_logsoftmax_kernel)

    def L_op(self, inputs, outputs, gz):
        (x,), (out,), (g,) = inputs, outputs, gz
        sm = tm.exp(out)
        return [_cast_like(tm.sub(g, tm.mul(_sum_keep(g, self.axis), sm)), x)]

    def R_op(self, inputs, eval_points):
        (e,) = eval_points
        if e is None:
            return [None]
        out = self(inputs[0])
        r = tm.sub(e, _sum_keep(tm.mul(e, tm.exp(out)), self.axis))
        return [_cast_like(r, out)]


class SoftmaxGrad(_AxisOp):
    """The gradient of `Softmax`: ``dx = sm * (dy - sum(dy * sm, axis))`` from the
    output gradient ``dy`` and the softmax output ``sm``.
    """

    kernel = staticmethod(_softmax_grad_kernel)

    def make_node(self, dy, sm):
        dy, sm = as_tensor_variable(dy), as_tensor_variable(sm)
        if dy.ndim != sm.ndim:
            raise TypeError(f"{self}: dy and sm must have the same number of dimensions, "
                            f"got {dy.type} and {sm.type}")  # fmt: skip
        _check_axis(self.axis, sm, str(self))
        dtype = scalar.upcast(dy.dtype, sm.dtype)
        bcast = tuple(a and b for a, b in zip(dy.broadcastable, sm.broadcastable))
        return Apply(self, [dy, sm], [TensorType(dtype, bcast)()])

    def infer_shape(self, node, shapes):
        return [shapes[1]]

    def L_op(self, inputs, outputs, gz):
        dy, sm = inputs
        (g,) = gz
        s = _sum_keep(tm.mul(dy, sm), self.axis)
        g_dy = self(g, sm)
        g_sm = tm.sub(tm.mul(g, tm.sub(dy, s)), tm.mul(dy, _sum_keep(tm.mul(g, sm), self.axis)))
        return [_cast_like(g_dy, dy), _cast_like(g_sm, sm)]

    def R_op(self, inputs, eval_points):
        dy, sm = inputs
        e_dy, e_sm = eval_points
        terms = []
        if e_dy is not None:
            terms.append(self(e_dy, sm))
        if e_sm is not None:
            s = _sum_keep(tm.mul(dy, sm), self.axis)
            terms.append(tm.mul(e_sm, tm.sub(dy, s)))
            terms.append(tm.neg(tm.mul(sm, _sum_keep(tm.mul(dy, e_sm), self.axis))))
        if not terms:
            return [None]
        out = self(dy, sm)
        return [_cast_like(terms[0] if len(terms) == 1 else tm.add(*terms), out)]


class SoftmaxWithBias(_KernelOp):
    """``softmax(x + b)`` over the last axis, for a vector of biases ``b``."""

    __props__ = ()
    kernel = staticmethod(_softmax_with_bias_kernel)

    def make_node(self, x, b):
        x = _as_float(as_tensor_variable(x), str(self))
        b = _as_float(as_tensor_variable(b), str(self))
        if x.ndim < 1 or b.ndim != 1:
            raise TypeError(f"{self}: expects x with at least 1 dimension and a vector b, "
                            f"got {x.type} and {b.type}")  # fmt: skip
        bcast = (*x.broadcastable[:-1], x.broadcastable[-1] and b.broadcastable[0])
        return Apply(self, [x, b], [TensorType(scalar.upcast(x.dtype, b.dtype), bcast)()])

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, gz):
        x, b = inputs
        dx = SoftmaxGrad(-1)(gz[0], outputs[0])
        db = tm.sum(dx, axis=tuple(range(x.ndim - 1))) if x.ndim > 1 else dx
        return [_cast_like(dx, x), _cast_like(db, b)]

    def R_op(self, inputs, eval_points):
        x, b = inputs
        ex, eb = eval_points
        if ex is None and eb is None:
            return [None]
        dz = ex if eb is None else eb if ex is None else tm.add(ex, eb)
        out = self(x, b)
        return [_cast_like(SoftmaxGrad(-1)(dz, out), out)]


softmax_op = Softmax()
logsoftmax_op = LogSoftmax()
softmax_grad = SoftmaxGrad()
softmax_with_bias = SoftmaxWithBias()


def softmax(c, axis=-1):
    """The softmax of ``c`` over ``axis``: ``exp(c) / sum(exp(c), axis, keepdims)``.

    Parameters
    ----------
    c : tensor-like
        Scores (logits); integers are cast to float. Classic Theano took a matrix (rows
        are the examples); any number of dimensions works here, and a vector gives a
        vector.
    axis : int, tuple of int or None, optional
        The axis normalized over: the last one by default, None for all of them.

    Returns
    -------
    TensorVariable
        Probabilities of ``c``'s shape, finite for any finite ``c``.
    """
    c = as_tensor_variable(c)
    return softmax_op(c) if _axis_key(axis) == -1 else Softmax(axis)(c)


def logsoftmax(c, axis=-1):
    """``log(softmax(c, axis))``, computed stably: exact where the softmax underflows."""
    c = as_tensor_variable(c)
    return logsoftmax_op(c) if _axis_key(axis) == -1 else LogSoftmax(axis)(c)


log_softmax = logsoftmax


def softmax_graph(c):
    """The softmax over the last axis as plain elementwise ops (no max shift, so not
    stable: for comparison and tests).
    """
    e = tm.exp(as_tensor_variable(c))
    return tm.true_div(e, tm.sum(e, axis=-1, keepdims=True))


# --------------------------------------------------------------------- cross-entropies


class CrossentropyCategorical1Hot(_KernelOp):
    """``-log(coding_dist[i, true_one_of_n[i]])`` for each row ``i``.

    ``coding_dist`` is a matrix of probabilities (rows sum to 1) and ``true_one_of_n``
    the integer vector of the correct classes. Called on the output of `softmax`
    (or `softmax_with_bias`), it computes from the logits instead
    (`crossentropy_softmax_argmax_1hot_with_bias`), which is exact even where a
    probability underflows to 0.
    """

    __props__ = ()
    kernel = staticmethod(_crossentropy_1hot_kernel)

    def __call__(self, coding_dist, true_one_of_n):
        logits = _softmax_logits(as_tensor_variable(coding_dist))
        if logits is not None:
            x, b = logits
            y = _int_vector(true_one_of_n, str(self))
            b = _zero_bias(x) if b is None else b
            return crossentropy_softmax_argmax_1hot_with_bias(x, b, y)[0]
        return super().__call__(coding_dist, true_one_of_n)

    def make_node(self, coding_dist, true_one_of_n):
        coding = _as_float(_matrix(coding_dist, str(self), "coding_dist"), str(self))
        y = _int_vector(true_one_of_n, str(self))
        return Apply(self, [coding, y], [TensorType(coding.dtype, (False,))()])

    def infer_shape(self, node, shapes):
        return [(shapes[0][0],)]

    def connection_pattern(self, node):
        return [[True], [False]]

    def L_op(self, inputs, outputs, gz):
        coding, y = inputs
        g = crossentropy_categorical_1hot_grad(gz[0], coding, y)
        return [g, DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        coding, y = inputs
        if eval_points[0] is None:
            return [None]
        ones = tm.ones_like(y, dtype=coding.dtype)
        d = crossentropy_categorical_1hot_grad(ones, coding, y)
        return [tm.sum(tm.mul(eval_points[0], d), axis=1)]


class CrossentropyCategorical1HotGrad(_KernelOp):
    """The gradient of `CrossentropyCategorical1Hot`: ``-g[i] / coding[i, y[i]]`` at the
    correct class of each row, 0 elsewhere.
    """

    __props__ = ()
    kernel = staticmethod(_crossentropy_1hot_grad_kernel)

    def make_node(self, g_y, coding_dist, true_one_of_n):
        g = as_tensor_variable(g_y)
        coding = _matrix(coding_dist, str(self), "coding_dist")
        y = _int_vector(true_one_of_n, str(self))
        if g.ndim != 1:
            raise TypeError(f"{self}: the output gradient must be a vector, got {g.type}")
        return Apply(self, [g, coding, y], [coding.type()])

    def infer_shape(self, node, shapes):
        return [shapes[1]]

    def connection_pattern(self, node):
        return [[True], [True], [False]]

    def L_op(self, inputs, outputs, gz):
        g, coding, y = inputs
        (gg,) = gz
        t = self(tm.ones_like(g, dtype=coding.dtype), coding, y)  # -1/coding at the targets
        g_g = tm.sum(tm.mul(gg, t), axis=1)
        g_coding = tm.mul(tm.mul(gg, dimshuffle(g, 0, "x")), tm.mul(t, t))
        return [_cast_like(g_g, g), _cast_like(g_coding, coding), DisconnectedType()()]


class CrossentropySoftmaxArgmax1HotWithBias(_KernelOp):
    """From logits ``x`` (a matrix), biases ``b`` and class indices ``y_idx``: the
    negative log-likelihood of each row under ``softmax(x + b)``, that softmax, and the
    argmax of each row.

    The log-likelihood is computed as ``logsumexp(z) - z[y]`` with ``z = x + b``, exact
    for logits of any size.
    """

    __props__ = ()
    kernel = staticmethod(_crossentropy_softmax_kernel)

    def make_node(self, x, b, y_idx):
        what = str(self)
        x = _as_float(_matrix(x, what, "x"), what)
        b = _as_float(as_tensor_variable(b), what)
        if b.ndim != 1:
            raise TypeError(f"{what}: b must be a vector, got {b.type}")
        y = _int_vector(y_idx, what)
        dtype = scalar.upcast(x.dtype, b.dtype)
        sm_bcast = (x.broadcastable[0], x.broadcastable[1] and b.broadcastable[0])
        outs = [
            TensorType(dtype, (x.broadcastable[0],))(),
            TensorType(dtype, sm_bcast)(),
            TensorType(y.dtype, (x.broadcastable[0],))(),
        ]
        return Apply(self, [x, b, y], outs)

    def infer_shape(self, node, shapes):
        # The op refuses y_idx of another length than x's rows: the row count is also
        # y_idx's length, the simpler expression when x is a slice x[:len(y)].
        rows = shapes[2][0]
        return [(rows,), (rows, shapes[0][1]), (rows,)]

    def connection_pattern(self, node):
        return [[True, True, False], [True, True, False], [False, False, False]]

    def L_op(self, inputs, outputs, gz):
        x, b, y = inputs
        _nll, sm, _am = outputs
        g_nll, g_sm = gz[0], gz[1]
        terms = []
        if not _is_zero(g_nll):
            terms.append(crossentropy_softmax_1hot_with_bias_dx(g_nll, sm, y))
        if not _is_zero(g_sm):
            terms.append(softmax_grad(g_sm, sm))
        if not terms:
            dx = tm.zeros_like(sm)
        else:
            dx = terms[0] if len(terms) == 1 else tm.add(*terms)
        # A bias of one broadcast value gets the sum of every column.
        db = dimshuffle(tm.sum(dx), "x") if b.broadcastable[0] else tm.sum(dx, axis=0)
        return [_cast_like(dx, x), _cast_like(db, b), DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        x, b, y = inputs
        ex, eb = eval_points[0], eval_points[1]
        if ex is None and eb is None:
            return [None, None, None]
        dz = ex if eb is None else eb if ex is None else tm.add(ex, eb)
        _nll, sm, _am = self.make_node(x, b, y).outputs
        ones = tm.ones_like(y, dtype=sm.dtype)
        d_nll = tm.sum(tm.mul(dz, crossentropy_softmax_1hot_with_bias_dx(ones, sm, y)), axis=1)
        return [_cast_like(d_nll, sm), _cast_like(softmax_grad(dz, sm), sm), None]


class CrossentropySoftmax1HotWithBiasDx(_KernelOp):
    """The gradient of the log-likelihood of `CrossentropySoftmaxArgmax1HotWithBias`
    with respect to the logits: ``dy[i] * (sm[i] - onehot(y_idx[i]))``.
    """

    __props__ = ()
    kernel = staticmethod(_crossentropy_softmax_dx_kernel)

    def make_node(self, dy, sm, y_idx):
        dy = as_tensor_variable(dy)
        sm = _matrix(sm, str(self), "sm")
        y = _int_vector(y_idx, str(self))
        if dy.ndim != 1:
            raise TypeError(f"{self}: dy must be a vector, got {dy.type}")
        dtype = scalar.upcast(dy.dtype, sm.dtype)
        return Apply(self, [dy, sm, y], [TensorType(dtype, sm.broadcastable)()])

    def infer_shape(self, node, shapes):
        return [shapes[1]]

    def connection_pattern(self, node):
        return [[True], [True], [False]]

    def L_op(self, inputs, outputs, gz):
        dy, sm, y = inputs
        (g,) = gz
        diff = self(tm.ones_like(dy, dtype=sm.dtype), sm, y)  # sm - onehot(y)
        g_dy = tm.sum(tm.mul(g, diff), axis=1)
        g_sm = tm.mul(g, dimshuffle(dy, 0, "x"))
        return [_cast_like(g_dy, dy), _cast_like(g_sm, sm), DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        dy, sm, y = inputs
        e_dy, e_sm = eval_points[0], eval_points[1]
        terms = []
        if e_dy is not None:
            terms.append(self(e_dy, sm, y))
        if e_sm is not None:
            terms.append(tm.mul(e_sm, dimshuffle(dy, 0, "x")))
        if not terms:
            return [None]
        out = self(dy, sm, y)
        return [_cast_like(terms[0] if len(terms) == 1 else tm.add(*terms), out)]


crossentropy_categorical_1hot = CrossentropyCategorical1Hot()
crossentropy_categorical_1hot_grad = CrossentropyCategorical1HotGrad()
crossentropy_softmax_argmax_1hot_with_bias = CrossentropySoftmaxArgmax1HotWithBias()
crossentropy_softmax_1hot_with_bias_dx = CrossentropySoftmax1HotWithBiasDx()


def _softmax_logits(var: Variable):
    """``(x, b)`` when ``var`` is a softmax of matrix logits ``x`` over its rows (``b`` the
    bias, or None), else None.
    """
    node = var.owner
    if node is None or var.ndim != 2:
        return None
    if isinstance(node.op, Softmax) and node.op.axis in (-1, 1, (1,), (-1,)):
        return node.inputs[0], None
    if isinstance(node.op, SoftmaxWithBias):
        return tuple(node.inputs)
    return None


def _zero_bias(x):
    """A zero bias for the logits ``x``: one broadcast constant, nothing to allocate."""
    return constant(np.zeros(1, dtype=x.dtype))


def crossentropy_softmax_1hot_with_bias(x, b, y_idx):
    """``(nll, softmax(x + b))``: the per-row negative log-likelihood of classes ``y_idx``
    and the softmax, both computed stably from the logits ``x`` and biases ``b``.
    """
    nll, sm, _am = crossentropy_softmax_argmax_1hot_with_bias(x, b, y_idx)
    return nll, sm


def crossentropy_softmax_1hot(x, y_idx):
    """``(nll, softmax(x))`` for logits ``x`` (a matrix) and class indices ``y_idx``.

    ``nll[i] = -log(softmax(x)[i, y_idx[i]])``, computed as ``logsumexp(x[i]) - x[i, y]``:
    finite and exact for logits of any size.
    """
    x = as_tensor_variable(x)
    return crossentropy_softmax_1hot_with_bias(x, _zero_bias(x), y_idx)


def crossentropy_softmax_max_and_argmax_1hot_with_bias(x, b, y_idx):
    """``(nll, softmax(x + b), max of each row of the softmax, argmax of each row)``."""
    nll, sm, am = crossentropy_softmax_argmax_1hot_with_bias(x, b, y_idx)
    return nll, sm, tm.max(sm, axis=-1), am


def crossentropy_softmax_max_and_argmax_1hot(x, y_idx):
    """`crossentropy_softmax_max_and_argmax_1hot_with_bias` with zero biases."""
    x = as_tensor_variable(x)
    return crossentropy_softmax_max_and_argmax_1hot_with_bias(x, _zero_bias(x), y_idx)


def categorical_crossentropy(coding_dist, true_dist):
    """The cross-entropy between a predicted and a true distribution, per example.

    Parameters
    ----------
    coding_dist : tensor
        Predicted probabilities (e.g. a `softmax` output), one row per example.
    true_dist : tensor
        Either probabilities of the same shape (e.g. one-hot rows), giving
        ``-sum(true_dist * log(coding_dist), axis=-1)``, or an integer vector of the
        correct classes, giving ``-log(coding_dist[i, true_dist[i]])``.

    Returns
    -------
    TensorVariable
        One value per example. When ``coding_dist`` is a softmax output, the result is
        computed from its logits, so it stays finite where probabilities underflow.
    """
    coding = as_tensor_variable(coding_dist)
    true = as_tensor_variable(true_dist)
    if true.ndim == coding.ndim:
        logits = _softmax_logits(coding)
        if logits is not None:
            x, b = logits
            log_coding = logsoftmax(x if b is None else tm.add(x, b))
        else:
            log_coding = tm.log(coding)
        return tm.neg(tm.sum(tm.mul(true, log_coding), axis=coding.ndim - 1))
    if true.ndim == coding.ndim - 1:
        return crossentropy_categorical_1hot(coding, true)
    raise TypeError(
        f"categorical_crossentropy: rank mismatch between coding and true distributions "
        f"({coding.type} and {true.type}): true_dist must have the same rank (probabilities) "
        f"or one less (class indices)"
    )


def _sigmoid_binary_crossentropy_impl(o, t):
    # log1p(exp(-|o|)) is softplus(-|o|) exactly (exp(-|o|) <= 1), twice as fast as
    # np.logaddexp(0, -|o|).
    with np.errstate(over="ignore", invalid="ignore"):
        return np.log1p(np.exp(-np.abs(o))) + o * ((o > 0) - t)


class SigmoidBinaryCrossentropy(scalar.BinaryScalarOp):
    """``-(t * log(sigmoid(o)) + (1 - t) * log(1 - sigmoid(o)))`` from the logit ``o``,
    computed as ``softplus(-|o|) + o * ((o > 0) - t)``; its gradient is
    ``sigmoid(o) - t`` for ``o`` and ``-o`` for ``t``.
    """

    ufunc = staticmethod(_sigmoid_binary_crossentropy_impl)
    output_dtypes = staticmethod(scalar.upgrade_to_float)

    @property
    def name(self):
        return "sigmoid_binary_crossentropy"

    def py_expr(self, inames, ctx):
        fn = ctx.ref(_sigmoid_binary_crossentropy_impl, "sigmoid_binary_crossentropy")
        return f"{fn}({inames[0]}, {inames[1]})"

    def numba_expr(self, args):
        o, t = args
        return f"(vm.log1p(vm.exp(-abs({o}))) + {o} * ((1.0 if {o} > 0 else 0.0) - {t}))"

    def L_op(self, inputs, outputs, gz):
        o, t = inputs
        return [gz[0] * (scalar.sigmoid(o) - t), gz[0] * -o]


_sigmoid_binary_crossentropy = Elemwise(
    SigmoidBinaryCrossentropy(), name="sigmoid_binary_crossentropy"
)


def sigmoid_binary_crossentropy(output, target):
    """The binary cross-entropy of ``sigmoid(output)`` and ``target``, from the logits.

    Equal to ``binary_crossentropy(sigmoid(output), target)`` but computed as
    ``softplus(-|output|) + output * ((output > 0) - target)``: finite and exact for
    logits of any size, with the gradient ``sigmoid(output) - target``.
    """
    o = _as_float(as_tensor_variable(output), "sigmoid_binary_crossentropy")
    return _sigmoid_binary_crossentropy(o, as_tensor_variable(target))


def binary_crossentropy(output, target):
    """``-(target * log(output) + (1 - target) * log(1 - output))``, elementwise.

    ``output`` holds probabilities in (0, 1), ``target`` values in [0, 1]. When
    ``output`` is ``sigmoid(x)`` the result is computed from ``x`` by
    `sigmoid_binary_crossentropy`, which stays finite for any ``x``.
    """
    output = as_tensor_variable(output)
    logits = _is_sigmoid(output)
    if logits is not None:
        return sigmoid_binary_crossentropy(logits, target)
    target = as_tensor_variable(target)
    one = _like(1, output)
    return tm.neg(tm.add(tm.mul(target, tm.log(output)),
                         tm.mul(tm.sub(one, target), tm.log(tm.sub(one, output)))))  # fmt: skip


class ToOneHot(_KernelOp):
    """A matrix with a 1 in column ``y[i]`` of row ``i`` and 0 elsewhere."""

    __props__ = ("dtype",)
    kernel = staticmethod(_one_hot_kernel)

    def __init__(self, dtype):
        self.dtype = str(np.dtype(dtype))

    def _params(self):
        return {"dtype": self.dtype}

    def make_node(self, y, nb_class):
        y = _int_vector(y, "to_one_hot")
        n = as_tensor_variable(nb_class)
        if n.ndim != 0 or n.dtype not in scalar.INT_DTYPES + scalar.UINT_DTYPES:
            raise TypeError(f"to_one_hot: nb_class must be an integer scalar, got {n.type}")
        return Apply(self, [y, n], [TensorType(self.dtype, (False, False))()])

    def infer_shape(self, node, shapes):
        return [(shapes[0][0], node.inputs[1])]

    def connection_pattern(self, node):
        return [[False], [False]]

    def L_op(self, inputs, outputs, gz):
        return [DisconnectedType()(), DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        return [None]


def to_one_hot(y, nb_class, dtype=None):
    """The one-hot matrix of the integer vector ``y``: shape ``(len(y), nb_class)``,
    of ``dtype`` (floatX by default).
    """
    return ToOneHot(dtype or config.floatX)(y, nb_class)


__all__ = [
    "CrossentropyCategorical1Hot",
    "CrossentropyCategorical1HotGrad",
    "CrossentropySoftmax1HotWithBiasDx",
    "CrossentropySoftmaxArgmax1HotWithBias",
    "LogSoftmax",
    "SigmoidBinaryCrossentropy",
    "Softmax",
    "SoftmaxGrad",
    "SoftmaxWithBias",
    "ToOneHot",
    "binary_crossentropy",
    "categorical_crossentropy",
    "crossentropy_categorical_1hot",
    "crossentropy_categorical_1hot_grad",
    "crossentropy_softmax_1hot",
    "crossentropy_softmax_1hot_with_bias",
    "crossentropy_softmax_1hot_with_bias_dx",
    "crossentropy_softmax_argmax_1hot_with_bias",
    "crossentropy_softmax_max_and_argmax_1hot",
    "crossentropy_softmax_max_and_argmax_1hot_with_bias",
    "log_softmax",
    "logsoftmax",
    "logsoftmax_op",
    "sigmoid_binary_crossentropy",
    "softmax",
    "softmax_grad",
    "softmax_graph",
    "softmax_op",
    "softmax_with_bias",
    "to_one_hot",
]
