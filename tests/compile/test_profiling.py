"""Profiling: ``function(profile=...)``, ``config.profile`` and `ProfileStats`."""

import io
import os
import subprocess
import sys

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.compile import profiling
from theano.compile.nanguardmode import NanGuardMode
from theano.compile.profiling import ProfileStats

MODES = [theano.Mode(optimizer="fast_run"), theano.Mode(optimizer=None)]


@pytest.fixture(autouse=True)
def _nothing_printed_at_exit(monkeypatch):
    monkeypatch.setattr(profiling, "_printed_at_exit", [])


def _step(mode, profile):
    x = T.dmatrix("x")
    w = theano.shared(np.linspace(-1, 1, 12).reshape(4, 3), "w")
    cost = T.tanh(T.dot(x, w)).sum()
    f = theano.function([x], cost, updates=[(w, w - 0.1 * T.grad(cost, w))], mode=mode,
                        profile=profile, name="step")  # fmt: skip
    return f, w


@pytest.mark.parametrize("mode", MODES, ids=["rewrites", "no rewrites"])
def test_profiled_function_computes_the_same(mode):
    plain, w_plain = _step(mode, None)
    timed, w_timed = _step(mode, True)
    x = np.arange(8.0).reshape(2, 4) / 8
    for _ in range(3):
        assert np.array_equal(plain(x), timed(x))
    assert np.array_equal(w_plain.get_value(), w_timed.get_value())
    assert plain.profile is None and isinstance(timed.profile, ProfileStats)


@pytest.mark.parametrize("mode", MODES, ids=["rewrites", "no rewrites"])
def test_counts_and_times(mode):
    f, _ = _step(mode, True)
    x = np.ones((2, 4))
    for _ in range(5):
        f(x)
    f.trust_input = True
    f(x)
    stats = f.profile
    assert stats.fct_callcount == 6
    nodes = f.maker.fgraph.toposort()
    assert set(stats.apply_callcount) == set(nodes)
    assert all(count == 6 for count in stats.apply_callcount.values())
    times = stats.apply_time
    assert all(t >= 0 for t in times.values())
    assert 0 < sum(times.values()) <= stats.fct_call_time
    assert stats.compile_time >= stats.linker_time > 0
    by_class = stats.class_time()
    assert sum(n for _, _, n in by_class.values()) == len(nodes)


def test_summary_lists_classes_ops_and_nodes():
    f, _ = _step(theano.Mode(optimizer="fast_run"), "my step")
    f(np.ones((2, 4)))
    out = io.StringIO()
    f.profile.summary(file=out, n_apply_to_print=1)
    text = out.getvalue()
    assert "Function profiling" in text and "Message: my step" in text
    assert "Time in 1 calls to Function.__call__" in text
    for section in ("Class\n", "Ops\n", "Apply\n", "<Class name>", "<Op name>"):
        assert section in text
    for node in f.maker.fgraph.toposort():
        assert str(node.op) in text
    assert "more," in text  # only one node listed


def test_one_stats_for_two_functions():
    stats = ProfileStats(atexit_print=False)
    x = T.dvector("x")
    f = theano.function([x], T.exp(x), profile=stats)
    g = theano.function([x], T.log(x) * 2, profile=stats)
    f(np.ones(3))
    g(np.ones(3))
    g(np.ones(3))
    assert stats.fct_callcount == 3
    assert len(stats.apply_time) == len(f.maker.fgraph.apply_nodes) + len(
        g.maker.fgraph.apply_nodes
    )
    assert profiling._printed_at_exit == []


def test_config_profile_and_failed_calls():
    x = T.dvector("x")
    i = T.lscalar("i")
    with theano.config.change_flags(profile=True):
        f = theano.function([x, i], x[i] * 2)
    assert f.profile is not None and f.profile in profiling._printed_at_exit
    assert f(np.ones(3), 1) == 2
    with pytest.raises(IndexError):
        f(np.ones(3), 5)
    assert f.profile.fct_callcount == 2
    assert theano.function([x], x * 2).profile is None


def test_profile_with_nan_guard():
    v = T.dvector("v")
    f = theano.function([v], T.log(v), mode=NanGuardMode(True, True, True), profile=True)
    assert f(np.ones(2)).tolist() == [0.0, 0.0]
    with np.errstate(invalid="ignore"), pytest.raises(AssertionError, match="NaN"):
        f(np.array([-1.0]))
    assert f.profile.fct_callcount == 2


def test_printed_at_exit():
    code = ("import numpy as np, theano, theano.tensor as T\n"
            "x = T.dvector('x')\n"
            "f = theano.function([x], T.exp(x) + 1, name='at exit')\n"
            "f(np.ones(3))\n")  # fmt: skip
    env = dict(os.environ, THEANO_FLAGS="profile=True")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120, check=True)  # fmt: skip
    assert "Function profiling" in done.stderr and "Message: at exit" in done.stderr


def test_pickled_and_copied_functions_stay_profiled():
    import copy
    import pickle

    x = T.dvector("x")
    f = theano.function([x], x * 2, profile="kept")
    f(np.ones(2))
    for g in (pickle.loads(pickle.dumps(f)), copy.copy(f), f.copy()):
        assert g.profile is not None and g.profile is not f.profile
        assert g.profile.message == "kept" and g.profile.fct_callcount == 0
        g(np.ones(2))
        assert g.profile.fct_callcount == 1
    assert f.profile.fct_callcount == 1
    assert theano.function([x], x * 2).copy().profile is None
