"""The ``canonicalize`` phase: each rewrite's target graph, and unchanged results.

Structure tests compile in FAST_RUN and look at the rewritten graph; value tests run
the ``mode`` fixture's mode and compare with FAST_COMPILE (no rewrites) and NumPy, on
several dtypes and broadcastable patterns.
"""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.compile.mode import Mode
from theano.graph.basic import Constant, graph_inputs

RNG = np.random.default_rng(42)
CANONICALIZE = Mode("py", ("merge", "constant_folding", "canonicalize"), "canonicalize")


def _inputs(outputs):
    return [v for v in graph_inputs(outputs) if not isinstance(v, Constant)]


def ops(out, mode=CANONICALIZE):
    """The names of the ops (scalar op names for Elemwise) of ``out``'s rewritten graph."""
    outs = out if isinstance(out, list) else [out]
    f = theano.function(_inputs(outs), outs, mode=mode, on_unused_input="ignore")
    return [str(getattr(n.op, "scalar_op", n.op)) for n in f.maker.fgraph.toposort()]


def values_for(var, low=-3, high=4):
    shape = tuple(1 if b else 3 for b in var.broadcastable)
    if var.dtype.startswith(("int", "uint")):
        return RNG.integers(max(low, 0) if var.dtype.startswith("u") else low, high,
                            size=shape).astype(var.dtype)  # fmt: skip
    return RNG.uniform(low, high, size=shape).astype(var.dtype)


def check(outputs, mode, values=None, reference=None, nonzero=False):
    """``outputs`` in ``mode`` equal FAST_COMPILE's (same dtype and shape) and NumPy's."""
    outs = outputs if isinstance(outputs, list) else [outputs]
    inputs = _inputs(outs)
    if values is None:
        values = [values_for(v) for v in inputs]
        if nonzero:
            values = [np.where(v == 0, 1, v).astype(v.dtype) for v in values]
    got = theano.function(inputs, outs, mode=mode)(*values)
    want = theano.function(inputs, outs, mode="FAST_COMPILE")(*values)
    for var, g, w in zip(outs, got, want):
        assert g.dtype == w.dtype == var.dtype, (var, g.dtype, w.dtype)
        assert g.shape == w.shape, (var, g.shape, w.shape)
        rtol = 1e-5 if var.dtype == "float32" else 1e-12
        np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol)
    if reference is not None:
        ref = reference(*values)
        np.testing.assert_allclose(got[0], ref, rtol=1e-5 if outs[0].dtype == "float32"
                                   else 1e-12)  # fmt: skip
    return got


DTYPES = ["float64", "float32", "int8", "uint8", "int64"]


def tensor(dtype, bcast, name):
    return T.TensorType(dtype, bcast)(name)


# --------------------------------------------------------------------- add / sub


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bcast", [(False, False), (True, False), ()])
def test_sub_self_is_zeros(dtype, bcast, mode):
    x = tensor(dtype, bcast, "x")
    assert "sub" not in ops(x - x)
    (out,) = check(x - x, mode, reference=lambda v: v - v)
    assert not out.any()


def test_neg_terms_become_sub_and_add(mode):
    x, y = T.dmatrices("x", "y")
    assert ops(x + (-y)) == ["sub"]
    assert ops(x - (-y)) == ["add"]
    assert ops((-x) + (-y)) == ["add", "neg"]
    check([x + (-y), x - (-y), (-x) - y], mode)


@pytest.mark.parametrize("dtype", DTYPES)
def test_add_terms_cancel_and_constants_merge(dtype, mode):
    x, y = tensor(dtype, (False,), "x"), tensor(dtype, (True,), "y")
    z = tensor(dtype, (False,), "z")
    assert ops((x + z) - z) == []
    assert ops(x + 2 + 3)[-1:] == ["add"]  # (uint8 + int8 constants compute in int16)
    assert ops(x + 2 - 2) in ([], ["convert_to_int16"])
    assert ops((x + y) - x) == ["second"]  # y keeps x's shape
    # int8 wraps the same way in any order.
    check([(x + z) - z, x + 2 + 3, x + 2 - 2, (x + y) - x, (x + 100) + 100], mode)


def test_exp_minus_one_keeps_its_form_for_expm1():
    x = T.dvector("x")
    assert ops(T.exp(x) - 1) == ["exp", "sub"]
    assert ops(T.exp(x) - 1 - 2) == ["exp", "sub"]


def test_bool_sums_are_left_alone(mode):
    a, b = T.TensorType("bool", (False,))("a"), T.TensorType("bool", (False,))("b")
    check([a + b, a * b], mode, values=[np.array([True, False, True]),
                                        np.array([True, True, False])])  # fmt: skip


# --------------------------------------------------------------------- mul / div


@pytest.mark.parametrize("dtype", ["float64", "float32", "int8"])
@pytest.mark.parametrize("bcast", [(False, False), (False, True)])
def test_div_self_is_ones(dtype, bcast, mode):
    x = tensor(dtype, bcast, "x")
    assert "true_div" not in ops(x / x)
    check(x / x, mode, nonzero=True)


def test_div_self_at_zero_is_one_like_theano():
    """Documented difference: x / x is 1 where x is 0 (the plain formula gives NaN)."""
    x = T.dvector("x")
    f = theano.function([x], x / x, mode="FAST_RUN")
    np.testing.assert_array_equal(f(np.array([0.0, 2.0])), [1.0, 1.0])


def test_nan_constants_do_not_cancel():
    x = T.dvector("x")
    nan = T.constant(np.nan)
    f = theano.function([x], [x * nan / nan, x + nan - nan], mode=CANONICALIZE)
    for out in f(np.array([1.0, 2.0])):
        assert np.isnan(out).all()


def test_products_cancel(mode):
    a, b, c = T.dmatrices("a", "b", "c")
    assert ops((a * b) / b) == []
    assert ops(a / (b / c)) == ["mul", "true_div"]
    assert ops((a * b * c) / (c * a)) == []
    assert ops(T.inv(a) * b * a) == []
    check([(a * b) / b, a / (b / c), (a * b * c) / (c * a), a * b / (c * 2) * 4], mode,
          nonzero=True)  # fmt: skip


def test_constant_factors_merge(mode):
    x = T.fmatrix("x")
    assert ops(2 * x * 3) == ["mul"]
    assert ops(x * 2 / 2) == []
    assert ops(x / 2) == ["mul"]
    assert ops((x * -1) * -1) == []
    assert ops(x * -1) == ["neg"]
    check([2 * x * 3, x * 2 / 2, x / 4, x * -1, 3 / x], mode, nonzero=True)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int64"])
def test_integer_products_wrap_alike(dtype, mode):
    x, y = tensor(dtype, (False,), "x"), tensor(dtype, (False,), "y")
    check([(x * 100) * 3, (-x) * y, x * 1 * y, (x * y) // 2], mode)


def test_sign_gathering(mode):
    a, b, c = T.dvectors("a", "b", "c")
    assert ops((-a) * b) == ["mul", "neg"]
    assert ops((-a) * (-b)) == ["mul"]
    assert ops((-a) / b * c).count("neg") == 1
    check([(-a) * b, (-a) * (-b), (-a) / (-b) * c, (-a) * 3], mode, nonzero=True)


def test_cancelled_factor_keeps_its_shape(mode):
    r, m = T.drow("r"), T.dmatrix("m")
    out = r * m / m
    assert "true_div" not in ops(out)
    (v,) = check(out, mode, nonzero=True)
    assert v.shape == (3, 3)


def test_mixed_dtype_product(mode):
    x, y = T.fvector("x"), T.dvector("y")
    i = T.bvector("i")
    out = (x * y * i) / y
    assert out.dtype == "float64"
    assert "true_div" not in ops(out)
    check([out, (i * i * y) / y], mode, nonzero=True)


def test_canonical_graphs_are_left_alone():
    x, y, z = T.dvectors("x", "y", "z")
    f = theano.function([x, y, z], [x * y / z, x - (y + z), 1 / x, 2 - x], mode=CANONICALIZE)
    (report,) = [r for r in f.maker.rewrite_reports if r.name == "canonicalize"]
    assert report.replacements == 0, report.counts


# ---------------------------------------------------------------- fill and alloc


def test_fill_removed_where_broadcasting_does_it(mode):
    x, y, z = T.dmatrices("x", "y", "z")
    v = T.dvector("v")
    assert ops(T.fill(x, y) + x) == ["add"]
    assert ops(T.fill(x, v) * x) == ["DimShuffle{x,0}", "mul"]
    assert ops(T.fill(T.exp(x), v) * T.tanh(x))[-1] == "mul"  # elementwise keeps x's shape
    # x's shape is not known to be z's: the fill stays (it raises when they differ).
    assert ops(T.fill(x, y) + z) == ["second", "add"]
    assert ops(T.fill(x, y)) == ["second"] and ops(T.fill(x, T.exp(x))) == ["exp"]
    assert "second" in ops(T.fill(x, v))  # v alone lacks x's shape
    check([T.fill(x, y) + z, T.fill(x, v) * z, T.fill(x, v), T.zeros_like(x) + z,
           T.fill(x, y)], mode)  # fmt: skip


def test_alloc_removed_where_broadcasting_does_it(mode):
    x = T.dmatrix("x")
    v = T.dvector("v")
    s = T.dscalar("s")
    assert "Alloc" not in ops(T.alloc(s, x.shape[0], x.shape[1]) * x)
    assert "Alloc" in ops(T.alloc(s, 3, 3) * x)  # 3 is not known to be x's length
    # v may have length 1, which the alloc broadcasts and the product would refuse
    assert "Alloc" in ops(T.alloc(v, x.shape[0], x.shape[1]) * x)
    assert "Alloc" in ops(T.alloc(v, 3, 3) * v)
    check([T.alloc(v, 3, 3) * x, T.alloc(v, 3, 3) * v, T.alloc(s, x.shape[0], x.shape[1]) * x,
           T.alloc(v, x.shape[0], x.shape[1]) * x], mode)  # fmt: skip


def test_subtensor_of_alloc(mode):
    v = T.dvector("v")
    s = T.dscalar("s")
    n = T.lscalar("n")
    outs = [T.alloc(v, 5, n, 3)[1:4, 2], T.alloc(s, 5, 4)[2], T.alloc(v, 5, 3)[::2]]
    for out in outs:
        names = ops(out)
        assert not any(name.startswith("Subtensor") for name in names), names
    assert any(name.startswith("Subtensor") for name in ops(T.alloc(v, 5, 3)[:, 1]))
    f = theano.function([v, n, s], outs + [T.alloc(v, 5, 3)[:, 1]], mode=mode)
    a, b, c, d = f(np.arange(3.0), 4, 2.5)
    np.testing.assert_array_equal(a, np.broadcast_to(np.arange(3.0), (5, 4, 3))[1:4, 2])
    np.testing.assert_array_equal(b, np.full(4, 2.5))
    np.testing.assert_array_equal(c, np.broadcast_to(np.arange(3.0), (5, 3))[::2])
    np.testing.assert_array_equal(d, np.ones(5))


# ------------------------------------------------------------------------- shapes


def test_shape_i_does_not_compute_its_variable(mode):
    x, y = T.dmatrices("x", "y")
    out = (T.exp(x) * y).shape[0]
    names = ops(out)
    assert names == ["Shape_i{0}"], names
    f = theano.function([x, y], [out, T.exp(x).T.shape[1], T.sum(x, axis=0).shape[0]],
                        mode=mode)  # fmt: skip
    assert [int(o) for o in f(np.ones((2, 3)), np.ones((2, 3)))] == [2, 2, 3]


def test_shape_of_broadcastable_dims_is_constant(mode):
    r = T.drow("r")
    names = ops(T.exp(r).shape)
    assert "exp" not in names
    assert ops(T.exp(r).shape[0]) == []
    s = T.dscalar("s")
    f = theano.function([r, s], [T.exp(r).shape, r.shape[0], s.shape], mode=mode)
    a, b, c = f(np.ones((1, 4)), 2.0)
    np.testing.assert_array_equal(a, [1, 4])
    assert int(b) == 1 and c.shape == (0,) and c.dtype == "int64"


def test_reshape_to_own_shape(mode):
    x = T.dmatrix("x")
    v = T.dvector("v")
    r = T.drow("r")
    assert ops(T.reshape(x, x.shape, ndim=2)) == []
    assert ops(T.reshape(v, (-1,))) == []
    assert "Reshape{2}" not in ops(T.reshape(r, r.shape, ndim=2))
    f = theano.function([x, v, r], [T.reshape(x, x.shape, ndim=2), T.reshape(v, (-1,)),
                        T.reshape(r, r.shape, ndim=2)], mode=mode)  # fmt: skip
    a, b, c = f(np.ones((2, 3)), np.arange(3.0), np.ones((1, 2)))
    assert a.shape == (2, 3) and b.shape == (3,) and c.shape == (1, 2)


def test_useless_rebroadcast(mode):
    r = T.drow("r")
    out = T.addbroadcast(T.unbroadcast(r, 0), 0)
    assert out.type == r.type and ops(out) == []
    check(out, mode)


def test_specify_shape_is_kept(mode):
    x = T.dvector("x")
    out = T.specify_shape(x, (3,)) * 2
    assert any("SpecifyShape" in n for n in ops(out))
    f = theano.function([x], out, mode=mode)
    with pytest.raises(AssertionError):
        f(np.ones(4))


# --------------------------------------------------------------------- reductions


@pytest.mark.parametrize("dtype", ["float64", "float32", "int8"])
def test_sum_of_sum_merges(dtype, mode):
    x = tensor(dtype, (False, False, False), "x")
    out = T.sum(T.sum(x, axis=1), axis=0)
    names = ops(out)
    assert len([n for n in names if n.startswith("Sum")]) == 1, names
    check([out, T.sum(T.sum(x, axis=0))], mode)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int8", "bool"])
def test_sum_over_broadcastable_dims(dtype, mode):
    r = tensor(dtype, (True, False), "r")
    out = T.sum(r, axis=0)
    assert not any(n.startswith("Sum") for n in ops(out))
    values = [np.array([[1, 0, 1]], dtype=dtype)]
    check([out, T.sum(r), T.sum(r, axis=0, keepdims=True)], mode, values=values)


def test_sum_of_scaled(mode):
    x = T.fmatrix("x")
    i = T.bmatrix("i")
    names = ops(T.sum(x * 2.5))
    assert names.index("mul") > names.index("Sum{acc_dtype=float64}")
    # Integers wrap before the sum: not rewritten.
    assert ops(T.sum(i * 100)).index("mul") == 0
    check([T.sum(x * 2.5), T.sum(x * 3, axis=1), T.sum(i * 100)], mode)


def test_sum_of_negation(mode):
    x = T.dmatrix("x")
    i = T.bmatrix("i")
    names = ops(T.sum(-x, axis=1))
    assert names.index("neg") > names.index("Sum{axis=[1], acc_dtype=float64}"), names
    # -(-128) wraps in int8 before the sum: not rewritten.
    assert ops(T.sum(-i)).index("neg") == 0
    check([T.sum(-x, axis=1), T.sum(-x), T.sum(-i)], mode)
    assert check([T.sum(-i)], mode, values=[np.full((2, 2), -128, "int8")])[0] == -512


def test_length_of_arange_of_a_dimension(mode):
    """``arange(x.shape[0])`` has ``x.shape[0]`` elements: no ceil-division, no clamp at
    zero, and a broadcast of two equal dimensions is that dimension."""
    x = T.dmatrix("x")
    n = x.shape[0]
    rows = T.arange(n)
    names = ops([rows.shape[0], (rows + T.arange(x.shape[0])).shape[0]])
    assert not {"maximum", "int_div", "switch", "neg"} & set(names), names
    check([rows.shape[0], (rows * 2).shape[0], T.arange(n - 5).shape[0]], mode,
          values=[np.zeros((3, 2))])  # fmt: skip
    assert theano.function([x], T.arange(n - 5).shape[0], mode=mode)(np.zeros((3, 2))) == 0


# ------------------------------------------------------------- elemwise, dimshuffle


def test_elemwise_of_dimshuffles_sinks(mode):
    x, y = T.dmatrices("x", "y")
    c = T.dtensor3("c")
    out = T.exp(x.T) + y.T * 2
    names = ops(out)
    assert names[-1] == "DimShuffle{1,0}" and names.count("DimShuffle{1,0}") == 1, names
    assert ops(c.dimshuffle(2, "x", 0, 1) + c.dimshuffle(2, "x", 0, 1))[-1].startswith(
        "DimShuffle")  # fmt: skip
    check([out, x.T + y, x.dimshuffle("x", 0, 1) * y.dimshuffle("x", 0, 1)], mode)


def test_rewrites_keep_int_and_float32_dtypes(mode):
    b = T.bmatrix("b")
    f = T.frow("f")
    outs = [b - b, (b + f) - f, f / f, T.sum(T.sum(b, axis=0)), (-b) * f]
    for out in outs:
        assert out.dtype in ("int8", "float32", "int64"), out.dtype
    check(outs, mode, nonzero=True)


def test_long_chain_compiles_quickly():
    x = T.dvector("x")
    y = x
    for _ in range(300):
        y = T.tanh(y) * 1.5 + x
    f = theano.function([x], y, mode="FAST_RUN")
    np.testing.assert_allclose(f(np.zeros(2)), theano.function([x], y, mode="FAST_COMPILE")(
        np.zeros(2)))  # fmt: skip


def test_useless_switch(mode):
    x, y = T.dmatrices("x", "y")
    r = T.brow("r")
    c = T.bmatrix("c")
    assert ops(T.switch(T.lt(x, y), x, x)) == []
    assert ops(T.switch(1, x, y)) == []
    assert ops(T.switch(0, r, x)) == []
    assert "switch" not in ops(T.switch(1, r, x))  # r filled to x's shape, as float64
    check([T.switch(T.lt(x, y), x, x), T.switch(1, r, x), T.switch(0, r, x), T.switch(c, r, r)],
          mode)  # fmt: skip
