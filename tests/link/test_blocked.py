"""Blocked evaluation of large fused elementwise nodes against the plain NumPy form."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.graph.basic import Constant
from theano.link import blocked

N = blocked.MIN_SIZE + 123  # more than one block, and a partial last block
rng = np.random.default_rng(0)


def fused_node(f):
    (node,) = [n for n in f.maker.nodes if "Composite" in str(n.op)]
    return node


def compare(inputs, out, values, rtol=1e-12):
    fast = theano.function(inputs, out, mode="FAST_RUN")
    slow = theano.function(inputs, out, mode="FAST_COMPILE")
    kernel = blocked.blocked_kernel(fused_node(fast))
    assert kernel is not None
    got, want = fast(*values), slow(*values)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=rtol)
    return kernel


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_transcendental_expression(dtype):
    a, b = T.vectors("a", "b", dtype=dtype)
    values = [rng.uniform(-1, 1, N).astype(dtype) for _ in range(2)]
    kernel = compare([a, b], T.exp(-(a**2)) * T.sin(b) + a * b, values,
                     rtol=1e-5 if dtype == "float32" else 1e-12)  # fmt: skip
    assert kernel(*values) is not None  # the blocked path ran


def test_integer_inputs_computed_in_the_float_result_type():
    i, x = T.bvector("i"), T.fvector("x")
    values = [rng.integers(-5, 5, N).astype("int8"), rng.normal(size=N).astype("float32")]
    compare([i, x], T.exp(i) * 2 + x, values, rtol=1e-6)


def test_switch_cast_comparison_and_scalar_inputs():
    x, y = T.dmatrices("x", "y")
    s = T.dscalar("s")
    out = T.switch(T.gt(x, s), T.cast(x * 3, "float32"), T.cast(y, "float32") - 1) + 2
    values = [rng.normal(size=(N // 64, 64)), rng.normal(size=(N // 64, 64)), 0.25]
    compare([x, y, s], out, values, rtol=1e-6)


def test_layouts_it_does_not_handle_fall_back():
    x, r = T.dmatrix("x"), T.drow("r")
    f = theano.function([x, r], T.exp(x) * r + 1)
    kernel = blocked.blocked_kernel(fused_node(f))
    xv, rv = rng.normal(size=(N // 64, 64)), rng.normal(size=(1, 64))
    assert kernel(xv, rv, np.ones((1, 1))) is None  # r broadcasts: plain expression
    np.testing.assert_allclose(f(xv, rv), np.exp(xv) * rv + 1)
    xt = np.asfortranarray(xv)
    g = theano.function([x], T.exp(x) * 2 + 1)
    one = np.ones((1, 1))
    assert blocked.blocked_kernel(fused_node(g))(xt, one, one) is None
    np.testing.assert_allclose(g(xt), np.exp(xt) * 2 + 1)
    assert blocked.blocked_kernel(fused_node(g))(xv[:4], one, one) is None  # small arrays


def test_n_ary_sums_and_products():
    a, b = T.dvectors("a", "b")
    values = [rng.normal(size=N), rng.normal(size=N)]
    compare([a, b], a**2 + b**2 + 2 * a * b + a, values)


@pytest.mark.parametrize(
    "build", [lambda c, b: T.tanh(c) * b + c, lambda c, b: T.exp(-c * c) * T.sin(b) + c * b]
)
@pytest.mark.parametrize("mode", ["FAST_RUN", "NUMBA"])
def test_in_place_fused_node_on_large_arrays_is_blocked(build, mode):
    """A large fused node destroying an intermediate (a cumulative sum) is computed
    block by block into that intermediate; the values are the unfused ones."""
    a, b = T.dvectors("a", "b")
    out = build(T.cumsum(a), b)
    f = theano.function([a, b], out, mode=mode)
    slow = theano.function([a, b], out, mode="FAST_COMPILE")
    fused = fused_node(f)
    destroyed = f.call_source.split(" = _cumadd(")[0].split()[-1]
    assert fused.op.inplace_pattern, f.call_source
    assert "_blocked(" in f.call_source and f"out={destroyed})" in f.call_source
    av, bv = rng.normal(size=N) * 1e-3, rng.normal(size=N)
    np.testing.assert_allclose(f(av, bv), slow(av, bv), rtol=1e-12, atol=1e-15)


def test_blocked_kernel_writes_into_an_input_only_with_a_one_statement_last_op():
    """Each block's slice of the input is read before the last op writes it: safe for
    one ufunc call, not for a switch (or n-ary sum) made of several statements."""
    c, b = T.dvectors("c", "b")
    for out, in_place in ((T.tanh(c) * b + c, True), (T.switch(b > 0, c * 2, c), False)):
        f = theano.function([c, b], out, mode="FAST_RUN")
        kernel = blocked.blocked_kernel(fused_node(f))
        cv, bv = rng.normal(size=N), rng.normal(size=N)
        want = f(cv, bv)
        values = {"c": cv, "b": bv}
        args = [v.data if isinstance(v, Constant) else values[v.name]
                for v in fused_node(f).inputs]  # fmt: skip
        got = kernel(*args, out=cv)
        assert (got is cv) == in_place
        np.testing.assert_array_equal(got, want)
