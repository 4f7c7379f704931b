"""BLAS ops (Gemm, Gemv, Ger, Dot22) and the specialize/inplace rewrites that make them."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.tensor import blas

rng = np.random.default_rng(0)


def ops_of(f):
    return [type(node.op).__name__ for node in f.maker.fgraph.toposort()]


def layouts(a):
    """The same values as C-, Fortran- and non-contiguous arrays."""
    wide = np.zeros((a.shape[0], 2 * a.shape[1]), a.dtype)
    wide[:, ::2] = a
    return [a, np.asfortranarray(a), wide[:, ::2]]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_run_gemm_every_layout(dtype):
    x, y, z = (rng.normal(size=s).astype(dtype) for s in [(4, 3), (3, 5), (4, 5)])
    gemm = blas.blas_function("gemm", dtype)
    for xl in layouts(x):
        for yl in layouts(y):
            for zl in layouts(z):
                before = zl.copy()
                out = blas.run_gemm(gemm, zl, 0.5, xl, yl, 2.0, False)
                np.testing.assert_allclose(out, 2 * z + 0.5 * x @ y, rtol=1e-5)
                np.testing.assert_array_equal(zl, before)  # not in place: z untouched


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_run_gemv_and_ger(dtype):
    m, x, y = (rng.normal(size=s).astype(dtype) for s in [(4, 3), (3,), (4,)])
    gemv, ger = blas.blas_function("gemv", dtype), blas.blas_function("ger", dtype)
    for ml in layouts(m):
        out = blas.run_gemv(gemv, y, 0.5, ml, x, 2.0, False)
        np.testing.assert_allclose(out, 2 * y + 0.5 * m @ x, rtol=1e-5)
        out = blas.run_ger(ger, ml, 0.5, y, x, False)
        np.testing.assert_allclose(out, m + 0.5 * np.outer(y, x), rtol=1e-5)
    yc = y.copy()
    assert np.shares_memory(blas.run_gemv(gemv, yc, 1.0, m, x, 1.0, True), yc)


def test_op_type_errors_name_the_input():
    with pytest.raises(TypeError, match="'x' must be 2-d"):
        blas.gemm_no_inplace(T.dmatrix(), 1.0, T.dvector(), T.dmatrix(), 1.0)
    with pytest.raises(TypeError, match="one dtype"):
        blas.gemm_no_inplace(T.dmatrix(), 1.0, T.fmatrix(), T.dmatrix(), 1.0)


X, Y, Z = T.dmatrices("X", "Y", "Z")
a = T.dscalar("a")
u, v = T.dvectors("u", "v")
CASES = {
    "Z + 2 dot": (Z + 2 * T.dot(X, Y), "Gemm"),
    "a dot - 3 Z": (a * T.dot(X, Y) - 3 * Z, "Gemm"),
    "Z - dot + X": (Z - T.dot(X, Y) + X, "Gemm"),
    "u + 0.1 dot(X, v)": (u + 0.1 * T.dot(X, v), "Gemv"),
    "u - a dot(v, X)": (u - a * T.dot(v, X), "Gemv"),
    "Z + outer": (Z + T.outer(u, v), "Ger"),
    "dot": (T.dot(X, Y), "Dot22"),
}


@pytest.mark.parametrize("name", CASES)
def test_specialize_makes_blas_calls(name, mode):
    out, op_name = CASES[name]
    args = [X, Y, Z, a, u, v]
    f = theano.function(args, out, mode=mode, on_unused_input="ignore")
    values = [rng.normal(size=(3, 3)) for _ in range(3)] + [0.7, rng.normal(size=3),
                                                             rng.normal(size=3)]  # fmt: skip
    copies = [np.copy(x) for x in values]
    ref = theano.function(args, out, mode="FAST_COMPILE", on_unused_input="ignore")
    np.testing.assert_allclose(f(*values), ref(*copies), rtol=1e-12)
    for before, after in zip(copies, values):
        np.testing.assert_array_equal(before, after)  # no input was overwritten
    assert (op_name in ops_of(f)) == (mode == "FAST_RUN")


def test_gemm_on_an_intermediate_runs_in_place():
    out = T.exp(Z) + T.dot(X, Y)  # exp(Z) is read by the gemm alone
    f = theano.function([X, Y, Z], out)
    (node,) = [n for n in f.maker.fgraph.toposort() if isinstance(n.op, blas.Gemm)]
    assert node.op.inplace
    x, y, z = (rng.normal(size=(3, 3)) for _ in range(3))
    np.testing.assert_allclose(f(x, y, z), np.exp(z) + x @ y)


def test_gemm_does_not_destroy_a_value_read_elsewhere():
    e = T.exp(Z)
    f = theano.function([X, Y, Z], [e + T.dot(X, Y), e * 2])
    x, y, z = (rng.normal(size=(3, 3)) for _ in range(3))
    r1, r2 = f(x, y, z)
    np.testing.assert_allclose(r1, np.exp(z) + x @ y)
    np.testing.assert_allclose(r2, 2 * np.exp(z))


def test_mlp_layer_is_one_blas_node_and_one_fused_elementwise():
    x, w, b = T.fmatrix("x"), T.fmatrix("W"), T.fvector("b")
    f = theano.function([x, w, b], T.tanh(T.dot(x, w) + b))
    assert ops_of(f).count("Dot22") == 1
    assert ops_of(f).count("Elemwise") == 1
    xv, wv, bv = (rng.normal(size=s).astype("float32") for s in [(4, 3), (3, 2), (2,)])
    np.testing.assert_allclose(f(xv, wv, bv), np.tanh(xv @ wv + bv), rtol=1e-5)


def test_sgd_update_of_a_shared_matrix_is_one_gemm():
    x, g = T.dmatrix("x"), T.dmatrix("g")
    w = theano.shared(np.ones((3, 2)), "w")
    step = theano.function([x, g], [], updates=[(w, w - 0.1 * T.dot(x.T, g))])
    assert ops_of(step) == ["DimShuffle", "Gemm"]
    xv, gv = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    step(xv, gv)
    np.testing.assert_allclose(w.get_value(), 1 - 0.1 * xv.T @ gv)


# ------------------------------------------------------- updates in a shared buffer


def _sgd(outputs_extra=()):
    x, g = T.dmatrix("x"), T.dmatrix("g")
    w = theano.shared(np.ones((3, 2)), "w")
    v = theano.shared(np.ones(2), "v")
    outs = [T.sum(T.dot(x, w))] + [f(w) for f in outputs_extra]
    updates = [(w, w - 0.1 * T.dot(x.T, g)), (v, v * 0.5)]
    return w, v, theano.function([x, g], outs, updates=updates)


def test_shared_updates_run_in_the_shared_buffer():
    w, v, step = _sgd()
    ops = [str(n.op) for n in step.maker.nodes]
    # Scheduled last, the largest value (w) last of all: warm in cache for the next call.
    assert ops[-2:] == ["Elemwise{mul,inplace}", "Gemm{inplace}"]
    buf = w.get_value(borrow=True)
    xv, gv = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    want_w, want_v = np.ones((3, 2)), np.ones(2)
    for _ in range(3):
        (cost,) = step(xv, gv)
        np.testing.assert_allclose(cost, np.sum(xv @ want_w))  # read before the update
        want_w, want_v = want_w - 0.1 * xv.T @ gv, want_v * 0.5
    np.testing.assert_allclose(w.get_value(), want_w)
    np.testing.assert_allclose(v.get_value(), want_v)
    assert np.shares_memory(w.get_value(borrow=True), buf)  # no new buffer per step


def test_shared_value_returned_as_an_output_is_not_overwritten():
    _, _, step = _sgd(outputs_extra=[lambda w: w.T])
    assert "Gemm{no_inplace}" in [str(n.op) for n in step.maker.nodes]
    xv, gv = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    _, old_wt = step(xv, gv)
    np.testing.assert_array_equal(old_wt, np.ones((2, 3)))


def test_failed_call_changes_no_shared_variable():
    w, v, step = _sgd()
    with pytest.raises(ValueError):
        step(np.ones((4, 3)), np.ones((5, 2)))  # g does not match x
    np.testing.assert_array_equal(w.get_value(), np.ones((3, 2)))
    np.testing.assert_array_equal(v.get_value(), np.ones(2))


# ------------------------------------------------------------ other specializations


@pytest.mark.parametrize("p", [3, 4, -2, -0.5])
def test_small_float_powers_become_multiplications(p, mode):
    x = T.dvector("x")
    f = theano.function([x], x**p, mode=mode)
    v = np.array([0.5, 1.5, 2.0, np.inf, 0.0])
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(f(v), v**p, rtol=1e-15)
    if mode == "FAST_RUN":
        assert "pow" not in str(f.maker.fgraph.toposort())


def test_sum_of_squares_is_one_dot(mode):
    x = T.dmatrix("x")
    f = theano.function([x], T.sum(x**2), mode=mode)
    v = rng.normal(size=(3, 4))
    np.testing.assert_allclose(f(v), np.sum(v**2), rtol=1e-14)
    np.testing.assert_allclose(f(v.T), np.sum(v**2), rtol=1e-14)  # a non-contiguous x
    assert ("dot" in str(f.maker.fgraph.toposort())) == (mode == "FAST_RUN")


def test_fill_of_a_computed_value_needs_only_its_shape(mode):
    z = T.dmatrix("z")
    out = T.zeros_like(T.nnet.logsoftmax(z)) + T.second(T.nnet.softmax(z), 2.0)
    f = theano.function([z], out, mode=mode)
    np.testing.assert_array_equal(f(np.ones((2, 3))), np.full((2, 3), 2.0))
    ops = {type(n.op).__name__ for n in f.maker.fgraph.toposort()}
    if mode == "FAST_RUN":
        assert "LogSoftmax" not in ops and "Softmax" not in ops


@pytest.mark.parametrize("mode", ["FAST_RUN", "NUMBA"])
def test_update_reading_a_value_another_update_overwrites_runs_first(mode):
    """Updates run largest value last, except that one reading a shared value another
    update overwrites in place runs before it: ``a``'s Gemm (on an intermediate)
    reads ``b`` before ``b * 0.5`` overwrites it, though ``a`` is the larger."""
    r = np.random.default_rng(4)
    a0, b0, w0 = r.normal(size=(40, 30)), r.normal(size=(30, 30)), r.normal(size=(25, 30))
    a, b, w = (theano.shared(v.copy()) for v in (a0, b0, w0))
    x, y = T.dmatrices("x", "y")
    t = T.dot(x, w)
    f = theano.function([x, y], [], mode=mode, updates=[(a, T.exp(y) + T.dot(x, b)),
                                                         (b, b * 0.5), (w, w * 0.9)])  # fmt: skip
    g = theano.function([x], [], mode=mode, updates=[(a, T.exp(t) * b[0] + a)])
    xv, yv = r.normal(size=(40, 30)), r.normal(size=(40, 30))
    f(xv, yv)
    np.testing.assert_allclose(a.get_value(), np.exp(yv) + xv @ b0, rtol=1e-13)
    np.testing.assert_allclose(b.get_value(), b0 * 0.5)
    np.testing.assert_allclose(w.get_value(), w0 * 0.9)
    g(xv[:, :25])
    want = np.exp(xv[:, :25] @ (w0 * 0.9)) * (b0 * 0.5)[0] + np.exp(yv) + xv @ b0
    np.testing.assert_allclose(a.get_value(), want, rtol=1e-12)
