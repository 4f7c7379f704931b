"""Basic indexing: `Subtensor` (``x[i, a:b]``) and `IncSubtensor` (set/add into a slice).

Compiled results are compared with NumPy under both modes, with constant and symbolic
indices; gradients are checked with `verify_grad`, R_op against finite differences,
and `infer_shape` against the real output shape.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import theano
import theano.tensor as T
from theano.tensor.subtensor import IncSubtensor, Subtensor
from theano.testing import check_infer_shape, check_rop, grad_check, tensor

RNG = np.random.default_rng(0)


# -------------------------------------------------------------------------- Subtensor

CONSTANT_INDICES = [
    1, -1, (1, 2), (slice(1, 3),), (slice(None, None, -1),), (slice(None), 0),
    (slice(None, None, 2), slice(1, None)), (-2, slice(None, -1)), (slice(5, 10),),
    (Ellipsis, 1), (None, 1), (slice(None), None, slice(0, 2)), (slice(-3, None, 2), -1),
]  # fmt: skip


@pytest.mark.parametrize("idx", CONSTANT_INDICES, ids=str)
def test_constant_indices(mode, idx):
    x = T.dmatrix("x")
    out = x[idx]
    a = RNG.normal(size=(3, 4))
    want = a[idx]
    assert out.ndim == want.ndim
    got = theano.function([x], out, mode=mode)(a)
    np.testing.assert_array_equal(got, want)
    if out.owner is not None and isinstance(out.owner.op, Subtensor):
        check_infer_shape(out, [x], [a], mode, known_dims=True)
    grad_check(lambda v: v[idx] * 2, [a], mode)
    check_rop(lambda v: v[idx], [a], mode)


def test_symbolic_indices(mode):
    x = T.dtensor3("x")
    i, j, k = T.lscalars("i", "j", "k")
    b = T.iscalar("b")  # other integer dtypes index too
    outs = [x[i], x[i, j], x[i:j], x[:, i:, b], x[::k], x[i:j:k, -1], x[-i]]
    a = RNG.normal(size=(4, 5, 6))
    f = theano.function([x, i, j, k, b], outs, mode=mode, on_unused_input="ignore")
    for iv, jv, kv, bv in [(1, 3, 1, 2), (0, 4, 2, -1), (2, -1, -1, 0), (3, 1, -2, 5)]:
        wants = [a[iv], a[iv, jv], a[iv:jv], a[:, iv:, bv], a[::kv], a[iv:jv:kv, -1], a[-iv]]
        for got, want in zip(f(a, iv, jv, kv, bv), wants):
            np.testing.assert_array_equal(got, want)
        for out in outs:
            check_infer_shape(out, [x, i, j, k, b], [a, iv, jv, kv, bv], mode, known_dims=True)


def test_symbolic_index_gradient_and_rop(mode):
    x, i, j = T.dmatrix("x"), T.lscalar("i"), T.lscalar("j")
    a = RNG.normal(size=(4, 3))
    cost = (x[i:j, 1] ** 2).sum()
    g = theano.function([x, i, j], theano.grad(cost, x), mode=mode)
    want = np.zeros_like(a)
    want[1:3, 1] = 2 * a[1:3, 1]
    np.testing.assert_allclose(g(a, 1, 3), want)
    v = T.dmatrix("v")
    rop = theano.function([x, v, i], T.Rop(x[i] * x[i], x, v), mode=mode)
    d = RNG.normal(size=(4, 3))
    np.testing.assert_allclose(rop(a, d, 2), 2 * a[2] * d[2])


def test_subtensor_types_and_str():
    x = T.dmatrix("x")
    assert str((x[1:3]).owner.op) == "Subtensor{int64:int64}"
    assert str(x[0].owner.op) == "Subtensor{int64}"
    assert str(x[:, 1].owner.op) == "Subtensor{:, int64}"
    assert x[0].broadcastable == (False,)
    assert x[0, 0].ndim == 0
    assert x[:] is x and x[...] is x
    r = T.drow("r")
    assert r[:, 1:].broadcastable == (True, False)
    assert r[0:1].broadcastable == (False, False)  # a slice's length is not known
    assert x[None].broadcastable == (True, False, False)
    assert x[0].dtype == "float64"
    assert T.imatrix()[0].dtype == "int32"


def test_subtensor_is_a_view():
    # Subtensor declares a view of its input; the result shares memory when compiled.
    assert Subtensor(["i"]).view_map == {0: [0]}


def test_index_errors(mode):
    x = T.dmatrix("x")
    with pytest.raises(IndexError, match="too many indices"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="ellipsis"):
        x[..., 0, ...]
    with pytest.raises(TypeError, match="integer"):
        x[T.dscalar()]
    with pytest.raises(TypeError, match="integer"):
        x[1.5]
    with pytest.raises(TypeError, match="boolean"):
        x[True]
    with pytest.raises(TypeError, match="index 1 .*float64"):
        x[0, T.dvector("fv")]
    with pytest.raises(TypeError, match="slice stop"):
        x[0:1.5]
    i = T.lscalar("i")
    f = theano.function([x, i], x[i], mode=mode)
    with pytest.raises(IndexError):
        f(np.zeros((2, 3)), 5)


_SLICE_PART = st.one_of(st.none(), st.integers(-6, 6))
_STEP = st.one_of(st.none(), st.integers(-3, 3).filter(bool))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(start=_SLICE_PART, stop=_SLICE_PART, step=_STEP, n=st.integers(0, 5))
def test_property_symbolic_slices_match_numpy(mode, start, stop, step, n):
    """Any slice, its bounds given at call time, gives NumPy's result and inferred length."""
    f = _slice_fn(mode, tuple(v is None for v in (start, stop, step)))
    a = np.arange(float(n))
    got, length = f(a, *[v for v in (start, stop, step) if v is not None])
    np.testing.assert_array_equal(got, a[start:stop:step])
    assert length == len(a[start:stop:step])


_SLICE_FNS = {}


def _slice_fn(mode, omitted):
    """A function of ``x`` and the given slice bounds, giving ``x[slice]`` and its length."""
    if (mode, omitted) not in _SLICE_FNS:
        x = T.dvector("x")
        parts = [None if none else T.lscalar() for none in omitted]
        out = x[slice(*parts)]
        if out.owner is None:  # x[:] is x
            length = T.shape_i(x, 0)
        else:
            node = out.owner
            in_shapes = [[T.shape_i(x, 0)]] + [[]] * (len(node.inputs) - 1)
            length = node.op.infer_shape(node, in_shapes)[0][0]
        given_parts = [p for p in parts if p is not None]
        _SLICE_FNS[mode, omitted] = theano.function([x, *given_parts], [out, length], mode=mode)
    return _SLICE_FNS[mode, omitted]


# ----------------------------------------------------------------------- IncSubtensor

INC_CASES = [
    # index, y shape
    ((1,), (4,)),
    ((slice(1, 3),), (2, 4)),
    ((slice(None), 2), (3,)),
    ((slice(None, None, 2), slice(1, 3)), (2, 2)),
    ((-1, -1), ()),
    ((slice(0, 2),), (4,)),  # y broadcasts against the slice
]


@pytest.mark.parametrize("idx, y_shape", INC_CASES, ids=str)
@pytest.mark.parametrize("kind", ["set", "inc"])
def test_set_and_inc_subtensor(mode, idx, y_shape, kind):
    x, y = T.dmatrix("x"), tensor("float64", len(y_shape), "y")
    fn = T.set_subtensor if kind == "set" else T.inc_subtensor
    out = fn(x[idx], y)
    assert isinstance(out.owner.op, IncSubtensor) and out.type == x.type
    a, b = RNG.normal(size=(3, 4)), RNG.normal(size=y_shape)
    want = a.copy()
    if kind == "set":
        want[idx] = b
    else:
        want[idx] += b
    f = theano.function([x, y], out, mode=mode)
    np.testing.assert_array_equal(f(a, b), want)
    check_infer_shape(out, [x, y], [a, b], mode, known_dims=True)
    grad_check(lambda p, q: fn(p[idx], q) * 1.5, [a, b], mode)
    check_rop(lambda p, q: fn(p[idx], q), [a, b], mode)


def test_inc_subtensor_does_not_modify_its_input(mode):
    x, y = T.dvector("x"), T.dscalar("y")
    f = theano.function([x, y], [T.inc_subtensor(x[1], y), T.set_subtensor(x[0], y)], mode=mode)
    a = np.zeros(3)
    inc, st_ = f(a, 5.0)
    np.testing.assert_array_equal(a, np.zeros(3))
    np.testing.assert_array_equal(inc, [0, 5, 0])
    np.testing.assert_array_equal(st_, [5, 0, 0])


def test_set_subtensor_symbolic_index(mode):
    x, y, i = T.dmatrix("x"), T.dvector("y"), T.lscalar("i")
    out = T.set_subtensor(x[i, 1:], y)
    a, b = RNG.normal(size=(3, 4)), RNG.normal(size=3)
    got = theano.function([x, y, i], out, mode=mode)(a, b, 2)
    want = a.copy()
    want[2, 1:] = b
    np.testing.assert_array_equal(got, want)
    check_infer_shape(out, [x, y, i], [a, b, 2], mode, known_dims=True)
    gx, gy = theano.grad((out**2).sum(), [x, y])
    gxv, gyv = theano.function([x, y, i], [gx, gy], mode=mode)(a, b, 2)
    wx = 2 * a
    wx[2, 1:] = 0  # overwritten entries get no gradient
    np.testing.assert_allclose(gxv, wx)
    np.testing.assert_allclose(gyv, 2 * b)


def test_inc_subtensor_str_and_errors():
    x = T.dmatrix("x")
    assert str(T.set_subtensor(x[0], T.dvector()).owner.op) == "SetSubtensor{no_inplace}"
    assert str(T.inc_subtensor(x[0], T.dvector()).owner.op) == "IncSubtensor{no_inplace}"
    with pytest.raises(TypeError, match="indexed tensor"):
        T.set_subtensor(x, x)
    with pytest.raises(TypeError, match="0-dimensional subtensor with a 1-dimensional"):
        T.set_subtensor(x[0, 0], T.dvector())
    with pytest.raises(TypeError, match="1-dimensional subtensor with a 2-dimensional"):
        T.inc_subtensor(x[1], x)


def test_shape_mismatch_in_set_subtensor_raises(mode):
    x, y = T.dmatrix("x"), T.dvector("y")
    f = theano.function([x, y], T.set_subtensor(x[0], y), mode=mode)
    with pytest.raises(ValueError):
        f(np.zeros((2, 3)), np.zeros(2))


def test_newaxis_indexes_a_view_with_the_new_axes(mode):
    """``x[None, 1:3]`` indexes ``x.dimshuffle('x', 0, 1)``, so set/inc return that base."""
    x, y = T.dmatrix("x"), T.dmatrix("y")
    sub = x[None, 1:3]
    assert isinstance(sub.owner.op, Subtensor)
    assert sub.owner.inputs[0].broadcastable == (True, False, False)
    out = T.set_subtensor(sub, y)
    assert out.broadcastable == (True, False, False)
    a, b = RNG.normal(size=(3, 4)), RNG.normal(size=(2, 4))
    got = theano.function([x, y], out, mode=mode)(a, b)
    want = a.copy()
    want[1:3] = b
    np.testing.assert_array_equal(got, want[None])
    grad_check(lambda p, q: T.inc_subtensor(p[None, 1:3], q), [a, b], mode)


def test_index_with_a_list_of_scalars(mode):
    x, i = T.dvector("x"), T.lscalar("i")
    a = np.arange(5.0)
    f = theano.function([x, i], [x[[i, 0]], x[i, ...], x[..., i]], mode=mode)
    got = f(a, 3)
    for g, w in zip(got, [a[[3, 0]], a[3, ...], a[..., 3]]):
        np.testing.assert_array_equal(g, w)
