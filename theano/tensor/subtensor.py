"""Indexing: basic (`Subtensor`), advanced (`AdvancedSubtensor1`, `AdvancedSubtensor`), their
set/increment counterparts, and the index utilities `take`, `nonzero`, `flatnonzero` and
`nonzero_values`.

Results follow NumPy: ``x[idx]`` compiled gives ``numpy_x[idx]`` for integers, slices,
``None``, ``...``, integer arrays (broadcast together, placed by NumPy's rule) and boolean
masks. ``inc_subtensor`` accumulates repeated indices (like ``np.add.at``).
"""

from __future__ import annotations

import numpy as np

from theano import scalar
from theano.configdefaults import config
from theano.graph.basic import Apply, Constant, Variable
from theano.graph.null_type import DisconnectedType
from theano.graph.op import Op
from theano.tensor.basic import as_tensor_variable, constant
from theano.tensor.type import TensorType

__all__ = [
    "AdvancedIncSubtensor", "AdvancedIncSubtensor1", "AdvancedSubtensor", "AdvancedSubtensor1",
    "IncSubtensor", "Nonzero", "Subtensor", "advanced_inc_subtensor", "advanced_inc_subtensor1",
    "advanced_set_subtensor", "advanced_set_subtensor1", "advanced_subtensor",
    "advanced_subtensor1", "flatnonzero", "inc_subtensor", "nonzero", "nonzero_values",
    "set_subtensor", "take",
]  # fmt: skip

_INT_DTYPES = tuple(scalar.INT_DTYPES) + tuple(scalar.UINT_DTYPES)

# An index entry describes one position of an index tuple and the inputs it takes:
#   "i"                 an integer scalar (next input)
#   ("s", f, f, f)      a slice; each flag is True when start/stop/step is the next input
#   "a"                 an integer array (advanced indexing only)
#   "b"                 a boolean mask (advanced indexing only); it spans mask.ndim dims
#   "e"                 an ``...`` that spans no dimension (advanced indexing only: it still
#                       separates advanced indices for NumPy's placement rule)


def _entry_inputs(entry):
    """How many index inputs ``entry`` takes."""
    if entry == "e":
        return 0
    return sum(entry[1:]) if isinstance(entry, tuple) else 1


def _index_source(entries, names, as_tuple=False):
    """The source of an index tuple, using ``names`` for the index inputs in order.

    ``as_tuple`` writes slices as ``slice(a, b, c)`` so that the text is an expression.
    """
    names = iter(names)
    parts = []
    for e in entries:
        if e == "e":
            parts.append("...")
            continue
        if not isinstance(e, tuple):
            parts.append(next(names))
            continue
        bounds = [next(names) if flag else "None" for flag in e[1:]]
        if as_tuple:
            parts.append(f"slice({', '.join(bounds)})")
        else:
            bounds = ["" if b == "None" else b for b in bounds]
            parts.append(":".join(bounds[:2]) + (f":{bounds[2]}" if e[3] else ""))
    return ", ".join(parts) + ("," if len(parts) == 1 else "")


def _index_values(entries, values):
    """The NumPy index tuple for ``entries`` with the index input ``values``."""
    values = iter(values)
    out = []
    for e in entries:
        if e == "i":
            out.append(int(next(values)))
        elif isinstance(e, tuple):
            out.append(slice(*(int(next(values)) if f else None for f in e[1:])))
        elif e == "e":
            out.append(Ellipsis)
        else:
            out.append(next(values))
    return tuple(out)


def _literal_names(node, inames, first):
    """Index names, with constant integer scalars written as literals."""
    out = []
    for var, name in zip(node.inputs[first:], inames[first:]):
        scalar_const = isinstance(var, Constant) and var.ndim == 0
        out.append(repr(int(var.data)) if scalar_const else name)
    return out


def _normalize_entries(idx_list):
    return tuple(e if e in ("i", "a", "b", "e") or isinstance(e, tuple) else _slice_entry(e)
                 for e in idx_list)  # fmt: skip


def _slice_entry(s):
    if isinstance(s, slice):
        return ("s", s.start is not None, s.stop is not None, s.step is not None)
    raise TypeError(f"bad index entry {s!r}")


def _out_broadcastable(entries, x):
    bcast = []
    for d, b in enumerate(x.broadcastable):
        if d < len(entries):
            e = entries[d]
            if e == "i":
                continue
            bcast.append(b and not any(e[1:]))
        else:
            bcast.append(b)
    return bcast


def _zeros_grad(x):
    """The gradient of an integer input: float zeros of its shape."""
    from theano.tensor.math import zeros_like

    return zeros_like(x, dtype=config.floatX)


def _sum_to(g, like):
    """``g`` summed over the leading and broadcast dimensions it has beyond ``like``."""
    from theano.tensor.broadcast import patternbroadcast
    from theano.tensor.math import cast, sum

    if g.ndim > like.ndim:
        g = sum(g, axis=tuple(range(g.ndim - like.ndim)))
    axes = tuple(d for d in range(like.ndim) if like.broadcastable[d] and not g.broadcastable[d])
    if axes:
        g = sum(g, axis=axes, keepdims=True)
    if g.broadcastable != like.broadcastable:
        g = patternbroadcast(g, like.broadcastable)
    if like.dtype in scalar.DISCRETE_DTYPES:
        return _zeros_grad(like)
    return cast(g, like.dtype) if g.dtype != like.dtype else g


# ------------------------------------------------------------------------- Subtensor


class _IndexingOp(Op):
    """What reading ``x[idx]`` ops share: ``x`` is the only input a gradient flows to, and the
    gradient is the matching increment op (``_inc_op``) applied to zeros."""

    __props__ = ("idx_list",)

    def __init__(self, idx_list):
        self.idx_list = _normalize_entries(idx_list)

    def _inc_op(self):
        """The op that adds a value into ``x[idx]`` for this op's index."""
        raise NotImplementedError(f"{type(self).__name__}._inc_op")

    def py_code(self, node, inames, onames, ctx):
        idx = _index_source(self.idx_list, _literal_names(node, inames, 1))
        return f"{onames[0]} = {inames[0]}[{idx}]"

    def perform(self, node, inputs, output_storage):
        x, *idx = inputs
        output_storage[0][0] = np.asarray(x[_index_values(self.idx_list, idx)])

    def connection_pattern(self, node):
        return [[True]] + [[False]] * (len(node.inputs) - 1)

    def L_op(self, inputs, outputs, gz):
        from theano.tensor.math import zeros_like

        x, *idx = inputs
        if x.dtype in scalar.DISCRETE_DTYPES:
            return [_zeros_grad(x)] + [DisconnectedType()() for _ in idx]
        gx = self._inc_op()(zeros_like(x), gz[0], *idx)
        return [gx] + [DisconnectedType()() for _ in idx]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0], *inputs[1:])]


class Subtensor(_IndexingOp):
    """``x[idx]`` with integers and slices (a view of ``x``)."""

    view_map = {0: [0]}

    def __str__(self):
        parts = []
        for e in self.idx_list:
            if e == "i":
                parts.append("int64")
            else:
                parts.append(":".join("int64" if f else "" for f in e[1:3]) +
                             (":int64" if e[3] else ""))  # fmt: skip
        return f"Subtensor{{{', '.join(parts)}}}"

    def make_node(self, x, *index_inputs):
        x = as_tensor_variable(x)
        if len(self.idx_list) > x.ndim:
            raise IndexError(f"too many indices ({len(self.idx_list)}) for {x} of type {x.type}")
        index_inputs = [as_tensor_variable(i) for i in index_inputs]
        bcast = _out_broadcastable(self.idx_list, x)
        return Apply(self, [x, *index_inputs], [TensorType(x.dtype, bcast)()])

    def infer_shape(self, node, shapes):
        xshape = shapes[0]
        names = iter(node.inputs[1:])
        out = []
        for d, n in enumerate(xshape):
            e = self.idx_list[d] if d < len(self.idx_list) else ("s", False, False, False)
            if e == "i":
                next(names)
                continue
            start, stop, step = (next(names) if f else None for f in e[1:])
            if start is None and stop is None and step is None:
                out.append(n)
                continue
            out.append(_slice_length(n, start, stop, step))
        return [tuple(out)]

    def _inc_op(self):
        return IncSubtensor(self.idx_list)


def _slice_length(n, start, stop, step):
    """Symbolic length of ``range(n)[start:stop:step]``, computed at run time."""
    return SliceLength()(n, *(v if v is not None else constant(np.int64(-(2**62))) for v in
                              (start, stop, step)))  # fmt: skip


class SliceLength(Op):
    """``len(range(n)[start:stop:step])``; an input of -2**62 stands for an omitted bound."""

    __props__ = ()

    def make_node(self, n, start, stop, step):
        inputs = [as_tensor_variable(v) for v in (n, start, stop, step)]
        return Apply(self, inputs, [TensorType("int64", ())()])

    def perform(self, node, inputs, output_storage):
        n, *bounds = (int(v) for v in inputs)
        start, stop, step = (None if b == -(2**62) else b for b in bounds)
        output_storage[0][0] = np.asarray(len(range(n)[start:stop:step]), dtype="int64")

    def infer_shape(self, node, shapes):
        return [()]


def _check_inc_ndim(sub_ndim, y, x=None):
    if y.ndim > sub_ndim:
        raise TypeError(f"Trying to increment a {sub_ndim}-dimensional subtensor with a "
                        f"{y.ndim}-dimensional value ({y.type})")  # fmt: skip
    if x is not None and not np.can_cast(y.dtype, x.dtype, "same_kind"):
        raise TypeError(f"cannot write values of {y.type} into {x.type}: {y.dtype} does not "
                        f"convert to {x.dtype}; cast y first")  # fmt: skip


def _inc_str(op):
    return (
        f"{'inplace' if op.inplace else 'no_inplace'},{'set' if op.set_instead_of_inc else 'inc'}"
    )


class _IncIndexingOp(Op):
    """What the ops writing ``y`` into (a copy of) ``x[idx]`` share: the shape of ``x``, and
    gradients through ``read_op`` (the op reading ``x[idx]`` for the same index) and this
    op's own class with ``set_instead_of_inc=True``."""

    read_op: type

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def connection_pattern(self, node):
        return [[True], [True]] + [[False]] * (len(node.inputs) - 2)

    def L_op(self, inputs, outputs, gz):
        x, y, *idx = inputs
        g = gz[0]
        set_op = type(self)(self.idx_list, set_instead_of_inc=True)
        gx = _inc_grad_x(self.set_instead_of_inc, x, y, g, lambda a, b: set_op(a, b, *idx))
        gy = _sum_to(self.read_op(self.idx_list)(g, *idx), y)
        return [gx, gy] + [DisconnectedType()() for _ in idx]

    def R_op(self, inputs, eval_points):
        return _inc_r_op(self, inputs, eval_points)


class IncSubtensor(_IncIndexingOp):
    """A copy of ``x`` with ``y`` added to (or, with ``set_instead_of_inc``, written into)
    ``x[idx]``."""

    __props__ = ("idx_list", "set_instead_of_inc", "inplace")
    read_op = Subtensor

    def __init__(self, idx_list, set_instead_of_inc=False, inplace=False):
        self.idx_list = _normalize_entries(idx_list)
        self.set_instead_of_inc = set_instead_of_inc
        self.inplace = inplace
        self.destroy_map = {0: [0]} if inplace else {}

    def __str__(self):
        kind = "SetSubtensor" if self.set_instead_of_inc else "IncSubtensor"
        return f"{kind}{{{'inplace' if self.inplace else 'no_inplace'}}}"

    def inplace_version(self):
        """This op, writing into its first input (for the inplace rewrite phase)."""
        return IncSubtensor(self.idx_list, self.set_instead_of_inc, inplace=True)

    def make_node(self, x, y, *index_inputs):
        x, y = as_tensor_variable(x), as_tensor_variable(y)
        _check_inc_ndim(x.ndim - sum(e == "i" for e in self.idx_list), y, x)
        index_inputs = [as_tensor_variable(i) for i in index_inputs]
        return Apply(self, [x, y, *index_inputs], [x.type()])

    def py_code(self, node, inames, onames, ctx):
        idx = _index_source(self.idx_list, _literal_names(node, inames, 2))
        op = "=" if self.set_instead_of_inc else "+="
        first = f"{onames[0]} = {inames[0]}" if self.inplace else \
            f"{onames[0]} = {inames[0]}.copy()"  # fmt: skip
        return f"{first}\n{onames[0]}[{idx}] {op} {inames[1]}"

    def perform(self, node, inputs, output_storage):
        x, y, *idx = inputs
        out = x if self.inplace else x.copy()
        index = _index_values(self.idx_list, idx)
        if self.set_instead_of_inc:
            out[index] = y
        else:
            out[index] += y
        output_storage[0][0] = out


def _inc_grad_x(set_, x, y, g, set_op):
    """The gradient of an increment/set w.r.t. ``x``: ``g``, with zeros where ``y`` was written."""
    from theano.tensor.math import cast, zeros_like

    if x.dtype in scalar.DISCRETE_DTYPES:
        return _zeros_grad(x)
    if set_:
        g = set_op(g, zeros_like(y, dtype=g.dtype))
    return cast(g, x.dtype) if g.dtype != x.dtype else g


def _inc_r_op(op, inputs, eval_points):
    from theano.tensor.math import zeros_like

    x, y, *idx = inputs
    ex, ey = eval_points[:2]
    if ex is None and ey is None:
        return [None]
    return [op(ex if ex is not None else zeros_like(x),
               ey if ey is not None else zeros_like(y), *idx)]  # fmt: skip


# ---------------------------------------------------------------- AdvancedSubtensor1


def _check_int_vector(ilist, op_name):
    if ilist.ndim != 1 or ilist.dtype not in _INT_DTYPES:
        raise TypeError(f"{op_name}: the index must be an integer vector, got {ilist} of type "
                        f"{ilist.type}")  # fmt: skip


class AdvancedSubtensor1(Op):
    """``x[ilist]`` for an integer vector ``ilist`` (rows of ``x``, a copy)."""

    __props__ = ()

    def make_node(self, x, ilist):
        x, ilist = as_tensor_variable(x), as_tensor_variable(ilist)
        if x.ndim == 0:
            raise TypeError(f"AdvancedSubtensor1: cannot index the 0-d tensor {x}")
        _check_int_vector(ilist, "AdvancedSubtensor1")
        bcast = (ilist.broadcastable[0], *x.broadcastable[1:])
        return Apply(self, [x, ilist], [TensorType(x.dtype, bcast)()])

    def py_code(self, node, inames, onames, ctx):
        return f"{onames[0]} = {inames[0]}[{inames[1]}]"

    def perform(self, node, inputs, output_storage):
        x, ilist = inputs
        output_storage[0][0] = x[ilist]

    def infer_shape(self, node, shapes):
        return [(shapes[1][0], *shapes[0][1:])]

    def connection_pattern(self, node):
        return [[True], [False]]

    def L_op(self, inputs, outputs, gz):
        from theano.tensor.math import zeros_like

        x, ilist = inputs
        if x.dtype in scalar.DISCRETE_DTYPES:
            return [_zeros_grad(x), DisconnectedType()()]
        return [AdvancedIncSubtensor1()(zeros_like(x), gz[0], ilist), DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0], inputs[1])]


class AdvancedIncSubtensor1(Op):
    """A copy of ``x`` with ``y`` added to (or written into) ``x[ilist]``; repeated indices
    accumulate."""

    __props__ = ("inplace", "set_instead_of_inc")

    def __init__(self, inplace=False, set_instead_of_inc=False):
        self.inplace = bool(inplace)
        self.set_instead_of_inc = bool(set_instead_of_inc)
        self.destroy_map = {0: [0]} if inplace else {}

    def __str__(self):
        return f"AdvancedIncSubtensor1{{{_inc_str(self)}}}"

    def inplace_version(self):
        """This op, writing into its first input (for the inplace rewrite phase)."""
        return AdvancedIncSubtensor1(inplace=True, set_instead_of_inc=self.set_instead_of_inc)

    def make_node(self, x, y, ilist):
        x, y, ilist = (as_tensor_variable(v) for v in (x, y, ilist))
        if x.ndim == 0:
            raise TypeError(f"{self}: cannot index the 0-d tensor {x}")
        _check_int_vector(ilist, str(self))
        _check_inc_ndim(x.ndim, y, x)
        return Apply(self, [x, y, ilist], [x.type()])

    def py_code(self, node, inames, onames, ctx):
        x, y, ilist = inames
        out = onames[0]
        first = f"{out} = {x}" if self.inplace else f"{out} = {x}.copy()"
        if self.set_instead_of_inc:
            return f"{first}\n{out}[{ilist}] = {y}"
        return f"{first}\n{ctx.ref(np.add.at, 'add_at')}({out}, {ilist}, {y})"

    def perform(self, node, inputs, output_storage):
        x, y, ilist = inputs
        out = x if self.inplace else x.copy()
        if self.set_instead_of_inc:
            out[ilist] = y
        else:
            np.add.at(out, ilist, y)
        output_storage[0][0] = out

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def connection_pattern(self, node):
        return [[True], [True], [False]]

    def L_op(self, inputs, outputs, gz):
        x, y, ilist = inputs
        g = gz[0]
        gx = _inc_grad_x(
            self.set_instead_of_inc,
            x,
            y,
            g,
            lambda a, b: AdvancedIncSubtensor1(set_instead_of_inc=True)(a, b, ilist),
        )
        gy = _sum_to(AdvancedSubtensor1()(g, ilist), y)
        return [gx, gy, DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        return _inc_r_op(self, inputs, eval_points)


# ----------------------------------------------------------------- AdvancedSubtensor


def _layout(entries, x_ndim, index_inputs):
    """Where the dimensions of ``x[entries]`` come from, following NumPy's rules.

    Returns ``(dims, advanced)``. ``dims`` lists the output dimensions in order: either
    ``("basic", d, entry, bounds)`` (input dimension ``d`` under a slice; ``bounds`` are the
    slice's inputs or None) or ``("adv", k)`` (the k-th dimension of the broadcast
    advanced indices). ``advanced`` lists the advanced indices as ``(kind, variable)``.
    The advanced dimensions go where the advanced indices stand when these are adjacent,
    else first.
    """
    inputs = iter(index_inputs)
    basic, advanced, adv_pos = [], [], []
    d = 0
    for pos, e in enumerate(entries):
        if isinstance(e, tuple):
            bounds = [next(inputs) if f else None for f in e[1:]]
            basic.append((pos, ("basic", d, e, bounds)))
            d += 1
        elif e == "e":
            continue
        else:
            var = next(inputs)
            kind = "b" if e == "b" else "a"
            advanced.append((kind, var))
            adv_pos.append(pos)
            d += var.ndim if kind == "b" else 1
    if d > x_ndim:
        raise IndexError(f"too many indices for a {x_ndim}-d tensor: the index spans {d}")
    for extra in range(d, x_ndim):
        basic.append((len(entries), ("basic", extra, None, None)))
    adv_ndim = max((1 if kind == "b" else var.ndim for kind, var in advanced), default=0)
    adv_dims = [("adv", k) for k in range(adv_ndim)]
    adjacent = adv_pos and adv_pos[-1] - adv_pos[0] == len(adv_pos) - 1
    if adjacent:
        first = adv_pos[0]
        dims = [t for p, t in basic if p < first] + adv_dims + [t for p, t in basic if p > first]
    else:
        dims = adv_dims + [t for _, t in basic]
    return dims, advanced


def _advanced_aligned(advanced, adv_ndim):
    """For each broadcast advanced dimension, the ``(kind, variable, axis)`` that share it."""
    cols = [[] for _ in range(adv_ndim)]
    for kind, var in advanced:
        nd = 1 if kind == "b" else var.ndim
        for k in range(nd):
            cols[adv_ndim - nd + k].append((kind, var, k))
    return cols


class AdvancedSubtensor(_IndexingOp):
    """``x[idx]`` with integer arrays, boolean masks, integers and slices mixed (a copy).

    The integer arrays broadcast together (a mask counts as the integer arrays of its
    ``nonzero()``); their dimensions are placed by NumPy's rule.
    """

    def __str__(self):
        return "AdvancedSubtensor"

    def make_node(self, x, *index_inputs):
        x = as_tensor_variable(x)
        index_inputs = [as_tensor_variable(i) for i in index_inputs]
        if sum(_entry_inputs(e) for e in self.idx_list) != len(index_inputs):
            raise TypeError(f"{self}: expected {sum(map(_entry_inputs, self.idx_list))} index "
                            f"inputs, got {len(index_inputs)}")  # fmt: skip
        dims, advanced = _layout(self.idx_list, x.ndim, index_inputs)
        cols = _advanced_aligned(advanced, sum(t[0] == "adv" for t in dims))
        bcast = []
        for t in dims:
            if t[0] == "adv":
                bcast.append(all(kind == "a" and var.broadcastable[k]
                                 for kind, var, k in cols[t[1]]))  # fmt: skip
            else:
                _, d, e, _bounds = t
                bcast.append(x.broadcastable[d] and (e is None or not any(e[1:])))
        return Apply(self, [x, *index_inputs], [TensorType(x.dtype, bcast)()])

    def infer_shape(self, node, shapes):
        from theano.tensor.math import cast, eq, switch
        from theano.tensor.math import sum as tsum

        x, *idx = node.inputs
        dims, advanced = _layout(self.idx_list, x.ndim, idx)
        shape_of = {id(v): s for v, s in zip(idx, shapes[1:])}
        cols = _advanced_aligned(advanced, sum(t[0] == "adv" for t in dims))
        out = []
        for t in dims:
            if t[0] == "basic":
                _, d, e, bounds = t
                n = shapes[0][d]
                out.append(n if e is None or not any(e[1:]) else _slice_length(n, *bounds))
                continue
            lengths = []
            for kind, var, k in cols[t[1]]:
                if kind == "b":
                    lengths.append(cast(tsum(var), "int64"))
                elif not var.broadcastable[k]:
                    lengths.append(shape_of[id(var)][k])
            length = lengths[0] if lengths else constant(np.int64(1))
            for other in lengths[1:]:  # NumPy broadcasting: a length 1 takes the other one
                length = switch(eq(length, 1), other, length)
            out.append(length)
        return [tuple(out)]

    def _inc_op(self):
        return AdvancedIncSubtensor(self.idx_list)


class AdvancedIncSubtensor(_IncIndexingOp):
    """A copy of ``x`` with ``y`` added to (or written into) ``x[idx]`` for any advanced
    index; repeated positions accumulate (``np.add.at``)."""

    __props__ = ("idx_list", "inplace", "set_instead_of_inc")
    read_op = AdvancedSubtensor

    def __init__(self, idx_list, inplace=False, set_instead_of_inc=False):
        self.idx_list = _normalize_entries(idx_list)
        self.inplace = bool(inplace)
        self.set_instead_of_inc = bool(set_instead_of_inc)
        self.destroy_map = {0: [0]} if inplace else {}

    def __str__(self):
        return f"AdvancedIncSubtensor{{{_inc_str(self)}}}"

    def inplace_version(self):
        """This op, writing into its first input (for the inplace rewrite phase)."""
        return AdvancedIncSubtensor(self.idx_list, True, self.set_instead_of_inc)

    def make_node(self, x, y, *index_inputs):
        x, y = as_tensor_variable(x), as_tensor_variable(y)
        index_inputs = [as_tensor_variable(i) for i in index_inputs]
        sub = AdvancedSubtensor(self.idx_list).make_node(x, *index_inputs).outputs[0]
        _check_inc_ndim(sub.ndim, y, x)
        return Apply(self, [x, y, *index_inputs], [x.type()])

    def py_code(self, node, inames, onames, ctx):
        x, y, *_ = inames
        out = onames[0]
        first = f"{out} = {x}" if self.inplace else f"{out} = {x}.copy()"
        names = _literal_names(node, inames, 2)
        if self.set_instead_of_inc:
            return f"{first}\n{out}[{_index_source(self.idx_list, names)}] = {y}"
        idx = _index_source(self.idx_list, names, as_tuple=True)
        return f"{first}\n{ctx.ref(np.add.at, 'add_at')}({out}, ({idx}), {y})"

    def perform(self, node, inputs, output_storage):
        x, y, *idx = inputs
        out = x if self.inplace else x.copy()
        index = _index_values(self.idx_list, idx)
        if self.set_instead_of_inc:
            out[index] = y
        else:
            np.add.at(out, index, y)
        output_storage[0][0] = out


advanced_subtensor1 = AdvancedSubtensor1()
advanced_inc_subtensor1 = AdvancedIncSubtensor1()
advanced_set_subtensor1 = AdvancedIncSubtensor1(set_instead_of_inc=True)


def advanced_subtensor(x, *args):
    """``x[args]`` built as an `AdvancedSubtensor` (whatever the index)."""
    x = as_tensor_variable(x)
    entries, inputs = _advanced_entries(_prepare(x, args)[1])
    return AdvancedSubtensor(entries)(x, *inputs)


def advanced_inc_subtensor(x, y, *args):
    """``x`` with ``y`` added at ``x[args]`` (advanced indexing; repeats accumulate)."""
    return inc_subtensor(advanced_subtensor(x, *args), y)


def advanced_set_subtensor(x, y, *args):
    """``x`` with ``y`` written at ``x[args]`` (advanced indexing)."""
    return set_subtensor(advanced_subtensor(x, *args), y)


# --------------------------------------------------------------------- __getitem__


def _as_index_tuple(args):
    """The index as a tuple; a list holding slices (or None, ...) is a tuple, as in old NumPy."""
    if isinstance(args, tuple):
        return args
    if isinstance(args, list) and any(isinstance(a, slice) or a is None or a is Ellipsis
                                      for a in args):  # fmt: skip
        return tuple(args)
    return (args,)


def _index_variable(x, a, pos):
    """Index entry ``a`` (at position ``pos``) as a checked integer or boolean tensor."""
    if isinstance(a, bool | np.bool_):
        raise TypeError(f"indexing {x} with the boolean {a!r} (index {pos}) is not supported; "
                        "use a boolean array or an integer")  # fmt: skip
    if isinstance(a, Variable):
        v = a
    elif isinstance(a, list) and _holds_variable(a):  # x[[i, 0]]: the entries stacked
        from theano.tensor.join import stacklists

        v = stacklists(a)
    else:
        value = np.asarray(a)
        if value.size == 0 and value.dtype.kind == "f":  # x[[]] is an empty integer index
            value = value.astype("int64")
        if isinstance(a, int | np.integer):
            v = constant(int(a)) if isinstance(a, int) else constant(a)
        else:
            try:
                v = constant(value)
            except TypeError as err:
                raise TypeError(
                    f"index {pos} of {x}[...] must be an integer, a slice, None, "
                    f"... or an integer or boolean array, got {a!r}"
                ) from err
    v = as_tensor_variable(v)
    if v.dtype == "bool" and v.ndim == 0:
        raise TypeError(f"indexing {x} with a boolean scalar (index {pos}: {v}) is not "
                        "supported; use a boolean array or an integer")  # fmt: skip
    if v.dtype not in _INT_DTYPES and v.dtype != "bool":
        raise TypeError(f"index {pos} of {x}[...] must be an integer or boolean tensor (or a "
                        f"slice, None or ...), got {v} of type {v.type}")  # fmt: skip
    return v


def _holds_variable(seq):
    return any(isinstance(e, Variable) or (isinstance(e, list) and _holds_variable(e))
               for e in seq)  # fmt: skip


def _prepare(x, args):
    """Check and normalise an index: returns ``(x', entries)``.

    ``None`` entries become new axes of ``x'`` (indexed by full slices), ``...`` is expanded,
    and every entry is a slice or an integer/boolean tensor variable.
    """
    from theano.tensor.elemwise import dimshuffle

    args = _as_index_tuple(args)
    entries = []
    for pos, a in enumerate(args):
        if a is None or a is Ellipsis:
            entries.append(a)
        elif isinstance(a, slice):
            for part, what in zip((a.start, a.stop, a.step), ("start", "stop", "step")):
                if part is not None:
                    _check_scalar_bound(x, part, pos, what)
            entries.append(a)
        else:
            entries.append(_index_variable(x, a, pos))
    if sum(e is Ellipsis for e in entries) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")

    def width(e):
        if e is None or e is Ellipsis:
            return 0
        if isinstance(e, Variable) and e.dtype == "bool":
            return e.ndim
        return 1

    used = sum(width(e) for e in entries)
    if used > x.ndim:
        raise IndexError(f"too many indices ({used}) for {x} of type {x.type}")
    if any(e is Ellipsis for e in entries):
        pos = next(i for i, e in enumerate(entries) if e is Ellipsis)
        # An empty ``...`` stays: it separates advanced indices (NumPy's placement rule).
        entries[pos : pos + 1] = [slice(None)] * (x.ndim - used) or [Ellipsis]
    if any(e is None for e in entries):
        order, d = [], 0
        for e in entries:
            if e is None:
                order.append("x")
            else:
                order.extend(range(d, d + width(e)))
                d += width(e)
        order.extend(range(d, x.ndim))
        x = dimshuffle(x, *order)
        entries = [slice(None) if e is None else e for e in entries]
    return x, entries


def _check_scalar_bound(x, part, pos, what):
    v = as_tensor_variable(part) if not isinstance(part, bool) else None
    if v is None or v.ndim != 0 or v.dtype not in _INT_DTYPES:
        raise TypeError(f"the slice {what} at index {pos} of {x}[...] must be an integer "
                        f"scalar, got {part!r}")  # fmt: skip


def _is_full_slice(e):
    return isinstance(e, slice) and e == slice(None)


def _basic_entries(entries):
    """Subtensor entries and inputs for an index of integers and slices."""
    out, inputs = [], []
    for e in entries:
        if isinstance(e, slice):
            out.append(_slice_entry(e))
            inputs.extend(as_tensor_variable(p) for p in (e.start, e.stop, e.step) if p is not None)
        else:
            out.append("i")
            inputs.append(e)
    return tuple(out), inputs


def _advanced_entries(entries):
    """AdvancedSubtensor entries and inputs (integers become integer arrays)."""
    out, inputs = [], []
    for e in entries:
        if isinstance(e, slice):
            out.append(_slice_entry(e))
            inputs.extend(as_tensor_variable(p) for p in (e.start, e.stop, e.step) if p is not None)
        elif e is Ellipsis:
            out.append("e")
        else:
            out.append("b" if e.dtype == "bool" else "a")
            inputs.append(e)
    return tuple(out), inputs


def getitem(x, args):
    """``x[args]``: integers, slices, ``None``, ``...``, integer arrays and boolean masks."""
    x = as_tensor_variable(x)
    x, entries = _prepare(x, args)
    arrays = [e for e in entries if isinstance(e, Variable) and (e.ndim > 0 or e.dtype == "bool")]
    if not arrays:
        entries = [e for e in entries if e is not Ellipsis]
        if all(_is_full_slice(e) for e in entries):
            return x
        idx_list, inputs = _basic_entries(entries)
        return Subtensor(idx_list)(x, *inputs)
    first = entries[0]
    if (
        len(arrays) == 1
        and first is arrays[0]
        and first.ndim == 1
        and first.dtype != "bool"
        and all(_is_full_slice(e) or e is Ellipsis for e in entries[1:])
    ):
        return advanced_subtensor1(x, first)
    idx_list, inputs = _advanced_entries(entries)
    return AdvancedSubtensor(idx_list)(x, *inputs)


def index(x, i):
    """``x[i]`` for an integer or a scalar variable ``i``."""
    return getitem(x, (i,))


# ------------------------------------------------------------ set_subtensor, inc_subtensor


def set_subtensor(x, y, inplace=False, tolerate_inplace_aliasing=False):
    """A copy of the tensor that ``x = base[idx]`` indexes, with ``y`` written at ``idx``.

    Parameters
    ----------
    x : TensorVariable
        An indexed tensor, ``base[idx]`` (any kind of index).
    y : tensor-like
        The values, broadcast to ``x``'s shape.
    inplace : bool
        Build the inplace version (which overwrites ``base``); rewrites do this when safe.
    tolerate_inplace_aliasing : bool
        Accepted for compatibility.
    """
    return inc_subtensor(x, y, inplace, set_instead_of_inc=True,
                         tolerate_inplace_aliasing=tolerate_inplace_aliasing)  # fmt: skip


def inc_subtensor(x, y, inplace=False, set_instead_of_inc=False, tolerate_inplace_aliasing=False):
    """A copy of the tensor that ``x = base[idx]`` indexes, with ``y`` added at ``idx``.

    Repeated positions of an advanced index accumulate every addition (``np.add.at``).
    ``set_instead_of_inc=True`` writes ``y`` instead (see `set_subtensor`).
    """
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    _check_inc_ndim(x.ndim, y)
    op = x.owner.op if x.owner is not None else None
    if isinstance(op, Subtensor):
        base, *idx = x.owner.inputs
        return IncSubtensor(op.idx_list, set_instead_of_inc, inplace)(base, y, *idx)
    if isinstance(op, AdvancedSubtensor1):
        base, ilist = x.owner.inputs
        return AdvancedIncSubtensor1(inplace, set_instead_of_inc)(base, y, ilist)
    if isinstance(op, AdvancedSubtensor):
        base, *idx = x.owner.inputs
        return AdvancedIncSubtensor(op.idx_list, inplace, set_instead_of_inc)(base, y, *idx)
    raise TypeError(f"set_subtensor/inc_subtensor take an indexed tensor such as a[1:3], got {x}")


# -------------------------------------------------------------------------------- take


def take(a, indices, axis=None, mode="raise"):
    """``numpy.take``: the elements of ``a`` at ``indices`` along ``axis`` (None: flattened).

    ``mode`` is 'raise' (out-of-range indices raise; negative ones count from the end),
    'wrap' (indices wrap around) or 'clip' (indices are clipped to the valid range).
    """
    from theano.tensor.math import maximum, minimum

    a = as_tensor_variable(a)
    indices = as_tensor_variable(indices)
    if indices.dtype not in _INT_DTYPES:
        raise TypeError(f"take: indices must be integers, got {indices} of type {indices.type}")
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    if axis is None:
        a = a.flatten()
        axis = 0
    if isinstance(axis, Constant):
        axis = axis.data
    axis = int(axis)
    if not -a.ndim <= axis < a.ndim:
        raise ValueError(f"take: axis {axis} is out of range for {a} of type {a.type}")
    axis %= a.ndim
    n = a.shape[axis]
    if mode == "clip":
        indices = minimum(maximum(indices, 0), n - 1)
    elif mode == "wrap":
        indices = indices % n
    if indices.ndim == 1 and axis == 0:
        return advanced_subtensor1(a, indices)
    return getitem(a, (slice(None),) * axis + (indices,))


# ------------------------------------------------------------------------- nonzero


class Nonzero(Op):
    """The indices of the non-zero elements of ``a`` as an int64 matrix, one row per
    dimension (``numpy.array(numpy.nonzero(a))``)."""

    __props__ = ()

    def make_node(self, a):
        a = as_tensor_variable(a)
        if a.ndim == 0:
            raise ValueError("Nonzero only supports non-scalar arrays.")
        return Apply(self, [a], [TensorType("int64", (a.ndim == 1, False))()])

    def perform(self, node, inputs, output_storage):
        a = inputs[0]
        out = np.array(np.nonzero(a), dtype="int64").reshape(a.ndim, -1)
        output_storage[0][0] = out

    def infer_shape(self, node, shapes):
        from theano.tensor.math import cast, neq
        from theano.tensor.math import sum as tsum

        a = node.inputs[0]
        return [(constant(np.int64(a.ndim)), cast(tsum(neq(a, 0)), "int64"))]

    def connection_pattern(self, node):
        return [[False]]

    def L_op(self, inputs, outputs, gz):
        return [DisconnectedType()()]


def nonzero(a, return_matrix=False):
    """The indices of the non-zero elements of ``a``.

    A tuple of integer vectors, one per dimension (like ``numpy.nonzero``), or with
    ``return_matrix=True`` one matrix with a row per dimension.
    """
    matrix = Nonzero()(a)
    if return_matrix:
        return matrix
    return tuple(index(matrix, i) for i in range(matrix.owner.inputs[0].ndim))


def flatnonzero(a):
    """The indices of the non-zero elements of the flattened ``a`` (``numpy.flatnonzero``)."""
    a = as_tensor_variable(a)
    if a.ndim == 0:
        raise ValueError("Nonzero only supports non-scalar arrays.")
    return index(nonzero(a.flatten(), return_matrix=True), 0)


def nonzero_values(a):
    """The non-zero elements of ``a``, flattened (``a.flatten()[flatnonzero(a)]``)."""
    a = as_tensor_variable(a)
    return advanced_subtensor1(a.flatten(), flatnonzero(a))
