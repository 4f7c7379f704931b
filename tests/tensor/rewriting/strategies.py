"""Hypothesis strategies for random `theano.tensor` expression graphs.

`graph_cases()` draws a `GraphCase`: symbolic inputs of mixed dtypes and broadcastable
patterns with concrete shapes and values, a chain of tensor operations over them, the
outputs to compile (the last expression, an intermediate one, and the gradient of a
scalar cost), and the shapes NumPy says each output must have.

Each expression is built by evaluating a line of Python source (``v3 = T.exp(v1) + v2``),
so the graph and its printed recipe cannot drift apart: ``repr(case)`` is a script that
rebuilds the failing graph. Operations are looked up on ``theano.tensor`` by name and
skipped when the name does not exist, so a new op joins the pool by adding one entry to
`UNARY`, `BINARY` or `MOTIFS` (or a builder to `BUILDERS`).

The tests run with ``--import-mode=importlib`` and ``tests/`` is not a package, so
another test loads this module by path, as ``_load_strategies`` in
``test_differential.py`` does.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

import theano.tensor as T

DTYPES = ("float32", "float64", "int8", "int32", "int64", "bool")
FLOAT_DTYPES = ("float32", "float64")
PATTERNS = {
    "scalar": (),
    "vector": (False,),
    "row": (True, False),
    "col": (False, True),
    "matrix": (False, False),
}
MAX_NDIM = 3
MAX_STEPS = 10

# Elementwise unary ops: (name on T, source template, the dtypes it takes: None for all,
# "numeric" for all but bool, "discrete" for ints and bool). Templates guard the domain:
# log and sqrt only see positive values.
UNARY = [
    ("neg", "-{a}", "numeric"),
    ("abs", "T.abs({a})", None),
    ("exp", "T.exp({a})", None),
    ("log", "T.log(T.abs({a}) + 1)", None),
    ("log", "T.log(T.exp({a}))", None),
    ("sqrt", "T.sqrt(T.abs({a}))", None),
    ("tanh", "T.tanh({a})", None),
    ("sigmoid", "T.sigmoid({a})", None),
    ("softplus", "T.softplus({a})", None),
    ("sqr", "T.sqr({a})", None),
    ("log1p", "T.log1p(T.abs({a}))", None),
    ("expm1", "T.expm1({a})", None),
    ("sin", "T.sin({a})", None),
    ("cos", "T.cos({a})", None),
    ("sgn", "T.sgn({a})", "numeric"),
    ("inv", "T.inv({a})", None),
    ("floor", "T.floor({a})", None),
    ("ceil", "T.ceil({a})", None),
    ("round", "T.round({a})", None),
    ("trunc", "T.trunc({a})", None),
    ("erf", "T.erf({a})", None),
    ("erfc", "T.erfc({a})", None),
    ("arctan", "T.arctan({a})", None),
    ("arcsin", "T.arcsin(T.tanh({a}))", None),
    ("sinh", "T.sinh({a})", None),
    ("cosh", "T.cosh({a})", None),
    ("log2", "T.log2(T.abs({a}) + 1)", None),
    ("log10", "T.log10(T.abs({a}) + 1)", None),
    ("exp2", "T.exp2({a})", None),
    ("gammaln", "T.gammaln(T.abs({a}) + 1)", None),
    ("psi", "T.psi(T.abs({a}) + 1)", None),
    ("xlogx", "T.xlogx(T.abs({a}))", None),
    ("isnan", "T.isnan({a})", None),
    ("isinf", "T.isinf({a})", None),
    ("clip", "T.clip({a}, -1, 2)", "numeric"),
    ("bitwise_not", "T.bitwise_not({a})", "discrete"),
    ("zeros_like", "T.zeros_like({a})", None),
    ("ones_like", "T.ones_like({a})", None),
    ("cumsum", "T.cumsum({a})", None),
    ("sqr", "T.sqr(T.sqr({a}))", None),
]
# Elementwise binary ops over two broadcast-compatible terms.
BINARY = [
    ("add", "{a} + {b}"),
    ("sub", "{a} - {b}"),
    ("mul", "{a} * {b}"),
    ("true_div", "{a} / {b}"),
    ("pow", "(T.abs({a}) + 1) ** {b}"),
    ("maximum", "T.maximum({a}, {b})"),
    ("minimum", "T.minimum({a}, {b})"),
    ("lt", "T.lt({a}, {b})"),
    ("gt", "T.gt({a}, {b})"),
    ("le", "T.le({a}, {b})"),
    ("ge", "T.ge({a}, {b})"),
    ("eq", "T.eq({a}, {b})"),
    ("neq", "T.neq({a}, {b})"),
    ("switch", "T.switch(T.lt({a}, {b}), {a}, {b})"),
    ("switch", "T.switch({a} > 0, {b}, {a})"),
    ("add", "T.add({a}, {b}, {a})"),
    ("mul", "T.mul({a}, {b}, {b})"),
    ("int_div", "{a} // (T.abs({b}) + 1)"),
    ("mod", "{a} % (T.abs({b}) + 1)"),
    ("arctan2", "T.arctan2({a}, {b})"),
    ("xlogy0", "T.xlogy0(T.abs({a}), T.abs({b}) + 1)"),
    ("fill", "T.fill({a}, {b})"),
    ("where", "T.where(T.neq({a}, 0), {a}, {b})"),
]
# Patterns the FAST_RUN rewrites look for (neutral constants, stabilization, pow
# specialization, inverse pairs), so they fire often.
MOTIFS = [
    ("mul", "{a} * 1"),
    ("add", "{a} + 0"),
    ("add", "0 + {a} * 1"),
    ("neg", "-(-{a})"),
    ("log", "T.log(1 + T.exp({a}))"),
    ("log", "T.log(1 + T.abs({a}))"),
    ("log", "T.log(T.sigmoid({a}))"),
    ("log", "T.log(1 - T.sigmoid({a}))"),
    ("log1p", "T.log1p(T.exp({a}))"),
    ("exp", "T.exp({a}) - 1"),
    ("exp", "T.exp(T.log(T.abs({a}) + 1))"),
    ("pow", "{a} ** 2"),
    ("pow", "T.abs({a}) ** 0.5"),
    ("pow", "{a} ** -1"),
    ("pow", "{a} ** 1"),
    ("mul", "{a} * 2.5"),
    ("sub", "1 - {a}"),
    ("true_div", "{a} / 2"),
    ("cast", "T.cast({a}, 'float32') * 1"),
]


def _available(name):
    return hasattr(T, name)


@dataclass
class Term:
    """One expression of the graph: its variable, concrete shape and source name."""

    var: object
    shape: tuple
    name: str

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def dtype(self):
        return self.var.dtype

    @property
    def broadcastable(self):
        return self.var.broadcastable


class GraphCase:
    """A graph to compile: inputs, their values, the outputs and their expected shapes.

    ``repr`` is a script that rebuilds the graph and the values.
    """

    def __init__(self, inputs, values, outputs, shapes, lines=(), terms=()):
        self.inputs, self.values, self.outputs = inputs, values, outputs
        self.shapes, self.lines = shapes, list(lines)
        self.terms = list(terms)  # every intermediate expression, for diagnosis

    def __repr__(self):
        vals = ",\n    ".join(
            f"np.array({v.tolist()!r}, dtype={str(v.dtype)!r}).reshape({v.shape})"
            for v in self.values
        )
        body = "\n".join(self.lines)
        return f"\n{body}\nvalues = [\n    {vals},\n]\n"


def elemwise_compatible(*terms):
    """True when Theano broadcasts these terms together at run time without error.

    Shapes align on the right; a dimension may differ only where one side is
    broadcastable (and so of size 1). Non-broadcastable 1s do not stretch.
    """
    nd = max(t.ndim for t in terms)
    cols = []
    for t in terms:
        pad = nd - t.ndim
        cols.append(list(zip((True,) * pad + t.broadcastable, (1,) * pad + t.shape)))
    for dim in zip(*cols):
        sizes = {n for b, n in dim if not b}
        if len(sizes) > 1 or (sizes and any(b and n != 1 for b, n in dim)):
            return False
    return True


class _Builder:
    """Draws operations and keeps the pool of terms built so far."""

    def __init__(self, draw):
        self.draw = draw
        self.pool: list[Term] = []
        self.lines: list[str] = []
        self.namespace = {"T": T, "np": np}

    # -- helpers -------------------------------------------------------------------

    def pick(self, candidates=None):
        """A term from ``candidates`` (default: the pool), favouring recent ones."""
        cands = self.pool if candidates is None else candidates
        if not cands:
            return None
        if self.draw(st.booleans()):
            return cands[-1]  # chains: what fusion and inplace work on
        i = self.draw(st.integers(0, len(cands) - 1))
        # Index 0 (what hypothesis shrinks towards) is the most recent term.
        return cands[len(cands) - 1 - i]

    def add(self, src, shape):
        name = f"v{len(self.pool)}"
        try:
            var = eval(src, self.namespace)
        except TypeError:
            # The op refuses these dtypes when the graph is built (round of an int,
            # say): no graph to compare, so the step is skipped.
            return None
        assert var.ndim == len(shape), (
            "\n".join(self.lines) + f"\n{src}: ndim {var.ndim}, NumPy shape {shape}"
        )
        self.namespace[name] = var
        self.lines.append(f"{name} = {src}  # {var.type}, shape {shape}")
        term = Term(var, tuple(shape), name)
        self.pool.append(term)
        return term

    def fill(self, template, **terms):
        return template.format(**{k: t.name for k, t in terms.items()})

    # -- operations ----------------------------------------------------------------

    def unary(self):
        a = self.pick()
        name, template, kinds = self.draw(st.sampled_from(UNARY_OK))
        if kinds == "numeric" and a.dtype == "bool":
            return None
        if kinds == "discrete" and a.dtype in FLOAT_DTYPES:
            return None
        if name == "cumsum":
            shape = (int(np.prod(a.shape)),)
        else:
            shape = a.shape
        return self.add(self.fill(template, a=a), shape)

    def binary(self):
        a = self.pick()
        b = self.pick([t for t in self.pool if elemwise_compatible(a, t)])
        name, template = self.draw(st.sampled_from(BINARY_OK))
        if name == "pow" and b.dtype not in FLOAT_DTYPES:
            template = "(T.abs({a}) + 1) ** T.abs({b})"  # ints to negative powers raise
        shape = np.broadcast_shapes(a.shape, b.shape)
        return self.add(self.fill(template, a=a, b=b), shape)

    def motif(self):
        a = self.pick()
        _, template = self.draw(st.sampled_from(MOTIFS_OK))
        if a.dtype == "bool" and "-(" in template:
            return None  # NumPy refuses to negate booleans
        if a.dtype not in FLOAT_DTYPES and "** -1" in template:
            return None  # ints to negative powers raise
        return self.add(self.fill(template, a=a), a.shape)

    def cast(self):
        a = self.pick()
        dtype = self.draw(st.sampled_from(DTYPES))
        if a.dtype in FLOAT_DTYPES and dtype not in FLOAT_DTYPES:
            # Float to int casts of inf/nan are undefined in C; keep the values tame.
            return self.add(f"T.cast(T.tanh({a.name}) * 3, {dtype!r})", a.shape)
        return self.add(f"T.cast({a.name}, {dtype!r})", a.shape)

    def reduction(self):
        a = self.pick()
        fn = self.draw(st.sampled_from([f for f in ("sum", "prod", "mean", "max", "min")
                                        if _available(f)]))  # fmt: skip
        axis = self.draw_axes(a.ndim)
        keepdims = self.draw(st.booleans())
        ref = getattr(np, fn)
        reduced = range(a.ndim) if axis is None else [axis] if isinstance(axis, int) else axis
        if fn in ("max", "min") and any(a.shape[d] == 0 for d in reduced):
            return None  # no identity: NumPy (and Theano) refuse an empty max
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the mean of an empty slice
            shape = ref(np.zeros(a.shape), axis=axis, keepdims=keepdims).shape
        return self.add(f"T.{fn}({a.name}, axis={axis!r}, keepdims={keepdims})", shape)

    def arg_reduction(self):
        a = self.pick()
        fn = self.draw(st.sampled_from(["argmax", "argmin"]))
        axis = self.draw(st.sampled_from([None, *range(-a.ndim, a.ndim)]))
        sizes = a.shape if axis is None else [a.shape[axis]]
        if not _available(fn) or (a.ndim == 0 and axis is not None) or 0 in sizes:
            return None
        shape = np.argmax(np.zeros(a.shape), axis=axis).shape
        return self.add(f"T.{fn}({a.name}, axis={axis!r})", shape)

    def draw_axes(self, ndim):
        if ndim == 0:
            return None
        kind = self.draw(st.sampled_from(["none", "int", "tuple"]))
        if kind == "none":
            return None
        if kind == "int":
            return self.draw(st.integers(-ndim, ndim - 1))
        axes = self.draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim,
                                  unique=True))  # fmt: skip
        return tuple(axes)

    def dimshuffle(self):
        a = self.pick()
        kept = [d for d in range(a.ndim)
                if not a.broadcastable[d] or self.draw(st.booleans())]  # fmt: skip
        order = self.draw(st.permutations(kept))
        n_new = self.draw(st.integers(0, MAX_NDIM - len(order)))
        order = list(order)
        for _ in range(n_new):
            order.insert(self.draw(st.integers(0, len(order))), "x")
        if self.draw(st.booleans()) and a.ndim >= 1:
            return self.add(f"{a.name}.T", a.shape[::-1])
        shape = tuple(1 if d == "x" else a.shape[d] for d in order)
        return self.add(f"{a.name}.dimshuffle({', '.join(map(repr, order))})", shape)

    def reshape(self):
        a = self.pick()
        size = int(np.prod(a.shape))
        if self.draw(st.booleans()) and a.ndim >= 1:
            outdim = self.draw(st.integers(1, a.ndim))
            shape = a.shape[: outdim - 1] + (int(np.prod(a.shape[outdim - 1 :])),)
            return self.add(f"T.flatten({a.name}, {outdim})", shape)
        ndim = self.draw(st.integers(0 if size == 1 else 1, MAX_NDIM))
        shape = self.draw_factorization(size, ndim)
        if shape is None:
            return None
        spec = list(shape)
        if size > 0 and ndim >= 1 and self.draw(st.booleans()):
            spec[self.draw(st.integers(0, ndim - 1))] = -1
        return self.add(f"T.reshape({a.name}, {tuple(spec)!r})", shape)

    def draw_factorization(self, size, ndim):
        if ndim == 0:
            return ()
        options = [s for s in itertools.product(range(size + 1), repeat=ndim)
                   if int(np.prod(s)) == size and max(s, default=0) <= max(size, 4)]  # fmt: skip
        return self.draw(st.sampled_from(options)) if options else None

    def subtensor(self):
        a = self.pick()
        if a.ndim == 0:
            return None
        idx = self.draw_index(a)
        shape = np.zeros(a.shape)[idx].shape
        text = ", ".join(_index_src(i) for i in idx)
        return self.add(f"{a.name}[{text}]", shape)

    def set_subtensor(self):
        a = self.pick([t for t in self.pool if t.ndim >= 1 and t.dtype != "bool"])
        if a is None:
            return (
                None  # a bool target refuses numeric values (test_inc_subtensor_of_bool_with_int)
            )
        idx = self.draw_index(a)
        fn = self.draw(st.sampled_from(["set_subtensor", "inc_subtensor"]))
        value = self.draw(st.sampled_from(["0", "1", "2"]))
        scalars = [t for t in self.pool if t.ndim == 0 and t.dtype == a.dtype]
        if scalars and self.draw(st.booleans()):
            value = self.pick(scalars).name
        text = ", ".join(_index_src(i) for i in idx)
        if eval(f"{a.name}[{text}]", self.namespace) is a.var:
            return None  # x[:] is x itself: set_subtensor would write into x's own base
        return self.add(f"T.{fn}({a.name}[{text}], {value})", a.shape)

    def draw_index(self, a):
        """A basic index of ``a``: an int or a slice per leading dimension."""
        idx = []
        for d in range(self.draw(st.integers(1, a.ndim))):
            n = a.shape[d]
            if n > 0 and self.draw(st.integers(0, 3)) == 0:
                idx.append(self.draw(st.integers(-n, n - 1)))
                continue
            bound = st.none() | st.integers(-5, 5)
            step = self.draw(st.sampled_from([None, 1, 2, -1, -2]))
            idx.append(slice(self.draw(bound), self.draw(bound), step))
        return tuple(idx)

    def dot(self):
        a = self.pick([t for t in self.pool if t.ndim in (1, 2)])
        if a is None:
            return None
        k = a.shape[-1]
        b = self.pick([t for t in self.pool if t.ndim in (1, 2) and t.shape[0] == k])
        if b is None:
            return None
        shape = np.dot(np.zeros(a.shape), np.zeros(b.shape)).shape
        src = f"T.dot({a.name}, {b.name})"
        like = [
            t for t in self.pool if t.shape == shape and t.broadcastable == (False,) * len(shape)
        ]
        if like and self.draw(st.booleans()):
            # z * beta + alpha * dot(x, y): what the BLAS rewrites (gemm, gemv, ger) match.
            c = self.pick(like)
            beta, alpha = self.draw(st.sampled_from([("1", "1"), ("0.5", "2"), ("-1", "1")]))
            src = f"{c.name} * {beta} + {alpha} * {src}"
        return self.add(src, shape)

    def join(self):
        a = self.pick([t for t in self.pool if t.ndim >= 1])
        if a is None:
            return None
        axis = self.draw(st.integers(-a.ndim, a.ndim - 1))
        ax = axis % a.ndim

        def fits(t):
            return t.ndim == a.ndim and all(
                t.shape[d] == a.shape[d] for d in range(a.ndim) if d != ax
            )

        parts = [a, self.pick([t for t in self.pool if fits(t)])]
        if self.draw(st.booleans()):
            parts.append(self.pick([t for t in self.pool if fits(t)]))
        shape = np.concatenate([np.zeros(t.shape) for t in parts], axis=axis).shape
        names = ", ".join(t.name for t in parts)
        if self.draw(st.booleans()) and _available("join"):
            return self.add(f"T.join({axis}, {names})", shape)
        return self.add(f"T.concatenate([{names}], axis={axis})", shape)


def _advanced_index(self):
    """``a[int_list]`` or ``a[bool_mask]`` on the first axis (NumPy semantics)."""
    a = self.pick([t for t in self.pool if t.ndim >= 1 and t.shape[0] > 0])
    if a is None:
        return None
    n = a.shape[0]
    if self.draw(st.booleans()):
        idx = self.draw(st.lists(st.integers(-n, n - 1), min_size=0, max_size=4))
        src_idx, np_idx = repr(idx), np.asarray(idx, dtype="int64")
    else:
        mask = self.draw(st.lists(st.booleans(), min_size=n, max_size=n))
        src_idx, np_idx = f"np.array({mask!r})", np.asarray(mask, dtype=bool)
    shape = np.zeros(a.shape)[np_idx].shape
    if self.draw(st.booleans()) and a.dtype in FLOAT_DTYPES:
        # inc_subtensor with repeated indices accumulates; the result has a's shape.
        return self.add(f"T.inc_subtensor({a.name}[{src_idx}], 1.5)", a.shape)
    return self.add(f"{a.name}[{src_idx}]", shape)


def _nnet(self):
    """softmax / log-softmax of a float matrix, or logsumexp / var / std over axes."""
    a = self.pick([t for t in self.pool if t.dtype in FLOAT_DTYPES and t.ndim >= 1])
    if a is None:
        return None
    kind = self.draw(st.sampled_from(["softmax", "logsoftmax", "logsumexp", "var", "std"]))
    if kind in ("softmax", "logsoftmax"):
        if a.ndim != 2:
            return None
        return self.add(f"T.nnet.{kind}({a.name})", a.shape)
    axis = self.draw_axes(a.ndim)
    reduced = range(a.ndim) if axis is None else [axis] if isinstance(axis, int) else axis
    if kind == "logsumexp" and any(a.shape[d] == 0 for d in reduced):
        return None  # no maximum to shift by: refused, as in Theano
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shape = np.var(np.zeros(a.shape), axis=axis).shape
    return self.add(f"T.{kind}({a.name}, axis={axis!r})", shape)


_Builder.advanced_index = _advanced_index
_Builder.nnet = _nnet


def _index_src(i):
    if isinstance(i, slice):
        start, stop = ("" if v is None else str(v) for v in (i.start, i.stop))
        return f"{start}:{stop}" + ("" if i.step is None else f":{i.step}")
    return str(i)


UNARY_OK = [u for u in UNARY if _available(u[0])]
BINARY_OK = [b for b in BINARY if _available(b[0])]
MOTIFS_OK = [m for m in MOTIFS if _available(m[0])]

# Operation families and their weights (how often each is drawn).
BUILDERS = {
    "unary": (_Builder.unary, 4),
    "binary": (_Builder.binary, 5),
    "motif": (_Builder.motif, 3),
    "cast": (_Builder.cast, 1),
    "reduction": (_Builder.reduction, 2),
    "arg_reduction": (_Builder.arg_reduction, 1),
    "dimshuffle": (_Builder.dimshuffle, 1),
    "reshape": (_Builder.reshape, 1),
    "subtensor": (_Builder.subtensor, 2),
    "set_subtensor": (_Builder.set_subtensor, 1),
    "dot": (_Builder.dot, 1),
    "join": (_Builder.join, 1),
    "advanced_index": (_advanced_index, 1),
    "nnet": (_nnet, 1),
}
_FAMILIES = [name for name, (_, w) in BUILDERS.items() for _ in range(w)]


def _input_values(rng, dtype, shape):
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype in FLOAT_DTYPES:
        v = rng.uniform(-3, 3, size=shape)
        special = rng.random(shape) < 0.2
        v = np.where(special, rng.choice([0.0, 1.0, -1.0, 0.5, 2.0], size=shape), v)
        return np.asarray(v, dtype=dtype)
    return np.asarray(rng.integers(-5, 6, size=shape), dtype=dtype)


@st.composite
def graph_cases(draw, dtypes=DTYPES, families=None, with_grad=True):
    """A random `GraphCase`; ``families`` limits the operation families drawn."""
    families = _FAMILIES if families is None else [f for f in _FAMILIES if f in families]
    sizes = draw(st.lists(st.integers(0, 4), min_size=2, max_size=2))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    b = _Builder(draw)
    inputs, values = [], []
    for i in range(draw(st.integers(1, 3))):
        dtype = draw(st.sampled_from(dtypes))
        kind = draw(st.sampled_from(sorted(PATTERNS)))
        bcast = PATTERNS[kind]
        shape = tuple(1 if bb else draw(st.sampled_from(sizes)) for bb in bcast)
        src = f"T.TensorType({dtype!r}, {bcast!r})('x{i}')"
        term = b.add(src, shape)
        inputs.append(term.var)
        values.append(_input_values(rng, dtype, shape))
    n_inputs = len(inputs)
    for _ in range(draw(st.integers(1, MAX_STEPS))):
        family = draw(st.sampled_from(families))
        BUILDERS[family][0](b)
    last = b.pool[-1]
    extra = b.pick(b.pool[n_inputs:-1]) if len(b.pool) > n_inputs + 1 else None
    outputs, shapes = [last.var], [last.shape]
    b.lines.append(f"outputs = [{last.name}]")
    if extra is not None:
        outputs.append(extra.var)
        shapes.append(extra.shape)
        b.lines.append(f"outputs.append({extra.name})")
    wrt = [t for t in b.pool[:n_inputs] if t.dtype in FLOAT_DTYPES]
    if with_grad and wrt and last.dtype in FLOAT_DTYPES and draw(st.booleans()):
        names = ", ".join(t.name for t in wrt)
        src = f"T.grad(T.sum({last.name}), [{names}], disconnected_inputs='ignore')"
        grads = eval(src, b.namespace)
        if grads:
            outputs.extend(grads)
            shapes.extend(t.shape for t in wrt)
            b.lines.append(f"outputs += {src}")
    inputs_line = ", ".join(t.name for t in b.pool[:n_inputs])
    b.lines.insert(0, "import numpy as np, theano, theano.tensor as T")
    b.lines.append(f"inputs = [{inputs_line}]")
    terms = [t.var for t in b.pool[n_inputs:]]
    return GraphCase(inputs, values, outputs, shapes, b.lines, terms)
