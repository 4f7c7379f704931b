"""Differential test of the graph optimizer: FAST_RUN must compute what FAST_COMPILE does.

Hypothesis draws random expression graphs over `theano.tensor` (see ``strategies.py``
beside this file): mixed dtypes and broadcastable patterns, elementwise ops, reductions,
dimshuffles, reshapes, slicing, dot, join and the gradient of a scalar cost. Each graph
is compiled in both modes and called on the same values; the outputs must have the same
dtype (the declared one), the same shape (the one NumPy gives) and equal values
(float32: rtol 1e-4, atol 1e-5; float64: rtol 1e-7, atol 1e-9; ints and bools exact;
NaN equals NaN, infinities equal by sign), and neither call may modify its inputs.

CI runs a fixed, derandomized budget. For a deeper search, run by hand::

    THEANO_DIFF_EXAMPLES=2000 python -m pytest tests/tensor/rewriting/test_differential.py \
        --hypothesis-show-statistics

Setting the variable also switches to random (non-derandomized) search.

Every bug the search found has a minimal regression test below, named after it.
"""

import importlib.util
import os
import pathlib
import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import event as _hypothesis_event
from hypothesis.control import currently_in_test_context

import theano
import theano.tensor as T
from theano.compile.mode import Mode
from theano.graph.basic import ancestors


def _load_strategies():
    name = "tests_tensor_rewriting_strategies"
    if name not in sys.modules:
        path = pathlib.Path(__file__).with_name("strategies.py")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


strategies = _load_strategies()

_BUDGET = os.environ.get("THEANO_DIFF_EXAMPLES")


def event(message):
    """Count ``message`` in hypothesis' statistics (a no-op in the plain regression tests)."""
    if currently_in_test_context():
        _hypothesis_event(message)


TOLERANCES = {"float32": (1e-4, 1e-5), "float64": (1e-7, 1e-9)}


# FAST_COMPILE plus the stabilize phase: the reference for elements where FAST_RUN's
# stabilize rewrites (log(1 - sigmoid(x)) -> -softplus(x), ...) are more accurate than
# the plain formula, so FAST_RUN may legitimately differ from FAST_COMPILE there.
STABILIZED = Mode("py", ("merge", "constant_folding", "stabilize"), "FAST_COMPILE+stabilize")


def _stabilized(fast_reports):
    return any(r.name == "stabilize" and r.replacements for r in fast_reports)


def _call(case, mode):
    """Compile ``case`` in ``mode`` and call it on copies of its values.

    Returns ``(outputs, rewrite reports)``, or the exception the compile or call raised.
    """
    args = [v.copy() for v in case.values]
    try:
        f = theano.function(case.inputs, case.outputs, mode=mode, on_unused_input="ignore")
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = f(*args)
    except Exception as exc:  # noqa: BLE001 (compared between the modes below)
        return exc
    reports = getattr(f.maker, "rewrite_reports", ())
    for report in reports if mode == "FAST_RUN" else ():
        counts = {k: n for k, n in report.counts.items() if n}
        for name in counts or ([report.name] if report.replacements else []):
            event(f"{mode} rewrite: {name}")  # what the search exercised (statistics)
    for i, (arg, value) in enumerate(zip(args, case.values)):
        assert arg.dtype == value.dtype and np.array_equal(arg, value, equal_nan=True), (
            f"{mode} modified input {i} ({case.inputs[i]}): {value!r} became {arg!r}"
        )
    return [np.asarray(o) if np.isscalar(o) else o for o in out], reports


def _tolerance_dtype(outputs):
    """float32 when any value on the way is float32 (its rounding reaches float64 results)."""
    dtypes = {getattr(v, "dtype", None) for v in ancestors(outputs)}
    return "float32" if "float32" in dtypes else "float64"


def _close(a, b, rtol, atol):
    return np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True)


def assert_same_value(slow, fast, what="", precision=None, stable=None):
    """``fast`` equals ``slow`` within the tolerance of their dtype (exact for ints).

    ``stable`` (FAST_COMPILE plus the stabilize phase) is the reference for elements
    where ``fast`` differs from ``slow``: there, a stabilize rewrite was more accurate.
    Where ``slow`` overflowed (inf or NaN) and ``fast`` is finite, the stabilize phase
    did its job (``log(exp(x)) -> x``): those elements are not compared.
    """
    assert slow.dtype == fast.dtype, f"{what}: dtype {slow.dtype} vs {fast.dtype}"
    assert slow.shape == fast.shape, f"{what}: shape {slow.shape} vs {fast.shape}"
    if slow.dtype.kind in "biu":
        np.testing.assert_array_equal(fast, slow, err_msg=what)
        return
    rtol, atol = TOLERANCES[precision or str(slow.dtype)]
    ok = _close(fast, slow, rtol, atol)
    if stable is not None and not ok.all():
        ok |= _close(fast, stable, rtol, atol)
        event("FAST_RUN matches FAST_COMPILE+stabilize where FAST_COMPILE differs")
    overflowed = ~np.isfinite(slow) & np.isfinite(fast)
    if (overflowed & ~ok).any():
        event("FAST_RUN finite where FAST_COMPILE overflowed")
        ok |= overflowed
    if not ok.all():
        np.testing.assert_allclose(fast[~ok], slow[~ok], rtol=rtol, atol=atol,
                                   err_msg=f"{what}, at {np.argwhere(~ok).tolist()}")  # fmt: skip


# Known bugs, each with an xfail regression test below: (test name, message in the error
# FAST_RUN raises). A random graph hitting one is rejected, so the search goes on.
# Remove the entry when its bug is fixed.
KNOWN_FAST_RUN_ERRORS: list[tuple[str, str]] = []


def _known_bug(exc):
    for test, message in KNOWN_FAST_RUN_ERRORS:
        if message in str(exc):
            event(f"known bug, see {test}")
            return True
    return False


def check_case(case):
    """Assert that FAST_COMPILE and FAST_RUN agree on ``case``."""
    note(repr(case))
    slow, fast = _call(case, "FAST_COMPILE"), _call(case, "FAST_RUN")
    assume(not (isinstance(fast, Exception) and _known_bug(fast)))
    if isinstance(slow, Exception) or isinstance(fast, Exception):
        if isinstance(slow, Exception) and isinstance(fast, Exception):
            event(f"both modes raise {type(slow).__name__}")
            assert type(slow) is type(fast), f"FAST_COMPILE: {slow!r}; FAST_RUN: {fast!r}"
            return
        raise AssertionError(f"FAST_COMPILE: {slow!r}\nFAST_RUN: {fast!r}") from (
            slow if isinstance(slow, Exception) else fast
        )
    (slow, _), (fast, fast_reports) = slow, fast
    stable = [None] * len(slow)
    if _stabilized(fast_reports):
        result = _call(case, STABILIZED)
        stable = stable if isinstance(result, Exception) else result[0]
    precision = _tolerance_dtype(case.outputs)
    for i, (var, shape, s, f, r) in enumerate(zip(case.outputs, case.shapes, slow, fast, stable)):
        what = f"output {i} ({var.type})"
        assert s.dtype == var.dtype, f"{what}: FAST_COMPILE gave dtype {s.dtype}"
        assert s.shape == shape, f"{what}: FAST_COMPILE gave shape {s.shape}, NumPy {shape}"
        assert (f.dtype, f.shape) == (s.dtype, s.shape), f"{what}: FAST_RUN gave {f.dtype}{f.shape}"
        try:
            assert_same_value(s, f, what, precision, r)
        except AssertionError:
            reason = _ill_conditioned(case, *TOLERANCES[precision])
            if reason is None:
                raise
            event(f"values differ: {reason}")


# Ops whose result jumps where a float operand crosses a threshold: a rounding difference
# between the modes (expm1(x) vs exp(x) - 1) can flip them.
_COMPARISONS = ("LT", "GT", "LE", "GE", "EQ", "NEQ")
_STEPS = ("Floor", "Ceil", "RoundHalfToEven", "RoundHalfAwayFromZero", "Trunc", "Cast", "Sgn")


def _ill_conditioned(case, rtol, atol):
    """Why FAST_COMPILE's values of ``case`` may legitimately differ from FAST_RUN's, or None.

    Theano's algebra (x - x -> 0, x / x -> 1) ignores NaN and inf, on purpose; and a
    comparison, rounding or cast whose float operand lies within rounding distance of
    its threshold may go either way.
    """
    floats = [v for v in case.terms if v.dtype.startswith("float")]
    near = []  # (a, b): values that must not be within rounding of each other
    for node in {v.owner for v in ancestors(case.outputs) if v.owner is not None}:
        kind = type(getattr(node.op, "scalar_op", node.op)).__name__
        args = [i for i in node.inputs if i.dtype.startswith("float")]
        if kind in _COMPARISONS and len(args) == 2:
            near.append(("tie", *args))
        elif kind in _STEPS and args:
            near.append(("step", args[0], None))
    variables = floats + [v for _, a, b in near for v in (a, b) if v is not None]
    if not variables:
        return None
    f = theano.function(case.inputs, variables, mode="FAST_COMPILE", on_unused_input="ignore")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = dict(zip(variables, f(*[v.copy() for v in case.values])))
        if any(not np.isfinite(values[v]).all() for v in floats):
            return "after a NaN or inf in FAST_COMPILE (algebraic rewrites ignore them)"
        for kind, a, b in near:
            x = values[a]
            close = np.isclose(x, values[b], rtol, atol) if kind == "tie" else (
                np.isclose(2 * x, np.round(2 * x), rtol, atol))  # fmt: skip
            if np.any(close):
                return f"a comparison or rounding near its threshold ({a.owner or a})"
    return None


@settings(
    max_examples=int(_BUDGET or 60),
    deadline=None,
    derandomize=_BUDGET is None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=strategies.graph_cases())
def test_fast_run_agrees_with_fast_compile(case):
    check_case(case)


# ----------------------------------------------------------- regressions found by the search


def _both(inputs, outputs, values):
    """Both modes run ``outputs`` and agree; returns their outputs."""
    case = strategies.GraphCase(inputs, values, outputs, [None] * len(outputs))
    results = _call(case, "FAST_COMPILE"), _call(case, "FAST_RUN")
    for exc in results:
        if isinstance(exc, Exception):
            raise exc
    (slow, _), (fast, _) = results
    for i, (s, f) in enumerate(zip(slow, fast)):
        assert_same_value(s, f, f"output {i}", _tolerance_dtype(outputs))
    return slow, fast


def _declared(inputs, outputs, values):
    """Both modes give each output its declared dtype; returns FAST_COMPILE's outputs."""
    slow, _ = _both(inputs, outputs, values)
    for i, (var, s) in enumerate(zip(outputs, slow)):
        assert s.dtype == var.dtype, f"output {i}: declared {var.dtype}, got {s.dtype}"
    return slow


def test_sum_of_0d_int8_has_declared_dtype():
    x = T.bscalar("x")
    out = _declared([x], [T.sum(x), T.prod(x)], [np.array(4, dtype="int8")])
    assert out[0] == 4 and out[1] == 4


def test_inplace_nary_add():
    """The inplace phase made a 3-input add inplace as ``np.add(a, b, c, out=a)``."""
    x, y = T.dvectors("x", "y")
    (out,) = _declared([x, y], [T.add(T.concatenate([x, x]), y, y)], [np.ones(2), np.ones(4)])
    np.testing.assert_array_equal(out, [3.0] * 4)


def test_blas_with_empty_operands():
    x, y, z = T.dmatrices("x", "y", "z")
    v = T.dvector("v")
    for n, k, m in [(0, 0, 0), (0, 2, 2), (2, 2, 0)]:
        values = [np.ones((n, k)), np.ones((k, m)), np.ones((n, m))]
        (out,) = _declared([x, y, z], [z + T.dot(x, y)], values)
        assert out.shape == (n, m)
    gemv, ger = _declared([x, v], [T.dot(x, v) + v, x + T.outer(v, v)], [np.ones((0, 0)),
                          np.ones(0)])  # fmt: skip
    assert gemv.shape == (0,) and ger.shape == (0, 0)


def test_log_sigmoid_of_ints():
    b = T.TensorType("bool", (False,))("b")
    (out,) = _declared([b], [T.log(T.sigmoid(b))], [np.array([True, False])])
    np.testing.assert_allclose(out, -np.logaddexp(0, -np.array([1.0, 0.0])), rtol=1e-6)
    x = T.bvector("x")
    f = theano.function([x], T.log(T.sigmoid(x)), mode="FAST_RUN")
    np.testing.assert_allclose(f(np.array([-128, 3], dtype="int8")),
                               -np.logaddexp(0, [128.0, -3.0]), rtol=1e-6)  # fmt: skip


@pytest.mark.parametrize("name, deriv", [
    ("erf", lambda v: 2 / np.sqrt(np.pi) * np.exp(-v * v)),
    ("exp2", lambda v: np.log(2) * np.exp2(v)),
    ("log2", lambda v: 1 / (v * np.log(2))),
    ("deg2rad", lambda v: np.full_like(v, np.pi / 180)),
])  # fmt: skip
def test_float32_grad_constants(name, deriv):
    x = T.fvector("x")
    v = np.array([0.5, 1.5], dtype="float32")
    (g,) = _declared([x], [T.grad(T.sum(getattr(T, name)(x)), x)], [v])
    np.testing.assert_allclose(g, deriv(v.astype("float64")), rtol=1e-5)


def test_xlogy0_of_ints_computes_in_output_precision():
    x, y = T.iscalar("x"), T.bscalar("y")
    out = T.xlogy0(x, y)
    assert out.dtype == "float64"
    (got,) = _declared([x, y], [out], [np.array(4, dtype="int32"), np.array(2, dtype="int8")])
    np.testing.assert_allclose(got, 4 * np.log(2.0), rtol=1e-12)


def test_switch_of_float32_constants_is_float32():
    x = T.fscalar("x")
    one, zero = T.constant(np.float32(1)), T.constant(np.float32(0))
    outputs = [T.switch(x > 0, one, zero), T.grad(T.clip(x, -1, 2), x)]
    outputs.append(T.grad(T.switch(x > 0, x, -x), x))
    assert all(o.dtype == "float32" for o in outputs)
    switch, grad_clip, grad_switch = _declared([x], outputs, [np.array(0.5, dtype="float32")])
    assert switch == 1 and grad_clip == 1 and grad_switch == 1
    # FAST_RUN alone: x - x -> 0 turns both branches into constants.
    c = T.fcol("c")
    zero = c - c
    outputs = [T.where(T.neq(zero, 0), zero, zero), T.neq(zero, 0)]
    f = theano.function([c], outputs, mode="FAST_RUN")
    assert f(np.ones((2, 1), dtype="float32"))[0].dtype == "float32"


def test_inc_subtensor_of_bool_with_int():
    b = T.TensorType("bool", (False,))("b")
    try:
        out = T.inc_subtensor(b[:1], 1)
    except TypeError:
        return  # refused when the graph is built, naming the dtypes: fine too
    _both([b], [out], [np.array([False, True])])


def test_prod_is_not_taken_for_a_sum():
    """Prod subclassed Sum, so sum-only rewrites (sum of squares -> dot) fired on it."""
    x = T.dcol("x")
    outputs = [T.prod(T.sqr(x)), T.min(x * 2, axis=0)]
    (prod, mn) = _declared([x], outputs, [np.array([[0.5], [2.0]])])
    np.testing.assert_allclose(prod, 1.0)
    np.testing.assert_allclose(mn, [1.0])
    (empty, _) = _declared([x], outputs[:1] * 2, [np.zeros((0, 1))])
    np.testing.assert_allclose(empty, 1.0)
