"""Profiling compiled functions: ``function(..., profile=True)`` or ``config.profile``.

A profiled function times every call and every node of its graph; ``f.profile`` is the
`ProfileStats` collecting them, and ``f.profile.summary()`` prints them by op class, by
op and by node, most expensive first, as Theano did. Profiled functions stay on the
Python tier (a whole-graph kernel has no nodes to time).
"""

from __future__ import annotations

import atexit
import sys
import time
from collections import defaultdict

from theano.configdefaults import config

_clock = time.perf_counter
_printed_at_exit: list[ProfileStats] = []


class ProfileStats:
    """Call and node times of one or more functions.

    ``atexit_print``: print the summary when the interpreter exits (to
    ``config.profiling.destination``). Functions given the same ProfileStats add up.
    """

    def __init__(self, atexit_print=True, message=None):
        self.message = message
        self.fct_callcount = 0
        self.fct_call_time = 0.0
        self.compile_time = 0.0
        self.optimizer_time = 0.0
        self.linker_time = 0.0
        self.nodes = []  # every profiled function's nodes, in its order
        self._times = []  # seconds in each node, by position in ``nodes``
        self._calls = []
        self._where = {}  # node -> its position
        if atexit_print:
            _printed_at_exit.append(self)

    # -- what the generated code and the Function record
    def observer(self, nodes):
        """The per-node timers for a function computing ``nodes``."""
        for node in nodes:
            if node not in self._where:
                self._where[node] = len(self.nodes)
                self.nodes.append(node)
                self._times.append(0.0)
                self._calls.append(0)
        return _Timers(self)

    def timed_call(self, call):
        """``call`` (a Function's ``__call__``) counted and timed."""
        stats = self

        def __call__(fn, *args, **kwargs):
            start = _clock()
            try:
                return call(fn, *args, **kwargs)
            finally:
                stats.fct_call_time += _clock() - start
                stats.fct_callcount += 1

        __call__.__wrapped__ = call  # what a call re-dispatched from inside runs
        return __call__

    # -- reading
    @property
    def apply_time(self):
        """Seconds spent in each node."""
        return {node: self._times[k] for node, k in self._where.items()}

    @property
    def apply_callcount(self):
        """How many times each node ran."""
        return {node: self._calls[k] for node, k in self._where.items()}

    def class_time(self):
        """Seconds by op class name."""
        return self._grouped(lambda node: type(node.op).__name__)

    def op_time(self):
        """Seconds by op (its printed name)."""
        return self._grouped(lambda node: str(node.op))

    def _grouped(self, key):
        times, calls, nodes = defaultdict(float), defaultdict(int), defaultdict(int)
        for node, k in self._where.items():
            times[key(node)] += self._times[k]
            calls[key(node)] += self._calls[k]
            nodes[key(node)] += 1
        return {name: (times[name], calls[name], nodes[name]) for name in times}

    def summary(self, file=None, n_ops_to_print=None, n_apply_to_print=None):
        """Print the profile: totals, then the time by class, by op and by node."""
        file = sys.stderr if file is None else file
        n_ops = config.profiling.n_ops if n_ops_to_print is None else n_ops_to_print
        n_apply = config.profiling.n_apply if n_apply_to_print is None else n_apply_to_print
        print(self._text(n_ops, n_apply), file=file)

    def _text(self, n_ops, n_apply):
        node_total = sum(self._times)
        share = f" ({node_total / self.fct_call_time:.1%})" if self.fct_call_time else ""
        lines = [
            "Function profiling",
            "==================",
            f"  Message: {self.message or 'no message'}",
            (
                f"  Time in {self.fct_callcount} calls to Function.__call__: "
                f"{self.fct_call_time:.6e}s"
            ),
            f"  Time in nodes: {node_total:.6e}s{share}",
            f"  Total compile time: {self.compile_time:.6e}s",
            f"    Number of Apply nodes: {len(self.nodes)}",
            f"    Rewrite time: {self.optimizer_time:.6e}s",
            f"    Linker time (code generation): {self.linker_time:.6e}s",
            "",
        ]
        header = "<% time> <sum %> <apply time> <time per call> <#call> <#apply> <{} name>"
        for title, label, groups in (("Class", "Class", self.class_time()),
                                     ("Ops", "Op", self.op_time())):  # fmt: skip
            lines += [title, "-" * len(title), "  " + header.format(label)]
            lines += _rows([(t, c, f"{n:7d}  {name}") for name, (t, c, n) in groups.items()],
                           node_total, n_ops)  # fmt: skip
            lines.append("")
        lines += ["Apply", "-----",
                  "  <% time> <sum %> <apply time> <time per call> <#call> <id> <Apply name>"]  # fmt: skip
        rows = [(self._times[k], self._calls[k], f"{k:5d}  {node}")
                for node, k in self._where.items()]  # fmt: skip
        lines += _rows(rows, node_total, n_apply)
        return "\n".join(lines)


def _rows(rows, total, limit):
    """Table rows, most time first: share, running share, seconds, per call, calls."""
    rows = sorted(rows, key=lambda r: -r[0])
    out, running = [], 0.0
    for seconds, calls, rest in rows[:limit]:
        running += seconds
        pct = seconds / total if total else 0.0
        cum = running / total if total else 0.0
        per_call = seconds / calls if calls else 0.0
        out.append(f"  {pct:7.1%}  {cum:7.1%}  {seconds:10.3e}s  {per_call:10.3e}s  "
                   f"{calls:6d}  {rest}")  # fmt: skip
    if len(rows) > limit:
        out.append(f"   ... ({len(rows) - limit} more, {sum(r[0] for r in rows[limit:]):.3e}s)")
    return out


class _Timers:
    """Generated lines timing each node into its ProfileStats."""

    def __init__(self, stats):
        self.stats = stats

    def inputs(self, names, variables, ctx):
        return []

    def node(self, node, inames, onames, ctx):
        k = self.stats._where[node]
        clock, times, calls = (ctx.ref(_clock, "clock"), ctx.ref(self.stats._times, "ptimes"),
                               ctx.ref(self.stats._calls, "pcalls"))  # fmt: skip
        start = ctx.local("_pstart")
        return [f"{start} = {clock}()"], [f"{times}[{k}] += {clock}() - {start}",
                                         f"{calls}[{k}] += 1"]  # fmt: skip


class Observers:
    """Several observers watching the same generated code, in order."""

    def __init__(self, *observers):
        self.observers = observers
        self.protects_updates = any(getattr(o, "protects_updates", False) for o in observers)

    def inputs(self, names, variables, ctx):
        return [ln for o in self.observers for ln in o.inputs(names, variables, ctx)]

    def outputs(self, names, variables, ctx):
        return [ln for o in self.observers if hasattr(o, "outputs")
                for ln in o.outputs(names, variables, ctx)]  # fmt: skip

    def node(self, node, inames, onames, ctx):
        pairs = [o.node(node, inames, onames, ctx) for o in self.observers]
        # The first observer's lines sit closest to the node's code.
        before = [ln for b, _ in reversed(pairs) for ln in b]
        after = [ln for _, a in pairs for ln in a]
        return before, after


def as_profile(profile, name):
    """The ProfileStats for ``function``'s ``profile`` argument (None: not profiled)."""
    if isinstance(profile, ProfileStats):
        return profile
    if profile is None:
        profile = config.profile
    if not profile:
        return None
    message = profile if isinstance(profile, str) else name
    return ProfileStats(message=message)


@atexit.register
def _print_at_exit():
    if not _printed_at_exit:
        return
    destination = config.profiling.destination
    if destination in ("stderr", "stdout"):
        file = getattr(sys, destination)
        for stats in _printed_at_exit:
            if stats.fct_callcount:
                stats.summary(file=file)
        return
    with open(destination, "w") as file:
        for stats in _printed_at_exit:
            if stats.fct_callcount:
                stats.summary(file=file)
