"""Differential test of whole-graph kernels: random graphs (``strategies.py`` of the
rewriting tests) compiled with ``mode='NUMBA'`` must compute what the Python tier does,
on inputs of any layout, with NaN and infinities, and with a shared variable updated
in place. A by-hand search of about 6,000 graphs (half of them compiled whole) found
nothing; CI runs a small derandomized budget. For a deeper search::

    THEANO_GRAPH_KERNEL_EXAMPLES=2000 python -m pytest tests/link/test_graph_kernel_differential.py

Setting the variable also switches to random search.
"""

import importlib.util
import os
import pathlib
import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import theano
from theano.compile.mode import Mode
from theano.graph.basic import ancestors

pytest.importorskip("numba")

_BUDGET = os.environ.get("THEANO_GRAPH_KERNEL_EXAMPLES")
TOLERANCES = {"float32": (1e-4, 1e-5), "float64": (1e-7, 1e-9)}
# (kernel mode, reference): rewritten graphs, and unrewritten ones (Dot, unfused Elemwise).
MODES = {"rewritten": ("NUMBA", "FAST_RUN"),
         "plain": (Mode("numba_sync", optimizer=None), "FAST_COMPILE")}  # fmt: skip


def _strategies():
    name = "tests_tensor_rewriting_strategies"
    if name not in sys.modules:
        path = pathlib.Path(__file__).parents[1] / "tensor" / "rewriting" / "strategies.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


strategies = _strategies()
# Families whose ops all have whole-graph forms, so that most such graphs compile whole;
# the others (unary ops without a Numba form, general advanced indexing...) mostly do not.
KERNEL_FAMILIES = ("binary", "cast", "reduction", "arg_reduction", "dimshuffle", "reshape",
                   "subtensor", "set_subtensor", "dot", "join")  # fmt: skip
CASES = st.one_of(strategies.graph_cases(families=KERNEL_FAMILIES), strategies.graph_cases())


@pytest.fixture(scope="module", autouse=True)
def compiledir(tmp_path_factory):
    with theano.change_flags(base_compiledir=str(tmp_path_factory.mktemp("kernels")),
                             **{"numba.whole_graph": True, "linker": "py"}):  # fmt: skip
        yield


def relayout(value, how):
    """``value`` with the same elements in another memory layout."""
    if value.ndim == 0 or how == "c":
        return value.copy()
    if how == "fortran":
        return np.asfortranarray(value)
    if how == "strided":  # every other element of a larger buffer
        wide = np.empty((*value.shape[:-1], 2 * value.shape[-1]), value.dtype)
        wide[..., ::2] = value
        return wide[..., ::2]
    flipped = (slice(None, None, -1),) * value.ndim  # "reversed": negative strides
    return value[flipped].copy()[flipped]


def with_specials(value, rng):
    if value.dtype.kind != "f" or value.size == 0:
        return value
    value = value.copy()
    where = rng.random(value.shape) < 0.15
    value[where] = rng.choice([np.nan, np.inf, -np.inf, -0.0, 1e30], size=where.sum())
    return value


def run(mode, case, values, layout="c", statuses=None):
    """Outputs of two calls of ``case`` compiled in ``mode`` (copies) on ``values`` in
    ``layout``, or the exception."""
    args = [relayout(v, layout) for v in values]
    try:
        f = theano.function(case.inputs, case.outputs, mode=mode, on_unused_input="ignore")
        if statuses is not None:
            _record_statuses(f, statuses)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = [[np.array(o) for o in f(*args)] for _ in range(2)]
    except Exception as err:  # noqa: BLE001 (compared between the modes)
        return err
    for arg, value in zip(args, values):
        assert np.array_equal(arg, value, equal_nan=True), f"{mode} modified an input"
    return results


def _record_statuses(f, seen):
    for fn in (f._checked, f._trusted):
        g = fn.__globals__
        for name in [k for k in g if k.startswith("_graph_kernel")]:
            real = g[name]

            def record(*args, _real=real):
                status = _real(*args)
                if status <= 0:
                    seen.append(status)
                return status

            g[name] = record


@settings(max_examples=int(_BUDGET or 40), deadline=None, derandomize=_BUDGET is None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(case=CASES,
       rewrites=st.sampled_from(["rewritten", "rewritten", "plain"]),
       layout=st.sampled_from(["c", "fortran", "strided", "reversed"]),
       specials=st.booleans(), seed=st.integers(0, 2**32 - 1))  # fmt: skip
def test_whole_graph_kernels_agree_with_the_python_tier(case, rewrites, layout, specials, seed):
    rng = np.random.default_rng(seed)
    values = [with_specials(v, rng) if specials else v for v in case.values]
    note(f"{case!r}\nrewrites={rewrites} layout={layout} specials={specials} seed={seed}")
    kernel_mode, reference = MODES[rewrites]
    statuses = []
    got = run(kernel_mode, case, values, layout, statuses)
    want = run(reference, case, values, layout)
    note(f"kernel statuses: {statuses}")
    if isinstance(got, Exception) or isinstance(want, Exception):
        assert type(got) is type(want), f"kernel mode: {got!r}; Python tier: {want!r}"
        return
    dtypes = {getattr(v, "dtype", None) for v in ancestors(case.outputs)}
    rtol, atol = TOLERANCES["float32" if "float32" in dtypes else "float64"]
    for call in range(2):
        for k, (a, b) in enumerate(zip(got[call], want[call])):
            what = f"call {call}, output {k}"
            assert (a.dtype, a.shape) == (b.dtype, b.shape), f"{what}: {a.dtype}{a.shape}"
            if a.dtype.kind in "biu":
                np.testing.assert_array_equal(a, b, err_msg=what)
            else:
                np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True,
                                           err_msg=what)  # fmt: skip


def test_the_search_reaches_whole_graph_kernels():
    """The strategies draw graphs the kernel computes (else the test above tests little)."""
    from hypothesis import find

    def whole(case):
        statuses = []
        run("NUMBA", case, case.values, statuses=statuses)
        return 0 in statuses

    find(strategies.graph_cases(), whole, settings=settings(max_examples=50, database=None,
         derandomize=True, deadline=None, suppress_health_check=list(HealthCheck)))  # fmt: skip
