"""Stabilizing rewrites for the softmax family, to run in FAST_RUN's ``stabilize`` phase.

``log(softmax(x))`` underflows to ``-inf`` where a probability is below the smallest
float; `LogSoftmax` computes the same values exactly, and the negative log-likelihood
of a softmax, ``-log(softmax(x))[arange(n), y]``, becomes one
`CrossentropySoftmaxArgmax1HotWithBias` computed from the logits. The reverse-mode
gradients, built by `grad` before these rewrites run, divide by a probability that may
be 0: they become `CrossentropySoftmax1HotWithBiasDx`, or ``g - sum(g) * softmax(x)``.
``exp(x) / sum(exp(x), axis)`` written out by hand becomes a `Softmax` (Theano's
``local_softmax`` pattern). `STABILIZE` lists the rewrites in the order they run.
"""

from __future__ import annotations

from theano import scalar
from theano.graph.rewriting.basic import node_rewriter
from theano.tensor import math as tm
from theano.tensor.creation import ARange
from theano.tensor.elemwise import DimShuffle, Elemwise, Sum
from theano.tensor.nnet.basic import (
    CrossentropyCategorical1Hot,
    CrossentropyCategorical1HotGrad,
    CrossentropySoftmaxArgmax1HotWithBias,
    LogSoftmax,
    Softmax,
    SoftmaxGrad,
    SoftmaxWithBias,
    _is_zero,
    _softmax_logits,
    _zero_bias,
    crossentropy_softmax_1hot_with_bias_dx,
    crossentropy_softmax_argmax_1hot_with_bias,
)
from theano.tensor.rewriting.basic import const_value, owner_is
from theano.tensor.shape import Shape, Shape_i, shape_i
from theano.tensor.subtensor import (
    AdvancedIncSubtensor,
    AdvancedSubtensor,
    AdvancedSubtensor1,
    Subtensor,
    set_subtensor,
)

_ROW_AXES = (-1, 1, (1,), (-1,))
_INDEXING = (Subtensor, AdvancedSubtensor1, AdvancedSubtensor)

# ----------------------------------------------------------------------------- helpers


def _cast_to(new, like):
    """``new`` cast to ``like``'s dtype; None unless the types then match."""
    if new.dtype != like.dtype:
        new = tm.cast(new, like.dtype)
    return new if new.type == like.type else None


def _is_row_softmax(var, op_class=Softmax):
    """True when ``var`` is ``op_class(x)`` of a matrix ``x`` over its rows."""
    node = var.owner
    return (
        node is not None
        and isinstance(node.op, op_class)
        and var.ndim == 2
        and node.op.axis in _ROW_AXES
    )


def _softmax_over(sm, axis):
    """True when ``sm`` is a `Softmax` over ``axis`` or a `SoftmaxWithBias` (last axis)."""
    node = sm.owner
    if node is None:
        return False
    if isinstance(node.op, Softmax):
        return node.op.axis == axis
    return isinstance(node.op, SoftmaxWithBias) and axis in (-1, sm.ndim - 1)


def _row_source(var):
    """The variable whose rows ``var`` has by construction: through the softmax family
    and elementwise ops where one input alone is not broadcastable along the rows (its
    rows are the output's), down to where that ends."""
    while var.owner is not None and var.ndim:
        node = var.owner
        if isinstance(node.op, Softmax | LogSoftmax | SoftmaxWithBias):
            var = node.inputs[0]
            continue
        if not isinstance(node.op, Elemwise):
            break
        full = [i for i in node.inputs if i.ndim == var.ndim and not i.broadcastable[0]]
        if len(full) != 1:
            break
        var = full[0]
    return var


def _first_dim_of(n):
    """``v`` when ``n`` is ``v.shape[0]`` (``Shape_i{0}(v)`` or ``Shape(v)[0]``), else None."""
    node = n.owner
    if node is None:
        return None
    if isinstance(node.op, Shape_i) and node.op.i == 0:
        return node.inputs[0]
    if (
        isinstance(node.op, Subtensor)
        and len(node.inputs) == 2
        and node.inputs[0].owner is not None
        and isinstance(node.inputs[0].owner.op, Shape)
        and const_value(node.inputs[1]) == 0
    ):
        return node.inputs[0].owner.inputs[0]
    return None


def _arange_of_rows(var):
    """``v`` when ``var`` is ``arange(v.shape[0])`` (start 0, step 1), else None."""
    node = var.owner
    if node is None or not isinstance(node.op, ARange):
        return None
    start, stop, step = node.inputs
    if const_value(start) != 0 or const_value(step) != 1:
        return None
    return _first_dim_of(stop)


def _row_pick(op, inputs):
    """``(rows, y)`` when an indexing node with ``inputs`` (``x, [v,] rows, y``) is
    ``x[rows, y]`` with two integer vectors, else None."""
    if not isinstance(op, AdvancedSubtensor | AdvancedIncSubtensor) or op.idx_list != ("a", "a"):
        return None
    rows, y = inputs[-2:]
    if rows.ndim != 1 or y.ndim != 1 or y.dtype not in scalar.INT_DTYPES + scalar.UINT_DTYPES:
        return None
    return rows, y


def _one_pick_per_row(rows, x):
    """True when ``rows`` is ``arange`` over the rows of ``x`` (by construction)."""
    v = _arange_of_rows(rows)
    return v is not None and _row_source(v) is _row_source(x)


# --------------------------------------------------------------------- forward rewrites


@node_rewriter([Elemwise(scalar.log)])
def log_softmax_from_log(fgraph, node):
    """``log(softmax(x, axis)) → logsoftmax(x, axis)``, ``log(softmax_with_bias(x, b)) →
    logsoftmax(x + b)``, and ``log(softmax(x)[idx]) → logsoftmax(x)[idx]``."""
    (arg,) = node.inputs
    owner = arg.owner
    if owner is None:
        return None
    if isinstance(owner.op, Softmax):
        new = LogSoftmax(owner.op.axis)(owner.inputs[0])
    elif isinstance(owner.op, SoftmaxWithBias):
        new = LogSoftmax(-1)(tm.add(*owner.inputs))
    elif (
        isinstance(owner.op, _INDEXING)
        and owner.inputs[0].owner is not None
        and isinstance(owner.inputs[0].owner.op, Softmax)
    ):
        sm = owner.inputs[0]
        log_sm = LogSoftmax(sm.owner.op.axis)(sm.owner.inputs[0])
        new = owner.op(log_sm, *owner.inputs[1:])
    else:
        return None
    return [new] if new.type == node.outputs[0].type else None


@node_rewriter([Elemwise(scalar.true_div)])
def softmax_from_exp_div(fgraph, node):
    """``exp(x) / sum(exp(x), axis, keepdims=True) → softmax(x, axis)``."""
    e, s = node.inputs
    if not owner_is(e, scalar.exp):
        return None
    found = kept_sum(s)
    if found is None or found[0] is not e:
        return None
    x = e.owner.inputs[0]
    new = Softmax(softmax_axis(found[1], x.ndim))(x)
    return [new] if new.type == node.outputs[0].type else None


def softmax_axis(axes, ndim):
    """The ``axis`` of a `Softmax` over ``axes`` (a tuple) of an ``ndim``-d tensor."""
    if len(axes) == ndim:
        return None
    if len(axes) == 1:
        return -1 if axes[0] == ndim - 1 else axes[0]
    return tuple(axes)


def kept_sum(var):
    """``(x, axes)`` when ``var`` is ``sum(x, axes, keepdims=True)``, else None."""
    node = var.owner
    if node is None:
        return None
    if isinstance(node.op, Sum) and node.op.keepdims_pattern is not None:
        x = node.inputs[0]
        return x, node.op._axes(x.ndim)
    if not isinstance(node.op, DimShuffle):
        return None
    inner = node.inputs[0].owner
    if inner is None or not isinstance(inner.op, Sum) or inner.op.keepdims_pattern is not None:
        return None
    x = inner.inputs[0]
    axes = inner.op._axes(x.ndim)
    kept = iter(range(x.ndim - len(axes)))
    expected = tuple("x" if d in axes else next(kept) for d in range(x.ndim))
    return (x, axes) if node.op.new_order == expected else None


@node_rewriter([CrossentropyCategorical1Hot])
def crossentropy_from_softmax(fgraph, node):
    """``crossentropy_categorical_1hot(softmax(x + b), y) →
    crossentropy_softmax_argmax_1hot_with_bias(x, b, y)[0]`` (b = 0 for a plain softmax)."""
    coding, y = node.inputs
    logits = _softmax_logits(coding)
    if logits is None:
        return None
    x, b = logits
    nll = crossentropy_softmax_argmax_1hot_with_bias(x, _zero_bias(x) if b is None else b, y)[0]
    return [_cast_to(nll, node.outputs[0])]


@node_rewriter([AdvancedSubtensor])
def crossentropy_from_logsoftmax_pick(fgraph, node):
    """``logsoftmax(x)[arange(n), y] → -crossentropy_softmax_argmax_1hot_with_bias(x, 0, y)[0]``
    with ``n`` the rows of ``x`` (or the length of ``y``: then the first ``n`` rows of ``x``).
    """
    pick = _row_pick(node.op, node.inputs)
    if pick is None or not _is_row_softmax(node.inputs[0], LogSoftmax):
        return None
    rows, y = pick
    x = node.inputs[0].owner.inputs[0]
    if not _one_pick_per_row(rows, x):
        if _arange_of_rows(rows) is not y:
            return None
        x = _first_rows(fgraph, x, y)  # x[arange(len(y)), y] reads only those rows
    nll = _crossentropy_outputs(fgraph, x, y)[0]
    return [_cast_to(tm.neg(nll), node.outputs[0])]


def _first_rows(fgraph, x, y):
    """``x[:y.shape[0]]``, the slice node the graph already has if any (so that the
    cost and its gradient, rewritten separately, share one cross-entropy node)."""
    for client, _ in fgraph.get_clients(x):
        if (
            client != "output"
            and isinstance(client.op, Subtensor)
            and client.op.idx_list == _FIRST_ROWS
            and client.inputs[0] is x
            and _first_dim_of(client.inputs[1]) is y
        ):
            return client.outputs[0]
    return x[: shape_i(y, 0)]


_FIRST_ROWS = (("s", False, True, False),)  # Subtensor's idx_list of [:stop]


def _crossentropy_outputs(fgraph, x, y):
    """The outputs of ``crossentropy_softmax_argmax_1hot_with_bias(x, 0, y)``: those of
    the node the graph already has if any, else of a new node."""
    for client, _ in fgraph.get_clients(x):
        if (
            client != "output"
            and isinstance(client.op, CrossentropySoftmaxArgmax1HotWithBias)
            and client.inputs[0] is x
            and client.inputs[2] is y
            and _is_zero(client.inputs[1])
        ):
            return client.outputs
    return crossentropy_softmax_argmax_1hot_with_bias(x, _zero_bias(x), y)


# -------------------------------------------------------------------- gradient rewrites


def _picked_values(g):
    """``(v, rows, y)`` when ``g`` is ``zeros[rows, y] += v`` (an `AdvancedIncSubtensor`
    into zeros), else None."""
    node = g.owner
    if node is None or not isinstance(node.op, AdvancedIncSubtensor):
        return None
    if node.op.set_instead_of_inc or not _is_zero(node.inputs[0]):
        return None
    pick = _row_pick(node.op, node.inputs)
    if pick is None or node.inputs[1].ndim > 1:
        return None
    return node.inputs[1], *pick


def _same_inputs(var, inputs):
    """True when ``var`` is computed by a node whose inputs are exactly ``inputs``."""
    node = var.owner
    return (
        node is not None
        and len(node.inputs) == len(inputs)
        and all(a is b for a, b in zip(node.inputs, inputs))
    )


def _without_division(v, den_inputs):
    """``v * den`` when ``v`` is ``±(a / den) [* b ...]`` with ``den`` computed from
    exactly ``den_inputs`` by an `AdvancedSubtensor` (``sm[rows, y]``), else None."""
    sign = 1
    while owner_is(v, scalar.neg):
        sign, v = -sign, v.owner.inputs[0]
    factors = list(v.owner.inputs) if owner_is(v, scalar.mul) else [v]
    for i, f in enumerate(factors):
        if not owner_is(f, scalar.true_div):
            continue
        a, den = f.owner.inputs
        if _same_inputs(den, den_inputs) and isinstance(den.owner.op, AdvancedSubtensor):
            rest = [*factors[:i], a, *factors[i + 1 :]]
            new = rest[0] if len(rest) == 1 else tm.mul(*rest)
            return tm.neg(new) if sign < 0 else new
    return None


def _sub_scaled_row_sums(g, sm, axis):
    """``g - sum(g, axis, keepdims) * sm``."""
    return tm.sub(g, tm.mul(tm.sum(g, axis=axis, keepdims=True), sm))


@node_rewriter([SoftmaxGrad])
def log_softmax_grad(fgraph, node):
    """The gradients of ``log(softmax(x))`` and of ``-log(softmax(x)[arange(n), y])``
    without the division by a probability that may be 0.

    ``SoftmaxGrad(g / sm, sm) → g - sum(g, axis) * sm``, and
    ``SoftmaxGrad(zeros[rows, y] += v / sm[rows, y], sm) → h - sum(h, axis) * sm`` with
    ``h = zeros[rows, y] += v``. When ``g`` (or ``h``) holds one value ``-d`` per row at
    column ``y``, the result is ``crossentropy_softmax_1hot_with_bias_dx(d, sm, y)``.
    """
    dy, sm = node.inputs
    if not _softmax_over(sm, node.op.axis):
        return None
    out = node.outputs[0]
    if owner_is(dy, scalar.true_div) and dy.owner.inputs[1] is sm:
        g = dy.owner.inputs[0]
    else:
        picked = _picked_values(dy)
        if picked is None:
            return None
        v, rows, y = picked
        num = _without_division(v, (sm, rows, y))
        if num is None:
            return None
        g = dy.owner.op(dy.owner.inputs[0], num, rows, y)
    picked = _picked_values(g)
    if picked is not None and picked[0].ndim == 1 and _is_row_softmax(sm):
        dx = _crossentropy_dx(fgraph, sm, *picked)
        if dx is not None:
            return [_cast_to(dx, out)]
    return [_cast_to(_sub_scaled_row_sums(g, sm, node.op.axis), out)]


def _crossentropy_dx(fgraph, sm, v, rows, y):
    """The gradient ``h - sum(h, axis=1) * sm`` of ``h = zeros[rows, y] += v`` through the
    row softmax ``sm = softmax(x)``, as `crossentropy_softmax_1hot_with_bias_dx`; None
    unless ``rows`` is ``arange`` over the rows of ``x`` or over ``y``.

    The softmax is taken from the cross-entropy node of the cost (made here when the
    cost's own rewrite has not run yet: it finds this one then). With ``rows = arange(len(y))`` only the first ``len(y)`` rows get a gradient:
    the rest of ``h`` is zero, and so is their gradient.
    """
    x = sm.owner.inputs[0]
    if _one_pick_per_row(rows, sm):
        return crossentropy_softmax_1hot_with_bias_dx(
            tm.neg(v), _crossentropy_outputs(fgraph, x, y)[1], y
        )
    if _arange_of_rows(rows) is not y:
        return None
    first = _first_rows(fgraph, x, y)
    probs = _crossentropy_outputs(fgraph, first, y)[1]
    dx = crossentropy_softmax_1hot_with_bias_dx(tm.neg(v), probs, y)
    return set_subtensor(tm.zeros_like(sm)[: shape_i(y, 0)], dx)


@node_rewriter([SoftmaxGrad])
def crossentropy_softmax_grad(fgraph, node):
    """``SoftmaxGrad(crossentropy_categorical_1hot_grad(g, sm, y), sm) →
    crossentropy_softmax_1hot_with_bias_dx(g, sm, y)`` (Theano's
    ``local_crossentropy_to_crossentropy_with_softmax_grad``)."""
    dy, sm = node.inputs
    owner = dy.owner
    if owner is None or not isinstance(owner.op, CrossentropyCategorical1HotGrad):
        return None
    g, coding, y = owner.inputs
    if coding is not sm or node.op.axis not in _ROW_AXES or sm.ndim != 2:
        return None
    if sm.owner is None or not isinstance(sm.owner.op, Softmax | SoftmaxWithBias):
        return None
    return [_cast_to(crossentropy_softmax_1hot_with_bias_dx(g, sm, y), node.outputs[0])]


STABILIZE = (
    log_softmax_from_log,
    softmax_from_exp_div,
    crossentropy_from_softmax,
    crossentropy_from_logsoftmax_pick,
    log_softmax_grad,
    crossentropy_softmax_grad,
)
