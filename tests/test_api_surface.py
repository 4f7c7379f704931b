"""Theano 1.0's public tensor API, walked name by name, and called with its keywords.

The name lists are Theano 1.0's (its library reference: ``theano.tensor`` basic ops,
``nnet``, ``extra_ops``, ``nlinalg``, ``slinalg``, ``sort``, ``inplace``, top-level
``theano``, and the `TensorVariable` methods). A name we lack on purpose, or for a
later feature, is listed in `KNOWN_MISSING` with its reason; the test asserts that the
missing names are exactly those, so the list fails loudly when it goes stale.

The call tests use Theano's parameter names as keywords on small symbolic inputs and
compare the compiled result with NumPy/SciPy: a call checks more than a signature.
"""

import importlib

import numpy as np
import pytest
import scipy.linalg
import scipy.special

import theano
import theano.tensor as T
from theano.gradient import verify_grad
from theano.tensor import compat

# ------------------------------------------------------------------ Theano 1.0's names

TENSOR_NAMES = """
TensorType TensorVariable TensorConstant TensorSharedVariable
scalar vector row col matrix tensor3 tensor4 tensor5 tensor
scalars vectors rows cols matrices tensor3s tensor4s
iscalars lscalars fscalars dscalars ivectors lvectors fvectors dvectors
irows lrows frows drows icols lcols fcols dcols imatrices lmatrices fmatrices dmatrices
as_tensor_variable as_tensor constant get_scalar_constant_value NotScalarConstantError
extract_constant get_vector_length scalar_from_tensor tensor_from_scalar
shape reshape shape_padleft shape_padright shape_padaxis unbroadcast addbroadcast
patternbroadcast flatten tile roll specify_shape
zeros_like ones_like zeros ones fill alloc eye identity_like tri tril triu arange
stack concatenate join split stacklists horizontal_stack vertical_stack choose
max argmax max_and_argmax min argmin sum prod mean var std all any ptp
set_subtensor inc_subtensor take
cast real imag lt gt le ge eq neq isnan isinf isclose allclose switch where clip
and_ or_ xor invert bitwise_and bitwise_or bitwise_xor bitwise_not
abs_ angle exp exp2 expm1 maximum minimum neg inv log log2 log10 log1p sgn ceil floor trunc
round iround round_half_to_even round_half_away_from_zero sqr square sqrt
deg2rad rad2deg cos sin tan arccos arcsin arctan arctan2 cosh sinh tanh arccosh arcsinh
arctanh erf erfc erfcx erfinv erfcinv gamma gammaln psi tri_gamma polygamma chi2sf
j0 j1 jv i0 i1 iv complex conj complex_from_polar
add sub mul true_div int_div floor_div ceil_intdiv mod pow power second
dot outer tensordot batched_dot batched_tensordot mgrid ogrid
transpose swapaxes diagonal diag nonzero flatnonzero nonzero_values
inverse_permutation permute_row_elements largest smallest default tensor_copy
sort argsort topk argtopk topk_and_argtopk
DiffOp bartlett bincount squeeze repeat diff fill_diagonal fill_diagonal_offset
cumsum cumprod unravel_index ravel_multi_index
DimShuffle Elemwise CAReduce
grad jacobian hessian Rop Lop verify_grad numeric_grad consider_constant
nnet nlinalg slinalg extra_ops inplace sharedvar blas elemwise basic subtensor opt
shared_randomstreams raw_random signal
"""

NNET_NAMES = """
sigmoid softplus softmax binary_crossentropy categorical_crossentropy
ultra_fast_sigmoid hard_sigmoid scalar_sigmoid sigmoid_inplace softsign relu elu selu
logsoftmax logsoftmax_op softmax_op softmax_graph softmax_grad softmax_with_bias
sigmoid_binary_crossentropy crossentropy_categorical_1hot crossentropy_categorical_1hot_grad
crossentropy_softmax_1hot crossentropy_softmax_1hot_with_bias
crossentropy_softmax_1hot_with_bias_dx crossentropy_softmax_argmax_1hot_with_bias
crossentropy_softmax_max_and_argmax_1hot crossentropy_softmax_max_and_argmax_1hot_with_bias
CrossentropyCategorical1Hot CrossentropyCategorical1HotGrad CrossentropySoftmax1HotWithBiasDx
CrossentropySoftmaxArgmax1HotWithBias LogSoftmax Softmax SoftmaxGrad SoftmaxWithBias
Prepend_scalar_constant_to_each_row Prepend_scalar_to_each_row
prepend_0_to_each_row prepend_1_to_each_row prepend_scalar_to_each_row
crossentropy_to_crossentropy_with_softmax crossentropy_to_crossentropy_with_softmax_with_bias
graph_merge_softmax_with_crossentropy_softmax softmax_simplifier
h_softmax confusion_matrix to_one_hot batch_normalization
conv2d conv2d_transpose conv3d abstract_conv2d conv2d_grad_wrt_inputs separable_conv2d ConvOp
"""

EXTRA_OPS_NAMES = """
CpuContiguous cpu_contiguous SearchsortedOp searchsorted CumOp cumsum cumprod
DiffOp diff bincount squeeze compress RepeatOp repeat Bartlett bartlett
FillDiagonal fill_diagonal FillDiagonalOffset fill_diagonal_offset to_one_hot Unique unique
UnravelIndex unravel_index RavelMultiIndex ravel_multi_index
"""

NLINALG_NAMES = """
MatrixPinv pinv MatrixInverse matrix_inverse matrix_dot AllocDiag alloc_diag ExtractDiag
extract_diag diag trace Det det Eig eig Eigh eigh EighGrad QRFull QRIncomplete qr SVD svd
Lstsq lstsq matrix_power norm TensorInv tensorinv TensorSolve tensorsolve
"""

SLINALG_NAMES = """
MATRIX_STRUCTURES Cholesky cholesky CholeskyGrad CholeskySolve cho_solve Solve solve
solve_lower_triangular solve_upper_triangular solve_symmetric Eigvalsh eigvalsh EigvalshGrad
kron Expm expm ExpmGrad
"""

SORT_NAMES = "SortOp sort ArgSortOp argsort TopKOp topk argtopk topk_and_argtopk"

_INPLACE_BASES = """
lt gt le ge eq neq and_ or_ xor invert abs_ exp exp2 expm1 neg inv log log1p log2 log10
sgn ceil floor trunc round_half_to_even round_half_away_from_zero sqr sqrt deg2rad rad2deg
cos arccos sin arcsin tan arctan arctan2 cosh arccosh sinh arcsinh tanh arctanh
erf erfc erfcx erfinv erfcinv gamma gammaln psi chi2sf j0 j1 jv i0 i1 iv
second fill add sub mul true_div int_div mod pow maximum minimum conj clip transpose
"""
INPLACE_NAMES = " ".join(f"{n}_inplace" for n in _INPLACE_BASES.split())

THEANO_NAMES = """
function shared config In Out Param Mode compile printing pp pprint grad Rop Lop
gradient tensor scalar graph function_dump OpFromGraph ProfileStats
FunctionGraph Apply Variable Constant Op Type SharedVariable dot clone
change_flags __version__ subgraph_grad
"""

NAMES = {
    "theano": THEANO_NAMES,
    "theano.tensor": TENSOR_NAMES,
    "theano.tensor.nnet": NNET_NAMES,
    "theano.tensor.extra_ops": EXTRA_OPS_NAMES,
    "theano.tensor.nlinalg": NLINALG_NAMES,
    "theano.tensor.slinalg": SLINALG_NAMES,
    "theano.tensor.sort": SORT_NAMES,
    "theano.tensor.inplace": INPLACE_NAMES,
}

# Modules old code imports by path (an import check: a submodule attribute such as
# ``theano.gof`` appears only once something has imported it).
_MODULES = """
theano.tensor theano.tensor.basic theano.tensor.var theano.tensor.elemwise
theano.tensor.subtensor theano.tensor.sharedvar theano.tensor.nnet theano.tensor.nnet.nnet
theano.tensor.nnet.sigm theano.tensor.extra_ops theano.tensor.nlinalg theano.tensor.slinalg
theano.tensor.sort theano.tensor.inplace theano.tensor.blas theano.gradient theano.printing
theano.compile theano.gof theano.gof.graph theano.scalar
theano.tensor.nnet.conv theano.tensor.nnet.abstract_conv theano.tensor.nnet.neighbours
theano.tensor.nnet.bn theano.tensor.nnet.ctc theano.tensor.signal theano.tensor.signal.pool
theano.tensor.shared_randomstreams theano.tensor.raw_random theano.sandbox.rng_mrg
theano.tensor.opt theano.scan_module theano.ifelse theano.sparse
"""
MODULES = _MODULES.split()

# The attributes and methods of Theano's `_tensor_py_operators`.
_VARIABLE_NAMES = """
type ndim dtype broadcastable shape size name owner index tag clone eval
reshape dimshuffle flatten ravel T transpose any all sum prod mean var std min max
argmin argmax diagonal astype take copy norm nonzero nonzero_values sort argsort clip
conj conjugate repeat round trace get_scalar_constant_value zeros_like ones_like fill
cumsum cumprod searchsorted ptp swapaxes squeeze compress choose dot real imag transfer
exp exp2 expm1 log log1p log2 log10 sqrt ceil floor trunc cos sin tan arccos arcsin arctan
cosh sinh tanh arccosh arcsinh arctanh deg2rad rad2deg
__abs__ __neg__ __lt__ __le__ __gt__ __ge__ __invert__ __and__ __or__ __xor__
__rand__ __ror__ __rxor__ __add__ __sub__ __mul__ __truediv__ __floordiv__ __mod__
__pow__ __divmod__ __radd__ __rsub__ __rmul__ __rtruediv__ __rfloordiv__ __rmod__
__rpow__ __rdivmod__ __getitem__ __iter__ __len__ __bool__ __round__ __dot__ __rdot__
"""
VARIABLE_NAMES = _VARIABLE_NAMES.split()

# ------------------------------------------------------------------ what is missing, and why

LATER = "later feature"
WIRING = "exists in the package; needs an export in a file this test does not own"
NOT_PLANNED = "not planned"
NEEDS_OP = "needs a new op (not a thin wrapper)"

KNOWN_MISSING = {
    # theano.tensor
    ("theano.tensor", "scalar_from_tensor"): (NEEDS_OP, "no op between scalar and 0-d tensor"),
    ("theano.tensor", "tensor_from_scalar"): (NEEDS_OP, "no op between scalar and 0-d tensor"),
    ("theano.tensor", "polygamma"): (NEEDS_OP, "scalar polygamma op of any order"),
    ("theano.tensor", "chi2sf"): (NEEDS_OP, "scalar chi2sf op (scipy.special.chdtrc)"),
    ("theano.tensor", "default"): (NOT_PLANNED, "a None-valued input cannot reach an op here"),
    # These two: add them to _FROM_GRADIENT in theano/tensor/__init__.py.
    ("theano.tensor", "opt"): (NOT_PLANNED, "rewrites live in theano.tensor.rewriting"),
    ("theano.tensor", "shared_randomstreams"): (LATER, "random streams"),
    ("theano.tensor", "raw_random"): (LATER, "random streams"),
    ("theano.tensor", "signal"): (LATER, "signal: pooling and conv"),
    # theano.tensor.nnet
    ("theano.tensor.nnet", "Prepend_scalar_constant_to_each_row"): (
        NOT_PLANNED, "Op class; prepend_*_to_each_row build it from join"),
    ("theano.tensor.nnet", "Prepend_scalar_to_each_row"): (
        NOT_PLANNED, "Op class; prepend_*_to_each_row build it from join"),
    ("theano.tensor.nnet", "crossentropy_to_crossentropy_with_softmax"): (
        NOT_PLANNED, "rewrite object; ours are in theano.tensor.nnet.rewriting"),
    ("theano.tensor.nnet", "crossentropy_to_crossentropy_with_softmax_with_bias"): (
        NOT_PLANNED, "rewrite object; ours are in theano.tensor.nnet.rewriting"),
    ("theano.tensor.nnet", "graph_merge_softmax_with_crossentropy_softmax"): (
        NOT_PLANNED, "rewrite object; ours are in theano.tensor.nnet.rewriting"),
    ("theano.tensor.nnet", "softmax_simplifier"): (
        NOT_PLANNED, "rewrite object; ours are in theano.tensor.nnet.rewriting"),
    ("theano.tensor.nnet", "conv2d"): (LATER, "convolution"),
    ("theano.tensor.nnet", "conv2d_transpose"): (LATER, "convolution"),
    ("theano.tensor.nnet", "conv3d"): (LATER, "convolution"),
    ("theano.tensor.nnet", "abstract_conv2d"): (LATER, "convolution"),
    ("theano.tensor.nnet", "conv2d_grad_wrt_inputs"): (LATER, "convolution"),
    ("theano.tensor.nnet", "separable_conv2d"): (LATER, "convolution"),
    ("theano.tensor.nnet", "ConvOp"): (LATER, "convolution"),
    # theano.tensor.extra_ops
    ("theano.tensor.extra_ops", "CpuContiguous"): (NOT_PLANNED, "GPU-era memory layout op"),
    ("theano.tensor.extra_ops", "cpu_contiguous"): (NOT_PLANNED, "GPU-era memory layout op"),
    ("theano.tensor.extra_ops", "Bartlett"): (NOT_PLANNED, "Op class; bartlett is a graph"),
    # theano.tensor.nlinalg
    ("theano.tensor.nlinalg", "QRIncomplete"): (NOT_PLANNED, "Op class; qr(mode=) covers it"),
    # theano.tensor.slinalg
    ("theano.tensor.slinalg", "CholeskyGrad"): (NOT_PLANNED, "Op class; Cholesky has its grad"),
    ("theano.tensor.slinalg", "CholeskySolve"): (NOT_PLANNED, "Op class; cho_solve is a graph"),
    # theano.tensor.inplace
    ("theano.tensor.inplace", "chi2sf_inplace"): (NEEDS_OP, "needs chi2sf"),
    ("theano.tensor.inplace", "clip_inplace"): (NOT_PLANNED, "clip is not one Elemwise here"),
    # theano
    ("theano", "function_dump"): (LATER, "function pickling tools"),
    ("theano", "OpFromGraph"): (LATER, "OpFromGraph"),
    ("theano", "ProfileStats"): (LATER, "profiling"),
    ("theano", "subgraph_grad"): (LATER, "gradient of subgraphs"),
    # modules
    ("module", "theano.tensor.nnet.conv"): (LATER, "convolution"),
    ("module", "theano.tensor.nnet.abstract_conv"): (LATER, "convolution"),
    ("module", "theano.tensor.nnet.neighbours"): (LATER, "images2neibs / neibs2images"),
    ("module", "theano.tensor.nnet.bn"): (LATER, "batch norm train/test ops"),
    ("module", "theano.tensor.nnet.ctc"): (LATER, "CTC loss"),
    ("module", "theano.tensor.signal"): (LATER, "signal: pooling and conv"),
    ("module", "theano.tensor.signal.pool"): (LATER, "pooling"),
    ("module", "theano.tensor.shared_randomstreams"): (LATER, "random streams"),
    ("module", "theano.tensor.raw_random"): (LATER, "random streams"),
    ("module", "theano.sandbox.rng_mrg"): (LATER, "random streams"),
    ("module", "theano.tensor.opt"): (NOT_PLANNED, "rewrites live in theano.tensor.rewriting"),
    ("module", "theano.scan_module"): (LATER, "scan"),
    ("module", "theano.ifelse"): (LATER, "ifelse"),
    ("module", "theano.sparse"): (LATER, "sparse"),
}  # fmt: skip

# Names `theano.tensor.compat` defines, by the module that should export them. Until that
# module re-exports them, the compat definition counts as present.
COMPAT_EXPORTS = {
    "theano.tensor": compat.__all__,
    "theano.tensor.nnet": compat.NNET_ALL,
    "theano.tensor.extra_ops": compat.EXTRA_OPS_ALL,
    "theano.tensor.slinalg": compat.SLINALG_ALL,
    "theano.tensor.inplace": compat.INPLACE_ALL,
}


def _has(obj, name):
    try:
        getattr(obj, name)
    except (AttributeError, ImportError):  # a lazy submodule that does not exist yet
        return False
    return True


def _module(path):
    # import_module, not attribute access: ``T.sort`` is the function, not the module.
    return importlib.import_module(path)


def _importable(path):
    try:
        importlib.import_module(path)
    except ImportError:
        return False
    return True


def _missing():
    missing = set()
    for path, names in NAMES.items():
        module = _module(path)
        pending = set(COMPAT_EXPORTS.get(path, ()))
        for name in names.split():
            if not _has(module, name) and name not in pending:
                missing.add((path, name))
    missing |= {("module", path) for path in MODULES if not _importable(path)}
    return missing


def test_names_lists_have_no_duplicates():
    for path, names in NAMES.items():
        names = names.split()
        assert len(names) == len(set(names)), path


def test_missing_names_are_exactly_the_known_missing():
    missing = _missing()
    newly_missing = sorted(missing - set(KNOWN_MISSING))
    now_present = sorted(set(KNOWN_MISSING) - missing)
    assert not newly_missing, f"missing and not listed in KNOWN_MISSING: {newly_missing}"
    assert not now_present, f"present now; remove from KNOWN_MISSING: {now_present}"


def test_known_missing_reasons():
    for key, (category, reason) in KNOWN_MISSING.items():
        assert category in (LATER, WIRING, NOT_PLANNED, NEEDS_OP), key
        assert reason, key


def test_compat_exports_are_the_compat_objects():
    """Where a module already has a compat name, it is the same object (no shadowing)."""
    for path, names in COMPAT_EXPORTS.items():
        module = _module(path)
        for name in names:
            assert _has(compat, name), f"compat lacks {name}"
            if _has(module, name):
                assert getattr(module, name) is getattr(compat, name), f"{path}.{name}"


@pytest.mark.parametrize("name", VARIABLE_NAMES)
def test_tensor_variable_has(name):
    assert _has(T.dmatrix("x"), name)


def test_counts():
    """The surface's size, printed for the record (``pytest -s``)."""
    checked = sum(len(n.split()) for n in NAMES.values()) + len(MODULES)
    missing = _missing()
    added = sum(len(v) for v in COMPAT_EXPORTS.values())
    print(f"\nchecked {checked}, present {checked - len(missing)}, compat {added}, "
          f"known missing {len(missing)}")  # fmt: skip
    assert checked > 500


# ------------------------------------------------------------------ calls with Theano's keywords

rng = np.random.default_rng(1234)
X = rng.normal(size=(3, 4))
Y = rng.normal(size=(4, 3))
V = rng.normal(size=4)
W = rng.normal(size=4)
S = np.float64(0.7)
SQ = rng.normal(size=(3, 3))
SPD = SQ @ SQ.T + 3 * np.eye(3)
SPD2 = np.diag([1.0, 2.0, 3.0])
T3 = rng.normal(size=(2, 3, 4))
T3B = rng.normal(size=(2, 4, 3))
IV = np.array([0, 2, 1, 2], dtype="int64")
P = rng.uniform(0.1, 0.9, size=(3, 4))
Q = rng.uniform(0.0, 1.0, size=(3, 4))
B34 = rng.normal(size=(3, 2))

VALUES = {"x": X, "y": Y, "v": V, "w": W, "s": S, "sq": SQ, "spd": SPD, "spd2": SPD2,
          "t3": T3, "t3b": T3B, "iv": IV, "p": P, "q": Q, "b": B34}  # fmt: skip


class _Symbols:
    """The symbolic inputs, one per entry of `VALUES`, of matching type."""

    def __init__(self):
        for name, value in VALUES.items():
            value = np.asarray(value)
            setattr(self, name, T.TensorType(value.dtype.name, (False,) * value.ndim)(name))


def _run(build, mode):
    s = _Symbols()
    out = build(s)
    single = not isinstance(out, list | tuple)
    outs = [out] if single else list(out)
    f = theano.function([getattr(s, n) for n in VALUES], outs, mode=mode,
                        on_unused_input="ignore")  # fmt: skip
    res = f(*VALUES.values())
    return res[0] if single else res


def _softmax(a, axis=-1):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _sig(a):
    return 1 / (1 + np.exp(-a))


NL, SL, E, N = T.nlinalg, T.slinalg, T.extra_ops, T.nnet
SORT = importlib.import_module("theano.tensor.sort")

# (id, build(symbols) -> output(s), NumPy reference -> output(s)). Keywords are Theano's.
CALLS = [
    ("sum", lambda s: T.sum(s.x, axis=1, dtype="float64", keepdims=True, acc_dtype="float64"),
     lambda: X.sum(1, keepdims=True)),
    ("prod", lambda s: T.prod(s.x, axis=0, dtype=None, keepdims=False, acc_dtype=None),
     lambda: X.prod(0)),
    ("mean", lambda s: T.mean(s.x, axis=[0, 1], dtype=None, keepdims=True, acc_dtype=None),
     lambda: X.mean(keepdims=True)),
    ("var", lambda s: T.var(s.x, axis=0, ddof=1, keepdims=False), lambda: X.var(0, ddof=1)),
    ("std", lambda s: T.std(s.x, axis=1, keepdims=True), lambda: X.std(1, keepdims=True)),
    ("max", lambda s: T.max(s.x, axis=1, keepdims=True), lambda: X.max(1, keepdims=True)),
    ("min", lambda s: T.min(s.x, axis=0, keepdims=False), lambda: X.min(0)),
    ("argmax", lambda s: T.argmax(s.x, axis=0, keepdims=False), lambda: X.argmax(0)),
    ("argmin", lambda s: T.argmin(s.x, axis=1, keepdims=True),
     lambda: X.argmin(1, keepdims=True)),
    ("max_and_argmax", lambda s: T.max_and_argmax(s.x, axis=1, keepdims=False),
     lambda: [X.max(1), X.argmax(1)]),
    ("all", lambda s: T.all(s.x > 0, axis=0, keepdims=True),
     lambda: (X > 0).all(0, keepdims=True)),
    ("any", lambda s: T.any(s.x > 1, axis=None, keepdims=False), lambda: (X > 1).any()),
    ("ptp", lambda s: T.ptp(s.x, axis=1), lambda: np.ptp(X, axis=1)),
    ("flatten_outdim", lambda s: T.flatten(s.t3, outdim=2), lambda: T3.reshape(2, 12)),
    ("flatten_ndim", lambda s: T.flatten(s.t3, ndim=2), lambda: T3.reshape(2, 12)),
    ("reshape", lambda s: T.reshape(s.x, newshape=(4, 3), ndim=2), lambda: X.reshape(4, 3)),
    ("reshape_minus1", lambda s: T.reshape(s.x, (2, -1)), lambda: X.reshape(2, -1)),
    ("arange", lambda s: T.arange(start=1, stop=10, step=2, dtype="int64"),
     lambda: np.arange(1, 10, 2)),
    ("switch", lambda s: T.switch(s.x > 0, s.x, s.v), lambda: np.where(X > 0, X, V)),
    ("where", lambda s: T.where(s.x > 0, s.x, 0), lambda: np.where(X > 0, X, 0)),
    ("concatenate", lambda s: T.concatenate(tensor_list=[s.x, s.x], axis=1),
     lambda: np.concatenate([X, X], axis=1)),
    ("stack_axis", lambda s: T.stack([s.x, s.x], axis=1), lambda: np.stack([X, X], axis=1)),
    ("stack_varargs", lambda s: T.stack(s.v, s.w), lambda: np.stack([V, W])),
    ("join", lambda s: T.join(0, s.x, s.x), lambda: np.concatenate([X, X])),
    ("split", lambda s: T.split(s.v, splits_size=[1, 3], n_splits=2, axis=0),
     lambda: [V[:1], V[1:]]),
    ("tile", lambda s: T.tile(s.x, reps=(2, 1), ndim=2), lambda: np.tile(X, (2, 1))),
    ("roll", lambda s: T.roll(s.x, shift=1, axis=1), lambda: np.roll(X, 1, axis=1)),
    ("shape_padleft", lambda s: T.shape_padleft(s.v, n_ones=2), lambda: V[None, None]),
    ("shape_padright", lambda s: T.shape_padright(s.v, n_ones=1), lambda: V[:, None]),
    ("shape_padaxis", lambda s: T.shape_padaxis(s.x, axis=1), lambda: X[:, None]),
    ("patternbroadcast",
     lambda s: T.patternbroadcast(T.shape_padleft(s.v), broadcastable=(True, False)),
     lambda: V[None]),
    ("zeros", lambda s: T.zeros(shape=(2, 3), dtype="int32"), lambda: np.zeros((2, 3), "int32")),
    ("ones", lambda s: T.ones(shape=(2,), dtype="float32"), lambda: np.ones(2, "float32")),
    ("zeros_like", lambda s: T.zeros_like(s.x, dtype="int8"), lambda: np.zeros((3, 4), "int8")),
    ("ones_like", lambda s: T.ones_like(s.x, dtype=None), lambda: np.ones((3, 4))),
    ("fill", lambda s: T.fill(s.x, 3.0), lambda: np.full((3, 4), 3.0)),
    ("alloc", lambda s: T.alloc(s.s, 2, 3), lambda: np.full((2, 3), S)),
    ("eye", lambda s: T.eye(n=3, m=4, k=1, dtype="float64"), lambda: np.eye(3, 4, 1)),
    ("identity_like", lambda s: T.identity_like(s.sq), lambda: np.eye(3)),
    ("tri", lambda s: T.tri(N=3, M=4, k=0, dtype="float64"), lambda: np.tri(3, 4, 0)),
    ("tril", lambda s: T.tril(s.sq, k=-1), lambda: np.tril(SQ, -1)),
    ("triu", lambda s: T.triu(s.sq, k=1), lambda: np.triu(SQ, 1)),
    ("clip", lambda s: T.clip(s.x, -0.5, 0.5), lambda: np.clip(X, -0.5, 0.5)),
    ("round", lambda s: T.round(s.x * 2, mode="half_to_even"), lambda: np.round(X * 2)),
    ("iround", lambda s: T.iround(s.x, mode="half_away_from_zero"),
     lambda: np.trunc(X + np.copysign(0.5, X)).astype("int64")),
    ("cast", lambda s: T.cast(s.x * 3, dtype="int32"), lambda: (X * 3).astype("int32")),
    ("dot", lambda s: T.dot(s.x, s.y), lambda: X @ Y),
    ("outer", lambda s: T.outer(s.v, s.w), lambda: np.outer(V, W)),
    ("tensordot_int", lambda s: T.tensordot(s.t3, s.y, axes=1), lambda: np.tensordot(T3, Y, 1)),
    ("tensordot_lists", lambda s: T.tensordot(a=s.x, b=s.y, axes=[[1], [0]]), lambda: X @ Y),
    ("batched_dot", lambda s: T.batched_dot(s.t3, s.t3b), lambda: T3 @ T3B),
    ("batched_tensordot", lambda s: T.batched_tensordot(s.t3, s.t3b, axes=[[2], [1]]),
     lambda: T3 @ T3B),
    ("transpose", lambda s: T.transpose(s.t3, axes=(2, 0, 1)),
     lambda: T3.transpose(2, 0, 1)),
    ("swapaxes", lambda s: T.swapaxes(s.t3, axis1=0, axis2=2), lambda: T3.swapaxes(0, 2)),
    ("diagonal", lambda s: T.diagonal(s.x, offset=1, axis1=0, axis2=1),
     lambda: np.diagonal(X, 1)),
    ("diag_vector", lambda s: T.diag(s.v, k=1), lambda: np.diag(V, 1)),
    ("diag_matrix", lambda s: T.diag(s.sq), lambda: np.diag(SQ)),
    ("nonzero", lambda s: T.nonzero(s.x > 0, return_matrix=True),
     lambda: np.array(np.nonzero(X > 0))),
    ("flatnonzero", lambda s: T.flatnonzero(s.x > 0), lambda: np.flatnonzero(X > 0)),
    ("nonzero_values", lambda s: T.nonzero_values(s.x), lambda: X[np.nonzero(X)]),
    ("isclose", lambda s: T.isclose(s.x, s.x + 1e-9, rtol=1e-05, atol=1e-08, equal_nan=False),
     lambda: np.isclose(X, X + 1e-9)),
    ("allclose", lambda s: T.allclose(s.x, s.x + 1, rtol=1e-05, atol=1e-08, equal_nan=False),
     lambda: np.allclose(X, X + 1)),
    ("set_subtensor", lambda s: T.set_subtensor(s.x[1:], 0.0),
     lambda: np.concatenate([X[:1], np.zeros((2, 4))])),
    ("inc_subtensor", lambda s: T.inc_subtensor(s.x[0], s.v),
     lambda: np.concatenate([X[:1] + V, X[1:]])),
    ("take", lambda s: T.take(s.x, indices=s.iv[:2], axis=1, mode="raise"),
     lambda: np.take(X, IV[:2], axis=1)),
    ("choose", lambda s: T.choose(s.iv % 2, choices=[s.v, s.w]),
     lambda: np.choose(IV % 2, [V, W])),
    ("stacklists", lambda s: T.stacklists([[s.s, s.s], [s.s, s.s]]), lambda: np.full((2, 2), S)),
    ("horizontal_stack", lambda s: T.horizontal_stack(s.x, s.x), lambda: np.hstack([X, X])),
    ("vertical_stack", lambda s: T.vertical_stack(s.x, s.x), lambda: np.vstack([X, X])),
    ("sort", lambda s: T.sort(s.x, axis=0, kind="quicksort", order=None),
     lambda: np.sort(X, axis=0)),
    ("argsort", lambda s: T.argsort(s.x, axis=1, kind="quicksort", order=None),
     lambda: np.argsort(X, axis=1)),
    ("topk", lambda s: SORT.sort(SORT.topk(s.v, kth=2, axis=-1, sorted=True)),
     lambda: np.sort(V)[-2:]),
    ("argtopk", lambda s: SORT.sort(SORT.argtopk(s.v, kth=2, axis=-1, idx_dtype="int64")),
     lambda: np.sort(np.argsort(V)[-2:])),
    ("cumsum", lambda s: T.cumsum(s.x, axis=0), lambda: np.cumsum(X, axis=0)),
    ("cumprod", lambda s: T.cumprod(s.x, axis=1), lambda: np.cumprod(X, axis=1)),
    # theano.tensor.nnet
    ("relu", lambda s: N.relu(s.x, alpha=0.1), lambda: np.where(X > 0, X, 0.1 * X)),
    ("elu", lambda s: N.elu(s.x, alpha=0.5), lambda: np.where(X > 0, X, 0.5 * np.expm1(X))),
    ("selu", lambda s: N.selu(s.x),
     lambda: 1.0507009873554805 * np.where(X > 0, X, 1.6732632423543772 * np.expm1(X))),
    ("softmax", lambda s: N.softmax(c=s.x), lambda: _softmax(X)),
    ("logsoftmax", lambda s: N.logsoftmax(s.x), lambda: np.log(_softmax(X))),
    ("sigmoid", lambda s: N.sigmoid(s.x), lambda: _sig(X)),
    ("softplus", lambda s: N.softplus(s.x), lambda: np.log1p(np.exp(X))),
    ("softsign", lambda s: N.softsign(s.x), lambda: X / (1 + abs(X))),
    ("hard_sigmoid", lambda s: N.hard_sigmoid(s.x), lambda: np.clip(0.2 * X + 0.5, 0, 1)),
    ("binary_crossentropy", lambda s: N.binary_crossentropy(output=s.p, target=s.q),
     lambda: -(Q * np.log(P) + (1 - Q) * np.log(1 - P))),
    ("sigmoid_binary_crossentropy",
     lambda s: N.sigmoid_binary_crossentropy(output=s.x, target=s.q),
     lambda: -(Q * np.log(_sig(X)) + (1 - Q) * np.log(1 - _sig(X)))),
    ("categorical_crossentropy",
     lambda s: N.categorical_crossentropy(coding_dist=N.softmax(s.x), true_dist=s.iv[:3]),
     lambda: -np.log(_softmax(X)[np.arange(3), IV[:3]])),
    ("to_one_hot", lambda s: N.to_one_hot(y=s.iv, nb_class=4, dtype="int32"),
     lambda: np.eye(4, dtype="int32")[IV]),
    # theano.tensor.extra_ops
    ("diff", lambda s: E.diff(s.v, n=2, axis=-1), lambda: np.diff(V, n=2)),
    ("bincount", lambda s: E.bincount(s.iv, weights=None, minlength=5),
     lambda: np.bincount(IV, minlength=5)),
    ("squeeze", lambda s: E.squeeze(T.shape_padleft(s.v)), lambda: V),
    ("compress", lambda s: E.compress(condition=s.iv[:3] > 0, x=s.x, axis=0),
     lambda: np.compress(IV[:3] > 0, X, axis=0)),
    ("repeat", lambda s: E.repeat(s.x, repeats=2, axis=0), lambda: np.repeat(X, 2, axis=0)),
    ("fill_diagonal", lambda s: E.fill_diagonal(a=s.sq, val=0.0),
     lambda: SQ * (1 - np.eye(3))),
    ("fill_diagonal_offset", lambda s: E.fill_diagonal_offset(a=s.sq, val=1.0, offset=1),
     lambda: np.where(np.eye(3, k=1) > 0, 1.0, SQ)),
    ("unique", lambda s: E.unique(ar=s.iv, return_index=True, return_inverse=True,
                                  return_counts=True),
     lambda: list(np.unique(IV, return_index=True, return_inverse=True, return_counts=True))),
    ("unravel_index", lambda s: E.unravel_index(indices=s.iv, dims=(3, 4), order="C"),
     lambda: list(np.unravel_index(IV, (3, 4)))),
    ("ravel_multi_index",
     lambda s: E.ravel_multi_index(multi_index=[s.iv, s.iv], dims=(5, 5), mode="raise",
                                   order="C"),
     lambda: np.ravel_multi_index([IV, IV], (5, 5))),
    ("searchsorted", lambda s: E.searchsorted(x=T.sort(s.v), v=s.w, side="right"),
     lambda: np.searchsorted(np.sort(V), W, side="right")),
    # theano.tensor.nlinalg
    ("pinv", lambda s: NL.pinv(s.x), lambda: np.linalg.pinv(X)),
    ("matrix_inverse", lambda s: NL.matrix_inverse(s.spd), lambda: np.linalg.inv(SPD)),
    ("det", lambda s: NL.det(s.sq), lambda: np.linalg.det(SQ)),
    ("eigh", lambda s: NL.eigh(s.spd, UPLO="L")[0], lambda: np.linalg.eigh(SPD)[0]),
    ("qr", lambda s: T.dot(*NL.qr(s.x, mode="reduced")), lambda: X),
    ("svd", lambda s: NL.svd(s.x, full_matrices=0, compute_uv=0),
     lambda: np.linalg.svd(X, compute_uv=False)),
    ("lstsq", lambda s: NL.lstsq(s.x, s.b, rcond=None)[0],
     lambda: np.linalg.lstsq(X, B34, rcond=None)[0]),
    ("matrix_power", lambda s: NL.matrix_power(M=s.sq, n=3),
     lambda: np.linalg.matrix_power(SQ, 3)),
    ("norm", lambda s: NL.norm(s.x, ord="fro"), lambda: np.linalg.norm(X, "fro")),
    ("trace", lambda s: NL.trace(s.sq), lambda: np.trace(SQ)),
    ("matrix_dot", lambda s: NL.matrix_dot(s.x, s.y, s.x), lambda: X @ Y @ X),
    # theano.tensor.slinalg
    ("cholesky", lambda s: SL.cholesky(s.spd), lambda: np.linalg.cholesky(SPD)),
    ("solve", lambda s: SL.solve(s.spd, s.b), lambda: np.linalg.solve(SPD, B34)),
    ("solve_lower_triangular", lambda s: SL.solve_lower_triangular(T.tril(s.spd), s.b),
     lambda: scipy.linalg.solve_triangular(np.tril(SPD), B34, lower=True)),
    ("eigvalsh", lambda s: SL.eigvalsh(s.spd, s.spd2, lower=True),
     lambda: scipy.linalg.eigvalsh(SPD, SPD2)),
    ("kron", lambda s: SL.kron(s.sq, s.x), lambda: np.kron(SQ, X)),
    ("prod(no_zeros_in_input=)", lambda s: T.prod(s.x, axis=0, no_zeros_in_input=True),
     lambda: X.prod(axis=0)),
    ("mean(op=)", lambda s: T.mean(s.x, axis=0, op=False), lambda: X.mean(axis=0)),
    ("expm", lambda s: SL.expm(s.sq), lambda: scipy.linalg.expm(SQ)),
]  # fmt: skip


@pytest.mark.parametrize("build,reference", [c[1:] for c in CALLS], ids=[c[0] for c in CALLS])
def test_call_with_theano_keywords(build, reference, mode):
    actual, expected = _run(build, mode), reference()
    if isinstance(expected, list):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected, strict=True):
            np.testing.assert_allclose(a, e, rtol=1e-6, atol=1e-9)
    else:
        np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-9)
        assert np.shape(actual) == np.shape(expected)


def test_top_level_keywords(mode):
    x = T.dvector("x")
    w = theano.shared(value=np.ones(4), name="w", strict=False, allow_downcast=None, borrow=True)
    cost = T.sum(w * x**2)
    g = theano.grad(cost=cost, wrt=w, consider_constant=None, disconnected_inputs="raise",
                    add_names=True, known_grads=None, return_disconnected="zero",
                    null_gradients="raise")  # fmt: skip
    f = theano.function(
        inputs=[theano.In(x, name="x")],
        outputs=[cost, g],
        mode=mode,
        updates=[(w, w - 0.1 * g)],
        givens=None,
        no_default_updates=False,
        accept_inplace=False,
        name="step",
        rebuild_strict=True,
        allow_input_downcast=None,
        profile=None,
        on_unused_input="raise",
    )
    c, grad_w = f(V)
    np.testing.assert_allclose(c, np.sum(V**2))
    np.testing.assert_allclose(grad_w, V**2)
    np.testing.assert_allclose(w.get_value(), 1 - 0.1 * V**2)


# ------------------------------------------------------------------ the compat names


def _compile(inputs, out, mode):
    return theano.function(inputs, out, mode=mode)


def _check_shape(inputs, out, values, mode):
    """The graph's symbolic shape, evaluated, equals the computed output's shape."""
    f = theano.function(inputs, [out, out.shape], mode=mode, on_unused_input="ignore")
    value, shape = f(*values)
    assert tuple(shape) == np.shape(value)


def test_square_power_tensor_copy(mode):
    x = T.dmatrix("x")
    f = _compile([x], [compat.square(x), compat.power(x, 3), compat.tensor_copy(x)], mode)
    sq, cube, copy = f(X)
    np.testing.assert_allclose(sq, X**2)
    np.testing.assert_allclose(cube, X**3)
    np.testing.assert_array_equal(copy, X)
    verify_grad(lambda a: compat.power(a, 3), [X], mode=mode)
    verify_grad(compat.square, [X], mode=mode)


def test_ceil_intdiv(mode):
    a, b = T.lvector("a"), T.lvector("b")
    av = np.array([7, -7, 6, -6, 0, 5])
    bv = np.array([2, 2, 3, -4, 3, -2])
    out = compat.ceil_intdiv(a, b)
    assert out.dtype == "int64"
    np.testing.assert_array_equal(_compile([a, b], out, mode)(av, bv), -(-av // bv))


def test_largest_smallest(mode):
    x, y, z = T.dmatrix("x"), T.dmatrix("y"), T.dvector("z")
    zv = W
    f = _compile([x, y, z], [compat.largest(x, y, z), compat.smallest(x, y, z)], mode)
    big, small = f(X, Y.T, zv)
    np.testing.assert_allclose(big, np.maximum(np.maximum(X, Y.T), zv))
    np.testing.assert_allclose(small, np.minimum(np.minimum(X, Y.T), zv))
    # C order: verify_grad's finite differences lose steps on a transposed (F-order) point.
    yt = np.ascontiguousarray(Y.T) + 0.01
    verify_grad(lambda a, b: compat.largest(a, b), [X, yt], mode=mode)
    verify_grad(lambda a, b: compat.smallest(a, b, 0.1), [X, yt], mode=mode)
    with pytest.raises(TypeError, match="at least one"):
        compat.largest()


def test_inverse_permutation(mode):
    p = T.lmatrix("p")
    pv = np.array([[2, 0, 3, 1], [0, 1, 2, 3], [3, 2, 1, 0]])
    out = compat.inverse_permutation(p)
    assert out.dtype == "int64"
    np.testing.assert_array_equal(_compile([p], out, mode)(pv), np.argsort(pv, axis=1))
    _check_shape([p], out, [pv], mode)
    with pytest.raises(TypeError, match="integer tensor"):
        compat.inverse_permutation(T.dvector())


def _permute_rows_reference(x, y, inverse):
    n = max(x.ndim, y.ndim)
    x = x.reshape((1,) * (n - x.ndim) + x.shape)
    y = y.reshape((1,) * (n - y.ndim) + y.shape)
    lead = np.broadcast_shapes(x.shape[:-1], y.shape[:-1])
    xb, yb = np.broadcast_to(x, lead + x.shape[-1:]), np.broadcast_to(y, lead + y.shape[-1:])
    out = np.empty(lead + x.shape[-1:])
    for i in np.ndindex(*lead):
        if inverse:
            out[i][yb[i]] = xb[i]
        else:
            out[i] = xb[i][yb[i]]
    return out


@pytest.mark.parametrize("inverse", [0, 1])
@pytest.mark.parametrize(
    "x_shape,y_shape",
    [((4,), (4,)), ((3, 4), (4,)), ((3, 4), (3, 4)), ((4,), (3, 4)), ((2, 3, 4), (3, 4)),
     ((1, 4), (3, 4)), ((2, 1, 4), (1, 3, 4))],
)  # fmt: skip
def test_permute_row_elements(x_shape, y_shape, inverse, mode):
    xv = rng.normal(size=x_shape)
    yv = np.argsort(rng.normal(size=y_shape), axis=-1)
    x = T.TensorType("float64", (False,) * len(x_shape))("x")
    y = T.TensorType("int64", (False,) * len(y_shape))("y")
    out = compat.permute_row_elements(x, y, inverse=inverse)
    np.testing.assert_allclose(
        _compile([x, y], out, mode)(xv, yv), _permute_rows_reference(xv, yv, inverse)
    )
    _check_shape([x, y], out, [xv, yv], mode)
    verify_grad(lambda a: compat.permute_row_elements(a, yv, inverse), [xv], mode=mode)


def test_permute_row_elements_errors():
    with pytest.raises(TypeError, match="integer tensor"):
        compat.permute_row_elements(T.dmatrix(), T.dvector())
    with pytest.raises(TypeError, match="at least one dimension"):
        compat.permute_row_elements(T.dscalar(), T.lvector())


@pytest.mark.parametrize("m", [0, 1, 2, 5, 8])
def test_bartlett(m, mode):
    M = T.lscalar("M")
    out = compat.bartlett(M)
    assert out.dtype == "float64"
    np.testing.assert_allclose(_compile([M], out, mode)(m), np.bartlett(m))
    _check_shape([M], out, [m], mode)
    with pytest.raises(TypeError, match="integer scalar"):
        compat.bartlett(T.dscalar())


def test_get_scalar_constant_value():
    gscv = compat.get_scalar_constant_value
    x, r = T.dmatrix("x"), T.drow("r")
    assert gscv(T.constant(3)) == 3
    assert gscv(T.constant(np.array([[2.5]]))) == 2.5
    assert gscv(T.constant(3) * 2 + 1) == 7
    assert gscv(r.shape[0]) == 1
    assert gscv(r.shape[0] * 4) == 4
    assert gscv(T.cast(T.constant(2.7), "int32")) == 2
    assert gscv(np.float64(1.5)) == 1.5
    with pytest.raises(compat.NotScalarConstantError):
        gscv(x.shape[0])
    with pytest.raises(compat.NotScalarConstantError):
        gscv(T.constant([1, 2]))
    with pytest.raises(compat.NotScalarConstantError):
        gscv(T.constant(3) * 2, elemwise=False)
    with pytest.raises(compat.NotScalarConstantError):
        gscv(r.shape[0], only_process_constants=True)
    # The TensorVariable method of the same name reaches this function through
    # ``theano.tensor``; it works once the compat names are exported there.
    if hasattr(T, "get_scalar_constant_value"):
        assert (T.constant(2) + 1).get_scalar_constant_value() == 3


def test_extract_constant():
    x = T.dmatrix("x")
    assert compat.extract_constant(T.constant(2) + 3) == 5
    assert compat.extract_constant(x) is x


def test_get_vector_length():
    x = T.dtensor3("x")
    assert compat.get_vector_length(x.shape) == 3
    assert compat.get_vector_length(T.constant([1, 2])) == 2
    assert compat.get_vector_length(T.shape_padleft(T.dscalar())) == 1
    with pytest.raises(ValueError, match="not known"):
        compat.get_vector_length(T.dvector())
    with pytest.raises(TypeError, match="expected a vector"):
        compat.get_vector_length(T.dmatrix())


def test_tensor_shared_variable():
    assert isinstance(theano.shared(np.zeros(3)), compat.TensorSharedVariable)


def test_prepend_to_each_row(mode):
    x, s = T.dmatrix("x"), T.dscalar("s")
    outs = [compat.prepend_0_to_each_row(x), compat.prepend_1_to_each_row(x),
            compat.prepend_scalar_to_each_row(s, x)]  # fmt: skip
    zero, one, val = _compile([x, s], outs, mode)(X, S)
    for got, fill in ((zero, 0.0), (one, 1.0), (val, S)):
        np.testing.assert_allclose(got, np.hstack([np.full((3, 1), fill), X]))
    assert outs[0].type == x.type
    _check_shape([x, s], outs[2], [X, S], mode)
    verify_grad(lambda a, b: compat.prepend_scalar_to_each_row(b, a), [X, np.array(S)],
                mode=mode)  # fmt: skip
    with pytest.raises(TypeError, match="matrix"):
        compat.prepend_0_to_each_row(T.dvector())


def test_sigmoid_inplace(mode):
    x = T.dvector("x")
    y = compat.sigmoid_inplace(x * 1.0)
    f = theano.function([x], y, mode=mode, accept_inplace=True)
    np.testing.assert_allclose(f(V), _sig(V))
    with pytest.raises(TypeError, match="inplace"):
        theano.function([x], y, mode=mode)


def test_confusion_matrix(mode):
    a, p = T.lvector("a"), T.lvector("p")
    av = np.array([0, 1, 2, 2, 5])
    pv = np.array([0, 2, 2, 1, 0])
    conf, order = _compile([a, p], compat.confusion_matrix(a, p), mode)(av, pv)
    labels = np.unique(np.concatenate([av, pv]))
    expected = np.array([[np.sum((av == i) & (pv == j)) for j in labels] for i in labels])
    np.testing.assert_array_equal(order, labels)
    np.testing.assert_array_equal(conf, expected)
    with pytest.raises(ValueError, match="vector"):
        compat.confusion_matrix(T.lmatrix(), p)


def _h_softmax_reference(x, w1, b1, w2, b2, n_outputs):
    class_probs = _softmax(x @ w1 + b1)
    blocks = [class_probs[:, c : c + 1] * _softmax(x @ w2[c] + b2[c]) for c in range(len(w2))]
    return np.concatenate(blocks, axis=1)[:, :n_outputs]


def test_h_softmax(mode):
    batch, n_in, n_classes, per_class, n_outputs = 4, 3, 3, 2, 5
    params = [
        rng.normal(size=s)
        for s in [
            (batch, n_in),
            (n_in, n_classes),
            (n_classes,),
            (n_classes, n_in, per_class),
            (n_classes, per_class),
        ]
    ]
    target = np.array([0, 4, 2, 3])
    full = _h_softmax_reference(*params, n_outputs)
    x, w1, b1, w2, b2 = (
        T.TensorType("float64", (False,) * p.ndim)(n)
        for p, n in zip(params, ["x", "w1", "b1", "w2", "b2"], strict=True)
    )
    t = T.lvector("t")

    def h(x, w1, b1, w2, b2, target=None):
        return compat.h_softmax(x, batch, n_outputs, n_classes, per_class, w1, b1, w2, b2, target)

    all_probs, target_probs = _compile([x, w1, b1, w2, b2, t],
                                       [h(x, w1, b1, w2, b2), h(x, w1, b1, w2, b2, t)],
                                       mode)(*params, target)  # fmt: skip
    np.testing.assert_allclose(all_probs, full)
    np.testing.assert_allclose(target_probs, full[np.arange(batch), target])
    verify_grad(h, params, mode=mode)
    verify_grad(lambda *p: h(*p, target=T.constant(target)), params, mode=mode)
    with pytest.raises(TypeError, match="integer vector"):
        h(x, w1, b1, w2, b2, T.dvector())


def test_batch_normalization(mode):
    x, g, b = T.dmatrix("x"), T.dvector("g"), T.dvector("b")
    mean, std = x.mean(axis=0, keepdims=True), x.std(axis=0, keepdims=True)
    gv, bv = np.abs(V) + 0.5, W
    for bn_mode in ("low_mem", "high_mem"):
        out = compat.batch_normalization(x, g, b, mean, std, mode=bn_mode)
        ref = (X - X.mean(0)) * (gv / X.std(0)) + bv
        np.testing.assert_allclose(_compile([x, g, b], out, mode)(X, gv, bv), ref)
    verify_grad(lambda a, c, d: compat.batch_normalization(a, c, d, 0.3, 1.7), [X, gv, bv],
                mode=mode)  # fmt: skip
    with pytest.raises(ValueError, match="low_mem"):
        compat.batch_normalization(x, g, b, mean, std, mode="fast")


@pytest.mark.parametrize("lower", [True, False])
def test_cho_solve(lower, mode):
    a, b = T.dmatrix("a"), T.dmatrix("b")
    c = SL.cholesky(a) if lower else SL.cholesky(a).T
    out = compat.cho_solve((c, lower), b)
    np.testing.assert_allclose(_compile([a, b], out, mode)(SPD, B34),
                               np.linalg.solve(SPD, B34), rtol=1e-8)  # fmt: skip
    cv = np.linalg.cholesky(SPD)
    cv = cv if lower else np.ascontiguousarray(cv.T)
    verify_grad(lambda cc, bb: compat.cho_solve((cc, lower), bb), [cv, B34], mode=mode)
    assert "general" in compat.MATRIX_STRUCTURES


def test_transpose_inplace(mode):
    x = T.dmatrix("x")
    np.testing.assert_array_equal(_compile([x], compat.transpose_inplace(x), mode)(X), X.T)


def test_scipy_references_used():
    # The erfcx reference keeps scipy.special exercised with the elementwise names.
    x = T.dvector("x")
    np.testing.assert_allclose(T.erfcx(x).eval({x: V}), scipy.special.erfcx(V))
