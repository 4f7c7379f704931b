"""The methods, properties and operators of `TensorVariable` (Theano 1.0's
``_tensor_py_operators``), evaluated against NumPy in both modes.

Some methods delegate to functions other modules are adding; their tests skip while
``theano.tensor`` lacks the target.
"""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.tensor.var import TensorConstant, TensorVariable
from theano.testing import random_values

rng = np.random.default_rng(0)


def needs(*names):
    missing = [n for n in names if not hasattr(T, n)]
    if missing:
        pytest.skip(f"theano.tensor lacks {', '.join(missing)}")


def run(mode, inputs, outputs, *vals):
    return theano.function(inputs, outputs, mode=mode)(*vals)


# (id, T names needed, dtype, shape, method call, NumPy reference)
M34 = rng.normal(size=(3, 4))
CASES = [
    ("sum", ["sum"], "float64", (3, 4), lambda x: x.sum(axis=1, keepdims=True),
     lambda v: v.sum(1, keepdims=True)),
    ("sum_dtype", ["sum"], "int8", (3, 4), lambda x: x.sum(dtype="float32"),
     lambda v: v.sum(dtype="float32")),
    ("prod", ["prod"], "float64", (3, 4), lambda x: x.prod(0), lambda v: v.prod(0)),
    ("mean", ["mean"], "float64", (3, 4), lambda x: x.mean((0, 1)), lambda v: v.mean((0, 1))),
    ("var", [], "float64", (3, 4), lambda x: x.var(1, ddof=1), lambda v: v.var(1, ddof=1)),
    ("std", [], "float64", (3, 4), lambda x: x.std(keepdims=True),
     lambda v: v.std(keepdims=True)),
    ("max", ["max"], "float64", (3, 4), lambda x: x.max(-1), lambda v: v.max(-1)),
    ("min", ["min"], "float64", (3, 4), lambda x: x.min(0, keepdims=True),
     lambda v: v.min(0, keepdims=True)),
    ("argmax", ["argmax"], "float64", (3, 4), lambda x: x.argmax(1), lambda v: v.argmax(1)),
    ("argmin", ["argmin"], "float64", (3, 4), lambda x: x.argmin(), lambda v: v.argmin()),
    ("all", [], "int8", (3, 4), lambda x: x.all(1), lambda v: v.all(1)),
    ("any", [], "int8", (3, 4), lambda x: x.any(), lambda v: v.any()),
    ("ptp", [], "float64", (3, 4), lambda x: x.ptp(0), lambda v: np.ptp(v, 0)),
    ("norm", [], "float64", (3, 4), lambda x: x.norm(2, axis=1),
     lambda v: np.linalg.norm(v, axis=1)),
    ("logsumexp", [], "float64", (3, 4), lambda x: x.logsumexp(1),
     lambda v: np.log(np.exp(v).sum(1))),
    ("round", ["round"], "float64", (3, 4), lambda x: (x * 4).round("half_to_even"),
     lambda v: np.round(v * 4)),
    ("clip", ["clip"], "float64", (3, 4), lambda x: x.clip(-0.5, 0.5),
     lambda v: np.clip(v, -0.5, 0.5)),
    ("conj", ["conj"], "complex128", (3, 4), lambda x: x.conj(), np.conj),
    ("conjugate", ["conj"], "complex128", (3, 4), lambda x: x.conjugate(), np.conj),
    ("real", ["real"], "complex128", (3, 4), lambda x: x.real, np.real),
    ("imag", ["imag"], "complex128", (3, 4), lambda x: x.imag, np.imag),
    ("nonzero", ["nonzero"], "int8", (3, 4), lambda x: list(x.nonzero()),
     lambda v: list(np.nonzero(v))),
    ("nonzero_values", ["nonzero_values"], "int8", (3, 4), lambda x: x.nonzero_values(),
     lambda v: v[np.nonzero(v)]),
    ("sort", ["sort"], "float64", (3, 4), lambda x: x.sort(0), lambda v: np.sort(v, 0)),
    ("argsort", ["argsort"], "float64", (3, 4), lambda x: x.argsort(), np.argsort),
    ("take", ["take"], "float64", (3, 4), lambda x: x.take([2, 0], axis=1),
     lambda v: v.take([2, 0], axis=1)),
    ("repeat", ["repeat"], "float64", (3, 4), lambda x: x.repeat(2, axis=0),
     lambda v: v.repeat(2, axis=0)),
    ("swapaxes", ["swapaxes"], "float64", (3, 4), lambda x: x.swapaxes(0, 1),
     lambda v: v.swapaxes(0, 1)),
    ("transpose", [], "float64", (3, 4), lambda x: x.transpose(), np.transpose),
    ("transpose_axes", [], "float64", (3, 4), lambda x: x.transpose(1, 0), np.transpose),
    ("T", [], "float64", (3, 4), lambda x: x.T, np.transpose),
    ("reshape", [], "float64", (3, 4), lambda x: x.reshape((4, 3)), lambda v: v.reshape(4, 3)),
    ("reshape_args", [], "float64", (3, 4), lambda x: x.reshape(2, 6),
     lambda v: v.reshape(2, 6)),
    ("flatten", [], "float64", (3, 4), lambda x: x.flatten(), np.ravel),
    ("ravel", [], "float64", (3, 4), lambda x: x.ravel(), np.ravel),
    ("dimshuffle", [], "float64", (3, 4), lambda x: x.dimshuffle(1, "x", 0),
     lambda v: v.T[:, None, :]),
    ("astype", [], "float64", (3, 4), lambda x: x.astype("int32"),
     lambda v: v.astype("int32")),
    ("copy", [], "float64", (3, 4), lambda x: x.copy(), np.copy),
    ("cumsum", ["cumsum"], "float64", (3, 4), lambda x: x.cumsum(1), lambda v: v.cumsum(1)),
    ("cumprod", ["cumprod"], "float64", (3, 4), lambda x: x.cumprod(),
     lambda v: v.cumprod()),
    ("diagonal", ["diagonal"], "float64", (3, 4), lambda x: x.diagonal(1),
     lambda v: v.diagonal(1)),
    ("trace", ["trace"], "float64", (3, 4), lambda x: x.trace(), np.trace),
    ("dot", [], "float64", (3, 4), lambda x: x.dot(x.T), lambda v: v.dot(v.T)),
    ("matmul", [], "float64", (3, 4), lambda x: x @ x.T, lambda v: v @ v.T),
    ("fill", [], "float64", (3, 4), lambda x: x.fill(2.5), lambda v: np.full_like(v, 2.5)),
    ("zeros_like", [], "float64", (3, 4), lambda x: x.zeros_like("int8"),
     lambda v: np.zeros_like(v, "int8")),
    ("ones_like", [], "float64", (3, 4), lambda x: x.ones_like(), np.ones_like),
    ("size", [], "float64", (3, 4), lambda x: x.size, np.size),
    ("shape", [], "float64", (3, 4), lambda x: x.shape, np.shape),
    ("searchsorted", ["searchsorted"], "float64", (6,),
     lambda x: x.sort().searchsorted(T.constant([0.0, 0.5])),
     lambda v: np.sort(v).searchsorted([0.0, 0.5])),
    ("choose", ["choose"], "int64", (4,), lambda x: (x % 2).choose([x, -x]),
     lambda v: (v % 2).choose([v, -v])),
    ("abs", [], "float64", (3, 4), abs, np.abs),
    ("neg", [], "float64", (3, 4), lambda x: -x, np.negative),
    ("divmod", [], "int32", (3, 4), lambda x: list(divmod(x + 7, 3)),
     lambda v: list(divmod(v + 7, 3))),
    ("rdivmod", [], "int32", (3, 4), lambda x: list(divmod(17, x + 1)),
     lambda v: list(divmod(17, v + 1))),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_method_matches_numpy(mode, case):
    _id, names, dtype, shape, method, ref = case
    needs(*names)
    x = T.TensorType(dtype, (False,) * len(shape))("x")
    out = method(x)
    got = run(mode, [x], out, v := random_values(shape, dtype, rng=rng, int_high=4))
    expected = ref(v)
    if isinstance(expected, list):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-10)
    else:
        assert np.shape(got) == np.shape(expected)
        np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_reduction_methods_match_functions():
    x = T.dmatrix("x")
    from theano.tensor import reduction as R

    assert x.var(0).owner.op == R.var(x, 0).owner.op
    assert x.max_and_argmax(1)[1].owner.op == R.max_and_argmax(x, 1)[1].owner.op
    assert x.sum(acc_dtype="float64").owner.op == T.sum(x, acc_dtype="float64").owner.op


def test_squeeze(mode):
    needs("squeeze")
    x = T.TensorType("float64", (False, True, False))("x")
    v = rng.normal(size=(3, 1, 4))
    out = x.squeeze()
    assert out.broadcastable == (False, False)
    np.testing.assert_array_equal(run(mode, [x], out, v), v.squeeze())


def test_compress_keeps_theanos_argument_order(mode):
    needs("compress")
    cond, x = T.bvector("cond"), T.dmatrix("x")
    v, c = M34, np.array([1, 0, 1], dtype="int8")
    got = run(mode, [cond, x], cond.compress(x, axis=0), c, v)
    np.testing.assert_array_equal(got, v.compress(c, axis=0))


ELEMENTWISE = [
    "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "ceil", "cos", "cosh",
    "deg2rad", "exp", "exp2", "expm1", "floor", "log", "log10", "log1p", "log2", "rad2deg",
    "sin", "sinh", "sqrt", "tan", "tanh", "trunc",
]  # fmt: skip


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_methods(mode, name):
    needs(name)
    x = T.dvector("x")
    v = rng.uniform(0.1, 0.9, size=5) * 3
    v = v + 1 if name == "arccosh" else v / 3 if name in ("arcsin", "arccos", "arctanh") else v
    got = run(mode, [x], getattr(x, name)(), v)
    np.testing.assert_allclose(got, getattr(np, name)(v), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["int8", "uint16", "bool"])
def test_bitwise_operators(mode, dtype):
    needs("invert", "and_", "or_", "xor")
    x, y = T.TensorType(dtype, (False,))("x"), T.TensorType(dtype, (False,))("y")
    if dtype == "bool":
        a, b = np.array([True, True, False, False]), np.array([True, False, True, False])
        k = True
        outs = [~x, x & y, x | y, x ^ y]
        refs = [~a, a & b, a | b, a ^ b]
    else:
        a, b = np.array([0, 1, 5, 12], dtype), np.array([3, 6, 5, 8], dtype)
        k = 6
        outs = [~x, x & y, x | y, x ^ y, k & x, k | x, k ^ x]
        refs = [~a, a & b, a | b, a ^ b, k & a, k | a, k ^ a]
    got = run(mode, [x, y], outs, a, b)
    for g, r, o in zip(got, refs, outs):
        np.testing.assert_array_equal(g, r)
        # Theano's dtype rules: 6 is an int8 constant, so ``6 & uint16`` is int32.
        assert g.dtype == o.dtype
    assert [o.dtype for o in outs[:4]] == [dtype] * 4


def test_round_builtin_ties_to_even(mode):
    needs("round")
    x = T.dvector("x")
    v = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.26, 1.234])
    got, got1 = run(mode, [x], [round(x), round(x, 1)], v)
    np.testing.assert_array_equal(got, np.round(v))
    np.testing.assert_allclose(got1, np.round(v, 1))


def test_type_properties():
    x = T.ftensor3("x")
    assert x.ndim == 3 and x.dtype == "float32" and x.type == T.ftensor3().type
    assert x.broadcastable == (False, False, False)
    assert T.drow().broadcastable == (True, False)
    assert isinstance(x.size, TensorVariable) and x.size.ndim == 0
    assert x.copy(name="c").name == "c"
    assert x.transfer("cpu") is x
    with pytest.raises(ValueError, match="cpu"):
        x.transfer("gpu0")


def test_len_and_array_protocols():
    x = T.dvector("x")
    with pytest.raises(TypeError, match="shape"):
        len(x)
    # No __array__: NumPy must not turn a symbolic variable into an object array of it.
    assert not hasattr(x, "__array__")
    assert isinstance(np.ones(3) + x, TensorVariable)
    assert isinstance(np.ones(3) * x, TensorVariable)


def test_iteration(mode):
    m = T.dmatrix("m")
    rows, cols = m.shape  # the length of a shape vector is the rank
    assert run(mode, [m], [rows, cols], np.zeros((2, 5))) == [2, 5]
    c = T.constant(np.arange(6).reshape(3, 2))
    assert isinstance(c, TensorConstant)
    parts = list(c)
    assert len(parts) == 3
    np.testing.assert_array_equal(run(mode, [], parts[2]), [4, 5])
    r = T.drow("r")
    (only,) = r  # a broadcastable first dimension has length 1
    np.testing.assert_array_equal(run(mode, [r], only, np.ones((1, 3))), np.ones(3))
    stacked = T.stack([T.dscalar("a"), T.dscalar("b")])
    assert len(list(stacked)) == 2
    t = T.dtensor3("t")
    h, w = t.shape[-2:]  # constant slices of a shape keep a known length
    first, last = t.shape[::2]
    got = run(mode, [t], [h, w, first, last], np.zeros((2, 3, 4)))
    assert [int(g) for g in got] == [3, 4, 2, 4]
    for unknown in (T.dvector("v"), m, T.dscalar("s"), t.shape[T.lscalar() :]):
        with pytest.raises(TypeError, match="iterate"):
            iter(unknown)
    with pytest.raises(TypeError, match="builtin sum"):
        sum(T.dvector())


def test_missing_target_error_is_readable(monkeypatch):
    needs("clip")
    monkeypatch.delattr(T, "clip")
    with pytest.raises(NotImplementedError, match="theano.tensor.clip is not available"):
        T.dvector().clip(0, 1)
