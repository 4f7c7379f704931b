"""Numba kernels for elementwise nodes: one compiled ufunc per (fused) `Elemwise`.

A kernel is a NumPy ufunc built with ``numba.vectorize`` from the node's scalar
graph, so NumPy's own machinery does the broadcasting, strides and ``out=``, and the
loop makes one pass over memory. Kernel source files are written under
``config.compiledir`` keyed by a hash of their source; Numba's cache beside them
keeps the machine code between processes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import threading

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


def _cast(expr, dtype):
    return f"np.{'bool_' if dtype == 'bool' else dtype}({expr})"


def scalar_expr(op, args, in_dtypes, out_dtype) -> str:
    """A Numba-compilable expression of ``op`` applied to the expressions ``args``."""
    if isinstance(op, Composite):
        return _composite_expr(op, args)
    sym = getattr(op, "symbol", None)
    if isinstance(op, S.Cast):
        return _cast(args[0], op.dtype)
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


def _composite_expr(comp, args):
    exprs = dict(zip(comp.inputs, args))
    for node in comp.nodes:
        inner = []
        for v in node.inputs:
            if v not in exprs:
                if not isinstance(v, Constant):
                    raise NoNumbaForm(f"free variable {v} in {comp}")
                exprs[v] = _cast(repr(v.data.item()), v.type.dtype)
            inner.append(exprs[v])
        out = node.outputs[0].type.dtype
        expr = scalar_expr(node.op, inner, [v.type.dtype for v in node.inputs], out)
        exprs[node.outputs[0]] = _cast(expr, out)
    return exprs[comp.outputs[0]]


def kernel_source(scalar_op, in_dtypes, out_dtype, fastmath=False) -> str:
    """The source of a module defining ``kernel``, a Numba ufunc for ``scalar_op``."""
    names = [f"a{k}" for k in range(len(in_dtypes))]
    body = _cast(scalar_expr(scalar_op, names, in_dtypes, out_dtype), out_dtype)
    sig = f"{_nb(out_dtype)}({', '.join(_nb(d) for d in in_dtypes)})"
    return (
        "import math\n\n"
        "import numpy as np\n"
        "from numba import vectorize\n\n\n"
        f"@vectorize([{sig!r}], nopython=True, cache=True, fastmath={fastmath})\n"
        f"def kernel({', '.join(names)}):\n"
        f"    return {body}\n"
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
    file; a file whose content does not match its hash is rewritten.
    """
    key = hashlib.sha256(source.encode()).hexdigest()[:24]
    with _lock:
        if key in _loaded:
            return _loaded[key]
        directory = _cache_dir()
        path = os.path.join(directory, f"k_{key}.py")
        if not _file_matches(path, source):
            fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
            with os.fdopen(fd, "w") as fh:
                fh.write(source)
            os.replace(tmp, path)
        name = f"theano_numba_kernel_{key}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception:
            sys.modules.pop(name, None)
            raise
        _loaded[key] = module.kernel
        return module.kernel


def _file_matches(path, source):
    try:
        with open(path) as fh:
            return fh.read() == source
    except OSError:
        return False


def elemwise_kernel(node):
    """The compiled ufunc computing the `Elemwise` ``node``, or raise `NoNumbaForm`."""
    in_dtypes = [v.type.dtype for v in node.inputs]
    out_dtype = node.outputs[0].type.dtype
    if any(d.startswith("complex") or d == "float16" for d in [*in_dtypes, out_dtype]):
        raise NoNumbaForm("complex and float16 stay in the Python tier")
    return load_kernel(kernel_source(node.op.scalar_op, in_dtypes, out_dtype))
