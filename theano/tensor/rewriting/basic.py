"""Rewrites shared by every phase: constant folding, and helpers that read graphs."""

from __future__ import annotations

import numpy as np

from theano.graph.basic import Constant
from theano.graph.rewriting.basic import RewriteReport, replace_and_keep_names
from theano.tensor.elemwise import DimShuffle, Elemwise
from theano.tensor.type import TensorType
from theano.tensor.var import TensorConstant

MAX_FOLDED_SIZE = 1_000_000


# ------------------------------------------------------------------ constant folding


def constant_folding(fgraph) -> RewriteReport:
    """Replace every node whose inputs are all constants by its computed value."""
    report = RewriteReport("constant_folding")
    for node in fgraph.toposort():
        report.visits += 1
        if node not in fgraph.apply_nodes:
            continue
        if not node.inputs or not all(isinstance(i, Constant) for i in node.inputs):
            continue
        if not node.op.do_constant_folding(node) or node.op.destroy_map:
            continue
        storage = [[None] for _ in node.outputs]
        try:
            with np.errstate(all="ignore"):
                node.op.perform(node, [i.data for i in node.inputs], storage)
        except Exception:  # noqa: BLE001, S112 (an op that cannot run here is not folded)
            continue
        pairs = []
        for out, cell in zip(node.outputs, storage):
            if not isinstance(out.type, TensorType):
                break
            value = np.asarray(cell[0])
            if value.size > MAX_FOLDED_SIZE:
                break
            try:
                pairs.append((out, TensorConstant(out.type, out.type.filter(value,
                              allow_downcast=True))))  # fmt: skip
            except TypeError:
                break
        else:
            replace_and_keep_names(fgraph, pairs, "constant_folding")
            report.replacements += 1
    return report


def scalar_op_of(node):
    return node.op.scalar_op if isinstance(node.op, Elemwise) else None


def const_value(var):
    """The single value of a constant whose elements are all equal, else None."""
    while var.owner is not None and isinstance(var.owner.op, DimShuffle):
        var = var.owner.inputs[0]
    if isinstance(var, Constant):
        data = var.data
        if data.size and np.all(data == data.flat[0]):
            return data.flat[0]
    return None


def same_type(var, like):
    return var.type == like.type


def owner_is(var, op):
    node = var.owner
    return node is not None and isinstance(node.op, Elemwise) and node.op.scalar_op == op
