"""The Numba tier: the same generated graph function, with elementwise nodes JIT-compiled.

Every `Elemwise` whose scalar op has a Numba form becomes a call to its compiled
ufunc (one per fused kernel, never one per op); every other node keeps the source
the Python tier gives it. `compile_tier` builds that function; `TieredCompiler`
does it in a background thread and swaps it in when ready, so a function is usable
at once and becomes fast when its kernels are compiled.
"""

from __future__ import annotations

import threading
import warnings

from theano.configdefaults import config
from theano.link.numba.kernels import NoNumbaForm, elemwise_kernel

# Below this many elements per output, NumPy's own loops are as fast as a kernel call.
_PARALLEL_MIN = 1 << 20


def _elemwise_override(node, inames, onames, ctx):
    """Source calling the node's Numba ufunc, or None to keep the Python snippet."""
    from theano.tensor.elemwise import Elemwise

    op = node.op
    if not isinstance(op, Elemwise) or len(node.outputs) != 1:
        return None
    if node.outputs[0].ndim == 0:
        return None  # scalars: Python arithmetic on NumPy scalars is cheaper
    if config.numba.kernels != "all" and not arithmetic_only(op.scalar_op):
        # Numba evaluates exp, tanh, sin... with scalar libm calls, several times slower
        # than NumPy's SIMD loops; those kernels stay with NumPy (blocked when large).
        return None
    try:
        kernel = elemwise_kernel(node)
    except NoNumbaForm:
        return None
    name = ctx.ref(kernel, "kernel")
    args = list(inames)
    if op.inplace_pattern:
        ((_, i),) = op.inplace_pattern
        # Shapes are checked before the kernel overwrites its input.
        lines = [*op.precheck(node, inames, ctx),
                 f"{onames[0]} = {name}({', '.join(args)}, out={inames[i]})"]  # fmt: skip
        return "\n".join(lines)
    buffer = op.output_buffer(node, inames, onames[0], ctx)
    if buffer is not None:
        # A kept buffer of the right shape: no allocation, no page faults on large arrays.
        lines = [*buffer[0], f"{onames[0]} = {name}({', '.join(args)}, out={buffer[1]})"]
    else:
        lines = [f"{onames[0]} = {name}({', '.join(args)})"]
    lines.extend(op._broadcast_checks(node, inames, onames[0], ctx))
    return "\n".join(lines)


# Scalar ops LLVM turns into vector instructions inside a Numba loop.
_ARITHMETIC = {
    "add", "sub", "mul", "true_div", "int_div", "mod", "neg", "abs", "sqr", "sqrt", "inv",
    "maximum", "minimum", "lt", "gt", "le", "ge", "eq", "neq", "switch", "second",
    "identity", "sgn", "floor", "ceil", "trunc", "and_", "or_", "xor", "invert",
}  # fmt: skip


def arithmetic_only(scalar_op) -> bool:
    """True when every scalar op of ``scalar_op`` (a Composite's too) is arithmetic
    (or a cast, or a power with a small integer exponent)."""
    from theano import scalar as S
    from theano.scalar.composite import Composite

    if isinstance(scalar_op, Composite):
        return all(_arithmetic_node(n) for n in scalar_op.nodes)
    return _arithmetic_name(scalar_op) or isinstance(scalar_op, S.Cast)


def _arithmetic_node(node):
    from theano import scalar as S
    from theano.graph.basic import Constant

    op = node.op
    if isinstance(op, S.Pow):
        exponent = node.inputs[1]
        return isinstance(exponent, Constant) and float(exponent.data) in (0, 1, 2, 3, -1)
    return _arithmetic_name(op) or isinstance(op, S.Cast)


def _arithmetic_name(op):
    name = getattr(op, "op_name", None) or getattr(op, "name", None) or type(op).__name__
    return str(name).lower() in _ARITHMETIC or type(op).__name__.lower() in _ARITHMETIC


def available() -> bool:
    """True when Numba can be imported (it is imported only when a kernel is built)."""
    import importlib.util

    return importlib.util.find_spec("numba") is not None


def count_kernels(nodes) -> int:
    """How many nodes the Numba tier would compile (for reporting and tests)."""
    from theano.tensor.elemwise import Elemwise

    return sum(1 for n in nodes if isinstance(n.op, Elemwise) and n.outputs[0].ndim > 0)


def compile_tier(generate_fn, *args, **kwargs):
    """Run the Python tier's code generator with elementwise nodes as Numba kernels."""
    return generate_fn(*args, override=_elemwise_override, **kwargs)


class TieredCompiler:
    """Compile the Numba tier in a background thread and hand it to ``install``."""

    def __init__(self, build, install):
        self._build = build
        self._install = install
        self.done = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="theano-numba")

    def start(self):
        self._thread.start()
        return self

    def _run(self):
        try:
            self._install(self._build())
        except Exception as err:  # noqa: BLE001 (the Python tier keeps serving)
            self.error = err
            warnings.warn(
                f"the Numba tier could not be compiled; the function keeps running on the "
                f"Python tier: {type(err).__name__}: {err}",
                stacklevel=1,
            )
        finally:
            self.done.set()

    def wait(self, timeout=None) -> bool:
        return self.done.wait(timeout)
