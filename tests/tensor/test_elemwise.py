"""`Elemwise` (scalar ops over arrays), `DimShuffle` and the `CAReduce` reductions.

Every compiled result is compared with NumPy under both modes; every differentiable op
gets a `verify_grad` check, an R_op check against finite differences, and an
`infer_shape` check against the real output shape.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import theano
import theano.tensor as T
from theano import scalar
from theano.gradient import verify_grad
from theano.tensor.elemwise import CAReduce, DimShuffle, Elemwise, Max, Min, Prod, Sum
from theano.testing import check_infer_shape, check_rop

RNG = np.random.default_rng(0)


# ------------------------------------------------------------------------- DimShuffle


@pytest.mark.parametrize(
    "in_bcast, order, value_shape",
    [((False,), ("x", 0), (3,)), ((False,), (0, "x"), (3,)), ((False, False), (1, 0), (2, 3)),
     ((False, True, False), (2, 0), (2, 1, 4)), ((True, False), (1,), (1, 3)),
     ((False, False, False), (2, "x", 0, 1), (2, 3, 4)), ((), ("x", "x"), ())],
)  # fmt: skip
def test_dimshuffle_values_types_and_shapes(mode, in_bcast, order, value_shape):
    x = T.TensorType("float64", in_bcast)("x")
    out = x.dimshuffle(*order)
    assert isinstance(out.owner.op, DimShuffle)
    assert out.broadcastable == tuple(d == "x" or in_bcast[d] for d in order)
    v = RNG.normal(size=value_shape)
    kept = [d for d in order if d != "x"]
    dropped = tuple(d for d in range(len(value_shape)) if d not in kept)
    want = v.squeeze(dropped) if dropped else v
    renum = {d: i for i, d in enumerate(sorted(kept))}
    want = want.transpose([renum[d] for d in kept])
    want = want.reshape([1 if d == "x" else v.shape[d] for d in order])
    np.testing.assert_array_equal(theano.function([x], out, mode=mode)(v), want)
    check_infer_shape(out, [x], [v], mode, known_dims=True)


def test_dimshuffle_str_and_transpose():
    x = T.dvector("x")
    assert str(x.dimshuffle("x", 0)) == "DimShuffle{x,0}.0"
    m = T.dmatrix("m")
    assert str(m.T.owner.op) == "DimShuffle{1,0}"
    assert m.dimshuffle(0, 1) is m  # the identity pattern adds no node
    assert T.dtensor3().transpose(2, 0, 1).broadcastable == (False,) * 3


def test_dimshuffle_errors():
    m = T.dmatrix("m")
    with pytest.raises(ValueError, match="broadcastable"):
        m.dimshuffle(0)  # drops a non-broadcastable dimension
    with pytest.raises(ValueError, match="appears twice"):
        m.dimshuffle(0, 0)
    with pytest.raises(ValueError, match="not a dimension"):
        m.dimshuffle(0, 2)
    with pytest.raises(TypeError, match="expects an input with pattern"):
        DimShuffle((True, False), (1,))(m)


def test_dimshuffle_perform_returns_a_view():
    # view_map declares the output a view of the input; perform keeps that promise.
    op = DimShuffle((False, True, False), (2, 0))
    assert op.view_map == {0: [0]}
    node = op.make_node(T.TensorType("float64", (False, True, False))("x"))
    v = RNG.normal(size=(2, 1, 3))
    storage = [[None]]
    op.perform(node, [v], storage)
    np.testing.assert_array_equal(storage[0][0], v[:, 0, :].T)
    assert np.shares_memory(storage[0][0], v)


@pytest.mark.parametrize(
    "order, shape",
    [((1, 0), (3, 4)), (("x", 0, 1), (3, 4)), ((1, "x", 0), (3, 4)), ((0,), (3, 1))],
)  # fmt: skip
def test_dimshuffle_grad_and_rop(mode, order, shape):
    def build(x):
        if shape[-1] == 1:
            x = T.addbroadcast(x, 1)
        return x.dimshuffle(*order)

    v = RNG.normal(size=shape)
    verify_grad(lambda x: build(x) * 1.5, [v], rng=np.random.default_rng(0), mode=mode)
    check_rop(build, [v], mode)


# --------------------------------------------------------------------------- Elemwise

UNARY = [
    # name, theano function, NumPy reference, sample (positive where the domain needs it)
    ("neg", T.neg, np.negative, "any"),
    ("abs", T.abs_, np.abs, "nonzero"),
    ("sqr", T.sqr, np.square, "any"),
    ("sqrt", T.sqrt, np.sqrt, "positive"),
    ("inv", T.inv, np.reciprocal, "positive"),
    ("exp", T.exp, np.exp, "any"),
    ("log", T.log, np.log, "positive"),
    ("log1p", T.log1p, np.log1p, "positive"),
    ("expm1", T.expm1, np.expm1, "any"),
    ("sin", T.sin, np.sin, "any"),
    ("cos", T.cos, np.cos, "any"),
    ("tanh", T.tanh, np.tanh, "any"),
    ("sigmoid", T.sigmoid, lambda a: 1 / (1 + np.exp(-a)), "any"),
    ("softplus", T.softplus, lambda a: np.log1p(np.exp(a)), "any"),
]


def sample(kind, shape, second=False):
    """Test values; "grid" values of two calls differ by at least 0.25 (no ties for max)."""
    if kind == "grid":
        n = int(np.prod(shape))
        return RNG.permutation(n).reshape(shape) * 0.5 - 1.0 + (0.25 if second else 0.0)
    v = RNG.normal(size=shape)
    if kind == "positive":
        return np.abs(v) + 0.5
    if kind == "nonzero":
        return np.where(np.abs(v) < 0.2, 0.7, v)
    return v


@pytest.mark.parametrize("name, fn, ref, kind", UNARY, ids=[u[0] for u in UNARY])
def test_unary_elemwise(mode, name, fn, ref, kind):
    x = T.dmatrix("x")
    out = fn(x)
    assert isinstance(out.owner.op, Elemwise) and out.dtype == "float64"
    v = sample(kind, (3, 4))
    np.testing.assert_allclose(theano.function([x], out, mode=mode)(v), ref(v), rtol=1e-12)
    check_infer_shape(out, [x], [v], mode, known_dims=True)
    verify_grad(fn, [v], rng=np.random.default_rng(0), mode=mode)
    check_rop(fn, [v], mode)


@pytest.mark.parametrize("name, fn, ref, kind", UNARY, ids=[u[0] for u in UNARY])
def test_unary_elemwise_float32_and_int_inputs(mode, name, fn, ref, kind):
    f32 = T.fvector("f")
    assert fn(f32).dtype == "float32"
    v = sample(kind, (5,)).astype("float32")
    got = theano.function([f32], fn(f32), mode=mode)(v)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, ref(v.astype("float64")), rtol=1e-5, atol=1e-6)
    i8 = T.bvector("i")
    out = fn(i8)
    iv = np.array([1, 2, 3], dtype="int8")
    got = theano.function([i8], out, mode=mode)(iv)
    assert got.dtype == out.dtype
    # Integers are computed in the output's float type, not in NumPy's float16.
    np.testing.assert_allclose(got, ref(iv.astype("float64")), rtol=1e-6)
    assert out.dtype == ("int8" if name in ("neg", "abs", "sqr") else "float32")


BINARY = [
    ("add", T.add, np.add, "any"),
    ("sub", T.sub, np.subtract, "any"),
    ("mul", T.mul, np.multiply, "any"),
    ("true_div", T.true_div, np.true_divide, "nonzero"),
    ("pow", T.pow, np.power, "positive"),
    ("maximum", T.maximum, np.maximum, "grid"),
    ("minimum", T.minimum, np.minimum, "grid"),
]


@pytest.mark.parametrize("name, fn, ref, kind", BINARY, ids=[b[0] for b in BINARY])
def test_binary_elemwise(mode, name, fn, ref, kind):
    x, y = T.dmatrix("x"), T.dmatrix("y")
    out = fn(x, y)
    a, b = sample(kind, (3, 4)), sample(kind, (3, 4), second=True)
    np.testing.assert_allclose(theano.function([x, y], out, mode=mode)(a, b), ref(a, b),
                               rtol=1e-12)  # fmt: skip
    check_infer_shape(out, [x, y], [a, b], mode, known_dims=True)
    verify_grad(fn, [a, b], rng=np.random.default_rng(0), mode=mode)
    check_rop(fn, [a, b], mode)


@pytest.mark.parametrize("name, fn, ref, kind", BINARY, ids=[b[0] for b in BINARY])
def test_binary_elemwise_broadcast_grad(mode, name, fn, ref, kind):
    # A row and a column broadcast against each other; the gradients sum back.
    r, c = T.drow("r"), T.dcol("c")
    out = fn(r, c)
    assert out.broadcastable == (False, False)
    a, b = sample(kind, (1, 4)), sample(kind, (3, 1), second=True)
    np.testing.assert_allclose(theano.function([r, c], out, mode=mode)(a, b), ref(a, b),
                               rtol=1e-12)  # fmt: skip
    check_infer_shape(out, [r, c], [a, b], mode, known_dims=True)
    verify_grad(lambda p, q: fn(T.addbroadcast(p, 0), T.addbroadcast(q, 1)), [a, b],
                rng=np.random.default_rng(0), mode=mode)  # fmt: skip


def test_variadic_add_and_mul(mode):
    x, y, z = T.dvectors("x", "y", "z")
    a, b, c = (RNG.normal(size=3) for _ in range(3))
    f = theano.function([x, y, z], [T.add(x, y, z), T.mul(x, y, z)], mode=mode)
    s, p = f(a, b, c)
    np.testing.assert_allclose(s, a + b + c)
    np.testing.assert_allclose(p, a * b * c)
    verify_grad(lambda p, q, r: T.mul(p, q, r), [a, b, c], rng=np.random.default_rng(0),
                mode=mode)  # fmt: skip
    check_rop(lambda p, q, r: T.add(p, q, r) * T.mul(p, q, r), [a, b, c], mode)


def test_switch(mode):
    c, x, y = T.bvector("c"), T.dvector("x"), T.dvector("y")
    out = T.switch(c, x, y)
    cv = np.array([1, 0, 1, 0], dtype="int8")
    a, b = RNG.normal(size=4), RNG.normal(size=4)
    np.testing.assert_array_equal(theano.function([c, x, y], out, mode=mode)(cv, a, b),
                                  np.where(cv, a, b))  # fmt: skip
    gx, gy = theano.grad(out.sum(), [x, y])
    g = theano.function([c, x, y], [gx, gy], mode=mode)(cv, a, b)
    np.testing.assert_array_equal(g[0], cv)
    np.testing.assert_array_equal(g[1], 1 - cv)
    check_rop(lambda p, q: T.switch(T.gt(p, 0), p * q, q), [a, b], mode)


def test_comparisons_have_zero_gradient_and_bool_dtype(mode):
    x = T.dvector("x")
    for op in (T.lt, T.gt, T.le, T.ge, T.eq, T.neq):
        out = op(x, 0.5)
        assert out.dtype == "bool"
        g = theano.function([x], theano.grad((out * x).sum(), x), mode=mode)
        v = np.array([0.1, 0.9, 0.5])
        np.testing.assert_array_equal(g(v), op.op.scalar_op.impl(v, 0.5).astype("float64"))


def test_elemwise_pads_lower_rank_inputs_on_the_left(mode):
    m, v = T.dmatrix("m"), T.dvector("v")
    out = m + v
    # The vector is padded to a broadcastable row by a DimShuffle{x,0}.
    assert str(out.owner.inputs[1].owner.op) == "DimShuffle{x,0}"
    assert out.broadcastable == (False, False)
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=3)
    np.testing.assert_array_equal(theano.function([m, v], out, mode=mode)(a, b), a + b)
    verify_grad(lambda p, q: p * q, [a, b], rng=np.random.default_rng(0), mode=mode)


def test_elemwise_str_and_inplace_pattern():
    x = T.dvector("x")
    assert str(x**2) == "Elemwise{pow,no_inplace}.0"
    assert str(x + x) == "Elemwise{add,no_inplace}.0"
    assert str(Elemwise(scalar.exp, {0: 0})) == "Elemwise{exp,inplace}"
    assert Elemwise(scalar.exp, {0: 0}).destroy_map == {0: [0]}
    assert Elemwise(scalar.exp) == Elemwise(scalar.exp)
    assert hash(Elemwise(scalar.exp)) == hash(Elemwise(scalar.exp))
    assert Elemwise(scalar.exp) != Elemwise(scalar.exp, {0: 0})


def test_elemwise_inplace_writes_into_its_input(mode):
    x = T.dvector("x")
    out = Elemwise(scalar.exp, {0: 0})(x)
    f = theano.function([theano.In(x, mutable=True)], out, mode=mode, accept_inplace=True)
    v = np.zeros(3)
    np.testing.assert_array_equal(f(v), np.ones(3))
    np.testing.assert_array_equal(v, np.ones(3))  # the mutable input was overwritten


def _inplace_composites(f):
    from theano.scalar.composite import Composite

    return [n for n in f.maker.nodes if isinstance(n.op, Elemwise)
            and isinstance(n.op.scalar_op, Composite) and n.op.inplace_pattern]  # fmt: skip


def test_fused_node_writes_into_an_intermediate_nothing_else_reads(mode):
    """``tanh(x @ w + b)``: the fused node computes into the product's own array, one
    ufunc after the other, with no temporary; inputs and shared values are untouched."""
    x, w = T.dmatrix("x"), T.dmatrix("w")
    b = theano.shared(RNG.normal(size=4), name="b")
    f = theano.function([x, w], T.tanh(T.dot(x, w) + b), mode=mode)
    xv, wv, b0 = RNG.normal(size=(3, 5)), RNG.normal(size=(5, 4)), b.get_value().copy()
    x0, w0 = xv.copy(), wv.copy()
    np.testing.assert_allclose(f(xv, wv), np.tanh(xv @ wv + b0), rtol=1e-15)
    np.testing.assert_array_equal(xv, x0)
    np.testing.assert_array_equal(wv, w0)
    np.testing.assert_array_equal(b.get_value(), b0)
    if mode == "FAST_RUN":
        assert len(_inplace_composites(f)) == 1, f.call_source
        assert "_tanh(" in f.call_source and "[...] =" not in f.call_source


@pytest.mark.parametrize(
    "build",
    [
        lambda p, q: p * (1 - p**2) + q,  # the destroyed value is read by a later op
        lambda p, q: T.switch(p > 0, p, q * 2.0) + 1,  # a bool intermediate
        lambda p, q: T.cast(p * 3.7, "int32") + q.sum(),  # the result is not a ufunc's
        lambda p, q: (p + 1) * (p - 1) / (q + 2),
        lambda p, q: T.tensor_copy(p) * T.exp(p) + q,  # a view of the array, read late
        lambda p, q: T.real(p) * T.exp(p) - q,
    ],
)
def test_fused_inplace_statements_match_numpy(mode, build):
    """Whatever the order in which a fused node's ops may overwrite the destroyed
    intermediate, the result is the unfused computation's."""
    x, y = T.dmatrix("x"), T.dmatrix("y")
    inter = T.dot(x, x.T)  # a fresh array nothing else reads
    out = build(inter, y)
    f = theano.function([x, y], out, mode=mode)
    ref = theano.function([x, y], out, mode="FAST_COMPILE")
    xv, yv = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 3))
    got, want = f(xv, yv), ref(xv, yv)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-14)
    if mode == "FAST_RUN":
        assert len(_inplace_composites(f)) == 1, f.call_source


@pytest.mark.parametrize("name", ["v6_t", "v6_0", "v6_buf", "v7_t_1"])
def test_generated_names_never_shadow_an_input(mode, name):
    """An input may be named like the generated code's locals (``v6_t``...)."""
    x, y = T.dmatrix("x"), T.dmatrix(name)
    h = T.cumsum(x, axis=0)
    f = theano.function([x, y], T.switch(h > 0, h, 5.0) + y, mode=mode)
    xv, yv = np.array([[1.0, 0.0], [0.0, -1.0]]), np.full((2, 2), 10.0)
    np.testing.assert_array_equal(f(xv, yv), [[11.0, 15.0], [11.0, 15.0]])


def test_fused_node_ending_in_a_python_op_keeps_its_own_output():
    """A switch (np.where) cannot write into an array: in place it would need a copy."""
    x, y = T.dmatrix("x"), T.dmatrix("y")
    inter = T.dot(x, x.T)
    f = theano.function([x, y], T.switch(inter > 0, inter, y * 2.0))
    assert not _inplace_composites(f) and "[...] =" not in f.call_source


def test_fused_integer_math_is_computed_in_the_output_float_type(mode):
    i = T.bvector("i")
    out = T.exp(i) + T.sin(i) * 2
    assert out.dtype == "float32"
    v = np.array([1, 2, 3, -4], dtype="int8")
    got = theano.function([i], out, mode=mode)(v)
    assert got.dtype == np.float32
    want = np.exp(v.astype("float64")) + 2 * np.sin(v.astype("float64"))
    np.testing.assert_allclose(got, want, rtol=1e-6)


# ----------------------------------------------------------------------- broadcasting


def test_nonbroadcastable_length_one_dimension_raises(mode):
    x, y = T.dmatrix("x"), T.dmatrix("y")
    f = theano.function([x, y], x + y, mode=mode)
    with pytest.raises(ValueError, match="broadcastable"):
        f(np.ones((3, 4)), np.ones((1, 4)))
    with pytest.raises(ValueError, match="broadcastable"):
        f(np.ones((1, 4)), np.ones((3, 4)))
    with pytest.raises(ValueError):
        f(np.ones((3, 4)), np.ones((2, 4)))  # mismatched lengths
    np.testing.assert_array_equal(f(np.ones((1, 4)), np.ones((1, 4))), 2 * np.ones((1, 4)))


def test_fused_graph_keeps_the_broadcast_checks(mode):
    x, y, z = T.dmatrices("x", "y", "z")
    f = theano.function([x, y, z], T.exp(x + y) * z - 1, mode=mode)
    ones = np.ones((3, 4))
    np.testing.assert_allclose(f(ones, ones, ones), np.exp(2) - 1)
    for bad in [(np.ones((1, 4)), ones, ones), (ones, ones, np.ones((3, 1))),
                (ones, ones, np.ones((1, 1)))]:  # fmt: skip
        with pytest.raises(ValueError, match="broadcastable"):
            f(*bad)


def test_broadcast_error_names_the_op_and_input(mode):
    x, y = T.dvector("x"), T.dvector("y")
    f = theano.function([x, y], x * y, mode=mode)
    with pytest.raises(ValueError, match=r"Elemwise\{mul") as err:
        f(np.ones(3), np.ones(1))
    assert "(1,)" in str(err.value)


def test_row_and_col_types_broadcast(mode):
    m, r, c = T.dmatrix("m"), T.drow("r"), T.dcol("c")
    f = theano.function([m, r, c], [m + r, m * c, r - c], mode=mode)
    a, b, d = RNG.normal(size=(3, 4)), RNG.normal(size=(1, 4)), RNG.normal(size=(3, 1))
    for got, want in zip(f(a, b, d), [a + b, a * d, b - d]):
        np.testing.assert_array_equal(got, want)


# Scalars, vectors, rows, columns, matrices and 3-d patterns.
_PATTERNS = st.sampled_from([(), (False,), (True,), (False, False), (True, False),
                             (False, True), (True, True), (False, True, False)])  # fmt: skip


def _value(pattern, lengths, sign):
    """An array for ``pattern``: length 1 where broadcastable, else from ``lengths``."""
    shape = tuple(1 if b else n for b, n in zip(pattern, lengths))
    return sign * np.arange(1.0, 1 + int(np.prod(shape))).reshape(shape)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(p1=_PATTERNS, p2=_PATTERNS, l1=st.lists(st.integers(1, 3), min_size=3, max_size=3),
       l2=st.lists(st.integers(1, 3), min_size=3, max_size=3))  # fmt: skip
def test_property_broadcast_rules_match_theano(mode, p1, p2, l1, l2):
    """Types pad on the left; a call succeeds exactly when the shapes agree in every
    dimension that is not broadcastable in one of the two types, and then equals NumPy."""
    f, out = _sub_fn(mode, p1, p2)
    nd = max(len(p1), len(p2))
    q1, q2 = (True,) * (nd - len(p1)) + p1, (True,) * (nd - len(p2)) + p2
    assert out.broadcastable == tuple(a and b for a, b in zip(q1, q2))
    a, b = _value(p1, l1, 1), _value(p2, l2, -1)
    s1, s2 = (1,) * (nd - a.ndim) + a.shape, (1,) * (nd - b.ndim) + b.shape
    legal = all(b1 or b2 or n1 == n2 for b1, b2, n1, n2 in zip(q1, q2, s1, s2))
    if legal:
        np.testing.assert_array_equal(f(a, b), a - b)
    else:
        with pytest.raises(ValueError):
            f(a, b)


_FN_CACHE = {}


def _sub_fn(mode, p1, p2):
    """``x - y`` for these patterns, and its compiled function (cached: hypothesis draws
    the same patterns often)."""
    if (mode, p1, p2) not in _FN_CACHE:
        x, y = T.TensorType("float64", p1)("x"), T.TensorType("float64", p2)("y")
        out = x - y
        _FN_CACHE[mode, p1, p2] = theano.function([x, y], out, mode=mode), out
    return _FN_CACHE[mode, p1, p2]


# --------------------------------------------------------------------------- CAReduce

REDUCTIONS = [
    ("sum", T.sum, np.sum, Sum),
    ("prod", T.prod, np.prod, Prod),
    ("max", T.max, np.max, Max),
    ("min", T.min, np.min, Min),
]
AXES = [None, 0, 1, -1, (0, 1), (0, 2), ()]


@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name, fn, ref, op_class", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduction_values_and_shapes(mode, name, fn, ref, op_class, axis):
    x = T.dtensor3("x")
    out = fn(x, axis=axis)
    assert isinstance(out.owner.op, op_class)
    v = RNG.normal(size=(2, 3, 4))
    got = theano.function([x], out, mode=mode)(v)
    np.testing.assert_allclose(got, ref(v, axis=axis), rtol=1e-12)
    assert got.dtype == np.float64
    check_infer_shape(out, [x], [v], mode, known_dims=True)


@pytest.mark.parametrize("axis", [None, 0, (0, 2)], ids=str)
@pytest.mark.parametrize("name, fn, ref, op_class", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduction_keepdims(mode, name, fn, ref, op_class, axis):
    x = T.dtensor3("x")
    out = fn(x, axis=axis, keepdims=True)
    v = RNG.normal(size=(2, 3, 4))
    want = ref(v, axis=axis, keepdims=True)
    assert out.broadcastable == tuple(n == 1 for n in want.shape)
    np.testing.assert_allclose(theano.function([x], out, mode=mode)(v), want, rtol=1e-12)


@pytest.mark.parametrize("axis", [None, 0, 1], ids=str)
@pytest.mark.parametrize("name, fn, ref, op_class", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduction_grad_and_rop(mode, name, fn, ref, op_class, axis):
    # Distinct values, away from zero, so max/min and prod are differentiable.
    v = RNG.permutation(np.arange(1, 13)).reshape(3, 4) / 4.0 + 0.1
    verify_grad(lambda x: fn(x, axis=axis), [v], rng=np.random.default_rng(0), mode=mode)
    check_rop(lambda x: fn(x, axis=axis), [v], mode)


def test_reduction_keepdims_grad(mode):
    v = RNG.normal(size=(3, 4))
    verify_grad(lambda x: T.sum(x, axis=1, keepdims=True) * x, [v],
                rng=np.random.default_rng(0), mode=mode)  # fmt: skip
    verify_grad(lambda x: T.max(x, axis=0, keepdims=True) - x, [v],
                rng=np.random.default_rng(0), mode=mode)  # fmt: skip
    op_keep = Sum(axis=(1,), keepdims_pattern=(False, False))
    out = op_keep(T.dmatrix("m"))
    assert out.broadcastable == (False, True)
    check_rop(lambda x: op_keep(x) * 2, [v], mode)


@pytest.mark.parametrize(
    "dtype, out_dtype, acc",
    [("int8", "int64", "int64"), ("int32", "int64", "int64"), ("uint8", "uint64", "uint64"),
     ("bool", "int64", "int64"), ("float32", "float32", "float64"),
     ("float64", "float64", "float64"), ("int64", "int64", "int64")],
)  # fmt: skip
def test_sum_dtypes(mode, dtype, out_dtype, acc):
    x = T.TensorType(dtype, (False,))("x")
    out = x.sum()
    assert out.dtype == out_dtype
    assert str(out.owner.op) == f"Sum{{acc_dtype={acc}}}"
    v = (np.arange(20) * 13 % 7).astype(dtype)
    got = theano.function([x], out, mode=mode)(v)
    assert got.dtype == np.dtype(out_dtype)
    assert got == v.astype(out_dtype).sum()


def test_sum_int8_does_not_overflow(mode):
    x = T.bvector("x")
    v = np.full(100, 100, dtype="int8")
    assert theano.function([x], x.sum(), mode=mode)(v) == 10000


def test_sum_float32_accumulates_in_float64(mode):
    x = T.fvector("x")
    big = np.full(1, 1e8, dtype="float32")
    v = np.concatenate([big, np.ones(1000, "float32"), -big])
    assert np.sum(v) != 1000.0  # a float32 accumulator loses the ones
    got = theano.function([x], x.sum(), mode=mode)(v)
    assert got.dtype == np.float32
    assert got == 1000.0


def test_reduction_str_and_props():
    x = T.dmatrix("x")
    assert str(x.sum()) == "Sum{acc_dtype=float64}.0"
    assert str(x.sum(axis=0).owner.op) == "Sum{axis=[0], acc_dtype=float64}"
    assert str(x.max(axis=1).owner.op) == "Max{axis=[1]}"
    assert str(T.ivector().prod().owner.op) == "Prod{acc_dtype=int64}"
    assert Sum(axis=(0,)) == Sum(axis=(0,)) and Sum(axis=(0,)) != Sum(axis=(1,))
    assert isinstance(Max(), CAReduce)


def test_reduction_explicit_dtype(mode):
    x = T.bvector("x")
    out = x.sum(dtype="int32")
    assert out.dtype == "int32"
    v = np.arange(10, dtype="int8")
    got = theano.function([x], out, mode=mode)(v)
    assert got.dtype == np.int32 and got == 45
    f = T.fvector("f")
    assert f.sum(acc_dtype="float32").owner.op.acc_dtype == "float32"


def test_reduction_axis_errors():
    x = T.dmatrix("x")
    with pytest.raises(ValueError, match="out of range"):
        x.sum(axis=2)
    with pytest.raises(ValueError, match="out of range"):
        T.max(x, axis=-3)


def test_max_min_of_ints_keep_dtype(mode):
    x = T.imatrix("x")
    v = np.array([[3, -1, 7], [2, 9, -4]], dtype="int32")
    f = theano.function([x], [x.max(axis=0), x.min()], mode=mode)
    mx, mn = f(v)
    assert mx.dtype == np.int32 and mn.dtype == np.int32
    np.testing.assert_array_equal(mx, v.max(axis=0))
    assert mn == -4


def test_max_gradient_goes_to_ties(mode):
    x = T.dvector("x")
    g = theano.function([x], theano.grad(x.max(), x), mode=mode)
    np.testing.assert_array_equal(g(np.array([1.0, 3.0, 3.0, 2.0])), [0, 1, 1, 0])


def test_prod_gradient_with_zeros(mode):
    x = T.dmatrix("x")
    v = np.array([[0.0, 2.0, 3.0], [1.0, 0.0, 0.0], [2.0, 4.0, 0.5]])
    g = theano.function([x], [theano.grad(x.prod(axis=1).sum(), x), theano.grad(x.prod(), x)],
                        mode=mode)  # fmt: skip
    rows, total = g(v)
    # One zero: only the zero's entry gets the product of the others; two: all zero.
    np.testing.assert_array_equal(rows, [[6.0, 0.0, 0.0], [0.0, 0.0, 0.0], [2.0, 1.0, 8.0]])
    np.testing.assert_array_equal(total, np.zeros((3, 3)))  # three zeros in all
    one_zero = np.array([[0.0, 2.0, 3.0], [1.5, -1.0, 0.5]])
    verify_grad(lambda m: m.prod(axis=0), [one_zero], rng=np.random.default_rng(0), mode=mode)
    verify_grad(lambda m: m.prod(), [one_zero], rng=np.random.default_rng(0), mode=mode)
    check_rop(lambda m: m.prod(axis=1), [one_zero], mode)


_DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "float32", "float64"]


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(d1=st.sampled_from(_DTYPES), d2=st.sampled_from(_DTYPES),
       op=st.sampled_from(["add", "sub", "mul", "maximum"]))  # fmt: skip
def test_property_binary_upcast_matches_numpy_arrays(mode, d1, d2, op):
    """Binary ops between tensors take NumPy's array result type (Theano's upcast table),
    and compute the same values."""
    if op == "sub" and "bool" in (d1, d2):
        return  # NumPy refuses boolean subtraction; so does our scalar op
    x, y = T.TensorType(d1, (False,))("x"), T.TensorType(d2, (False,))("y")
    out = getattr(T, op)(x, y)
    want = np.result_type(np.dtype(d1), np.dtype(d2))
    assert out.dtype == str(want)
    a = np.array([0, 1, 1], dtype=d1)
    b = np.array([1, 0, 1], dtype=d2)
    got = _UPCAST_FNS.setdefault((mode, d1, d2, op), theano.function([x, y], out, mode=mode))(a, b)
    assert got.dtype == want
    np.testing.assert_array_equal(
        got, getattr(np, {"add": "add", "sub": "subtract", "mul": "multiply"}.get(op, op))(a, b)
    )


_UPCAST_FNS = {}
