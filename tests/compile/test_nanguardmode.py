"""NanGuardMode: every input and node output is checked for NaN, Inf and huge values."""

import warnings

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.compile.nanguardmode import NanGuardMode

REWRITES = ["fast_run", None]


@pytest.mark.parametrize("optimizer", REWRITES)
def test_nan_from_a_node_names_the_node(optimizer):
    v = T.dvector("v")
    f = theano.function([v], T.log(v).sum() * 2,
                        mode=NanGuardMode(True, True, True, optimizer=optimizer))  # fmt: skip
    assert f(np.ones(3)) == 0.0
    with (
        np.errstate(invalid="ignore"),
        pytest.raises(AssertionError, match="NaN in output 0 of node"),
    ):
        f(np.array([1.0, -1.0]))
    with np.errstate(divide="ignore"), pytest.raises(AssertionError, match="Inf"):
        f(np.array([0.0, 1.0]))


@pytest.mark.parametrize("optimizer", REWRITES)
def test_inputs_are_checked(optimizer):
    # The documented example: an infinite input to a product with a shared matrix.
    x = T.dmatrix("x")
    w = theano.shared(np.random.default_rng(0).normal(size=(5, 7)), "w")
    fun = theano.function(
        [x], T.dot(x, w), mode=NanGuardMode(True, True, True, optimizer=optimizer)
    )
    assert np.allclose(fun(np.ones((3, 5))), np.ones((3, 5)) @ w.get_value())
    with pytest.raises(AssertionError, match=r"Inf in the function's input x \(position 0\)"):
        fun(np.full((3, 5), np.inf))
    w.set_value(np.full((5, 7), np.nan))
    with pytest.raises(AssertionError, match="NaN in the shared variable w"):
        fun(np.ones((3, 5)))


@pytest.mark.parametrize("optimizer", REWRITES)
def test_big_values(optimizer):
    x = T.dvector("x")
    out = x * 1e6
    loud = theano.function([x], out, mode=NanGuardMode(True, True, True, optimizer=optimizer))
    quiet = theano.function([x], out, mode=NanGuardMode(True, True, False, optimizer=optimizer))
    with pytest.raises(AssertionError, match="big value"):
        loud(np.array([1.0, 1e5]))
    assert np.array_equal(quiet(np.array([1.0, 1e5])), [1e6, 1e11])
    assert np.array_equal(loud(np.array([1.0, 1e3])), [1e6, 1e9])


def test_what_is_not_an_error():
    x = T.dvector("x")
    i = T.lvector("i")
    f = theano.function([x, i], [x * 2, i * 10**5], mode=NanGuardMode(False, False, False))
    nan_inf = np.array([np.nan, np.inf, -np.inf])
    out, ints = f(nan_inf, np.array([1, 2]))
    assert np.array_equal(out, nan_inf * 2, equal_nan=True)
    assert list(ints) == [10**5, 2 * 10**5]
    assert f(np.array([]), np.array([], dtype="int64"))[0].size == 0
    g = theano.function([x, i], [x * 2, i * 10**5], mode=NanGuardMode(False, False, True))
    with pytest.raises(AssertionError, match=r"big value .* in output 0 of node Elemwise\{mul"):
        g(np.ones(1), np.array([10**6]))  # integers are checked for big values
    with pytest.raises(AssertionError, match="big value .* in the function's input x"):
        g(np.array([np.inf]), np.array([1]))  # an infinity is big, as in Theano
    g(np.array([np.nan]), np.array([1]))  # NaN is not


@pytest.mark.parametrize("optimizer", REWRITES)
def test_constants_are_checked_whatever_the_rewrites_fold(optimizer):
    x = T.dvector("x")
    mode = NanGuardMode(True, True, True, optimizer=optimizer)
    floor = theano.function([x], T.maximum(x, T.constant(-np.inf)), mode=mode)
    with pytest.raises(AssertionError, match="Inf.* in the constant"):
        floor(np.ones(2))
    folded = theano.function([x], T.log(T.constant(-1.0)) + 0.0, mode=mode,
                             on_unused_input="ignore")  # fmt: skip
    with np.errstate(invalid="ignore"), pytest.raises(AssertionError, match="NaN"):
        folded(np.ones(2))


def test_complex_values():
    z = T.zvector("z")
    f = theano.function([z], z * 2, mode=NanGuardMode(True, True, True))
    with pytest.raises(AssertionError, match="NaN"):
        f(np.array([1 + 1j, complex(np.nan, 0)]))


@pytest.mark.parametrize("optimizer", REWRITES)
def test_failed_call_leaves_shared_variables_alone(optimizer):
    v = T.dvector("v")
    s = theano.shared(np.ones(4), "s")
    count = theano.shared(0, "count")
    f = theano.function([v], T.sqrt(v).sum(), updates=[(s, s * v), (count, count + 1)],
                        mode=NanGuardMode(True, True, True, optimizer=optimizer))  # fmt: skip
    f(np.full(4, 2.0))
    assert np.array_equal(s.get_value(), np.full(4, 2.0)) and count.get_value() == 1
    with np.errstate(invalid="ignore"), pytest.raises(AssertionError):
        f(np.array([1.0, -1.0, 1.0, 1.0]))
    assert np.array_equal(s.get_value(), np.full(4, 2.0)) and count.get_value() == 1


def test_action_warn_returns_the_result():
    v = T.dvector("v")
    f = theano.function([v], T.exp(v), mode=NanGuardMode(True, True, True))
    with theano.config.change_flags(**{"NanGuardMode.action": "warn"}), \
            warnings.catch_warnings(record=True) as caught, np.errstate(over="ignore"):  # fmt: skip
        warnings.simplefilter("always")
        out = f(np.array([0.0, 1000.0]))
    assert out[1] == np.inf
    assert any("NanGuardMode found Inf" in str(w.message) for w in caught)


def test_mode_by_name_and_flags():
    v = T.dvector("v")
    f = theano.function([v], T.log(v), mode="NanGuardMode")
    with np.errstate(invalid="ignore"), pytest.raises(AssertionError):
        f(np.array([-1.0]))
    with theano.config.change_flags(**{"NanGuardMode.nan_is_error": False}):
        g = theano.function([v], T.log(v), mode="NanGuardMode")
    with np.errstate(invalid="ignore"):
        assert np.isnan(g(np.array([-1.0]))[0])
    with theano.config.change_flags(mode="NanGuardMode"):
        assert isinstance(theano.compile.get_default_mode(), NanGuardMode)
        h = theano.function([v], T.log(v))
    with np.errstate(invalid="ignore"), pytest.raises(AssertionError):
        h(np.array([-1.0]))


def test_mode_keeps_its_settings_when_filtered():
    mode = NanGuardMode(True, False, False).excluding("fusion").including("x")
    assert isinstance(mode, NanGuardMode)
    assert (mode.nan_is_error, mode.inf_is_error, mode.big_is_error) == (True, False, False)
    assert "inplace" not in mode.phases and "fusion" in mode.excluded
    with pytest.raises(ValueError, match="unknown optimizer"):
        NanGuardMode(optimizer="bogus")


def test_stays_on_the_python_tier():
    v = T.dvector("v")
    with theano.config.change_flags(linker="numba"):
        f = theano.function([v], T.log(v) * 2, mode=NanGuardMode(True, True, True))
    assert f.wait_for_tier(5) == "python"
    with np.errstate(invalid="ignore"), pytest.raises(AssertionError):
        f(np.array([-1.0]))
