"""Advanced indexing (integer arrays, boolean masks), its set/increment forms, `take` and
`nonzero`, compared with NumPy under both modes; gradients by `verify_grad`, R_op by
central differences, `infer_shape` against the computed shape.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import theano
import theano.tensor as T
from theano.gradient import DisconnectedInputError
from theano.tensor import subtensor as S
from theano.testing import check_infer_shape, check_rop, grad_check, tensor

RNG = np.random.default_rng(0)


def symbolic_index(idx):
    """``idx`` with its arrays replaced by symbolic variables; returns (index, vars, values)."""
    sym, variables, values = [], [], []
    for k, e in enumerate(idx):
        if isinstance(e, np.ndarray):
            v = T.TensorType(str(e.dtype), (False,) * e.ndim)(f"i{k}")
            sym.append(v)
            variables.append(v)
            values.append(e)
        else:
            sym.append(e)
    return tuple(sym), variables, values


def np_inc(a, idx, b):
    out = a.copy()
    np.add.at(out, idx, b)
    return out


def np_set(a, idx, b):
    out = a.copy()
    out[idx] = b
    return out


I = np.array  # short for the index arrays in the tables
MASK = I([[True, False, True, False], [False, False, True, True], [True, True, False, False]])

# (index into a (3, 4, 5) tensor, the expected op class)
CASES = [
    ((I([0, 2, 2, -1]),), S.AdvancedSubtensor1),
    ((I([[0, 1], [2, 0]]),), S.AdvancedSubtensor),
    ((slice(None), I([1, 3])), S.AdvancedSubtensor),
    ((I([0, 1, 2]), I([1, 2, 3])), S.AdvancedSubtensor),
    ((I([[0], [2]]), slice(None), I([1, 2, 4])), S.AdvancedSubtensor),  # broadcast, apart
    ((slice(1, 3), I([0, 3]), I([[1], [4]])), S.AdvancedSubtensor),  # adjacent after a slice
    ((1, slice(None), I([0, 4])), S.AdvancedSubtensor),  # int + array apart: advanced first
    ((slice(None), 1, I([0, 4])), S.AdvancedSubtensor),  # adjacent: stays in place
    ((Ellipsis, I([1, 0, 1])), S.AdvancedSubtensor),
    ((None, I([2, 1]), slice(None, None, -1)), S.AdvancedSubtensor),
    ((I([0, 2]), None, I([1, 1])), S.AdvancedSubtensor),
    ((MASK,), S.AdvancedSubtensor),
    ((MASK, I([0, 4, 1, 2, 3, 0])), S.AdvancedSubtensor),
    ((slice(None), I([True, False, True, True])), S.AdvancedSubtensor),
    ((I([1, 2]), slice(None, 2), I([True, False, False, True, False])), S.AdvancedSubtensor),
    ((I([], dtype="int64"),), S.AdvancedSubtensor1),
]


@pytest.mark.parametrize("idx, op_class", CASES, ids=str)
def test_advanced_indices_match_numpy(mode, idx, op_class):
    x = T.dtensor3("x")
    a = RNG.normal(size=(3, 4, 5))
    sym, variables, values = symbolic_index(idx)
    out = x[sym]
    want = a[idx]
    assert isinstance(out.owner.op, op_class)
    assert out.ndim == want.ndim
    f = theano.function([x, *variables], out, mode=mode)
    np.testing.assert_array_equal(f(a, *values), want)
    check_infer_shape(out, [x, *variables], [a, *values], mode, known_dims=True)
    # the same index given as constants
    np.testing.assert_array_equal(theano.function([x], x[idx], mode=mode)(a), want)
    grad_check(lambda v: v[idx] * 2, [a], mode)
    check_rop(lambda v: v[idx], [a], mode)


@pytest.mark.parametrize("idx", [c[0] for c in CASES], ids=str)
@pytest.mark.parametrize("kind", ["set", "inc"])
def test_set_and_inc_advanced(mode, idx, kind):
    x = T.dtensor3("x")
    a = RNG.normal(size=(3, 4, 5))
    sym, variables, values = symbolic_index(idx)
    b = RNG.normal(size=a[idx].shape)
    y = tensor("float64", np.ndim(b), "y")
    fn = T.set_subtensor if kind == "set" else T.inc_subtensor
    out = fn(x[sym], y)
    # the result is the indexed base: x, with the new axes of None (as in Theano)
    base = x[sym].owner.inputs[0]
    assert out.type == base.type and (base is x) == all(e is not None for e in idx)
    f = theano.function([x, y, *variables], [base, out], mode=mode)
    base_val, got = f(a, b, *values)
    base_idx = tuple(slice(None) if e is None else e for e in idx)
    want = np_set(base_val, base_idx, b) if kind == "set" else np_inc(base_val, base_idx, b)
    np.testing.assert_allclose(got, want)
    check_infer_shape(out, [x, y, *variables], [a, b, *values], mode, known_dims=True)
    # y broadcasts along the indexed shape
    s = T.dscalar("s")
    g = theano.function([x, s, *variables], fn(x[sym], s), mode=mode)
    want = np_set(base_val, base_idx, 0.5) if kind == "set" else np_inc(base_val, base_idx, 0.5)
    np.testing.assert_allclose(g(a, 0.5, *values), want)
    if any(isinstance(e, np.ndarray) and e.dtype != bool and len(np.unique(e)) < e.size
           for e in idx) and kind == "set":  # fmt: skip
        return  # which duplicate wins a set is not a smooth function of y
    grad_check(lambda p, q: fn(p[idx], q) * 1.5, [a, b], mode)
    check_rop(lambda p, q: fn(p[idx], q), [a, b], mode)


def test_inc_subtensor_accumulates_repeated_indices(mode):
    x, y, i = T.dvector("x"), T.dvector("y"), T.lvector("i")
    f = theano.function([x, y, i], [T.inc_subtensor(x[i], y), T.set_subtensor(x[i], y)],
                        mode=mode)  # fmt: skip
    inc, set_ = f(np.zeros(3), np.array([1.0, 2.0, 4.0]), np.array([0, 0, 2]))
    np.testing.assert_array_equal(inc, [3, 0, 4])
    np.testing.assert_array_equal(set_, [2, 0, 4])
    m, j = T.dmatrix("m"), T.lvector("j")
    g = theano.function([m, i, j], T.inc_subtensor(m[i, j], 1.0), mode=mode)
    np.testing.assert_array_equal(g(np.zeros((2, 2)), [0, 0, 1], [1, 1, 0]), [[0, 2], [1, 0]])
    # the gradient of x[i] with repeated i accumulates too
    gx = theano.function([x, i], T.grad(x[i].sum(), x), mode=mode)
    np.testing.assert_array_equal(gx(np.zeros(3), [2, 2, 0, 2]), [1, 0, 3])


def test_advanced_subtensor1_types_and_str():
    x, i = T.dmatrix("x"), T.lvector("i")
    assert isinstance(x[i].owner.op, S.AdvancedSubtensor1)
    assert isinstance(x[[0, 1]].owner.op, S.AdvancedSubtensor1)  # a list is an int vector
    assert isinstance(x[i, :].owner.op, S.AdvancedSubtensor1)
    assert x[i].broadcastable == (False, False)
    assert T.drow()[i].broadcastable == (False, False)
    assert T.dcol()[i].broadcastable == (False, True)
    assert x[T.constant(np.array([1]))].broadcastable == (True, False)
    assert str(x[i].owner.op) == "AdvancedSubtensor1"
    assert str(T.inc_subtensor(x[i], 1.0).owner.op) == "AdvancedIncSubtensor1{no_inplace,inc}"
    assert str(T.set_subtensor(x[i], 1.0).owner.op) == "AdvancedIncSubtensor1{no_inplace,set}"
    j = T.lvector("j")
    assert str(x[i, j].owner.op) == "AdvancedSubtensor"
    assert str(T.set_subtensor(x[i, j], 1.0).owner.op) == "AdvancedIncSubtensor{no_inplace,set}"
    assert T.imatrix()[i].dtype == "int32"
    assert x[i, j].ndim == 1 and x[T.lmatrix(), j].ndim == 2
    assert x[x > 0].ndim == 1 and T.dtensor3()[x > 0].ndim == 2


def test_inplace_keywords():
    x, i, j = T.dmatrix("x"), T.lvector("i"), T.lvector("j")
    for sub, cls in [(x[i], S.AdvancedIncSubtensor1), (x[i, j], S.AdvancedIncSubtensor),
                     (x[1:], S.IncSubtensor)]:  # fmt: skip
        out = T.inc_subtensor(sub, 1.0, inplace=True, tolerate_inplace_aliasing=True)
        assert isinstance(out.owner.op, cls)
        assert out.owner.op.destroy_map == {0: [0]}
        out = T.set_subtensor(sub, 1.0, inplace=False, tolerate_inplace_aliasing=True)
        assert out.owner.op.destroy_map == {} and out.owner.op.set_instead_of_inc
        out = T.inc_subtensor(sub, 1.0, set_instead_of_inc=True)
        assert out.owner.op.set_instead_of_inc
        inplace = out.owner.op.inplace_version()
        assert inplace.destroy_map == {0: [0]} and inplace.set_instead_of_inc
        assert str(inplace).startswith(str(out.owner.op).split("{")[0])
        assert "{inplace" in str(inplace)
    assert S.advanced_set_subtensor1.set_instead_of_inc
    assert not S.advanced_inc_subtensor1.set_instead_of_inc


def test_inplace_op_writes_into_its_input():
    x, y, i = T.dvector("x"), T.dvector("y"), T.lvector("i")
    for op in (S.AdvancedIncSubtensor1(inplace=True),):
        node = op.make_node(x, y, i)
        a = np.zeros(3)
        storage = [[None]]
        op.perform(node, [a, np.ones(2), np.array([0, 0])], storage)
        assert storage[0][0] is a and a[0] == 2
    op = S.AdvancedIncSubtensor(["a"], inplace=True, set_instead_of_inc=True)
    a = np.zeros(3)
    storage = [[None]]
    op.perform(op.make_node(x, y, i), [a, np.ones(2), np.array([0, 2])], storage)
    assert storage[0][0] is a
    np.testing.assert_array_equal(a, [1, 0, 1])


def test_input_not_modified(mode):
    x, i = T.dmatrix("x"), T.lvector("i")
    f = theano.function([x, i], [T.inc_subtensor(x[i], 1.0), T.set_subtensor(x[i, i], 2.0)],
                        mode=mode)  # fmt: skip
    a = np.zeros((3, 3))
    inc, set_ = f(a, [0, 2])
    np.testing.assert_array_equal(a, 0)
    assert inc.sum() == 6 and set_.sum() == 4


def test_classic_log_likelihood_pattern(mode):
    """``-log(p[arange(n), y]).mean()`` and its gradient."""
    p, y = T.dmatrix("p"), T.lvector("y")
    probs = RNG.uniform(0.1, 1.0, size=(4, 3))
    labels = np.array([2, 0, 1, 2])
    picked = p[T.arange(p.shape[0]), y]
    assert isinstance(picked.owner.op, S.AdvancedSubtensor)
    cost = -T.log(picked).mean()
    f = theano.function([p, y], [cost, T.grad(cost, p)], mode=mode)
    c, g = f(probs, labels)
    rows = np.arange(4)
    np.testing.assert_allclose(c, -np.log(probs[rows, labels]).mean())
    want = np.zeros_like(probs)
    want[rows, labels] = -1 / (4 * probs[rows, labels])
    np.testing.assert_allclose(g, want)
    check_infer_shape(picked, [p, y], [probs, labels], mode, known_dims=True)
    grad_check(lambda q: -T.log(q[np.arange(4), labels]), [probs], mode)


def test_list_of_slices_is_a_tuple(mode):
    """``x[[slice(0, 2), slice(1, 3)]]`` means ``x[0:2, 1:3]`` (old NumPy; Lasagne uses it)."""
    x = T.dmatrix("x")
    a = RNG.normal(size=(3, 4))
    out = x[[slice(0, 2), slice(1, 3)]]
    assert isinstance(out.owner.op, S.Subtensor)
    np.testing.assert_array_equal(theano.function([x], out, mode=mode)(a), a[0:2, 1:3])
    out = x[[slice(None), 1]]
    np.testing.assert_array_equal(theano.function([x], out, mode=mode)(a), a[:, 1])
    out = x[[[0, 1], [1, 2]]]  # a list of lists is an integer matrix index
    np.testing.assert_array_equal(theano.function([x], out, mode=mode)(a), a[np.array([[0, 1],
                                                                             [1, 2]])])  # fmt: skip


def test_symbolic_boolean_mask(mode):
    x = T.dmatrix("x")
    a = RNG.normal(size=(3, 4))
    out = x[x > 0]
    f = theano.function([x], [out, T.set_subtensor(x[x > 0], 0.0)], mode=mode)
    got, relu_neg = f(a)
    np.testing.assert_array_equal(got, a[a > 0])
    np.testing.assert_array_equal(relu_neg, np.minimum(a, 0))
    check_infer_shape(out, [x], [a], mode, known_dims=True)
    cost = (x[x > 0] ** 2).sum()
    g = theano.function([x], T.grad(cost, x), mode=mode)(a)
    np.testing.assert_allclose(g, np.where(a > 0, 2 * a, 0))
    y, m = T.dvector("y"), T.bvector("m")
    h = theano.function([y, m], y[T.neq(m, 0)], mode=mode)
    np.testing.assert_array_equal(h(np.arange(3.0), np.array([1, 0, 1], "int8")), [0, 2])


def test_index_gradients_are_disconnected(mode):
    x, i = T.dvector("x"), T.lvector("i")
    cost = x[i].sum()
    with pytest.raises(DisconnectedInputError):
        T.grad(cost, i)
    gi = T.grad(cost, [x, i], disconnected_inputs="ignore")[1]
    f = theano.function([x, i], gi, mode=mode, on_unused_input="ignore")
    np.testing.assert_array_equal(f(np.zeros(3), [0, 1]), [0, 0])
    # integer data gets no gradient through an index, but the graph still builds
    w = T.dvector("w")
    k = T.lvector("k")
    gw = T.grad((w * T.cast(k[[0, 1]], "float64").sum()).sum(), w)
    np.testing.assert_array_equal(
        theano.function([w, k], gw, mode=mode)(np.zeros(2), [2, 3]), [5, 5]
    )


def test_index_errors(mode):
    x = T.dmatrix("x")
    with pytest.raises(TypeError, match="index 0 .*fv.*float64"):
        x[T.dvector("fv")]
    with pytest.raises(TypeError, match="index 1 .*float"):
        x[[0, 1], np.array([0.5, 1.0])]
    with pytest.raises(TypeError, match="AdvancedSubtensor1.*integer vector"):
        S.advanced_subtensor1(x, T.dvector())
    with pytest.raises(IndexError, match="too many indices"):
        x[x > 0, 0]
    with pytest.raises(IndexError, match="too many indices"):
        T.dvector()[[0], [0]]
    with pytest.raises(TypeError, match="1-dimensional subtensor with a 2-dimensional"):
        T.inc_subtensor(x[[0, 1], [1, 2]], x)
    i = T.lvector("i")
    f = theano.function([x, i], x[i], mode=mode)
    with pytest.raises(IndexError, match="index 5 is out of bounds(.|\n)*AdvancedSubtensor1"):
        f(np.zeros((2, 3)), [0, 5])
    g = theano.function([x, i], x[i, i], mode=mode)
    with pytest.raises(IndexError):
        g(np.zeros((2, 3)), [-3])
    h = theano.function([x, i], T.inc_subtensor(x[i], 1.0), mode=mode)
    with pytest.raises(IndexError):
        h(np.zeros((2, 3)), [2])
    m = T.TensorType("bool", (False, False))("m")
    k = theano.function([x, m], x[m], mode=mode)
    with pytest.raises(IndexError):
        k(np.zeros((2, 3)), np.ones((3, 3), bool))


def test_integer_tensor_indexing(mode):
    x, i = T.imatrix("x"), T.lvector("i")
    a = np.arange(12, dtype="int32").reshape(3, 4)
    f = theano.function([x, i], [x[i], x[i, i], T.inc_subtensor(x[i], 1)], mode=mode)
    r1, r2, r3 = f(a, [2, 0])
    np.testing.assert_array_equal(r1, a[[2, 0]])
    np.testing.assert_array_equal(r2, a[[2, 0], [2, 0]])
    np.testing.assert_array_equal(r3, np_inc(a, [2, 0], 1))
    assert r1.dtype == r3.dtype == np.int32


# -------------------------------------------------------------------------------- take


@pytest.mark.parametrize("shape, ind, axis", [
    ((5,), [0, 4, -1, 2], None), ((3, 4), [[0, 1], [2, 11]], None), ((3, 4), [2, 0], 0),
    ((3, 4), [[1, 3], [0, 0]], 1), ((2, 3, 4), [3, 1], -1), ((3, 4), 1, 0),
])  # fmt: skip
def test_take(mode, shape, ind, axis):
    a = RNG.normal(size=shape)
    x = tensor("float64", np.ndim(a), "x")
    ind = np.asarray(ind, dtype="int64")
    i = T.TensorType("int64", (False,) * ind.ndim)("i")
    out = T.take(x, i, axis=axis) if hasattr(T, "take") else S.take(x, i, axis=axis)
    f = theano.function([x, i], out, mode=mode)
    np.testing.assert_array_equal(f(a, ind), np.take(a, ind, axis=axis))
    grad_check(lambda v: S.take(v, ind, axis=axis), [a], mode)
    check_rop(lambda v: S.take(v, ind, axis=axis), [a], mode)


@pytest.mark.parametrize("take_mode", ["clip", "wrap"])
def test_take_modes(mode, take_mode):
    x, i = T.dmatrix("x"), T.lvector("i")
    a = RNG.normal(size=(3, 4))
    ind = np.array([-5, 0, 3, 7, 12])
    for axis in (None, 0, 1):
        f = theano.function([x, i], S.take(x, i, axis=axis, mode=take_mode), mode=mode)
        np.testing.assert_array_equal(f(a, ind), np.take(a, ind, axis=axis, mode=take_mode))
    f = theano.function([x, i], S.take(x, i, axis=0), mode=mode)
    with pytest.raises(IndexError):
        f(a, [3])
    with pytest.raises(ValueError, match="mode"):
        S.take(x, i, mode="nearest")
    with pytest.raises(TypeError, match="integers"):
        S.take(x, T.dvector())
    with pytest.raises(ValueError, match="axis 2"):
        S.take(x, i, axis=2)


# ----------------------------------------------------------------------------- nonzero


@pytest.mark.parametrize("shape", [(6,), (3, 4), (2, 3, 2), (0, 3)])
def test_nonzero_family(mode, shape):
    a = RNG.integers(-1, 2, size=shape).astype("float64")
    x = tensor("float64", np.ndim(a), "x")
    outs = [S.nonzero(x, return_matrix=True), *S.nonzero(x), S.flatnonzero(x),
            S.nonzero_values(x)]  # fmt: skip
    f = theano.function([x], outs, mode=mode)
    matrix, *rest = f(a)
    np.testing.assert_array_equal(matrix, np.array(np.nonzero(a)).reshape(len(shape), -1))
    for got, want in zip(rest, [*np.nonzero(a), np.flatnonzero(a), a[a != 0]]):
        np.testing.assert_array_equal(got, want)
    assert matrix.dtype == np.int64
    check_infer_shape(outs[0], [x], [a], mode, known_dims=True)
    check_infer_shape(outs[-1], [x], [a], mode, known_dims=True)
    # nonzero indices select the non-zero values, with a gradient for them
    picked = x[S.nonzero(x)]
    np.testing.assert_array_equal(theano.function([x], picked, mode=mode)(a), a[np.nonzero(a)])
    g = theano.function([x], T.grad((S.nonzero_values(x) ** 2).sum(), x), mode=mode)(a)
    np.testing.assert_allclose(g, 2 * a)


def test_nonzero_of_scalar_raises():
    for fn in (S.nonzero, S.flatnonzero, S.nonzero_values):
        with pytest.raises(ValueError, match="non-scalar"):
            fn(T.dscalar())


def test_bool_tensor_nonzero(mode):
    m = T.TensorType("bool", (False, False))("m")
    v = RNG.random((3, 3)) > 0.5
    f = theano.function([m], S.nonzero(m), mode=mode)
    for got, want in zip(f(v), np.nonzero(v)):
        np.testing.assert_array_equal(got, want)


# ---------------------------------------------------------------------- property test


@st.composite
def index_tuples(draw):
    """A random index into a (3, 4, 2) array: ints, slices, int arrays, masks, None, ..."""
    shape = (3, 4, 2)
    parts, d = [], 0
    ellipsis_at = draw(st.one_of(st.none(), st.integers(0, 3)))
    n_used = draw(st.integers(0, 3))
    while d < n_used:
        size = shape[d]
        kind = draw(st.sampled_from(["int", "slice", "array", "mask", "none"]))
        if kind == "int":
            parts.append(draw(st.integers(-size, size - 1)))
        elif kind == "slice":
            b = st.one_of(st.none(), st.integers(-size - 1, size + 1))
            step = draw(st.one_of(st.none(), st.sampled_from([-2, -1, 1, 2])))
            parts.append(slice(draw(b), draw(b), step))
        elif kind == "array":
            k = draw(st.integers(1, 3))
            parts.append(np.array(draw(st.lists(st.integers(-size, size - 1), min_size=k,
                                                max_size=k)), dtype="int64"))  # fmt: skip
        elif kind == "mask":
            parts.append(np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size))))
        else:
            parts.append(None)
            continue
        d += 1
    if ellipsis_at is not None:
        parts.insert(min(ellipsis_at, len(parts)), Ellipsis)
    return tuple(parts)


_PROPERTY_SHAPE = (3, 4, 2)


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(idx=index_tuples())
def test_property_random_indices_match_numpy(mode, idx):
    """Any mix of index kinds gives NumPy's result, its inferred shape, and NumPy's set/inc."""
    a = np.arange(24.0).reshape(_PROPERTY_SHAPE)
    try:
        want = a[idx]
    except IndexError:  # arrays that do not broadcast together
        with pytest.raises(IndexError):  # raised when the function runs
            x = T.dtensor3("x")
            sym, variables, values = symbolic_index(idx)
            theano.function([x, *variables], x[sym], mode=mode)(a, *values)
        return
    x = T.dtensor3("x")
    sym, variables, values = symbolic_index(idx)
    out = x[sym]
    assert out.ndim == want.ndim
    s = T.dscalar("s")
    outs = [out]
    if out.owner is not None and not isinstance(out.owner.op, T.DimShuffle):
        # the indexed base is x with the new axes of ``None`` (as in Theano)
        outs += [out.owner.inputs[0], T.inc_subtensor(out, s), T.set_subtensor(out, s)]
    f = theano.function([x, s, *variables], outs, mode=mode, on_unused_input="ignore")
    got = f(a, 0.5, *values)
    np.testing.assert_array_equal(got[0], want)
    if len(outs) == 4:
        base_idx = tuple(slice(None) if e is None else e for e in idx)
        np.testing.assert_array_equal(got[2], np_inc(got[1], base_idx, 0.5))
        np.testing.assert_array_equal(got[3], np_set(got[1], base_idx, 0.5))
        check_infer_shape(out, [x, *variables], [a, *values], mode, known_dims=True)
