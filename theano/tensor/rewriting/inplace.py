"""The ``inplace`` phase: ops overwrite an input buffer that nothing reads afterwards.

A buffer may be destroyed only when the value is an intermediate read by the
destroying node alone, and, if it is a view, when every value it views is such an
intermediate too: never a function input, shared value, constant or output. That
single-reader rule also makes the order of evaluation irrelevant to correctness.
"""

from __future__ import annotations

import numpy as np

from theano.graph.basic import Constant
from theano.graph.rewriting.basic import RewriteReport, replace_and_keep_names
from theano.tensor import blas
from theano.tensor.elemwise import Elemwise
from theano.tensor.subtensor import AdvancedIncSubtensor, AdvancedIncSubtensor1, IncSubtensor

_INC_SUBTENSOR = IncSubtensor | AdvancedIncSubtensor1 | AdvancedIncSubtensor


def can_destroy(fgraph, var) -> bool:
    """True when ``var``'s buffer (and any buffer it views) has no other reader."""
    seen = set()
    while True:
        if var in fgraph.inputs or isinstance(var, Constant) or var in seen:
            return False
        clients = fgraph.clients.get(var, ())
        if len(clients) != 1 or next(iter(clients))[0] == "output":
            return False
        seen.add(var)
        node = var.owner
        if node is None:
            return False
        k = node.outputs.index(var)
        view = node.op.view_map.get(k) or node.op.destroy_map.get(k)
        if not view:
            return True
        var = node.inputs[view[0]]


def _elemwise_inplace(fgraph, node):
    op = node.op
    if op.inplace_pattern or len(node.outputs) != 1:
        return None
    if not isinstance(getattr(op.scalar_op, "ufunc", None), np.ufunc):
        return None
    out = node.outputs[0]
    if out.ndim == 0:
        return None
    for i, var in enumerate(node.inputs):
        if var.type != out.type or node.inputs.count(var) > 1 or not can_destroy(fgraph, var):
            continue
        new = Elemwise(op.scalar_op, {0: i})(*node.inputs)
        if new.type == out.type:
            return new
    return None


def _blas_inplace(fgraph, node):
    op = node.op
    target = node.inputs[0]
    if op.inplace or node.inputs.count(target) > 1 or not can_destroy(fgraph, target):
        return None
    return type(op)(inplace=True)(*node.inputs)


def _inc_subtensor_inplace(fgraph, node):
    """``set_subtensor``/``inc_subtensor`` write into ``x`` when nothing else reads it."""
    target = node.inputs[0]
    if node.op.destroy_map or target in node.inputs[1:] or not can_destroy(fgraph, target):
        return None
    return node.op.inplace_version()(*node.inputs)


def elemwise_inplace(fgraph) -> RewriteReport:
    """Let elementwise ufuncs, BLAS ops and subtensor increments write into an input
    nothing else reads."""
    report = RewriteReport("inplace")
    for node in fgraph.toposort():
        report.visits += 1
        if isinstance(node.op, Elemwise):
            new = _elemwise_inplace(fgraph, node)
        elif isinstance(node.op, blas.Gemm | blas.Gemv | blas.Ger):
            new = _blas_inplace(fgraph, node)
        elif isinstance(node.op, _INC_SUBTENSOR):
            new = _inc_subtensor_inplace(fgraph, node)
        else:
            continue
        if new is not None:
            replace_and_keep_names(fgraph, [(node.outputs[0], new)], "inplace")
            report.replacements += 1
    return report
