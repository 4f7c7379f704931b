"""Compilation modes: plain data naming a linker and the rewrite phases to run."""

from __future__ import annotations

import time
from dataclasses import dataclass

from theano.configdefaults import config

REWRITE_PHASES = ("merge", "constant_folding", "canonicalize", "stabilize", "specialize",
                  "fusion", "inplace")  # fmt: skip

# What Theano's ``optimizer=`` names mean here: the phases they run.
OPTIMIZERS = {
    None: (),
    "None": (),
    "merge": ("merge",),
    "fast_compile": ("merge", "constant_folding"),
    "fast_run": REWRITE_PHASES,
}


@dataclass(frozen=True, init=False)
class Mode:
    """How `function` compiles: a ``linker`` and the rewrite ``phases``.

    Linkers: 'py' (generated Python; ``config.linker='numba'`` upgrades it to 'numba'),
    'numba' (usable at once in Python, Numba kernels swapped in when compiled in a
    background thread), 'numba_sync' (kernels compiled before the first call); Theano's
    'cvm', 'c', 'vm' and 'c|py' names mean 'py'.

    ``optimizer`` is one of Theano's names (None, 'merge', 'fast_compile', 'fast_run')
    or a tuple of phase names run in order; ``including``/``excluding`` filter phases
    and individual rewrites by name or tag.
    """

    linker: str
    phases: tuple[str, ...]
    name: str
    included: frozenset[str]
    excluded: frozenset[str]

    def __init__(self, linker="py", optimizer="fast_run", name="Mode", included=frozenset(),
                 excluded=frozenset()):  # fmt: skip
        linker = _LINKER_ALIASES.get(linker, linker)
        if linker not in ("py", "numba", "numba_sync"):
            raise ValueError(f"Mode: unknown linker {linker!r}; expected 'py', 'numba', "
                             "'numba_sync' (or Theano's 'cvm', 'c', 'vm', 'c|py')")  # fmt: skip
        if isinstance(optimizer, str | None):
            if optimizer not in OPTIMIZERS:
                raise ValueError(f"Mode: unknown optimizer {optimizer!r}; expected one of "
                                 f"{list(OPTIMIZERS)} or a tuple of phases")  # fmt: skip
            phases = OPTIMIZERS[optimizer]
        else:
            phases = tuple(optimizer)
            unknown = [p for p in phases if p not in REWRITE_PHASES]
            if unknown:
                raise ValueError(f"Mode: unknown rewrite phases {unknown}; expected some of "
                                 f"{REWRITE_PHASES}")  # fmt: skip
        for key, value in (
            ("linker", linker),
            ("phases", phases),
            ("name", name),
            ("included", frozenset(included)),
            ("excluded", frozenset(excluded)),
        ):
            object.__setattr__(self, key, value)  # fmt: skip

    @property
    def optimizer(self):
        return self.phases

    def including(self, *tags):
        return replace(self, included=self.included | set(tags))

    def excluding(self, *tags):
        return replace(self, excluded=self.excluded | set(tags))

    def requiring(self, *tags):
        return self.including(*tags)

    def observer(self, maker):
        """What watches each computed value of ``maker``'s function (None: nothing).
        A function with an observer stays on the Python tier."""

    def __str__(self):
        return self.name


def replace(mode, **changes):
    """A copy of ``mode`` with some fields changed."""
    fields = {"linker": mode.linker, "optimizer": mode.phases, "name": mode.name,
              "included": mode.included, "excluded": mode.excluded}  # fmt: skip
    fields.update(changes)
    new = object.__new__(type(mode))
    new.__dict__.update(mode.__dict__)  # a subclass's own settings (NanGuardMode's) carry over
    Mode.__init__(new, **fields)
    return new


_LINKER_ALIASES = {"cvm": "py", "c": "py", "vm": "py", "c|py": "py", "cvm_nogc": "py",
                   "c|py_nogc": "py", "vm_nogc": "py"}  # fmt: skip

FAST_RUN = Mode("py", REWRITE_PHASES, "FAST_RUN")
FAST_COMPILE = Mode("py", "fast_compile", "FAST_COMPILE")
# FAST_RUN's rewrites with elementwise kernels JIT-compiled by Numba before the first
# call (for benchmarks); Mode(linker='numba') compiles them in the background instead.
NUMBA = Mode("numba_sync", REWRITE_PHASES, "NUMBA")

predefined_modes = {
    "FAST_RUN": FAST_RUN,
    "FAST_COMPILE": FAST_COMPILE,
    "NUMBA": NUMBA,
    "Mode": FAST_RUN,
    "ProfileMode": FAST_RUN,
}


def get_default_mode() -> Mode:
    """The `Mode` that ``config.mode`` names: what `function` uses without ``mode=``."""
    return get_mode(None)


def get_mode(mode) -> Mode:
    """The `Mode` for ``mode`` (a `Mode`, a name, or None for ``config.mode``)."""
    if mode is None:
        mode = config.mode
    if isinstance(mode, Mode):
        return mode
    if mode == "NanGuardMode":
        from theano.compile.nanguardmode import NanGuardMode

        return NanGuardMode()
    if mode in ("DebugMode", "DEBUG_MODE"):
        from theano.compile.debugmode import DebugMode

        return DebugMode()
    try:
        return predefined_modes[mode]
    except KeyError:
        raise ValueError(
            f"unknown mode {mode!r}; expected one of "
            f"{sorted([*predefined_modes, 'DEBUG_MODE', 'DebugMode', 'NanGuardMode'])} or a Mode"
        ) from None


def run_phases(fgraph, mode: Mode) -> list:
    """Run ``mode``'s rewrite phases on ``fgraph``, in order; return their reports.

    ``mode.excluded`` names phases or rewrites (by name or tag) to skip;
    ``config.optimizer='None'`` skips them all, as does ``optimizer_excluding``.
    """
    if config.optimizer in ("None", "none", None) or not mode.phases:
        return []
    from theano.tensor.rewriting import PHASES

    excluded = set(mode.excluded) | set(filter(None, config.optimizer_excluding.split(":")))
    included = set(mode.included) | set(filter(None, config.optimizer_including.split(":")))
    reports = []
    for phase in mode.phases:
        if phase in excluded and phase not in included:
            continue
        start = time.perf_counter()
        phase_reports = PHASES[phase](fgraph, included, excluded)
        seconds = time.perf_counter() - start
        for r in phase_reports:
            r.seconds = seconds / len(phase_reports)
            r.nodes_after = len(fgraph.apply_nodes)
        reports.extend(phase_reports)
    if config.profile_optimizer:
        print(format_reports(reports))
    return reports


def format_reports(reports) -> str:
    """A table of the time, node visits and replacements of each rewrite phase."""
    lines = [f"{'phase':18} {'time':>10} {'visits':>7} {'replaced':>8} {'nodes after':>11}"]
    for r in reports:
        lines.append(f"{r.name:18} {r.seconds * 1e3:8.2f}ms {r.visits:7d} {r.replacements:8d} "
                     f"{r.nodes_after:11d}")  # fmt: skip
        for rewrite, count in sorted(r.counts.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {rewrite:32} {count:8d}")
    return "\n".join(lines)
