"""The ``specialize`` phase: faster equivalents (BLAS calls, power forms) of general ops.

A sum of a scaled matrix product and a full-size term, ``b * Z + a * dot(X, Y)``,
becomes one `Gemm` (`Gemv` for a matrix-vector product, `Ger` for an outer product),
which the ``inplace`` phase may then let write into ``Z``'s buffer. A lone product of
two matrices becomes `Dot22`.
"""

from __future__ import annotations

import numpy as np

from theano import scalar
from theano.graph.basic import Constant
from theano.graph.rewriting.basic import node_rewriter
from theano.tensor import blas
from theano.tensor.elemwise import DimShuffle, Elemwise, Sum
from theano.tensor.math import Dot
from theano.tensor.rewriting.basic import const_value
from theano.tensor.var import TensorConstant


def _scalar_of(var, dtype):
    """A 0-d variable of ``dtype`` equal to the all-broadcastable ``var``, else None."""
    if not all(var.broadcastable):
        return None
    value = const_value(var)
    if value is not None:
        return _constant(value, dtype)
    while var.ndim and var.owner is not None and isinstance(var.owner.op, DimShuffle):
        var = var.owner.inputs[0]
    if var.ndim or var.dtype != dtype:
        return None
    return var


def _constant(value, dtype):
    from theano.tensor.type import TensorType

    return TensorConstant(TensorType(dtype, ()), np.asarray(value, dtype=dtype))


def _split_scale(var, dtype):
    """``(factors, base)`` with ``var == prod(factors) * base``; factors are 0-d."""
    factors = []
    while var.owner is not None and isinstance(var.owner.op, Elemwise):
        op = var.owner.op.scalar_op
        if op == scalar.neg:
            factors.append(-1)
            var = var.owner.inputs[0]
        elif op == scalar.mul and len(var.owner.inputs) == 2:
            a, b = var.owner.inputs
            sa, sb = _scalar_of(a, dtype), _scalar_of(b, dtype)
            if sa is not None and b.ndim == var.ndim and not all(b.broadcastable):
                factors.append(sa)
                var = b
            elif sb is not None and a.ndim == var.ndim and not all(a.broadcastable):
                factors.append(sb)
                var = a
            else:
                break
        else:
            break
    return factors, var


def _product(factors, dtype):
    """One 0-d variable for the product of numbers and 0-d variables."""
    from theano.tensor.math import mul

    number = 1.0
    variables = []
    for f in factors:
        if isinstance(f, Constant):
            number *= f.data.item()
        elif isinstance(f, int | float):
            number *= f
        else:
            variables.append(f)
    if not variables:
        return _constant(number, dtype)
    out = variables[0] if len(variables) == 1 else mul(*variables)
    return out if number == 1.0 else mul(_constant(number, dtype), out)


def _blas_call(dot_node, z, alpha, beta, dtype):
    """The BLAS op computing ``beta * z + alpha * dot_node's output``, or None."""
    x, y = dot_node.inputs
    if x.dtype != dtype or y.dtype != dtype:
        return None
    if x.ndim == 2 and y.ndim == 2:
        xv, yv = _vector_of(x, (0, "x")), _vector_of(y, ("x", 0))
        if xv is not None and yv is not None and const_value(beta) == 1:
            return blas.ger(z, alpha, xv, yv)
        return blas.gemm_no_inplace(z, alpha, x, y, beta)
    if x.ndim == 2 and y.ndim == 1:
        return blas.gemv_no_inplace(z, alpha, x, y, beta)
    if x.ndim == 1 and y.ndim == 2:
        return blas.gemv_no_inplace(z, alpha, y.T, x, beta)
    return None


def _vector_of(var, order):
    node = var.owner
    if node is not None and isinstance(node.op, DimShuffle) and node.op.new_order == order:
        return node.inputs[0]
    return None


@node_rewriter([Elemwise(scalar.add), Elemwise(scalar.sub)])
def gemm_from_sum(fgraph, node):
    """``b * Z + a * dot(X, Y) → Gemm(Z, a, X, Y, b)`` (and the Gemv/Ger forms)."""
    out = node.outputs[0]
    dtype = out.dtype
    if dtype not in blas.BLAS_DTYPES or out.ndim not in (1, 2) or any(out.broadcastable):
        return None
    signs = [1] * len(node.inputs) if node.op.scalar_op == scalar.add else [1, -1]
    terms = [(([-1] if s < 0 else []) + f, base)
             for s, (f, base) in zip(signs, (_split_scale(v, dtype) for v in node.inputs))]  # fmt: skip
    for i, (dot_factors, base) in enumerate(terms):
        dot_node = base.owner
        if dot_node is None or not isinstance(dot_node.op, Dot | blas.Dot22 | blas.Dot21):
            continue
        if base.type != out.type or len(fgraph.clients.get(base, ())) != 1:
            continue
        for j, (z_factors, z) in enumerate(terms):
            if j == i or z.type != out.type:
                continue
            alpha, beta = _product(dot_factors, dtype), _product(z_factors, dtype)
            new = _blas_call(dot_node, z, alpha, beta, dtype)
            if new is None:
                continue
            rest = [v for k, v in enumerate(node.inputs) if k not in (i, j)]
            if rest:
                from theano.tensor.math import add

                new = add(new, *rest)
            return [new] if new.type == out.type else None
    return None


@node_rewriter([Dot])
def dot_to_dot22(fgraph, node):
    """A product of two matrices of one BLAS dtype is `Dot22`; of a matrix and a vector
    (either way round), `Dot21`."""
    x, y = node.inputs
    if x.dtype != y.dtype or x.dtype not in blas.BLAS_DTYPES:
        return None
    if x.ndim == 2 and y.ndim == 2:
        new = blas._dot22(x, y)
    elif x.ndim == 2 and y.ndim == 1:
        new = blas._dot21(x, y)
    elif x.ndim == 1 and y.ndim == 2:
        new = blas._dot21(y.T, x)
    else:
        return None
    return [new] if new.type == node.outputs[0].type else None


@node_rewriter([Elemwise(scalar.pow)])
def pow_by_multiplication(fgraph, node):
    """Float powers by small constants without ``pow``: ``x**3 → x*sqr(x)``,
    ``x**4 → sqr(sqr(x))``, ``x**-2 → inv(sqr(x))``, ``x**-0.5 → inv(sqrt(x))``
    (``x**2``, ``x**0.5`` and ``x**-1`` are canonicalize's)."""
    x, y = node.inputs
    out = node.outputs[0]
    if x.dtype not in scalar.FLOAT_DTYPES or x.type != out.type:
        return None
    p = const_value(y)
    sqr, inv = Elemwise(scalar.sqr), Elemwise(scalar.inv)
    if p == 3:
        new = Elemwise(scalar.mul)(x, sqr(x))
    elif p == 4:
        new = sqr(sqr(x))
    elif p == -2:
        new = inv(sqr(x))
    elif p == -0.5:
        new = inv(Elemwise(scalar.sqrt)(x))
    else:
        return None
    return [new] if new.type == out.type else None


@node_rewriter([Sum])
def sum_of_squares(fgraph, node):
    """``sum(sqr(x))`` over every axis of a float64 ``x`` → ``dot(x.ravel(), x.ravel())``:
    one pass, no temporary of ``x``'s size."""
    (sq,) = node.inputs
    out = node.outputs[0]
    if out.ndim != 0 or out.dtype != "float64" or node.op.keepdims_pattern is not None:
        return None
    if sq.owner is None or not isinstance(sq.owner.op, Elemwise) or (
        sq.owner.op.scalar_op != scalar.sqr
    ):  # fmt: skip
        return None
    (x,) = sq.owner.inputs
    if x.dtype != "float64" or len(fgraph.clients.get(sq, ())) != 1 or x.ndim == 0:
        return None
    if len(node.op._axes(x.ndim)) != x.ndim:
        return None
    from theano.tensor.shape import flatten

    flat = flatten(x, 1)
    new = Dot()(flat, flat)
    return [new] if new.type == out.type else None


@node_rewriter([Elemwise(scalar.second)])
def fill_from_shape(fgraph, node):
    """``second(x, v) → alloc(v, *shape(x))`` for a broadcastable ``v`` and a computed
    ``x``, with the shape from ``x``'s op (``infer_shape``): ``x`` itself need not be
    computed (``T.grad`` fills ``zeros_like(log_softmax(z))`` this way).
    """
    x, v = node.inputs
    out = node.outputs[0]
    producer = x.owner
    if producer is None or isinstance(producer.op, Elemwise) or out.ndim == 0:
        return None
    if not all(v.broadcastable) or v.ndim > x.ndim or v.dtype != out.dtype:
        return None
    if x.broadcastable != out.broadcastable:
        return None
    from theano.tensor.shape import alloc, shape_i

    in_shapes = [[shape_i(i, d) for d in range(i.ndim)] if hasattr(i.type, "ndim") else None
                 for i in producer.inputs]  # fmt: skip
    try:
        shapes = producer.op.infer_shape(producer, in_shapes)
    except (NotImplementedError, TypeError, AttributeError, IndexError):
        return None
    new = alloc(v, *shapes[producer.outputs.index(x)])
    return [new] if new.type == out.type else None


SPECIALIZE = (fill_from_shape, gemm_from_sum, dot_to_dot22, pow_by_multiplication, sum_of_squares)
