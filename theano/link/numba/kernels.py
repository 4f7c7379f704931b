"""Numba kernels for elementwise nodes: one compiled loop per (fused) `Elemwise`.

A kernel is a Numba ``cfunc`` looping over C-contiguous arrays of one shape: the
node's scalar graph computed element by element in one pass over memory, inputs of a
single value passed by value and constants written into the source. The kernel body
computes each value of the scalar graph once (a value read twice goes to a local), so
its source grows linearly with the graph. The Numba tier calls a kernel only where
its arrays fit (see `theano.link.numba.linker`); NumPy serves the other calls.

Compiled code is kept under ``config.compiledir`` as a shared library linked with
the system C compiler, keyed by a hash of the kernel source and the host CPU, and
loaded with ``ctypes``: a process whose kernels are all cached never imports Numba.
A kernel that cannot be built leaves its node to the Python tier.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib.util
import os
import re
import sys
import tempfile
import threading
import typing
import warnings

import numpy as np

from theano import scalar as S
from theano.configdefaults import config
from theano.graph.basic import Constant
from theano.scalar.composite import Composite

_lock = threading.Lock()  # guards _building
_loaded: dict[str, object] = {}
_building: dict[str, threading.Lock] = {}  # the lock of each kernel being loaded or built


def _locks_after_fork():
    # A lock another thread held at the fork would never be released in the child.
    global _lock
    _lock = threading.Lock()
    _building.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_locks_after_fork)

# NumPy ufuncs that Numba compiles on scalars, written as np.<name>(...).
_NUMPY_SCALAR_UFUNCS = {
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "sin", "cos", "tan",
    "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh", "arcsinh", "arccosh",
    "arctanh", "floor", "ceil", "trunc", "maximum", "minimum", "abs", "absolute", "sign",
    "deg2rad", "rad2deg", "isnan", "isinf", "hypot", "fmod", "logaddexp", "power",
    "conjugate", "rint", "invert",
}  # fmt: skip


# Ufuncs computed by `vector_math` (named ``vm`` in a kernel's source), which the loop
# vectorizer can turn into vector code, unlike the C library's scalar functions. Its
# sin and cos hold up to SIN_COS_MAX: `_module_source` keeps them on a kernel's inputs,
# which the caller checks (`KernelSpec.range_checked`).
_VECTOR_MATH = {"exp", "log", "log1p", "tanh", "sin", "cos"}

# The bound vector_math's sin and cos hold to (defined here: importing vector_math
# imports Numba). Kernels using vector_math name it in their source, so their cache
# key changes with it.
SIN_COS_MAX = 1e5

# Kernels with exp, log, tanh... run only on arrays below this many elements: per
# element, NumPy's SIMD loops are faster (Numba calls the C library's scalar sin, cos...;
# `vector_math` computes float64 vectors, against 16 float32 lanes in NumPy's AVX-512
# tanh), but one kernel call costs less than the NumPy call per op it replaces.
TRANSCENDENTAL_MAX = 4096


class Settings(typing.NamedTuple):
    """The flags a Numba tier is built with (`settings`)."""

    compiledir: str
    kernels: str
    whole_graph: bool
    cache: bool
    openmp: bool
    openmp_minsize: int

    @classmethod
    def from_config(cls):
        return cls(config.compiledir, config.numba.kernels, bool(config.numba.whole_graph),
                   bool(config.numba.cache), bool(config.openmp),
                   int(config.openmp_elemwise_minsize))  # fmt: skip


_pinned = threading.local()


def settings() -> Settings:
    """The flags to build kernels with: those pinned for this thread (a background tier
    is built with the flags of the `function` call that started it, whatever they are
    by then), else the current ones."""
    pinned = getattr(_pinned, "settings", None)
    return pinned if pinned is not None else Settings.from_config()


@contextlib.contextmanager
def pinned_settings(pinned: Settings):
    """Within this block, this thread builds kernels with ``pinned``."""
    previous = getattr(_pinned, "settings", None)
    _pinned.settings = pinned
    try:
        yield
    finally:
        _pinned.settings = previous


def small_arrays_only() -> bool:
    """True when kernels with transcendental functions are limited to small arrays
    (``config.numba.kernels != 'all'``)."""
    return settings().kernels != "all"


class NoNumbaForm(Exception):
    """The scalar op has no Numba expression; its node stays in the Python tier."""


class KernelBuildError(NoNumbaForm):
    """Numba could not compile a kernel source."""


_DISCRETE = ("bool", "int", "uint")


def _discrete(dtype):
    return dtype.startswith(_DISCRETE)


def _cast(expr, dtype):
    """``expr`` converted to ``dtype`` (once: an expression converted already is kept)."""
    head = f"np.{'bool_' if dtype == 'bool' else dtype}("
    if expr.startswith(head) and _closes_at_end(expr, len(head) - 1):
        return expr
    return f"{head}{expr})"


def _closes_at_end(expr, opening):
    """True when the parenthesis at ``opening`` closes at the end of ``expr``."""
    depth = 0
    for k in range(opening, len(expr)):
        depth += {"(": 1, ")": -1}.get(expr[k], 0)
        if depth == 0:
            return k == len(expr) - 1
    return False


def _literal(value, dtype):
    """Source for the constant ``value`` (inf and NaN have no literal in Python)."""
    value = np.asarray(value).item()
    if isinstance(value, float) and not np.isfinite(value):
        text = "np.nan" if np.isnan(value) else ("np.inf" if value > 0 else "(-np.inf)")
    else:
        text = repr(value)
    return _cast(text, dtype)


def scalar_expr(op, args, in_dtypes, out_dtype) -> str:
    """A Numba-compilable expression of ``op`` applied to the expressions ``args``.

    Discrete inputs of an op with a float result are converted to that float first, as
    the Python tier computes them (``sigmoid`` of a uint8 must not negate a uint8).
    """
    if isinstance(op, Composite):
        lines, result = _body(op, args, in_dtypes, out_dtype)
        if lines:
            raise NoNumbaForm(f"{op} needs statements; use kernel_source")
        return result
    if isinstance(op, S.Cast):
        if (
            in_dtypes[0].startswith("float")
            and op.dtype.startswith(("int", "uint"))
            and (op.dtype != "int64")
        ):
            # Out of range, float -> int8 (or uint64...) is undefined in C: NumPy and
            # LLVM give different values. Such casts stay with NumPy.
            raise NoNumbaForm(f"{in_dtypes[0]} -> {op.dtype} conversion")
        return _cast(args[0], op.dtype)
    if isinstance(op, S.Pow) and _discrete(out_dtype):
        # NumPy raises on an integer to a negative power; Numba's raises too, and a kernel
        # that may raise links to Numba's runtime: its cached copy could not load alone.
        raise NoNumbaForm("integer power")
    first = 1 if isinstance(op, S.Switch) else 0  # the condition stays as it is
    if not _discrete(out_dtype) and not out_dtype.startswith("complex"):
        args = [_cast(a, out_dtype) if k >= first and _discrete(d) else a
                for k, (a, d) in enumerate(zip(args, in_dtypes))]  # fmt: skip
    elif out_dtype != "bool" and _discrete(out_dtype):
        # Numba combines a bool with a uint64 as int64 (2**64 - 1 becomes -1); NumPy
        # computes in the result's dtype.
        args = [_cast(a, out_dtype) if k >= first and d == "bool" else a
                for k, (a, d) in enumerate(zip(args, in_dtypes))]  # fmt: skip
    return _op_expr(op, args, in_dtypes)


def _op_expr(op, args, in_dtypes):
    sym = getattr(op, "symbol", None)
    if isinstance(op, S.Add | S.Mul) and len(args) == 1:
        return args[0]
    if isinstance(op, S.Identity):
        return args[0]
    if isinstance(op, S.Second):
        return args[1]
    if isinstance(op, S.Switch):
        return f"({args[1]} if {args[0]} else {args[2]})"
    if isinstance(op, S.Neg):
        return f"(-{args[0]})"
    if isinstance(op, S.Sqr):
        return f"({args[0]} * {args[0]})"
    if isinstance(op, S.Inv):
        return f"(1.0 / {args[0]})"
    if isinstance(op, S.TrueDiv):
        return f"({_cast(args[0], 'float64')} / {args[1]})"
    if isinstance(op, S.Sgn) and _discrete(in_dtypes[0]):
        # Numba's np.sign of a uint64 above 2**63 is -1 (wrapped): compare instead.
        x = args[0]
        return f"(1 if {x} > 0 else (-1 if {x} < 0 else 0))"
    if isinstance(op, S.IntDiv) and all(d.startswith("int") for d in in_dtypes):
        # Numba's int64 division gives 0 for INT64_MIN // -1; NumPy wraps to INT64_MIN.
        return f"(-{args[0]} if {args[1]} == -1 else {args[0]} // {args[1]})"
    if isinstance(op, S.Sigmoid):
        return f"(1.0 / (1.0 + vm.exp(-{args[0]})))"
    if isinstance(op, S.Softplus):
        x = args[0]
        return f"(({x}) + vm.log1p(vm.exp(-({x}))) if ({x}) > 0 else vm.log1p(vm.exp({x})))"
    if sym is not None and len(args) >= 2:
        return "(" + f" {sym} ".join(args) + ")"
    ufunc = getattr(op, "ufunc", None)
    name = getattr(ufunc, "__name__", None)
    if isinstance(ufunc, np.ufunc) and name in _VECTOR_MATH:
        return f"vm.{name}({args[0]})"
    if isinstance(ufunc, np.ufunc) and name in _NUMPY_SCALAR_UFUNCS:
        return f"np.{name}({', '.join(args)})"
    special = getattr(op, "numba_expr", None)
    if special is not None:
        return special(args)
    raise NoNumbaForm(str(op))


_SIMPLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# vector_math's sin or cos of a kernel input's value (x<k>), and of anything else.
_RANGE_CHECKED = re.compile(r"vm\.(?:sin|cos)\(x(\d+)\)")
_UNCHECKED_TRIG = re.compile(r"vm\.(sin|cos)\((?!x\d+\))")
# An expression longer than this is bound to a local name rather than nested further,
# so the generated source stays shallow for Python's parser at any composite depth.
_MAX_INLINE = 400


class _Locals:
    """The statements of a kernel body: ``bind(expr)`` stores ``expr`` in a new local."""

    def __init__(self, prefix="t"):
        self.lines = []
        self.prefix = prefix

    def bind(self, expr):
        name = f"{self.prefix}{len(self.lines)}"
        self.lines.append(f"{name} = {expr}")
        return name


def _node_expr(op, args, in_dtypes, out_dtype, local):
    """``op``'s expression on ``args``; an argument the expression repeats (``sqr``,
    ``softplus``...) is first bound to a local, never duplicated."""
    if isinstance(op, Composite):
        args = [a if _SIMPLE.match(a) else local.bind(a) for a in args]
        return _composite_expr(op, args, in_dtypes, local)
    marks = [f"__arg{k}__" for k in range(len(args))]
    template = scalar_expr(op, marks, in_dtypes, out_dtype)
    for mark, arg in zip(marks, args):
        if template.count(mark) > 1 and not _SIMPLE.match(arg):
            arg = local.bind(arg)
        template = template.replace(mark, arg)
    return template


def _composite_expr(comp, args, in_dtypes, local):
    """The result expression of the Composite ``comp`` on ``args`` (simple names).

    A value used by one node is inlined into it (a switch branch stays lazy); a value
    used more than once is computed once into a local, so a DAG's source stays linear
    in its size.
    """
    uses = {}
    for node in comp.nodes:
        for v in node.inputs:
            uses[v] = uses.get(v, 0) + 1
    exprs = dict(zip(comp.inputs, args))
    dtypes = dict(zip(comp.inputs, in_dtypes))
    for node in comp.nodes:
        inner = []
        for v in node.inputs:
            if v not in exprs:
                if not isinstance(v, Constant):
                    raise NoNumbaForm(f"free variable {v} in {comp}")
                exprs[v] = _literal(v.data, v.type.dtype)
            inner.append(exprs[v])
        out = node.outputs[0]
        out_dtype = out.type.dtype
        in_types = [dtypes.get(v, v.type.dtype) for v in node.inputs]
        expr = _cast(_node_expr(node.op, inner, in_types, out_dtype, local), out_dtype)
        if uses.get(out, 0) > 1 or len(expr) > _MAX_INLINE:
            expr = local.bind(expr)
        exprs[out] = expr
    return exprs[comp.outputs[0]]


def _body(scalar_op, args, in_dtypes, out_dtype):
    local = _Locals()
    result = _node_expr(scalar_op, args, in_dtypes, out_dtype, local)
    return local.lines, result


class KernelSpec:
    """What a kernel computes and how it is called.

    ``kinds[k]`` is ``"p"`` when input ``k`` is an array read element by element,
    ``"r"`` when it is one row (all dimensions but the last broadcastable) read again
    for every row, ``"s"`` when it is one value passed by value (an input broadcastable
    in every dimension), or ``"c"`` when it is a constant written into the source.
    Arrays are passed as the address of the array object's data pointer (`address`).
    ``inplace`` is the input the kernel writes into, or None for a separate output.
    """

    def __init__(self, scalar_op, in_dtypes, out_dtype, kinds=None, constants=None,
                 inplace=None):  # fmt: skip
        self.scalar_op = scalar_op
        self.in_dtypes = list(in_dtypes)
        self.out_dtype = out_dtype
        self.kinds = list(kinds) if kinds is not None else ["p"] * len(self.in_dtypes)
        self.constants = dict(constants or {})
        self.inplace = inplace
        self.source = _module_source(self)
        # Inputs whose values must lie within vector_math.SIN_COS_MAX for the kernel to
        # be right (they are passed to its sin or cos).
        self.range_checked = sorted({int(k) for k in _RANGE_CHECKED.findall(self.source)})

    def restype(self):
        return None

    def argtypes(self):
        """The ctypes argument types: the range to compute (``lo``, ``hi``: elements, or
        rows and then ``cols`` when an input is one row), then the inputs, then the
        output (when not in place)."""
        types = [ctypes.c_ssize_t, ctypes.c_ssize_t]
        if "r" in self.kinds:
            types.append(ctypes.c_ssize_t)  # the columns of a row
        for kind, dtype in zip(self.kinds, self.in_dtypes):
            if kind in "pr":
                types.append(ctypes.c_void_p)
            elif kind == "s":
                types.append(_CTYPES[_storage(dtype)])
        if self.inplace is None:
            types.append(ctypes.c_void_p)
        return types


# Element types of the kernels' memory: a bool is stored in one byte (read as uint8).
def _storage(dtype):
    return "uint8" if dtype == "bool" else dtype


_CTYPES = {
    "float32": ctypes.c_float, "float64": ctypes.c_double, "int8": ctypes.c_int8,
    "int16": ctypes.c_int16, "int32": ctypes.c_int32, "int64": ctypes.c_int64,
    "uint8": ctypes.c_uint8, "uint16": ctypes.c_uint16, "uint32": ctypes.c_uint32,
    "uint64": ctypes.c_uint64,
}  # fmt: skip


def kernel_source(scalar_op, in_dtypes, out_dtype, kinds=None, constants=None,
                  inplace=None) -> str:  # fmt: skip
    """The source of a module defining ``kernel``, a Numba ``cfunc`` computing
    ``scalar_op`` element by element (see `KernelSpec` for the arguments)."""
    return KernelSpec(scalar_op, in_dtypes, out_dtype, kinds, constants, inplace).source


def _module_source(spec):
    n_in = len(spec.in_dtypes)
    values = [f"x{k}" for k in range(n_in)]
    lines, result = _body(spec.scalar_op, values, spec.in_dtypes, spec.out_dtype)
    # The sine of a computed value may exceed vector_math's range: the C library's.
    lines = [_UNCHECKED_TRIG.sub(r"np.\1(", line) for line in lines]
    result = _UNCHECKED_TRIG.sub(r"np.\1(", result)
    rows = "r" in spec.kinds  # loops over rows and columns, for inputs of one row
    params, sig, loads, heads = ["lo", "hi"], ["types.intp", "types.intp"], [], []
    if rows:
        params.append("cols")
        sig.append("types.intp")
    for k, (kind, dtype) in enumerate(zip(spec.kinds, spec.in_dtypes)):
        storage = f"types.{_storage(dtype)}"
        if kind in "pr":
            params.append(f"a{k}")
            sig.append(f"types.CPointer(types.CPointer({storage}))")
            heads.append(f"p{k} = a{k}[0]")
            loads.append(f"x{k} = {_cast(f'p{k}[j]' if kind == 'r' else f'p{k}[i]', dtype)}")
        elif kind == "s":
            params.append(f"a{k}")
            sig.append(storage)
            loads.insert(0, f"x{k} = {_cast(f'a{k}', dtype)}")  # hoisted by LLVM anyway
        else:
            loads.insert(0, f"x{k} = {_literal(spec.constants[k], dtype)}")
    if spec.inplace is None:
        params.append("out")
        sig.append(f"types.CPointer(types.CPointer(types.{_storage(spec.out_dtype)}))")
        heads.append("po = out[0]")
        target = "po"
    else:
        target = f"p{spec.inplace}"
    value = _cast(result, spec.out_dtype)
    if spec.out_dtype == "bool":
        value = f"np.uint8({value})"
    pad = " " * (12 if rows else 8)
    body = "".join(f"{pad}{line}\n" for line in [*loads, *lines, f"{target}[i] = {value}"])
    loop = ("    for r in range(lo, hi):\n        for j in range(cols):\n"
            "            i = r * cols + j\n") if rows else "    for i in range(lo, hi):\n"  # fmt: skip
    function = (
        f"def body({', '.join(params)}):\n{''.join(f'    {h}{chr(10)}' for h in heads)}{loop}{body}"
    )
    return cfunc_module(f"types.void({', '.join(sig)})", function, wide=True)


def cfunc_module(signature, body, wide=False):
    """The source of a kernel module: ``body`` (the source of a function named
    ``body``) compiled as a ``cfunc`` of ``signature`` (a Numba type expression).

    A body calling `vector_math` (``vm.exp(...)``) imports it and names the version of
    its source, so a cached kernel is rebuilt when it changes. ``wide``: the body's
    loops use 512-bit vectors where the CPU has them (`codegen.wide_vectors`).
    """
    head = "import math\n\nimport numpy as np\nfrom numba import cfunc, types\n"
    if wide:
        head += f"\nfrom theano.link.numba import codegen  # {_source_version('codegen')}\n"
        define, _, rest = body.partition("\n")
        body = f"{define}\n    codegen.wide_vectors()\n{rest}"
    flags = "nopython=True, error_model='numpy', boundscheck=False"
    if "vm." in body:
        version = f"{_source_version('vector_math')}, sin and cos to {SIN_COS_MAX!r}"
        head += f"\nfrom theano.link.numba import vector_math as vm  # {version}\n"
    if "mem." in body:
        version = f"{_source_version('memory')}, {array_layout()}"
        head += f"\nfrom theano.link.numba import memory as mem  # {version}\n"
    return (
        f"{head}\n"
        f"SIGNATURE = {signature}\n\n\n"
        f"{body}\n\n"
        # error_model='numpy': x / 0 gives inf or nan as in NumPy, never an exception.
        f"kernel = cfunc(SIGNATURE, {flags})(body)\n"
    )


_VERSIONS: dict[str, str] = {}


def _source_version(module):
    """A hash of the source file of ``module`` (in this package), read without importing
    it (and Numba)."""
    if module not in _VERSIONS:
        path = os.path.join(os.path.dirname(__file__), f"{module}.py")
        with open(path, "rb") as fh:
            _VERSIONS[module] = hashlib.sha256(fh.read()).hexdigest()[:16]
    return _VERSIONS[module]


def guarded(conds, body, fallback):
    """Source running ``body`` (lines) when every condition holds, else ``fallback``
    (the Python tier's snippet)."""
    lines = [f"if {' and '.join(conds)}:", *("    " + ln for ln in body), "else:"]
    lines.extend("    " + ln for ln in fallback.splitlines())
    return "\n".join(lines)


def address(ctx):
    """``addr(name)``: the source of the argument passing array ``name`` to a kernel."""
    ident, offset = ctx.ref(id, "id"), data_field_offset()
    return lambda name: f"{ident}({name}) + {offset}"


def _cache_dir():
    path = os.path.join(settings().compiledir, "numba_kernels")
    os.makedirs(path, exist_ok=True)
    return path


class NativeKernel:
    """A compiled loop, called as ``fn(*args)``: for an elementwise kernel ``args`` is
    ``lo, hi, *inputs[, out]`` with the data addresses of C-contiguous arrays
    (`KernelSpec` says which inputs are addresses).

    ``fn`` keeps the GIL (cheapest for a short call); ``fn_nogil`` releases it, for
    threads computing parts of one large array. ``origin`` is ``"cache"`` (loaded from
    the shared library on disk, Numba not imported), ``"built"`` (compiled now, and its
    shared library stored), ``"worker"`` (compiled and stored by the worker process,
    then loaded) or ``"jit"`` (compiled now; no C linker to store it with).
    """

    def __init__(self, fn, spec, origin, keepalive=None, fn_nogil=None):
        self.fn = fn
        self.fn_nogil = fn_nogil
        self.spec = spec
        self.origin = origin
        self._keepalive = keepalive

    def __call__(self, *inputs):
        """Apply to arrays of one shape (and single values, and rows of its last
        dimension): for tests and debugging; compiled functions call ``fn`` directly."""
        spec = self.spec
        arrays = [np.ascontiguousarray(v, dtype=d) for v, d in zip(inputs, spec.in_dtypes)]
        full = [a for a, kind in zip(arrays, spec.kinds) if kind == "p"]
        shape = full[0].shape if full else ()
        offset = data_field_offset()
        size = int(np.prod(shape))
        if "r" in spec.kinds:
            cols = shape[-1]
            args = [0, size // cols if cols else 0, cols]
        else:
            args = [0, size]
        for a, kind in zip(arrays, spec.kinds):
            if kind in "pr":
                args.append(id(a) + offset)
            elif kind == "s":
                args.append(a.item())
        if spec.inplace is not None:
            out = arrays[spec.inplace]
        else:
            out = np.empty(shape, dtype=spec.out_dtype)
            args.append(id(out) + offset)
        self.fn(*args)
        return out


_OFFSET = []


def data_field_offset():
    """Where an ndarray object holds its data pointer, from the object's address (after
    Python's object header, as NumPy's C structure lays it out), or None if that
    cannot be confirmed here. Reading it costs the call nothing, where
    ``a.ctypes.data`` costs a microsecond."""
    if not _OFFSET:
        probes = [np.arange(5.0), np.ones((3, 4))[1:], np.zeros(7, "f4"), np.empty(0)]
        found = None
        for offset in range(8, 129, 8):
            if all(ctypes.c_void_p.from_address(id(a) + offset).value
                   == a.__array_interface__["data"][0] for a in probes):  # fmt: skip
                found = offset
                break
        _OFFSET.append(found)
    return _OFFSET[0]


_LAYOUT = []

# NumPy's flag for an array whose memory may be written.
WRITEABLE_FLAG = 0x0400


def array_layout():
    """Byte offsets ``(data, nd, dims, strides, flags)`` of the fields of an ndarray
    object, after Python's object header as NumPy's C structure lays them out, or None
    if they cannot be confirmed here (then no kernel reads array objects itself)."""
    if not _LAYOUT:
        data = data_field_offset()
        found = None
        if data is not None:
            found = (data, data + 8, data + 16, data + 24, data + 40 + 8)
            read_only = np.ones(3)
            read_only.flags.writeable = False
            probes = [np.arange(5.0), np.ones((3, 4))[1:, ::2], np.zeros((2, 3, 4), "f4").T,
                      read_only, np.empty((0, 2))]  # fmt: skip
            if not all(_layout_matches(a, found) for a in probes):
                found = None
        _LAYOUT.append(found)
    return _LAYOUT[0]


def _layout_matches(a, layout):
    _, nd, dims, strides, flags = layout
    base = id(a)
    if ctypes.c_int.from_address(base + nd).value != a.ndim:
        return False
    shape = ctypes.cast(ctypes.c_void_p.from_address(base + dims).value,
                        ctypes.POINTER(ctypes.c_ssize_t))  # fmt: skip
    steps = ctypes.cast(ctypes.c_void_p.from_address(base + strides).value,
                        ctypes.POINTER(ctypes.c_ssize_t))  # fmt: skip
    writeable = bool(ctypes.c_int.from_address(base + flags).value & WRITEABLE_FLAG)
    return (tuple(shape[:a.ndim]) == a.shape and tuple(steps[:a.ndim]) == a.strides
            and writeable == a.flags.writeable)  # fmt: skip


def load_kernel(spec: KernelSpec) -> NativeKernel:
    """The kernel for ``spec``: from the on-disk cache when there, else compiled.

    Files are named by a hash of the kernel source and the host CPU: ``k_<key>.py``
    (the source), ``k_<key>.so`` (its machine code as a shared library) and
    ``k_<key>.json`` (the symbol and the library's SHA-256). Each is written to a
    temporary file and renamed into place, the manifest last, so concurrent processes
    never load a partial library; a library whose hash does not match its manifest,
    or that cannot be loaded, is rebuilt. With ``config.numba.cache`` off, kernels are
    compiled in each process and no machine code is stored.
    """
    key = _key(spec.source)
    kernel = _loaded.get(key)
    if kernel is not None:
        return kernel
    # One lock per kernel: a thread waiting seconds for one build (a background tier)
    # does not hold up another thread's loads and builds of other kernels.
    with _lock:
        building = _building.setdefault(key, threading.Lock())
    with building:
        kernel = _loaded.get(key)
        if kernel is not None:
            return kernel
        try:
            directory = _cache_dir()
            cache = settings().cache
            kernel = _load_native(directory, key, spec) if cache else None
            if kernel is None and cache and getattr(_elsewhere, "active", False):
                kernel = _built_by_worker(directory, key, spec)
            if kernel is None:
                kernel = _build(directory, key, spec, store=cache)
            _loaded[key] = kernel
            return kernel
        finally:
            with _lock:
                _building.pop(key, None)


# Set in a background tier's thread: kernels it needs are compiled in the child process
# of `theano.link.numba.worker`, which keeps Numba's compiler off this process's GIL.
_elsewhere = threading.local()


@contextlib.contextmanager
def built_elsewhere():
    """Within this block, this thread's kernels missing from the cache are compiled by
    the worker process (the calling thread waits without holding the GIL)."""
    _elsewhere.active = True
    try:
        yield
    finally:
        _elsewhere.active = False


def _built_by_worker(directory, key, spec):
    """The kernel compiled and stored by the worker, then loaded; None when the worker
    could not (then this process compiles it, and reports any error itself)."""
    from theano.link.numba.worker import shared_worker

    if shared_worker().disabled or _c_compiler() is None:  # it could not store the library
        return None
    path = os.path.join(directory, f"k_{key}.py")
    if not _file_matches(path, spec.source):
        _write_atomic(directory, path, spec.source.encode())
    try:
        outcome = shared_worker().build(directory, key)
    except Exception:  # noqa: BLE001 (a worker bug must not cost the kernel)
        return None
    if outcome == "crashed":
        why = "Numba's compiler crashed the worker process on this kernel"
        raise KernelBuildError(why) from OSError(why)
    if outcome != "stored":
        return None
    kernel = _load_native(directory, key, spec)
    if kernel is not None:
        kernel.origin = "worker"
    return kernel


def build_stored(directory, key):
    """Compile the kernel source ``<directory>/k_<key>.py`` and store its shared
    library (the worker process's job); raise when it cannot be stored."""
    compiled = _import(key, os.path.join(directory, f"k_{key}.py"))
    if not _store_native(directory, key, compiled):
        raise OSError("no C compiler to link the kernel's shared library")


def _key(source):
    return hashlib.sha256((source + _host_tag()).encode()).hexdigest()[:24]


_HOST_TAG = []


def _host_tag():
    """The CPU the machine code is built for: a cache shared between machines must not
    hand one CPU's instructions to another."""
    if not _HOST_TAG:
        import platform

        flags = ""
        with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
            flags = next((ln for ln in fh if ln.startswith("flags")), "")
        _HOST_TAG.append(f"{platform.machine()} {flags.strip()}")
    return _HOST_TAG[0]


def _load_native(directory, key, spec):
    import json

    base = os.path.join(directory, f"k_{key}")
    try:
        with open(base + ".json", "rb") as fh:
            manifest = json.loads(fh.read())
        with open(base + ".so", "rb") as fh:
            data = fh.read()
        if hashlib.sha256(data).hexdigest() != manifest["sha256"]:
            return None
        lib = ctypes.PyDLL(base + ".so")  # keeps the GIL: cheaper for short calls
        fn = lib[manifest["symbol"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # absent, partial or corrupted: rebuilt
    free = ctypes.CDLL(base + ".so")[manifest["symbol"]]  # the same code, GIL released
    for f in (fn, free):
        f.restype = spec.restype()
        f.argtypes = spec.argtypes()
    return NativeKernel(fn, spec, "cache", keepalive=lib, fn_nogil=free)


def _build(directory, key, spec, store=True):
    path = os.path.join(directory, f"k_{key}.py")
    if not _file_matches(path, spec.source):
        _write_atomic(directory, path, spec.source.encode())
    NumbaError = _numba_errors()  # compiling: Numba is needed now
    try:
        compiled = _import(key, path)
    except NumbaError as err:
        raise KernelBuildError(str(err)) from err
    if store and _store_native(directory, key, compiled):
        loaded = _load_native(directory, key, spec)
        if loaded is not None:
            loaded.origin = "built"
            return loaded
    held = ctypes.PYFUNCTYPE(spec.restype(), *spec.argtypes())
    free = ctypes.CFUNCTYPE(spec.restype(), *spec.argtypes())
    return NativeKernel(held(compiled.address), spec, "jit", keepalive=compiled,
                        fn_nogil=free(compiled.address))  # fmt: skip


_NUMBA_BROKEN = []


def _numba_errors():
    """Numba's error class, importing Numba; `NoNumbaForm` when Numba is installed but
    cannot be imported (after a NumPy upgrade it does not support), with one warning."""
    if _NUMBA_BROKEN:
        raise NoNumbaForm(_NUMBA_BROKEN[0])
    try:
        from numba.core.errors import NumbaError
    except Exception as err:  # any failure: the Python tier serves
        _NUMBA_BROKEN.append(f"numba cannot be imported: {type(err).__name__}: {err}")
        warnings.warn(f"{_NUMBA_BROKEN[0]}; functions run on the Python tier", stacklevel=3)
        raise NoNumbaForm(_NUMBA_BROKEN[0]) from err
    return NumbaError


def _store_native(directory, key, compiled) -> bool:
    """Write the machine code of the cfunc ``compiled`` as ``k_<key>.so`` with its
    manifest; False when there is no C compiler to link it (the kernel then lives in
    this process only)."""
    import json
    import subprocess

    compiler = _c_compiler()
    if compiler is None:
        return False
    obj = _object_code(compiled)
    fd, tmp_obj = tempfile.mkstemp(dir=directory, suffix=".o.tmp")
    tmp_so = tmp_obj[: -len(".o.tmp")] + ".so.tmp"
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(obj)
        done = subprocess.run([compiler, "-shared", "-o", tmp_so, tmp_obj, "-lm"],
                              capture_output=True, check=False)  # fmt: skip
        if done.returncode != 0:
            return False
        with open(tmp_so, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        base = os.path.join(directory, f"k_{key}")
        os.replace(tmp_so, base + ".so")
        manifest = {"symbol": compiled.native_name, "sha256": digest}
        _write_atomic(directory, base + ".json", json.dumps(manifest).encode())
        return True
    except OSError:
        return False
    finally:
        for leftover in (tmp_obj, tmp_so):
            with contextlib.suppress(OSError):
                os.unlink(leftover)


def _c_compiler():
    """The C compiler that links kernels' shared libraries, or None."""
    import shutil

    return shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")


def _object_code(compiled) -> bytes:
    """Position-independent machine code (an ELF object) of Numba's optimized module."""
    import llvmlite.binding as llvm

    module = llvm.parse_assembly(compiled._library.get_llvm_str())
    target = llvm.Target.from_default_triple()
    machine = target.create_target_machine(
        cpu=llvm.get_host_cpu_name(),
        features=llvm.get_host_cpu_features().flatten(),
        opt=3,
        reloc="pic",
        codemodel="default",
    )
    return machine.emit_object(module)


def _import(key, path):
    name = f"theano_numba_kernel_{key}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception:
        sys.modules.pop(name, None)
        raise
    return module.kernel


def _write_atomic(directory, path, data: bytes):
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _file_matches(path, source):
    # Bytes, not text: a garbage file must read as a mismatch, not fail to decode.
    try:
        with open(path, "rb") as fh:
            return fh.read() == source.encode()
    except OSError:
        return False


def elemwise_kernel(node, kinds=None, inplace=None):
    """The compiled loop computing the `Elemwise` ``node``, or raise `NoNumbaForm`.

    ``kinds`` says how each input is passed (see `KernelSpec`; by default constants
    broadcastable in every dimension are written into the source, other such inputs
    passed by value, the rest read element by element). A kernel Numba fails to
    compile is reported in a warning and left to the Python tier, like a scalar op
    without a Numba form: the function still compiles and runs.
    """
    in_dtypes = [v.type.dtype for v in node.inputs]
    out_dtype = node.outputs[0].type.dtype
    if any(d.startswith("complex") or d == "float16" for d in [*in_dtypes, out_dtype]):
        raise NoNumbaForm("complex and float16 stay in the Python tier")
    if kinds is None:
        kinds = default_kinds(node)
    constants = {k: node.inputs[k].data for k, kind in enumerate(kinds) if kind == "c"}
    spec = KernelSpec(node.op.scalar_op, in_dtypes, out_dtype, kinds, constants, inplace)
    try:
        return load_kernel(spec)
    except KernelBuildError as err:
        cause = err.__cause__
        text = str(cause).strip()
        first = text.splitlines()[0] if text else type(cause).__name__
        name = str(node.op)
        name = name if len(name) < 200 else name[:200] + "..."
        warnings.warn(
            f"Numba could not compile the kernel of {name} ({', '.join(in_dtypes)} -> "
            f"{out_dtype}); it runs in the Python tier: {first}",
            stacklevel=2,
        )
        raise NoNumbaForm(name) from err


def array_checks(ctx, names, variables):
    """Call-time conditions for passing arrays to a kernel by address: each C-contiguous
    and of its variable's dtype (so a kernel never reads past an array's end)."""
    conds = []
    for name, var in zip(names, variables):
        dtype = ctx.ref(np.dtype(var.dtype), f"dt_{var.dtype}")
        # "is" first: NumPy's builtin dtypes are singletons, except after unpickling.
        conds.append(f"{name}.flags.c_contiguous and ({name}.dtype is {dtype} or "
                     f"{name}.dtype == {dtype})")  # fmt: skip
    return conds


def default_kinds(node):
    """How each input of ``node`` reaches its kernel: ``"c"`` for a constant with one
    value, ``"s"`` for another input broadcastable in every dimension, ``"r"`` for one
    row broadcast over the others (a bias), else ``"p"``."""
    kinds = []
    for v in node.inputs:
        if not all(v.broadcastable):
            one_row = v.ndim >= 2 and all(v.broadcastable[:-1])
            kinds.append("r" if one_row else "p")
        elif isinstance(v, Constant) and np.size(v.data) == 1:
            kinds.append("c")
        else:
            kinds.append("s")
    return kinds
