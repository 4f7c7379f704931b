"""The elementwise surface of `theano.tensor` beyond arithmetic: exponentials and
logarithms, trigonometry, rounding, special functions, clipping, tests, bitwise logic,
complex numbers and `theano.tensor.inplace`.

Every function is compiled under both modes and compared with NumPy/SciPy on float32,
float64 and integer inputs (with Theano's result dtype), on empty arrays and on a
row + column broadcast; differentiable ones get `verify_grad`, an R_op check and an
`infer_shape` check.
"""

import numpy as np
import pytest
import scipy.special as sp

import theano
import theano.tensor as T
from theano.gradient import verify_grad
from theano.tensor import inplace
from theano.testing import check_infer_shape

RNG = np.random.default_rng(0)

# name, reference, domain (low, high), differentiable
UNARY = [
    ("exp2", np.exp2, (-2, 2), True), ("log2", np.log2, (0.5, 3), True),
    ("log10", np.log10, (0.5, 3), True), ("tan", np.tan, (-1, 1), True),
    ("arcsin", np.arcsin, (-0.8, 0.8), True), ("arccos", np.arccos, (-0.8, 0.8), True),
    ("arctan", np.arctan, (-3, 3), True), ("sinh", np.sinh, (-2, 2), True),
    ("cosh", np.cosh, (-2, 2), True), ("arcsinh", np.arcsinh, (-3, 3), True),
    ("arccosh", np.arccosh, (1.2, 4), True), ("arctanh", np.arctanh, (-0.8, 0.8), True),
    ("deg2rad", np.deg2rad, (-90, 90), True), ("rad2deg", np.rad2deg, (-2, 2), True),
    ("erf", sp.erf, (-2, 2), True), ("erfc", sp.erfc, (-2, 2), True),
    ("erfinv", sp.erfinv, (-0.8, 0.8), True), ("erfcinv", sp.erfcinv, (0.2, 1.8), True),
    ("erfcx", sp.erfcx, (-1, 3), True), ("gamma", sp.gamma, (0.5, 4), True),
    ("gammaln", sp.gammaln, (0.5, 6), True), ("psi", sp.psi, (0.5, 5), True),
    ("tri_gamma", lambda x: sp.polygamma(1, x), (0.5, 5), False),
    ("j0", sp.j0, (-4, 4), True), ("j1", sp.j1, (-4, 4), True), ("i0", sp.i0, (-2, 2), True),
    ("i1", sp.i1, (-2, 2), True), ("xlogx", lambda x: x * np.log(x), (0.2, 3), True),
    ("ceil", np.ceil, (-3, 3), False), ("floor", np.floor, (-3, 3), False),
    ("trunc", np.trunc, (-3, 3), False), ("round_half_to_even", np.round, (-3, 3), False),
]  # fmt: skip
ROUNDING = {"ceil", "floor", "trunc", "round_half_to_even"}
BINARY = [
    ("arctan2", np.arctan2, (-2, 2), (-2, 2)),
    ("xlogy0", lambda x, y: x * np.log(y), (0.2, 2), (0.3, 3)),
    ("jv", sp.jv, (0, 3), (0.5, 4)), ("iv", sp.iv, (0, 3), (0.5, 3)),
]  # fmt: skip


def sample(low, high, shape, dtype="float64"):
    return RNG.uniform(low, high, size=shape).astype(dtype)


def unary_ids(table):
    return [row[0] for row in table]


@pytest.mark.parametrize("name, ref, domain, diff", UNARY, ids=unary_ids(UNARY))
def test_unary_values_on_floats(mode, name, ref, domain, diff):
    fn = getattr(T, name)
    for dtype, rtol in [("float64", 1e-12), ("float32", 2e-5)]:
        x = T.matrix("x", dtype=dtype)
        f = theano.function([x], fn(x), mode=mode)
        value = sample(*domain, (3, 4), dtype)
        got = f(value)
        assert got.dtype == dtype and got.shape == (3, 4)
        np.testing.assert_allclose(got, ref(value.astype("float64")), rtol=rtol, atol=1e-6)
        empty = f(np.zeros((0, 4), dtype=dtype))
        assert empty.shape == (0, 4) and empty.dtype == dtype


@pytest.mark.parametrize("name, ref, domain, diff", UNARY, ids=unary_ids(UNARY))
def test_unary_dtype_rule_on_integers(mode, name, ref, domain, diff):
    fn = getattr(T, name)
    if name == "round_half_to_even":
        with pytest.raises(TypeError, match="float"):
            fn(T.ivector())
        return
    lo, hi = int(np.ceil(domain[0])), int(np.floor(domain[1]))
    values = np.arange(lo, hi + 1)
    for ctor, int_dtype, want in [(T.bvector, "int8", "float32"), (T.ivector, "int32", "float64"),
                                  (T.lvector, "int64", "float64")]:  # fmt: skip
        x = ctor("x")
        out = fn(x)
        # Rounding keeps integers; everything else gives Theano's float for the int width.
        assert out.dtype == (int_dtype if name in ROUNDING else want), (name, int_dtype)
        got = theano.function([x], out, mode=mode)(values.astype(int_dtype))
        assert got.dtype == out.dtype
        np.testing.assert_allclose(got, ref(values.astype("float64")), rtol=2e-6)


DIFFERENTIABLE = [row for row in UNARY if row[3]]


@pytest.mark.parametrize("name, ref, domain, diff", DIFFERENTIABLE, ids=unary_ids(DIFFERENTIABLE))
def test_unary_grad_rop_and_shape(mode, name, ref, domain, diff):
    fn = getattr(T, name)
    value = sample(*domain, (2, 3))
    verify_grad(fn, [value], rng=np.random.default_rng(1), mode=mode)
    x, v = T.dmatrix("x"), T.dmatrix("v")
    rop = theano.function([x, v], T.Rop(fn(x), x, v), mode=mode)
    lop = theano.function([x], T.grad(fn(x).sum(), x), mode=mode)
    direction = sample(-1, 1, (2, 3))
    np.testing.assert_allclose(rop(value, direction), lop(value) * direction, rtol=1e-10)
    check_infer_shape(fn(x), [x], [value], mode, known_dims=True)


@pytest.mark.parametrize("name", sorted(ROUNDING | {"round_half_away_from_zero"}))
def test_rounding_gradient_is_zero(mode, name):
    x = T.dvector("x")
    g = theano.function([x], T.grad(getattr(T, name)(x).sum(), x), mode=mode)
    np.testing.assert_array_equal(g(np.array([0.3, -1.7, 2.5])), np.zeros(3))


@pytest.mark.parametrize("name, ref, dom_a, dom_b", BINARY, ids=unary_ids(BINARY))
def test_binary_values_broadcast_and_grad(mode, name, ref, dom_a, dom_b):
    fn = getattr(T, name)
    r, c = T.drow("r"), T.dcol("c")
    out = fn(r, c)
    assert out.broadcastable == (False, False)
    f = theano.function([r, c], out, mode=mode)
    rv, cv = sample(*dom_a, (1, 4)), sample(*dom_b, (3, 1))
    np.testing.assert_allclose(f(rv, cv), ref(rv, cv), rtol=1e-12)
    assert f(rv[:, :0], cv).shape == (3, 0)
    check_infer_shape(out, [r, c], [rv, cv], mode, known_dims=True)
    a32, b32 = T.fvector("a"), T.fvector("b")
    f32 = theano.function([a32, b32], fn(a32, b32), mode=mode)
    av, bv = sample(*dom_a, 5, "float32"), sample(*dom_b, 5, "float32")
    got = f32(av, bv)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, ref(av.astype("float64"), bv.astype("float64")), rtol=1e-5)
    assert fn(T.bvector(), T.bvector()).dtype == "float32"
    assert fn(T.ivector(), T.bvector()).dtype == "float64"
    if name in ("jv", "iv"):
        # The order gets no gradient: only x is checked.
        order = sample(*dom_a, (2, 3))
        verify_grad(lambda x: fn(order, x), [sample(*dom_b, (2, 3))], mode=mode)
    else:
        verify_grad(fn, [sample(*dom_a, (2, 3)), sample(*dom_b, (2, 3))],
                    rng=np.random.default_rng(2), mode=mode)  # fmt: skip


def test_round_modes_and_iround(mode):
    x = T.dvector("x")
    value = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6])
    f = theano.function([x], [T.round(x), T.round(x, "half_to_even"),
                              T.round(x, "half_away_from_zero"), T.iround(x),
                              T.iround(x, "half_away_from_zero"),
                              T.round_half_away_from_zero(x)], mode=mode)  # fmt: skip
    default, even, away, idefault, iaway, away2 = f(value)
    away_ref = np.sign(value) * np.floor(np.abs(value) + 0.5)
    np.testing.assert_array_equal(default, np.round(value))  # Theano 1.0: half to even
    np.testing.assert_array_equal(even, np.round(value))
    np.testing.assert_array_equal(away, away_ref)
    np.testing.assert_array_equal(away2, away_ref)
    assert idefault.dtype == np.int64 and iaway.dtype == np.int64
    np.testing.assert_array_equal(iaway, away_ref.astype("int64"))
    with pytest.raises(ValueError, match="half_to_even"):
        T.round(x, "up")
    with theano.config.change_flags(**{"warn.round": True}), pytest.warns(UserWarning):
        T.round(x)


def test_floor_and_ceil_keep_integers(mode):
    x = T.ivector("x")
    f = theano.function([x], [T.floor(x), T.ceil(x), T.trunc(x)], mode=mode)
    for out in f(np.array([-3, 0, 7], dtype="int32")):
        assert out.dtype == np.int32
        np.testing.assert_array_equal(out, [-3, 0, 7])


# --------------------------------------------------------------------------- clip


def test_clip_values_dtypes_and_grad(mode):
    x = T.fmatrix("x")
    out = T.clip(x, 0, 1)
    assert out.dtype == "float32"
    f = theano.function([x], out, mode=mode)
    value = sample(-1, 2, (3, 4), "float32")
    got = f(value)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, np.clip(value, 0, 1))
    assert f(np.zeros((0, 4), "float32")).shape == (0, 4)
    # Broadcast bounds: one per column and one per row.
    m, lo, hi = T.dmatrix("m"), T.drow("lo"), T.dcol("hi")
    g = theano.function([m, lo, hi], T.clip(m, lo, hi), mode=mode)
    mv, lov, hiv = sample(-2, 2, (3, 4)), sample(-1, 0, (1, 4)), sample(0, 1, (3, 1))
    np.testing.assert_array_equal(g(mv, lov, hiv), np.clip(mv, lov, hiv))
    # Pass-through inside, zero outside; the bounds get the rest (values away from them).
    value = np.array([-1.5, -0.3, 0.2, 0.8, 1.7])
    xs = T.dvector("xs")
    gx = theano.function([xs], T.grad(T.clip(xs, -0.5, 1.0).sum(), xs), mode=mode)
    np.testing.assert_array_equal(gx(value), [0, 1, 1, 1, 0])
    verify_grad(lambda a, b, c: T.clip(a, b, c),
                [value, np.full(5, -0.5), np.full(5, 1.0)], mode=mode)  # fmt: skip
    check_infer_shape(T.clip(m, lo, hi), [m, lo, hi], [mv, lov, hiv], mode, known_dims=True)


# ---------------------------------------------------------------------- isnan etc.


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_isnan_isinf_isclose_allclose(mode):
    a, b = T.dvector("a"), T.dvector("b")
    av = np.array([1.0, np.nan, np.inf, -np.inf, 1e-9, 0.0, np.inf, np.nan, 1.0])
    bv = np.array([1.0 + 1e-7, np.nan, np.inf, np.inf, 0.0, 1e-3, 1.0, 1.0, 1.1])
    f = theano.function([a, b], [T.isnan(a), T.isinf(a), T.isclose(a, b),
                                 T.isclose(a, b, equal_nan=True),
                                 T.isclose(a, b, rtol=0.2, atol=0.0),
                                 T.allclose(a, b), T.allclose(a, a, equal_nan=True)],
                         mode=mode)  # fmt: skip
    nan, inf, close, close_nan, loose, allc, self_close = f(av, bv)
    assert nan.dtype == bool and inf.dtype == bool
    np.testing.assert_array_equal(nan, np.isnan(av))
    np.testing.assert_array_equal(inf, np.isinf(av))
    np.testing.assert_array_equal(close, np.isclose(av, bv))
    np.testing.assert_array_equal(close_nan, np.isclose(av, bv, equal_nan=True))
    np.testing.assert_array_equal(loose, np.isclose(av, bv, rtol=0.2, atol=0.0))
    assert not allc and self_close
    i = T.ivector("i")
    g = theano.function([i], [T.isnan(i), T.isinf(i)], mode=mode)
    for out in g(np.array([1, 2], dtype="int32")):
        assert out.dtype == bool and not out.any()
    assert T.isnan(T.fvector()).dtype == "bool"


# ------------------------------------------------------------------------ bitwise


def test_bitwise_functions_and_aliases(mode):
    a, b = T.imatrix("a"), T.irow("b")
    av = RNG.integers(-50, 50, size=(3, 4)).astype("int32")
    bv = RNG.integers(-50, 50, size=(1, 4)).astype("int32")
    f = theano.function([a, b], [T.and_(a, b), T.or_(a, b), T.xor(a, b), T.invert(a)],
                        mode=mode)  # fmt: skip
    for got, want in zip(f(av, bv), [av & bv, av | bv, av ^ bv, ~av]):
        assert got.dtype == np.int32
        np.testing.assert_array_equal(got, want)
    assert T.bitwise_and is T.and_ and T.bitand is T.and_ and T.bitwise_or is T.or_
    assert T.bitor is T.or_ and T.bitwise_xor is T.xor and T.bitxor is T.xor
    assert T.bitwise_not is T.invert
    p, q = T.vector("p", dtype="bool"), T.vector("q", dtype="bool")
    g = theano.function([p, q], [T.and_(p, q), T.or_(p, q), T.xor(p, q), T.invert(p)],
                        mode=mode)  # fmt: skip
    pv, qv = np.array([True, True, False, False]), np.array([True, False, True, False])
    for got, want in zip(g(pv, qv), [pv & qv, pv | qv, pv ^ qv, ~pv]):
        assert got.dtype == bool
        np.testing.assert_array_equal(got, want)
    with pytest.raises(TypeError, match="integer or bool"):
        T.and_(T.fvector(), T.ivector())
    # Comparisons combined with & give a zero gradient, like the comparisons themselves.
    x = T.dvector("x")
    mask = T.and_(T.gt(x, 0), T.lt(x, 1))
    grad = theano.function([x], T.grad(T.switch(mask, x, 0).sum(), x), mode=mode)
    np.testing.assert_array_equal(grad(np.array([-1.0, 0.5, 2.0])), [0, 1, 0])


# ------------------------------------------------------------------------ complex


def test_complex_functions(mode):
    x, y = T.fvector("x"), T.fvector("y")
    z = T.complex(x, y)
    assert z.dtype == "complex64"
    assert T.complex(T.dvector(), T.fvector()).dtype == "complex128"
    parts = [T.real(z), T.imag(z), T.angle(z), T.abs_(z)]
    assert [p.dtype for p in parts] == ["float32"] * 4
    f = theano.function([x, y], [z, *parts, T.conj(z), T.complex_from_polar(x, y)], mode=mode)
    xv, yv = sample(-2, 2, 5, "float32"), sample(-2, 2, 5, "float32")
    zz, re, im, ang, mod, cj, polar = f(xv, yv)
    want = xv + 1j * yv
    assert zz.dtype == np.complex64 and polar.dtype == np.complex64
    np.testing.assert_allclose(zz, want, rtol=1e-6)
    np.testing.assert_allclose(re, xv)
    np.testing.assert_allclose(im, yv)
    np.testing.assert_allclose(ang, np.angle(want), rtol=1e-5)
    np.testing.assert_allclose(mod, np.abs(want), rtol=1e-5)
    np.testing.assert_allclose(cj, np.conj(want), rtol=1e-6)
    np.testing.assert_allclose(polar, xv * np.exp(1j * yv), rtol=1e-5, atol=1e-6)
    c = T.cvector("c")
    g = theano.function([c], [T.real(c), T.imag(c), T.conj(c)], mode=mode)
    cv = (xv + 1j * yv).astype("complex64")
    for got, want in zip(g(cv), [cv.real, cv.imag, cv.conj()]):
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want)


@pytest.mark.parametrize("build", [
    lambda x, y: T.abs_(T.complex(x, y)),
    lambda x, y: T.angle(T.complex(x, y)),
    lambda x, y: T.real(T.complex(x, y) * T.complex(y, x)),
    lambda x, y: T.imag(T.conj(T.complex(x, y)) * T.complex(y, x)),
    lambda r, t: T.real(T.complex_from_polar(r, t)) + 2 * T.imag(T.complex_from_polar(r, t)),
], ids=["abs", "angle", "real_of_product", "imag_of_conj", "polar"])  # fmt: skip
def test_complex_gradients_through_real_costs(mode, build):
    values = [sample(0.5, 2, (2, 3)), sample(0.5, 2, (2, 3))]
    verify_grad(build, values, rng=np.random.default_rng(3), mode=mode)


# ------------------------------------------------------------------------ inplace


def test_inplace_functions(mode):
    x = T.dvector("x")
    value = np.array([0.5, 1.0, 2.0])
    for name, ref in [("exp", np.exp), ("sqr", np.square), ("neg", np.negative),
                      ("erf", sp.erf), ("floor", np.floor), ("log2", np.log2)]:  # fmt: skip
        fn = getattr(inplace, f"{name}_inplace")
        out = fn(x * 1.5)  # an intermediate value: nothing else reads it
        assert str(out.owner.op) == f"Elemwise{{{out.owner.op.scalar_op},inplace}}"
        assert out.owner.op.destroy_map == {0: [0]}
        got = theano.function([x], out, mode=mode, accept_inplace=True)(value)
        np.testing.assert_allclose(got, ref(value * 1.5))
    y = T.dvector("y")
    for name, ref in [("add", np.add), ("mul", np.multiply), ("arctan2", np.arctan2),
                      ("maximum", np.maximum), ("pow", np.power)]:  # fmt: skip
        out = getattr(inplace, f"{name}_inplace")(x * 2.0, y)
        f = theano.function([x, y], out, mode=mode, accept_inplace=True)
        got = f(value, value[::-1].copy())
        np.testing.assert_allclose(got, ref(value * 2.0, value[::-1]))
    np.testing.assert_array_equal(value, [0.5, 1.0, 2.0])  # the inputs were not touched
    assert inplace.abs_inplace is inplace.abs__inplace
    with pytest.raises(TypeError, match="exp_inplace.*int32"):
        inplace.exp_inplace(T.ivector())
    with pytest.raises(TypeError, match="add_inplace"):
        inplace.add_inplace(T.drow(), T.dmatrix())  # the result does not fit a row


def test_every_function_has_an_inplace_version():
    names = [
        "exp",
        "add",
        "sqr",
        "neg",
        "sub",
        "true_div",
        "sin",
        "tanh",
        "sigmoid",
        "ceil",
        "round_half_to_even",
        "xor",
        "invert",
        "gammaln",
        "psi",
        "real",
        "complex",
    ]
    for name in names:
        assert callable(getattr(inplace, f"{name}_inplace")), name
    assert T.inplace is inplace


# ---------------------------------------------------------------- fusion and numba


def test_fused_chain_of_new_ops(mode):
    x, y = T.dmatrix("x"), T.drow("y")
    expr = (T.erf(T.arctan2(x, y)) * T.log2(T.cosh(x) + 1) - T.floor(T.exp2(x))
            + T.clip(T.arcsinh(y), -0.5, 0.5))  # fmt: skip
    xv, yv = sample(-1, 1, (3, 4)), sample(0.2, 1, (1, 4))
    want = (sp.erf(np.arctan2(xv, yv)) * np.log2(np.cosh(xv) + 1) - np.floor(np.exp2(xv))
            + np.clip(np.arcsinh(yv), -0.5, 0.5))  # fmt: skip
    np.testing.assert_allclose(theano.function([x, y], expr, mode=mode)(xv, yv), want,
                               rtol=1e-12)  # fmt: skip


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_numba_kernel_fuses_new_ops(tmp_path, dtype):
    pytest.importorskip("numba")
    from theano.compile.mode import FAST_RUN, Mode

    x, y = T.vectors("x", "y", dtype=dtype)
    expr = (T.erf(x) * T.log10(T.cosh(y) + 2) + T.arctan2(x, y) - T.ceil(T.exp2(x))
            + T.gammaln(y + 3) + T.clip(T.sinh(x), -0.5, 0.5) + T.round(x, "half_away_from_zero")
            + T.xlogx(y * y + 1) + T.cast(T.and_(T.isnan(x), T.invert(T.isinf(y))), dtype))  # fmt: skip
    with theano.change_flags(base_compiledir=str(tmp_path), **{"numba.kernels": "all"}):
        fast = theano.function([x, y], expr, mode=Mode("numba_sync", FAST_RUN.phases))
        slow = theano.function([x, y], expr, mode="FAST_COMPILE")
        assert fast.tier == "numba" and "_kernel" in fast.call_source
        xv, yv = sample(-2, 2, 200, dtype), sample(-2, 2, 200, dtype)
        xv[:4] = [0.5, -1.5, 2.5, np.nan]
        got = fast(xv, yv)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, slow(xv, yv), rtol=1e-5 if dtype == "float32" else 1e-12,
                                   atol=1e-5)  # fmt: skip
