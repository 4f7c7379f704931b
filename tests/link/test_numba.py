"""The Numba tier: fused elementwise kernels agree with the Python tier, are cached on
disk under the compile directory, and replace the Python tier when compiled."""

import os

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.compile.mode import FAST_RUN, Mode

pytest.importorskip("numba")


@pytest.fixture
def compiledir(tmp_path):
    # numba.kernels='all': every node with a Numba form is compiled, so each is tested
    # (by default only arithmetic kernels are, see theano/link/numba/linker.py).
    with theano.change_flags(
        base_compiledir=str(tmp_path), **{"numba.kernels": "all", "numba.whole_graph": False}
    ):
        yield tmp_path


def kernel_files(root):
    return [
        f
        for _, _, files in os.walk(root)
        for f in files
        if f.startswith("k_") and f.endswith(".py")
    ]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_fused_kernel_matches_python_tier(compiledir, dtype):
    from theano.link.numba import kernels

    kernels._loaded.clear()  # built here, into compiledir, not found in this process
    a, b = T.vectors("a", "b", dtype=dtype)
    expr = T.exp(-(a**2)) * T.sin(b) + a * b
    fast = theano.function([a, b], expr, mode="NUMBA")
    slow = theano.function([a, b], expr, mode="FAST_COMPILE")
    assert fast.tier == "numba" and "_kernel" in fast.call_source
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, 1000)).astype(dtype)
    out = fast(x, y)
    assert out.dtype == dtype
    np.testing.assert_allclose(
        out, slow(x, y), rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-6
    )
    assert kernel_files(compiledir)


def test_broadcasting_int_inputs_and_casts(compiledir):
    m = T.dmatrix("m")
    r = T.row("r", dtype="int32")
    expr = T.tanh(m) * r + m / 3 - (r > 0)
    fast = theano.function([m, r], expr, mode="NUMBA")
    slow = theano.function([m, r], expr, mode="FAST_COMPILE")
    mv = np.linspace(-1, 1, 12).reshape(3, 4)
    rv = np.array([[1, -2, 3, 0]], dtype="int32")
    np.testing.assert_allclose(fast(mv, rv), slow(mv, rv))
    with pytest.raises(ValueError, match="broadcastable"):
        # A length-1 dimension that is not broadcastable must not broadcast.
        n = T.dmatrix("n")
        bad = theano.function([m, n], T.exp(m) + n * 2, mode="NUMBA")
        bad(np.ones((3, 4)), np.ones((1, 4)))


def test_background_tier_replaces_python_tier(compiledir):
    x = T.dvector("x")
    f = theano.function([x], T.sqrt(x) * 2 + 1, mode=Mode("numba", FAST_RUN.phases))
    # Usable at once, whichever tier serves the call.
    np.testing.assert_allclose(f(np.array([4.0, 9.0])), [5.0, 7.0])
    assert f.wait_for_tier(120) == "numba"
    np.testing.assert_allclose(f(np.array([4.0, 9.0])), [5.0, 7.0])


def test_corrupt_cached_source_is_rewritten(compiledir):
    x = T.dvector("x")
    theano.function([x], T.cos(x) * 3 - x, mode="NUMBA")
    (name,) = kernel_files(compiledir)
    path = next(os.path.join(d, name) for d, _, files in os.walk(compiledir) if name in files)
    with open(path, "w") as fh:
        fh.write("this is not python")
    from theano.link.numba import kernels

    kernels._loaded.clear()
    f = theano.function([x], T.cos(x) * 3 - x, mode="NUMBA")
    np.testing.assert_allclose(f(np.array([0.0, 1.0])), np.cos([0.0, 1.0]) * 3 - [0.0, 1.0])


def test_default_numba_tier_runs_transcendental_kernels_on_small_arrays_only(tmp_path):
    from theano.link.numba.linker import TRANSCENDENTAL_MAX

    a, b = T.dvectors("a", "b")
    with theano.change_flags(base_compiledir=str(tmp_path), **{"numba.whole_graph": False}):
        arith = theano.function([a, b], a**2 + b**2 + 2 * a * b, mode="NUMBA")
        transcendental = theano.function([a, b], T.arctan(a) * T.sin(b), mode="NUMBA")
    assert "_kernel" in arith.call_source and ".size <" not in arith.call_source
    # Large arrays go to NumPy: Numba's arctan is a scalar call of the C library.
    assert f".size < {TRANSCENDENTAL_MAX} and" in transcendental.call_source
    for n in (7, TRANSCENDENTAL_MAX + 1):
        v = np.linspace(-1, 1, n)
        np.testing.assert_allclose(arith(v, v), 4 * v**2)
        np.testing.assert_allclose(transcendental(v, v), np.arctan(v) * np.sin(v))


@pytest.mark.parametrize("optimizer", ["fast_run", None])
@pytest.mark.parametrize("rows", [2, 30])
def test_borrowed_output_passed_back_in(compiledir, optimizer, rows):
    # x = f(x) with Out(borrow=True): the input is the kernel's own kept buffer, and its
    # first row is read for every output row, after the kernel has written that row.
    x = T.dmatrix("x")
    out = theano.Out(x * 2 + x[0], borrow=True)
    fast = theano.function([x], out, mode=Mode("numba_sync", optimizer))
    assert "_kernel" in fast.call_source
    r = fast(np.arange(rows * 3.0).reshape(rows, 3))
    expected = r * 2 + r[0]
    np.testing.assert_array_equal(fast(r), expected)
