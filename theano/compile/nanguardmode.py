"""`NanGuardMode`: functions that stop at the first node computing a NaN, an infinity
or a huge value, and say which node and which user expression it was."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from theano.compile.mode import OPTIMIZERS, Mode
from theano.configdefaults import config
from theano.graph.basic import Constant

# What Theano called a big value: a magnitude above this.
BIG = 1e10


@dataclass(frozen=True, init=False)
class NanGuardMode(Mode):
    """A mode whose functions check every input and every node's outputs.

    ``nan_is_error``, ``inf_is_error`` and ``big_is_error`` (None: the
    ``NanGuardMode.*`` config flags) choose what is an error; ``config.NanGuardMode.action``
    whether it raises an AssertionError ('raise'), warns ('warn') or opens pdb ('pdb').
    """

    nan_is_error: bool
    inf_is_error: bool
    big_is_error: bool

    def __init__(self, nan_is_error=None, inf_is_error=None, big_is_error=None,
                 optimizer="default", linker=None):  # fmt: skip
        if optimizer == "default":
            optimizer = config.optimizer if config.optimizer in OPTIMIZERS else "fast_run"
        # Without the in-place phase no update overwrites a shared value before its
        # check: a guarded call that fails leaves every shared variable as it was.
        phases = OPTIMIZERS.get(optimizer) if isinstance(optimizer, str | None) else optimizer
        phases = optimizer if phases is None else tuple(p for p in phases if p != "inplace")
        super().__init__(linker or "py", phases, "NanGuardMode")
        flags = config.NanGuardMode
        for key, value, default in (("nan_is_error", nan_is_error, flags.nan_is_error),
                                    ("inf_is_error", inf_is_error, flags.inf_is_error),
                                    ("big_is_error", big_is_error, flags.big_is_error)):  # fmt: skip
            object.__setattr__(self, key, bool(default if value is None else value))

    def observer(self, maker):
        return _Guard(self.nan_is_error, self.inf_is_error, self.big_is_error)


class _Guard:
    """The generated checks: one call per input and per node output."""

    def __init__(self, nan, inf, big):
        self.nan, self.inf, self.big = nan, inf, big
        self._check = self.check  # one bound method, one global name in the source

    def _calls(self, ctx, pairs):
        check = ctx.ref(self._check, "guard")
        return [f"{check}({value}, {ctx.ref(where, 'where')})" for value, where in pairs]

    def inputs(self, names, variables, ctx):
        from theano.compile.sharedvalue import SharedVariable

        pairs, position = [], 0
        for name, var in zip(names, variables):
            if isinstance(var, SharedVariable):
                pairs.append((name, f"the shared variable {var}"))
            else:
                pairs.append((name, f"the function's input {var} (position {position})"))
                position += 1
        return self._calls(ctx, pairs)

    def node(self, node, inames, onames, ctx):
        # Constants too (as Theano checked every variable): constant folding turns
        # computed values into constants, and the rewrites must not hide them.
        constants = [(name, f"the constant {var} (input {i} of node {node})")
                     for i, (name, var) in enumerate(zip(inames, node.inputs))
                     if isinstance(var, Constant)]  # fmt: skip
        pairs = [(name, f"output {k} of node {node}") for k, name in enumerate(onames)]
        return self._calls(ctx, constants), self._calls(ctx, pairs)

    def outputs(self, names, variables, ctx):
        # An output that is a constant (folded) is no node's output.
        pairs = [(name, f"the constant output {k} ({var})")
                 for k, (name, var) in enumerate(zip(names, variables))
                 if isinstance(var, Constant)]  # fmt: skip
        return self._calls(ctx, pairs)

    def check(self, value, where):
        """Report ``value`` if it holds what this guard treats as an error."""
        if not isinstance(value, np.ndarray | np.generic) or value.dtype.kind not in "fciu":
            return
        if value.size == 0:
            return
        found = []
        floats = value.dtype.kind in "fc"
        if self.nan and floats and np.isnan(value).any():
            found.append("NaN")
        if self.inf and floats and np.isinf(value).any():
            found.append("Inf")
        if self.big:  # integers are checked too, and infinities are big when not Inf
            magnitude = np.abs(np.asarray(value, dtype=None if floats else np.float64))
            if floats:  # (an infinity is reported as Inf when Inf is an error)
                magnitude = magnitude[~(np.isinf(magnitude) if self.inf else np.isnan(magnitude))]
                magnitude = magnitude[~np.isnan(magnitude)]
            if magnitude.size and magnitude.max() > BIG:
                found.append(f"a big value (magnitude above {BIG:g})")
        if found:
            self._act(f"NanGuardMode found {' and '.join(found)} in {where}")

    @staticmethod
    def _act(message):
        action = config.NanGuardMode.action
        if action == "warn":
            warnings.warn(message, RuntimeWarning, stacklevel=3)
        elif action == "pdb":
            import pdb  # noqa: T100 (the user asked for the debugger: action='pdb')

            print(message)
            pdb.set_trace()  # noqa: T100
        else:
            raise AssertionError(message)
