"""The ``inplace`` phase: ops overwrite an input buffer that nothing reads afterwards.

An intermediate may be destroyed when it is read by the destroying node alone and,
if it is a view, every value it views is such an intermediate too (never a function
input, constant or output); that single-reader rule makes the order of evaluation
irrelevant. One exception, `shared_update_inplace`: a shared variable's update may
be computed in the variable's own buffer, because `FunctionMaker._schedule` runs
those nodes after every other one and checks their shapes before the first writes.
"""

from __future__ import annotations

import numpy as np

from theano.graph.basic import Constant, alias_roots
from theano.graph.rewriting.basic import RewriteReport, replace_and_keep_names
from theano.scalar.composite import Composite
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
    scalar_op = op.scalar_op
    # A fused node writes into its input with its last op's out=: worth it only when
    # that op gives the result itself (else the result would be copied in).
    if not isinstance(getattr(scalar_op, "ufunc", None), np.ufunc) and not (
        isinstance(scalar_op, Composite) and scalar_op.ends_in_ufunc()
    ):
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


def inplace_phase(fgraph) -> RewriteReport:
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


def shared_update_destroyer(fgraph, node):
    """The shared input ``node`` may overwrite as the update of that shared variable:
    ``node``'s output is the variable's update and nothing else, and no other output
    shows the old buffer. None when there is no such input.
    """
    mapping = getattr(fgraph, "update_mapping", None)
    if not mapping or len(node.outputs) != 1:
        return None
    out = node.outputs[0]
    clients = fgraph.clients.get(out, ())
    if len(clients) != 1:
        return None
    ((client, k),) = clients
    if client != "output" or k not in mapping:
        return None
    shared = fgraph.inputs[mapping[k]]
    for i, other in enumerate(fgraph.outputs):
        if i != k and shared in alias_roots(other):
            return None
    return shared


def shared_update_inplace(fgraph) -> RewriteReport:
    """Updates like ``w - lr * dot(x.T, g)`` (one `Gemm`) or ``w * 0.9`` (a ufunc) write
    into ``w``'s own buffer: `FunctionMaker._schedule` runs these nodes last, so every
    reader sees the old value, and their shape checks run before the first one writes.
    """
    report = RewriteReport("shared_update_inplace")
    updated = {fgraph.inputs[j] for j in getattr(fgraph, "update_mapping", {}).values()}
    for node in list(fgraph.toposort()):
        report.visits += 1
        op = node.op
        if op.destroy_map or not isinstance(op, Elemwise | blas.Gemm | blas.Gemv | blas.Ger):
            continue
        shared = shared_update_destroyer(fgraph, node)
        if shared is None or node.inputs.count(shared) != 1:
            continue
        # Reading another updated shared value is fine only before any update runs.
        others = [v for v in node.inputs if v is not shared]
        if any(alias_roots(v) & updated for v in others):
            continue
        position = node.inputs.index(shared)
        if isinstance(op, Elemwise):
            ufunc = getattr(op.scalar_op, "ufunc", None)
            out = node.outputs[0]
            if not isinstance(ufunc, np.ufunc) or shared.type != out.type or out.ndim == 0:
                continue
            if ufunc is np.power and out.dtype[0] in "iu":
                continue  # a negative exponent raises after earlier updates have written
            new = Elemwise(op.scalar_op, {0: position})(*node.inputs)
        elif position == 0:
            new = type(op)(inplace=True)(*node.inputs)
        else:
            continue
        if new.type != node.outputs[0].type:
            continue
        replace_and_keep_names(fgraph, [(node.outputs[0], new)], "shared_update_inplace")
        report.replacements += 1
    return report
