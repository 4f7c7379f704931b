"""Helpers for testing ops: symbolic inputs, random values, and the standard checks.

The successor of Theano's ``theano.tests.unittest_tools``. Each check compiles the
graph it is given and compares it with an independent reference:

* `check_infer_shape`: an op's ``infer_shape``, compiled, against the computed shape;
* `check_rop`: ``Rop`` against central finite differences along a direction;
* `grad_check`: `theano.gradient.verify_grad` with a fixed seed;
* `scalar_numeric_partials` / `scalar_compiled_partials`: a scalar op's ``L_op``
  against central differences of its ``impl``.
"""

import numpy as np

from theano.compile import function
from theano.gradient import Rop, verify_grad
from theano.scalar import ScalarType
from theano.tensor.basic import as_tensor_variable
from theano.tensor.shape import shape_i
from theano.tensor.type import TensorType

__all__ = [
    "check_infer_shape",
    "check_rop",
    "grad_check",
    "random_spd",
    "random_values",
    "random_well_conditioned",
    "scalar_compiled_partials",
    "scalar_numeric_partials",
    "scalar_var",
    "tensor",
]


def tensor(dtype, ndim, name=None):
    """A symbolic tensor of ``dtype`` with ``ndim`` non-broadcastable dimensions."""
    return TensorType(dtype, (False,) * ndim)(name)


def scalar_var(dtype, name=None):
    """A symbolic `theano.scalar` variable of ``dtype``."""
    return ScalarType(dtype)(name)


def random_values(shape, dtype="float64", *, rng, int_high=5):
    """A random array of ``shape`` and ``dtype`` drawn from the generator ``rng``.

    Booleans are fair coin flips, integers uniform in ``[0, int_high)``, complex
    numbers have standard normal real and imaginary parts, floats are standard normal.
    """
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype.startswith(("int", "uint")):
        return rng.integers(0, int_high, size=shape).astype(dtype)
    if dtype.startswith("complex"):
        return (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(dtype)
    return rng.normal(size=shape).astype(dtype)


def random_spd(n, dtype="float64", *, rng):
    """A random symmetric positive definite ``n`` x ``n`` matrix (eigenvalues at least ``n``)."""
    m = rng.normal(size=(n, n))
    return (m @ m.T + n * np.eye(n)).astype(dtype)


def random_well_conditioned(n, dtype="float64", *, rng):
    """A random ``n`` x ``n`` matrix made well conditioned by adding ``n`` to its diagonal."""
    return (rng.normal(size=(n, n)) + n * np.eye(n)).astype(dtype)


def check_infer_shape(out, inputs, values, mode=None, *, known_dims=False, out_shape=False):
    """Check that ``out``'s op's ``infer_shape``, compiled, gives the shape of the computed ``out``.

    ``inputs`` are the graph's symbolic inputs and ``values`` their values; ``mode``
    is the compilation mode (the default mode when None).

    known_dims: the input lengths handed to ``infer_shape`` are `shape_i` (a constant
        where the type or a constant input fixes the length) rather than the always
        symbolic ``x.shape[d]``.
    out_shape: also compile ``out.shape`` (which FAST_RUN rewrites through
        ``infer_shape``) and compare it; an ``out`` with no owner then only gets this check.
    """
    if out_shape:
        f = function(inputs, [out, out.shape], mode=mode, on_unused_input="ignore")
        actual, shp = f(*values)
        assert tuple(shp) == np.shape(actual), (
            f"{out}.shape gave {tuple(shp)}, not {np.shape(actual)}"
        )
        if out.owner is None:
            return
    node = out.owner
    if known_dims:
        in_shapes = [[shape_i(i, d) for d in range(i.ndim)] for i in node.inputs]
    else:
        in_shapes = [tuple(i.shape[d] for d in range(i.ndim)) for i in node.inputs]
    inferred = node.op.infer_shape(node, in_shapes)[node.outputs.index(out)]
    assert len(inferred) == out.ndim, (
        f"{node.op}.infer_shape gave {len(inferred)} lengths for a {out.ndim}-d output"
    )
    symbolic = [as_tensor_variable(s) for s in inferred]
    f = function(inputs, [out, *symbolic], mode=mode, on_unused_input="ignore")
    actual, *dims = f(*values)
    got = tuple(int(d) for d in dims)
    assert got == np.shape(actual), f"{node.op}.infer_shape gave {got}, computed {np.shape(actual)}"


def check_rop(fn, values, mode=None, directions=None, *, eps=1e-6, rtol=1e-5, atol=1e-7, rng=None):
    """Check ``Rop(fn(x...), x..., v...)`` against the central-difference directional derivative.

    ``fn`` maps float64 tensors shaped like ``values`` (a list of arrays) to one
    output. ``directions`` (one array per value) default to standard normal draws
    from ``rng`` (a generator seeded with 0 when None).
    """
    xs = [tensor("float64", np.ndim(v), f"x{k}") for k, v in enumerate(values)]
    vs = [x.type(f"v{k}") for k, x in enumerate(xs)]
    out = fn(*xs)
    rop = function(xs + vs, Rop(out, xs, vs), mode=mode)
    fwd = function(xs, out, mode=mode)
    if directions is None:
        rng = np.random.default_rng(0) if rng is None else rng
        directions = [rng.normal(size=np.shape(v)) for v in values]
    plus = fwd(*[v + eps * d for v, d in zip(values, directions, strict=True)])
    minus = fwd(*[v - eps * d for v, d in zip(values, directions, strict=True)])
    expected = (plus - minus) / (2 * eps)
    np.testing.assert_allclose(rop(*values, *directions), expected, rtol=rtol, atol=atol)


def grad_check(fn, values, mode=None, **kwargs):
    """`verify_grad` of ``fn`` at ``values`` with a generator seeded with 0."""
    verify_grad(fn, values, rng=np.random.default_rng(0), mode=mode, **kwargs)


def scalar_numeric_partials(op, values, eps=1e-6):
    """Central-difference partial derivatives of the scalar op's ``impl`` at ``values``."""
    grads = []
    for k in range(len(values)):
        plus, minus = list(values), list(values)
        plus[k] += eps
        minus[k] -= eps
        grads.append((float(op.impl(*plus)) - float(op.impl(*minus))) / (2 * eps))
    return grads


def scalar_compiled_partials(op, values, mode=None, gz=1.0):
    """The scalar op's ``L_op`` at float64 ``values`` with output gradient ``gz``, compiled.

    Returns one float per input, or None where ``L_op`` gives no gradient.
    """
    xs = [scalar_var("float64", f"x{k}") for k in range(len(values))]
    g = scalar_var("float64", "gz")
    grads = op.L_op(xs, [op(*xs)], [g])
    keep = [k for k, gr in enumerate(grads) if gr is not None]
    f = function([*xs, g], [grads[k] for k in keep], mode=mode, on_unused_input="ignore")
    got = dict(zip(keep, f(*values, gz), strict=True))
    return [float(got[k]) if k in got else None for k in range(len(values))]
