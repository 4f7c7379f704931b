"""Compilation modes: Theano's optimizer names, linkers, filters and the optimizer profile."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.compile.mode import REWRITE_PHASES, Mode

# ------------------------------------------------------------ optimizer= and profiling


def _ops(f):
    return [str(n.op) for n in f.maker.fgraph.toposort()]


@pytest.mark.parametrize(
    "optimizer,phases",
    [(None, ()), ("None", ()), ("merge", ("merge",)),
     ("fast_compile", ("merge", "constant_folding")), ("fast_run", REWRITE_PHASES),
     (("merge", "fusion"), ("merge", "fusion"))],
)  # fmt: skip
def test_mode_optimizer_names(optimizer, phases):
    mode = Mode(linker="cvm", optimizer=optimizer)
    assert mode.phases == phases and mode.linker == "py"
    x = T.dvector("x")
    f = theano.function([x], T.exp(x) * 2 + 1, mode=mode)
    np.testing.assert_allclose(f(np.arange(3.0)), np.exp(np.arange(3.0)) * 2 + 1)
    fused = any("Composite" in op for op in _ops(f))
    assert fused == ("fusion" in phases)


def test_mode_rejects_unknown_linker_and_optimizer():
    with pytest.raises(ValueError, match="unknown linker 'gpu'"):
        Mode(linker="gpu")
    with pytest.raises(ValueError, match="unknown optimizer 'fastest'"):
        Mode(optimizer="fastest")
    with pytest.raises(ValueError, match="unknown rewrite phases"):
        Mode(optimizer=("merge", "magic"))


def test_fast_compile_folds_constants_only():
    x = T.dvector("x")
    f = theano.function([x], x + (T.constant(2.0) * 3), mode="FAST_COMPILE")
    assert len(f.maker.fgraph.apply_nodes) == 1  # 2 * 3 was folded
    assert not any("Composite" in op for op in _ops(f))


def test_profile_optimizer_prints_each_phase(capsys):
    x = T.dvector("x")
    theano.config.profile_optimizer = True
    try:
        theano.function([x], T.log(1 + T.exp(x)))
    finally:
        theano.config.profile_optimizer = False
    out = capsys.readouterr().out
    for phase in REWRITE_PHASES:
        assert phase in out
    assert "softplus_from_log1p_exp" in out or "log1p_from_log" in out


def test_mode_including_excluding_filters_rewrites():
    x = T.dvector("x")
    mode = theano.compile.mode.get_mode("FAST_RUN").excluding("fusion", "log1p_from_log")
    f = theano.function([x], T.log(1 + x) * 2, mode=mode)
    assert "Elemwise{log1p,no_inplace}" not in _ops(f)
    assert not any("Composite" in op for op in _ops(f))
    g = theano.function([x], T.log(1 + x) * 2, mode=mode.including("fusion"))
    assert any("Composite" in op for op in _ops(g))
