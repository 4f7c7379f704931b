"""Scalar types and scalar ops: dtype rules, NumPy implementation, inlined source, gradients.

Scalar graphs compile like tensor graphs, so each op is checked compiled (both modes)
against NumPy, and each gradient (`L_op`, a graph of scalar ops) is compiled and
compared with central finite differences of the op's own implementation.
"""

import numpy as np
import pytest

import theano
from theano import config
from theano import scalar as ts
from theano.testing import scalar_compiled_partials, scalar_numeric_partials, scalar_var

RNG = np.random.default_rng(0)


# ------------------------------------------------------------------------------ types


def test_scalar_type_basics():
    t = ts.ScalarType("float32")
    assert str(t) == "float32" and t.ndim == 0 and t.broadcastable == ()
    assert t == ts.ScalarType("float32") and hash(t) == hash(ts.ScalarType("float32"))
    assert t != ts.ScalarType("float64")
    assert ts.ScalarType("floatX").dtype == config.floatX
    with config.change_flags(floatX="float32"):
        assert ts.ScalarType("floatX").dtype == "float32"
    v = t("v")
    assert isinstance(v, ts.ScalarVariable) and v.dtype == "float32" and str(v) == "v"


def test_scalar_type_filter():
    t = ts.ScalarType("float64")
    got = t.filter(np.float32(1.5))
    assert type(got) is np.float64 and got == 1.5
    assert type(t.filter(2)) is np.float64
    with pytest.raises(TypeError, match="single number"):
        t.filter(np.zeros(2))
    with pytest.raises(TypeError, match="dtype"):
        t.filter(np.float32(1.5), strict=True)
    assert t.filter(np.float64(1.5), strict=True) == 1.5


def test_scalar_type_filter_refuses_lossy_values():
    i8 = ts.ScalarType("int8")
    assert i8.filter(7) == 7 and type(i8.filter(7)) is np.int8
    assert i8.filter(np.int64(-3)) == -3  # exact, so accepted
    with pytest.raises(TypeError, match="allow_downcast"):
        i8.filter(1.5)
    with pytest.raises(TypeError, match="allow_downcast"):
        i8.filter(300)
    assert i8.filter(1.5, allow_downcast=True) == 1
    f32 = ts.ScalarType("float32")
    with pytest.raises(TypeError, match="allow_downcast"):
        f32.filter(np.float64(0.1))
    assert f32.filter(np.float64(0.5)) == 0.5
    assert np.isnan(f32.filter(np.float64("nan")))
    with config.change_flags(floatX="float32"):
        assert f32.filter(0.1) == np.float32(0.1)  # a Python float may become floatX


def test_as_scalar_and_constants():
    assert ts.as_scalar(3).type.dtype == "int64"
    assert ts.as_scalar(2.5).type.dtype == config.floatX
    assert ts.as_scalar(2.5, dtype="float32").type.dtype == "float32"
    c = ts.as_scalar(4)
    assert isinstance(c, ts.ScalarConstant) and str(c) == "4"
    v = scalar_var("int8")
    assert ts.as_scalar(v) is v
    import theano.tensor as T

    with pytest.raises(TypeError, match="not a scalar"):
        ts.as_scalar(T.dvector("x"))


# ------------------------------------------------------------------------ dtype rules


@pytest.mark.parametrize(
    "dtypes, same, to_float",
    [(("int8", "int8"), "int8", "float32"), (("int8", "float32"), "float32", "float32"),
     (("int32", "float32"), "float64", "float64"), (("int16", "int16"), "int16", "float32"),
     (("int32", "int32"), "int32", "float64"), (("int64",), "int64", "float64"),
     (("uint8", "int8"), "int16", "float32"), (("bool",), "bool", "float32"),
     (("float32", "float64"), "float64", "float64"), (("complex64",), "complex64", "complex64"),
     (("uint32", "int8"), "int64", "float64")],
)  # fmt: skip
def test_dtype_rules(dtypes, same, to_float):
    assert ts.upcast(*dtypes) == same
    assert ts.same_out(*dtypes) == [same]
    assert ts.upgrade_to_float(*dtypes) == [to_float]
    assert ts.bool_out(*dtypes) == ["bool"]


def test_int_out_rule():
    assert ts.int_out("int8", "int16") == ["int16"]
    assert ts.int_out("float32") == ["int64"]
    assert ts.int_out("bool") == ["int64"]


@pytest.mark.parametrize(
    "op, dtypes, out",
    [(ts.add, ("int8", "float32"), "float32"), (ts.add, ("int32", "float32"), "float64"),
     (ts.true_div, ("int8", "int8"), "float32"), (ts.true_div, ("int64", "int64"), "float64"),
     (ts.int_div, ("int8", "int8"), "int8"), (ts.mod, ("int16", "int8"), "int16"),
     (ts.lt, ("float64", "int8"), "bool"), (ts.eq, ("int8", "int8"), "bool"),
     (ts.exp, ("int16",), "float32"), (ts.sqrt, ("int32",), "float64"),
     (ts.neg, ("int8",), "int8"), (ts.switch, ("bool", "int8", "float32"), "float32"),
     (ts.second, ("float64", "int8"), "int8"), (ts.mul, ("uint8", "uint8", "uint8"), "uint8")],
)  # fmt: skip
def test_op_output_dtypes(op, dtypes, out):
    node = op.make_node(*[scalar_var(d) for d in dtypes])
    assert node.outputs[0].type.dtype == out


def test_wrong_number_of_inputs():
    with pytest.raises(TypeError, match="takes 2 inputs"):
        ts.sub(scalar_var("float64"))
    with pytest.raises(TypeError, match="takes 1 inputs"):
        ts.exp(scalar_var("float64"), scalar_var("float64"))


# -------------------------------------------------------------------------- compiling

UNARY = [
    (ts.neg, np.negative, 0.7), (ts.abs_, np.abs, -0.7), (ts.sgn, np.sign, -0.7),
    (ts.sqr, np.square, 0.7), (ts.sqrt, np.sqrt, 0.7), (ts.inv, np.reciprocal, 0.7),
    (ts.exp, np.exp, 0.7), (ts.log, np.log, 0.7), (ts.log1p, np.log1p, 0.7),
    (ts.expm1, np.expm1, 0.7), (ts.sin, np.sin, 0.7), (ts.cos, np.cos, 0.7),
    (ts.tanh, np.tanh, 0.7), (ts.sigmoid, lambda v: 1 / (1 + np.exp(-v)), -0.7),
    (ts.softplus, lambda v: np.log1p(np.exp(v)), -0.7), (ts.identity, lambda v: v, 0.7),
]  # fmt: skip
BINARY = [
    (ts.add, np.add), (ts.sub, np.subtract), (ts.mul, np.multiply),
    (ts.true_div, np.true_divide), (ts.int_div, np.floor_divide), (ts.mod, np.mod),
    (ts.pow, np.power), (ts.maximum, np.maximum), (ts.minimum, np.minimum),
    (ts.lt, np.less), (ts.gt, np.greater), (ts.le, np.less_equal),
    (ts.ge, np.greater_equal), (ts.eq, np.equal), (ts.neq, np.not_equal),
]  # fmt: skip


@pytest.mark.parametrize("op, ref, value", UNARY, ids=[str(u[0]) for u in UNARY])
def test_unary_ops_compiled(mode, op, ref, value):
    a = scalar_var("float64", "a")
    out = op(a)
    got = theano.function([a], out, mode=mode)(value)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, ref(value), rtol=1e-14)
    # Integers are computed in the (float32) output type, not in NumPy's float16.
    i = scalar_var("int8", "i")
    out_i = op(i)
    got_i = theano.function([i], out_i, mode=mode)(3)
    assert got_i.dtype == np.dtype(out_i.type.dtype)
    np.testing.assert_allclose(got_i, ref(np.float64(3)), rtol=1e-6)


@pytest.mark.parametrize("op, ref", BINARY, ids=[str(b[0]) for b in BINARY])
def test_binary_ops_compiled(mode, op, ref):
    a, b = scalar_var("float64", "a"), scalar_var("float64", "b")
    f = theano.function([a, b], op(a, b), mode=mode)
    for x, y in [(2.5, 1.5), (-3.0, 2.0), (1.5, 1.5), (7.0, -2.0)]:
        got = f(x, y)
        assert got.dtype == np.dtype(op(a, b).type.dtype)
        np.testing.assert_allclose(got, ref(x, y), rtol=1e-14)


@pytest.mark.parametrize("op, ref", [(ts.add, np.add), (ts.int_div, np.floor_divide),
                                     (ts.mod, np.mod), (ts.true_div, np.true_divide),
                                     (ts.mul, np.multiply), (ts.pow, np.power)],
                         ids=["add", "int_div", "mod", "true_div", "mul", "pow"])  # fmt: skip
def test_integer_binary_ops_compiled(mode, op, ref):
    a, b = scalar_var("int32", "a"), scalar_var("int32", "b")
    out = op(a, b)
    f = theano.function([a, b], out, mode=mode)
    for x, y in [(7, 2), (-7, 2), (7, -3), (0, 5)]:
        if op is ts.pow and y < 0:
            continue  # NumPy refuses integer ** negative integer
        got = f(x, y)
        want = ref(np.int32(x), np.int32(y))
        assert got.dtype == np.dtype(out.type.dtype)
        np.testing.assert_allclose(got, want)


def test_variadic_and_switch_and_second(mode):
    a, b, c = scalar_var("float64", "a"), scalar_var("float64", "b"), scalar_var("float64", "c")
    cond = scalar_var("bool", "cond")
    f = theano.function(
        [a, b, c, cond],
        [ts.add(a, b, c), ts.mul(a, b, c), ts.switch(cond, a, b), ts.second(a, c)],
        mode=mode,
    )
    s, p, sw, sec = f(1.0, 2.0, 4.0, False)
    assert (s, p, sw, sec) == (7.0, 8.0, 2.0, 4.0)
    assert f(1.0, 2.0, 4.0, True)[2] == 1.0


def test_cast(mode):
    a = scalar_var("float64", "a")
    out = ts.cast(a, "int8")
    assert str(out.owner.op) == "convert_to_int8" and out.type.dtype == "int8"
    assert ts.cast(a, "float64") is a
    assert ts.Cast("int8") == ts.Cast(np.int8) and ts.Cast("int8") != ts.Cast("int16")
    got = theano.function([a], out, mode=mode)(-2.7)
    assert got.dtype == np.int8 and got == -2
    assert theano.function([a], ts.cast(a, "bool"), mode=mode)(0.5) == np.True_


def test_python_operators_build_scalar_ops():
    a, b = scalar_var("float64", "a"), scalar_var("float64", "b")
    for expr, op in [(a + b, ts.Add), (a - b, ts.Sub), (a * b, ts.Mul), (a / b, ts.TrueDiv),
                     (a**b, ts.Pow), (-a, ts.Neg), (2 + a, ts.Add), (2 - a, ts.Sub),
                     (2 * a, ts.Mul), (2 / a, ts.TrueDiv), (2**a, ts.Pow)]:  # fmt: skip
        assert type(expr.owner.op) is op
    assert str(a + b) == "add.0"
    assert (2 - a).owner.inputs[0].data == 2


def test_names_and_symbols():
    assert [str(op) for op in (ts.add, ts.true_div, ts.int_div, ts.abs_, ts.lt, ts.neq)] == [
        "add", "true_div", "int_div", "abs_", "lt", "neq"]  # fmt: skip
    assert ts.pow.symbol == "**" and ts.mod.symbol == "%" and ts.ge.symbol == ">="
    assert ts.pow.precedence > ts.mul.precedence > ts.add.precedence > ts.lt.precedence


def test_py_expr_is_valid_python():
    class Ctx:
        def __init__(self):
            self.env = {}

        def ref(self, obj, name):
            self.env[name] = obj
            return name

    a, b = np.array([1.5, -2.0]), np.array([0.5, 3.0])
    for op, ref in BINARY:
        ctx = Ctx()
        src = op.py_expr(["a", "b"], ctx)
        np.testing.assert_allclose(eval(src, ctx.env, {"a": a, "b": b}), ref(a, b))
    for op, ref, _ in UNARY:
        ctx = Ctx()
        src = op.py_expr(["a"], ctx)
        np.testing.assert_allclose(eval(src, ctx.env, {"a": np.abs(a)}), ref(np.abs(a)))


# -------------------------------------------------------------------------- gradients

DIFFERENTIABLE_UNARY = [u for u in UNARY if u[0] is not ts.sgn]
DIFFERENTIABLE_BINARY = [
    (ts.add, (0.3, -1.2)), (ts.sub, (0.3, -1.2)), (ts.mul, (0.3, -1.2)),
    (ts.true_div, (0.3, -1.2)), (ts.pow, (1.3, -1.2)), (ts.mod, (2.3, 0.7)),
    (ts.maximum, (0.3, -1.2)), (ts.minimum, (0.3, -1.2)),
]  # fmt: skip


@pytest.mark.parametrize("op, ref, value", DIFFERENTIABLE_UNARY,
                         ids=[str(u[0]) for u in DIFFERENTIABLE_UNARY])  # fmt: skip
def test_unary_gradients(mode, op, ref, value):
    got = scalar_compiled_partials(op, [value], mode, gz=1.7)
    want = [1.7 * g for g in scalar_numeric_partials(op, [value])]
    np.testing.assert_allclose(got, want, rtol=1e-7)


@pytest.mark.parametrize("op, values", DIFFERENTIABLE_BINARY,
                         ids=[str(b[0]) for b in DIFFERENTIABLE_BINARY])  # fmt: skip
def test_binary_gradients(mode, op, values):
    got = scalar_compiled_partials(op, list(values), mode, gz=-0.8)
    want = [-0.8 * g for g in scalar_numeric_partials(op, list(values))]
    np.testing.assert_allclose(got, want, rtol=1e-7)


def test_variadic_gradients(mode):
    for op in (ts.add, ts.mul):
        got = scalar_compiled_partials(op, [0.3, -1.2, 2.0], mode)
        np.testing.assert_allclose(got, scalar_numeric_partials(op, [0.3, -1.2, 2.0]), rtol=1e-7)


@pytest.mark.parametrize("op", [ts.sgn, ts.int_div, ts.lt, ts.gt, ts.le, ts.ge, ts.eq, ts.neq],
                         ids=str)  # fmt: skip
def test_piecewise_constant_ops_have_zero_gradient(mode, op):
    values = [0.7] if op.nin == 1 else [0.7, 0.4]
    assert scalar_compiled_partials(op, values, mode) == [0.0] * len(values)


def test_integer_inputs_get_zero_gradient(mode):
    a, b, g = scalar_var("int32", "a"), scalar_var("float64", "b"), scalar_var("float64", "g")
    for op in (ts.add, ts.sub, ts.mul, ts.true_div, ts.pow):
        ga, gb = op.L_op([a, b], [op(a, b)], [g])
        assert ga.type.dtype in ts.CONTINUOUS_DTYPES
        f = theano.function([a, b, g], [ga, gb], mode=mode, on_unused_input="ignore")
        got_a, got_b = f(2, 1.5, 1.0)
        assert got_a == 0.0
        want_b = scalar_numeric_partials(op, [2.0, 1.5])[1]
        np.testing.assert_allclose(got_b, want_b, rtol=1e-7)


def test_switch_and_cast_gradients(mode):
    c, a, b, g = (
        scalar_var("bool", "c"),
        scalar_var("float64", "a"),
        scalar_var("float64", "b"),
        scalar_var("float64"),
    )
    _gc, ga, gb = ts.switch.L_op([c, a, b], [ts.switch(c, a, b)], [g])
    f = theano.function([c, a, b, g], [ga, gb], mode=mode, on_unused_input="ignore")
    assert [float(v) for v in f(True, 1.0, 2.0, 3.0)] == [3.0, 0.0]
    assert [float(v) for v in f(False, 1.0, 2.0, 3.0)] == [0.0, 3.0]
    x, gf = scalar_var("float64", "x"), scalar_var("float32", "gf")
    (gx,) = ts.Cast("float32").L_op([x], [ts.cast(x, "float32")], [gf])
    assert gx.type.dtype == "float64"
    (gi,) = ts.Cast("int32").L_op([x], [ts.cast(x, "int32")], [scalar_var("int32")])
    assert isinstance(gi, ts.ScalarConstant) and gi.data == 0
