"""Tensor math: operators, dtype upcasting, `dot`, `mean`, `argmax`/`argmin`, casts, fills.

Compiled results are compared with NumPy under both modes; differentiable ops get a
`verify_grad` check, an R_op check (finite differences) and an `infer_shape` check.
"""

import operator

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.gradient import DisconnectedInputError, verify_grad
from theano.tensor.math import Argmax, Argmin, Dot
from theano.testing import check_infer_shape, check_rop, grad_check, tensor

RNG = np.random.default_rng(0)


# -------------------------------------------------------------------------- operators

OPERATORS = [
    ("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
    ("truediv", operator.truediv), ("floordiv", operator.floordiv), ("mod", operator.mod),
    ("pow", operator.pow), ("lt", operator.lt), ("le", operator.le), ("gt", operator.gt),
    ("ge", operator.ge),
]  # fmt: skip


@pytest.mark.parametrize("name, op", OPERATORS, ids=[o[0] for o in OPERATORS])
def test_binary_operators_match_numpy(mode, name, op):
    x, y = T.dmatrix("x"), T.dmatrix("y")
    a = RNG.uniform(0.5, 3.0, size=(3, 4))
    b = RNG.uniform(0.5, 3.0, size=(3, 4))
    outs = [op(x, y), op(x, 2), op(3, x), op(b, x)]  # var-var, var-const, reflected, ndarray
    f = theano.function([x, y], outs, mode=mode, on_unused_input="ignore")
    for got, want in zip(f(a, b), [op(a, b), op(a, 2), op(3, a), op(b, a)]):
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-13)


def test_unary_operators_and_transpose(mode):
    x = T.dmatrix("x")
    a = RNG.normal(size=(3, 4))
    f = theano.function([x], [-x, abs(x), x.T, x.dimshuffle("x", 0, 1)], mode=mode)
    neg, ab, tr, padded = f(a)
    np.testing.assert_array_equal(neg, -a)
    np.testing.assert_array_equal(ab, np.abs(a))
    np.testing.assert_array_equal(tr, a.T)
    np.testing.assert_array_equal(padded, a[None])
    grad_check(lambda v: -v * abs(v).T.T, [np.where(np.abs(a) < 0.2, 0.5, a)], mode)
    check_rop(lambda v: (v.T * 2).dimshuffle("x", 0, 1), [a], mode)


@pytest.mark.parametrize(
    "name, op, sample",
    [("add", operator.add, "any"), ("sub", operator.sub, "any"), ("mul", operator.mul, "any"),
     ("truediv", operator.truediv, "pos"), ("pow", operator.pow, "pos"),
     ("mod", operator.mod, "pos")],
)  # fmt: skip
def test_operator_gradients_and_rop(mode, name, op, sample):
    a, b = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))
    if sample == "pos":
        a, b = np.abs(a) + 0.5, np.abs(b) + 0.5
    if name == "mod":  # keep away from the jumps of x % y
        a, b = np.full((3, 4), 2.3) + 0.1 * RNG.random((3, 4)), np.full((3, 4), 1.0)
    grad_check(op, [a, b], mode)
    grad_check(lambda v: op(v, 1.5), [a], mode)
    grad_check(lambda v: op(1.5, v), [b], mode)
    check_rop(op, [a, b], mode)
    check_rop(lambda v: op(v, 1.5), [a], mode)  # a constant operand has no tangent


def test_int_div_and_comparisons_have_zero_gradient(mode):
    x = T.dvector("x")
    cost = (x // 2).sum() + (x < 1).sum() + (x >= 1).sum() + x.sum()
    g = theano.function([x], theano.grad(cost, x), mode=mode)
    np.testing.assert_array_equal(g(np.array([0.5, 3.7])), [1.0, 1.0])


def test_integer_operators(mode):
    x, y = T.ivector("x"), T.ivector("y")
    a = np.array([7, -7, 9, 0], dtype="int32")
    b = np.array([2, 2, -4, 3], dtype="int32")
    f = theano.function([x, y], [x // y, x % y, x / y, x**2, -x, abs(x)], mode=mode)
    for got, want in zip(f(a, b), [a // b, a % b, a / b, a**2, -a, np.abs(a)]):
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype


# --------------------------------------------------------------------------- dtypes

DTYPE_CASES = [
    # expression, expected dtype (Theano's rules, cast_policy='custom', floatX=float64)
    (lambda: T.bscalar() + T.fscalar(), "float32"),
    (lambda: T.iscalar() + T.fscalar(), "float64"),
    (lambda: T.fscalar() * 2.0, "float32"),
    (lambda: T.fvector() * 2.5, "float32"),
    (lambda: T.fvector() * 0.1, "float64"),  # 0.1 is not exact in float32
    (lambda: T.fvector() + T.dvector(), "float64"),
    (lambda: T.fvector() ** 2, "float32"),
    (lambda: T.iscalar() / T.iscalar(), "float64"),
    (lambda: T.lscalar() / T.lscalar(), "float64"),
    (lambda: T.bscalar() / T.bscalar(), "float32"),
    (lambda: T.wvector() / T.wvector(), "float32"),
    (lambda: T.iscalar() // T.iscalar(), "int32"),
    (lambda: T.bvector() % T.bvector(), "int8"),
    (lambda: T.bvector() + T.bvector(), "int8"),
    (lambda: T.bvector() * 3, "int8"),
    (lambda: T.bvector() + 300, "int16"),
    (lambda: T.bvector() + T.ivector(), "int32"),
    (lambda: T.ivector() + T.lvector(), "int64"),
    (lambda: T.fvector() < T.fvector(), "bool"),
    (lambda: T.ivector() >= 2, "bool"),
    (lambda: T.dvector() <= T.ivector(), "bool"),
    (lambda: T.bvector() > 1.5, "bool"),
    (lambda: T.exp(T.bvector()), "float32"),
    (lambda: T.exp(T.ivector()), "float64"),
    (lambda: -T.bvector(), "int8"),
    (lambda: T.bvector().sum(), "int64"),
    (lambda: T.fvector().sum(), "float32"),
    (lambda: T.fvector().mean(), "float32"),
    (lambda: T.ivector().mean(), "float64"),
    (lambda: T.dot(T.fvector(), T.fvector()), "float32"),
    (lambda: T.dot(T.imatrix(), T.fvector()), "float64"),
]


@pytest.mark.parametrize("build, dtype", DTYPE_CASES, ids=[str(i) for i in range(len(DTYPE_CASES))])
def test_dtype_upcasting_follows_theano(mode, build, dtype):
    out = build()
    assert out.dtype == dtype
    inputs = theano.graph.basic.graph_inputs([out])
    inputs = [i for i in inputs if not isinstance(i, theano.graph.basic.Constant)]
    # The compiled function really produces that dtype.
    values = [np.ones((2,) * i.ndim, dtype=i.dtype) + 1 for i in inputs]
    got = theano.function(inputs, out, mode=mode)(*values)
    assert np.asarray(got).dtype == np.dtype(dtype)


def test_sum_of_float32_str():
    assert str(T.fvector("x").sum().owner.op) == "Sum{acc_dtype=float64}"
    assert str(T.fvector("x").sum()) == "Sum{acc_dtype=float64}.0"


def test_node_strings():
    x = T.dvector("x")
    m = T.dmatrix("m")
    assert str(x**2) == "Elemwise{pow,no_inplace}.0"
    assert str(x + 1) == "Elemwise{add,no_inplace}.0"
    assert str(x.dimshuffle("x", 0)) == "DimShuffle{x,0}.0"
    assert str(x.sum()) == "Sum{acc_dtype=float64}.0"
    assert str(T.dot(m, x)) == "dot.0"
    assert str(x / x) == "Elemwise{true_div,no_inplace}.0"
    assert str(x // x) == "Elemwise{int_div,no_inplace}.0"
    assert str(-x) == "Elemwise{neg,no_inplace}.0"
    assert str(abs(x)) == "Elemwise{abs_,no_inplace}.0"
    assert str(x < 1) == "Elemwise{lt,no_inplace}.0"
    assert str(x.astype("int32")) == "Elemwise{convert_to_int32,no_inplace}.0"


# ----------------------------------------------------------------------------- bool


def test_comparison_in_a_boolean_context_raises():
    x, y = T.dvector("x"), T.dvector("y")
    for cond in (x < y, x <= y, x > y, x >= y, T.eq(x, y), T.neq(x, y)):
        with pytest.raises(TypeError, match="Variables do not support boolean operations"):
            bool(cond)
    with pytest.raises(TypeError, match="Variables do not support boolean operations"):
        if x < y:  # the pattern users write by mistake
            pass
    with pytest.raises(TypeError, match="Variables do not support boolean operations"):
        assert not (x > 0)


def test_plain_variable_is_truthy():
    x = T.dvector("x")
    if not x:  # works (no error) on a variable that is not a comparison
        pytest.fail("a variable is truthy")
    assert bool(x + 1) and bool(T.constant(0))


def test_equality_operators_stay_identity_comparisons():
    x, y = T.dvector("x"), T.dvector("y")
    same = x
    assert (x == same) is True and (x == y) is False
    assert {x: 1}[x] == 1


# ------------------------------------------------------------------------------ dot

DOT_CASES = [
    # x shape, y shape
    ((4,), (4,)),
    ((3,), (3, 4)),
    ((3, 4), (4,)),
    ((3, 4), (4, 2)),
]


@pytest.mark.parametrize("xs, ys", DOT_CASES, ids=["vv", "vm", "mv", "mm"])
def test_dot_every_combination(mode, xs, ys):
    x, y = tensor("float64", len(xs), "x"), tensor("float64", len(ys), "y")
    out = T.dot(x, y)
    assert isinstance(out.owner.op, Dot) and str(out) == "dot.0"
    a, b = RNG.normal(size=xs), RNG.normal(size=ys)
    want = np.dot(a, b)
    assert out.ndim == want.ndim and out.broadcastable == (False,) * want.ndim
    f = theano.function([x, y], [out, x @ y, x.dot(y)], mode=mode)
    for got in f(a, b):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    check_infer_shape(out, [x, y], [a, b], mode, known_dims=True)
    grad_check(T.dot, [a, b], mode)
    check_rop(T.dot, [a, b], mode)
    check_rop(lambda p: T.dot(p, b), [a], mode)  # only one argument varies
    check_rop(lambda q: T.dot(a, q), [b], mode)


def test_dot_jacobian_times_vector_equals_rop(mode):
    x, v = T.dvector("x"), T.dvector("v")
    w = RNG.normal(size=(3, 4))
    y = T.tanh(T.dot(w, x))
    jv = T.dot(theano.gradient.jacobian(y, x), v)
    f = theano.function([x, v], [T.Rop(y, x, v), jv], mode=mode)
    rop, ref = f(RNG.normal(size=4), RNG.normal(size=4))
    np.testing.assert_allclose(rop, ref, rtol=1e-12)


def test_dot_broadcastable_and_dtype():
    assert T.dot(T.drow(), T.dcol()).broadcastable == (True, True)
    assert T.dot(T.dmatrix(), T.dcol()).broadcastable == (False, True)
    assert T.dot(T.fmatrix(), T.dmatrix()).dtype == "float64"
    assert T.dot(T.imatrix(), T.imatrix()).dtype == "int32"


def test_dot_with_scalar_is_elementwise(mode):
    s, m = T.dscalar("s"), T.dmatrix("m")
    out = T.dot(s, m)
    a = RNG.normal(size=(2, 3))
    np.testing.assert_allclose(theano.function([s, m], out, mode=mode)(2.0, a), 2.0 * a)


def test_dot_errors(mode):
    with pytest.raises(TypeError, match="1-d or 2-d"):
        theano.tensor.math.dot(T.dtensor3(), T.dmatrix())  # T.dot goes to tensordot instead
    x, y = T.dmatrix("x"), T.dmatrix("y")
    f = theano.function([x, y], T.dot(x, y), mode=mode)
    with pytest.raises(ValueError):
        f(np.ones((2, 3)), np.ones((2, 3)))


def test_dot_int_inputs_give_exact_results(mode):
    x, y = T.imatrix("x"), T.imatrix("y")
    a = np.arange(6, dtype="int32").reshape(2, 3)
    got = theano.function([x, y], T.dot(x, y), mode=mode)(a, a.T.copy())
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, a @ a.T)


def test_outer(mode):
    x, y = T.dvector("x"), T.dvector("y")
    a, b = RNG.normal(size=3), RNG.normal(size=4)
    np.testing.assert_allclose(theano.function([x, y], T.outer(x, y), mode=mode)(a, b),
                               np.outer(a, b))  # fmt: skip
    grad_check(T.outer, [a, b], mode)


# ----------------------------------------------------------------------------- mean


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)], ids=str)
def test_mean(mode, axis):
    x = T.dmatrix("x")
    out = T.mean(x, axis=axis)
    a = RNG.normal(size=(3, 4))
    np.testing.assert_allclose(theano.function([x], out, mode=mode)(a), np.mean(a, axis=axis),
                               rtol=1e-12)  # fmt: skip
    grad_check(lambda v: T.mean(v, axis=axis), [a], mode)
    check_rop(lambda v: T.mean(v, axis=axis), [a], mode)
    kept = x.mean(axis=axis, keepdims=True)
    want = np.mean(a, axis=axis, keepdims=True)
    np.testing.assert_allclose(theano.function([x], kept, mode=mode)(a), want, rtol=1e-12)
    assert kept.broadcastable == tuple(n == 1 for n in want.shape)


def test_mean_dtypes(mode):
    i, f = T.ivector("i"), T.fvector("f")
    fi = theano.function([i, f], [i.mean(), f.mean()], mode=mode)
    mi, mf = fi(np.array([1, 2], dtype="int32"), np.array([1, 2, 4], dtype="float32"))
    assert mi.dtype == np.float64 and mi == 1.5
    assert mf.dtype == np.float32 and np.isclose(mf, 7 / 3)


def test_mean_over_broadcastable_dim(mode):
    r = T.drow("r")
    out = r.mean(axis=0)
    a = RNG.normal(size=(1, 3))
    np.testing.assert_allclose(theano.function([r], out, mode=mode)(a), a.mean(axis=0))


# ----------------------------------------------------------------------- argmax/argmin


@pytest.mark.parametrize("axis", [None, 0, 1, -1], ids=str)
@pytest.mark.parametrize("fn, ref, op_class", [(T.argmax, np.argmax, Argmax),
                                               (T.argmin, np.argmin, Argmin)],
                         ids=["argmax", "argmin"])  # fmt: skip
def test_argmax_argmin(mode, fn, ref, op_class, axis):
    x = T.dmatrix("x")
    out = fn(x, axis=axis)
    assert isinstance(out.owner.op, op_class) and out.dtype == "int64"
    a = RNG.normal(size=(3, 4))
    got = theano.function([x], out, mode=mode)(a)
    assert np.asarray(got).dtype == np.int64
    np.testing.assert_array_equal(got, ref(a, axis=axis))
    check_infer_shape(out, [x], [a], mode, known_dims=True)
    kept = fn(x, axis=axis, keepdims=True)
    np.testing.assert_array_equal(theano.function([x], kept, mode=mode)(a),
                                  ref(a, axis=axis, keepdims=True))  # fmt: skip
    # Method form.
    method = getattr(x, fn.__name__)(axis=axis)
    np.testing.assert_array_equal(theano.function([x], method, mode=mode)(a), ref(a, axis=axis))


def test_argmax_is_not_differentiable(mode):
    x = T.dvector("x")
    with pytest.raises(DisconnectedInputError):
        theano.grad(T.argmax(x) * 1.0, x)
    g = theano.grad((T.argmax(x) * 1.0) + x.sum(), x)
    np.testing.assert_array_equal(theano.function([x], g, mode=mode)(np.ones(3)), np.ones(3))


def test_argmax_errors():
    with pytest.raises(ValueError, match="single axis"):
        T.argmax(T.dmatrix(), axis=(0, 1))
    with pytest.raises(ValueError, match="out of range"):
        T.argmin(T.dmatrix(), axis=2)


# ------------------------------------------------------------------------------ casts


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "float32", "float64", "uint8",
                                   "bool"])  # fmt: skip
def test_cast_and_astype(mode, dtype):
    x = T.dvector("x")
    a = np.array([-1.7, 0.0, 2.5, 100.2])
    out = T.cast(x, dtype)
    assert out.dtype == dtype
    f = theano.function([x], [out, x.astype(dtype)], mode=mode)
    for got in f(a):
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(got, a.astype(dtype))


def test_cast_same_dtype_is_identity_and_floatx():
    x = T.dvector("x")
    assert T.cast(x, "float64") is x
    assert T.cast(x, "floatX").dtype == theano.config.floatX
    with theano.config.change_flags(floatX="float32"):
        assert T.cast(x, "floatX").dtype == "float32"


def test_cast_gradient(mode):
    a = RNG.normal(size=(3, 4))
    # Rounding to float32 limits the finite differences' accuracy.
    verify_grad(lambda v: T.cast(T.cast(v, "float32"), "float64") * 2, [a], mode=mode,
                rng=np.random.default_rng(0), abs_tol=1e-3, rel_tol=1e-3)  # fmt: skip
    check_rop(lambda v: T.cast(v, "float32") * 2, [a], mode, eps=1e-2, rtol=1e-4, atol=1e-4)
    x = T.dvector("x")
    g = theano.function([x], theano.grad(T.cast(x, "int32").sum() + x.sum(), x), mode=mode)
    np.testing.assert_array_equal(g(np.array([1.5, 2.5])), [1.0, 1.0])  # int path: zero
    f = T.fvector("f")
    gf = theano.grad(T.cast(f, "float64").sum(), f)
    assert gf.dtype == "float32"


# ------------------------------------------------------------------------------ fills


def test_zeros_like_ones_like_fill(mode):
    x, s = T.fmatrix("x"), T.dscalar("s")
    a = RNG.normal(size=(2, 3)).astype("float32")
    outs = [T.zeros_like(x), T.ones_like(x), T.zeros_like(x, dtype="int8"),
            x.ones_like(dtype="float64"), T.fill(x, 3), T.fill(x, s)]  # fmt: skip
    assert [o.dtype for o in outs] == ["float32", "float32", "int8", "float64", "int8",
                                       "float64"]  # fmt: skip
    f = theano.function([x, s], outs, mode=mode)
    wants = [np.zeros_like(a), np.ones_like(a), np.zeros(a.shape, "int8"), np.ones(a.shape),
             np.full(a.shape, 3, "int8"), np.full(a.shape, 1.5)]  # fmt: skip
    for got, want in zip(f(a, 1.5), wants):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    for o in outs:
        check_infer_shape(o, [x, s], [a, 1.5], mode, known_dims=True)


def test_fill_gradient(mode):
    a, b = RNG.normal(size=(3, 4)), RNG.normal(size=(1, 4))
    # fill(x, y): y broadcast to x's shape; no gradient to x, the summed one to y.
    grad_check(lambda x, y: T.fill(x, T.addbroadcast(y, 0)) * x, [a, b], mode)
    x = T.dmatrix("x")
    g = theano.grad(T.zeros_like(x).sum() + T.ones_like(x).sum() + x.sum(), x)
    np.testing.assert_array_equal(theano.function([x], g, mode=mode)(a), np.ones((3, 4)))
    check_rop(lambda p, q: T.fill(p, q) * p, [a, b[0]], mode)
