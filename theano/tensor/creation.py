"""Array creation and diagonal ops: `zeros`, `ones`, `eye`, `arange`, `mgrid`, `diag`, `tile`...

Theano 1.0 kept these in ``tensor/basic.py``; old code reaches them as ``T.zeros``,
``T.arange``, ``T.eye`` and so on. Shapes may be Python ints, symbolic integer
scalars, or lists mixing both; ``zeros(x.shape)`` works too.
"""

from __future__ import annotations

import numpy as np

from theano import scalar
from theano.configdefaults import config
from theano.graph.basic import Apply, Constant, Variable
from theano.graph.null_type import DisconnectedType
from theano.graph.op import Op
from theano.tensor.basic import as_tensor_variable, constant
from theano.tensor.elemwise import _cast_grad
from theano.tensor.type import TensorType

_INT_DTYPES = scalar.basic.INT_DTYPES + scalar.basic.UINT_DTYPES


def _int_scalar(v, what, op_name):
    """``v`` as an int64 scalar variable; raise a readable error when it is not an integer."""
    from theano.tensor.math import cast

    if isinstance(v, int | np.integer) and not isinstance(v, bool):
        return constant(int(v), dtype="int64")
    v = as_tensor_variable(v)
    if v.ndim != 0 or v.dtype not in _INT_DTYPES:
        raise TypeError(f"{op_name}: {what} must be an integer scalar, got {v.type}")
    if isinstance(v, Constant):
        return constant(int(v.data), dtype="int64")
    return cast(v, "int64")


def _vector_length(v):
    """The length of the symbolic vector ``v`` when the graph tells it, else None."""
    from theano.tensor.shape import MakeVector, Shape

    if isinstance(v, Constant):
        return len(v.data)
    if v.owner is not None and isinstance(v.owner.op, MakeVector):
        return len(v.owner.inputs)
    if v.owner is not None and isinstance(v.owner.op, Shape):
        return v.owner.inputs[0].ndim
    if v.owner is not None and type(v.owner.op).__name__ == "Elemwise":
        # A cast of a vector keeps its length.
        lengths = [_vector_length(i) for i in v.owner.inputs if i.ndim == 1]
        lengths = [n for n in lengths if n is not None]
        return lengths[0] if lengths else None
    return None


def shape_scalars(shape, op_name="shape"):
    """A list of int64 scalars (Python ints stay ints) from a shape given in any form.

    ``shape`` may be an int, an integer scalar variable, a list/tuple of those, or an
    integer vector whose length the graph knows (a constant, ``x.shape``, a vector
    built from scalars).
    """
    from theano.tensor.subtensor import index

    if isinstance(shape, int | np.integer):
        return [int(shape)]
    if isinstance(shape, np.ndarray):
        return [int(s) for s in shape.reshape(-1)]
    if isinstance(shape, list | tuple):
        out = []
        for s in shape:
            if isinstance(s, int | np.integer):
                out.append(int(s))
            elif isinstance(s, Constant) and np.ndim(s.data) == 0 and s.dtype in _INT_DTYPES:
                out.append(int(s.data))
            else:
                out.append(_int_scalar(s, "each dimension", op_name))
        return out
    v = as_tensor_variable(shape)
    if v.ndim == 0:
        return shape_scalars([v], op_name)
    if v.ndim != 1 or v.dtype not in _INT_DTYPES:
        raise TypeError(f"{op_name}: a shape must be an integer vector, got {v.type}")
    if isinstance(v, Constant):
        return [int(s) for s in v.data]
    if v.owner is not None and type(v.owner.op).__name__ == "MakeVector":
        return shape_scalars(list(v.owner.inputs), op_name)
    n = _vector_length(v)
    if n is None:
        raise ValueError(
            f"{op_name}: the length of the symbolic shape {v} is unknown; pass a list of "
            "scalars instead"
        )
    return [_int_scalar(index(v, i), "each dimension", op_name) for i in range(n)]


def _resolve_dtype(dtype):
    if dtype is None or dtype == "floatX":
        return config.floatX
    return str(np.dtype(dtype))


# ---------------------------------------------------------------- zeros, ones, empty


def zeros(shape, dtype=None):
    """A tensor of zeros of ``shape`` (an int, scalar, list of those, or a vector)."""
    from theano.tensor.shape import alloc

    dims = [_int_scalar(d, "each dimension", "zeros") for d in shape_scalars(shape, "zeros")]
    value = np.array(0, dtype=_resolve_dtype(dtype))
    return alloc(value, *dims) if dims else constant(value)


def ones(shape, dtype=None):
    """A tensor of ones of ``shape`` (an int, scalar, list of those, or a vector)."""
    from theano.tensor.shape import alloc

    dims = [_int_scalar(d, "each dimension", "ones") for d in shape_scalars(shape, "ones")]
    value = np.array(1, dtype=_resolve_dtype(dtype))
    return alloc(value, *dims) if dims else constant(value)


class AllocEmpty(Op):
    """A new uninitialised tensor of ``dtype`` and the given shape."""

    __props__ = ("dtype",)
    uninitialized_output = True  # DebugMode does not compare or check its values

    def __init__(self, dtype):
        self.dtype = _resolve_dtype(dtype)

    def make_node(self, *shape):
        dims = [_int_scalar(s, "each dimension", "AllocEmpty") for s in shape]
        bcast = [isinstance(d, Constant) and int(d.data) == 1 for d in dims]
        return Apply(self, dims, [TensorType(self.dtype, bcast)()])

    def py_code(self, node, inames, onames, ctx):
        dims = "".join(f"{n}, " for n in inames)
        return f"{onames[0]} = {ctx.ref(np.empty, 'empty')}(({dims}), dtype={self.dtype!r})"

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.empty(tuple(int(d) for d in inputs), dtype=self.dtype)

    def do_constant_folding(self, node):
        return False

    def infer_shape(self, node, shapes):
        return [tuple(node.inputs)]

    def connection_pattern(self, node):
        return [[False] for _ in node.inputs]

    def L_op(self, inputs, outputs, gz):
        return [DisconnectedType()() for _ in inputs]


def empty(shape, dtype=None):
    """An uninitialised tensor of ``shape`` (its values are whatever memory held)."""
    return AllocEmpty(dtype)(*shape_scalars(shape, "empty"))


# --------------------------------------------------------------------------- arange


def _constant_value(var):
    return var.data.item() if isinstance(var, Constant) and var.data.size == 1 else None


class ARange(Op):
    """``numpy.arange(start, stop, step)`` of a fixed ``dtype``."""

    __props__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = str(np.dtype(dtype))

    def make_node(self, start, stop, step):
        inputs = [as_tensor_variable(v) for v in (start, stop, step)]
        for name, v in zip(("start", "stop", "step"), inputs):
            if v.ndim != 0:
                raise TypeError(f"arange: {name} must be a scalar, got {v.type}")
        return Apply(self, inputs, [TensorType(self.dtype, (False,))()])

    def py_code(self, node, inames, onames, ctx):
        fn = ctx.ref(np.arange, "arange")
        return f"{onames[0]} = {fn}({', '.join(inames)}, dtype={self.dtype!r})"

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.arange(*inputs, dtype=self.dtype)

    def infer_shape(self, node, shapes):
        from theano.tensor.math import cast, int_div, maximum, neg, sub

        start, stop, step = node.inputs
        if (
            _constant_value(start) == 0
            and _constant_value(step) == 1
            and stop.dtype.startswith(("int", "uint"))
        ):
            # arange(n): max(n, 0) elements (a plain expression for shape rewrites)
            return [(maximum(cast(stop, "int64"), constant(0, dtype="int64")),)]
        work = "float64" if any(v.dtype.startswith(("float", "complex")) for v in
                                node.inputs) else "int64"  # fmt: skip
        start, stop, step = (cast(v, work) for v in (start, stop, step))
        # ceil((stop - start) / step) == -((start - stop) // step), for either sign of step
        n = neg(int_div(sub(start, stop), step))
        return [(maximum(cast(n, "int64"), constant(0, dtype="int64")),)]

    def connection_pattern(self, node):
        return [[True], [False], [True]]

    def L_op(self, inputs, outputs, gz):
        from theano.tensor.math import mul, sum, zeros_like

        start, _stop, step = inputs
        if self.dtype in scalar.DISCRETE_DTYPES:
            return [zeros_like(start, dtype=config.floatX), DisconnectedType()(),
                    zeros_like(step, dtype=config.floatX)]  # fmt: skip
        from theano.tensor.shape import shape_i

        steps = ARange(self.dtype)(constant(0, dtype="int64"), shape_i(outputs[0], 0),
                                   constant(1, dtype="int64"))  # fmt: skip
        return [sum(gz[0]), DisconnectedType()(), sum(mul(gz[0], steps))]

    def R_op(self, inputs, eval_points):
        return [None]


def _arange_dtype(start, stop, step):
    """Theano's rule: the upcast of the arguments, with all ints widened to 64 bits."""
    dtype = scalar.upcast(start.dtype, stop.dtype, step.dtype)
    if dtype in scalar.INT_DTYPES or dtype == "bool":
        dtype = "int64"
    elif dtype in scalar.UINT_DTYPES:
        dtype = "uint64"
    if config.cast_policy == "numpy+floatX":
        numpy_dtype = str(np.arange(np.array(0, dtype=start.dtype), np.array(1, dtype=stop.dtype),
                                    np.array(1, dtype=step.dtype)).dtype)  # fmt: skip
        if numpy_dtype != dtype:
            if (config.floatX == "float32" and numpy_dtype == "float64"
                    and "float64" not in (start.dtype, stop.dtype, step.dtype)):  # fmt: skip
                dtype = "float32"
            else:
                dtype = numpy_dtype
    return dtype


def arange(start, stop=None, step=1, dtype=None):
    """``numpy.arange`` for symbolic or constant scalars.

    With ``dtype=None`` the dtype is the upcast of the three arguments' dtypes, with
    integers widened to int64 (uint64 for unsigned), as in Theano: ``arange(5)`` is
    int64 and ``arange(x)`` for a float32 scalar ``x`` is float32.
    """
    if stop is None:
        start, stop = 0, start
    start, stop, step = (as_tensor_variable(v) for v in (start, stop, step))
    for name, v in zip(("start", "stop", "step"), (start, stop, step)):
        if v.ndim != 0:
            raise TypeError(f"arange: {name} must be a scalar, got {v.type}")
    dtype = _arange_dtype(start, stop, step) if dtype is None else _resolve_dtype(dtype)
    return ARange(dtype)(start, stop, step)


class _NdGrid:
    """``mgrid[0:5, 0:3]`` (dense) and ``ogrid[...]`` (open) with symbolic bounds."""

    def __init__(self, sparse):
        self.sparse = sparse

    def __getitem__(self, key):
        from theano.tensor.elemwise import dimshuffle
        from theano.tensor.math import mul, ones_like

        single = not isinstance(key, tuple)
        slices = (key,) if single else key
        for sl in slices:
            if not isinstance(sl, slice):
                raise TypeError(f"mgrid/ogrid take slices such as 0:5, got {sl!r}")
            if isinstance(sl.step, complex):
                raise NotImplementedError("mgrid/ogrid with a complex step (a point count)")
        ndim = len(slices)
        ranges = [arange(sl.start if sl.start is not None else 0, sl.stop,
                         sl.step if sl.step is not None else 1) for sl in slices]  # fmt: skip
        ranges = [dimshuffle(r, *(["x"] * j + [0] + ["x"] * (ndim - 1 - j)))
                  for j, r in enumerate(ranges)]  # fmt: skip
        if self.sparse:
            grids = ranges
        else:
            grids = []
            for i in range(ndim):
                grid = ranges[i]
                for j in range(ndim):
                    if j != i:
                        grid = mul(grid, ones_like(ranges[j]))
                grids.append(grid)
        return grids[0] if single else grids


mgrid = _NdGrid(sparse=False)
ogrid = _NdGrid(sparse=True)


# ---------------------------------------------------------------------- eye and tri


class Eye(Op):
    """``numpy.eye(n, m, k)`` of a fixed ``dtype``; ``n``, ``m`` and ``k`` are inputs."""

    __props__ = ("dtype",)

    def __init__(self, dtype=None):
        self.dtype = _resolve_dtype(dtype)

    def make_node(self, n, m, k):
        inputs = [_int_scalar(v, name, "eye") for v, name in ((n, "n"), (m, "m"), (k, "k"))]
        return Apply(self, inputs, [TensorType(self.dtype, (False, False))()])

    def py_code(self, node, inames, onames, ctx):
        fn = ctx.ref(np.eye, "eye")
        return f"{onames[0]} = {fn}({', '.join(inames)}, dtype={self.dtype!r})"

    def perform(self, node, inputs, output_storage):
        n, m, k = (int(v) for v in inputs)
        output_storage[0][0] = np.eye(n, m, k, dtype=self.dtype)

    def infer_shape(self, node, shapes):
        return [(node.inputs[0], node.inputs[1])]

    def connection_pattern(self, node):
        return [[False], [False], [False]]

    def L_op(self, inputs, outputs, gz):
        return [DisconnectedType()() for _ in inputs]

    def R_op(self, inputs, eval_points):
        return [None]


def eye(n, m=None, k=0, dtype=None):
    """A 2-d tensor with ones on diagonal ``k`` and zeros elsewhere (dtype: floatX)."""
    if m is None:
        m = n
    return Eye(dtype)(n, m, k)


def identity_like(x):
    """An identity matrix of the shape and dtype of the matrix ``x``."""
    from theano.tensor.shape import shape_i

    x = as_tensor_variable(x)
    if x.ndim != 2:
        raise TypeError(f"identity_like: expects a matrix, got {x.type}")
    return eye(shape_i(x, 0), shape_i(x, 1), k=0, dtype=x.dtype)


def tri(N, M=None, k=0, dtype=None):
    """An ``N`` x ``M`` tensor with ones at and below diagonal ``k`` (dtype: floatX)."""
    from theano.tensor.elemwise import dimshuffle
    from theano.tensor.math import add, cast, ge

    if M is None:
        M = N
    rows = add(dimshuffle(arange(N), 0, "x"), _int_scalar(k, "k", "tri"))
    mask = ge(rows, dimshuffle(arange(M), "x", 0))
    return cast(mask, _resolve_dtype(dtype))


def _tri_mask(m, k, name):
    from theano.tensor.shape import shape_i

    m = as_tensor_variable(m)
    if m.ndim < 2:
        raise TypeError(f"{name}: expects a tensor of 2 or more dimensions, got {m.type}")
    return m, tri(shape_i(m, m.ndim - 2), shape_i(m, m.ndim - 1), k, dtype="bool")


def _keep_pattern(out, like):
    if out.broadcastable != like.broadcastable:
        from theano.tensor.broadcast import patternbroadcast

        return patternbroadcast(out, like.broadcastable)
    return out


def tril(m, k=0):
    """``m`` with the elements above diagonal ``k`` zeroed (on the last two axes)."""
    from theano.tensor.math import switch

    m, mask = _tri_mask(m, k, "tril")
    return _keep_pattern(switch(mask, m, constant(0, dtype=m.dtype)), m)


def triu(m, k=0):
    """``m`` with the elements below diagonal ``k`` zeroed (on the last two axes)."""
    from theano.tensor.math import sub, switch

    m, mask = _tri_mask(m, sub(_int_scalar(k, "k", "triu"), 1), "triu")
    return _keep_pattern(switch(mask, constant(0, dtype=m.dtype), m), m)


# ------------------------------------------------------------------------ diagonals


def _check_offset(offset, name):
    if isinstance(offset, Variable):
        if not isinstance(offset, Constant):
            raise TypeError(f"{name}: the offset must be a Python int, not a variable")
        offset = offset.data
    return int(offset)


class AllocDiag(Op):
    """A square matrix with the vector input on diagonal ``offset`` (``numpy.diag(v, k)``)."""

    __props__ = ("offset",)

    def __init__(self, offset=0):
        self.offset = _check_offset(offset, "AllocDiag")

    def make_node(self, v):
        v = as_tensor_variable(v)
        if v.ndim != 1:
            raise TypeError(f"AllocDiag: expects a vector, got {v.type}")
        return Apply(self, [v], [TensorType(v.dtype, (False, False))()])

    def py_code(self, node, inames, onames, ctx):
        return f"{onames[0]} = {ctx.ref(np.diag, 'diag')}({inames[0]}, {self.offset})"

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.diag(inputs[0], self.offset)

    def infer_shape(self, node, shapes):
        from theano.tensor.math import add

        n = add(shapes[0][0], abs(self.offset)) if self.offset else shapes[0][0]
        return [(n, n)]

    def L_op(self, inputs, outputs, gz):
        return [ExtractDiag(self.offset)(gz[0])]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0])]


class ExtractDiag(Op):
    """The diagonal ``offset`` of the ``axis1``/``axis2`` planes, as the last axis.

    ``numpy.diagonal``, copied (``view=True`` returns NumPy's read-only view).
    """

    __props__ = ("offset", "axis1", "axis2", "view")

    def __init__(self, offset=0, axis1=0, axis2=1, view=False):
        self.offset = _check_offset(offset, "ExtractDiag")
        self.axis1, self.axis2 = int(axis1), int(axis2)
        self.view = bool(view)
        if self.view:
            self.view_map = {0: [0]}

    def _axes(self, ndim):
        a1, a2 = self.axis1, self.axis2
        if not (-ndim <= a1 < ndim and -ndim <= a2 < ndim):
            raise ValueError(f"diagonal: axes {a1} and {a2} out of range for {ndim} dimensions")
        a1, a2 = a1 % ndim, a2 % ndim
        if a1 == a2:
            raise ValueError("diagonal: axis1 and axis2 cannot be the same")
        return a1, a2

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.ndim < 2:
            raise TypeError(f"diagonal: expects 2 or more dimensions, got {x.type}")
        a1, a2 = self._axes(x.ndim)
        bcast = [b for d, b in enumerate(x.broadcastable) if d not in (a1, a2)] + [False]
        return Apply(self, [x], [TensorType(x.dtype, bcast)()])

    def perform(self, node, inputs, output_storage):
        out = np.diagonal(inputs[0], self.offset, self.axis1, self.axis2)
        output_storage[0][0] = out if self.view else out.copy()

    def py_code(self, node, inames, onames, ctx):
        fn = ctx.ref(np.diagonal, "diagonal")
        copy = "" if self.view else ".copy()"
        return (f"{onames[0]} = {fn}({inames[0]}, {self.offset}, {self.axis1}, "
                f"{self.axis2}){copy}")  # fmt: skip

    def infer_shape(self, node, shapes):
        from theano.tensor.math import maximum, minimum, sub

        (shape,) = shapes
        a1, a2 = self._axes(len(shape))
        rest = [s for d, s in enumerate(shape) if d not in (a1, a2)]
        n1, n2 = shape[a1], shape[a2]
        if self.offset >= 0:
            n2 = sub(n2, self.offset) if self.offset else n2
        else:
            n1 = sub(n1, -self.offset)
        n = maximum(minimum(n1, n2), constant(0, dtype="int64"))
        return [(*rest, n)]

    def L_op(self, inputs, outputs, gz):
        return [DiagonalGrad(self.offset, self.axis1, self.axis2)(inputs[0], gz[0])]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [ExtractDiag(self.offset, self.axis1, self.axis2)(eval_points[0])]


class DiagonalGrad(Op):
    """Zeros shaped like ``x`` with ``g`` written on its diagonal (the transpose of
    `ExtractDiag`)."""

    __props__ = ("offset", "axis1", "axis2")

    def __init__(self, offset=0, axis1=0, axis2=1):
        self.offset, self.axis1, self.axis2 = int(offset), int(axis1), int(axis2)

    def make_node(self, x, g):
        x, g = as_tensor_variable(x), as_tensor_variable(g)
        return Apply(self, [x, g], [TensorType(g.dtype, x.broadcastable)()])

    def perform(self, node, inputs, output_storage):
        x, g = inputs
        out = np.zeros(x.shape, dtype=node.outputs[0].dtype)
        planes = np.moveaxis(out, (self.axis1, self.axis2), (-2, -1))  # a writable view
        n1, n2 = planes.shape[-2:]
        k = self.offset
        n = max(0, min(n1, n2 - k) if k >= 0 else min(n1 + k, n2))
        rows = np.arange(n) + max(-k, 0)
        planes[..., rows, rows + k] = g
        output_storage[0][0] = out

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def connection_pattern(self, node):
        return [[False], [True]]

    def L_op(self, inputs, outputs, gz):
        return [DisconnectedType()(), ExtractDiag(self.offset, self.axis1, self.axis2)(gz[0])]

    def R_op(self, inputs, eval_points):
        if eval_points[1] is None:
            return [None]
        return [self(inputs[0], eval_points[1])]


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal ``offset`` of ``a`` over ``axis1`` and ``axis2`` (``numpy.diagonal``)."""
    return ExtractDiag(offset, axis1, axis2)(a)


def diag(v, k=0):
    """A matrix with vector ``v`` on diagonal ``k``, or the diagonal ``k`` of a matrix."""
    v = as_tensor_variable(v)
    if v.ndim == 1:
        return AllocDiag(k)(v)
    if v.ndim >= 2:
        return diagonal(v, offset=k)
    raise ValueError(f"diag: input must have 1 or more dimensions, got {v.type}")


def trace(a, offset=0, axis1=0, axis2=1):
    """The sum of the diagonal ``offset`` of ``a`` (``numpy.trace``)."""
    from theano.tensor.math import sum

    return sum(diagonal(a, offset, axis1, axis2), axis=-1)


# --------------------------------------------------------------------- tile and roll


class Tile(Op):
    """``numpy.tile(x, reps)`` for ``x`` of ``len(reps)`` dimensions; each rep is an input."""

    __props__ = ()

    def make_node(self, x, *reps):
        x = as_tensor_variable(x)
        reps = [_int_scalar(r, "reps", "tile") for r in reps]
        if len(reps) != x.ndim:
            raise TypeError(f"Tile: {len(reps)} reps for {x.type}; pad x or reps first")
        bcast = [b and isinstance(r, Constant) and int(r.data) == 1
                 for b, r in zip(x.broadcastable, reps)]  # fmt: skip
        return Apply(self, [x, *reps], [TensorType(x.dtype, bcast)()])

    def py_code(self, node, inames, onames, ctx):
        reps = "".join(f"{r}, " for r in inames[1:])
        return f"{onames[0]} = {ctx.ref(np.tile, 'tile')}({inames[0]}, ({reps}))"

    def perform(self, node, inputs, output_storage):
        x, *reps = inputs
        output_storage[0][0] = np.tile(x, tuple(int(r) for r in reps))

    def infer_shape(self, node, shapes):
        from theano.tensor.math import mul

        return [tuple(mul(s, r) for s, r in zip(shapes[0], node.inputs[1:]))]

    def connection_pattern(self, node):
        return [[True]] + [[False]] * (len(node.inputs) - 1)

    def L_op(self, inputs, outputs, gz):
        from theano.tensor.math import sum
        from theano.tensor.shape import reshape, shape_i

        x, *reps = inputs
        split = []
        for d, r in enumerate(reps):
            split += [r, 1 if x.broadcastable[d] else shape_i(x, d)]
        g = sum(reshape(gz[0], split, ndim=2 * x.ndim), axis=tuple(range(0, 2 * x.ndim, 2)))
        return [_keep_pattern(_cast_grad(g, x), x)] + [DisconnectedType()() for _ in reps]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0], *inputs[1:])]


def tile(x, reps, ndim=None):
    """``x`` repeated ``reps`` times along each axis (``numpy.tile``).

    ``reps`` is an int, a scalar, a list of ints/scalars, or an integer vector (give
    ``ndim`` when its length is unknown). The result has ``ndim`` dimensions (default
    ``max(x.ndim, len(reps))``). Differentiable with respect to ``x``.
    """
    from theano.tensor.broadcast import shape_padleft

    x = as_tensor_variable(x)
    try:
        reps = shape_scalars(reps, "tile")
    except ValueError:
        if ndim is None:
            raise ValueError(
                "tile: reps is a symbolic vector of unknown length; pass ndim="
            ) from None
        reps = _padded_symbolic_reps(as_tensor_variable(reps), ndim)
    if ndim is None:
        ndim = max(x.ndim, len(reps))
    if ndim < x.ndim or ndim < len(reps):
        raise ValueError(f"tile: ndim={ndim} is less than x.ndim ({x.ndim}) or len(reps) "
                         f"({len(reps)})")  # fmt: skip
    reps = [1] * (ndim - len(reps)) + list(reps)
    if x.ndim < ndim:
        x = shape_padleft(x, ndim - x.ndim)
    if all(isinstance(r, int) and r == 1 for r in reps):
        return x
    return Tile()(x, *reps)


def _padded_symbolic_reps(reps, ndim):
    from theano.tensor.math import lt, maximum, sub, switch
    from theano.tensor.shape import shape_i
    from theano.tensor.subtensor import index

    if reps.ndim != 1 or reps.dtype not in _INT_DTYPES:
        raise TypeError(f"tile: reps must be an integer vector, got {reps.type}")
    offset = sub(constant(ndim, dtype="int64"), shape_i(reps, 0))
    out = []
    for i in range(ndim):
        pos = sub(constant(i, dtype="int64"), offset)
        entry = index(reps, maximum(pos, constant(0, dtype="int64")))
        out.append(_int_scalar(switch(lt(pos, 0), constant(1, dtype="int64"), entry), "reps",
                               "tile"))  # fmt: skip
    return out


class Roll(Op):
    """``numpy.roll(x, shift, axis)``; ``shift`` is a (symbolic) integer scalar."""

    __props__ = ("axis",)

    def __init__(self, axis=None):
        self.axis = None if axis is None else int(axis)

    def make_node(self, x, shift):
        x = as_tensor_variable(x)
        shift = _int_scalar(shift, "shift", "roll")
        if self.axis is not None and not 0 <= self.axis < x.ndim:
            raise ValueError(f"roll: axis {self.axis} out of range for {x.type}")
        return Apply(self, [x, shift], [x.type()])

    def py_code(self, node, inames, onames, ctx):
        fn = ctx.ref(np.roll, "roll")
        return f"{onames[0]} = {fn}({inames[0]}, {inames[1]}, {self.axis})"

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.roll(inputs[0], int(inputs[1]), self.axis)

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def connection_pattern(self, node):
        return [[True], [False]]

    def L_op(self, inputs, outputs, gz):
        from theano.tensor.math import neg

        return [self(gz[0], neg(inputs[1])), DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0], inputs[1])]


def roll(x, shift, axis=None):
    """``x`` with its elements shifted by ``shift`` along ``axis`` (``numpy.roll``).

    With ``axis=None`` the flattened tensor is rolled and the shape restored. ``shift``
    and ``axis`` may be tuples of equal length, to roll along several axes.
    """
    x = as_tensor_variable(x)
    if isinstance(axis, list | tuple) or isinstance(shift, list | tuple):
        shifts = list(shift) if isinstance(shift, list | tuple) else [shift] * len(axis)
        axes = list(axis) if isinstance(axis, list | tuple) else [axis] * len(shifts)
        if len(shifts) != len(axes):
            raise ValueError("roll: shift and axis must have the same length")
        for s, a in zip(shifts, axes):
            x = roll(x, s, a)
        return x
    if axis is not None:
        if not -x.ndim <= int(axis) < x.ndim:
            raise ValueError(f"roll: axis {axis} out of range for {x.type}")
        axis = int(axis) % x.ndim
    return Roll(axis)(x, shift)


__all__ = [
    "ARange", "AllocDiag", "AllocEmpty", "DiagonalGrad", "ExtractDiag", "Eye", "Roll", "Tile",
    "arange", "diag", "diagonal", "empty", "eye", "identity_like", "mgrid", "ogrid", "ones",
    "roll", "tile", "trace", "tri", "tril", "triu", "zeros",
]  # fmt: skip
