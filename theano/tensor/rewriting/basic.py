"""Tensor rewrites for the FAST_RUN phases: constant folding, canonicalize, stabilize, inplace.

Each rewrite is a small function on one node; the phase tuples at the bottom list
them in the order they run.
"""

from __future__ import annotations

import numpy as np

from theano import scalar
from theano.graph.basic import Constant
from theano.graph.rewriting.basic import RewriteReport, node_rewriter, replace_and_keep_names
from theano.tensor.elemwise import DimShuffle, Elemwise
from theano.tensor.shape import Reshape
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


# ---------------------------------------------------------------------- helpers


def _scalar_op(node):
    return node.op.scalar_op if isinstance(node.op, Elemwise) else None


def _const_value(var):
    """The single value of a constant whose elements are all equal, else None."""
    while var.owner is not None and isinstance(var.owner.op, DimShuffle):
        var = var.owner.inputs[0]
    if isinstance(var, Constant):
        data = var.data
        if data.size and np.all(data == data.flat[0]):
            return data.flat[0]
    return None


def _same_type(var, like):
    return var.type == like.type


def _owner_op(var, op):
    node = var.owner
    return node is not None and isinstance(node.op, Elemwise) and node.op.scalar_op == op


# ------------------------------------------------------------------- canonicalize


@node_rewriter([Elemwise(scalar.add), Elemwise(scalar.mul)])
def remove_neutral_terms(fgraph, node):
    """``x + 0 → x`` and ``x * 1 → x`` when the type does not change."""
    neutral = 0 if node.op.scalar_op == scalar.add else 1
    keep = [i for i in node.inputs if _const_value(i) != neutral]
    if len(keep) == len(node.inputs) or not keep:
        return None
    out = node.outputs[0]
    new = keep[0] if len(keep) == 1 else node.op(*keep)
    return [new] if _same_type(new, out) else None


@node_rewriter([Elemwise(scalar.neg)])
def double_negation(fgraph, node):
    (x,) = node.inputs
    if _owner_op(x, scalar.neg):
        return [x.owner.inputs[0]]
    return None


@node_rewriter([Elemwise(scalar.pow)])
def specialize_pow(fgraph, node):
    """``x ** 2 → sqr(x)``, ``x ** 0.5 → sqrt(x)``, ``x ** 1 → x``, ``x ** -1 → inv(x)``."""
    x, y = node.inputs
    p = _const_value(y)
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
    if _owner_op(x, other):
        inner = x.owner.inputs[0]
        if _same_type(inner, node.outputs[0]):
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
        return [base] if _same_type(base, node.outputs[0]) else None
    return [DimShuffle(base.broadcastable, composed)(base)]


@node_rewriter([Reshape])
def merge_reshapes(fgraph, node):
    x, shp = node.inputs
    if x.owner is not None and isinstance(x.owner.op, Reshape):
        new = node.op(x.owner.inputs[0], shp)
        return [new] if _same_type(new, node.outputs[0]) else None
    return None


@node_rewriter([Elemwise])
def useless_cast(fgraph, node):
    op = _scalar_op(node)
    if isinstance(op, scalar.Cast) and node.inputs[0].dtype == op.dtype:
        return [node.inputs[0]] if _same_type(node.inputs[0], node.outputs[0]) else None
    return None


# ---------------------------------------------------------------------- stabilize


@node_rewriter([Elemwise(scalar.log)])
def log1p_from_log(fgraph, node):
    """``log(1 + x) → log1p(x)``; ``log1p(exp(x))``-style chains become ``softplus``."""
    (arg,) = node.inputs
    if not _owner_op(arg, scalar.add) or len(arg.owner.inputs) != 2:
        return None
    a, b = arg.owner.inputs
    rest = b if _const_value(a) == 1 else a if _const_value(b) == 1 else None
    if rest is None:
        return None
    if _owner_op(rest, scalar.exp):
        new = Elemwise(scalar.softplus)(rest.owner.inputs[0])
    else:
        new = Elemwise(scalar.log1p)(rest)
    return [new] if _same_type(new, node.outputs[0]) else None


@node_rewriter([Elemwise(scalar.log1p)])
def softplus_from_log1p_exp(fgraph, node):
    (arg,) = node.inputs
    if _owner_op(arg, scalar.exp):
        new = Elemwise(scalar.softplus)(arg.owner.inputs[0])
        return [new] if _same_type(new, node.outputs[0]) else None
    return None


@node_rewriter([Elemwise(scalar.sub)])
def expm1_from_sub(fgraph, node):
    """``exp(x) - 1 → expm1(x)``."""
    a, b = node.inputs
    if _const_value(b) == 1 and _owner_op(a, scalar.exp):
        new = Elemwise(scalar.expm1)(a.owner.inputs[0])
        return [new] if _same_type(new, node.outputs[0]) else None
    return None


@node_rewriter([Elemwise(scalar.log)])
def log_sigmoid(fgraph, node):
    """``log(sigmoid(x)) → -softplus(-x)`` and ``log(1 - sigmoid(x)) → -softplus(x)``."""
    (arg,) = node.inputs
    neg, softplus = Elemwise(scalar.neg), Elemwise(scalar.softplus)
    if _owner_op(arg, scalar.sigmoid):
        x = arg.owner.inputs[0]
        new = neg(softplus(neg(x)))
    elif (
        _owner_op(arg, scalar.sub)
        and _const_value(arg.owner.inputs[0]) == 1
        and _owner_op(arg.owner.inputs[1], scalar.sigmoid)
    ):
        x = arg.owner.inputs[1].owner.inputs[0]
        new = neg(softplus(x))
    else:
        return None
    return [new] if _same_type(new, node.outputs[0]) else None


# ------------------------------------------------------------------------ inplace


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


CANONICALIZE = (
    remove_neutral_terms,
    double_negation,
    specialize_pow,
    exp_log_inverse,
    merge_dimshuffles,
    merge_reshapes,
    useless_cast,
)
STABILIZE = (log1p_from_log, softplus_from_log1p_exp, expm1_from_sub, log_sigmoid)
SPECIALIZE = ()
