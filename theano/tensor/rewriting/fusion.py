"""Elementwise fusion: chains of `Elemwise` nodes become one `Elemwise` over a `Composite`."""

from __future__ import annotations

from theano.graph.basic import Constant
from theano.graph.rewriting.basic import RewriteReport, replace_and_keep_names
from theano.scalar.basic import ScalarType
from theano.scalar.composite import Composite
from theano.tensor.elemwise import Elemwise

MAX_FUSED_INPUTS = 32


def _fusable(node):
    return (
        node is not None
        and isinstance(node.op, Elemwise)
        and len(node.outputs) == 1
        and not node.op.inplace_pattern
    )


def fuse_elemwise(fgraph) -> RewriteReport:
    """Merge each `Elemwise` with the `Elemwise` producers used only by it.

    Works from the outputs back, so a chain collapses into its last node; a producer
    with other clients stays (its value is needed anyway).
    """
    report = RewriteReport("fusion")
    for node in reversed(fgraph.toposort()):
        report.visits += 1
        if node not in fgraph.apply_nodes or not _fusable(node):
            continue
        new = _fused(fgraph, node)
        if new is None or new.type != node.outputs[0].type:
            continue
        replace_and_keep_names(fgraph, [(node.outputs[0], new)], "fusion")
        report.replacements += 1
    return report


def _fused(fgraph, node):
    """One `Elemwise{Composite}` computing ``node`` and its single-client producers."""
    outer_inputs, s_inputs = [], []
    outer_index = {}
    fused_any = False

    def scalar_input(var):
        if var not in outer_index:
            outer_index[var] = len(outer_inputs)
            outer_inputs.append(var)
            s_inputs.append(ScalarType(var.dtype)())
        return s_inputs[outer_index[var]]

    def build(n):
        nonlocal fused_any
        args = []
        for v in n.inputs:
            producer = v.owner
            if (
                _fusable(producer)
                and not isinstance(v, Constant)
                and len(fgraph.clients.get(v, ())) == 1
                and v.broadcastable == n.outputs[0].broadcastable
                and len(outer_inputs) < MAX_FUSED_INPUTS
            ):
                fused_any = True
                args.append(build(producer))
            else:
                args.append(scalar_input(v))
        return _scalar_apply(n.op.scalar_op, args)

    s_out = build(node)
    if not fused_any:
        return None
    return Elemwise(Composite(s_inputs, [s_out]))(*outer_inputs)


def _scalar_apply(op, args):
    if isinstance(op, Composite):
        # Inline a composite made earlier: map its inner graph onto the new arguments.
        memo = dict(zip(op.inputs, args))
        for n in op.nodes:
            memo[n.outputs[0]] = _scalar_apply(n.op, [memo.get(v, v) for v in n.inputs])
        return memo[op.outputs[0]]
    return op.make_node(*args).outputs[0]
