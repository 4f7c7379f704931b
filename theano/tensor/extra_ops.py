"""`theano.tensor.extra_ops`: NumPy's array utilities as ops.

`cumsum`, `cumprod`, `diff`, `bincount`, `unique`, `to_one_hot`, `searchsorted`,
`fill_diagonal`, `fill_diagonal_offset`, `repeat`, `squeeze`, `compress`,
`ravel_multi_index`, `unravel_index` and `choose`, with Theano 1.0's names,
signatures and dtype rules, and gradients where the operation is differentiable.
"""

from __future__ import annotations

import numpy as np

from theano import scalar
from theano.configdefaults import config
from theano.graph.basic import Apply, Constant
from theano.graph.null_type import DisconnectedType, NullType
from theano.graph.op import Op
from theano.tensor.basic import as_tensor_variable, constant
from theano.tensor.broadcast import squeeze
from theano.tensor.creation import _int_scalar, _vector_length, arange, zeros
from theano.tensor.elemwise import _cast_grad, dimshuffle
from theano.tensor.sort import _ScatterAdd
from theano.tensor.type import TensorType

_INT_DTYPES = scalar.INT_DTYPES + scalar.UINT_DTYPES


def _check_axis(axis, ndim, name):
    """``axis`` normalised to ``0 <= axis < ndim`` (None stays None)."""
    if axis is None:
        return None
    if isinstance(axis, Constant):
        axis = axis.data
    axis = int(axis)
    if not -ndim <= axis < max(ndim, 1):
        raise ValueError(f"{name}: axis {axis} is out of range for a {ndim}-d tensor")
    return axis % max(ndim, 1)


def _float_zeros_like(x):
    from theano.tensor.math import zeros_like

    return zeros_like(x, dtype=x.dtype if x.dtype in scalar.CONTINUOUS_DTYPES else config.floatX)


def _grad_for(x, g):
    """``g`` as the gradient of ``x``: zeros for integer inputs, else in ``x``'s dtype."""
    if x.dtype in scalar.DISCRETE_DTYPES:
        return _float_zeros_like(x)
    return _cast_grad(g, x)


def _flip(x, axis):
    """``x`` reversed along ``axis``."""
    from theano.tensor.subtensor import getitem

    return getitem(x, (slice(None),) * axis + (slice(None, None, -1),))


def _sum_to(g, like):
    """``g`` summed over the dimensions ``like`` broadcast or lacks, to ``like``'s type."""
    from theano.tensor.math import sum

    lead = g.ndim - like.ndim
    if lead > 0:
        g = sum(g, axis=tuple(range(lead)))
    axes = tuple(d for d in range(like.ndim) if like.broadcastable[d] and not g.broadcastable[d])
    if axes:
        g = sum(g, axis=axes, keepdims=True)
    if g.broadcastable != like.broadcastable:
        from theano.tensor.broadcast import patternbroadcast

        g = patternbroadcast(g, like.broadcastable)
    return g


# ------------------------------------------------------------------ cumsum, cumprod


class CumOp(Op):
    """Cumulative sum (``mode='add'``) or product (``mode='mul'``) along ``axis``.

    ``axis=None`` works on the flattened tensor. The result keeps the input's dtype
    (booleans give int64).
    """

    __props__ = ("axis", "mode")

    def __init__(self, axis=None, mode="add"):
        if mode not in ("add", "mul"):
            raise ValueError(f'CumOp: mode must be "add" or "mul", got {mode!r}')
        self.axis = None if axis is None else int(axis)
        self.mode = mode

    def __str__(self):
        return f"Cum{self.mode}{{{self.axis}}}"

    @property
    def _fn(self):
        return np.cumsum if self.mode == "add" else np.cumprod

    def make_node(self, x):
        x = as_tensor_variable(x)
        dtype = "int64" if x.dtype == "bool" else x.dtype
        if self.axis is None:
            return Apply(self, [x], [TensorType(dtype, (False,))()])
        if not -x.ndim <= self.axis < x.ndim:
            raise ValueError(f"{self}: axis {self.axis} is out of range for {x.type}")
        return Apply(self, [x], [TensorType(dtype, x.broadcastable)()])

    def py_code(self, node, inames, onames, ctx):
        fn = ctx.ref(self._fn, f"cum{self.mode}")
        dtype = node.outputs[0].dtype
        return f"{onames[0]} = {fn}({inames[0]}, axis={self.axis}, dtype={dtype!r})"

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = self._fn(inputs[0], axis=self.axis, dtype=node.outputs[0].dtype)

    def infer_shape(self, node, shapes):
        if self.axis is None:
            from theano.tensor.math import mul

            size = constant(1, dtype="int64")
            for s in shapes[0]:
                size = mul(size, s)
            return [(size,)]
        return shapes

    def L_op(self, inputs, outputs, gz):
        from theano.tensor.math import mul, true_div
        from theano.tensor.shape import reshape, shape

        (x,) = inputs
        (g,) = gz
        if x.dtype in scalar.DISCRETE_DTYPES:
            return [_float_zeros_like(x)]
        axis = 0 if self.axis is None else self.axis % x.ndim
        if self.mode == "add":
            gx = _flip(CumOp(axis, "add")(_flip(g, axis)), axis)
        else:
            # d/dx_j of sum_i g_i prod_{k<=i} x_k = sum_{i>=j} g_i fx_i / x_j
            fx = outputs[0]
            rev = _flip(CumOp(axis, "add")(_flip(mul(fx, g), axis)), axis)
            xx = reshape(x, [-1], ndim=1) if self.axis is None else x
            gx = true_div(rev, xx)
        if self.axis is None:
            gx = reshape(gx, shape(x), ndim=x.ndim)
        return [_cast_grad(gx, x)]

    def R_op(self, inputs, eval_points):
        from theano.tensor.math import mul, true_div
        from theano.tensor.shape import flatten

        (ev,) = eval_points
        if ev is None:
            return [None]
        if self.mode == "add":
            return [self(ev)]
        x = inputs[0]
        if self.axis is None:
            x, ev = flatten(x), flatten(ev)
        return [mul(self(x), CumOp(self.axis, "add")(true_div(ev, x)))]


def cumsum(x, axis=None):
    """Cumulative sum of ``x`` along ``axis`` (of the flattened tensor when None)."""
    x = as_tensor_variable(x)
    return CumOp(_check_axis(axis, x.ndim, "cumsum"), "add")(x)


def cumprod(x, axis=None):
    """Cumulative product of ``x`` along ``axis`` (of the flattened tensor when None)."""
    x = as_tensor_variable(x)
    return CumOp(_check_axis(axis, x.ndim, "cumprod"), "mul")(x)


# ----------------------------------------------------------------------------- diff


class DiffOp(Op):
    """The ``n``-th discrete difference along ``axis`` (``numpy.diff``)."""

    __props__ = ("n", "axis")

    def __init__(self, n=1, axis=-1):
        self.n = int(n)
        self.axis = int(axis)
        if self.n < 0:
            raise ValueError(f"diff: order n={n} must be non-negative")

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.ndim == 0:
            raise TypeError("diff: requires an input of at least one dimension, got a scalar")
        axis = _check_axis(self.axis, x.ndim, "diff")
        bcast = list(x.broadcastable)
        if self.n:
            bcast[axis] = False
        return Apply(self, [x], [TensorType(x.dtype, bcast)()])

    def py_code(self, node, inames, onames, ctx):
        if self.n == 0:  # numpy.diff would return its input itself
            return f"{onames[0]} = {inames[0]}.copy()"
        return f"{onames[0]} = {ctx.ref(np.diff, 'diff')}({inames[0]}, {self.n}, {self.axis})"

    def perform(self, node, inputs, output_storage):
        out = np.diff(inputs[0], n=self.n, axis=self.axis)
        output_storage[0][0] = out.copy() if self.n == 0 else out

    def infer_shape(self, node, shapes):
        from theano.tensor.math import maximum, sub

        axis = self.axis % len(shapes[0])
        out = list(shapes[0])
        if self.n:
            out[axis] = maximum(sub(out[axis], self.n), constant(0, dtype="int64"))
        return [tuple(out)]

    def L_op(self, inputs, outputs, gz):
        from theano.tensor.join import join
        from theano.tensor.math import neg
        from theano.tensor.shape import shape_i

        (x,) = inputs
        if x.dtype in scalar.DISCRETE_DTYPES:
            return [_float_zeros_like(x)]
        axis = self.axis % x.ndim
        g = gz[0]
        # The transpose of one difference: pad with a zero at both ends, negate the diff.
        for _ in range(self.n):
            edge = zeros([1 if d == axis else shape_i(g, d) for d in range(g.ndim)], g.dtype)
            g = neg(DiffOp(1, axis)(join(axis, edge, g, edge)))
        return [_cast_grad(g, x)]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0])]


def diff(x, n=1, axis=-1):
    """The ``n``-th discrete difference of ``x`` along ``axis`` (``numpy.diff``)."""
    return DiffOp(n, axis)(x)


# ---------------------------------------------------------------- take and scatter


class _Take(Op):
    """``numpy.take(x, indices, axis)`` for an integer vector of ``indices``."""

    __props__ = ("axis",)

    def __init__(self, axis):
        self.axis = int(axis)

    def make_node(self, x, indices):
        x, indices = as_tensor_variable(x), as_tensor_variable(indices)
        if indices.ndim != 1 or indices.dtype not in _INT_DTYPES:
            raise TypeError(f"take: indices must be an integer vector, got {indices.type}")
        bcast = list(x.broadcastable)
        bcast[self.axis] = False
        return Apply(self, [x, indices], [TensorType(x.dtype, bcast)()])

    def py_code(self, node, inames, onames, ctx):
        fn = ctx.ref(np.take, "take")
        return f"{onames[0]} = {fn}({inames[0]}, {inames[1]}, axis={self.axis})"

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.take(inputs[0], inputs[1], axis=self.axis)

    def infer_shape(self, node, shapes):
        out = list(shapes[0])
        out[self.axis] = shapes[1][0]
        return [tuple(out)]

    def connection_pattern(self, node):
        return [[True], [False]]

    def L_op(self, inputs, outputs, gz):
        x, indices = inputs
        return [_grad_for(x, _TakeGrad(self.axis)(x, gz[0], indices)), DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0], inputs[1])]


class _TakeGrad(_ScatterAdd):
    """Zeros shaped like ``x`` with the slices of ``g`` added at ``indices`` along ``axis``
    (the transpose of `_Take`; repeated indices accumulate)."""

    def _index(self, indices):
        return (slice(None),) * self.axis + (indices,)

    def _take_op(self):
        return _Take(self.axis)


class _FlatNonzero(Op):
    """The indices of the nonzero elements of the flattened input (``numpy.flatnonzero``)."""

    __props__ = ()

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorType("int64", (False,))()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.flatnonzero(inputs[0]).astype("int64")

    def connection_pattern(self, node):
        return [[False]]

    def L_op(self, inputs, outputs, gz):
        return [DisconnectedType()()]


def compress(condition, x, axis=None):
    """The slices of ``x`` along ``axis`` where ``condition`` is true (``numpy.compress``).

    With ``axis=None`` the flattened ``x`` is used. Differentiable with respect to ``x``.
    """
    from theano.tensor.shape import flatten

    x = as_tensor_variable(x)
    condition = as_tensor_variable(condition)
    if condition.ndim != 1:
        raise TypeError(f"compress: condition must be a vector, got {condition.type}")
    if axis is None:
        x, axis = flatten(x), 0
    return _Take(_check_axis(axis, x.ndim, "compress"))(x, _FlatNonzero()(condition))


# ------------------------------------------------------------------------- bincount


class BinCountOp(Op):
    """Counts (or weighted sums) of each non-negative integer in a vector.

    Inputs: ``x``, ``minlength`` and optionally ``weights``. The result has length
    ``max(x.max() + 1, minlength)``; its dtype is ``x``'s, or ``weights``' when given
    (Theano's rule). A negative value wraps around as a negative index would, unless
    ``assert_nonneg`` makes it an error.
    """

    __props__ = ("assert_nonneg",)

    def __init__(self, assert_nonneg=False):
        self.assert_nonneg = bool(assert_nonneg)

    def make_node(self, x, minlength, weights=None):
        x = as_tensor_variable(x)
        if x.ndim != 1 or x.dtype not in _INT_DTYPES:
            raise TypeError(f"bincount: x must be an integer vector, got {x.type}")
        minlength = _int_scalar(minlength, "minlength", "bincount")
        inputs = [x, minlength]
        dtype = x.dtype
        if weights is not None:
            weights = as_tensor_variable(weights)
            if weights.ndim != 1:
                raise TypeError(f"bincount: weights must be a vector, got {weights.type}")
            inputs.append(weights)
            dtype = weights.dtype
        return Apply(self, inputs, [TensorType(dtype, (False,))()])

    def perform(self, node, inputs, output_storage):
        x, minlength = inputs[:2]
        weights = inputs[2] if len(inputs) > 2 else None
        if self.assert_nonneg and np.any(x < 0):
            raise AssertionError("Input to bincount has negative values!")
        n = max(int(x.max()) + 1 if x.size else 0, int(minlength))
        out = np.zeros(n, dtype=node.outputs[0].dtype)
        np.add.at(out, x, 1 if weights is None else weights)
        output_storage[0][0] = out

    def connection_pattern(self, node):
        return [[False], [False]] + [[True]] * (len(node.inputs) - 2)

    def L_op(self, inputs, outputs, gz):
        grads = [DisconnectedType()(), DisconnectedType()()]
        if len(inputs) > 2:
            grads.append(_grad_for(inputs[2], _Take(0)(gz[0], inputs[0])))
        return grads


Bincount = BinCountOp


def bincount(x, weights=None, minlength=None, assert_nonneg=False):
    """Count the occurrences of each value in the integer vector ``x`` (``numpy.bincount``).

    ``weights`` (a vector like ``x``) gives a weighted count, differentiable with
    respect to the weights. ``minlength`` may be symbolic.
    """
    return BinCountOp(assert_nonneg)(x, 0 if minlength is None else minlength, weights)


# --------------------------------------------------------------------------- unique


class Unique(Op):
    """``numpy.unique``: the sorted unique values, and optionally the indices of their
    first occurrences, the inverse indices and the counts (int64 vectors).

    With ``axis=None`` the input is flattened and the inverse is a vector.
    """

    __props__ = ("return_index", "return_inverse", "return_counts", "axis")

    def __init__(self, return_index=False, return_inverse=False, return_counts=False, axis=None):
        self.return_index = bool(return_index)
        self.return_inverse = bool(return_inverse)
        self.return_counts = bool(return_counts)
        self.axis = None if axis is None else int(axis)

    def make_node(self, x):
        x = as_tensor_variable(x)
        if self.axis is None:
            values = TensorType(x.dtype, (False,))()
        else:
            axis = _check_axis(self.axis, x.ndim, "unique")
            bcast = list(x.broadcastable)
            bcast[axis] = False
            values = TensorType(x.dtype, bcast)()
        extra = [self.return_index, self.return_inverse, self.return_counts]
        outs = [values] + [TensorType("int64", (False,))() for e in extra if e]
        return Apply(self, [x], outs)

    def perform(self, node, inputs, output_storage):
        res = np.unique(inputs[0], return_index=self.return_index,
                        return_inverse=self.return_inverse,
                        return_counts=self.return_counts, axis=self.axis)  # fmt: skip
        res = res if isinstance(res, tuple) else (res,)
        for k, (cell, value) in enumerate(zip(output_storage, res)):
            cell[0] = np.asarray(value, dtype=node.outputs[k].dtype)
            if k:
                cell[0] = cell[0].reshape(-1)

    def infer_shape(self, node, shapes):
        from theano.tensor.math import mul
        from theano.tensor.shape import shape_i

        x, values = node.inputs[0], node.outputs[0]
        out = [tuple(shape_i(values, d) for d in range(values.ndim))]
        n_unique = shape_i(values, 0 if self.axis is None else self.axis % x.ndim)
        if self.return_index:
            out.append((n_unique,))
        if self.return_inverse:
            if self.axis is None:
                size = constant(1, dtype="int64")
                for s in shapes[0]:
                    size = mul(size, s)
            else:
                size = shapes[0][self.axis % x.ndim]
            out.append((size,))
        if self.return_counts:
            out.append((n_unique,))
        return out


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None):
    """The sorted unique elements of ``ar`` (``numpy.unique``).

    Returns one variable, or a list when any of the ``return_*`` flags is set.
    """
    return Unique(return_index, return_inverse, return_counts, axis)(ar)


# ----------------------------------------------------------------------- to_one_hot


def to_one_hot(y, nb_class, dtype=None):
    """One-hot rows for the integer vector ``y``: a ``(len(y), nb_class)`` matrix.

    ``dtype`` defaults to floatX. A value outside ``[0, nb_class)`` gives a row of zeros.
    """
    from theano.tensor.math import cast, eq

    y = as_tensor_variable(y)
    if y.ndim != 1 or y.dtype not in _INT_DTYPES:
        raise TypeError(f"to_one_hot: y must be an integer vector, got {y.type}")
    classes = dimshuffle(arange(nb_class, dtype=y.dtype), "x", 0)
    return cast(eq(dimshuffle(y, 0, "x"), classes), config.floatX if dtype is None else dtype)


# --------------------------------------------------------------------- searchsorted


class SearchsortedOp(Op):
    """``numpy.searchsorted(x, v, side, sorter)``: where ``v``'s elements go in sorted ``x``."""

    __props__ = ("side",)

    def __init__(self, side="left"):
        if side not in ("left", "right"):
            raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
        self.side = side

    def make_node(self, x, v, sorter=None):
        x, v = as_tensor_variable(x), as_tensor_variable(v)
        if x.ndim != 1:
            raise TypeError(f"searchsorted: x must be a vector, got {x.type}")
        inputs = [x, v]
        if sorter is not None:
            sorter = as_tensor_variable(sorter)
            if sorter.ndim != 1 or sorter.dtype not in _INT_DTYPES:
                raise TypeError(f"searchsorted: sorter must be an integer vector, got "
                                f"{sorter.type}")  # fmt: skip
            inputs.append(sorter)
        return Apply(self, inputs, [TensorType("int64", v.broadcastable)()])

    def py_code(self, node, inames, onames, ctx):
        fn = ctx.ref(np.searchsorted, "searchsorted")
        sorter = f", sorter={inames[2]}" if len(inames) > 2 else ""
        return (f"{onames[0]} = {fn}({inames[0]}, {inames[1]}, side={self.side!r}{sorter})"
                f".astype('int64')")  # fmt: skip

    def perform(self, node, inputs, output_storage):
        x, v = inputs[:2]
        sorter = inputs[2] if len(inputs) > 2 else None
        out = np.searchsorted(x, v, side=self.side, sorter=sorter)
        output_storage[0][0] = np.asarray(out, dtype="int64")

    def infer_shape(self, node, shapes):
        return [shapes[1]]

    def connection_pattern(self, node):
        return [[True], [True]] + [[False]] * (len(node.inputs) - 2)

    def L_op(self, inputs, outputs, gz):
        grads = [_float_zeros_like(inputs[0]), _float_zeros_like(inputs[1])]
        return grads + [DisconnectedType()() for _ in inputs[2:]]

    def R_op(self, inputs, eval_points):
        return [None]


def searchsorted(x, v, side="left", sorter=None):
    """Indices where the elements of ``v`` would be inserted to keep ``x`` sorted.

    ``x`` is a vector, sorted ascending unless ``sorter`` (``argsort(x)``) is given.
    """
    return SearchsortedOp(side)(x, v, sorter)


# -------------------------------------------------------------------- fill_diagonal


def _diag_value(a, val, name):
    from theano.tensor.math import cast

    a, val = as_tensor_variable(a), as_tensor_variable(val)
    if val.ndim != 0:
        raise TypeError(f"{name}: the value must be a scalar, got {val.type}")
    val = cast(val, scalar.upcast(a.dtype, val.dtype))
    if val.dtype != a.dtype:
        raise TypeError(f"{name}: the value's dtype {val.dtype} is wider than the matrix's "
                        f"{a.dtype}")  # fmt: skip
    return a, val


class FillDiagonal(Op):
    """A copy of ``a`` with ``val`` written on its main diagonal (``numpy.fill_diagonal``)."""

    __props__ = ()

    def make_node(self, a, val):
        a, val = _diag_value(a, val, "fill_diagonal")
        if a.ndim < 2:
            raise TypeError(f"fill_diagonal: needs at least 2 dimensions, got {a.type}")
        return Apply(self, [a, val], [a.type()])

    def perform(self, node, inputs, output_storage):
        a = inputs[0].copy()
        np.fill_diagonal(a, inputs[1])
        output_storage[0][0] = a

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, gz):
        from theano.tensor.creation import diagonal
        from theano.tensor.math import add, mul, sum
        from theano.tensor.shape import flatten, shape_i
        from theano.tensor.subtensor import getitem

        a, val = inputs
        (g,) = gz
        if a.dtype in scalar.DISCRETE_DTYPES:
            return [_float_zeros_like(a), _float_zeros_like(val)]
        ga = fill_diagonal(g, 0)
        if a.ndim == 2:
            gval = sum(diagonal(g))
        else:
            # numpy's n-d diagonal (all dims equal): every (1 + n + n^2 + ...)-th element.
            step, acc = constant(1, dtype="int64"), None
            for d in range(a.ndim - 1):
                acc = shape_i(g, d) if acc is None else mul(acc, shape_i(g, d))
                step = add(step, acc)
            gval = sum(getitem(flatten(g), (slice(None, None, step),)))
        return [ga, _cast_grad(gval, val)]

    def R_op(self, inputs, eval_points):
        from theano.tensor.math import zeros_like

        ea, ev = eval_points
        if ea is None and ev is None:
            return [None]
        a, val = inputs
        return [self(zeros_like(a) if ea is None else ea,
                     zeros_like(val) if ev is None else ev)]  # fmt: skip


def fill_diagonal(a, val):
    """A copy of ``a`` with the scalar ``val`` on its main diagonal.

    ``a`` has 2 or more dimensions (all of one length beyond 2, as in NumPy); ``val``
    is cast to ``a``'s dtype when that loses nothing. Differentiable in both.
    """
    return FillDiagonal()(a, val)


def _offset_diag_bounds(height, width, offset):
    """Flat start, stop and step of diagonal ``offset`` of a ``height`` x ``width`` matrix."""
    if offset >= 0:
        start, n = offset, min(height, width - offset)
    else:
        start, n = -offset * width, min(height + offset, width)
    n = max(n, 0)
    return start, start + n * (width + 1), width + 1


class FillDiagonalOffset(Op):
    """A copy of matrix ``a`` with ``val`` written on diagonal ``offset`` (an int scalar)."""

    __props__ = ()

    def make_node(self, a, val, offset):
        a, val = _diag_value(a, val, "fill_diagonal_offset")
        if a.ndim != 2:
            raise TypeError(f"fill_diagonal_offset: a must be a matrix, got {a.type}")
        offset = _int_scalar(offset, "offset", "fill_diagonal_offset")
        return Apply(self, [a, val, offset], [a.type()])

    def perform(self, node, inputs, output_storage):
        a, val, offset = inputs
        a = a.copy()
        start, stop, step = _offset_diag_bounds(*a.shape, int(offset))
        if stop > start:
            a.reshape(-1)[start:stop:step] = val
        output_storage[0][0] = a

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def connection_pattern(self, node):
        return [[True], [True], [False]]

    def L_op(self, inputs, outputs, gz):
        from theano.tensor.math import abs_, cast, ge, maximum, minimum, mul, sub, sum, switch
        from theano.tensor.shape import flatten, shape_i
        from theano.tensor.subtensor import getitem

        a, val, offset = inputs
        (g,) = gz
        if a.dtype in scalar.DISCRETE_DTYPES:
            return [_float_zeros_like(a), _float_zeros_like(val), DisconnectedType()()]
        ga = fill_diagonal_offset(g, 0, offset)
        height, width = shape_i(g, 0), shape_i(g, 1)
        pos = ge(offset, 0)
        k = abs_(offset)
        start = switch(pos, k, mul(k, width))
        n = maximum(switch(pos, minimum(height, sub(width, k)), minimum(sub(height, k), width)),
                    constant(0, dtype="int64"))  # fmt: skip
        step = width + 1
        stop = start + n * step
        start, stop, step = (cast(v, "int64") for v in (start, stop, step))
        gval = sum(getitem(flatten(g), (slice(start, stop, step),)))
        return [ga, _cast_grad(gval, val), DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        from theano.tensor.math import zeros_like

        ea, ev, _ = eval_points
        if ea is None and ev is None:
            return [None]
        a, val, offset = inputs
        return [self(zeros_like(a) if ea is None else ea,
                     zeros_like(val) if ev is None else ev, offset)]  # fmt: skip


def fill_diagonal_offset(a, val, offset):
    """A copy of matrix ``a`` with ``val`` on diagonal ``offset`` (above the main one when
    positive, below when negative). Differentiable in ``a`` and ``val``."""
    return FillDiagonalOffset()(a, val, offset)


# --------------------------------------------------------------------------- repeat


class RepeatOp(Op):
    """``numpy.repeat(x, repeats, axis)`` for an integer scalar or vector of ``repeats``."""

    __props__ = ("axis",)

    def __init__(self, axis=None):
        self.axis = None if axis is None else int(axis)

    def make_node(self, x, repeats):
        x, repeats = as_tensor_variable(x), as_tensor_variable(repeats)
        if repeats.dtype not in _INT_DTYPES:
            raise TypeError(f"repeat: repeats must be integers, got {repeats.type}")
        if repeats.ndim > 1:
            raise ValueError("repeat: repeats must be a scalar or a vector")
        if self.axis is None:
            bcast = [False]
        else:
            if not 0 <= self.axis < x.ndim:
                raise ValueError(f"repeat: axis {self.axis} is out of range for {x.type}")
            bcast = list(x.broadcastable)
            bcast[self.axis] = False
        return Apply(self, [x, repeats], [TensorType(x.dtype, bcast)()])

    def py_code(self, node, inames, onames, ctx):
        fn = ctx.ref(np.repeat, "repeat")
        return f"{onames[0]} = {fn}({inames[0]}, {inames[1]}, axis={self.axis})"

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.repeat(inputs[0], inputs[1], axis=self.axis)

    def infer_shape(self, node, shapes):
        from theano.tensor.math import cast, eq, mul, sum, switch
        from theano.tensor.shape import shape_i

        _x, repeats = node.inputs
        if self.axis is None:
            n = constant(1, dtype="int64")
            for s in shapes[0]:
                n = mul(n, s)
            shape = [n]
            axis = 0
        else:
            shape, axis = list(shapes[0]), self.axis
        if repeats.ndim == 0:
            shape[axis] = mul(shape[axis], cast(repeats, "int64"))
        else:
            # A single count applies to every slice, as in NumPy.
            total = cast(sum(repeats), "int64")
            single = eq(shape_i(repeats, 0), 1)
            shape[axis] = switch(single, mul(shape[axis], total), total)
        return [tuple(shape)]

    def connection_pattern(self, node):
        return [[True], [False]]

    def L_op(self, inputs, outputs, gz):
        from theano.tensor.shape import flatten, reshape, shape, shape_i

        x, repeats = inputs
        if x.dtype in scalar.DISCRETE_DTYPES:
            return [_float_zeros_like(x), DisconnectedType()()]
        flat = flatten(x) if self.axis is None else x
        axis = 0 if self.axis is None else self.axis
        # Each output slice came from slice repeat(arange(n), repeats)[i] of x.
        source = RepeatOp(0)(arange(shape_i(flat, axis)), repeats)
        gx = _TakeGrad(axis)(flat, gz[0], source)
        if self.axis is None:
            gx = reshape(gx, shape(x), ndim=x.ndim)
        return [_cast_grad(gx, x), DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0], inputs[1])]


def repeat(x, repeats, axis=None):
    """Repeat the elements of ``x`` (``numpy.repeat``); ``axis=None`` flattens first.

    ``repeats`` is an int, an integer scalar, or an integer vector with one count per
    element along ``axis``. Differentiable with respect to ``x``.
    """
    x = as_tensor_variable(x)
    repeats = as_tensor_variable(repeats)
    if repeats.ndim > 1:
        raise ValueError("repeat: the dimension of repeats should not exceed 1")
    if repeats.ndim == 1 and repeats.broadcastable[0]:
        from theano.tensor.subtensor import index

        repeats = index(repeats, 0)
    if axis is not None:
        axis = _check_axis(axis, x.ndim, "repeat")
    return RepeatOp(axis)(x, repeats)


# --------------------------------------------------------- ravel and unravel indices


class RavelMultiIndex(Op):
    """``numpy.ravel_multi_index``: inputs are the index arrays, then the ``dims`` vector."""

    __props__ = ("mode", "order")

    def __init__(self, mode="raise", order="C"):
        if order not in ("C", "F"):
            raise ValueError(f"ravel_multi_index: order must be 'C' or 'F', got {order!r}")
        self.mode = tuple(mode) if isinstance(mode, list | tuple) else mode
        self.order = order

    def make_node(self, *inputs):
        if len(inputs) < 2:
            raise TypeError("ravel_multi_index: needs index arrays and dims")
        *indices, dims = (as_tensor_variable(v) for v in inputs)
        if dims.ndim != 1 or dims.dtype not in _INT_DTYPES:
            raise TypeError(f"ravel_multi_index: dims must be an integer vector, got {dims.type}")
        for i in indices:
            if i.dtype not in _INT_DTYPES:
                raise TypeError(f"ravel_multi_index: indices must be integers, got {i.type}")
        nd = max(i.ndim for i in indices)
        bcast = []
        for d in range(nd):
            bcast.append(all(i.broadcastable[d - nd + i.ndim] for i in indices
                             if d - nd + i.ndim >= 0))  # fmt: skip
        return Apply(self, [*indices, dims], [TensorType("int64", bcast)()])

    def perform(self, node, inputs, output_storage):
        *indices, dims = inputs
        out = np.ravel_multi_index(tuple(indices), tuple(int(d) for d in dims), mode=self.mode,
                                   order=self.order)  # fmt: skip
        output_storage[0][0] = np.asarray(out, dtype="int64")

    def infer_shape(self, node, shapes):
        nd = node.outputs[0].ndim
        shape = None
        for s in shapes[:-1]:
            if len(s) == nd:
                shape = s
        return [shape]

    def connection_pattern(self, node):
        return [[False] for _ in node.inputs]

    def L_op(self, inputs, outputs, gz):
        return [DisconnectedType()() for _ in inputs]


def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    """Flat indices from a tuple of index arrays (``numpy.ravel_multi_index``)."""
    if not isinstance(multi_index, list | tuple):
        raise TypeError("ravel_multi_index: multi_index must be a tuple or a list")
    return RavelMultiIndex(mode=mode, order=order)(*multi_index, dims)


class UnravelIndex(Op):
    """``numpy.unravel_index``: one int64 index array per dimension of ``dims``."""

    __props__ = ("order",)

    def __init__(self, order="C"):
        if order not in ("C", "F"):
            raise ValueError(f"unravel_index: order must be 'C' or 'F', got {order!r}")
        self.order = order

    def make_node(self, indices, dims):
        indices, dims = as_tensor_variable(indices), as_tensor_variable(dims)
        if indices.dtype not in _INT_DTYPES:
            raise TypeError(f"unravel_index: indices must be integers, got {indices.type}")
        if dims.ndim != 1 or dims.dtype not in _INT_DTYPES:
            raise TypeError(f"unravel_index: dims must be an integer vector, got {dims.type}")
        n = _vector_length(dims)
        if n is None:
            raise ValueError("unravel_index: the length of dims must be known when the graph "
                             "is built (a constant, x.shape or a list of scalars)")  # fmt: skip
        outs = [TensorType("int64", indices.broadcastable)() for _ in range(n)]
        return Apply(self, [indices, dims], outs)

    def perform(self, node, inputs, output_storage):
        indices, dims = inputs
        res = np.unravel_index(indices, tuple(int(d) for d in dims), order=self.order)
        for cell, value in zip(output_storage, res):
            cell[0] = np.asarray(value, dtype="int64")

    def infer_shape(self, node, shapes):
        return [shapes[0]] * len(node.outputs)

    def connection_pattern(self, node):
        return [[False] * len(node.outputs) for _ in node.inputs]

    def L_op(self, inputs, outputs, gz):
        return [DisconnectedType()(), DisconnectedType()()]


def unravel_index(indices, dims, order="C"):
    """A tuple of index arrays, one per dimension of ``dims`` (``numpy.unravel_index``)."""
    from theano.tensor.shape import MakeVector

    if isinstance(dims, list | tuple) and not all(isinstance(d, int | np.integer) for d in dims):
        dims = MakeVector("int64")(*dims)
    res = UnravelIndex(order=order)(indices, dims)
    return tuple(res) if isinstance(res, list) else (res,)


# --------------------------------------------------------------------------- choose


class Choose(Op):
    """``numpy.choose(a, choices, mode=mode)``.

    ``n_choices=None`` takes ``choices`` as one tensor whose first axis indexes the
    choices; otherwise the node has ``n_choices`` choice inputs after ``a``.
    """

    __props__ = ("mode", "n_choices")

    def __init__(self, mode="raise", n_choices=None):
        if mode not in ("raise", "wrap", "clip"):
            raise ValueError(f"choose: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
        self.mode = mode
        self.n_choices = None if n_choices is None else int(n_choices)

    def make_node(self, a, *choices):
        a = as_tensor_variable(a)
        if a.dtype not in _INT_DTYPES:
            raise TypeError(f"choose: a must be integers, got {a.type}")
        choices = [as_tensor_variable(c) for c in choices]
        if self.n_choices is None:
            if len(choices) != 1 or choices[0].ndim < 1:
                raise TypeError("choose: choices must be a tensor of at least one dimension "
                                "or a list of tensors")  # fmt: skip
            patterns = [a.broadcastable, choices[0].broadcastable[1:]]
        else:
            if len(choices) != self.n_choices:
                raise TypeError(f"choose: expected {self.n_choices} choices, got {len(choices)}")
            patterns = [a.broadcastable] + [c.broadcastable for c in choices]
        nd = max(len(p) for p in patterns)
        bcast = [all(p[d - nd + len(p)] for p in patterns if d - nd + len(p) >= 0)
                 for d in range(nd)]  # fmt: skip
        dtype = scalar.upcast(*[c.dtype for c in choices])
        return Apply(self, [a, *choices], [TensorType(dtype, bcast)()])

    def perform(self, node, inputs, output_storage):
        a, *choices = inputs
        choices = choices[0] if self.n_choices is None else choices
        out = np.choose(a, choices, mode=self.mode)
        operands = [(node.inputs[0], a)]
        if self.n_choices is None:
            operands.append((node.inputs[1], choices[0]))
        else:
            operands += list(zip(node.inputs[1:], choices))
        _check_no_broadcast(self, operands, out.shape)
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].dtype)

    def infer_shape(self, node, shapes):
        from theano.tensor.math import maximum

        if self.n_choices is None:
            shapes = [shapes[0], shapes[1][1:]]
            owners = [node.inputs[0].broadcastable, node.inputs[1].broadcastable[1:]]
        else:
            owners = [v.broadcastable for v in node.inputs]
        nd = node.outputs[0].ndim
        out = []
        for d in range(nd):
            sizes = [s[d - nd + len(s)] for s, b in zip(shapes, owners)
                     if d - nd + len(s) >= 0 and not b[d - nd + len(s)]]  # fmt: skip
            size = sizes[0] if sizes else 1
            for other in sizes[1:]:
                size = maximum(size, other)
            out.append(size)
        return [tuple(out)]

    def connection_pattern(self, node):
        return [[False]] + [[True]] * (len(node.inputs) - 1)

    def L_op(self, inputs, outputs, gz):
        from theano.tensor.math import eq, maximum, minimum, mod, switch, zeros_like

        a, *choices = inputs
        if self.n_choices is None:
            why = "choose: the gradient for choices given as one tensor is not implemented; "
            return [DisconnectedType()(), NullType(why + "pass a list of tensors")()]
        g = gz[0]
        n = len(choices)
        if self.mode == "wrap":
            a = mod(a, n)
        elif self.mode == "clip":
            a = minimum(maximum(a, 0), n - 1)
        grads = [DisconnectedType()()]
        for i, c in enumerate(choices):
            gi = switch(eq(a, i), g, zeros_like(g))
            grads.append(_grad_for(c, _sum_to(gi, c)))
        return grads


def _check_no_broadcast(op, operands, shape):
    """Theano's rule: only broadcastable dimensions may broadcast."""
    for k, (var, value) in enumerate(operands):
        pattern = var.broadcastable[1:] if (op.n_choices is None and k == 1) else var.broadcastable
        vshape = np.shape(value)[len(np.shape(value)) - len(pattern) :]
        for d, (b, n) in enumerate(zip(pattern, vshape)):
            if not b and n != shape[len(shape) - len(pattern) + d]:
                raise ValueError(
                    f"{op}: input {k} of type {var.type} has shape {np.shape(value)}, which "
                    f"does not match the result's shape {shape} in a dimension that is not "
                    "broadcastable; mark it broadcastable (e.g. with T.addbroadcast)"
                )


def choose(a, choices, out=None, mode="raise"):
    """Build an array from ``choices`` picked by the indices ``a`` (``numpy.choose``).

    ``choices`` is a list of tensors (broadcast against ``a``; differentiable) or one
    tensor whose first axis enumerates the choices.
    """
    if out is not None:
        raise NotImplementedError("choose: the out argument is not supported")
    if isinstance(choices, list | tuple):
        return Choose(mode, len(choices))(a, *choices)
    return Choose(mode)(a, choices)


__all__ = [
    "BinCountOp", "Bincount", "Choose", "CumOp", "DiffOp", "FillDiagonal",
    "FillDiagonalOffset", "RavelMultiIndex", "RepeatOp", "SearchsortedOp", "Unique",
    "UnravelIndex", "bincount", "choose", "compress", "cumprod", "cumsum", "diff",
    "fill_diagonal", "fill_diagonal_offset", "ravel_multi_index", "repeat", "searchsorted",
    "squeeze", "to_one_hot", "unique", "unravel_index",
]  # fmt: skip
