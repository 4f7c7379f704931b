"""The Numba tier against the Python tier: every scalar op with a Numba form, aliasing,
the on-disk kernel cache across processes, background tiering, and lazy import."""

import os
import re
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import theano
import theano.scalar.basic as SB
import theano.tensor as T
from theano.compile.mode import FAST_RUN, Mode
from theano.scalar.composite import Composite
from theano.tensor.elemwise import Elemwise

pytest.importorskip("numba")

from theano.link.numba import kernels
from theano.link.numba.linker import count_kernels

N = 40  # elements per op in the combined kernels
# uint8 and uint64 found bugs of their own (a negated unsigned input, np.sign of 2**64-1).
DTYPES = ["float32", "float64", "int8", "int32", "int64", "bool", "uint8", "uint64"]


@pytest.fixture
def compiledir(tmp_path):
    with theano.change_flags(
        base_compiledir=str(tmp_path), **{"numba.kernels": "all", "numba.whole_graph": False}
    ):
        yield tmp_path


def kernel_calls(f):
    """How many compiled kernels the function's generated code calls."""
    return len(re.findall(r"(?m)^\s*_(?:kernel|parallel)(?:_\d+)?\(", f.call_source))


def kernel_files(root):
    return sorted(
        os.path.join(d, f)
        for d, _, files in os.walk(root)
        for f in files
        if f.startswith("k_") and f.endswith(".py")
    )


# ------------------------------------------------------------------ inputs per op

_FLOAT_SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.5, -2.5, 1e-3, np.nan, np.inf, -np.inf]


def _float_values(rng, dtype, lo=-4.0, hi=4.0, special=True):
    vals = rng.uniform(lo, hi, size=N)
    if special:
        vals[: len(_FLOAT_SPECIAL)] = _FLOAT_SPECIAL
    return vals.astype(dtype)


def _int_values(rng, dtype, lo=-50, hi=50):
    info = np.iinfo(dtype)
    vals = rng.integers(max(lo, info.min), min(hi, info.max), size=N, endpoint=True)
    vals[:3] = [0, 1, -1] if lo < 0 else [0, 1, 2]
    return vals.astype(dtype)


def _values(rng, dtype, role):
    """Inputs for one op: wide floats (NaN, inf and signed zeros included), small
    integers; ``role`` narrows them where the Python tier itself cannot compute."""
    if dtype == "bool":
        return rng.integers(0, 2, size=N).astype(bool)
    if dtype.startswith("float"):
        if role == "exponent":
            return _float_values(rng, dtype, -3, 3)
        if role == "not_-inf":  # scipy's gammaln(-inf) is -inf, math.lgamma's +inf
            vals = _float_values(rng, dtype)
            return np.where(vals == -np.inf, np.inf, vals).astype(dtype)
        if role == "castable":  # float -> int of NaN, inf or out of range is undefined
            return np.trunc(_float_values(rng, dtype, -100, 100, special=False) * 4) / 4
        if role == "positive":  # gamma's poles: NumPy/SciPy conventions differ there
            return _float_values(rng, dtype, 0.1, 6, special=False)
        return _float_values(rng, dtype)
    if role == "exponent":  # NumPy refuses integers to negative integer powers
        return _int_values(rng, dtype, 0, 5)
    if role == "wrap":  # the extremes, where integer arithmetic wraps
        vals = _int_values(rng, dtype, -1000, 1000)
        vals[3:5] = [np.iinfo(dtype).min, np.iinfo(dtype).max]
        return vals
    return _int_values(rng, dtype)


# Inputs some ops need, by op name: one role per input.
ROLES = {
    "pow": ("any", "exponent"),
    "gamma": ("positive",),
    "gammaln": ("not_-inf",),
    "cast_int8": ("castable",),
    "cast_int64": ("castable",),
    "neg": ("wrap",),
    "abs_": ("wrap",),
    "add": ("wrap", "wrap", "wrap"),
    "mul": ("wrap", "wrap"),
    "sub": ("wrap", "wrap"),
}
# Casts: scalar ops with a parameter, not exported as instances.
CASTS = {f"cast_{d}": SB.Cast(d) for d in ["float32", "float64", "int8", "int64", "bool"]}


def scalar_ops():
    """Every ScalarOp instance exported by theano.scalar.basic, plus some casts."""
    ops = {n: o for n, o in vars(SB).items() if isinstance(o, SB.ScalarOp)}
    ops.update(CASTS)
    return ops


# Add and Mul take any number of inputs (their ``nin`` says 1).
ARITY = {"add": 3, "mul": 2}


def arity(op):
    return ARITY.get(op.name, op.nin)


def accepted(op, dtype):
    """The output dtype of ``op`` on inputs of ``dtype``, or None when it refuses them."""
    try:
        (out,) = op.output_dtypes(*[dtype] * arity(op))
    except TypeError:
        return None
    return out


def has_numba_form(op, dtype, out):
    try:
        n = arity(op)
        kernels.scalar_expr(op, [f"a{k}" for k in range(n)], [dtype] * n, out)
    except kernels.NoNumbaForm:
        return False
    return out is not None and not out.startswith("complex")


def _numpy_accepts(op, dtype):
    try:
        with np.errstate(all="ignore"):
            op.impl(*[np.ones(2, dtype=dtype)] * arity(op))
    except TypeError:
        return False
    return True


def cases(numba_form):
    """(dtype, out dtype, [(name, op)...]) for the ops with (or without) a Numba form."""
    groups = {}
    for name, op in sorted(scalar_ops().items()):
        for dtype in DTYPES:
            out = accepted(op, dtype)
            if out is None or out.startswith("complex"):
                continue
            if not _numpy_accepts(op, dtype):
                continue  # the Python tier refuses it too (NumPy's boolean negative)
            if has_numba_form(op, dtype, out) == numba_form:
                groups.setdefault((dtype, out), []).append((name, op))
    return [(d, o, ops) for (d, o), ops in sorted(groups.items())]


def combined(ops, dtype, rng):
    """One fused expression computing ``ops[k]`` on the elements where ``sel == k``.

    Returns (inputs, output, values): each op gets N elements of inputs chosen for it,
    so one compiled kernel checks many ops, NaN positions included.
    """
    sel = T.vector("sel", dtype="int64")
    args = [T.vector(f"x{k}", dtype=dtype) for k in range(3)]
    out = None
    for k, (name, op) in enumerate(ops):
        value = Elemwise(op)(*args[: arity(op)])
        out = value if out is None else T.switch(T.eq(sel, k), value, out)
    cols = [[] for _ in args]
    for name, op in ops:
        roles = ROLES.get(name, ("any",) * arity(op))
        col = [_values(rng, dtype, roles[j] if j < len(roles) else "any") for j in range(3)]
        if name == "clip":  # bounds in order (see test_clip_with_crossed_bounds)
            col[1], col[2] = np.minimum(col[1], col[2]), np.maximum(col[1], col[2])
        for j in range(3):
            cols[j].append(col[j])
    values = [np.repeat(np.arange(len(ops)), N)] + [np.concatenate(c) for c in cols]
    inputs = [sel, *args]
    return inputs, out, values


def _chunks(items, size):
    return [items[i : i + size] for i in range(0, len(items), size)]


def _run(f, values):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return f(*values)


def assert_same(got, want, dtype, names, exact):
    """Equal values (NaN where NaN), same dtype; ``names`` labels each block of N."""
    assert got.dtype == want.dtype, (names, got.dtype, want.dtype)
    assert got.dtype == dtype
    for k, name in enumerate(names):
        g, w = got[k * N : (k + 1) * N], want[k * N : (k + 1) * N]
        if exact or dtype in ("bool",) or not dtype.startswith("float"):
            np.testing.assert_array_equal(g, w, err_msg=name)
        else:
            rtol = 1e-5 if dtype == "float32" else 1e-12
            np.testing.assert_allclose(
                g, w, rtol=rtol, atol=np.finfo(dtype).tiny, equal_nan=True, err_msg=name
            )
            np.testing.assert_array_equal(np.isnan(g), np.isnan(w), err_msg=name)


_ARITH = {"add", "sub", "mul", "neg", "abs_", "sqr", "maximum", "minimum", "int_div",
          "mod", "identity", "second", "sgn", "floor", "ceil", "trunc", "and_", "or_",
          "xor", "invert", "lt", "gt", "le", "ge", "eq", "neq", "switch", "clip",
          "round_half_to_even", "round_half_away_from_zero", "isnan", "isinf",
          "deg2rad", "rad2deg", *CASTS}  # fmt: skip


def check_group(dtype, out_dtype, ops, seed=0, whole=False):
    rng = np.random.default_rng(seed)
    for chunk in _chunks(ops, 16):
        inputs, out, values = combined(chunk, dtype, rng)
        # A second NumPy call (the sum): a graph of one call keeps the usual code.
        outs = [out, inputs[0].sum()] if whole else out
        with theano.change_flags(**{"numba.whole_graph": whole}):
            fast = theano.function(inputs, outs, mode="NUMBA", on_unused_input="ignore")
        slow = theano.function(inputs, outs, mode="FAST_COMPILE", on_unused_input="ignore")
        assert fast.tier == "numba"
        if whole:
            # The whole graph is one kernel, and it computed the call.
            kernel = fast._checked.__globals__["_graph_kernel"]
            statuses = []

            def record(*args, kernel=kernel, statuses=statuses):
                statuses.append(kernel(*args))
                return statuses[-1]

            fast._checked.__globals__["_graph_kernel"] = record
        else:
            # Every elementwise node became a kernel: nothing fell back to the Python tier.
            assert kernel_calls(fast) == count_kernels(fast.maker.nodes) > 0, fast.call_source
        names = [n for n, _ in chunk]
        exact = all(n in _ARITH for n in names)
        got, want = _run(fast, values), _run(slow, values)
        if whole:
            assert got[1] == want[1]
            got, want = got[0], want[0]
        assert_same(got, want, out_dtype, names, exact)
        if whole:
            assert [s for s in statuses if s <= 0] == [0], statuses


NUMBA_CASES = cases(numba_form=True)


@pytest.mark.parametrize(
    "dtype, out_dtype, ops", NUMBA_CASES, ids=[f"{d}->{o}" for d, o, _ in NUMBA_CASES]
)
def test_every_numba_scalar_op_matches_python_tier(compiledir, dtype, out_dtype, ops):
    check_group(dtype, out_dtype, ops)


@pytest.mark.parametrize(
    "dtype, out_dtype, ops", NUMBA_CASES, ids=[f"{d}->{o}" for d, o, _ in NUMBA_CASES]
)
def test_every_numba_scalar_op_in_a_whole_graph_kernel(compiledir, dtype, out_dtype, ops):
    """The same graphs as one whole-graph kernel (`theano.link.numba.graph_kernel`)."""
    check_group(dtype, out_dtype, ops, whole=True)


def test_every_elemwise_function_of_tensor_math_is_enumerated():
    """The user functions of theano.tensor.math built on an Elemwise use scalar ops the
    tests above enumerate (a new op added there is tested here without more code)."""
    import theano.tensor.math as M

    ops = {type(o) for o in scalar_ops().values()}
    wrapped = [getattr(M, n) for n in M.__all__ if hasattr(getattr(M, n), "op")]
    assert len(wrapped) > 60
    missing = [f.__name__ for f in wrapped if type(f.op.scalar_op) not in ops]
    assert not missing


NO_NUMBA_CASES = cases(numba_form=False)


@pytest.mark.parametrize(
    "dtype, out_dtype, ops", NO_NUMBA_CASES, ids=[f"{d}->{o}" for d, o, _ in NO_NUMBA_CASES]
)
def test_ops_without_numba_form_fall_back_to_python_tier(compiledir, dtype, out_dtype, ops):
    """Such an op's fused node keeps its Python code in the same function, beside a
    compiled kernel, and the results are those of FAST_COMPILE."""
    rng = np.random.default_rng(1)
    # NumPy raises on integers to negative powers anywhere in the array, and the Python
    # tier computes every branch of the switch: integer pow is checked on its own.
    alone = [(n, o) for n, o in ops if n == "pow" and not dtype.startswith("float")]
    rest = [(n, o) for n, o in ops if (n, o) not in alone]
    for group in [g for g in ([rest] + [[item] for item in alone]) if g]:
        inputs, out, values = combined(group, dtype, rng)
        other = T.cast(inputs[1], "float64") * 1.5 + 0.25  # an arithmetic kernel beside it
        fast = theano.function(inputs, [out, other], mode="NUMBA", on_unused_input="ignore")
        slow = theano.function(inputs, [out, other], mode="FAST_COMPILE",
                               on_unused_input="ignore")  # fmt: skip
        assert fast.tier == "numba"
        assert 0 < kernel_calls(fast) < count_kernels(fast.maker.nodes), fast.call_source
        got, want = _run(fast, values), _run(slow, values)
        assert_same(got[0], want[0], out_dtype, [n for n, _ in group], exact=False)
        np.testing.assert_array_equal(got[1], want[1])


def test_clip_with_crossed_bounds(compiledir):
    """np.clip gives ``hi`` where ``lo > hi``; the Python tier computes np.clip."""
    x, lo, hi = T.dvectors("x", "lo", "hi")
    expr = T.clip(x, lo, hi) * 1.5 + 0.25
    fast = theano.function([x, lo, hi], expr, mode="NUMBA")
    slow = theano.function([x, lo, hi], expr, mode="FAST_COMPILE")
    args = [np.array([0.0, 5.0, -5.0]), np.array([1.0, 1.0, 1.0]), np.array([-1.0, -1.0, -1.0])]
    np.testing.assert_array_equal(fast(*args), slow(*args))  # crossed bounds: hi wins


def _const(value, dtype="float64"):
    return SB.as_scalar(value, dtype)


def test_constants_in_a_composite(compiledir):
    """inf, -inf, NaN, bool and integer constants inside a fused scalar graph.

    Checked on the kernel itself: the Python tier cannot compile this graph yet (its
    Composite source writes NaN as ``nan``, see the report of this test's author).
    """
    xs = SB.ScalarType("float64")()
    ks = SB.ScalarType("int8")()
    inner = SB.maximum(xs, _const(-np.inf)) + SB.minimum(xs, _const(np.inf))
    inner = SB.switch(SB.isnan(xs), _const(np.nan), inner)
    k = SB.switch(_const(True, "bool"), ks, _const(3, "int8"))
    inner = inner * SB.cast(k, "float64") - _const(2**40, "int64")
    comp = Composite([xs, ks], [inner])
    kernel = kernels.load_kernel(kernels.KernelSpec(comp, ["float64", "int8"], "float64"))
    xv = np.array([1.0, -np.inf, np.inf, np.nan, -2.0])
    kv = np.array([1, 2, -1, 4, 0], dtype="int8")
    with np.errstate(invalid="ignore"):
        want = np.where(np.isnan(xv), np.nan, 2 * xv) * kv - 2.0**40
    np.testing.assert_array_equal(kernel(xv, kv), want)


def test_deep_shared_subexpressions_stay_linear(compiledir):
    """A scalar DAG whose values feed two nodes each: computed once, not re-inlined
    (nested inlining would double the source at each level)."""
    xs = SB.ScalarType("float64")()
    v = xs
    for _ in range(14):  # the Python tier's own Composite source doubles at each level
        v = (v + v) * _const(0.5)
    source = kernels.kernel_source(Composite([xs], [v]), ["float64"], "float64")
    assert len(source) < 3000, len(source)
    x = T.dvector("x")
    f = theano.function([x], Elemwise(Composite([xs], [v]))(x), mode="NUMBA")
    assert kernel_calls(f) == 1
    np.testing.assert_array_equal(f(np.array([1.5, -2.0])), [1.5, -2.0])


def test_elementwise_kernels_prefer_wide_vectors(compiledir):
    """Elementwise kernels ask LLVM for 512-bit vectors (its AVX-512 tuning picks 256);
    the hint changes no result, bit for bit."""
    import ctypes

    xs = SB.ScalarType("float64")()
    spec = kernels.KernelSpec(Composite([xs], [SB.tanh(xs) * _const(2.0) + SB.exp(xs)]),
                              ["float64"], "float64")  # fmt: skip
    assert "codegen.wide_vectors()" in spec.source
    xv = np.linspace(-30, 30, 100_003)
    results = []
    for source in (spec.source, spec.source.replace("    codegen.wide_vectors()\n", "")):
        namespace = {}
        exec(compile(source, "<kernel>", "exec"), namespace)
        compiled = namespace["kernel"]
        assert ('"prefer-vector-width"="512"' in compiled.inspect_llvm()) == (source is spec.source)
        fn = ctypes.PYFUNCTYPE(spec.restype(), *spec.argtypes())(compiled.address)
        results.append(kernels.NativeKernel(fn, spec, "jit", keepalive=compiled)(xv))
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_allclose(results[0], 2 * np.tanh(xv) + np.exp(xv), rtol=1e-14, atol=1e-13)
    x = T.dvector("x")
    f = theano.function([x], T.tanh(x) * 2 + T.exp(x), mode="NUMBA")
    np.testing.assert_array_equal(f(xv), results[0])


def test_kernel_numba_cannot_compile_falls_back_with_warning(compiledir, monkeypatch):
    from numba.core.errors import TypingError

    def refuse(key, path):
        raise TypingError("no implementation for this signature")

    monkeypatch.setattr(kernels, "_import", refuse)
    monkeypatch.setattr(kernels, "_loaded", {})
    x = T.dvector("x")
    with pytest.warns(UserWarning, match="Python tier: .*no implementation"):
        f = theano.function([x], x * 2 + 1, mode="NUMBA")
    assert kernel_calls(f) == 0
    np.testing.assert_array_equal(f(np.array([1.0, 2.0])), [3.0, 5.0])


# ------------------------------------------------------------------------ aliasing


def test_outputs_never_alias_inputs_shared_values_or_each_other(compiledir):
    x = T.dvector("x")
    s = theano.shared(np.arange(4.0), name="s")
    double = x * 2 + 1
    outs = [double, double, x, s, x * 1, s * 1 + 0, (s + x) * 3]
    f = theano.function([x], outs, mode="NUMBA")
    assert kernel_calls(f) > 0
    xv = np.ones(4)
    res = f(xv)
    for k, r in enumerate(res):
        assert not np.shares_memory(r, xv), k
        assert not np.shares_memory(r, s.get_value(borrow=True)), k
        for j in range(k):
            assert not np.shares_memory(r, res[j]), (j, k)
    np.testing.assert_array_equal(res[6], (np.arange(4.0) + 1) * 3)


def test_two_calls_return_independent_arrays(compiledir):
    x = T.dmatrix("x")
    f = theano.function([x], T.sqr(x) * 2 - x, mode="NUMBA")
    assert kernel_calls(f) == 1
    xv = np.arange(6.0).reshape(2, 3)
    first = f(xv)
    expected = first.copy()
    first[...] = -99.0
    second = f(xv)
    np.testing.assert_array_equal(second, expected)
    assert not np.shares_memory(first, second)
    np.testing.assert_array_equal(xv, np.arange(6.0).reshape(2, 3))


def test_kept_intermediate_buffers_never_leak_into_results(compiledir):
    """A kernel computing an intermediate into a buffer kept between calls: the results
    of one call stay as they were after the next call, at any shape."""
    x = T.dvector("x")
    inter = x * 2 + 1  # written into a kept buffer, read by cumsum only
    f = theano.function([x], [T.cumsum(inter), T.cumsum(inter) * 0 + inter.max()], mode="NUMBA")
    assert kernel_calls(f) >= 1 and "_buf" in f.call_source, f.call_source
    results = []
    for xv in [np.arange(5.0), np.arange(5.0) * -1, np.ones(3), np.arange(5.0)]:
        out = f(xv)
        results.append((xv, [o.copy() for o in out], out))
    for xv, copies, out in results:
        np.testing.assert_array_equal(out[0], np.cumsum(xv * 2 + 1))
        for o, c in zip(out, copies):
            np.testing.assert_array_equal(o, c)


def test_borrowed_output_may_be_reused_but_never_aliases_inputs(compiledir):
    x = T.dvector("x")
    f = theano.function([x], theano.Out(T.sqrt(x) * 3 - 1, borrow=True), mode="NUMBA")
    assert kernel_calls(f) == 1
    xv = np.array([1.0, 4.0, 9.0])
    first = f(xv)
    np.testing.assert_array_equal(first, [2.0, 5.0, 8.0])
    assert not np.shares_memory(first, xv)
    second = f(xv * 4)
    np.testing.assert_array_equal(second, [5.0, 11.0, 17.0])
    np.testing.assert_array_equal(xv, [1.0, 4.0, 9.0])


def test_inplace_kernel_writes_into_its_intermediate_only(compiledir):
    """FAST_RUN makes an unfused ufunc node on an intermediate inplace: its kernel gets
    ``out=`` that intermediate, and no input or shared value is touched."""
    a, y = T.dmatrix("a"), T.dmatrix("y")
    s = theano.shared(np.full((2, 3), 0.5), name="s")
    inter = T.cumsum(a, axis=0)
    outs = [T.exp(inter), inter.cumsum(axis=1) + y, T.cumsum(s, axis=0) - s]
    f = theano.function([a, y], outs, mode="NUMBA")
    slow = theano.function([a, y], outs, mode="FAST_COMPILE")
    inplace = [n for n in f.maker.nodes if isinstance(n.op, Elemwise) and n.op.inplace_pattern]
    assert len(inplace) == 2, f.call_source  # not exp: inter has another reader
    assert f.call_source.count(", out=") == 2 and kernel_calls(f) == 3, f.call_source
    av, yv = np.arange(6.0).reshape(2, 3), np.ones((2, 3))
    a0, y0, s0 = av.copy(), yv.copy(), s.get_value()
    for got, want in zip(f(av, yv), slow(av, yv)):
        np.testing.assert_allclose(got, want, rtol=1e-14)
    np.testing.assert_array_equal(av, a0)
    np.testing.assert_array_equal(yv, y0)
    np.testing.assert_array_equal(s.get_value(), s0)


def test_fused_inplace_kernel_matches_the_python_tier(compiledir):
    """A fused node writing into the product it reads (``tanh(x @ w + b)``, and a
    backward-style ``g * (1 - h**2)``): one in-place kernel each, the same values as
    the Python tier, no input or shared value touched."""
    x, w = T.fmatrix("x"), T.fmatrix("w")
    b = theano.shared(np.linspace(-1, 1, 5).astype("float32"), name="b")
    h = T.tanh(T.dot(x, w) + b)
    out = [h, T.dot(T.dot(h, w.T), w) * (1 - h**2)]
    f = theano.function([x, w], out, mode="NUMBA")
    slow = theano.function([x, w], out, mode="FAST_RUN")
    fused = [n for n in f.maker.nodes if isinstance(n.op, Elemwise)
             and isinstance(n.op.scalar_op, Composite) and n.op.inplace_pattern]  # fmt: skip
    assert len(fused) == 2 and kernel_calls(f) == 2, f.call_source
    rng = np.random.default_rng(3)
    xv, wv = rng.normal(size=(6, 4)).astype("float32"), rng.normal(size=(4, 5)).astype("float32")
    x0, w0, b0 = xv.copy(), wv.copy(), b.get_value().copy()
    for got, want in zip(f(xv, wv), slow(xv, wv)):
        assert got.dtype == want.dtype == np.float32
        # tanh differs by an ulp between libm and NumPy; 1 - h**2 cancels near |h| = 1.
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(xv, x0)
    np.testing.assert_array_equal(wv, w0)
    np.testing.assert_array_equal(b.get_value(), b0)


def test_vector_math_kernels_run_at_any_size_where_they_beat_numpy(tmp_path):
    """Under the default ``numba.kernels``, a float64 sigmoid (or float32 sigmoid)
    kernel runs on 10,000 elements; a float32 tanh one, slower than NumPy's 16-lane
    loop there, and a chain of two float64 tanh, waiting on latency, are left to
    NumPy above `TRANSCENDENTAL_MAX`."""
    with theano.change_flags(base_compiledir=str(tmp_path), **{"numba.whole_graph": False}):
        x, y = T.dvector("x"), T.dvector("y")
        xf, yf = T.fvector("xf"), T.fvector("yf")
        wins = [theano.function([x, y], T.nnet.sigmoid(x * 2 + 1) * y, mode="NUMBA"),
                theano.function([xf, yf], T.nnet.sigmoid(xf) - yf, mode="NUMBA")]  # fmt: skip
        loses = [theano.function([xf, yf], T.tanh(xf + yf) * 2, mode="NUMBA"),
                 theano.function([x, y], T.tanh(T.tanh(x) + y), mode="NUMBA")]  # fmt: skip
    for f in wins:
        assert kernel_calls(f) == 1 and "size <" not in f.call_source, f.call_source
    assert f"size < {kernels.TRANSCENDENTAL_MAX} and" in loses[0].call_source
    assert "size < 1024 and" in loses[1].call_source, loses[1].call_source
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=10_000) * 10, rng.normal(size=10_000)
    want = 1 / (1 + np.exp(-(a * 2 + 1))) * b
    np.testing.assert_allclose(wins[0](a, b), want, rtol=1e-14, atol=1e-300)
    af, bf = a.astype("float32"), b.astype("float32")
    want32 = 1 / (1 + np.exp(-af.astype("float64"))) - bf
    np.testing.assert_allclose(wins[1](af, bf), want32, rtol=2e-6, atol=1e-6)


def test_vector_math_kernels_round_the_users_arithmetic_as_numpy(compiledir):
    """The fused multiply-adds of `vector_math` stay inside it: ``a*a - b*b`` next to
    an ``exp`` is still exactly 0 for ``a == b`` (not a fused, unrounded residue)."""
    a, b, w = T.dvectors("a", "b", "w")
    f = theano.function([a, b, w], [T.sqrt(a * a - b * b) * T.exp(w),
                                     (a * b - w) * T.exp(w + 1)], mode="NUMBA")  # fmt: skip
    assert kernel_calls(f) == 2, f.call_source
    v = np.random.default_rng(0).normal(size=1000)
    root, diff = f(v, v, v * v)
    np.testing.assert_array_equal(root, np.zeros(1000))
    np.testing.assert_array_equal(diff, np.zeros(1000))


def test_sin_of_an_input_is_range_checked_and_of_a_computed_value_is_not(tmp_path):
    """vector_math's sin and cos hold within SIN_COS_MAX: a kernel applies them to its
    own inputs after checking their range (else NumPy computes the node), and uses
    the C library's on computed values."""
    x, y = T.dvectors("x", "y")
    with theano.change_flags(base_compiledir=str(tmp_path), **{"numba.whole_graph": False}):
        on_input = theano.function([x, y], T.exp(-(x**2)) * T.sin(y) + x * y, mode="NUMBA")
        computed = theano.function([x, y], T.sin(x * 2) * T.cos(y) + 1, mode="NUMBA")
    slow = [theano.function([x, y], f.maker.fgraph.outputs, mode="FAST_COMPILE")
            for f in (on_input, computed)]  # fmt: skip
    assert on_input.call_source.count("_in_range(y)") == 1, on_input.call_source
    assert computed.call_source.count("_in_range(y)") == 1
    assert "_in_range(x)" not in computed.call_source
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(2, 5000)) * 3
    wide = b.copy()
    wide[7] = 2e5  # beyond the range: NumPy's sin for the whole node
    odd = b.copy()
    odd[[1, 2, 3]] = [np.nan, np.inf, -np.inf]
    with np.errstate(invalid="ignore"):
        for f, ref in zip((on_input, computed), slow):
            for bv in (b, wide, odd):
                np.testing.assert_allclose(f(a, bv), ref(a, bv)[0], rtol=1e-13, atol=1e-15)


def test_chained_transcendental_kernels_run_on_smaller_arrays_only():
    """Each transcendental op chained on another divides the kernel's size limit by 4
    (its elements wait on their latency), down to 128."""
    from theano.link.numba.linker import size_limit

    x = SB.ScalarType("float64")()
    cases = [(SB.exp(x) * 2, 4096), (SB.tanh(SB.exp(x)) + x, 1024),
             (SB.tanh(SB.tanh(SB.exp(x))), 256), (SB.sin(SB.tanh(SB.tanh(SB.exp(x)))), 128),
             (SB.exp(x) + SB.tanh(x) * SB.sin(x), 4096)]  # fmt: skip
    for out, limit in cases:
        assert size_limit(Composite([x], [out])) == limit, out


def test_sin_of_a_constant_in_a_kernel(compiledir):
    """A constant argument of a kernel's sin is range-checked when the kernel is made
    (a Composite built by hand: rewrites fold such constants before fusion)."""
    a, b = SB.ScalarType("float64")(), SB.ScalarType("float64")()
    op = Elemwise(Composite([a, b], [SB.sin(a) * b + SB.cos(b)]))
    x = T.dvector("x")
    v = np.linspace(-2, 2, 5)
    for c in (2.0, 3e5):  # within sin's range, and beyond it (left to NumPy)
        f = theano.function([x], op(T.constant(c), x), mode="NUMBA")
        np.testing.assert_allclose(f(v), np.sin(c) * v + np.cos(v), rtol=1e-14)
        assert (kernel_calls(f) == 1) == (c == 2.0), f.call_source


def test_inplace_kernel_checks_broadcasting(compiledir):
    a, y = T.dmatrix("a"), T.dmatrix("y")
    f = theano.function([a, y], T.cumsum(a, axis=0) + y, mode="NUMBA")
    assert ", out=" in f.call_source
    with pytest.raises(ValueError, match="broadcastable"):
        f(np.ones((2, 4)), np.ones((1, 4)))  # y's first dimension is not broadcastable


# --------------------------------------------------------------------------- cache

_WORKER = """
import sys
import numpy as np
import numba  # imported before the barrier so that both compile at the same moment
import theano
import theano.tensor as T

print("ready", flush=True)
sys.stdin.readline()
with theano.change_flags(base_compiledir=sys.argv[1], **{"numba.kernels": "all", "numba.whole_graph": False}):
    x, y = T.dvectors("x", "y")
    # Chains: their fused inputs come in one order (see test_fusion_is_deterministic).
    f = theano.function([x, y], [T.sin(T.exp(x) * 2 - 1) * 3 + y, (x - y) * 3 + 1],
                        mode="NUMBA")
    out = f(np.linspace(-1, 1, 7), np.linspace(0, 2, 7))
    print(f.tier, f.call_source.count("_kernel"), repr([o.tolist() for o in out]))
"""
N_WORKER_KERNELS = 2


def _env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "THEANO"))}
    env["HOME"] = str(tmp_path / "home")  # anything written outside base_compiledir shows
    root = os.path.dirname(os.path.dirname(os.path.abspath(theano.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    return env


def _start(tmp_path, root):
    return subprocess.Popen(
        [sys.executable, "-c", _WORKER, str(root)], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tmp_path),
    )  # fmt: skip


def _finish(proc):
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return out.splitlines()[-1]


def _run_workers(tmp_path, root, n):
    procs = [_start(tmp_path, root) for _ in range(n)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    for p in procs:  # all compile at once
        p.stdin.write("go\n")
        p.stdin.flush()
    return [_finish(p) for p in procs]


def _check_kernel_files(root):

    files = kernel_files(root)
    assert len(files) == N_WORKER_KERNELS, files
    for path in files:
        with open(path, "rb") as fh:
            data = fh.read()
        # Named by the source and the CPU the machine code is for.
        assert os.path.basename(path) == f"k_{kernels._key(data.decode())}.py"
        compile(data, path, "exec")
    leftovers = [f for _, _, fs in os.walk(root) for f in fs if f.endswith(".tmp")]
    assert not leftovers
    return files


def _native_files(root):
    """The shared libraries and their manifests, with their modification times."""
    return {
        os.path.join(d, f): os.stat(os.path.join(d, f)).st_mtime_ns
        for d, _, files in os.walk(root)
        for f in files
        if f.endswith((".so", ".json"))
    }


def _check_native_files(root):
    import hashlib
    import json

    native = _native_files(root)
    libraries = sorted(f for f in native if f.endswith(".so"))
    assert len(libraries) == N_WORKER_KERNELS, native
    for lib in libraries:
        with open(lib[: -len(".so")] + ".json") as fh:
            manifest = json.load(fh)
        with open(lib, "rb") as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == manifest["sha256"]
    return libraries


needs_cc = pytest.mark.skipif(
    __import__("shutil").which("cc") is None and __import__("shutil").which("gcc") is None,
    reason="no C compiler to link the kernels' shared libraries",
)


@needs_cc
def test_concurrent_processes_share_one_cache_and_corruption_is_repaired(tmp_path):
    root = tmp_path / "cache"
    first, second = _run_workers(tmp_path, root, 2)
    assert first == second and first.startswith(f"numba {N_WORKER_KERNELS} ")
    files = _check_kernel_files(root)
    libraries = _check_native_files(root)
    assert all(os.path.dirname(lib) == os.path.dirname(files[0]) for lib in libraries)
    assert not os.path.exists(tmp_path / "home" / ".cache" / "numba")

    # A fresh process loads the machine code: nothing in the cache is rewritten.
    cached = _native_files(root)
    assert _run_workers(tmp_path, root, 1) == [first]
    assert _native_files(root) == cached

    # A truncated library, a garbage manifest and a garbage kernel source are rebuilt.
    with open(libraries[0], "r+b") as fh:
        fh.truncate(100)
    with open(libraries[1][: -len(".so")] + ".json", "wb") as fh:
        fh.write(os.urandom(50))
    with open(files[1], "wb") as fh:
        fh.write(os.urandom(300))
    assert _run_workers(tmp_path, root, 1) == [first]
    assert _check_kernel_files(root) == files
    assert _check_native_files(root) == libraries


@needs_cc
def test_warm_cache_serves_the_numba_tier_without_importing_numba(tmp_path):
    script = textwrap.dedent(
        """
        import sys
        import numpy as np
        import theano
        import theano.tensor as T

        x, y = T.dvectors("x", "y")
        f = theano.function([x, y], (x - y) * 3 + 1, mode="NUMBA")
        print(f.tier, "numba" in sys.modules, f(np.ones(3), np.zeros(3)).tolist())
        """
    )
    env = _env(tmp_path)
    env["THEANO_FLAGS"] = f"base_compiledir={tmp_path / 'cache'}"
    runs = [
        subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        ).stdout.split(None, 2)  # fmt: skip
        for _ in range(2)
    ]
    assert runs[0] == ["numba", "True", "[4.0, 4.0, 4.0]\n"]  # compiled by Numba
    assert runs[1] == ["numba", "False", "[4.0, 4.0, 4.0]\n"]  # loaded from the cache


def test_same_graph_gives_same_kernel_source():
    """The cache is keyed by the kernel source: the same graph built again (other
    objects, so other set orders) must give the same source, or each process compiles
    and stores its own copy."""
    sources = set()
    for _ in range(20):
        x, y = T.dvectors("x", "y")
        f = theano.function([x, y], T.exp(-(x**2)) * T.sin(y) + x * y, mode="FAST_RUN")
        (node,) = [n for n in f.maker.nodes if isinstance(n.op, Elemwise)]
        dtypes = [v.type.dtype for v in node.inputs]
        sources.add(kernels.kernel_source(node.op.scalar_op, dtypes, "float64"))
    assert len(sources) == 1  # the fused inputs' order does not depend on object ids


# ------------------------------------------------------------------------- tiering


def test_background_tier_gives_identical_results_before_and_after(compiledir, monkeypatch):
    import threading

    from theano.link.numba import linker as numba_linker

    gate = threading.Event()
    real = numba_linker.elemwise_kernel

    def gated(node, *args):
        gate.wait(60)  # the Python tier serves until the kernels are let through
        return real(node, *args)

    monkeypatch.setattr(numba_linker, "elemwise_kernel", gated)
    x, y = T.dvectors("x", "y")
    outs = [(x * y + x) * 3 - y / 2, T.maximum(x, y) * (x - 1.5)]
    f = theano.function([x, y], outs, mode=Mode("numba", FAST_RUN.phases))
    rng = np.random.default_rng(3)
    xv, yv = rng.normal(size=(2, 101))
    assert f.tier == "python" and kernel_calls(f) == 0
    before = f(xv, yv)
    gate.set()
    assert f.wait_for_tier(60) == "numba"
    assert kernel_calls(f) == 2
    after = f(xv, yv)
    for b, a in zip(before, after):
        np.testing.assert_array_equal(a, b)  # arithmetic kernels: bitwise equal


def test_failed_background_compile_keeps_python_tier(compiledir, monkeypatch):
    from theano.link.numba import linker as numba_linker

    def broken(node, *args):
        raise RuntimeError("kernel builder exploded")

    monkeypatch.setattr(numba_linker, "elemwise_kernel", broken)
    x = T.dvector("x")

    def compile_and_wait():  # the warning comes from the background thread
        f = theano.function([x], x * 2 + 1, mode=Mode("numba", FAST_RUN.phases))
        f.wait_for_tier(60)
        return f

    with pytest.warns(UserWarning, match="keeps running on the Python tier.*exploded"):
        f = compile_and_wait()
    assert f.tier == "python"
    assert kernel_calls(f) == 0
    np.testing.assert_array_equal(f(np.array([1.0, 2.0])), [3.0, 5.0])


def test_background_tier_is_built_with_the_flags_of_its_function_call(tmp_path, monkeypatch):
    import threading

    from theano.link.numba import linker as numba_linker

    gate = threading.Event()
    real = numba_linker.elemwise_kernel

    def gated(node, *args):
        gate.wait(60)  # built after the caller has left change_flags
        return real(node, *args)

    monkeypatch.setattr(numba_linker, "elemwise_kernel", gated)
    x = T.dvector("x")
    chosen = tmp_path / "chosen"
    flags = {"base_compiledir": str(chosen), "numba.kernels": "all", "numba.whole_graph": False}
    with theano.change_flags(**flags):
        f = theano.function([x], T.tanh(T.tanh(x) * 2 + 1) * 3, mode=Mode("numba", FAST_RUN.phases))
    with theano.change_flags(base_compiledir=str(tmp_path / "other")):
        gate.set()
        assert f.wait_for_tier(60) == "numba"
    assert kernel_calls(f) == 1
    assert ".size <" not in f.call_source  # numba.kernels='all': no size limit
    assert kernel_files(chosen) and not (tmp_path / "other").exists()
    np.testing.assert_allclose(f(np.array([0.5, -1.0])), np.tanh(np.tanh([0.5, -1.0]) * 2 + 1) * 3)


# -------------------------------------------------------------------------- import


def test_import_theano_does_not_import_numba(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        import theano
        import theano.tensor as T
        with theano.change_flags(base_compiledir={str(tmp_path)!r}):
            x = T.dvector("x")
            f = theano.function([x], T.exp(x) * 2 + 1)
            f(np.ones(3))
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("numba", "llvmlite"))
        print(loaded)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        check=False,
        text=True,
        env=_env(tmp_path),
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_sigmoid_binary_crossentropy_kernel_matches_python_tier(compiledir):
    """An op of `theano.tensor.nnet` with a Numba form, at the logits where it must stay
    exact (large magnitudes, infinities)."""
    o, t = T.dvectors("o", "t")
    out = -T.nnet.sigmoid_binary_crossentropy(o, t) * 2
    fast = theano.function([o, t], out, mode="NUMBA")
    slow = theano.function([o, t], out, mode="FAST_RUN")
    assert kernel_calls(fast) == 1
    ov = np.array([0.0, -0.0, 1e-3, -2.5, 40.0, -40.0, 800.0, -800.0, np.inf, -np.inf, 3.0])
    tv = np.array([0.0, 1.0, 0.5, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.25])
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(fast(ov, tv), slow(ov, tv), rtol=1e-15, atol=0)


# ------------------------------------------------------------- kernels of other ops


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_column_sum_kernel_is_bitwise_the_python_tier(compiledir, dtype, keepdims):
    """Rows added one after the other into a float64 accumulator, as NumPy does."""
    x = T.matrix("x", dtype=dtype)
    out = T.sum(x, axis=0, keepdims=keepdims) * 1
    fast = theano.function([x], out, mode="NUMBA")
    slow = theano.function([x], out, mode="FAST_RUN")
    assert kernel_calls(fast) >= 1 and "_acc" in fast.call_source, fast.call_source
    rng = np.random.default_rng(0)
    for xv in [rng.normal(size=(128, 37)) * 1e4, np.ones((1, 3)), np.empty((0, 4)),
               rng.normal(size=(6, 5))[:, ::2]]:  # fmt: skip
        xv = xv.astype(dtype)
        got, want = fast(xv), slow(xv)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def _crossentropy_fns(dtype):
    x, y = T.matrix("x", dtype=dtype), T.ivector("y")
    cost = -T.mean(T.log(T.nnet.softmax(x))[T.arange(y.shape[0]), y])
    outs = [cost, T.grad(cost, x)]
    return (theano.function([x, y], outs, mode="NUMBA"),
            theano.function([x, y], outs, mode="FAST_RUN"))  # fmt: skip


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_crossentropy_kernels_match_python_tier(compiledir, dtype):
    from theano.tensor.nnet.basic import (
        CrossentropySoftmax1HotWithBiasDx,
        CrossentropySoftmaxArgmax1HotWithBias,
    )

    fast, slow = _crossentropy_fns(dtype)
    kinds = {type(n.op) for n in fast.maker.nodes}
    assert {CrossentropySoftmaxArgmax1HotWithBias, CrossentropySoftmax1HotWithBiasDx} <= kinds
    assert kernel_calls(fast) >= 2, fast.call_source  # the cost and the gradient
    rng = np.random.default_rng(1)
    rtol = 1e-5 if dtype == "float32" else 1e-13
    logits = rng.normal(size=(64, 10)) * 3
    logits[0] = [1000, -1000, 0, 5, 5, 5, 0, 0, 0, 0]  # exact where a softmax underflows
    for xv, yv in [(logits, rng.integers(0, 10, 64)),
                   (logits[:8], rng.integers(0, 10, 5)),  # fewer labels than rows
                   (logits[:, ::2], rng.integers(0, 5, 64))]:  # fmt: skip
        xv, yv = xv.astype(dtype), yv.astype("int32")
        for got, want in zip(fast(xv, yv), slow(xv, yv)):
            np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-30)


def test_crossentropy_kernel_refuses_bad_labels_as_python_tier(compiledir):
    fast, slow = _crossentropy_fns("float64")
    xv = np.zeros((4, 3))
    for bad in ([0, 1, 3, 0], [0, -1, 2, 0]):
        with pytest.raises(ValueError, match="out of range for 3 classes"):
            fast(xv, np.array(bad, dtype="int32"))
        with pytest.raises(ValueError, match="out of range for 3 classes"):
            slow(xv, np.array(bad, dtype="int32"))


def test_numba_cache_flag_off_stores_no_machine_code(tmp_path, monkeypatch):
    monkeypatch.setattr(kernels, "_loaded", {})
    x = T.dvector("x")
    with theano.change_flags(base_compiledir=str(tmp_path), **{"numba.cache": False}):
        f = theano.function([x], x * 3 - 1, mode="NUMBA")
    assert kernel_calls(f) == 1
    np.testing.assert_array_equal(f(np.array([1.0, 2.0])), [2.0, 5.0])
    assert not [n for _, _, fs in os.walk(tmp_path) for n in fs if n.endswith((".so", ".json"))]


def test_kernels_read_views_by_their_own_data_pointer(compiledir):
    """A view starting inside its base is read from its first element; a strided view
    takes the NumPy branch (a kernel reading it as contiguous would read other values)."""
    x, y = T.dvectors("x", "y")
    f = theano.function([x, y], (x - y) * 3 + 1, mode="NUMBA")
    assert kernel_calls(f) == 1
    base = np.arange(10.0)
    for xv in [base[::2], base[5:], base[3:8]]:
        np.testing.assert_array_equal(f(xv, np.ones(5)), (xv - 1) * 3 + 1)


def test_kernel_guards_check_dtype_and_writeable_destination(compiledir):
    """Graph inputs are converted on entry; these guards protect intermediates: a kernel
    reading raw memory must see the dtype it was built for, and write only into a
    writeable array."""
    a, b = T.dmatrices("a", "b")
    inter = T.cumsum(a, axis=0)  # an intermediate the in-place kernel overwrites
    f = theano.function([a, b], inter + b, mode="NUMBA")
    src = f.call_source
    assert re.search(r"\.dtype is _dt_float64 or \w+\.dtype == _dt_float64", src), src
    assert ".flags.writeable" in src and "_may_share" in src, src
    av = np.arange(6.0).reshape(2, 3)
    want = np.cumsum(av, axis=0)
    np.testing.assert_array_equal(f(av, av), want + av)


def test_read_only_shared_value_is_never_written(compiledir):
    frozen = np.arange(4.0)
    frozen.flags.writeable = False
    s = theano.shared(frozen, borrow=True)
    x = T.dvector("x")
    g = theano.function([x], [], updates=[(s, s * 2 + x)], mode="NUMBA")
    g(np.arange(4.0))
    np.testing.assert_array_equal(s.get_value(), np.arange(4.0) * 3)
    np.testing.assert_array_equal(frozen, np.arange(4.0))


def test_unpickled_arrays_still_run_the_kernel(compiledir, monkeypatch):
    """An unpickled array's dtype equals float64 without being NumPy's singleton."""
    import pickle

    x = T.dvector("x")
    f = theano.function([x], x * 2 + 1, mode="NUMBA")
    calls = []
    name = next(k for k in type(f).__call__.__globals__ if k.startswith("_kernel"))
    real = type(f).__call__.__globals__[name]
    monkeypatch.setitem(type(f).__call__.__globals__, name, lambda *a: calls.append(real(*a)))
    xv = pickle.loads(pickle.dumps(np.arange(3.0)))
    np.testing.assert_array_equal(f(xv), [1.0, 3.0, 5.0])
    assert calls


# ------------------------------------------------------------ review regressions


@pytest.mark.parametrize("src, dst", [("float32", "uint8"), ("float32", "int8"),
                                      ("float64", "uint16"), ("float32", "uint16")])  # fmt: skip
def test_out_of_range_float_to_small_int_casts_match_python_tier(compiledir, src, dst):
    """Undefined in C, so NumPy and LLVM disagree: such casts stay with NumPy."""
    x = T.vector("x", dtype=src)
    v = np.array([-1.0, 300.0, -3.7, 3.7, 255.9, 65537.0, -129.0] * 3, src)
    out = T.cast(x * 1, dst)
    fast = theano.function([x], out, mode="NUMBA")
    slow = theano.function([x], out, mode="FAST_RUN")
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(fast(v), slow(v))


def test_bool_with_uint64_integer_ops_match_python_tier(compiledir):
    x, y = T.vector("x", dtype="bool"), T.vector("y", dtype="uint64")
    outs = [x // y, x % y, x + y, x * y]
    fast = theano.function([x, y], outs, mode="NUMBA")
    slow = theano.function([x, y], outs, mode="FAST_RUN")
    assert kernel_calls(fast) == 4
    xv, yv = np.array([True, True, False]), np.array([2**64 - 1, 2**63, 5], "uint64")
    for got, want in zip(fast(xv, yv), slow(xv, yv)):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_single_column_sum_is_left_to_numpy(compiledir):
    """One column is a contiguous vector, which NumPy sums pairwise."""
    x = T.dmatrix("x")
    fast = theano.function([x], T.sum(x, axis=0) * 1, mode="NUMBA")
    slow = theano.function([x], T.sum(x, axis=0) * 1, mode="FAST_RUN")
    v = np.random.default_rng(1).normal(size=(100000, 1)) * 1e3
    np.testing.assert_array_equal(fast(v), slow(v))


def test_numba_installed_but_broken_keeps_the_python_tier(tmp_path):
    """After a NumPy upgrade Numba may be installed but fail to import."""
    fake = tmp_path / "fake" / "numba"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('Numba needs an older NumPy')\n")
    script = textwrap.dedent(
        """
        import warnings
        import numpy as np
        import theano
        import theano.tensor as T

        x = T.dvector("x")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            f = theano.function([x], [x * 3 + 1, T.sum(T.outer(x, x) * 2, axis=0)], mode="NUMBA")
        out = f(np.arange(3.0))
        print(f.tier, out[0].tolist(), sum("cannot be imported" in str(w.message) for w in caught))
        """
    )
    env = _env(tmp_path)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "fake"), env["PYTHONPATH"]])
    env["THEANO_FLAGS"] = f"base_compiledir={tmp_path / 'cache'}"
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, check=True)  # fmt: skip
    assert done.stdout.split(" ", 1)[1].strip() == "[1.0, 4.0, 7.0] 1", done.stdout + done.stderr


def test_openmp_flag_splits_large_arithmetic_kernels_between_threads(compiledir, monkeypatch):
    """Theano's ``openmp`` flag: from ``openmp_elemwise_minsize`` elements, parts of the
    array are computed by ``OMP_NUM_THREADS`` threads (the GIL released)."""
    from theano.link.numba import linker as numba_linker

    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    seen = []
    real = numba_linker._parallel
    monkeypatch.setattr(numba_linker, "_parallel", lambda *a: seen.append(a[1]) or real(*a))
    x, y = T.dvectors("x", "y")
    outs = [x**2 + y**2 + 2 * x * y, (x - y) * 0.5]
    with theano.change_flags(openmp=True, openmp_elemwise_minsize=1000):
        fast = theano.function([x, y], outs, mode="NUMBA")
    slow = theano.function([x, y], outs, mode="FAST_RUN")
    assert "_parallel" in fast.call_source
    rng = np.random.default_rng(5)
    for n in (999, 1000, 100_003):
        xv, yv = rng.normal(size=(2, n))
        for got, want in zip(fast(xv, yv), slow(xv, yv)):
            np.testing.assert_array_equal(got, want)
    assert seen == [1000, 1000, 100_003, 100_003]


def test_one_row_inputs_are_read_again_for_every_row(compiledir, monkeypatch):
    """A bias row broadcast over a matrix (or a 3-d array) runs in the kernel; a row of
    another length, or no columns at all, takes NumPy's branch."""
    from theano.tensor.type import TensorType

    x, b = T.dmatrix("x"), T.dvector("b")
    c, r = T.dtensor3("c"), TensorType("float32", (True, True, False))("r")
    outs = [x * 2 + b, T.tanh(x + b) * b, (c - r) * 3, T.maximum(T.cumsum(x, axis=0) + b, 0)]
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    with theano.change_flags(openmp=True, openmp_elemwise_minsize=2):
        fast = theano.function([x, b, c, r], outs, mode="NUMBA")
    slow = theano.function([x, b, c, r], outs, mode="FAST_RUN")
    assert kernel_calls(fast) == 4 and "shape[-1] > 0" in fast.call_source
    assert "_parallel" in fast.call_source  # split by rows
    rng = np.random.default_rng(9)
    for xs, cs in [((5, 3), (2, 4, 3)), ((1, 3), (1, 1, 3)), ((4, 0), (2, 2, 0))]:
        xv, cv = rng.normal(size=xs), rng.normal(size=cs)
        bv, rv = rng.normal(size=xs[1]), rng.normal(size=(1, 1, cs[2])).astype("float32")
        for got, want in zip(fast(xv, bv, cv, rv), slow(xv, bv, cv, rv)):
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
    with pytest.raises(ValueError):
        fast(np.ones((2, 3)), np.ones(4), np.ones((1, 1, 3)), np.ones((1, 1, 3), "float32"))


def test_a_kernel_being_built_does_not_hold_up_other_kernels(compiledir, monkeypatch):
    # A background tier may wait minutes for one kernel; another thread's loads of
    # other kernels (already loaded, or on disk) must not queue behind it.
    import threading
    import time
    from types import SimpleNamespace

    slow, ready = SimpleNamespace(source="# slow kernel"), SimpleNamespace(source="# ready")
    started, release = threading.Event(), threading.Event()
    loaded = object()

    def fake_load(directory, key, spec):
        if spec is slow:
            started.set()
            release.wait(30)
        return loaded

    monkeypatch.setattr(kernels, "_load_native", fake_load)
    monkeypatch.setattr(kernels, "_loaded", {})
    waiting = threading.Thread(target=kernels.load_kernel, args=(slow,))
    waiting.start()
    try:
        assert started.wait(30)
        begin = time.perf_counter()
        assert kernels.load_kernel(ready) is loaded
        assert time.perf_counter() - begin < 5
    finally:
        release.set()
        waiting.join(30)
    assert kernels.load_kernel(slow) is loaded
    assert not kernels._building


def test_a_call_rebuilt_after_the_switch_keeps_the_tiers_flags(tmp_path):
    x, y = T.dvectors("x", "y")
    chosen = tmp_path / "chosen"
    flags = {"base_compiledir": str(chosen), "numba.kernels": "all", "numba.whole_graph": False}
    with theano.change_flags(**flags):
        f = theano.function([x, y], T.tanh(T.tanh(x) * 2 + y) * 3,
                            mode=Mode("numba", FAST_RUN.phases))  # fmt: skip
        assert f.wait_for_tier(60) == "numba"
    with theano.change_flags(base_compiledir=str(tmp_path / "other")):
        f["y"] = np.ones(2)  # y had no stored value: the call is generated again
    assert ".size <" not in f.call_source and kernel_calls(f) == 1
    assert not (tmp_path / "other").exists()
    expected = np.tanh(np.tanh([0.5, -1.0]) * 2 + 1) * 3
    np.testing.assert_allclose(f(np.array([0.5, -1.0])), expected)
