"""Creation and diagonal ops (`theano/tensor/creation.py`) against NumPy, with gradients."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.configdefaults import config
from theano.gradient import verify_grad
from theano.tensor import creation as C
from theano.testing import check_infer_shape, check_rop

rng = np.random.default_rng(0)


# ------------------------------------------------------------------ zeros, ones, empty


def test_zeros_ones_empty(mode):
    n = T.lscalar("n")
    x = T.fmatrix("x")
    outs = [
        C.zeros((n, 3)),
        C.ones(x.shape, dtype="int32"),
        C.zeros(4, dtype="int8"),
        C.ones([2, n, 0]),
        C.zeros(()),
        C.empty((n, 2), dtype="float32"),
        C.ones(n),
    ]
    f = theano.function([n, x], outs, mode=mode)
    z, o, z8, o3, z0, e, o1 = f(3, np.zeros((2, 5), dtype="float32"))
    np.testing.assert_array_equal(z, np.zeros((3, 3)))
    assert z.dtype == config.floatX
    np.testing.assert_array_equal(o, np.ones((2, 5), dtype="int32"))
    assert o.dtype == "int32" and z8.dtype == "int8" and z8.shape == (4,)
    assert o3.shape == (2, 3, 0) and z0.shape == () and float(z0) == 0
    assert e.shape == (3, 2) and e.dtype == "float32"
    np.testing.assert_array_equal(o1, np.ones(3))


def test_zeros_broadcastable_pattern():
    assert C.zeros((1, 3)).broadcastable == (True, False)
    assert C.ones((T.lscalar(), 1)).broadcastable == (False, True)
    with pytest.raises(TypeError, match="integer"):
        C.zeros((T.dscalar(), 2))


# --------------------------------------------------------------------------- arange


@pytest.mark.parametrize(
    "args", [(5,), (0,), (2, 9), (2, 9, 3), (9, 2, -2), (5, 2), (-3, 4, 2), (0.5, 3.2, 0.4),
             (3.0, -1.0, -0.75)]
)  # fmt: skip
def test_arange_against_numpy(mode, args):
    syms = [T.dscalar() if isinstance(a, float) else T.lscalar() for a in args]
    out = C.arange(*syms)
    f = theano.function(syms, out, mode=mode)
    np.testing.assert_allclose(f(*args), np.arange(*args))
    check_infer_shape(out, syms, list(args))


def test_arange_dtypes():
    assert C.arange(5).dtype == "int64"
    assert C.arange(T.iscalar()).dtype == "int64"
    assert C.arange(T.bscalar(), T.iscalar()).dtype == "int64"
    assert C.arange(T.fscalar()).dtype == "float32"
    assert C.arange(T.dscalar()).dtype == "float64"
    assert C.arange(1, T.fscalar(), 2).dtype == "float32"
    assert C.arange(3, dtype="float32").dtype == "float32"
    assert C.arange(3, dtype="floatX").dtype == config.floatX
    with config.change_flags(cast_policy="numpy+floatX", floatX="float32"):
        assert C.arange(T.iscalar()).dtype == "int64"
        f32 = T.fscalar()
        assert C.arange(f32, f32, f32).dtype == "float32"
        assert C.arange(T.fscalar()).dtype == "float64"  # int64 0 and float32 upcast
    with pytest.raises(TypeError, match="scalar"):
        C.arange(T.lvector())


def test_arange_constant_folds_and_gradient(mode):
    f = theano.function([], C.arange(1, 10, 3), mode=mode)
    np.testing.assert_array_equal(f(), [1, 4, 7])
    verify_grad(lambda a: C.arange(a.sum(), 5.0, 0.7), [np.array([0.3])], rng=rng)
    verify_grad(lambda s: C.arange(0.0, 4.0, s.sum()), [np.array([0.45])], rng=rng)


def test_mgrid_ogrid(mode):
    n = T.lscalar("n")
    dense = C.mgrid[0:n, 1:7:2]
    opened = C.ogrid[0:n, 1:7:2]
    single = C.mgrid[2:n]
    f = theano.function([n], [*dense, *opened, single], mode=mode)
    d0, d1, o0, o1, s = f(4)
    want = np.mgrid[0:4, 1:7:2]
    np.testing.assert_array_equal(d0, want[0])
    np.testing.assert_array_equal(d1, want[1])
    wo = np.ogrid[0:4, 1:7:2]
    np.testing.assert_array_equal(o0, wo[0])
    np.testing.assert_array_equal(o1, wo[1])
    np.testing.assert_array_equal(s, np.mgrid[2:4])
    assert opened[0].broadcastable == (False, True)
    with pytest.raises(NotImplementedError):
        C.mgrid[0:1:5j]


# ---------------------------------------------------------------------- eye and tri


@pytest.mark.parametrize("n,m,k", [(3, None, 0), (3, 5, 1), (4, 2, -1), (3, 3, 5), (0, 2, 0)])
def test_eye_and_tri(mode, n, m, k):
    ns, ms, ks = T.lscalar("n"), T.lscalar("m"), T.lscalar("k")
    mm = ns if m is None else ms
    outs = [C.eye(ns, mm, ks), C.eye(ns, mm, ks, dtype="int8"), C.tri(ns, mm, ks),
            C.tri(ns, mm, ks, dtype="int32")]  # fmt: skip
    f = theano.function([ns, ms, ks], outs, mode=mode, on_unused_input="ignore")
    e, e8, t, t32 = f(n, 0 if m is None else m, k)
    np.testing.assert_array_equal(e, np.eye(n, m, k))
    assert e.dtype == config.floatX and e8.dtype == "int8"
    np.testing.assert_array_equal(e8, np.eye(n, m, k))
    np.testing.assert_array_equal(t, np.tri(n, m, k))
    assert t.dtype == config.floatX and t32.dtype == "int32"
    check_infer_shape(outs[0], [ns, ms, ks], [n, 0 if m is None else m, k])


def test_eye_constant_args_and_identity_like(mode):
    x = T.imatrix("x")
    f = theano.function([x], [C.eye(3), C.identity_like(x)], mode=mode)
    e, i = f(np.zeros((2, 4), dtype="int32"))
    np.testing.assert_array_equal(e, np.eye(3))
    np.testing.assert_array_equal(i, np.eye(2, 4))
    assert i.dtype == "int32"


@pytest.mark.parametrize("k", [-2, -1, 0, 1, 3])
@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (2, 3, 4), (0, 3)])
def test_tril_triu(mode, shape, k):
    x = T.TensorType("float64", (False,) * len(shape))("x")
    f = theano.function([x], [C.tril(x, k), C.triu(x, k)], mode=mode)
    v = rng.normal(size=shape)
    lo, up = f(v)
    np.testing.assert_array_equal(lo, np.tril(v, k))
    np.testing.assert_array_equal(up, np.triu(v, k))


def test_tril_keeps_type_and_nan(mode):
    r = T.drow("r")
    assert C.tril(r).type == r.type and C.triu(T.imatrix()).dtype == "int32"
    x = T.dmatrix("x")
    f = theano.function([x], C.tril(x), mode=mode)
    v = np.full((2, 2), np.inf)
    np.testing.assert_array_equal(f(v), np.tril(v))  # zeros above, not inf * 0
    with pytest.raises(TypeError, match="2 or more"):
        C.tril(T.dvector())


def test_tri_gradients():
    m = [rng.normal(size=(3, 4))]
    verify_grad(lambda a: C.tril(a, 1), m, rng=rng)
    verify_grad(lambda a: C.triu(a, -1), m, rng=rng)
    verify_grad(lambda a: C.tril(a), [rng.normal(size=(2, 3, 3))], rng=rng)


# ------------------------------------------------------------------------ diagonals


@pytest.mark.parametrize("k", [-2, 0, 1, 3])
def test_diag_of_vector_and_matrix(mode, k):
    v, m = T.dvector("v"), T.dmatrix("m")
    f = theano.function([v, m], [C.diag(v, k), C.diag(m, k)], mode=mode)
    vv, mv = rng.normal(size=3), rng.normal(size=(3, 4))
    a, b = f(vv, mv)
    np.testing.assert_array_equal(a, np.diag(vv, k))
    np.testing.assert_array_equal(b, np.diag(mv, k))
    check_infer_shape(C.diag(v, k), [v], [vv])
    check_infer_shape(C.diag(m, k), [m], [mv])


def test_diag_errors():
    with pytest.raises(ValueError, match="1 or more"):
        C.diag(T.dscalar())
    with pytest.raises(ValueError, match="same"):
        C.diagonal(T.dmatrix(), 0, 1, -1)


@pytest.mark.parametrize(
    "shape,offset,axis1,axis2",
    [((3, 4), 0, 0, 1), ((3, 4), 2, 1, 0), ((2, 3, 4), -1, 2, 0), ((2, 3, 4), 1, -1, -2),
     ((3, 3, 2), 0, 0, 1), ((2, 0), 0, 0, 1)],
)  # fmt: skip
def test_diagonal_and_trace(mode, shape, offset, axis1, axis2):
    x = T.TensorType("float64", (False,) * len(shape))("x")
    d = C.diagonal(x, offset, axis1, axis2)
    t = C.trace(x, offset, axis1, axis2)
    f = theano.function([x], [d, t], mode=mode)
    v = rng.normal(size=shape)
    got_d, got_t = f(v)
    np.testing.assert_array_equal(got_d, np.diagonal(v, offset, axis1, axis2))
    np.testing.assert_allclose(got_t, np.trace(v, offset, axis1, axis2))
    check_infer_shape(d, [x], [v])
    # the result is a copy: writing to it leaves the input alone
    got_d[...] = 7
    assert not np.any(v == 7)


def test_trace_of_ints(mode):
    x = T.imatrix("x")
    f = theano.function([x], C.trace(x), mode=mode)
    v = np.arange(9, dtype="int32").reshape(3, 3)
    assert int(f(v)) == np.trace(v)


def test_diagonal_gradients():
    verify_grad(lambda a: C.diag(a, 1), [rng.normal(size=4)], rng=rng)
    verify_grad(lambda a: C.diag(a, -1), [rng.normal(size=(3, 4))], rng=rng)
    verify_grad(lambda a: C.diagonal(a, -1, 2, 0), [rng.normal(size=(3, 2, 4))], rng=rng)
    verify_grad(lambda a: C.trace(a), [rng.normal(size=(3, 4))], rng=rng)
    verify_grad(lambda a: C.diagonal(a, 1).sum() * C.diag(a), [rng.normal(size=(3, 3))], rng=rng)


def test_diagonal_rop_and_grad_infer_shape(mode):
    check_rop(lambda a: C.diag(a, 1), [rng.normal(size=3)], mode, [rng.normal(size=3)], atol=1e-6)
    check_rop(
        lambda a: C.diagonal(a, -1),
        [rng.normal(size=(3, 4))],
        mode,
        [rng.normal(size=(3, 4))],
        atol=1e-6,
    )
    x = T.dmatrix("x")
    g = T.grad(C.diagonal(x, 1).sum(), x)
    v = rng.normal(size=(3, 4))
    np.testing.assert_array_equal(theano.function([x], g, mode=mode)(v), np.eye(3, 4, 1))
    check_infer_shape(g, [x], [v])


# --------------------------------------------------------------------- tile and roll


@pytest.mark.parametrize(
    "shape,reps",
    [((3,), 2), ((3,), (2, 3)), ((2, 3), (2, 1)), ((2, 3), 3), ((2, 3), (1, 2, 2)), ((0, 2), 2),
     ((2, 3), (0, 2)), ((), (2, 2))],
)  # fmt: skip
def test_tile_against_numpy(mode, shape, reps):
    x = T.TensorType("float64", (False,) * len(shape))("x")
    out = C.tile(x, reps)
    f = theano.function([x], out, mode=mode)
    v = rng.normal(size=shape)
    np.testing.assert_array_equal(f(v), np.tile(v, reps))
    if out.owner is not None and isinstance(out.owner.op, C.Tile):
        check_infer_shape(out, [x], [v])


def test_tile_symbolic_reps(mode):
    x = T.dmatrix("x")
    r0, r1 = T.lscalars("r0", "r1")
    rv = T.lvector("rv")
    outs = [C.tile(x, [r0, r1]), C.tile(x, r0), C.tile(x, rv, ndim=3), C.tile(x, rv, ndim=2)]
    f = theano.function([x, r0, r1, rv], outs, mode=mode, on_unused_input="ignore")
    v = rng.normal(size=(2, 3))
    a, b, c, d = f(v, 2, 3, np.array([2, 1, 2]))
    np.testing.assert_array_equal(a, np.tile(v, (2, 3)))
    np.testing.assert_array_equal(b, np.tile(v, 2))
    np.testing.assert_array_equal(c, np.tile(v, (2, 1, 2)))
    _, _, _, d = f(v, 2, 3, np.array([3]))
    np.testing.assert_array_equal(d, np.tile(v, 3))
    with pytest.raises(ValueError, match="ndim"):
        C.tile(x, rv)
    with pytest.raises(ValueError, match="less than"):
        C.tile(x, 2, ndim=1)


def test_tile_broadcastable_and_gradient():
    r = T.drow("r")
    assert C.tile(r, (1, 3)).broadcastable == (True, False)
    assert C.tile(r, (2, 3)).broadcastable == (False, False)
    verify_grad(lambda a: C.tile(a, (2, 3)), [rng.normal(size=(2, 3))], rng=rng)
    verify_grad(lambda a: C.tile(a, 2, ndim=3), [rng.normal(size=(2, 2))], rng=rng)
    verify_grad(lambda a: C.tile(a.dimshuffle("x", 0), (3, 2)), [rng.normal(size=3)], rng=rng)


def test_tile_rop(mode):
    check_rop(
        lambda a: C.tile(a, (2, 1, 2)),
        [rng.normal(size=(2, 3))],
        mode,
        [rng.normal(size=(2, 3))],
        atol=1e-6,
    )


@pytest.mark.parametrize(
    "shape,shift,axis",
    [((5,), 2, None), ((5,), -7, 0), ((3, 4), 1, None), ((3, 4), -1, 1), ((3, 4), 5, -2),
     ((2, 3, 4), (1, 2), (0, 2)), ((0, 3), 1, 1)],
)  # fmt: skip
def test_roll_against_numpy(mode, shape, shift, axis):
    x = T.TensorType("float64", (False,) * len(shape))("x")
    out = C.roll(x, shift, axis)
    f = theano.function([x], out, mode=mode)
    v = rng.normal(size=shape)
    np.testing.assert_array_equal(f(v), np.roll(v, shift, axis))


def test_roll_symbolic_shift_gradient_and_shape(mode):
    x = T.dmatrix("x")
    s = T.iscalar("s")
    out = C.roll(x, s, axis=1)
    f = theano.function([x, s], out, mode=mode)
    v = rng.normal(size=(3, 4))
    np.testing.assert_array_equal(f(v, -3), np.roll(v, -3, 1))
    check_infer_shape(out, [x, s], [v, 2])
    verify_grad(lambda a: C.roll(a, 2), [v], rng=rng)
    verify_grad(lambda a: C.roll(a, -1, 1), [v], rng=rng)
    check_rop(lambda a: C.roll(a, 1, 0), [v], mode, [rng.normal(size=(3, 4))], atol=1e-6)
    with pytest.raises(ValueError, match="out of range"):
        C.roll(x, 1, axis=2)


def test_infer_shape_of_creation_ops():
    n, m = T.lscalars("n", "m")
    check_infer_shape(C.arange(n, m, 2), [n, m], [1, 8])
    check_infer_shape(C.eye(n, m, 1), [n, m], [2, 5])
    check_infer_shape(C.empty((n, m)), [n, m], [2, 5])
    x = T.dmatrix("x")
    check_infer_shape(C.tile(x, (n, 2)), [x, n], [np.ones((2, 3)), 3])
    check_infer_shape(C.roll(x, n), [x, n], [np.ones((2, 3)), 3])
