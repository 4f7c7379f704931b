"""`DebugMode`: functions that check every node as it runs, and the rewrites.

Each node's value is checked against its type (dtype, number of dimensions, size 1
where the type broadcasts), for NaN and infinities (``config.DebugMode.check_finite``),
against the op's own `perform` on copies of the same inputs (``check_py``: the
generated snippet and the reference implementation must agree), for inputs it
overwrote without declaring it (``destroy_map``) and outputs that share an input's
memory without declaring it (``view_map``). At the end of each call the outputs and
updates are compared with those of the graph before any rewrite, computed from the
same inputs. A failed check raises a `DebugModeError` naming the node, before any
shared variable is updated. It is slow: for finding bugs, not for training.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from theano.compile.mode import OPTIMIZERS, Mode
from theano.configdefaults import config


class DebugModeError(Exception):
    """A check of `DebugMode` failed."""


class BadThunkOutput(DebugModeError):
    """A node's generated code and its op's `perform` disagree."""


class BadOptimization(DebugModeError):
    """The rewritten graph computes something else than the graph as written."""


class BadDestroyMap(DebugModeError):
    """A node overwrote an input it does not declare in its ``destroy_map``."""


class BadViewMap(DebugModeError):
    """A node's output shares memory with an input it does not declare as viewed."""


class InvalidValueError(DebugModeError):
    """A value does not fit its variable's type, or is NaN or infinite."""


@dataclass(frozen=True, init=False)
class DebugMode(Mode):
    """A mode whose functions check each node and the rewrites (see the module doc).

    ``check_py_code``, ``check_isfinite``: None takes ``config.DebugMode.check_py`` and
    ``config.DebugMode.check_finite``. Theano's other arguments are accepted; there
    is no C code to check, and strides and preallocated outputs are not checked.
    """

    check_py_code: bool
    check_isfinite: bool
    keeps_unrewritten = True

    def __init__(self, optimizer="fast_run", stability_patience=None, check_c_code=None,
                 check_py_code=None, check_isfinite=None, check_preallocated_output=None,
                 require_matching_strides=None, linker=None):  # fmt: skip
        if optimizer == "default":
            optimizer = config.optimizer if config.optimizer in OPTIMIZERS else "fast_run"
        super().__init__(linker or "py", optimizer, "DebugMode")
        flags = config.DebugMode
        for key, value, default in (("check_py_code", check_py_code, flags.check_py),
                                    ("check_isfinite", check_isfinite, flags.check_finite)):  # fmt: skip
            object.__setattr__(self, key, bool(default if value is None else value))

    def observer(self, maker):
        return _Checks(self, maker)


def _describe(node):
    return f"{node.op} (node {node})"


# Tolerances by precision (bytes of one real component): ``same`` for one computation
# done twice (the snippet and perform), ``rewritten`` for the graph before and after
# rewrites, which reassociate and stabilize (log(1 - sigmoid(30)) as written loses
# five digits to cancellation).
_TOLERANCE = {"same": {2: 1e-2, 4: 1e-4, 8: 1e-8}, "rewritten": {2: 1e-2, 4: 1e-3, 8: 1e-4}}


def _same(a, b, dtype, kind="same"):
    """Equal values (NaN equal to NaN), within a tolerance for floats."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        real = np.dtype(dtype)
        size = real.itemsize // 2 if real.kind == "c" else real.itemsize
        tol = _TOLERANCE[kind].get(size, 1e-8) if real.kind in "fc" else 1e-8
        return bool(np.allclose(a, b, rtol=tol, atol=tol, equal_nan=True))
    return bool(np.array_equal(a, b))


def _identical(a, b):
    """Exactly the same values (NaN where NaN was)."""
    try:
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    except (TypeError, ValueError, AttributeError):
        return True  # values without an order of their own are not compared


def _copied(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    try:
        return copy.deepcopy(value)
    except Exception:  # noqa: BLE001 (an object that cannot be copied is compared as is)
        return value


class _Checks:
    """The generated checks of one function."""

    def __init__(self, mode, maker):
        self.mode = mode
        self.maker = maker
        self.values_in = None  # copies of this call's input values
        self._reference = None

    # -- generated lines
    # Shared values updated in place are written into copies (see `generate`): a
    # failed check after such an update leaves them as they were.
    protects_updates = True

    def inputs(self, names, variables, ctx):
        values = f"({', '.join(names)},)" if names else "()"
        return [f"{ctx.ref(self.start, 'debug_start')}({values})"]

    def node(self, node, inames, onames, ctx):
        before = ctx.local("_debug_inputs")
        nref = ctx.ref(node, "debug_node")
        values = f"({', '.join(inames)},)" if inames else "()"
        check = ctx.ref(self.check_node, "debug_check")
        outs = f"({', '.join(onames)},)"
        return ([f"{before} = {ctx.ref(_copy_all, 'debug_copy')}({values})"],
                [f"{check}({nref}, {before}, {values}, {outs})"])  # fmt: skip

    def outputs(self, names, variables, ctx):
        values = f"({', '.join(names)},)" if names else "()"
        return [f"{ctx.ref(self.check_outputs, 'debug_outputs')}({values})"]

    # -- checks at run time
    def start(self, values):
        self.values_in = _copy_all(values)

    def check_node(self, node, before, after, outputs):
        destroyed = {i for ins in node.op.destroy_map.values() for i in ins}
        viewed = {i for ins in node.op.view_map.values() for i in ins} | destroyed
        for i, (old, new) in enumerate(zip(before, after)):
            if i not in destroyed and isinstance(new, np.ndarray) and not _identical(old, new):
                raise BadDestroyMap(f"{_describe(node)} overwrote its input {i} "
                                    f"({node.inputs[i]}) without declaring it in destroy_map")  # fmt: skip
        if getattr(node.op, "uninitialized_output", False):
            return  # its values are whatever memory held
        for k, (var, value) in enumerate(zip(node.outputs, outputs)):
            _check_value(node, k, var, value, self.mode.check_isfinite, before)
            for i, inp in enumerate(after):
                if (i not in viewed and isinstance(value, np.ndarray)
                        and isinstance(inp, np.ndarray) and np.may_share_memory(value, inp)):  # fmt: skip
                    raise BadViewMap(f"output {k} of {_describe(node)} shares memory with its "
                                     f"input {i} ({node.inputs[i]}), which it does not "
                                     "declare in view_map or destroy_map")  # fmt: skip
        if self.mode.check_py_code:
            self._check_perform(node, before, outputs)

    def _check_perform(self, node, before, outputs):
        from theano.graph.op import Op

        if type(node.op).perform is Op.perform or type(node.op).py_code is Op.py_code:
            return  # no perform, or perform is what the generated code runs
        storage = [[None] for _ in node.outputs]
        try:
            node.op.perform(node, list(_copy_all(before)), storage)
        except NotImplementedError:
            return  # the op has no reference implementation to compare with
        for k, (var, cell, value) in enumerate(zip(node.outputs, storage, outputs)):
            if not hasattr(var.type, "dtype") or not isinstance(value, np.ndarray | np.generic):
                continue
            if not _same(value, cell[0], var.type.dtype):
                raise BadThunkOutput(
                    f"output {k} of {_describe(node)}: the generated code computed "
                    f"{_brief(value)}, the op's perform {_brief(cell[0])}"
                )

    def check_outputs(self, values):
        """Compare the results with the unrewritten graph's, on the same inputs."""
        reference = self._reference_fn()(*_copy_all(self.values_in))
        fg = self.maker.fgraph
        update_of = {k: fg.inputs[j] for k, j in getattr(fg, "update_mapping", {}).items()}
        for k, (var, got, want) in enumerate(zip(fg.outputs, values, reference)):
            if not hasattr(var.type, "dtype") or not isinstance(got, np.ndarray | np.generic):
                continue
            got, want = np.asarray(got), np.asarray(want)
            finite = np.isfinite(want) if want.dtype.kind in "fc" else True
            if got.shape != want.shape or not _same(
                np.where(finite, got, 0), np.where(finite, want, 0), var.type.dtype, "rewritten"
            ):
                what = (f"the update of {update_of[k]}" if k in update_of
                        else f"output {k} ({var})")  # fmt: skip
                raise BadOptimization(
                    f"{what} differs from the graph before rewrites: {_brief(got)} "
                    f"after rewrites, {_brief(want)} before"
                )

    def _reference_fn(self):
        if self._reference is None:
            from theano.link.python import generate

            graph = self.maker.unrewritten
            self._reference = generate(graph.inputs, graph.outputs).fn
        return self._reference


def _copy_all(values):
    return tuple(_copied(v) for v in values)


def _brief(value):
    text = np.array2string(np.asarray(value), threshold=8, edgeitems=2)
    return text if len(text) < 200 else text[:200] + "..."


def _check_value(node, k, var, value, finite, inputs):
    """The output ``k`` of ``node`` fits its type (and is finite where asked)."""
    vtype = var.type
    dtype = getattr(vtype, "dtype", None)
    if dtype is None or not hasattr(vtype, "broadcastable"):
        return
    where = f"output {k} of {_describe(node)}"
    if not isinstance(value, np.ndarray | np.generic):
        raise InvalidValueError(f"{where} is a {type(value).__name__}, not an array of {vtype}")
    if value.dtype != np.dtype(dtype) or value.ndim != vtype.ndim:
        raise InvalidValueError(f"{where} has dtype {value.dtype} and {value.ndim} "
                                f"dimension(s); its type is {vtype}")  # fmt: skip
    for axis, (size, broadcast) in enumerate(zip(value.shape, vtype.broadcastable)):
        if broadcast and size != 1:
            raise InvalidValueError(f"{where} has length {size} on axis {axis}, which its "
                                    f"type {vtype} says is 1")  # fmt: skip
    # A NaN or infinity the node made (its inputs finite): Theano's check_finite.
    made = finite and value.dtype.kind in "fc" and not np.isfinite(value).all()
    if made and all(np.isfinite(v).all() for v in inputs
                    if isinstance(v, np.ndarray | np.generic) and v.dtype.kind in "fc"):  # fmt: skip
        raise InvalidValueError(f"{where} holds NaN or infinite values from finite inputs")
