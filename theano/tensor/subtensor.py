"""Basic indexing: `Subtensor` (``x[i, a:b]``) and `IncSubtensor` (set or add into a slice)."""

from __future__ import annotations

import numpy as np

from theano.graph.basic import Apply, Constant, Variable
from theano.graph.null_type import DisconnectedType
from theano.graph.op import Op
from theano.tensor.basic import as_tensor_variable, constant
from theano.tensor.type import TensorType

# An index entry is "i" (an integer taken from the next input) or ("s", start, stop, step)
# where each of start/stop/step is True when it is taken from the next input, else absent.


def _parse(indices):
    """Split Python indices into an index description and the index variables."""
    entries, inputs = [], []

    def scalar_index(v, what):
        v = as_tensor_variable(v)
        if v.ndim != 0 or v.dtype not in ("int8", "int16", "int32", "int64", "uint8",
                                          "uint16", "uint32", "uint64"):  # fmt: skip
            raise TypeError(
                f"basic indexing takes integer scalars, got {what} of type {v.type}; "
                "advanced indexing with arrays comes with the full tensor library"
            )
        return v

    for idx in indices:
        if isinstance(idx, slice):
            flags = []
            for part in (idx.start, idx.stop, idx.step):
                if part is None:
                    flags.append(False)
                else:
                    flags.append(True)
                    inputs.append(scalar_index(part, "a slice bound"))
            entries.append(("s", *flags))
        else:
            if isinstance(idx, bool | np.bool_):
                raise TypeError("indexing with a boolean is not supported")
            entries.append("i")
            inputs.append(scalar_index(idx, "an index"))
    return tuple(entries), inputs


def _index_source(entries, names):
    """The source of an index tuple, using ``names`` for the index inputs in order."""
    names = iter(names)
    parts = []
    for e in entries:
        if e == "i":
            parts.append(next(names))
        else:
            bounds = [next(names) if flag else "" for flag in e[1:]]
            parts.append(":".join(bounds[:2]) + (f":{bounds[2]}" if e[3] else ""))
    return ", ".join(parts) + ("," if len(parts) == 1 else "")


def _literal_names(node, inames, first):
    """Index names, with constant integer indices written as literals."""
    out = []
    for var, name in zip(node.inputs[first:], inames[first:]):
        out.append(repr(int(var.data)) if isinstance(var, Constant) else name)
    return out


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


class Subtensor(Op):
    """``x[idx]`` with integers and slices (a view of ``x``)."""

    __props__ = ("idx_list",)
    view_map = {0: [0]}

    def __init__(self, idx_list):
        self.idx_list = tuple(
            (e if e == "i" or isinstance(e, tuple) else _slice_entry(e)) for e in idx_list
        )

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

    def py_code(self, node, inames, onames, ctx):
        idx = _index_source(self.idx_list, _literal_names(node, inames, 1))
        return f"{onames[0]} = {inames[0]}[{idx}]"

    def perform(self, node, inputs, output_storage):
        x, *idx = inputs
        src = _index_source(self.idx_list, [f"i{k}" for k in range(len(idx))])
        env = {f"i{k}": int(v) for k, v in enumerate(idx)}
        output_storage[0][0] = np.asarray(eval(f"x[{src}]", {}, {"x": x, **env}))

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

    def connection_pattern(self, node):
        return [[True]] + [[False]] * (len(node.inputs) - 1)

    def L_op(self, inputs, outputs, gz):
        from theano.tensor.math import zeros_like

        x, *idx = inputs
        gx = IncSubtensor(self.idx_list)(zeros_like(x), gz[0], *idx)
        return [gx] + [DisconnectedType()() for _ in idx]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0], *inputs[1:])]


def _slice_entry(s):
    if isinstance(s, slice):
        return ("s", s.start is not None, s.stop is not None, s.step is not None)
    raise TypeError(f"bad index entry {s!r}")


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


class IncSubtensor(Op):
    """A copy of ``x`` with ``y`` added to (or, with ``set_instead_of_inc``, written into)
    ``x[idx]``."""

    __props__ = ("idx_list", "set_instead_of_inc", "inplace")

    def __init__(self, idx_list, set_instead_of_inc=False, inplace=False):
        self.idx_list = tuple(
            (e if e == "i" or isinstance(e, tuple) else _slice_entry(e)) for e in idx_list
        )
        self.set_instead_of_inc = set_instead_of_inc
        self.inplace = inplace
        self.destroy_map = {0: [0]} if inplace else {}

    def __str__(self):
        kind = "SetSubtensor" if self.set_instead_of_inc else "IncSubtensor"
        return f"{kind}{{{'inplace' if self.inplace else 'no_inplace'}}}"

    def make_node(self, x, y, *index_inputs):
        x, y = as_tensor_variable(x), as_tensor_variable(y)
        sub_ndim = x.ndim - sum(e == "i" for e in self.idx_list)
        if y.ndim > sub_ndim:
            raise TypeError(f"Trying to increment a {sub_ndim}-dimensional subtensor with a "
                            f"{y.ndim}-dimensional value ({y.type})")  # fmt: skip
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
        src = _index_source(self.idx_list, [f"i{k}" for k in range(len(idx))])
        env = {"o": out, "y": y, **{f"i{k}": int(v) for k, v in enumerate(idx)}}
        exec(f"o[{src}] {'=' if self.set_instead_of_inc else '+='} y", {}, env)
        output_storage[0][0] = out

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def connection_pattern(self, node):
        return [[True], [True]] + [[False]] * (len(node.inputs) - 2)

    def L_op(self, inputs, outputs, gz):
        from theano.tensor.math import sum, zeros_like

        _x, y, *idx = inputs
        g = gz[0]
        gx = IncSubtensor(self.idx_list, set_instead_of_inc=True)(g, zeros_like(y), *idx) \
            if self.set_instead_of_inc else g  # fmt: skip
        gy = Subtensor(self.idx_list)(g, *idx)
        if gy.ndim > y.ndim:
            gy = sum(gy, axis=tuple(range(gy.ndim - y.ndim)))
        axes = tuple(d for d in range(y.ndim) if y.broadcastable[d] and not gy.broadcastable[d])
        if axes:
            gy = sum(gy, axis=axes, keepdims=True)
        return [gx, gy] + [DisconnectedType()() for _ in idx]

    def R_op(self, inputs, eval_points):
        from theano.tensor.math import zeros_like

        x, y, *idx = inputs
        ex, ey = eval_points[:2]
        if ex is None and ey is None:
            return [None]
        return [self(ex if ex is not None else zeros_like(x),
                     ey if ey is not None else zeros_like(y), *idx)]  # fmt: skip


def getitem(x, args):
    """``x[args]`` for integers, slices, ``None`` (new axis) and ``...``."""
    from theano.tensor.elemwise import dimshuffle

    if not isinstance(args, tuple):
        args = (args,)
    if any(isinstance(a, Variable) and a.ndim > 0 for a in args) or any(
        isinstance(a, list | np.ndarray) for a in args
    ):
        raise NotImplementedError(
            "advanced indexing (with arrays or lists) comes with the full tensor library"
        )
    if sum(a is Ellipsis for a in args) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if Ellipsis in [a for a in args if a is Ellipsis]:
        pos = next(i for i, a in enumerate(args) if a is Ellipsis)
        n_real = sum(a is not None for a in args) - 1
        args = args[:pos] + (slice(None),) * (x.ndim - n_real) + args[pos + 1 :]
    real = [a for a in args if a is not None]
    if len(real) > x.ndim:
        raise IndexError(f"too many indices ({len(real)}) for {x} of type {x.type}")
    out = x
    if any(not (isinstance(a, slice) and a == slice(None)) for a in real):
        entries, inputs = _parse(real)
        out = Subtensor(entries)(x, *inputs)
    if any(a is None for a in args):
        # Insert new axes where None appeared, counting only dims that survive.
        order, k = [], 0
        for a in args:
            if a is None:
                order.append("x")
            elif isinstance(a, slice):
                order.append(k)
                k += 1
        order.extend(range(k, out.ndim))
        out = dimshuffle(out, *order)
    return out


def index(x, i):
    """``x[i]`` for an integer or a scalar variable ``i``."""
    return getitem(x, (i,))


def set_subtensor(x, y, inplace=False, tolerate_inplace_aliasing=False):
    """A copy of the tensor that ``x = base[idx]`` indexes, with ``y`` written at ``idx``."""
    return _inc_or_set(x, y, True)


def inc_subtensor(x, y, inplace=False, set_instead_of_inc=False, tolerate_inplace_aliasing=False):
    """A copy of the tensor that ``x = base[idx]`` indexes, with ``y`` added at ``idx``."""
    return _inc_or_set(x, y, set_instead_of_inc)


def _inc_or_set(x, y, set_):
    if x.owner is None or not isinstance(x.owner.op, Subtensor):
        raise TypeError(
            f"set_subtensor/inc_subtensor take an indexed tensor such as a[1:3], got {x}"
        )
    base, *idx = x.owner.inputs
    return IncSubtensor(x.owner.op.idx_list, set_instead_of_inc=set_)(base, y, *idx)
