"""The ``canonicalize`` phase: algebraic simplifications to one canonical form.

Sums and products are flattened and put in one form (``add_canonizer``,
``mul_canonizer``: terms cancel, constants merge, signs gather); ``fill``/``alloc``
disappear where broadcasting does their work; shapes are computed from ``infer_shape``
instead of from the values; sums of sums merge; elementwise ops move under shared
dimshuffles; no-op reshapes, rebroadcasts, casts and dimshuffles go.

Every rewrite gives a replacement of exactly the replaced variable's type (dtype and
broadcastable pattern) and the same values, up to float rounding. Like Theano, a
cancellation (``x / x → 1``, ``x - x → 0``, ``(a * b) / b → a``) gives the algebraic
value where the plain formula would give NaN (``x`` 0 or inf), and drops the shape
checks of the cancelled terms. Integer sums and products are only rearranged in ways
that wrap around identically; ``sum(c * x) → c * sum(x)`` is for floats only.
"""

from __future__ import annotations

import numpy as np

from theano import scalar
from theano.graph.basic import Constant, Variable
from theano.graph.rewriting.basic import node_rewriter
from theano.tensor.broadcast import Rebroadcast, SpecifyShape, patternbroadcast
from theano.tensor.elemwise import DimShuffle, Elemwise, Sum
from theano.tensor.math import cast
from theano.tensor.rewriting.basic import const_value, owner_is, same_type, scalar_op_of
from theano.tensor.shape import Alloc, MakeVector, Reshape, Shape, Shape_i, shape_i
from theano.tensor.subtensor import SliceLength, Subtensor
from theano.tensor.type import TensorType
from theano.tensor.var import TensorConstant


def _maybe_constant(var):
    """A cheap test: ``var`` is a constant or a dimshuffled constant."""
    owner = var.owner
    if owner is None:
        return isinstance(var, Constant)
    return isinstance(owner.op, DimShuffle) and isinstance(owner.inputs[0], Constant)


@node_rewriter([Elemwise(scalar.add), Elemwise(scalar.mul)])
def remove_neutral_terms(fgraph, node):
    """``x + 0 → x`` and ``x * 1 → x`` when the type does not change."""
    if not any(_maybe_constant(i) for i in node.inputs):
        return None
    neutral = 0 if node.op.scalar_op == scalar.add else 1
    keep = [i for i in node.inputs if _cached_const(i) != neutral]
    if len(keep) == len(node.inputs) or not keep:
        return None
    out = node.outputs[0]
    new = keep[0] if len(keep) == 1 else node.op(*keep)
    return [new] if same_type(new, out) else None


@node_rewriter([Elemwise(scalar.neg)])
def double_negation(fgraph, node):
    (x,) = node.inputs
    if owner_is(x, scalar.neg):
        return [x.owner.inputs[0]]
    return None


@node_rewriter([Elemwise(scalar.pow)])
def specialize_pow(fgraph, node):
    """``x ** 2 → sqr(x)``, ``x ** 0.5 → sqrt(x)``, ``x ** 1 → x``, ``x ** -1 → inv(x)``."""
    x, y = node.inputs
    p = const_value(y)
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
    if owner_is(x, other):
        inner = x.owner.inputs[0]
        if same_type(inner, node.outputs[0]):
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
        return [base] if same_type(base, node.outputs[0]) else None
    return [DimShuffle(base.broadcastable, composed)(base)]


@node_rewriter([Reshape])
def merge_reshapes(fgraph, node):
    x, shp = node.inputs
    if x.owner is not None and isinstance(x.owner.op, Reshape):
        new = node.op(x.owner.inputs[0], shp)
        return [new] if same_type(new, node.outputs[0]) else None
    return None


@node_rewriter([Elemwise])
def useless_cast(fgraph, node):
    op = scalar_op_of(node)
    if isinstance(op, scalar.Cast) and node.inputs[0].dtype == op.dtype:
        return [node.inputs[0]] if same_type(node.inputs[0], node.outputs[0]) else None
    return None


# ------------------------------------------------------------- constant folding


_FOLDABLE = (Elemwise, DimShuffle, MakeVector, Shape_i, Shape, SliceLength, Subtensor)


def _folded(node):
    """The value of ``node``'s (single) output as a constant when all its inputs are small
    constants, else None."""
    if len(node.outputs) != 1 or not node.inputs or node.op.destroy_map:
        return None
    if not all(isinstance(i, Constant) and i.data.size <= 64 for i in node.inputs):
        return None
    storage = [[None]]
    out = node.outputs[0]
    try:
        with np.errstate(all="ignore"):
            node.op.perform(node, [i.data for i in node.inputs], storage)
        value = out.type.filter(np.asarray(storage[0][0]), allow_downcast=True)
    except Exception:  # noqa: BLE001 (a node that cannot run here stays)
        return None
    return TensorConstant(out.type, value)


@node_rewriter(list(_FOLDABLE))
def fold_constants(fgraph, node):
    """Compute a small node of constants (shape expressions built by the rewrites below)."""
    new = _folded(node)
    return [new] if new is not None else None


# ---------------------------------------------------------------- shared helpers

_mul, _add, _sub, _neg = (Elemwise(scalar.mul), Elemwise(scalar.add), Elemwise(scalar.sub),
                          Elemwise(scalar.neg))  # fmt: skip
_true_div, _second = Elemwise(scalar.true_div), Elemwise(scalar.second)


def _kind(node):
    """The class of ``node``'s scalar op when it is an `Elemwise` (exact, fast), else None."""
    if node is None or type(node.op) is not Elemwise:
        return None
    return type(node.op.scalar_op)


def _n_clients(fgraph, var):
    return len(fgraph.clients.get(var, ()))


def _const_leaf(var):
    """The value of an all-broadcastable constant (a scalar, maybe dimshuffled), else None."""
    if not _maybe_constant(var) or not all(var.type.broadcastable):
        return None
    return _cached_const(var)


def _split_constants(up, down):
    """``([(value, is_up), ...], up variables, down variables)``: constants set apart."""
    consts, up_vars, down_vars = [], [], []
    for terms, is_up, out in ((up, True, up_vars), (down, False, down_vars)):
        for v in terms:
            value = _const_leaf(v)
            if value is None:
                out.append(v)
            else:
                consts.append((value, is_up))
    return consts, up_vars, down_vars


def _cached_const(var):
    """`const_value`, remembered on the variable (it is asked of every term, often)."""
    if not _maybe_constant(var):
        return None
    cached = getattr(var.tag, "_canonical_const", _UNKNOWN)
    if cached is _UNKNOWN:
        cached = const_value(var)
        var.tag._canonical_const = cached
    return cached


_UNKNOWN = object()


def _constant(value, dtype):
    with np.errstate(all="ignore"):
        data = np.asarray(value).astype(dtype)
    return TensorConstant(TensorType(dtype, ()), data)


def _in_dtype(var, dtype):
    """``var`` cast to ``dtype`` (a constant is converted, not given a `Cast` node)."""
    if var.dtype == dtype:
        return var
    if isinstance(var, Constant):
        with np.errstate(all="ignore"):
            return TensorConstant(TensorType(dtype, var.broadcastable), var.data.astype(dtype))
    return cast(var, dtype)


def _same_list(a, b):
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


def _fit(new, out, refs=()):
    """``new`` given ``out``'s exact type: cast, left-padded, filled to the shape of ``refs``.

    ``refs`` are variables of ``out``'s rank whose shapes ``new`` no longer carries (the
    terms a rewrite removed); the first that covers each missing dimension fills it.
    Returns None when the type cannot be matched.
    """
    new = _in_dtype(new, out.dtype)
    if new.ndim < out.ndim:
        pad = ["x"] * (out.ndim - new.ndim) + list(range(new.ndim))
        new = DimShuffle(new.broadcastable, pad)(new)
    if new.ndim != out.ndim:
        return None
    for ref in refs:
        if new.broadcastable == out.broadcastable:
            break
        if ref.ndim == out.ndim and any(nb and not rb and not ob for nb, rb, ob in zip(
                new.broadcastable, ref.broadcastable, out.broadcastable)):  # fmt: skip
            new = _second(ref, new)
    return new if new.type == out.type else None


def _arith_dtype(dtype):
    return dtype != "bool"


# ------------------------------------------------------------- mul / div canonizer


def _factors(fgraph, node):
    """Flatten a product: ``(numerator leaves, denominator leaves, negated)``.

    Nested ``mul``/``true_div``/``inv`` of the same dtype used only here are opened, and
    ``neg`` anywhere (its sign moves to the front).
    """
    dtype = node.outputs[0].dtype
    op = node.op.scalar_op
    if op == scalar.mul:
        stack = [(v, True) for v in reversed(node.inputs)]
    else:
        stack = [(node.inputs[1], False), (node.inputs[0], True)]
    num, den, negate = [], [], False
    while stack:
        v, up = stack.pop()
        owner = v.owner
        kind = _kind(owner)
        if kind is not None and v.type.dtype == dtype and not owner.op.inplace_pattern:
            if kind is scalar.Neg:
                negate = not negate
                stack.append((owner.inputs[0], up))
                continue
            if _n_clients(fgraph, v) == 1:
                if kind is scalar.Mul:
                    stack.extend((i, up) for i in reversed(owner.inputs))
                    continue
                if kind is scalar.TrueDiv:
                    stack.append((owner.inputs[1], not up))
                    stack.append((owner.inputs[0], up))
                    continue
                if kind is scalar.Inv:
                    stack.append((owner.inputs[0], not up))
                    continue
        (num if up else den).append(v)
    return num, den, negate


def _is_flat(var, kind, c, items):
    """Whether ``var`` already is the ``kind`` node (``scalar.Mul``, ``scalar.Add``) of
    ``c`` and ``items`` in any order, or the single one of them (never when there is none)."""
    n = len(items) + (c is not None)
    if n == 1:
        return var is items[0] if items else _const_leaf(var) == c
    node = var.owner
    if n == 0 or _kind(node) is not kind or len(node.inputs) != n:
        return False
    ins = list(node.inputs)
    if c is not None:
        consts = [i for i in ins if _const_leaf(i) is not None]
        if len(consts) != 1 or _const_leaf(consts[0]) != c:
            return False
        ins.remove(consts[0])
    return _same_list(ins, items)


def _cancel(ups, downs):
    """Remove each variable found in both ``ups`` and ``downs`` (once per pair, in place);
    return the removed ones. Possible constants never cancel (NaN - NaN is not 0)."""
    removed = []
    for d in [v for v in downs if not _maybe_constant(v)]:
        for i, u in enumerate(ups):
            if u is d:
                del ups[i]
                downs.remove(d)
                removed.append(d)
                break
    return removed


def _is_product(var, c, factors):
    """Whether ``var`` already is ``mul(c, *factors)`` (``c`` None: no constant)."""
    if c is None and not factors:
        return _const_leaf(var) == 1
    return _is_flat(var, scalar.Mul, c, factors)


@node_rewriter([Elemwise(scalar.mul), Elemwise(scalar.true_div)])
def mul_canonizer(fgraph, node):
    """Products and quotients in one canonical form ``neg?(mul(c, *num) / mul(*den))``.

    Nested products and quotients are flattened, a variable in both the numerator and
    the denominator cancels (``(a * b) / b → a``, ``x / x → ones_like(x)``; like Theano,
    this gives 1 where ``x`` is 0 or inf, where the plain formula gives NaN), constant
    factors merge into one (dropped when 1), and signs of ``neg`` factors are gathered.
    """
    out = node.outputs[0]
    dtype = out.dtype
    if not _arith_dtype(dtype):
        return None
    num, den, negate = _factors(fgraph, node)
    consts, num_vars, den_vars = _split_constants(num, den)
    removed = _cancel(num_vars, den_vars)
    c = None
    if len(consts) == 1 and consts[0][1] and not negate:
        c = consts[0][0].item()  # the common case, without NumPy arithmetic
        if c == 1 and (num_vars or den_vars):
            c = None
        elif c == -1 and num_vars:
            c, negate = None, True
    elif consts:
        with np.errstate(all="ignore"):
            c = np.asarray(1, dtype=dtype)
            for v, up in consts:
                value = np.asarray(v).astype(dtype)
                c = np.asarray(c * value if up else c / value, dtype=dtype)
            if negate:
                c, negate = np.asarray(-c, dtype=dtype), False
        c = c.item()
        if c == 1 and (num_vars or den_vars):
            c = None
        elif c == -1 and num_vars:
            c, negate = None, True
    # Nothing to do when the node already has that form.
    if not negate and not removed:
        if not den_vars and _is_product(out, c, num_vars):
            return None
        if (den_vars and node.op.scalar_op == scalar.true_div
                and _is_product(node.inputs[0], c, num_vars)
                and _is_product(node.inputs[1], None, den_vars)):  # fmt: skip
            return None
    numer = ([_constant(c, dtype)] if c is not None else []) + [_in_dtype(v, dtype)
                                                                 for v in num_vars]  # fmt: skip
    if not numer:
        numer = [_constant(1, dtype)]
    new = _mul(*numer) if len(numer) > 1 else numer[0]
    if den_vars:
        denom = [_in_dtype(v, dtype) for v in den_vars]
        new = _true_div(new, _mul(*denom) if len(denom) > 1 else denom[0])
    if negate:
        new = _neg(new)
    new = _fit(new, out, removed)
    return [new] if new is not None else None


# ------------------------------------------------------------- add / sub canonizer


def _terms(fgraph, node):
    """Flatten a sum: ``(added leaves, subtracted leaves)``.

    Nested ``add``/``sub`` of the same dtype used only here are opened, and ``neg``
    anywhere (``a + neg(b) → a - b``, ``a - neg(b) → a + b``).
    """
    dtype = node.outputs[0].dtype
    if node.op.scalar_op == scalar.add:
        stack = [(v, True) for v in reversed(node.inputs)]
    else:
        stack = [(node.inputs[1], False), (node.inputs[0], True)]
    pos, negs = [], []
    while stack:
        v, up = stack.pop()
        owner = v.owner
        kind = _kind(owner)
        if kind is not None and v.type.dtype == dtype and not owner.op.inplace_pattern:
            if kind is scalar.Neg:
                stack.append((owner.inputs[0], not up))
                continue
            if _n_clients(fgraph, v) == 1:
                if kind is scalar.Add:
                    stack.extend((i, up) for i in reversed(owner.inputs))
                    continue
                if kind is scalar.Sub:
                    stack.append((owner.inputs[1], not up))
                    stack.append((owner.inputs[0], up))
                    continue
        (pos if up else negs).append(v)
    return pos, negs


def _is_sum(var, c, terms):
    """Whether ``var`` already is ``add(c, *terms)`` (``c`` None: no constant)."""
    return _is_flat(var, scalar.Add, c, terms)


@node_rewriter([Elemwise(scalar.add), Elemwise(scalar.sub)])
def add_canonizer(fgraph, node):
    """Sums and differences in one canonical form ``add(c, *pos) - add(*neg)``.

    Nested sums are flattened, ``x`` cancels against ``-x`` (``x - x → zeros_like(x)``),
    constant terms merge into one (dropped when 0), and ``neg`` terms become subtraction.
    """
    out = node.outputs[0]
    dtype = out.dtype
    if not _arith_dtype(dtype):
        return None
    pos, negs = _terms(fgraph, node)
    consts, pos_vars, neg_vars = _split_constants(pos, negs)
    removed = _cancel(pos_vars, neg_vars)
    # Constants merge into one term; it stays subtracted when all were (``exp(x) - 1``
    # keeps its form for the stabilize phase).
    c = None
    subtracted = bool(consts) and not any(up for _, up in consts) and bool(pos_vars)
    if len(consts) == 1 and consts[0][1]:
        c = consts[0][0].item()  # the common case, without NumPy arithmetic
        if c == 0 and (pos_vars or neg_vars):
            c = None
    elif consts:
        with np.errstate(all="ignore"):
            c = np.asarray(0, dtype=dtype)
            for v, up in consts:
                value = np.asarray(v).astype(dtype)
                c = np.asarray(c + value if up != subtracted else c - value, dtype=dtype)
        c = c.item()
        if c == 0 and (pos_vars or neg_vars):
            c = None
    c_plus, c_minus = (None, c) if subtracted else (c, None)
    if not removed:
        if not neg_vars and c_minus is None and _is_sum(out, c_plus, pos_vars):
            return None
        if (node.op.scalar_op == scalar.sub and (c_plus is not None or pos_vars)
                and (c_minus is not None or neg_vars)
                and _is_sum(node.inputs[0], c_plus, pos_vars)
                and _is_sum(node.inputs[1], c_minus, neg_vars)):  # fmt: skip
            return None
    plus = ([_constant(c_plus, dtype)] if c_plus is not None else []) + [
        _in_dtype(v, dtype) for v in pos_vars]  # fmt: skip
    minus = [_in_dtype(v, dtype) for v in neg_vars] + (
        [_constant(c_minus, dtype)] if c_minus is not None else [])  # fmt: skip
    total_minus = (_add(*minus) if len(minus) > 1 else minus[0]) if minus else None
    if plus:
        new = _add(*plus) if len(plus) > 1 else plus[0]
        if total_minus is not None:
            new = _sub(new, total_minus)
    elif total_minus is not None:
        new = _neg(total_minus)
    else:
        new = _constant(0, dtype)
    new = _fit(new, out, removed)
    return [new] if new is not None else None


def _same_computation(a, b):
    """True when ``a`` and ``b`` are the same output of equal ops on the same inputs
    (two ``Shape_i{0}(y)`` nodes made by different rewrites)."""
    na, nb = a.owner, b.owner
    return (
        na is not None
        and nb is not None
        and na.op == nb.op
        and na.outputs.index(a) == nb.outputs.index(b)
        and len(na.inputs) == len(nb.inputs)
        and all(x is y for x, y in zip(na.inputs, nb.inputs))
    )


def _is_shape_entry(var):
    """True for a dimension of some array (never negative): ``Shape_i``, ``shape(x)[i]``
    or an integer cast of one."""
    while var.owner is not None and isinstance(getattr(var.owner.op, "scalar_op", None),
                                               scalar.Cast):  # fmt: skip
        if var.dtype not in ("int64", "int32"):
            return False
        var = var.owner.inputs[0]
    node = var.owner
    if node is None:
        return False
    if isinstance(node.op, Shape_i):
        return True
    return (
        isinstance(node.op, Subtensor)
        and node.inputs[0].owner is not None
        and isinstance(node.inputs[0].owner.op, Shape)
        and var.ndim == 0
    )


@node_rewriter([Elemwise(scalar.maximum)])
def nonnegative_shape(fgraph, node):
    """``maximum(n, 0) → n`` for a dimension ``n`` (the length of ``arange(n)``)."""
    if len(node.inputs) != 2:
        return None
    for n, zero in (node.inputs, node.inputs[::-1]):
        if const_value(zero) == 0 and _is_shape_entry(n):
            new = _fit(n, node.outputs[0], [zero])
            return [new] if new is not None else None
    return None


@node_rewriter([Elemwise(scalar.switch)])
def useless_switch(fgraph, node):
    """``switch(c, a, b)`` with a constant ``c``, or with ``a is b``, is the branch taken."""
    cond, a, b = node.inputs
    if a is b or _same_computation(a, b):
        new, refs = a, [cond]
    else:
        value = const_value(cond) if _maybe_constant(cond) else None
        if value is None:
            return None
        new, refs = (a, [cond, b]) if value else (b, [cond, a])
    new = _fit(new, node.outputs[0], refs)
    return [new] if new is not None else None


# ------------------------------------------------------------ fill / alloc removal


def _filled_value(var):
    """For ``second(x, y)`` or ``alloc(y, *shape)``, the value ``y``; else None."""
    node = var.owner
    if node is None:
        return None
    if isinstance(node.op, Elemwise) and node.op.scalar_op == scalar.second:
        return node.inputs[1]
    if isinstance(node.op, Alloc):
        return node.inputs[0]
    return None


@node_rewriter([Elemwise])
def useless_fill(fgraph, node):
    """Drop a ``fill``/``alloc`` input whose broadcasting the elementwise op does anyway.

    ``second(x, y) → y`` when ``y`` has the output's type, and
    ``f(second(x, y), z) → f(y, z)`` when ``z`` gives the output its shape.
    """
    if node.op.inplace_pattern or len(node.outputs) != 1:
        return None
    out = node.outputs[0]
    if node.op.scalar_op == scalar.second and node.inputs[1].type == out.type:
        # second(x, y) raises unless x's lengths are y's: kept where not known to be
        # (a reader of it drops it below, checking x against its other inputs).
        return None if _unchecked_lengths(fgraph, out, [node.inputs[1]]) else [node.inputs[1]]
    values = [_filled_value(v) for v in node.inputs]
    if all(v is None for v in values):
        return None
    inputs = list(node.inputs)
    for i, value in enumerate(values):
        if value is None or value.dtype != inputs[i].dtype or value.ndim > out.ndim:
            continue
        trial = inputs[:i] + [value] + inputs[i + 1 :]
        pad = out.ndim - value.ndim
        value_b = (True,) * pad + value.broadcastable
        # The output's pattern with this input replaced, computed without building nodes.
        bcast = tuple(all(b for b in col) for col in zip(value_b, *(
            t.broadcastable for j, t in enumerate(inputs) if j != i)))  # fmt: skip
        # The fill's lengths must be known to be the others': it raised when they
        # were not (v + alloc(1, n) with n != len(v)), and so must the rewritten node.
        if (bcast == out.broadcastable and not _unchecked_lengths(fgraph, inputs[i], trial)
                and _value_fits(inputs[i], value, trial)):  # fmt: skip
            inputs = trial
    if inputs == list(node.inputs):
        return None
    new = node.op(*inputs)
    return [new] if new.type == out.type else None


def _unchecked_lengths(fgraph, filled, inputs):
    """``{dim: length}`` of ``second(x, y)``'s ``x`` or ``alloc(y, *shape)``'s shape that
    no input left in ``inputs`` is known to have: lengths to check at run time."""
    node = filled.owner
    lengths = {}
    for d, broadcast in enumerate(filled.broadcastable):
        if broadcast:
            continue
        if isinstance(node.op, Alloc):
            length = node.inputs[1 + d]
            source = length.owner
            shaped = None
            if source is not None and isinstance(source.op, Shape_i) and source.op.i == d:
                shaped = source.inputs[0]
        else:
            shaped = node.inputs[0]
            if shaped.ndim != filled.ndim or shaped.broadcastable[d]:
                continue  # x broadcasts there: the length is y's
            length = shape_i(shaped, d)
        if shaped is not None and shaped.ndim == filled.ndim:
            # Only lengths x has without a check (what computes it may not run any
            # more), against all the remaining inputs know (they are computed).
            inherited = _same_length(shaped, d, inherited_only=True)
            if any(_same_length(z, d) & inherited for z in inputs
                   if z.ndim == filled.ndim and not z.broadcastable[d]):  # fmt: skip
                continue
        lengths[d] = length
    return lengths


def _value_fits(filled, value, inputs):
    """True when ``value`` may replace the fill or alloc ``filled`` in an elementwise op:
    an alloc broadcasts a value of length 1 where its type does not say so, which the
    op would refuse; so each such length must be known to be another input's."""
    if not isinstance(filled.owner.op, Alloc):
        return True  # second(x, y) broadcasts y by its type only
    pad = filled.ndim - value.ndim
    for d, broadcast in enumerate(value.broadcastable):
        if broadcast:
            continue
        if value.ndim != filled.ndim:
            return False
        family = _same_length(value, d, inherited_only=True)
        if not any(_same_length(z, d) & family for z in inputs
                   if z is not value and z.ndim == filled.ndim and not z.broadcastable[d + pad]):  # fmt: skip
            return False
    return True


def _same_length(var, d, inherited_only=False, limit=32):
    """Ids of variables known to have ``var``'s length on dimension ``d``: ``var``, and
    through elementwise ops and shape checks, their inputs not broadcast on ``d``
    (which must have the output's length there), up to ``limit`` of them.

    ``inherited_only``: only lengths that hold without any check running (through
    elementwise ops with one such input): the fill a rewrite removes takes the
    checks of the ops computing its shape input with it."""
    seen, todo = set(), [var]
    while todo and len(seen) < limit:
        v = todo.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        owner = v.owner
        if owner is None:
            continue
        if isinstance(owner.op, Elemwise):
            full = [i for i in owner.inputs if i.ndim == v.ndim and not i.broadcastable[d]]
            if not inherited_only or len(full) == 1:
                todo.extend(full)
        elif (isinstance(owner.op, SpecifyShape) and not inherited_only
              and owner.inputs[0].ndim == v.ndim):  # fmt: skip
            todo.append(owner.inputs[0])
    return seen


# ------------------------------------------------------------------- shape rewrites


def _int64_scalar(entry):
    """A shape entry (int or integer scalar variable) as an int64 scalar, else None."""
    if isinstance(entry, int | np.integer) and not isinstance(entry, bool):
        return _constant(int(entry), "int64")
    if not isinstance(entry, Variable) or not isinstance(entry.type, TensorType):
        return None
    if entry.ndim != 0 or entry.dtype not in scalar.DISCRETE_DTYPES or entry.dtype == "bool":
        return None
    return _in_dtype(entry, "int64")


def _uses(expr, forbidden, known):
    """Whether ``expr`` depends on a variable in ``forbidden`` (``known``: graph variables)."""
    stack, seen = [expr], set()
    while stack:
        v = stack.pop()
        if v in forbidden:
            return True
        if v in known or v.owner is None or id(v) in seen:
            continue
        seen.add(id(v))
        stack.extend(v.owner.inputs)
    return False


_MAX_SHAPE_DEPTH = 16


def _inferred_dim(x, i, known, depth=0):
    """``x.shape[i]`` as an int64 scalar that does not compute ``x``, or None.

    The expression comes from ``infer_shape`` of ``x``'s op; the `Shape_i` it holds of
    other intermediate variables are resolved the same way (``depth`` levels at most),
    and its constant parts are folded. ``known`` holds the graph's variables.
    """
    if x.broadcastable[i]:
        return _constant(1, "int64")
    if isinstance(x, Constant):
        return _constant(x.data.shape[i], "int64")
    owner = x.owner
    if owner is None or not hasattr(owner.op, "infer_shape"):
        return None
    if not all(isinstance(v.type, TensorType) for v in owner.inputs):
        return None
    try:
        shapes = [tuple(shape_i(v, d) for d in range(v.ndim)) for v in owner.inputs]
        entry = owner.op.infer_shape(owner, shapes)[owner.outputs.index(x)][i]
    except Exception:  # noqa: BLE001 (an op whose shape cannot be inferred keeps Shape_i)
        return None
    new = _int64_scalar(entry)
    if new is None or _uses(new, set(owner.outputs), known):
        return None
    return _simplified(new, known, depth, {})


def _simplified(var, known, depth, memo):
    """``var`` (a new shape expression) with its `Shape_i` resolved and constants folded."""
    if var in known or var.owner is None:
        return var
    if var in memo:
        return memo[var]
    node = var.owner
    inputs = [_simplified(v, known, depth, memo) for v in node.inputs]
    result = var
    if isinstance(node.op, Shape_i) and depth < _MAX_SHAPE_DEPTH:
        dim = _inferred_dim(inputs[0], node.op.i, known, depth + 1)
        if dim is not None:
            memo[var] = dim
            return dim
    if any(a is not b for a, b in zip(inputs, node.inputs)):
        try:
            rebuilt = node.op.make_node(*inputs).outputs[node.outputs.index(var)]
        except Exception:  # noqa: BLE001 (keep the expression as it was built)
            rebuilt = None
        if rebuilt is not None and rebuilt.type == var.type:
            result = rebuilt
    if result.owner is not None and isinstance(result.owner.op, _FOLDABLE):
        result = _folded(result.owner) or result
    memo[var] = result
    return result


@node_rewriter([Shape_i])
def shape_i_from_infer_shape(fgraph, node):
    """``x.shape[i]`` from ``infer_shape`` of ``x``'s op, so ``x`` need not be computed."""
    new = _inferred_dim(node.inputs[0], node.op.i, fgraph.variables)
    if new is None or new is node.outputs[0]:
        return None
    return [new]


@node_rewriter([Shape])
def shape_of_broadcastable(fgraph, node):
    """``x.shape`` with its broadcastable dimensions as constant 1 entries."""
    (x,) = node.inputs
    if not any(x.broadcastable) and x.ndim:
        return None
    if all(x.broadcastable):
        return [TensorConstant(TensorType("int64", (False,)), np.ones(x.ndim, dtype="int64"))]
    return [MakeVector("int64")(*[shape_i(x, d) for d in range(x.ndim)])]


def _constant_index(node):
    """The constant integer of ``v[i]`` (a Subtensor with one integer entry), else None."""
    if node.op.idx_list != ("i",) or len(node.inputs) != 2:
        return None
    i = node.inputs[1]
    if isinstance(i, Constant) and i.ndim == 0 and i.dtype in scalar.DISCRETE_DTYPES:
        return int(i.data)
    return None


@node_rewriter([Subtensor])
def shape_entry(fgraph, node):
    """``x.shape[i] → Shape_i(i)(x)``; ``make_vector(a, b, ...)[i] → the i-th element``."""
    v = node.inputs[0]
    if v.owner is None or not isinstance(v.owner.op, Shape | MakeVector):
        return None
    i = _constant_index(node)
    if i is None:
        return None
    out = node.outputs[0]
    if isinstance(v.owner.op, Shape):
        (x,) = v.owner.inputs
        if not -x.ndim <= i < x.ndim:
            return None
        new = shape_i(x, i % x.ndim)
    else:
        n = len(v.owner.inputs)
        if not -n <= i < n:
            return None
        new = v.owner.inputs[i % n]
    return [new] if new.type == out.type else None


def _is_shape_of(shp, x):
    """Whether the vector ``shp`` is ``x.shape`` (as `Shape` or a vector of its entries)."""
    node = shp.owner
    if node is None:
        return False
    if isinstance(node.op, Shape):
        return node.inputs[0] is x
    if not isinstance(node.op, MakeVector) or len(node.inputs) != x.ndim:
        return False
    for d, s in enumerate(node.inputs):
        if s.owner is not None and isinstance(s.owner.op, Shape_i):
            if s.owner.op.i != d or s.owner.inputs[0] is not x:
                return False
        elif not (x.broadcastable[d] and const_value(s) == 1):
            return False
    return True


@node_rewriter([Reshape])
def useless_reshape(fgraph, node):
    """``reshape(x, x.shape) → x``; a vector reshaped to ``(-1,)`` is itself."""
    x, shp = node.inputs
    out = node.outputs[0]
    if node.op.ndim != x.ndim:
        return None
    same = _is_shape_of(shp, x) or (
        x.ndim == 1 and isinstance(shp, Constant) and list(shp.data) == [-1]
    )
    if not same:
        return None
    return [patternbroadcast(x, out.broadcastable)]


@node_rewriter([Rebroadcast])
def useless_rebroadcast(fgraph, node):
    """A `Rebroadcast` that changes nothing disappears; two in a row become one."""
    (x,) = node.inputs
    out = node.outputs[0]
    if x.type == out.type:
        return [x]
    inner = x.owner
    if inner is not None and isinstance(inner.op, Rebroadcast):
        base = inner.inputs[0]
        return [patternbroadcast(base, out.broadcastable)]
    return None


@node_rewriter([Subtensor])
def subtensor_of_alloc(fgraph, node):
    """``alloc(v, *shape)[idx] → alloc(v', *smaller shape)`` where ``v`` is broadcast along
    every indexed dimension (like Theano, an out-of-range index is then not an error)."""
    x = node.inputs[0]
    alloc_node = x.owner
    if alloc_node is None or not isinstance(alloc_node.op, Alloc):
        return None
    value, *dims = alloc_node.inputs
    entries = node.op.idx_list
    pad = x.ndim - value.ndim
    value_b = (True,) * pad + value.broadcastable
    for d, e in enumerate(entries):
        if (e == "i" or any(e[1:])) and not value_b[d]:
            return None
    out = node.outputs[0]
    try:
        (shape,) = node.op.infer_shape(node, [tuple(dims)])
    except Exception:  # noqa: BLE001
        return None
    kept = [d for d in range(x.ndim) if d >= len(entries) or entries[d] != "i"]
    full = value if not pad else DimShuffle(value.broadcastable, ["x"] * pad + list(
        range(value.ndim)))(value)  # fmt: skip
    small = DimShuffle(full.broadcastable, kept)(full) if len(kept) < x.ndim else full
    sizes = [_int64_scalar(s) for s in shape]
    if any(s is None for s in sizes):
        return None
    new = patternbroadcast(alloc_node.op(small, *sizes), out.broadcastable)
    return [new] if new.type == out.type else None


# ---------------------------------------------------------------------- reductions


def _plain_sum(node):
    return type(node.op) is Sum and node.op.keepdims_pattern is None


@node_rewriter([Sum])
def sum_of_sum(fgraph, node):
    """``sum(sum(x, a1), a2) → sum(x, a1 ∪ a2)``."""
    if not _plain_sum(node):
        return None
    (y,) = node.inputs
    inner = y.owner
    if inner is None or not isinstance(inner.op, Sum) or not _plain_sum(inner):
        return None
    if _n_clients(fgraph, y) != 1:
        return None
    (x,) = inner.inputs
    inner_axes = inner.op._axes(x.ndim)
    kept = [d for d in range(x.ndim) if d not in inner_axes]
    axes = tuple(sorted(set(inner_axes) | {kept[a] for a in node.op._axes(y.ndim)}))
    new = Sum(axis=axes, dtype=node.op.dtype)(x)
    out = node.outputs[0]
    return [new] if new.type == out.type else None


@node_rewriter([Sum])
def sum_of_broadcastable(fgraph, node):
    """A sum over broadcastable (length-1) dimensions drops them with a dimshuffle."""
    if not _plain_sum(node):
        return None
    (x,) = node.inputs
    axes = node.op._axes(x.ndim)
    dropped = [a for a in axes if x.broadcastable[a]]
    if not dropped:
        return None
    kept = [d for d in range(x.ndim) if d not in dropped]
    y = DimShuffle(x.broadcastable, kept)(x)
    rest = tuple(kept.index(a) for a in axes if a not in dropped)
    out = node.outputs[0]
    if rest:
        new = Sum(axis=rest, acc_dtype=node.op.acc_dtype, dtype=node.op.dtype)(y)
    else:
        new = y
    new = _fit(new, out)
    return [new] if new is not None else None


@node_rewriter([Sum])
def sum_of_scaled(fgraph, node):
    """``sum(c * x) → c * sum(x)`` for a finite scalar constant ``c``, and
    ``sum(-x) → -sum(x)`` (floats only)."""
    if type(node.op) is not Sum:
        return None
    (y,) = node.inputs
    out = node.outputs[0]
    mul = y.owner
    if out.dtype not in scalar.CONTINUOUS_DTYPES or y.dtype not in scalar.CONTINUOUS_DTYPES:
        return None
    if mul is not None and scalar_op_of(mul) == scalar.neg and _n_clients(fgraph, y) == 1:
        # Exact: rounding is symmetric in sign (not for ints, whose negation can wrap).
        new = _neg(node.op(mul.inputs[0]))
        return [new] if new.type == out.type else None
    if mul is None or scalar_op_of(mul) != scalar.mul or _n_clients(fgraph, y) != 1:
        return None
    consts = [i for i, v in enumerate(mul.inputs) if _const_leaf(v) is not None]
    if len(consts) != 1 or len(mul.inputs) < 2:
        return None
    c = _const_leaf(mul.inputs[consts[0]])
    if not np.isfinite(c):
        return None
    rest = [v for i, v in enumerate(mul.inputs) if i != consts[0]]
    base = _fit(_mul(*rest) if len(rest) > 1 else rest[0], y)
    if base is None:
        return None
    new = _mul(_constant(c, out.dtype), node.op(base))
    return [new] if new.type == out.type else None


# ------------------------------------------------------------ elemwise and dimshuffle


@node_rewriter([Elemwise])
def elemwise_of_dimshuffles(fgraph, node):
    """``f(x.dimshuffle(o), y.dimshuffle(o)) → f(x, y).dimshuffle(o)``.

    The shared order ``o`` may transpose and add broadcastable dimensions (not drop
    any); scalars (and constants with one element) broadcast to the output may join.
    """
    if node.op.inplace_pattern or len(node.outputs) != 1:
        return None
    order = None
    inner = []
    for v in node.inputs:
        owner = v.owner
        if isinstance(v, Constant) and all(v.broadcastable):
            inner.append(TensorConstant(TensorType(v.dtype, ()), v.data.reshape(())))
            continue
        if owner is None or not isinstance(owner.op, DimShuffle):
            return None
        base = owner.inputs[0]
        if base.ndim == 0:
            inner.append(base)
            continue
        o = owner.op.new_order
        if order is None:
            order = o
            ndim = base.ndim
        elif o != order or base.ndim != ndim:
            return None
        inner.append(base)
    if order is None:
        return None
    if sorted(d for d in order if d != "x") != list(range(ndim)):
        return None
    out = node.outputs[0]
    inner_out = node.op(*inner)
    new = DimShuffle(inner_out.broadcastable, order)(inner_out)
    return [new] if new.type == out.type else None


CANONICALIZE = (
    fold_constants,
    remove_neutral_terms,
    double_negation,
    specialize_pow,
    exp_log_inverse,
    merge_dimshuffles,
    merge_reshapes,
    useless_cast,
    mul_canonizer,
    add_canonizer,
    useless_fill,
    useless_switch,
    nonnegative_shape,
    shape_i_from_infer_shape,
    shape_of_broadcastable,
    shape_entry,
    useless_reshape,
    useless_rebroadcast,
    subtensor_of_alloc,
    sum_of_sum,
    sum_of_broadcastable,
    sum_of_scaled,
    elemwise_of_dimshuffles,
)
