"""Symbolic differentiation: `grad`, `jacobian`, `hessian`, `Rop`, `Lop`, `verify_grad`.

Reverse mode walks the graph from the cost back to ``wrt``, asking each op for its
`L_op`; forward mode (`Rop`) walks forward asking for `R_op`. Gradients that do
not exist are `DisconnectedType` (the output does not depend on the input) or
`NullType` (the gradient is undefined), so that the user gets a clear error.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict

import numpy as np

from theano.configdefaults import config
from theano.graph.basic import Apply, Constant, Variable, graph_inputs, io_toposort
from theano.graph.null_type import DisconnectedType, NullType
from theano.graph.op import Op
from theano.tensor import math as tm
from theano.tensor.basic import as_tensor_variable, constant
from theano.tensor.type import TensorType


class DisconnectedInputError(ValueError):
    """`grad` was asked for the gradient with respect to an input the cost does not use."""


class NullTypeGradError(TypeError):
    """A gradient needed by `grad` is undefined."""


class GradientError(Exception):
    """`verify_grad` found a symbolic gradient that differs from finite differences."""

    def __init__(self, arg, err_pos, abs_err, rel_err, abs_tol, rel_tol):
        super().__init__()
        self.arg, self.err_pos = arg, err_pos
        self.abs_err, self.rel_err = abs_err, rel_err
        self.abs_tol, self.rel_tol = abs_tol, rel_tol

    def __str__(self):
        return (
            f"GradientError: numeric gradient and analytic gradient exceed tolerance:\n"
            f"        At position {self.err_pos} of argument {self.arg},\n"
            f"            abs. error = {self.abs_err}, abs. tolerance = {self.abs_tol}\n"
            f"            rel. error = {self.rel_err}, rel. tolerance = {self.rel_tol}"
        )


def grad_undefined(op, x_pos, x, comment=""):
    """A `NullType` variable: the gradient of ``op`` for input ``x_pos`` is undefined."""
    return NullType(f"the gradient of {op} with respect to input {x_pos} is undefined. "
                    f"{comment}")()  # fmt: skip


def _is_disconnected(g):
    return isinstance(g.type, DisconnectedType)


def _is_null(g):
    return isinstance(g.type, NullType)


def _float_zeros_like(x):
    dtype = x.dtype if x.dtype.startswith(("float", "complex")) else config.floatX
    return tm.zeros_like(x, dtype=dtype)


def _connection(node):
    pattern = node.op.connection_pattern(node)
    if pattern is None:
        return [[True] * len(node.outputs) for _ in node.inputs]
    return pattern


def grad(cost, wrt, consider_constant=None, disconnected_inputs="raise",
         add_names=True, known_grads=None, return_disconnected="zero",
         null_gradients="raise"):  # fmt: skip
    """The gradient of scalar ``cost`` with respect to ``wrt`` (a variable or a list).

    Parameters
    ----------
    cost : scalar Variable or None
        None is allowed when ``known_grads`` gives the starting gradients.
    wrt : Variable or list of Variable
    consider_constant : list of Variable, optional
        Expressions whose gradient is not propagated (treated as constants).
    disconnected_inputs : {'raise', 'warn', 'ignore'}
        What to do when ``cost`` does not depend on an element of ``wrt``.
    known_grads : dict, optional
        Gradients of the cost with respect to some variables, to start from.
    return_disconnected : {'zero', 'None', 'Disconnected'}
        What to return for a disconnected input.
    null_gradients : {'raise', 'return'}
        Raise `NullTypeGradError` for undefined gradients, or return them.
    """
    single = isinstance(wrt, Variable)
    wrt_list = [wrt] if single else list(wrt)
    for w in wrt_list:
        if not isinstance(w, Variable):
            raise TypeError(f"grad: wrt must be variables, got {w!r}")
    if cost is not None:
        cost = as_tensor_variable(cost)
        if cost.ndim != 0:
            raise TypeError(
                f"cost must be a scalar; got {cost} of type {cost.type}. Sum or average it "
                "first, or use jacobian() for a vector"
            )
    known = OrderedDict()
    if known_grads:
        for var, g in known_grads.items():
            known[var] = g if isinstance(g, Variable) else as_tensor_variable(g)
    if cost is not None and cost not in known:
        known[cost] = tm.ones_like(cost, dtype=cost.dtype if cost.dtype.startswith("float")
                                   else config.floatX)  # fmt: skip
    if not known:
        raise ValueError("grad: give a cost or known_grads")

    blockers = set(consider_constant or ())
    grads = _backprop(list(known), known, wrt_list, blockers)

    out = []
    for w in wrt_list:
        g = grads.get(w)
        if g is None or _is_disconnected(g):
            msg = (
                f"grad method was asked to compute the gradient with respect to a variable "
                f"that is not part of the computational graph of the cost, or is used only "
                f"by a non-differentiable operator: {w}"
            )
            if disconnected_inputs == "raise":
                raise DisconnectedInputError(msg)
            if disconnected_inputs == "warn":
                warnings.warn(msg, stacklevel=2)
            elif disconnected_inputs != "ignore":
                raise ValueError(f"disconnected_inputs must be 'raise', 'warn' or 'ignore', "
                                 f"got {disconnected_inputs!r}")  # fmt: skip
            if return_disconnected == "zero":
                g = _float_zeros_like(w)
            elif return_disconnected == "None":
                g = None
            else:
                g = DisconnectedType()()
        elif _is_null(g) and null_gradients == "raise":
            raise NullTypeGradError(
                f"grad encountered a NaN/undefined gradient for {w}: {g.type.why_null}"
            )
        elif (
            not _is_null(g)
            and isinstance(w.type, TensorType)
            and g.dtype != w.dtype
            and w.dtype.startswith(
                ("float", "complex")  # fmt: skip
            )
        ):
            g = tm.cast(g, w.dtype)
        if add_names and g is not None and cost is not None and getattr(cost, "name", None) \
                and getattr(w, "name", None) and g.name is None:  # fmt: skip
            g.name = f"(d{cost.name}/d{w.name})"
        out.append(g)
    return out[0] if single else out


def _backprop(starts, known, wrt, blockers):
    """Accumulate gradients from ``starts`` back to ``wrt``; returns {variable: gradient}."""
    # Only nodes on a path between wrt and the starts matter.
    wrt_set = set(wrt)
    depends = {}

    def reaches_wrt(v):
        if v in depends:
            return depends[v]
        stack = [(v, False)]
        while stack:
            u, done = stack.pop()
            if u in depends:
                continue
            if done:
                depends[u] = u in wrt_set or (
                    u.owner is not None and u not in blockers
                    and any(depends[i] for i in u.owner.inputs)
                )  # fmt: skip
                continue
            if u in wrt_set or u.owner is None or u in blockers:
                depends[u] = u in wrt_set
                continue
            stack.append((u, True))
            stack.extend((i, False) for i in u.owner.inputs if i not in depends)
        return depends[v]

    for s in starts:
        reaches_wrt(s)
    nodes = [n for n in io_toposort(list(wrt_set), starts)
             if any(depends.get(i) for i in n.inputs) and not any(o in blockers
                                                                   for o in n.outputs)]  # fmt: skip
    acc: dict[Variable, list] = {v: [g] for v, g in known.items()}

    def total(v):
        terms = acc.get(v)
        if not terms:
            return None
        nulls = [t for t in terms if _is_null(t)]
        if nulls:
            return nulls[0]
        real = [t for t in terms if not _is_disconnected(t)]
        if not real:
            return DisconnectedType()()
        return real[0] if len(real) == 1 else tm.add(*real)

    for node in reversed(nodes):
        out_grads = [total(o) for o in node.outputs]
        if all(g is None or _is_disconnected(g) for g in out_grads):
            continue
        if any(g is not None and _is_null(g) for g in out_grads):
            for i, inp in enumerate(node.inputs):
                acc.setdefault(inp, []).append(next(g for g in out_grads if g is not None
                                                    and _is_null(g)))  # fmt: skip
            continue
        filled = [
            g if (g is not None and not _is_disconnected(g)) else DisconnectedType()()
            for g in out_grads
        ]
        if any(_is_disconnected(g) for g in filled):
            filled = [_float_zeros_like(o) if _is_disconnected(g) else g
                      for g, o in zip(filled, node.outputs)]  # fmt: skip
        input_grads = node.op.L_op(node.inputs, node.outputs, filled)
        if len(input_grads) != len(node.inputs):
            raise ValueError(f"{node.op}.L_op returned {len(input_grads)} gradients for "
                             f"{len(node.inputs)} inputs")  # fmt: skip
        pattern = _connection(node)
        for i, (inp, g) in enumerate(zip(node.inputs, input_grads)):
            if not depends.get(inp) or inp in blockers and inp not in wrt_set:
                continue
            if g is None or not any(pattern[i]):
                continue
            if not isinstance(g, Variable):
                g = as_tensor_variable(g)
            acc.setdefault(inp, []).append(g)
    return {w: total(w) for w in wrt}


# ------------------------------------------------------------------ forward mode


def Rop(f, wrt, eval_points, disconnected_outputs="raise", return_disconnected="zero"):
    """Jacobian of ``f`` with respect to ``wrt``, times ``eval_points`` (forward mode).

    ``f``, ``wrt`` and ``eval_points`` may each be a variable or a list; each eval
    point must have the type of its ``wrt``.
    """
    single_f = isinstance(f, Variable)
    fs = [f] if single_f else list(f)
    wrts = [wrt] if isinstance(wrt, Variable) else list(wrt)
    evs = [eval_points] if isinstance(wrt, Variable) else list(eval_points)
    if len(wrts) != len(evs):
        raise ValueError(f"Rop: {len(wrts)} wrt variables but {len(evs)} eval points")
    tangents = {}
    for w, v in zip(wrts, evs):
        v = as_tensor_variable(v)
        if v.ndim != w.ndim:
            raise ValueError(f"Rop: the eval point for {w} must have {w.ndim} dimensions, "
                             f"got {v.type}")  # fmt: skip
        # The eval point must have the shape of wrt; checking it keeps wrt an input of the
        # result, as in Theano.
        tangents[w] = _SameShape()(v, w)
    for node in io_toposort(wrts, fs):
        evals = [tangents.get(i) for i in node.inputs]
        if all(e is None for e in evals):
            continue
        outs = node.op.R_op(node.inputs, evals)
        for o, r in zip(node.outputs, outs):
            if r is not None:
                tangents[o] = r
    results = []
    for out in fs:
        r = tangents.get(out)
        if r is None:
            msg = f"Rop: the output {out} does not depend on any of {wrts}"
            if disconnected_outputs == "raise":
                raise DisconnectedInputError(msg)
            if disconnected_outputs == "warn":
                warnings.warn(msg, stacklevel=2)
            r = _float_zeros_like(out) if return_disconnected == "zero" else None
        results.append(r)
    return results[0] if single_f else results


class _SameShape(Op):
    """``value``, after checking at run time that it has the shape of ``like``."""

    __props__ = ()
    view_map = {0: [0]}

    def __str__(self):
        return "SameShape"

    def make_node(self, value, like):
        value, like = as_tensor_variable(value), as_tensor_variable(like)
        return Apply(self, [value, like], [value.type()])

    def py_code(self, node, inames, onames, ctx):
        err = ctx.ref(_shape_mismatch, "shape_mismatch")
        return (f"if {inames[0]}.shape != {inames[1]}.shape: {err}({inames[0]}, {inames[1]})\n"
                f"{onames[0]} = {inames[0]}")  # fmt: skip

    def perform(self, node, inputs, output_storage):
        if np.shape(inputs[0]) != np.shape(inputs[1]):
            _shape_mismatch(*inputs)
        output_storage[0][0] = inputs[0]

    def infer_shape(self, node, shapes):
        return [shapes[1]]

    def connection_pattern(self, node):
        return [[True], [False]]

    def L_op(self, inputs, outputs, gz):
        return [gz[0], DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        return [eval_points[0]]


def _shape_mismatch(value, like):
    raise ValueError(f"Rop/Lop: an eval point has shape {np.shape(value)} but the variable it "
                     f"goes with has shape {np.shape(like)}")  # fmt: skip


def Lop(f, wrt, eval_points, consider_constant=None, disconnected_inputs="raise"):
    """``eval_points`` times the Jacobian of ``f`` with respect to ``wrt`` (reverse mode)."""
    fs = [f] if isinstance(f, Variable) else list(f)
    evs = [eval_points] if isinstance(eval_points, Variable) else list(eval_points)
    if len(fs) != len(evs):
        raise ValueError(f"Lop: {len(fs)} outputs but {len(evs)} eval points")
    known = OrderedDict((o, _SameShape()(as_tensor_variable(v), o)) for o, v in zip(fs, evs))
    return grad(None, wrt, consider_constant=consider_constant, known_grads=known,
                disconnected_inputs=disconnected_inputs)  # fmt: skip


# ------------------------------------------------------------------ jacobian, hessian


class MapGrad(Op):
    """Evaluate an inner graph once per index ``i`` in ``range(n)`` and stack the results.

    The inner graph's first input is the int64 scalar ``i``; the others are the outer
    variables it needs, passed in as this node's inputs after ``n``. Used by
    `jacobian` and `hessian`, whose rows are gradients of ``expr[i]``.
    """

    __props__ = ("inner_inputs", "inner_output", "like")

    def __init__(self, inner_inputs, inner_output, like=None):
        self.inner_inputs = tuple(inner_inputs)
        self.inner_output = inner_output
        # The outer input whose shape a row has: it gives the shape of an empty result.
        self.like = like

    def __str__(self):
        return "MapGrad"

    def make_node(self, n, *outer):
        out = self.inner_output
        bcast = (False, *out.broadcastable)
        return Apply(self, [as_tensor_variable(n), *outer], [TensorType(out.dtype, bcast)()])

    def py_code(self, node, inames, onames, ctx):
        inner = ctx.ref(ctx.compile_graph(list(self.inner_inputs), [self.inner_output]),
                        "inner_graph")  # fmt: skip
        stack = ctx.ref(_stack_rows, "stack_rows")
        rest = ", ".join(inames[1:])
        return f"{onames[0]} = {stack}({inner}, {inames[0]}, ({rest}{',' if rest else ''}), " \
               f"{node.outputs[0].dtype!r}, {self.inner_output.ndim}, {self.like!r})"  # fmt: skip

    def infer_shape(self, node, shapes):
        raise NotImplementedError

    def L_op(self, inputs, outputs, gz):
        raise NotImplementedError(
            "the gradient of a jacobian is not supported; differentiate the expression "
            "itself (hessian() does this)"
        )


def _stack_rows(inner, n, outer, dtype, ndim, like=None):
    rows = [inner(np.asarray(i, dtype="int64"), *outer)[0] for i in range(int(n))]
    if not rows:
        row_shape = np.shape(outer[like]) if like is not None else (0,) * ndim
        return np.zeros((0, *row_shape), dtype=dtype)
    return np.asarray(np.stack([np.asarray(r) for r in rows]), dtype=dtype)


def jacobian(expression, wrt, consider_constant=None, disconnected_inputs="raise"):
    """The Jacobian of vector (or scalar) ``expression`` with respect to ``wrt``.

    Works when sizes are known only at call time: row ``i`` is ``grad(expression[i],
    wrt)``, evaluated for every ``i`` of the expression's length.
    """
    expression = as_tensor_variable(expression)
    single = isinstance(wrt, Variable)
    wrts = [wrt] if single else list(wrt)
    if expression.ndim == 0:
        res = grad(expression, wrts, consider_constant=consider_constant,
                   disconnected_inputs=disconnected_inputs)  # fmt: skip
        return res[0] if single else res
    if expression.ndim != 1:
        raise TypeError(f"jacobian expects a vector expression, got {expression.type}; "
                        "flatten it first")  # fmt: skip
    i = TensorType("int64", ())("i")
    results = []
    for w in wrts:
        g = grad(expression[i], w, consider_constant=consider_constant,
                 disconnected_inputs=disconnected_inputs)  # fmt: skip
        free = [v for v in graph_inputs([g]) if not isinstance(v, Constant) and v is not i]
        if w not in free and not isinstance(w, Constant):
            free.append(w)  # an empty expression still gives rows shaped like w
        op = MapGrad([i, *free], g, like=free.index(w) if w in free else None)
        n = expression.shape[0]
        results.append(op(n, *free))
    return results[0] if single else results


def hessian(cost, wrt, consider_constant=None, disconnected_inputs="raise"):
    """The Hessian of scalar ``cost`` with respect to vector ``wrt`` (or each of a list)."""
    cost = as_tensor_variable(cost)
    if cost.ndim != 0:
        raise TypeError(f"hessian: cost must be a scalar, got {cost.type}")
    single = isinstance(wrt, Variable)
    wrts = [wrt] if single else list(wrt)
    out = []
    for w in wrts:
        if w.ndim != 1:
            raise TypeError(f"hessian: wrt must be a vector, got {w} of type {w.type}")
        g = grad(cost, w, consider_constant=consider_constant,
                 disconnected_inputs=disconnected_inputs)  # fmt: skip
        out.append(jacobian(g, w, consider_constant=consider_constant,
                            disconnected_inputs=disconnected_inputs))  # fmt: skip
    return out[0] if single else out


# ------------------------------------------------------------- gradient modifiers


class _GradModifier(Op):
    """Identity in the forward pass; changes the gradient in the backward pass."""

    __props__ = ()
    view_map = {0: [0]}

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def py_code(self, node, inames, onames, ctx):
        return f"{onames[0]} = {inames[0]}"

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0]

    def infer_shape(self, node, shapes):
        return shapes

    def R_op(self, inputs, eval_points):
        return [eval_points[0]]


class ZeroGrad(_GradModifier):
    def L_op(self, inputs, outputs, gz):
        return [_float_zeros_like(inputs[0])]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else _float_zeros_like(eval_points[0])]


class DisconnectedGrad(_GradModifier):
    def connection_pattern(self, node):
        return [[False]]

    def L_op(self, inputs, outputs, gz):
        return [DisconnectedType()()]


class ConsiderConstant(DisconnectedGrad):
    pass


class GradClip(_GradModifier):
    __props__ = ("clip_lower_bound", "clip_upper_bound")

    def __init__(self, clip_lower_bound, clip_upper_bound):
        if clip_upper_bound < clip_lower_bound:
            raise ValueError("grad_clip: the upper bound must not be below the lower bound")
        self.clip_lower_bound = clip_lower_bound
        self.clip_upper_bound = clip_upper_bound

    def L_op(self, inputs, outputs, gz):
        return [tm.minimum(tm.maximum(gz[0], self.clip_lower_bound), self.clip_upper_bound)]


class GradScale(_GradModifier):
    __props__ = ("multiplier",)

    def __init__(self, multiplier):
        self.multiplier = multiplier

    def L_op(self, inputs, outputs, gz):
        return [tm.mul(gz[0], self.multiplier)]


def zero_grad(x):
    """``x`` in the forward pass; its gradient is zero."""
    return ZeroGrad()(x)


def disconnected_grad(x):
    """``x`` in the forward pass; no gradient flows through it (disconnected)."""
    return DisconnectedGrad()(x)


def consider_constant(x):
    """``x``, treated as a constant by `grad`."""
    return ConsiderConstant()(x)


def grad_clip(x, lower_bound, upper_bound):
    """``x`` in the forward pass; its gradient clipped to ``[lower_bound, upper_bound]``."""
    return GradClip(lower_bound, upper_bound)(x)


def grad_scale(x, multiplier):
    """``x`` in the forward pass; its gradient multiplied by ``multiplier``."""
    return GradScale(multiplier)(x)


# ---------------------------------------------------------------------- verify_grad


def numeric_grad(fun, pt, eps=None):
    """Central finite differences of scalar ``fun`` at the list of arrays ``pt``."""
    grads = []
    for k, x in enumerate(pt):
        step = eps or (1e-7 ** 0.5 if x.dtype == np.float64 else 1e-2 if x.dtype ==
                       np.float16 else 1e-3 ** 1)  # fmt: skip
        g = np.zeros(x.shape, dtype="float64")
        if not x.flags.c_contiguous:
            x = pt[k] = x.copy(order="C")  # so the flat view below writes into x
        flat = x.reshape(-1)
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + step
            plus = float(fun(*pt))
            flat[j] = orig - step
            minus = float(fun(*pt))
            flat[j] = orig
            g.reshape(-1)[j] = (plus - minus) / (2 * step)
        grads.append(g)
    return grads


def verify_grad(fun, pt, n_tests=2, rng=None, eps=None, out_type=None, abs_tol=None,
                rel_tol=None, mode=None, cast_to_output_type=False, no_debug_ref=True):  # fmt: skip
    """Check ``grad`` of ``fun`` at ``pt`` against finite differences (Theano's method).

    ``fun`` takes symbolic inputs shaped like the arrays in ``pt`` and returns a
    tensor; the check projects it on a random tensor to get a scalar cost, then
    compares its symbolic gradient with central differences. Raises `GradientError`.
    """
    from theano.compile.function import function  # verify_grad compiles; kept lazy

    pt = [np.array(p) for p in pt]
    if rng is None:
        rng = np.random.default_rng(42)
    floatish = [p.dtype.kind == "f" for p in pt]
    if not all(floatish):
        raise TypeError("verify_grad: every point must be a float array")
    inputs = [TensorType(p.dtype, (False,) * p.ndim)(f"input_{k}") for k, p in enumerate(pt)]
    out = fun(*inputs)
    out = as_tensor_variable(out)
    dtype = out.dtype if out.dtype.startswith("float") else "float64"
    sizes_fn = function(inputs, out.shape, mode=mode, on_unused_input="ignore")
    out_shape = tuple(int(s) for s in sizes_fn(*pt))
    low_precision = any(p.dtype in (np.float32, np.float16) for p in pt) or dtype == "float32"
    abs_tol = abs_tol if abs_tol is not None else (1e-2 if low_precision else 1e-4)
    rel_tol = rel_tol if rel_tol is not None else (1e-2 if low_precision else 1e-4)
    for _ in range(n_tests):
        proj = rng.uniform(size=out_shape).astype(dtype) + 0.5
        proj_var = constant(proj)
        cost = tm.sum(tm.mul(out, proj_var))
        cost_fn = function(inputs, cost, mode=mode, on_unused_input="ignore")
        grads = grad(cost, inputs, disconnected_inputs="ignore")
        grad_fn = function(inputs, grads, mode=mode, on_unused_input="ignore")
        analytic = grad_fn(*[p.copy() for p in pt])
        work = [p.astype("float64") if p.dtype == np.float64 else p.copy() for p in pt]
        numeric = numeric_grad(cost_fn, work, eps)
        for k, (a, n) in enumerate(zip(analytic, numeric)):
            a = np.asarray(a, dtype="float64")
            abs_err = np.abs(a - n)
            rel_err = abs_err / np.maximum(np.abs(a) + np.abs(n), 1e-8)
            bad = (abs_err > abs_tol) & (rel_err > rel_tol)
            if np.any(bad):
                pos = int(np.argmax(np.where(bad, abs_err, -1)))
                raise GradientError(k, pos, float(abs_err.reshape(-1)[pos]),
                                    float(rel_err.reshape(-1)[pos]), abs_tol, rel_tol)  # fmt: skip


verify_grad.E_grad = GradientError

__all__ = [
    "DisconnectedInputError",
    "GradientError",
    "Lop",
    "NullTypeGradError",
    "Rop",
    "consider_constant",
    "disconnected_grad",
    "grad",
    "grad_clip",
    "grad_scale",
    "grad_undefined",
    "hessian",
    "jacobian",
    "numeric_grad",
    "verify_grad",
    "zero_grad",
]  # fmt: skip
