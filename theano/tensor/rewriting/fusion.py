"""Elementwise fusion: chains of `Elemwise` nodes become one `Elemwise` over a `Composite`."""

from __future__ import annotations

from theano.graph.basic import Constant, io_toposort
from theano.graph.rewriting.basic import RewriteReport, replace_and_keep_names
from theano.scalar.basic import ScalarType
from theano.scalar.composite import Composite
from theano.tensor.elemwise import Elemwise

MAX_FUSED_INPUTS = 32
MAX_FUSED_NODES = 64
MAX_FUSED_DEPTH = 24


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
    """One `Elemwise{Composite}` computing ``node`` and its single-client producers.

    The fused group is bounded (`MAX_FUSED_DEPTH` along any path, `MAX_FUSED_NODES` in
    all, `MAX_FUSED_INPUTS` inputs) so a long chain becomes several kernels whose
    generated expressions stay shallow, and the walk is iterative at any graph depth.
    """
    out_bcast = node.outputs[0].broadcastable
    group = {node: None}  # insertion-ordered: the same graph gives the same kernel
    frontier = [(node, 0)]
    while frontier and len(group) < MAX_FUSED_NODES:
        n, depth = frontier.pop()
        if depth >= MAX_FUSED_DEPTH:
            continue
        for v in n.inputs:
            producer = v.owner
            if (
                producer not in group
                and _fusable(producer)
                and not isinstance(v, Constant)
                and len(fgraph.clients.get(v, ())) == 1
                and v.broadcastable == out_bcast
                and len(group) < MAX_FUSED_NODES
            ):
                group[producer] = None
                frontier.append((producer, depth + 1))
    if len(group) == 1:
        return None
    # The group's nodes in order: a toposort from the node back to the group's inputs.
    outside = {v for n in group for v in n.inputs if v.owner not in group}
    order = io_toposort(outside, node.outputs)
    outer_inputs, s_inputs, scalars = [], [], {}
    for n in order:
        for v in n.inputs:
            if v not in scalars and (v.owner not in group or v.owner is None):
                if len(outer_inputs) >= MAX_FUSED_INPUTS:
                    return None
                scalars[v] = ScalarType(v.dtype)()
                outer_inputs.append(v)
                s_inputs.append(scalars[v])
        scalars[n.outputs[0]] = _scalar_apply(n.op.scalar_op, [scalars[v] for v in n.inputs])
    return Elemwise(Composite(s_inputs, [scalars[node.outputs[0]]]))(*outer_inputs)


def _scalar_apply(op, args):
    if isinstance(op, Composite):
        # Inline a composite made earlier: map its inner graph onto the new arguments.
        memo = dict(zip(op.inputs, args))
        for n in op.nodes:
            memo[n.outputs[0]] = _scalar_apply(n.op, [memo.get(v, v) for v in n.inputs])
        return memo[op.outputs[0]]
    return op.make_node(*args).outputs[0]
