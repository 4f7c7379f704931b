"""The ``inplace`` phase: ops overwrite an input buffer that nothing reads afterwards."""

from __future__ import annotations

import numpy as np

from theano.graph.basic import Constant
from theano.graph.rewriting.basic import RewriteReport, replace_and_keep_names
from theano.tensor.elemwise import Elemwise


def _is_protected(fgraph, var):
    """True when ``var``'s buffer must survive: an input, constant, output or their view."""
    seen = set()
    while True:
        if var in fgraph.inputs or isinstance(var, Constant):
            return True
        if any(c == "output" for c, _ in fgraph.clients.get(var, ())):
            return True
        node = var.owner
        if node is None or var in seen:
            return False
        seen.add(var)
        view = node.op.view_map.get(node.outputs.index(var)) or node.op.destroy_map.get(
            node.outputs.index(var)  # fmt: skip
        )
        if not view:
            return False
        var = node.inputs[view[0]]


def elemwise_inplace(fgraph) -> RewriteReport:
    """Let an elementwise ufunc write into an input buffer that nothing else reads.

    Only intermediate values qualify: never a function input, shared value, constant
    or output, nor a view of one, and only when it is read by this node alone.
    """
    report = RewriteReport("inplace")
    for node in fgraph.toposort():
        report.visits += 1
        op = node.op
        if not isinstance(op, Elemwise) or op.inplace_pattern or len(node.outputs) != 1:
            continue
        if not isinstance(getattr(op.scalar_op, "ufunc", None), np.ufunc):
            continue
        out = node.outputs[0]
        if out.ndim == 0:
            continue
        for i, var in enumerate(node.inputs):
            if var.type != out.type or node.inputs.count(var) > 1:
                continue
            if len(fgraph.clients.get(var, ())) != 1 or _is_protected(fgraph, var):
                continue
            new = Elemwise(op.scalar_op, {0: i})(*node.inputs)
            if new.type != out.type:
                continue
            replace_and_keep_names(fgraph, [(out, new)], "inplace")
            report.replacements += 1
            break
    return report
