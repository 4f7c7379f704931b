"""Stabilizing rewrites for the softmax family, to run in FAST_RUN's ``stabilize`` phase.

``log(softmax(x))`` underflows to ``-inf`` where a probability is below the smallest
float; `LogSoftmax` computes the same values exactly. Its reverse-mode gradient,
built before the rewrite runs, divides by the softmax: `log_softmax_grad` rewrites
that too. `STABILIZE` lists them in the order they run.
"""

from __future__ import annotations

from theano import scalar
from theano.graph.rewriting.basic import node_rewriter
from theano.tensor import math as tm
from theano.tensor.elemwise import Elemwise
from theano.tensor.nnet.basic import LogSoftmax, Softmax, SoftmaxGrad


@node_rewriter([Elemwise(scalar.log)])
def log_softmax_from_log(fgraph, node):
    """``log(softmax(x, axis)) → logsoftmax(x, axis)``."""
    (arg,) = node.inputs
    if arg.owner is None or not isinstance(arg.owner.op, Softmax):
        return None
    new = LogSoftmax(arg.owner.op.axis)(arg.owner.inputs[0])
    return [new] if new.type == node.outputs[0].type else None


@node_rewriter([SoftmaxGrad])
def log_softmax_grad(fgraph, node):
    """``SoftmaxGrad(g / sm, sm) → g - sum(g, axis) * sm``: the gradient of
    ``log(softmax(x))`` without the division by a probability that may be 0.
    """
    dy, sm = node.inputs
    owner = dy.owner
    if (
        owner is None
        or not isinstance(owner.op, Elemwise)
        or owner.op.scalar_op != scalar.true_div
        or owner.inputs[1] is not sm
        or sm.owner is None
        or not isinstance(sm.owner.op, Softmax)
        or sm.owner.op.axis != node.op.axis
    ):
        return None
    g = owner.inputs[0]
    new = tm.sub(g, tm.mul(tm.sum(g, axis=node.op.axis, keepdims=True), sm))
    out = node.outputs[0]
    if new.dtype != out.dtype:
        new = tm.cast(new, out.dtype)
    return [new] if new.type == out.type else None


STABILIZE = (log_softmax_from_log, log_softmax_grad)
