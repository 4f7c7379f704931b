"""Sigmoid-like activations: `sigmoid`, `ultra_fast_sigmoid`, `hard_sigmoid`, `softplus`,
`softsign`, and the rectifiers `relu`, `elu`, `selu`.

``theano.tensor.nnet.sigm`` was classic Theano's module for the sigmoid family; the
names live here under the same path. `sigmoid` and `softplus` are the elementwise ops
of `theano.tensor.math`; the others are one scalar op (`ultra_fast_sigmoid`) or short
compositions of tensor ops, so their gradients come from the ops they are built of.
"""

from __future__ import annotations

import numpy as np

from theano import scalar
from theano.graph.basic import Variable
from theano.tensor import math as tm
from theano.tensor.basic import as_tensor_variable, constant
from theano.tensor.elemwise import Elemwise

sigmoid = tm.sigmoid
softplus = tm.softplus
scalar_sigmoid = scalar.sigmoid
scalar_softplus = scalar.softplus

# ------------------------------------------------------------------ ultra_fast_sigmoid

# The piecewise approximation of tanh(h) that classic Theano used, for h = |x| / 2 >= 0:
# a rational part up to 1.7, a straight line up to 3, then a constant.
_UFS_KNEE, _UFS_FLAT = 1.7, 3.0
_UFS_LINE_AT_KNEE, _UFS_SLOPE, _UFS_TOP = 0.935409070603099, 0.0458812946797165, 0.99505475368673


def _ultra_fast_sigmoid_impl(x):
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(scalar.upgrade_to_float(x.dtype)[0])
    h = 0.5 * np.abs(x.astype(dtype, copy=False))
    with np.errstate(all="ignore"):
        rational = 1.5 * h / (1 + h)
    line = _UFS_LINE_AT_KNEE + _UFS_SLOPE * (h - _UFS_KNEE)
    t = np.where(h < _UFS_KNEE, rational, np.where(h < _UFS_FLAT, line, _UFS_TOP))
    t = np.where(x < 0, -t, t)
    return np.asarray(0.5 * (t + 1), dtype=dtype)


class UltraFastSigmoid(scalar.UnaryScalarOp):
    """A cheap piecewise approximation of the sigmoid (absolute error below 0.03).

    Its outputs stay within ``[0.0024726, 0.9975274]``. As in classic Theano the
    gradient is the sigmoid's, ``y * (1 - y)`` of the approximated ``y``, so that
    training behaves like with the exact sigmoid; it is not the derivative of the
    piecewise function (which is zero for ``|x| > 6``).
    """

    ufunc = staticmethod(_ultra_fast_sigmoid_impl)
    output_dtypes = staticmethod(scalar.upgrade_to_float)

    @property
    def name(self):
        return "ultra_fast_sigmoid"

    def py_expr(self, inames, ctx):
        return f"{ctx.ref(_ultra_fast_sigmoid_impl, 'ultra_fast_sigmoid')}({inames[0]})"

    def L_op(self, inputs, outputs, gz):
        y = outputs[0]
        return [gz[0] * y * (scalar.constant_like(1, y) - y)]


scalar_ultra_fast_sigmoid = UltraFastSigmoid()
_ultra_fast_sigmoid = Elemwise(scalar_ultra_fast_sigmoid, name="ultra_fast_sigmoid")


def ultra_fast_sigmoid(x):
    """An approximated elementwise `sigmoid`, faster and less precise.

    Parameters
    ----------
    x : tensor-like
        Any real tensor (integers give floats).

    Returns
    -------
    TensorVariable
        Values within about 0.03 of ``sigmoid(x)``, between 0.00247262 and 0.99752738.
    """
    return _ultra_fast_sigmoid(x)


# ------------------------------------------------------------------------ the others


def _float_dtype(x) -> str:
    return scalar.upgrade_to_float(x.dtype)[0]


def hard_sigmoid(x):
    """The piecewise-linear sigmoid ``clip(0.2 * x + 0.5, 0, 1)``, elementwise.

    Computed in ``x``'s float dtype (integers give floats, as ``exp`` would).
    """
    x = as_tensor_variable(x)
    dtype = _float_dtype(x)
    slope, shift = constant(0.2, dtype=dtype), constant(0.5, dtype=dtype)
    y = tm.add(tm.mul(x, slope), shift)
    return tm.minimum(tm.maximum(y, constant(0, dtype=dtype)), constant(1, dtype=dtype))


def softsign(x):
    """Elementwise ``x / (1 + |x|)``."""
    x = as_tensor_variable(x)
    one = constant(1, dtype=_float_dtype(x))
    return tm.true_div(x, tm.add(one, tm.abs_(x)))


def _is_number(v) -> bool:
    return isinstance(v, int | float | np.number) and not isinstance(v, bool)


def _like(value, x):
    """``value`` as a tensor; plain numbers take ``x``'s float dtype (no upcast)."""
    if _is_number(value) and x.dtype in scalar.FLOAT_DTYPES:
        return constant(value, dtype=x.dtype)
    return as_tensor_variable(value)


def relu(x, alpha=0):
    """Rectified linear unit: ``x`` where ``x > 0``, else ``alpha * x``, elementwise.

    Parameters
    ----------
    x : tensor-like
        Input (pre-activations).
    alpha : number or tensor, optional
        The slope for negative inputs: 0 (default) gives the plain ReLU, a small
        number the leaky ReLU, a (shared) tensor the parametric ReLU. As in classic
        Theano, it is applied as ``0.5 * (1 + alpha) * x + 0.5 * (1 - alpha) * |x|``
        (for ``alpha = 0``, ``0.5 * (x + |x|)``), so the gradient at 0 is halfway.
    """
    x = as_tensor_variable(x)
    half = _like(0.5, x)
    if _is_number(alpha) and alpha == 0:
        return tm.mul(half, tm.add(x, tm.abs_(x)))
    a = _like(alpha, x)
    one = _like(1, x)
    f1 = tm.mul(half, tm.add(one, a))
    f2 = tm.mul(half, tm.sub(one, a))
    return tm.add(tm.mul(f1, x), tm.mul(f2, tm.abs_(x)))


def elu(x, alpha=1):
    """Exponential linear unit: ``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``.

    Parameters
    ----------
    x : tensor-like
        Input (pre-activations).
    alpha : number or tensor, optional
        The value approached for very negative inputs is ``-alpha`` (default 1).
    """
    x = as_tensor_variable(x)
    zero = _like(0, x)
    # expm1 only sees non-positive values: no overflow, and no inf * 0 in the gradient.
    neg_part = tm.mul(_like(alpha, x), tm.expm1(tm.minimum(x, zero)))
    return tm.switch(tm.gt(x, zero), x, neg_part)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(x):
    """Scaled exponential linear unit: ``scale * elu(x, alpha)`` with the self-normalizing
    constants ``alpha = 1.6732632...`` and ``scale = 1.0507009...`` (Klambauer et al.).
    """
    x = as_tensor_variable(x)
    return tm.mul(_like(SELU_SCALE, x), elu(x, SELU_ALPHA))


def _is_sigmoid(var: Variable):
    """The argument ``x`` when ``var`` is ``sigmoid(x)``, else None."""
    node = var.owner
    if node is not None and isinstance(node.op, Elemwise) and node.op.scalar_op == scalar.sigmoid:
        return node.inputs[0]
    return None


__all__ = [
    "SELU_ALPHA",
    "SELU_SCALE",
    "UltraFastSigmoid",
    "elu",
    "hard_sigmoid",
    "relu",
    "scalar_sigmoid",
    "scalar_softplus",
    "scalar_ultra_fast_sigmoid",
    "selu",
    "sigmoid",
    "softplus",
    "softsign",
    "ultra_fast_sigmoid",
]
