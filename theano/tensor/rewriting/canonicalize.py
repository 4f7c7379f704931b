"""The ``canonicalize`` phase: algebraic simplifications to one canonical form."""

from __future__ import annotations

from theano import scalar
from theano.graph.rewriting.basic import node_rewriter
from theano.tensor.elemwise import DimShuffle, Elemwise
from theano.tensor.rewriting.basic import const_value, owner_is, same_type, scalar_op_of
from theano.tensor.shape import Reshape


@node_rewriter([Elemwise(scalar.add), Elemwise(scalar.mul)])
def remove_neutral_terms(fgraph, node):
    """``x + 0 → x`` and ``x * 1 → x`` when the type does not change."""
    neutral = 0 if node.op.scalar_op == scalar.add else 1
    keep = [i for i in node.inputs if const_value(i) != neutral]
    if len(keep) == len(node.inputs) or not keep:
        return None
    out = node.outputs[0]
    new = keep[0] if len(keep) == 1 else node.op(*keep)
    return [new] if same_type(new, out) else None


@node_rewriter([Elemwise(scalar.neg)])
def double_negation(fgraph, node):
    (x,) = node.inputs
    if owner_is(x, scalar.neg):
        return [x.owner.inputs[0]]
    return None


@node_rewriter([Elemwise(scalar.pow)])
def specialize_pow(fgraph, node):
    """``x ** 2 → sqr(x)``, ``x ** 0.5 → sqrt(x)``, ``x ** 1 → x``, ``x ** -1 → inv(x)``."""
    x, y = node.inputs
    p = const_value(y)
    if p is None:
        return None
    out = node.outputs[0]
    table = {2: scalar.sqr, 0.5: scalar.sqrt, -1: scalar.inv}
    if p == 1:
        new = x
    elif p in table:
        new = Elemwise(table[p])(x)
    else:
        return None
    if new.type != out.type:
        from theano.tensor.math import cast

        if new.broadcastable != out.broadcastable:
            return None
        new = cast(new, out.dtype)
    return [new]


@node_rewriter([Elemwise(scalar.exp), Elemwise(scalar.log)])
def exp_log_inverse(fgraph, node):
    """``exp(log(x)) → x`` and ``log(exp(x)) → x``."""
    (x,) = node.inputs
    other = scalar.log if node.op.scalar_op == scalar.exp else scalar.exp
    if owner_is(x, other):
        inner = x.owner.inputs[0]
        if same_type(inner, node.outputs[0]):
            return [inner]
    return None


@node_rewriter([DimShuffle])
def merge_dimshuffles(fgraph, node):
    """A dimshuffle of a dimshuffle is one dimshuffle; an identity one disappears."""
    (x,) = node.inputs
    order = node.op.new_order
    if order == tuple(range(x.ndim)):
        return [x]
    inner = x.owner
    if inner is None or not isinstance(inner.op, DimShuffle):
        return None
    inner_order = inner.op.new_order
    composed = tuple("x" if d == "x" else inner_order[d] for d in order)
    base = inner.inputs[0]
    if composed == tuple(range(base.ndim)):
        return [base] if same_type(base, node.outputs[0]) else None
    return [DimShuffle(base.broadcastable, composed)(base)]


@node_rewriter([Reshape])
def merge_reshapes(fgraph, node):
    x, shp = node.inputs
    if x.owner is not None and isinstance(x.owner.op, Reshape):
        new = node.op(x.owner.inputs[0], shp)
        return [new] if same_type(new, node.outputs[0]) else None
    return None


@node_rewriter([Elemwise])
def useless_cast(fgraph, node):
    op = scalar_op_of(node)
    if isinstance(op, scalar.Cast) and node.inputs[0].dtype == op.dtype:
        return [node.inputs[0]] if same_type(node.inputs[0], node.outputs[0]) else None
    return None


CANONICALIZE = (
    remove_neutral_terms,
    double_negation,
    specialize_pow,
    exp_log_inverse,
    merge_dimshuffles,
    merge_reshapes,
    useless_cast,
)
