"""The ``stabilize`` phase: numerically stable forms of unstable expressions."""

from __future__ import annotations

from theano import scalar
from theano.graph.rewriting.basic import node_rewriter
from theano.tensor.elemwise import Elemwise
from theano.tensor.nnet.rewriting import STABILIZE as _NNET_STABILIZE
from theano.tensor.rewriting.basic import const_value, owner_is, same_type


@node_rewriter([Elemwise(scalar.log)])
def log1p_from_log(fgraph, node):
    """``log(1 + x) → log1p(x)``; ``log1p(exp(x))``-style chains become ``softplus``."""
    (arg,) = node.inputs
    if not owner_is(arg, scalar.add) or len(arg.owner.inputs) != 2:
        return None
    a, b = arg.owner.inputs
    rest = b if const_value(a) == 1 else a if const_value(b) == 1 else None
    if rest is None:
        return None
    if owner_is(rest, scalar.exp):
        new = Elemwise(scalar.softplus)(rest.owner.inputs[0])
    else:
        new = Elemwise(scalar.log1p)(rest)
    return [new] if same_type(new, node.outputs[0]) else None


@node_rewriter([Elemwise(scalar.log1p)])
def softplus_from_log1p_exp(fgraph, node):
    (arg,) = node.inputs
    if owner_is(arg, scalar.exp):
        new = Elemwise(scalar.softplus)(arg.owner.inputs[0])
        return [new] if same_type(new, node.outputs[0]) else None
    return None


@node_rewriter([Elemwise(scalar.sub)])
def expm1_from_sub(fgraph, node):
    """``exp(x) - 1 → expm1(x)``."""
    a, b = node.inputs
    if const_value(b) == 1 and owner_is(a, scalar.exp):
        new = Elemwise(scalar.expm1)(a.owner.inputs[0])
        return [new] if same_type(new, node.outputs[0]) else None
    return None


@node_rewriter([Elemwise(scalar.log)])
def log_sigmoid(fgraph, node):
    """``log(sigmoid(x)) → -softplus(-x)`` and ``log(1 - sigmoid(x)) → -softplus(x)``."""
    (arg,) = node.inputs
    neg, softplus = Elemwise(scalar.neg), Elemwise(scalar.softplus)
    if owner_is(arg, scalar.sigmoid):
        x = arg.owner.inputs[0]
        new = neg(softplus(neg(x)))
    elif (
        owner_is(arg, scalar.sub)
        and const_value(arg.owner.inputs[0]) == 1
        and owner_is(arg.owner.inputs[1], scalar.sigmoid)
    ):
        x = arg.owner.inputs[1].owner.inputs[0]
        new = neg(softplus(x))
    else:
        return None
    return [new] if same_type(new, node.outputs[0]) else None


STABILIZE = (log1p_from_log, softplus_from_log1p_exp, expm1_from_sub, log_sigmoid, *_NNET_STABILIZE)
