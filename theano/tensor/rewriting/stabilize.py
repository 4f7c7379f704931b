"""The ``stabilize`` phase: numerically stable forms of unstable expressions.

Each rewrite replaces an expression that overflows, underflows or cancels by an equal
one that does not: ``log(1 + x) → log1p(x)``, ``log(1 + exp(x)) → softplus(x)``,
``log(sigmoid(x)) → -softplus(-x)``, ``log(1 - exp(x))`` by ``log1p``/``expm1``, and
``log(sum(exp(x)))`` shifted by the maximum. Gradients are built by `grad` before this
phase runs, so their unstable forms are rewritten too: ``(a / b) * b → a``,
``a * exp(x) / (1 + exp(x)) → a * sigmoid(x)``, and the gradient of ``logsumexp``
becomes a softmax. The softmax family's rewrites come from `theano.tensor.nnet.rewriting`.
"""

from __future__ import annotations

import math

import numpy as np

from theano import scalar
from theano.graph.rewriting.basic import node_rewriter
from theano.tensor import math as tm
from theano.tensor.elemwise import DimShuffle, Elemwise, Max, Sum, dimshuffle
from theano.tensor.nnet.basic import Softmax, sigmoid_binary_crossentropy
from theano.tensor.nnet.rewriting import STABILIZE as _NNET_STABILIZE
from theano.tensor.nnet.rewriting import kept_sum, softmax_axis
from theano.tensor.rewriting.basic import const_value, owner_is, same_type
from theano.tensor.rewriting.canonicalize import double_negation


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
    if owner_is(arg, scalar.sigmoid):
        x, sign = arg.owner.inputs[0], -1
    elif (
        owner_is(arg, scalar.sub)
        and const_value(arg.owner.inputs[0]) == 1
        and owner_is(arg.owner.inputs[1], scalar.sigmoid)
    ):
        x, sign = arg.owner.inputs[1].owner.inputs[0], 1
    else:
        return None
    neg, softplus = Elemwise(scalar.neg), Elemwise(scalar.softplus)
    if x.dtype not in scalar.FLOAT_DTYPES:
        # Negating a bool fails and an int can wrap: go to the result's float first.
        x = Elemwise(scalar.Cast(node.outputs[0].dtype))(x)
    new = neg(softplus(neg(x) if sign < 0 else x))
    return [new] if same_type(new, node.outputs[0]) else None


def _softplus_term(term):
    """``(sign, a, z, negated)`` when ``term`` is ``sign * a * softplus(-z)`` (``negated``)
    or ``sign * a * softplus(z)``, else None."""
    sign, factors = _mul_factors([term])
    if len(factors) != 2:
        return None
    for sp, a in (factors, factors[::-1]):
        if owner_is(sp, scalar.softplus):
            z = sp.owner.inputs[0]
            if owner_is(z, scalar.neg):
                return sign, a, z.owner.inputs[0], True
            return sign, a, z, False
    return None


def _is_one_minus(b, a):
    return (
        owner_is(b, scalar.sub) and const_value(b.owner.inputs[0]) == 1 and b.owner.inputs[1] is a
    )


@node_rewriter([Elemwise(scalar.add)])
def sigmoid_crossentropy_from_softplus(fgraph, node):
    """``t * softplus(-z) + (1 - t) * softplus(z) → sigmoid_binary_crossentropy(z, t)``.

    The logistic cost ``t * log(sigmoid(z)) + (1 - t) * log(1 - sigmoid(z))`` written by
    hand becomes (by `log_sigmoid`) the negation of the left side: one elementwise op
    instead of two softplus, exact for any ``z``.
    """
    terms = [_softplus_term(t) for t in node.inputs]
    for i, first in enumerate(terms):
        if first is None or not first[3]:
            continue
        sign, t, z, _ = first
        for j, second in enumerate(terms):
            if (
                second is None
                or second[3]
                or second[0] != sign
                or second[2] is not z
                or not _is_one_minus(second[1], t)
            ):
                continue
            new = sigmoid_binary_crossentropy(z, t)
            if sign < 0:
                new = tm.neg(new)
            rest = [v for k, v in enumerate(node.inputs) if k not in (i, j)]
            new = tm.add(new, *rest) if rest else new
            out = node.outputs[0]
            if new.dtype != out.dtype:
                new = tm.cast(new, out.dtype)
            return [new] if same_type(new, out) else None
    return None


@node_rewriter([Elemwise(scalar.log)])
def log1mexp_from_log(fgraph, node):
    """``log(1 - exp(x)) → log1p(-exp(x))`` for ``x < -log(2)``, else ``log(-expm1(x))``:
    accurate near 0 (where ``1 - exp(x)`` cancels) and for very negative ``x`` (where it
    rounds to 1)."""
    (arg,) = node.inputs
    if not owner_is(arg, scalar.sub) or const_value(arg.owner.inputs[0]) != 1:
        return None
    e = arg.owner.inputs[1]
    if not owner_is(e, scalar.exp):
        return None
    x = e.owner.inputs[0]
    far = tm.log1p(tm.neg(e))
    near = tm.log(tm.neg(tm.expm1(x)))
    new = tm.switch(tm.lt(x, -math.log(2)), far, near)
    return [new] if same_type(new, node.outputs[0]) else None


# ------------------------------------------------------------------------- logsumexp


def _exp_sum(var):
    """``(x, axes, keepdims)`` when ``var`` is ``sum(exp(x), axes[, keepdims=True])``."""
    node = var.owner
    if node is not None and isinstance(node.op, Sum) and node.op.keepdims_pattern is None:
        e, axes, keep = node.inputs[0], node.op._axes(node.inputs[0].ndim), False
    else:
        found = kept_sum(var)
        if found is None:
            return None
        (e, axes), keep = found, True
    if not owner_is(e, scalar.exp) or not axes:
        return None
    return e.owner.inputs[0], axes, keep


def _is_max_shifted(x):
    """True for ``a - m`` with ``m`` the (guarded, dimshuffled) ``max(a)``: what
    `logsumexp` builds, so that it does not rewrite its own output again."""
    if not owner_is(x, scalar.sub):
        return False
    a, m = x.owner.inputs
    while m.owner is not None and (
        isinstance(m.owner.op, DimShuffle) or owner_is(m, scalar.switch)
    ):
        m = m.owner.inputs[-1]
    return m.owner is not None and type(m.owner.op) is Max and m.owner.inputs[0] is a


def _keep_order(ndim, axes):
    kept = iter(range(ndim - len(axes)))
    return tuple("x" if d in axes else next(kept) for d in range(ndim))


@node_rewriter([Elemwise(scalar.log)])
def logsumexp(fgraph, node):
    """``log(sum(exp(x), axes)) → m + log(sum(exp(x - m), axes))`` with ``m = max(x, axes)``
    (0 where that max is infinite, so all ``-inf`` gives ``-inf`` and ``+inf`` gives
    ``+inf``); with or without ``keepdims``."""
    found = _exp_sum(node.inputs[0])
    if found is None:
        return None
    x, axes, keep = found
    if _is_max_shifted(x):
        return None
    m = tm.max(x, axis=axes)
    m = tm.switch(tm.isinf(m), tm.zeros_like(m), m)
    m_keep = dimshuffle(m, *_keep_order(x.ndim, axes))
    total = tm.sum(tm.exp(tm.sub(x, m_keep)), axis=axes, keepdims=keep)
    new = tm.add(m_keep if keep else m, tm.log(total))
    out = node.outputs[0]
    if new.dtype != out.dtype:
        new = tm.cast(new, out.dtype)
    return [new] if same_type(new, out) else None


def _sum_restored(s, dimshuffles):
    """``(x, axes)`` when the ``dimshuffles`` (innermost first) applied to ``s`` give
    ``sum(x, axes, keepdims=True)``, else None."""
    node = s.owner
    order = tuple(range(s.ndim))
    if node is not None and isinstance(node.op, DimShuffle):
        order, node = node.op.new_order, node.inputs[0].owner
    if node is None or not isinstance(node.op, Sum):
        return None
    x = node.inputs[0]
    axes = node.op._axes(x.ndim)
    for ds in dimshuffles:
        order = tuple("x" if d == "x" else order[d] for d in ds.new_order)
    if node.op.keepdims_pattern is None:
        expected = _keep_order(x.ndim, axes)
    else:
        expected = tuple(range(x.ndim))
    return (x, axes) if order == expected else None


@node_rewriter([Elemwise(scalar.mul)])
def logsumexp_grad(fgraph, node):
    """``exp(x) * (g / sum(exp(x), axes))`` (kept dims restored) ``→ g * softmax(x, axes)``:
    the gradient of ``log(sum(exp(x)))``, whose ``exp(x)`` overflows."""
    if len(node.inputs) != 2:
        return None
    for e, other in (node.inputs, node.inputs[::-1]):
        if owner_is(e, scalar.exp):
            break
    else:
        return None
    # second(e, b) only broadcasts b to e's shape, which the product has anyway
    if owner_is(other, scalar.second) and other.owner.inputs[0] is e:
        other = other.owner.inputs[1]
    outer = []  # the DimShuffles around g / s, outermost first
    while other.owner is not None and isinstance(other.owner.op, DimShuffle):
        outer.append(other.owner.op)
        other = other.owner.inputs[0]
    if not owner_is(other, scalar.true_div):
        return None
    g, s = other.owner.inputs
    found = _sum_restored(s, outer[::-1])
    if found is None or found[0] is not e:
        return None
    try:
        for ds in outer[::-1]:
            g = ds(g)
    except (TypeError, ValueError):
        return None
    x = e.owner.inputs[0]
    new = tm.mul(g, Softmax(softmax_axis(found[1], x.ndim))(x))
    out = node.outputs[0]
    if new.dtype != out.dtype:
        new = tm.cast(new, out.dtype)
    return [new] if same_type(new, out) else None


# ---------------------------------------------------------------- gradients of products


_MAX_FACTORS = 16  # looking deeper into long products costs more than it finds


def _mul_factors(inputs):
    """``(sign, factors)`` of the product of ``inputs``, through nested products and
    negations (at most ``_MAX_FACTORS`` of them are opened)."""
    sign, factors, todo = 1, [], list(inputs)[::-1]
    while todo:
        v = todo.pop()
        if owner_is(v, scalar.mul) and len(factors) + len(todo) < _MAX_FACTORS:
            todo.extend(v.owner.inputs[::-1])
        elif owner_is(v, scalar.neg):
            sign = -sign
            todo.append(v.owner.inputs[0])
        else:
            factors.append(v)
    return sign, factors


def _one_plus_exp(var):
    """``x`` when ``var`` is ``1 + exp(x)`` (in either order), else None."""
    if not owner_is(var, scalar.add) or len(var.owner.inputs) != 2:
        return None
    a, b = var.owner.inputs
    e = b if const_value(a) == 1 else a if const_value(b) == 1 else None
    return e if e is not None and owner_is(e, scalar.exp) else None


def _same_value(a, b, depth=3):
    """True when ``a`` and ``b`` compute the same values: the same variable, equal
    constants, or the same elementwise op on such inputs (``1 - s`` written with ``1``
    and with ``1.0``)."""
    ca = const_value(a)
    if ca is not None:
        # x * c / c is x only for a finite, nonzero c (nan/inf/0 would not cancel).
        finite = bool(np.isfinite(ca)) and ca != 0
        return finite and a.ndim == b.ndim and const_value(b) == ca
    if a is b:
        return True
    if depth == 0 or a.owner is None or b.owner is None or a.owner.op != b.owner.op:
        return False
    if not isinstance(a.owner.op, Elemwise | DimShuffle):
        return False
    ia, ib = a.owner.inputs, b.owner.inputs
    return len(ia) == len(ib) and all(_same_value(x, y, depth - 1) for x, y in zip(ia, ib))


def _cancel_once(factors):
    """Cancel one ``(a / b) * b`` (to ``a``) or ``a / (1 + exp(x)) * exp(x)`` (to
    ``a * sigmoid(x)``) among ``factors``; True when it did."""
    for i, f in enumerate(factors):
        if not owner_is(f, scalar.true_div):
            continue
        a, b = f.owner.inputs
        for j, other in enumerate(factors):
            if j == i:
                continue
            if _same_value(other, b):
                factors[i] = a
                del factors[j]
                return True
            e = _one_plus_exp(b)
            if e is not None and other is e:
                factors[i] = a
                factors[j] = tm.sigmoid(e.owner.inputs[0])
                return True
    return False


@node_rewriter([Elemwise(scalar.mul)])
def mul_div_cancel(fgraph, node):
    """``(a / b) * b → a`` and ``a / (1 + exp(x)) * exp(x) → a * sigmoid(x)``.

    The gradients of ``log(sigmoid(x))``, ``log(1 - sigmoid(x))`` and ``log(1 + exp(x))``
    that `grad` builds have these forms; they are ``0 / 0`` or ``inf / inf`` where the
    sigmoid saturates or ``exp`` overflows.
    """
    sign, factors = _mul_factors(node.inputs)
    if not any(owner_is(f, scalar.true_div) for f in factors) or not _cancel_once(factors):
        return None
    return _product(sign, factors, node.outputs[0])


@node_rewriter([Elemwise(scalar.true_div)])
def div_cancel(fgraph, node):
    """``(a * b) / b → a`` and ``(a * exp(x)) / (1 + exp(x)) → a * sigmoid(x)``."""
    num, den = node.inputs
    sign, factors = _mul_factors([num])
    e = _one_plus_exp(den)
    for j, f in enumerate(factors):
        if e is not None and f is e:
            factors[j] = tm.sigmoid(e.owner.inputs[0])
            break
        if len(factors) > 1 and _same_value(f, den):
            del factors[j]
            break
    else:
        return None
    return _product(sign, factors, node.outputs[0])


def _sum_terms(var):
    """``[(sign, term), ...]`` when ``var`` is ``add(...)`` or ``sub(a, b)``, else None."""
    if owner_is(var, scalar.add):
        return [(1, t) for t in var.owner.inputs]
    if owner_is(var, scalar.sub):
        a, b = var.owner.inputs
        return [(1, a), (-1, b)]
    return None


@node_rewriter([Elemwise(scalar.mul)])
def distribute_to_cancel(fgraph, node):
    """``(a / b - c / d) * b * d → a * d - c * b``: a product of a sum whose every term
    divides by one of the product's other factors.

    The gradient of the logistic cost ``y * log(p) + (1 - y) * log(1 - p)`` with
    ``p = sigmoid(z)`` has this form (with ``b = p`` and ``d = 1 - p``); it is
    ``0 / 0`` where the sigmoid saturates, and costs two divisions besides.
    """
    sign, factors = _mul_factors(node.inputs)
    if not 2 <= len(factors) <= _MAX_FACTORS // 2:
        return None
    out = node.outputs[0]
    for i, f in enumerate(factors):
        terms = _sum_terms(f)
        if terms is None or not all(_has_division(t) for _, t in terms):
            continue
        rest = factors[:i] + factors[i + 1 :]
        signed = {1: [], -1: []}
        for term_sign, term in terms:
            inner_sign, term_factors = _mul_factors([term])
            term_factors.extend(rest)
            if not _cancel_once(term_factors):
                break
            new = _product(1, term_factors, out)
            if new is None:
                break
            signed[sign * term_sign * inner_sign].append(new[0])
        else:
            total = _signed_sum(signed[1], signed[-1])
            return [total] if same_type(total, out) else None
    return None


def _signed_sum(positive, negative):
    """``sum(positive) - sum(negative)`` with one op per sum (and no negation when both
    are there)."""

    def total(terms):
        return terms[0] if len(terms) == 1 else tm.add(*terms)

    if not negative:
        return total(positive)
    if not positive:
        return tm.neg(total(negative))
    return tm.sub(total(positive), total(negative))


def _one_minus(var):
    """``v`` when ``var`` is ``1 - v``, else None."""
    if owner_is(var, scalar.sub) and const_value(var.owner.inputs[0]) == 1:
        return var.owner.inputs[1]
    return None


def _take(factors, var):
    """``factors`` without one factor equal to ``var``; None when there is none."""
    for k, f in enumerate(factors):
        if _same_value(f, var):
            return factors[:k] + factors[k + 1 :]
    return None


@node_rewriter([Elemwise(scalar.sub)])
def complementary_difference(fgraph, node):
    """``c * t * (1 - s) - c * (1 - t) * s → c * (t - s)``.

    `distribute_to_cancel` leaves the logistic cost's gradient in this form (``s`` the
    sigmoid, ``t`` the target); the right side takes two ops instead of seven.
    """
    p, q = node.inputs
    p_sign, p_factors = _mul_factors([p])
    q_sign, q_factors = _mul_factors([q])
    if p_sign != q_sign:
        return None
    for i, one_minus_s in enumerate(p_factors):
        s = _one_minus(one_minus_s)
        if s is None:
            continue
        for j, one_minus_t in enumerate(q_factors):
            t = _one_minus(one_minus_t)
            if t is None:
                continue
            p_rest = _take(p_factors[:i] + p_factors[i + 1 :], t)
            q_rest = _take(q_factors[:j] + q_factors[j + 1 :], s)
            if p_rest is None or q_rest is None or len(p_rest) != len(q_rest):
                continue
            for f in p_rest:
                q_rest = _take(q_rest, f)
                if q_rest is None:
                    break
            else:
                return _product(p_sign, [*p_rest, tm.sub(t, s)], node.outputs[0])
    return None


def _has_division(term):
    return any(owner_is(f, scalar.true_div) for f in _mul_factors([term])[1])


def _product(sign, factors, out):
    """``sign * prod(factors)`` as a replacement for ``out`` (None if the type differs)."""
    factors = [f for f in factors if const_value(f) != 1] or factors[:1]
    new = factors[0] if len(factors) == 1 else tm.mul(*factors)
    if sign < 0:
        new = tm.neg(new)
    if new.dtype != out.dtype:
        new = tm.cast(new, out.dtype)
    return [new] if same_type(new, out) else None


STABILIZE = (
    log1p_from_log,
    softplus_from_log1p_exp,
    expm1_from_sub,
    log_sigmoid,
    sigmoid_crossentropy_from_softplus,
    log1mexp_from_log,
    logsumexp,
    logsumexp_grad,
    mul_div_cancel,
    div_cancel,
    distribute_to_cancel,
    complementary_difference,
    *_NNET_STABILIZE,
    double_negation,  # -(-nll) from the cross-entropy rewrites
)
