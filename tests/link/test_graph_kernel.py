"""Whole graphs of small arrays as one Numba kernel, against the Python tier (NumPy):
elementwise broadcasting, reductions, products, views, layouts, updates, errors and
the fall back to the usual code on large arrays."""

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.compile.mode import Mode

pytest.importorskip("numba")

from theano.link.numba import graph_kernel

# With and without rewrites: unrewritten graphs hold Dot, unfused Elemwise and Sum.
MODES = {"rewritten": "NUMBA", "plain": Mode("numba_sync", optimizer=None)}
REFERENCE = {"rewritten": "FAST_RUN", "plain": "FAST_COMPILE"}


@pytest.fixture(autouse=True)
def compiledir(tmp_path):
    with theano.change_flags(base_compiledir=str(tmp_path),
                             **{"numba.whole_graph": True, "linker": "py"}):  # fmt: skip
        yield tmp_path


def kernel_statuses(f):
    """The whole-graph kernel's return value at each later call of ``f`` (0: it computed
    the graph; -1: the usual code did)."""
    seen = []
    hooked = 0
    for fn in (f._checked, f._trusted):
        g = fn.__globals__
        for name in [k for k in g if k.startswith("_graph_kernel")]:
            real = g[name]

            def record(*args, _real=real):
                status = _real(*args)
                if status <= 0:  # not a request for a larger arena
                    seen.append(status)
                return status

            g[name] = record
            hooked += 1
    assert hooked, "the function has no whole-graph kernel:\n" + f.call_source
    return seen


def compare(inputs, outputs, values, rewrites="rewritten", updates=None, rtol=1e-12,
            calls=2, expect=0):  # fmt: skip
    """Compile with the whole-graph kernel and with the Python tier, call both ``calls``
    times, and compare outputs and shared values. Returns the kernel's statuses."""
    shared = [s for s, _ in updates or []]
    start = [s.get_value() for s in shared]
    results = []
    statuses = None
    for mode in (MODES[rewrites], REFERENCE[rewrites]):
        for s, v in zip(shared, start):
            s.set_value(v.copy())
        f = theano.function(inputs, outputs, mode=mode, updates=updates,
                            on_unused_input="ignore")  # fmt: skip
        if mode is MODES[rewrites]:
            assert f.tier == "numba"
            if expect == "absent":
                assert "_graph_kernel" not in f.call_source
                statuses = []
            else:
                statuses = kernel_statuses(f)
        with np.errstate(all="ignore"):
            got = [f(*values) for _ in range(calls)]
        results.append((got, [s.get_value() for s in shared]))
    (fast, fast_shared), (slow, slow_shared) = results
    for a, b in zip([*fast, fast_shared], [*slow, slow_shared]):
        for u, v in zip(a if isinstance(a, list) else [a], b if isinstance(b, list) else [b]):
            u, v = np.asarray(u), np.asarray(v)
            assert u.dtype == v.dtype and u.shape == v.shape
            if u.dtype.kind == "f":
                np.testing.assert_allclose(u, v, rtol=rtol, atol=1e-300, equal_nan=True)
            else:
                np.testing.assert_array_equal(u, v)
    # expect None: the kernel is not even called (an input is above ELEMENTS_MAX);
    # "absent": the graph has an op without a whole-graph form.
    assert statuses == ([] if expect in (None, "absent") else [expect] * calls), statuses
    return statuses


rng = np.random.default_rng(0)


def data(*shape, dtype="float64"):
    return rng.uniform(-2, 2, size=shape).astype(dtype)


@pytest.mark.parametrize("rewrites", ["rewritten", "plain"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_logistic_regression_step(rewrites, dtype):
    x, y = T.matrix("x", dtype=dtype), T.vector("y", dtype=dtype)
    w = theano.shared(data(8, dtype=dtype), name="w")
    b = theano.shared(np.asarray(0.1, dtype=dtype), name="b")
    p = T.nnet.sigmoid(T.dot(x, w) + b)
    xent = -y * T.log(p) - (1 - y) * T.log(1 - p)
    cost = xent.mean() + 0.01 * (w**2).sum()
    gw, gb = T.grad(cost, [w, b])
    lr = np.asarray(0.1, dtype=dtype)
    updates = [(w, w - lr * gw), (b, b - lr * gb)]
    labels = (rng.random(20) > 0.5).astype(dtype)
    # float32: the cross-entropy of a p near 1 loses digits either way
    rtol = 1e-4 if dtype == "float32" else 1e-12
    compare([x, y], [p > 0.5, xent], [data(20, 8, dtype=dtype), labels], rewrites, updates,
            rtol=rtol, calls=3)  # fmt: skip


@pytest.mark.parametrize("rewrites", ["rewritten", "plain"])
def test_elementwise_broadcasting_of_rows_columns_and_scalars(rewrites):
    x = T.matrix("x")
    row, col = T.row("row"), T.col("col")
    s = T.scalar("s")
    v = T.vector("v")
    outs = [
        T.exp(-x * x) * T.sin(row) + col * s,
        T.switch(x > row, T.tanh(x), T.log1p(x * x)) + v,
        T.maximum(x, 0.5) - T.minimum(col, s) ** 2,
        (x > 0) & (col < 1),
    ]
    values = [data(5, 7), data(1, 7), data(5, 1), np.asarray(0.3), data(7)]
    compare([x, row, col, s, v], outs, values, rewrites)


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint8", "bool"])
def test_integer_and_boolean_elementwise(dtype):
    x, y = T.matrix("x", dtype=dtype), T.matrix("y", dtype=dtype)
    if dtype == "bool":
        outs = [x & ~y, x ^ y, T.cast(x, "int32") + y]
        values = [rng.random((4, 6)) > 0.5, rng.random((4, 6)) > 0.5]
    else:
        outs = [x * 3 - y, x // (abs(y) + 1), x % 5, T.maximum(x, y), x + 0.5]
        hi = 100 if dtype in ("int8", "uint8") else 10_000
        values = [rng.integers(0, hi, (4, 6)).astype(dtype),
                  rng.integers(0, hi, (4, 6)).astype(dtype)]  # fmt: skip
    compare([x, y], outs, values)


@pytest.mark.parametrize("rewrites", ["rewritten", "plain"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int8", "bool"])
def test_reductions_over_each_axis(rewrites, dtype):
    x = T.tensor3("x", dtype=dtype)
    outs = [x.sum(), x.sum(axis=0), x.sum(axis=(0, 2)), x.sum(axis=1, keepdims=True)]
    if dtype != "bool":
        outs += [x.prod(axis=2), x.max(axis=1), x.min(), x.max(axis=(0, 1), keepdims=True)]
    if dtype == "bool":
        value = rng.random((3, 4, 5)) > 0.5
    elif dtype == "int8":
        value = rng.integers(-3, 4, (3, 4, 5)).astype(dtype)
    else:
        value = data(3, 4, 5, dtype=dtype)
    rtol = 1e-5 if dtype == "float32" else 1e-12
    compare([x], outs, [value], rewrites, rtol=rtol)


def test_maximum_and_minimum_spread_nan_as_numpy():
    x = T.matrix("x")
    value = data(4, 5)
    value[1, 2] = np.nan
    value[3, 0] = np.nan
    compare([x], [x.max(axis=0), x.min(axis=1), x.max()], [value])


@pytest.mark.parametrize("rewrites", ["rewritten", "plain"])
def test_products_of_every_rank(rewrites):
    a, b = T.matrix("a"), T.matrix("b")
    u, v = T.vector("u"), T.vector("v")
    outs = [T.dot(a, b), T.dot(a, v), T.dot(u, a), T.dot(u, u), 2 * T.dot(a, b) + 3 * a,
            T.dot(a, v) * 0.5 + u.sum(), a + 0.25 * T.outer(u, v)]  # fmt: skip
    compare([a, b, u, v], outs, [data(6, 6), data(6, 6), data(6), data(6)], rewrites)


def test_gemm_with_zero_beta_does_not_read_its_accumulator():
    """BLAS reads no element of ``z`` when ``beta`` is 0: a NaN there must not spread."""
    from theano.tensor.blas import gemm_no_inplace, gemv_no_inplace

    z, x, y = T.matrices("z", "x", "y")
    zv, m, xv = T.vector("zv"), T.matrix("m"), T.vector("xv")
    a, beta = T.scalar("a"), T.scalar("beta")
    outs = [gemm_no_inplace(z, a, x, y, beta), gemv_no_inplace(zv, a, m, xv, beta)]
    nan_z = np.full((3, 4), np.nan)
    values = [nan_z, data(3, 5), data(5, 4), np.full(3, np.nan), data(3, 5), data(5)]
    compare([z, x, y, zv, m, xv, a, beta], outs, [*values, np.asarray(1.5), np.asarray(0.0)])
    values[0], values[3] = data(3, 4), data(3)
    compare([z, x, y, zv, m, xv, a, beta], outs, [*values, np.asarray(1.5), np.asarray(-0.5)])


def test_inputs_of_any_layout():
    """Strided, transposed and reversed views are read through their own strides."""
    x, y = T.matrices("x", "y")
    base = data(8, 10)
    views = [base[::2, 1::3], base[:4, :4].T, base[::-2, ::-3]]
    for view in views:
        other = data(*view.shape)
        compare([x, y], [x * y + 1, T.dot(x, y.T), x.sum(axis=1)], [view, other])


def test_views_and_inputs_as_outputs():
    x = T.matrix("x")
    compare([x], [x.T, x, (x + 1).dimshuffle(1, "x", 0), x.sum(axis=0).dimshuffle("x", 0)],
            [data(3, 4)])  # fmt: skip


def test_scalar_graphs():
    a, b = T.scalars("a", "b")
    n = T.iscalar("n")
    outs = [a**2 + b, T.exp(a) * T.cos(b), T.switch(a > b, a, b * n), T.cast(n, "float32") / 3]
    compare([a, b, n], outs, [np.asarray(1.5), np.asarray(-0.25), np.asarray(3, "int32")])


def test_array_constants_and_shapes():
    x = T.matrix("x")
    table = np.arange(12.0).reshape(3, 4)
    outs = [x * table + np.array([1.0, 2.0, 3.0, 4.0]), x.shape[0] * x.shape[1] + x.sum()]
    compare([x], outs, [data(3, 4)])


def test_shape_mismatch_raises_the_python_tiers_error_and_changes_no_shared():
    x, y = T.vectors("x", "y")
    acc = theano.shared(np.zeros(3), name="acc")
    f = theano.function([x, y], x + y, updates=[(acc, acc + x * y)], mode="NUMBA")
    statuses = kernel_statuses(f)
    f(np.ones(3), np.ones(3))
    before = acc.get_value().copy()
    with pytest.raises(ValueError) as got:
        f(np.ones(3), np.ones(4))
    slow = theano.function([x, y], x + y, mode="FAST_RUN")
    with pytest.raises(ValueError) as want:
        slow(np.ones(3), np.ones(4))
    assert str(got.value).splitlines()[0] == str(want.value).splitlines()[0]
    np.testing.assert_array_equal(acc.get_value(), before)
    assert statuses == [0, -1]


def test_large_arrays_fall_back_to_the_usual_code():
    x = T.vector("x")
    big = data(graph_kernel.ELEMENTS_MAX + 1)
    compare([x], [(T.tanh(x) * 2 + 1).sum()], [big], expect=None)
    # A large intermediate from small inputs: the kernel declines.
    compare([x], [T.outer(x, x).sum(axis=0)], [data(200)], expect=-1)
    a, b = T.matrices("a", "b")
    side = round(graph_kernel.PRODUCT_MAX ** (1 / 3)) + 2
    compare([a, b], [T.dot(a, b) + 1], [data(side, side), data(side, side)], expect=-1)


def test_the_arena_grows_with_the_arrays():
    x = T.matrix("x")
    f = theano.function([x], [(T.exp(x) + 1).sum(axis=0) * 2], mode="NUMBA")
    statuses = kernel_statuses(f)
    for n in (2, 50, 3, 100):
        value = data(n, 7)
        np.testing.assert_allclose(f(value)[0], (np.exp(value) + 1).sum(axis=0) * 2)
    assert statuses == [0] * 4


def test_inplace_update_is_written_into_the_shared_buffer():
    """As the usual code's in-place Gemm does."""
    x, y = T.matrices("x", "y")
    w = theano.shared(data(3, 4), name="w")
    f = theano.function([x, y], (x * y.sum()).sum(), updates=[(w, w - 0.1 * T.dot(x.T, y))],
                        mode="NUMBA")  # fmt: skip
    assert "True)" in f.call_source  # the usual code's Gemm is in place
    statuses = kernel_statuses(f)
    buffer = w.get_value(borrow=True)
    start = buffer.copy()
    a, b = data(2, 3), data(2, 4)
    np.testing.assert_allclose(f(a, b), (a * b.sum()).sum())
    assert w.get_value(borrow=True) is buffer
    np.testing.assert_allclose(buffer, start - 0.1 * a.T @ b, rtol=1e-12)
    assert statuses == [0]


def test_read_only_shared_buffer_is_left_to_the_usual_code():
    """The kernel never writes an array that is not writeable (the shared filter copies
    one; here it is put in the storage directly)."""
    x, y = T.matrices("x", "y")
    w = theano.shared(data(3, 4), name="w")
    f = theano.function([x, y], (x * y.sum()).sum(), updates=[(w, w - 0.1 * T.dot(x.T, y))],
                        mode="NUMBA")  # fmt: skip
    statuses = kernel_statuses(f)
    frozen = data(3, 4)
    frozen.flags.writeable = False
    start = frozen.copy()
    w.container.storage[0] = frozen
    a, b = data(2, 3), data(2, 4)
    f(a, b)
    np.testing.assert_allclose(w.get_value(), start - 0.1 * a.T @ b, rtol=1e-12)
    assert statuses == [-1]


def test_trusted_inputs_run_the_kernel():
    x = T.matrix("x")
    f = theano.function([x], T.tanh(x).sum(axis=1), mode="NUMBA")
    f.trust_input = True
    statuses = kernel_statuses(f)
    value = data(4, 5)
    np.testing.assert_allclose(f(value), np.tanh(value).sum(axis=1))
    assert statuses == [0]


def test_graph_with_an_op_without_a_form_is_not_compiled_whole():
    x = T.matrix("x")
    f = theano.function([x], T.cumsum(x, axis=0) + 1, mode="NUMBA")
    assert "_graph_kernel" not in f.call_source


def test_graphs_of_one_numpy_call_keep_the_usual_code():
    """One kernel call costs about two NumPy calls on small arrays (bench/run.py)."""
    x = T.matrix("x")
    f = theano.function([x], x.T * 2 + 1, mode="NUMBA")
    assert "_graph_kernel" not in f.call_source
    f = theano.function([x], T.nnet.softmax(x), mode="NUMBA")  # NumPy: several calls
    assert "_graph_kernel" in f.call_source


def test_flag_off_compiles_no_whole_graph_kernel():
    x = T.matrix("x")
    with theano.change_flags(**{"numba.whole_graph": False}):
        f = theano.function([x], x * 2 + 1, mode="NUMBA")
    assert "_graph_kernel" not in f.call_source


def test_warm_cache_loads_the_whole_graph_kernel_without_numba(tmp_path):
    script = textwrap.dedent(
        """
        import sys
        import numpy as np
        import theano, theano.tensor as T
        with theano.change_flags(base_compiledir=sys.argv[1]):
            x = T.matrix("x")
            y = T.ivector("y")
            n = x.shape[0]
            w = theano.shared(np.ones((3, 4)), name="w")
            b = theano.shared(np.zeros(4), name="b")
            p = T.nnet.softmax(T.dot(x, w) + b)
            cost = -T.mean(T.log(p)[T.arange(y.shape[0]), y])
            outs = [T.dot(x, x.T).sum(axis=0) + 1, cost, T.grad(cost, w),
                    x[::-1, : n - 1].sum()]
            f = theano.function([x, y], outs, mode="NUMBA")
            assert "_graph_kernel" in f.call_source, f.call_source
            v = np.arange(6.0).reshape(2, 3)
            np.testing.assert_allclose(f(v, np.array([1, 0], "int32"))[0],
                                       (v @ v.T).sum(axis=0) + 1)
        print("numba" in sys.modules)
        """
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()  # fmt: skip
        for _ in range(2)
    ]
    assert runs == [["True"], ["False"]]


def test_kernel_build_failure_keeps_the_usual_code(monkeypatch):
    from theano.link.numba import kernels

    def broken(spec):
        raise kernels.KernelBuildError("no")

    monkeypatch.setattr(graph_kernel, "load_kernel", broken)
    x = T.matrix("x")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = theano.function([x], x * 2 + 1, mode="NUMBA")
    assert "_graph_kernel" not in f.call_source
    np.testing.assert_array_equal(f(np.ones((2, 2))), np.full((2, 2), 3.0))


@pytest.mark.parametrize("rewrites", ["rewritten", "plain"])
def test_basic_indexing_with_constant_and_computed_bounds(rewrites):
    x = T.matrix("x")
    n = x.shape[0]
    # Outputs of shapes the caller knows (see the test after the next).
    outs = [x[1:, ::2].sum(), (x[::-1, 2] * 2).max(), x[-2].max(), x[n // 2 :, -3::-2].sum(),
            x[: n - 1].sum(), T.set_subtensor(x[1:3], 0.5).sum(axis=0),
            T.inc_subtensor(x[:, 1], x[:, 0]).sum(axis=1), T.set_subtensor(x[::-2, 1:], 0.25),
            T.inc_subtensor(x[:, -1:], T.ones_like(x)[:, :1]) * 2]  # fmt: skip
    compare([x], outs, [data(5, 7)], rewrites)


def test_integer_index_out_of_range_raises_the_python_tiers_error():
    x = T.matrix("x")
    i = T.lscalar("i")
    f = theano.function([x, i], (x[i] * 2).sum(), mode="NUMBA")
    statuses = kernel_statuses(f)
    np.testing.assert_allclose(f(np.ones((3, 2)), -3), 4.0)
    with pytest.raises(IndexError):
        f(np.ones((3, 2)), 3)
    assert statuses == [0, -1]


def test_outputs_of_computed_shapes_are_left_to_the_usual_code():
    x = T.matrix("x")
    f = theano.function([x], x[1 : x.shape[0] - 1] * 2, mode="NUMBA")
    assert "_graph_kernel" not in f.call_source
    value = data(4, 3)
    np.testing.assert_allclose(f(value), value[1:3] * 2)


@pytest.mark.parametrize("rewrites", ["rewritten", "plain"])
def test_softmax_family_and_its_gradients(rewrites):
    x, b = T.matrix("x"), T.vector("b")
    sm = T.nnet.softmax(x + b)
    logsm = T.nnet.logsoftmax(x)
    cost = (sm * np.arange(4.0)).sum() + (logsm**2).sum()
    outs = [sm, logsm, *T.grad(cost, [x, b])]
    value = data(5, 4)
    value[0, 1] = 30.0  # large logits: shifted by the row maximum
    compare([x, b], outs, [value, data(4)], rewrites)


@pytest.mark.parametrize("rewrites", ["rewritten", "plain"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_small_mlp_step_with_softmax_cross_entropy(rewrites, dtype):
    """A whole training step (the bench's MLP on small shapes) is one kernel call."""
    x, y = T.matrix("x", dtype=dtype), T.ivector("y")
    shapes = [(6, 5), (5,), (5, 3), (3,)]
    params = [theano.shared(data(*s, dtype=dtype) * 0.5, name=f"p{k}")
              for k, s in enumerate(shapes)]  # fmt: skip
    w1, b1, w2, b2 = params
    p = T.nnet.softmax(T.dot(T.tanh(T.dot(x, w1) + b1), w2) + b2)
    cost = -T.mean(T.log(p)[T.arange(y.shape[0]), y])
    lr = np.asarray(0.1, dtype)
    updates = [(q, q - lr * g) for q, g in zip(params, T.grad(cost, params))]
    labels = rng.integers(0, 3, 4).astype("int32")
    rtol = 1e-4 if dtype == "float32" else 1e-12
    # Unrewritten, ``log(p)[arange(n), y]`` is advanced indexing, which has no form.
    compare([x, y], [cost], [data(4, 6, dtype=dtype), labels], rewrites, updates, rtol=rtol,
            calls=3, expect="absent" if rewrites == "plain" else 0)  # fmt: skip


def test_bad_labels_raise_the_python_tiers_error_and_change_no_shared():
    x, y = T.matrix("x"), T.ivector("y")
    w = theano.shared(data(3, 4), name="w")
    p = T.nnet.softmax(T.dot(x, w))
    cost = -T.mean(T.log(p)[T.arange(y.shape[0]), y])
    f = theano.function([x, y], cost, updates=[(w, w - 0.1 * T.grad(cost, w))], mode="NUMBA")
    statuses = kernel_statuses(f)
    f(data(2, 3), np.array([0, 3], "int32"))
    before = w.get_value().copy()
    with pytest.raises(ValueError, match="out of range"):
        f(data(2, 3), np.array([0, 4], "int32"))
    np.testing.assert_array_equal(w.get_value(), before)
    assert statuses == [0, -1]


def test_review_cases_match_numpy_and_blas():
    """Found in review: INT64_MIN // -1 wraps as in NumPy; alpha 0 in gemv and ger
    reads neither operand (BLAS); an integer to a negative power raises; a trusted
    input of the wrong rank is left to the usual code; lengths read from arrays of no
    elements never overflow a size check."""
    from theano.tensor.blas import gemv_no_inplace, ger

    a, b = T.lvectors("a", "b")
    low = np.array([np.iinfo(np.int64).min, 7, -7])
    compare([a, b], [a // b, a % b], [low, np.array([-1, -2, 2])])
    z, u, v = T.vectors("z", "u", "v")
    m = T.matrix("m")
    al, be = T.scalars("al", "be")
    nan_m = np.array([[np.nan, 1.0], [1.0, 1.0]])
    compare([z, al, m, u, be, v], [gemv_no_inplace(z, al, m, u, be), ger(m, al, u, v)],
            [np.ones(2), np.asarray(0.0), nan_m, np.array([np.nan, 1.0]), np.asarray(1.0),
             np.ones(2)])  # fmt: skip
    i = T.lscalar("i")
    f = theano.function([i], i ** (i - 3), mode="NUMBA")
    assert "_graph_kernel" not in f.call_source
    with pytest.raises(ValueError):
        f(np.asarray(2))
    x = T.matrix("x")
    f = theano.function([x], x * 2, mode="NUMBA")
    f.trust_input = True
    np.testing.assert_array_equal(f(np.ones(3)), np.full(3, 2.0))
    x, y = T.matrices("x", "y")
    f = theano.function([x, y], T.dot(x, y).sum(), mode="NUMBA")
    statuses = kernel_statuses(f)
    with pytest.raises((ValueError, MemoryError)):  # the usual code's error
        f(np.empty((2**32, 0)), np.empty((0, 2**32)))
    assert statuses == [-1]


def test_second_review_cases():
    """Found in review: uint64 indices above intp's range, steps near 2**63, the
    argmax of a row with NaN (the first NaN, as np.argmax), a shape broadcast as an
    array in an unrewritten graph, float32 and float64 softmax nodes in one kernel."""
    from theano.tensor.nnet import crossentropy_softmax_argmax_1hot_with_bias

    x = T.matrix("x")
    value = np.arange(35.0).reshape(5, 7)
    i = T.scalar("i", dtype="uint64")
    f = theano.function([x, i], (x[i:] * 2).sum(), mode="NUMBA")
    statuses = kernel_statuses(f)
    assert f(value, np.uint64(2**64 - 1)) == 0.0
    assert f(value, np.uint64(2**63)) == 0.0  # 2**63 > intp: compared right (third review)
    assert f(value, np.uint64(1)) == (value[1:] * 2).sum()
    assert statuses == [-1, -1, 0]
    s = T.lscalar("s")
    compare([x, s], [(x[::s] * 2).sum()], [value, np.asarray(2**63 - 1)])
    compare([x, s], [(x[::s] * 2).sum()], [value, np.asarray(-(2**63) + 1)])
    compare([x, s], [(x[::s] * 2).sum()], [value, np.asarray(-(2**63))])
    y, b = T.lvector("y"), T.vector("b")
    am = crossentropy_softmax_argmax_1hot_with_bias(x, b, y)[2]
    compare([x, b, y], [am, x.sum()], [np.array([[1.0, 5.0, np.nan, 7.0]]), np.zeros(4),
                                       np.array([0])])  # fmt: skip
    compare([x], [x / x.shape + 1], [value[:2, :2]], "plain", expect="absent")
    xf = T.fmatrix("xf")
    outs = [T.nnet.softmax(x).sum(), T.nnet.softmax(xf).sum()]
    compare([x, xf], outs, [value / 10, (value / 10).astype("float32")], rtol=1e-6)


def test_graphs_with_large_shared_values_build_no_whole_graph_kernel():
    """Their kernel would never run (it declines above ELEMENTS_MAX elements), and a
    whole-graph kernel takes seconds to build."""
    x = T.matrix("x")
    w = theano.shared(np.zeros((graph_kernel.ELEMENTS_MAX + 1, 1)), name="w")
    f = theano.function([x], (T.dot(x, w) * 2).sum(), mode="NUMBA")
    assert "_graph_kernel" not in f.call_source
    w.set_value(np.zeros((4, 1)))
    f = theano.function([x], (T.dot(x, w) * 2).sum(), mode="NUMBA")
    assert "_graph_kernel" in f.call_source


def test_background_tier_serves_per_node_kernels_then_the_whole_graph(monkeypatch):
    """In the background, the whole-graph kernel (seconds to build) comes second."""
    from theano.link.numba import linker

    stages = []
    real = linker.TieredCompiler.__init__

    def spy(self, built, install, pinned=None):
        stages.extend(b.__name__ for b in built)
        real(self, built, install, pinned)

    monkeypatch.setattr(linker.TieredCompiler, "__init__", spy)
    x = T.matrix("x")
    f = theano.function([x], (T.exp(x) * 2).sum(axis=0), mode=Mode("numba", "fast_run"))
    assert f.wait_for_tier(60) == "numba"
    assert stages == ["per_node", "whole_graph"]
    statuses = kernel_statuses(f)
    value = data(3, 4)
    np.testing.assert_allclose(f(value), (np.exp(value) * 2).sum(axis=0))
    assert statuses == [0]


def test_setting_an_input_keeps_the_whole_graph_kernel():
    """``f['name'] = value`` on an input without a container rebuilds the call."""
    x, y = T.matrices("x", "y")
    f = theano.function([x, y], (T.exp(x) * y).sum(axis=0), mode="NUMBA")
    assert "_graph_kernel" in f.call_source
    f["y"] = np.full((2, 2), 2.0)  # y now has a stored value: the call is rebuilt
    assert "_graph_kernel" in f.call_source
    np.testing.assert_allclose(f(np.zeros((2, 2))), [4.0, 4.0])


@pytest.mark.parametrize("rewrites", ["rewritten", "plain"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int32"])
def test_argmax_and_argmin_as_numpy(rewrites, dtype):
    """The first extremum, or the first NaN; the classic ``errors`` of a classifier."""
    x, y = T.matrix("x", dtype=dtype), T.lvector("y")
    outs = [T.argmax(x, axis=1), T.argmin(x, axis=0), T.argmax(x[2]), T.argmin(x[::-1], axis=1),
            T.mean(T.neq(T.argmax(x, axis=1), y))]  # fmt: skip
    value = rng.integers(-3, 4, (5, 6)).astype(dtype)  # ties: the first wins
    if dtype != "int32":
        value[1, 3] = value[4, 0] = np.nan
    compare([x, y], outs, [value, np.arange(5) % 6], rewrites)


def test_background_tier_built_before_an_input_was_set_is_rebuilt(monkeypatch):
    """A call built before ``f[name] = value`` changed the inputs would not know the
    stored value: the tier's install rebuilds it."""
    import threading

    function_module = sys.modules["theano.compile.function"]
    built, go = threading.Event(), threading.Event()
    real = function_module._build_call

    def slow(fn, override=None, install=True, fast_path=None):
        out = real(fn, override, install, fast_path)
        if threading.current_thread().name == "theano-numba" and fast_path is not None:
            built.set()
            go.wait(30)  # the whole-graph tier is built; f["y"] is set now
        return out

    monkeypatch.setattr(function_module, "_build_call", slow)
    x, y = T.matrices("x", "y")
    f = theano.function([x, y], (T.exp(x) * y).sum(axis=0), mode=Mode("numba", "fast_run"))
    assert built.wait(60)
    f["y"] = np.full((2, 2), 2.0)
    go.set()
    f.wait_for_tier(60)
    assert "_graph_kernel" in f.call_source
    np.testing.assert_allclose(f(np.zeros((2, 2))), [4.0, 4.0])


# ------------------------------------------------- reshape, rows of indices, joins


@pytest.mark.parametrize("rewrites", ["rewritten", "plain"])
def test_reshape_and_flatten(rewrites):
    x, y = T.matrix("x"), T.matrix("y")
    h = T.tanh(x) * 2  # computed here: the reshape of it is a view
    outs = [h.reshape((3, 8)) + 1, h.flatten().sum(), x.flatten() * 3, h.reshape((-1, 2)),
            x.T.reshape((2, 12)) - 1, T.dot(h.reshape((4, 6)), y.reshape((6, 4))),
            x.reshape((x.shape[1], x.shape[0])) * 1, (x.reshape((1, 24))[0, :5] + 0).sum(),
            x.reshape((2, -1)).sum(axis=0)]  # fmt: skip
    compare([x, y], outs, [data(6, 4), data(4, 6)], rewrites)
    # A layout of any strides (a transposed input) is copied in C order.
    compare([x], [x.reshape((3, 8)) * 2], [data(4, 6).T], rewrites)


def test_reshape_errors_are_the_python_tiers():
    x = T.matrix("x")
    n = T.lscalar("n")
    f = theano.function([x, n], (T.exp(x).reshape((n, -1)) * 2).sum(), mode="NUMBA")
    g = theano.function([x, n], (T.exp(x).reshape((n, -1)) * 2).sum(), mode="FAST_RUN")
    statuses = kernel_statuses(f)
    value = data(4, 6)
    np.testing.assert_allclose(f(value, 3), g(value, 3))
    for bad in (5, 0, -1, -2):  # not a divisor; zero; a computed -1 infers too; negative
        try:
            want = g(value, bad)
        except ValueError as err:
            with pytest.raises(ValueError) as got:
                f(value, bad)
            assert str(got.value).splitlines()[0] == str(err).splitlines()[0]
        else:
            np.testing.assert_allclose(f(value, bad), want)
    assert statuses == [0, -1, -1, -1, -1]


@pytest.mark.parametrize("rewrites", ["rewritten", "plain"])
def test_rows_of_indices(rewrites):
    x = T.matrix("x")
    i = T.ivector("i")
    emb = theano.shared(data(7, 3), name="emb")
    h = T.tanh(emb[i])
    cost = (h * x).sum()
    g = T.grad(cost, emb)  # AdvancedIncSubtensor1 of the repeated rows
    outs = [cost, emb[i] * 2, T.set_subtensor(emb[i], x * 0.5), T.inc_subtensor(emb[i], 1.0)]
    values = [data(5, 3), np.array([0, 6, -1, 2, 0], dtype="int32")]
    compare([x, i], outs, values, rewrites, updates=[(emb, emb - 0.1 * g)])
    compare([x, i], [emb[i][:, 1].sum()], [data(5, 3), np.array([-7, 6], dtype="int32")],
            rewrites)  # fmt: skip


def test_row_index_out_of_range_raises_the_python_tiers_error_and_changes_no_shared():
    i = T.lvector("i")
    emb = theano.shared(data(4, 3), name="emb")
    f = theano.function([i], emb[i].sum(), updates=[(emb, T.inc_subtensor(emb[i], 1.0))],
                        mode="NUMBA")  # fmt: skip
    statuses = kernel_statuses(f)
    f(np.array([3, -4]))
    before = emb.get_value().copy()
    for bad in ([4], [0, -5]):
        with pytest.raises(IndexError):
            f(np.array(bad))
    np.testing.assert_array_equal(emb.get_value(), before)
    assert statuses == [0, -1, -1]


@pytest.mark.parametrize("rewrites", ["rewritten", "plain"])
def test_join(rewrites):
    x, y = T.matrix("x"), T.matrix("y")
    v = T.ivector("v")
    h = T.tanh(x)
    outs = [T.concatenate([x, h], axis=0) * 2, T.concatenate([h, y, x], axis=1).sum(axis=0),
            T.concatenate([h[:, ::-1], T.exp(y)], axis=1), T.concatenate([v, v * 2]) + 1.5,
            T.concatenate([x.flatten(), v]), T.dot(T.concatenate([x, y], axis=1), T.concatenate([y, x], axis=1).T)]  # fmt: skip
    compare([x, y, v], outs, [data(3, 4), data(3, 2), np.arange(4, dtype="int32")], rewrites)
    # Lengths that differ off the axis: the usual code's error.
    f = theano.function([x, y], T.concatenate([x, y]) * 2, mode="NUMBA")
    statuses = kernel_statuses(f)
    with pytest.raises(ValueError):
        f(data(3, 4), data(3, 2))
    assert statuses == [-1]


def test_review_fixes_for_reshape_rows_and_alloc():
    """Found by a review: each case once computed a wrong result, crashed, or raised
    another error than the Python tier."""
    from theano.tensor.shape import MakeVector

    x, n = T.matrix("x"), T.lscalar("n")
    # A reshape to five lengths of 16384 (their product wraps to 0, an empty x's size).
    r = T.exp(x).reshape((n,) * 5)
    f = theano.function([x, n], r.sum(), mode="NUMBA")
    assert "_graph_kernel" not in f.call_source
    with pytest.raises(ValueError, match="cannot reshape"):
        f(np.zeros((0, 3)), 16384)
    # Indices read through a view whose own bounds were checked only later.
    emb, m, j = T.matrix("emb"), T.lmatrix("m"), T.lscalar("j")
    f = theano.function([emb, m, j], T.tanh(emb[m[j]]).sum(), mode="NUMBA")
    assert "_graph_kernel" not in f.call_source
    with pytest.raises(IndexError):
        f(np.ones((4, 3)), np.zeros((2, 2), "int64"), 10**12)
    # An output of a literal shape too large for a kernel: not allocated first.
    f = theano.function([x], T.exp(x).reshape((16384, 16384, 16384)), mode="NUMBA")
    with pytest.raises(ValueError, match="cannot reshape"):
        f(np.ones((2, 2)))
    # A derived length above the limit: the caller does not allocate it.
    v = T.vector("v")
    f = theano.function([v], T.concatenate([T.exp(v), v]), mode="NUMBA")
    statuses = kernel_statuses(f)
    big = data(graph_kernel.ELEMENTS_MAX - 10)
    np.testing.assert_allclose(f(big), np.concatenate([np.exp(big), big]))
    assert statuses == []  # declined before the allocation and the call
    # A negative length from a shape vector's element (without rewrites).
    m1, m2 = T.lscalars("m1", "m2")
    plain = Mode("numba_sync", optimizer=None)
    out = T.alloc(1.0, MakeVector()(m1, m2)[0], 3).sum()
    f = theano.function([m1, m2], out, mode=plain)
    statuses = kernel_statuses(f)
    with pytest.raises(ValueError, match="negative"):
        f(-4, 3)
    assert f(2, 3) == 6.0
    assert statuses == [-1, 0]


def test_outputs_are_sized_before_they_are_allocated():
    """Found by a third review: an output of lengths read from other inputs (or from an
    empty input's huge length) was allocated before the kernel could decline it
    (MemoryError, or 2 GiB a call), and a join's axis length could wrap around."""
    x, y, z = T.vectors("x", "y", "z")
    f = theano.function([x, y, z], T.reshape(z * 2, (x.shape[0], y.shape[0])), mode="NUMBA")
    statuses = kernel_statuses(f)
    np.testing.assert_array_equal(f(np.ones(2), np.ones(3), np.arange(6.0)),
                                  np.arange(6.0).reshape(2, 3) * 2)  # fmt: skip
    big = np.ones(graph_kernel.ELEMENTS_MAX)
    with pytest.raises(ValueError, match="cannot reshape"):
        f(big, big, np.ones(6))
    assert statuses == [0]  # the second call never reached the kernel
    a, b = T.bmatrices("a", "b")
    f = theano.function([a, b], T.concatenate([a, b]).sum() + 1, mode="NUMBA")
    statuses = kernel_statuses(f)
    huge = np.empty((2**62, 0), "int8")
    with pytest.raises(ValueError, match="negative dimensions"):
        f(huge, huge)
    assert statuses == [-1]
