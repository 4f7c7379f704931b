"""Numba kernels for elementwise nodes: one compiled ufunc per (fused) `Elemwise`.

A kernel is a NumPy ufunc built with ``numba.vectorize`` from the node's scalar
graph, so NumPy's own machinery does the broadcasting, strides and ``out=``, and the
loop makes one pass over memory. The kernel body computes each value of the scalar
graph once (a value read twice goes to a local), so its source grows linearly with the
graph. Kernel source files are written under ``config.compiledir`` keyed by a hash of
their source; Numba's cache beside them (``__pycache__``) keeps the machine code
between processes. A kernel that cannot be built leaves its node to the Python tier.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import re
import sys
import tempfile
import threading
import warnings

import numpy as np

from theano import scalar as S
from theano.configdefaults import config
from theano.graph.basic import Constant
from theano.scalar.composite import Composite

_lock = threading.Lock()
_loaded: dict[str, object] = {}

# NumPy ufuncs that Numba compiles on scalars, written as np.<name>(...).
_NUMPY_SCALAR_UFUNCS = {
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "sin", "cos", "tan",
    "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh", "arcsinh", "arccosh",
    "arctanh", "floor", "ceil", "trunc", "maximum", "minimum", "abs", "absolute", "sign",
    "deg2rad", "rad2deg", "isnan", "isinf", "hypot", "fmod", "logaddexp", "power",
    "conjugate", "rint", "invert",
}  # fmt: skip


class NoNumbaForm(Exception):
    """The scalar op has no Numba expression; its node stays in the Python tier."""


_DISCRETE = ("bool", "int", "uint")


def _discrete(dtype):
    return dtype.startswith(_DISCRETE)


def _cast(expr, dtype):
    return f"np.{'bool_' if dtype == 'bool' else dtype}({expr})"


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
        return _cast(args[0], op.dtype)
    if not _discrete(out_dtype) and not out_dtype.startswith("complex"):
        first = 1 if isinstance(op, S.Switch) else 0  # the condition stays as it is
        args = [_cast(a, out_dtype) if k >= first and _discrete(d) else a
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
    if isinstance(op, S.Sigmoid):
        return f"(1.0 / (1.0 + np.exp(-{args[0]})))"
    if isinstance(op, S.Softplus):
        x = args[0]
        return f"(({x}) + np.log1p(np.exp(-({x}))) if ({x}) > 0 else np.log1p(np.exp({x})))"
    if sym is not None and len(args) >= 2:
        return "(" + f" {sym} ".join(args) + ")"
    ufunc = getattr(op, "ufunc", None)
    name = getattr(ufunc, "__name__", None)
    if isinstance(ufunc, np.ufunc) and name in _NUMPY_SCALAR_UFUNCS:
        return f"np.{name}({', '.join(args)})"
    special = getattr(op, "numba_expr", None)
    if special is not None:
        return special(args)
    raise NoNumbaForm(str(op))


_SIMPLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# An expression longer than this is bound to a local name rather than nested further,
# so the generated source stays shallow for Python's parser at any composite depth.
_MAX_INLINE = 400


class _Locals:
    """The statements of a kernel body: ``bind(expr)`` stores ``expr`` in a new local."""

    def __init__(self):
        self.lines = []

    def bind(self, expr):
        name = f"t{len(self.lines)}"
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


def kernel_source(scalar_op, in_dtypes, out_dtype, fastmath=False) -> str:
    """The source of a module defining ``kernel``, a Numba ufunc for ``scalar_op``."""
    names = [f"a{k}" for k in range(len(in_dtypes))]
    lines, result = _body(scalar_op, names, in_dtypes, out_dtype)
    body = "".join(f"    {line}\n" for line in lines)
    sig = f"{_nb(out_dtype)}({', '.join(_nb(d) for d in in_dtypes)})"
    return (
        "import math\n\n"
        "import numpy as np\n"
        "from numba import vectorize\n\n\n"
        f"@vectorize([{sig!r}], nopython=True, cache={bool(config.numba.cache)}, "
        f"fastmath={fastmath})\n"
        f"def kernel({', '.join(names)}):\n"
        f"{body}"
        f"    return {_cast(result, out_dtype)}\n"
    )


def _nb(dtype):
    return "boolean" if dtype == "bool" else dtype


def _cache_dir():
    path = os.path.join(config.compiledir, "numba_kernels")
    os.makedirs(path, exist_ok=True)
    return path


def load_kernel(source: str):
    """Import (compiling on first use) the kernel module for ``source``.

    The module file is named by the hash of its source and written atomically (a
    temporary file renamed into place), so concurrent processes never see a partial
    file; a file whose content does not match its source is rewritten, and Numba's
    cache of it (``__pycache__`` beside it) is dropped and rebuilt when it cannot be
    loaded.
    """
    key = hashlib.sha256(source.encode()).hexdigest()[:24]
    with _lock:
        if key in _loaded:
            return _loaded[key]
        directory = _cache_dir()
        path = os.path.join(directory, f"k_{key}.py")
        if not _file_matches(path, source):
            _write_atomic(directory, path, source)
        try:
            kernel = _import(key, path)
        except Exception:
            if not _drop_numba_cache(directory, key):
                raise
            kernel = _import(key, path)  # the cache was unreadable: compile afresh
        _loaded[key] = kernel
        return kernel


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


def _write_atomic(directory, path, source):
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(source)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _drop_numba_cache(directory, key) -> bool:
    """Remove Numba's cache files (index and machine code) of kernel ``key``."""
    cache = os.path.join(directory, "__pycache__")
    try:
        names = [n for n in os.listdir(cache) if n.startswith(f"k_{key}.")]
    except OSError:
        return False
    for n in names:
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(cache, n))
    return bool(names)


def _file_matches(path, source):
    # Bytes, not text: a garbage file must read as a mismatch, not fail to decode.
    try:
        with open(path, "rb") as fh:
            return fh.read() == source.encode()
    except OSError:
        return False


def elemwise_kernel(node):
    """The compiled ufunc computing the `Elemwise` ``node``, or raise `NoNumbaForm`.

    A kernel Numba fails to compile is reported in a warning and left to the Python tier,
    like a scalar op without a Numba form: the function still compiles and runs.
    """
    in_dtypes = [v.type.dtype for v in node.inputs]
    out_dtype = node.outputs[0].type.dtype
    if any(d.startswith("complex") or d == "float16" for d in [*in_dtypes, out_dtype]):
        raise NoNumbaForm("complex and float16 stay in the Python tier")
    source = kernel_source(node.op.scalar_op, in_dtypes, out_dtype)
    from numba.core.errors import NumbaError

    try:
        return load_kernel(source)
    except NumbaError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        name = str(node.op)
        name = name if len(name) < 200 else name[:200] + "..."
        warnings.warn(
            f"Numba could not compile the kernel of {name} ({', '.join(in_dtypes)} -> "
            f"{out_dtype}); it runs in the Python tier: {first}",
            stacklevel=2,
        )
        raise NoNumbaForm(name) from err
