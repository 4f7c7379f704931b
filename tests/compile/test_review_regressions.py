"""Aliasing, scheduling and failure-atomicity cases found in review of the FAST_RUN paths."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.link import blocked
from theano.tensor import inplace


@pytest.mark.parametrize("build", [
    lambda x: T.tensor_copy(T.exp(x)),
    lambda x: T.real(T.exp(x)),
    lambda x: T.sum(T.exp(x), axis=[]),
])  # fmt: skip
def test_an_output_equal_to_an_intermediate_is_a_new_array(build, mode):
    x = T.dvector("x")
    f = theano.function([x], build(x), mode=mode)
    first = f(np.zeros(3))
    f(np.ones(3))
    np.testing.assert_array_equal(first, [1.0, 1.0, 1.0])


@pytest.mark.parametrize("build", [T.tensor_copy, T.real, lambda x: T.sum(x, axis=[])])
def test_an_output_equal_to_an_input_is_a_copy(build, mode):
    x = T.dvector("x")
    a = np.ones(3)
    assert not np.shares_memory(theano.function([x], build(x), mode=mode)(a), a)


def test_output_showing_a_shared_value_is_the_old_value(mode):
    w = theano.shared(np.ones(3))
    f = theano.function([], T.real(w), updates={w: w * 2}, mode=mode)
    np.testing.assert_array_equal(f(), [1.0, 1.0, 1.0])
    assert not np.shares_memory(f(), w.get_value(borrow=True))


def test_in_place_op_on_a_mutable_input_with_later_readers(mode):
    x = T.dvector("x")
    z = inplace.exp_inplace(x) * 2
    f = theano.function([theano.In(x, mutable=True)], z, mode=mode, accept_inplace=True)
    np.testing.assert_allclose(f(np.zeros(2)), [2.0, 2.0])


@pytest.mark.parametrize("updates", [
    lambda w1, w2, x: {w1: w1 + x},
    lambda w1, w2, x: [(w1, w1 * 0.5), (w2, w2 + x)],
    lambda w1, w2, x: [(w1, w1 * 0.5), (w2, w2 - 0.1 * T.dot(T.ones_like(w2).T, x[:1]))],
])  # fmt: skip
def test_a_refused_call_leaves_every_shared_value_unchanged(updates, mode):
    x = T.dvector("x")
    w1, w2 = theano.shared(np.ones(3), "w1"), theano.shared(np.ones(3), "w2")
    f = theano.function([x], [], updates=updates(w1, w2, x), mode=mode,
                        on_unused_input="ignore")  # fmt: skip
    with pytest.raises(ValueError):
        f(np.ones(4))
    np.testing.assert_array_equal(w1.get_value(), np.ones(3))
    np.testing.assert_array_equal(w2.get_value(), np.ones(3))


def test_zero_d_shared_values_stay_0d_arrays(mode):
    w, v = theano.shared(np.asarray(1.0)), theano.shared(np.asarray(2.0))
    theano.function([], [], updates=[(w, w), (v, v + 0)], mode=mode)()
    assert type(w.get_value(borrow=True)) is np.ndarray
    assert type(v.get_value(borrow=True)) is np.ndarray


def test_dot_of_a_broadcastable_row_is_not_a_gemm(mode):
    z, y = T.dmatrix("z"), T.dmatrix("y")
    r = T.drow("r")
    f = theano.function([z, r, y], z + T.dot(r, y), mode=mode)
    zv, rv, yv = np.ones((5, 3)), np.ones((1, 4)), np.ones((4, 3))
    np.testing.assert_allclose(f(zv, rv, yv), zv + rv @ yv)


def test_read_only_shared_value_can_be_updated(mode):
    a = np.ones(3)
    a.flags.writeable = False
    w = theano.shared(a, borrow=True)
    theano.function([], [], updates={w: w * 2}, mode=mode)()
    np.testing.assert_array_equal(w.get_value(), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(a, [1.0, 1.0, 1.0])


def test_borrowed_output_passed_back_as_input(mode):
    n = blocked.MIN_SIZE + 11
    x, y, z = T.dvectors("x", "y", "z")
    f = theano.function([x, y, z], theano.Out(T.exp(x) + y + z, borrow=True), mode=mode)
    a, b, c = np.zeros(n), np.ones(n), np.ones(n)
    r = f(a, b, c)
    np.testing.assert_allclose(f(a, b, r), 1.0 + 1.0 + 3.0)


# The three below were found by a review of buffer reuse and update atomicity; NUMBA
# (per-node kernels, and the whole-graph kernel on small arrays) runs them too.
ALL_MODES = ["FAST_COMPILE", "FAST_RUN", "NUMBA"]


@pytest.mark.parametrize("any_mode", ALL_MODES)
def test_a_negative_integer_power_in_an_update_changes_no_shared_value(any_mode):
    w = theano.shared(np.array([1.0, 2.0]), "w")
    s = theano.shared(np.arange(1, 101, dtype="int64"), "s")
    k = T.lscalar("k")
    f = theano.function([k], [], updates=[(w, w * 2), (s, s**k)], mode=any_mode)
    with pytest.raises(ValueError, match="negative integer powers"):
        f(-1)
    np.testing.assert_array_equal(w.get_value(), [1.0, 2.0])
    np.testing.assert_array_equal(s.get_value(), np.arange(1, 101))
    f(2)
    np.testing.assert_array_equal(w.get_value(), [2.0, 4.0])
    np.testing.assert_array_equal(s.get_value(), np.arange(1, 101) ** 2)


@pytest.mark.parametrize("any_mode", ALL_MODES)
@pytest.mark.parametrize("size", [4, blocked.MIN_SIZE + 3])
def test_floating_point_errors_raised_by_numpy_change_no_shared_value(any_mode, size):
    v = theano.shared(np.ones(size), "v")
    w = theano.shared(np.full((2, 2), 2.0), "w")
    d = T.dvector("d")
    x = T.dmatrix("x")
    f = theano.function([d, x], [], mode=any_mode,
                        updates=[(w, w - 0.5 * T.dot(x.T, x)), (v, v / d)])  # fmt: skip
    bad = np.full(size, 2.0)
    bad[2] = 0.0
    with np.errstate(all="raise"):
        try:
            f(bad, np.ones((4, 3))[:, :2])  # x.T @ x = 4: w becomes 0
        except FloatingPointError:
            np.testing.assert_array_equal(v.get_value(), np.ones(size))
            np.testing.assert_array_equal(w.get_value(), np.full((2, 2), 2.0))
        else:  # a compiled kernel computes 1 / 0 without NumPy's error state: no error
            assert v.get_value()[2] == np.inf
            return
        f(np.full(size, 2.0), np.ones((4, 2)))
    np.testing.assert_array_equal(v.get_value(), np.full(size, 0.5))
    np.testing.assert_array_equal(w.get_value(), np.zeros((2, 2)))


@pytest.mark.parametrize("any_mode", ALL_MODES)
@pytest.mark.parametrize("rows", [3, 300])
def test_an_input_sharing_an_updated_shared_value_is_read_before_the_update(any_mode, rows):
    w = theano.shared(np.ones((rows, 3)), "w")
    v = theano.shared(np.zeros((4 * rows, 3)), "v")  # the larger: updated after w
    x = T.dmatrix("x")
    f = theano.function([x], [], updates=[(w, w * 2), (v, v + x[0])], mode=any_mode)
    f(w.get_value(borrow=True))
    np.testing.assert_array_equal(v.get_value(), np.ones((4 * rows, 3)))
    np.testing.assert_array_equal(w.get_value(), np.full((rows, 3), 2.0))
    f(w.get_value(borrow=True)[1:])  # a view of it
    np.testing.assert_array_equal(v.get_value(), np.full((4 * rows, 3), 3.0))


@pytest.mark.parametrize("any_mode", ["FAST_COMPILE", "FAST_RUN"])
def test_warnings_made_errors_change_no_shared_value(any_mode):
    import warnings

    x = T.dvector("x")
    w = theano.shared(np.ones(3), "w")
    v = theano.shared(np.ones(3), "v")
    f = theano.function([x], [], updates=[(v, v * 2), (w, w / x)], mode=any_mode)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # as pytest -W error does
        with pytest.raises(RuntimeWarning, match="divide by zero"):
            f(np.array([1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(w.get_value(), np.ones(3))
    np.testing.assert_array_equal(v.get_value(), np.ones(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f(np.array([1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(w.get_value(), [1.0, np.inf, 0.5])


def test_numpy_error_state_answers():
    import warnings

    from theano.link.numpy_errors import may_raise

    with warnings.catch_warnings():
        warnings.simplefilter("default")
        assert not may_raise()
        with np.errstate(all="raise"):
            assert may_raise()
        with np.errstate(divide="call"):
            assert may_raise()
        with np.errstate(all="ignore"):
            assert not may_raise()
        warnings.simplefilter("error")
        assert may_raise()
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        assert not may_raise()
        warnings.filterwarnings("error", message="divide", category=RuntimeWarning)
        assert may_raise()
        with np.errstate(all="ignore"):
            assert not may_raise()


BORROW_MODES = {
    "py": theano.Mode(linker="py"),
    "py, no rewrites": theano.Mode(linker="py", optimizer=None),
    "numba": theano.Mode(linker="numba_sync"),
}


@pytest.mark.parametrize("mode_name", list(BORROW_MODES))
@pytest.mark.parametrize("n", [4, blocked.MIN_SIZE + 5])
def test_borrowed_outputs_passed_back_in_are_read_before_being_overwritten(mode_name, n):
    # x = f(x) with Out(borrow=True): x is a buffer the function keeps and writes
    # into again while other nodes still read x.
    mode = BORROW_MODES[mode_name]
    x = T.dvector("x")
    u = T.cumsum(x)
    start = np.linspace(0.0, 1.0, n)
    two = theano.function([x], [theano.Out(T.exp(x) - 1, borrow=True),
                                theano.Out(x * 3, borrow=True)], mode=mode)  # fmt: skip
    a = two(start)[0]
    a0 = a.copy()
    np.testing.assert_allclose(two(a)[1], a0 * 3)
    scan_like = theano.function([x], [theano.Out(u * 2.0 + 1.0, borrow=True),
                                      theano.Out(x + u, borrow=True)], mode=mode)  # fmt: skip
    a = scan_like(start)[0]
    a0 = a.copy()
    np.testing.assert_allclose(scan_like(a)[1], a0 + np.cumsum(a0))
    w = theano.shared(np.zeros(n), "w")
    step = theano.function([x], theano.Out(u * 2.0, borrow=True), updates={w: w + x + u},
                           mode=mode)  # fmt: skip
    a = step(start)
    a0, w0 = a.copy(), w.get_value()
    step(a)
    np.testing.assert_allclose(w.get_value(), w0 + a0 + np.cumsum(a0))


def test_imag_and_views_of_views_are_new_arrays(mode):
    s = theano.shared(np.array([1 + 2j, 3 + 4j]), "s")
    f = theano.function([], [T.imag(s), T.real(T.real(s))], updates={s: s * 2}, mode=mode)
    imag, real = f()
    np.testing.assert_array_equal(imag, [2.0, 4.0])
    np.testing.assert_array_equal(real, [1.0, 3.0])
    f()
    np.testing.assert_array_equal(imag, [2.0, 4.0])  # not changed by the next call
    z = T.zvector("z")
    value = np.array([1 + 2j])
    assert not np.shares_memory(theano.function([z], T.imag(z), mode=mode)(value), value)


def test_inputs_named_like_generated_names_or_builtins(mode):
    i, y = T.lvector("i"), T.dvector("v6_")
    f = theano.function([i, y], [T.extra_ops.bincount(i), y * 2], mode=mode)
    counts, doubled = f(np.array([0, 1, 1]), np.ones(3))
    np.testing.assert_array_equal(counts, [1, 2])
    np.testing.assert_array_equal(doubled, [2.0, 2.0, 2.0])
    a, b = T.dvector("Exception"), T.dvector("b")
    g = theano.function([a, b], a + b, mode=mode)
    with pytest.raises(ValueError):
        g(np.ones(3), np.ones(4))
    np.testing.assert_array_equal(g(Exception=np.ones(2), b=np.ones(2)), [2.0, 2.0])


def test_only_borrowed_outputs_get_alias_checks_for_kept_buffers():
    x = T.dvector("x")
    w = theano.shared(np.ones(3), "w")
    step = theano.function([x], [], updates={w: w / x}, mode="FAST_RUN")
    assert "_buf" not in step.call_source


def test_builtin_names_as_inputs_on_the_numba_tier():
    a, b = T.dvector("type"), T.dvector("Exception")
    f = theano.function([a, b], (a * b + a).sum(), mode="NUMBA")
    assert f(np.ones(3), np.ones(3)) == 6.0
    assert f(type=np.ones(2), Exception=np.ones(2)) == 4.0
    with pytest.raises(ValueError):
        f(np.ones(3), np.ones(4))


@pytest.mark.parametrize("name", ["_in0", "_w", "class", "café", "_NODEF"])
def test_inputs_whose_names_are_not_parameters_are_passed_by_keyword(name, mode):
    a, b = T.dvector(name), T.dvector("b")
    f = theano.function([a, b], a * 2 + b, mode=mode)
    one, two = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    for trust in (False, True):
        f.trust_input = trust
        np.testing.assert_array_equal(f(**{name: one, "b": two}), [5.0, 8.0])
    f.trust_input = False
    with pytest.raises(TypeError, match="two values for its input"):
        f(one, **{name: one, "b": two})
    with pytest.raises(TypeError, match=rf"Unknown input or state: zz.*\({name}, b\)"):
        f(one, zz=two)


def test_an_input_named_max_on_the_numba_tier():
    a = T.dvector("max")
    f = theano.function([a], T.reshape(a, (2, -1)) * 2, mode="NUMBA")
    np.testing.assert_array_equal(f(np.arange(4.0)), [[0.0, 2.0], [4.0, 6.0]])


@pytest.mark.parametrize("any_mode", ["FAST_COMPILE", "FAST_RUN", "NUMBA"])
def test_a_removed_alloc_still_checks_its_length(any_mode):
    n, v = T.lscalar("n"), T.dvector("v")
    x = T.dmatrix("x")
    f = theano.function([n, v, x], [v + T.alloc(1.0, n), T.fill(x, 2.0) * v], mode=any_mode)
    out, filled = f(3, np.zeros(3), np.ones((2, 3)))
    np.testing.assert_array_equal(out, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(filled, np.zeros((2, 3)))
    with pytest.raises((ValueError, AssertionError)):
        f(4, np.zeros(3), np.ones((2, 3)))
    with pytest.raises((ValueError, AssertionError)):
        f(3, np.zeros(3), np.ones((2, 4)))


def test_gradient_fills_need_no_length_check():
    x = T.dmatrix("x")
    g = theano.function([x], T.grad((T.tanh(x) ** 2).sum(), x), mode="FAST_RUN")
    assert not any("SpecifyShape" in str(n.op) for n in g.maker.fgraph.toposort())


@pytest.mark.parametrize("any_mode", ["FAST_COMPILE", "FAST_RUN", "NUMBA"])
def test_fills_of_broadcasting_shapes_and_of_dropped_sums(any_mode):
    y, z, x = T.dmatrices("y", "z", "x")
    r, s, c = T.drow("r"), T.dscalar("s"), T.dcol("c")
    b = np.arange(6.0).reshape(2, 3)
    f = theano.function([r, s, c, y, z], [T.fill(r, y) + z, T.fill(s, y) * z, T.fill(c, y) + z],
                        mode=any_mode)  # fmt: skip
    for out, want in zip(f(np.ones((1, 3)), 2.0, np.ones((2, 1)), b, b), [b + b, b * b, b + b]):
        np.testing.assert_array_equal(out, want)
    # x + z exists only as the fill's shape: its check (x's shape is z's) must stay.
    g = theano.function([x, y, z], T.fill(x + z, y) * z, mode=any_mode)
    np.testing.assert_array_equal(g(np.ones((2, 3)), b, b), b * b)
    with pytest.raises((ValueError, AssertionError)):
        g(np.ones((2, 4)), b, b)


def test_keywords_never_bind_to_internal_parameter_names():
    from theano.compile.profiling import ProfileStats

    one, two = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    a, b = T.dvector("class"), T.dvector("_arg0")
    f = theano.function([a, b], a * 10 + b)
    np.testing.assert_array_equal(f(**{"class": one, "_arg0": two}), [13.0, 24.0])
    np.testing.assert_array_equal(f(one, _arg0=two), [13.0, 24.0])
    a, b = T.dvector("class"), T.dvector("b")
    g = theano.function([a, b], a * 10 + b, profile=ProfileStats(atexit_print=False))
    with pytest.raises(TypeError, match="Unknown input or state: _arg0"):
        g(_arg0=one, b=two)
    g(**{"class": one, "b": two})
    assert g.profile.fct_callcount == 2  # the failed call and this one, each once
    s, b = T.dvector("self"), T.dvector("b")
    h = theano.function([s, b], s + b)
    np.testing.assert_array_equal(h(self=one, b=two), [4.0, 6.0])


def _fill_cases():
    x, y, z, w = T.dmatrices("x", "y", "z", "w")
    b, bad = np.ones((2, 3)), np.ones((2, 4))
    return {
        "specify_shape": ([x, y], T.fill(T.specify_shape(x, (2, 3)), y) + x, [(bad, bad), (b, b)]),
        "gradient": (
            [x, y, z],
            T.grad((T.fill(x, y) * z).sum(), y),
            [(b, b, bad), (bad, b, b), (b, b, b)],
        ),  # fmt: skip
        "z + x": ([x, y, z], T.fill(z + x, y) * z, [(bad, b, b), (b, b, b)]),
        "x * w": ([x, y, z, w], T.fill(x * w, y) * z, [(b, b, b, bad), (b, b, b, b)]),
        "nested": ([x, y, z], T.fill(T.fill(x, y), z) * z, [(b, bad, b), (b, b, b)]),
        "alloc": ([x, y], y + T.alloc(1.0, x.shape[0], x.shape[1]), [(bad, b), (b, b)]),
        # an alloc broadcasts a value of length 1 that its type does not call broadcastable
        "alloc of a vector": (
            [w, x],
            T.alloc(w[0], x.shape[0], x.shape[1]) + x,
            [(np.ones((2, 1)), b), (b, b), (bad, b)],
        ),  # fmt: skip
    }


@pytest.mark.parametrize("case", list(_fill_cases()))
def test_removed_fills_raise_where_fast_compile_raises(case):
    inputs, out, calls = _fill_cases()[case]
    fns = {m: theano.function(inputs, out, mode=m, on_unused_input="ignore")
           for m in ("FAST_COMPILE", "FAST_RUN", "NUMBA")}  # fmt: skip
    for args in calls:
        results = {}
        for m, f in fns.items():
            try:
                results[m] = np.asarray(f(*args))
            except (ValueError, AssertionError):
                results[m] = "raised"
        want = results.pop("FAST_COMPILE")
        for m, got in results.items():
            if isinstance(want, str):
                assert got == "raised", f"{m} returned a result where FAST_COMPILE raised"
            else:
                assert not isinstance(got, str), f"{m} raised where FAST_COMPILE did not"
                np.testing.assert_array_equal(got, want)


def test_a_zero_d_alloc(mode):
    s, n = T.dscalar("s"), T.lscalar("n")
    f = theano.function([s, n], [T.alloc(s), T.alloc(s, n), T.alloc(0.0, n, 2)], mode=mode)
    zero_d, vector, zeros = f(2.0, 3)
    assert zero_d.shape == () and float(zero_d) == 2.0
    np.testing.assert_array_equal(vector, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(zeros, np.zeros((3, 2)))
