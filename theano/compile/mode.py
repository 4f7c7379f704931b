"""Compilation modes: plain data naming a linker and the rewrite phases to run."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from theano.configdefaults import config


@dataclass(frozen=True)
class Mode:
    """How `function` compiles: a ``linker`` and the rewrite ``phases``.

    Linkers: 'py' (generated Python; ``config.linker='numba'`` upgrades it to 'numba'),
    'numba' (usable at once in Python, Numba kernels swapped in when compiled in a
    background thread), 'numba_sync' (kernels compiled before the first call).

    ``phases`` is a tuple of names run in order; ``including``/``excluding`` filter
    individual rewrites by name or tag once rewrites exist.
    """

    linker: str = "py"
    phases: tuple[str, ...] = ()
    name: str = "Mode"
    included: frozenset[str] = field(default_factory=frozenset)
    excluded: frozenset[str] = field(default_factory=frozenset)

    def including(self, *tags):
        return replace(self, included=self.included | set(tags))

    def excluding(self, *tags):
        return replace(self, excluded=self.excluded | set(tags))

    def requiring(self, *tags):
        return self.including(*tags)

    def __str__(self):
        return self.name


REWRITE_PHASES = ("merge", "constant_folding", "canonicalize", "stabilize", "specialize",
                  "fusion", "inplace")  # fmt: skip

FAST_RUN = Mode("py", REWRITE_PHASES, "FAST_RUN")
FAST_COMPILE = Mode("py", (), "FAST_COMPILE")
# FAST_RUN's rewrites with elementwise kernels JIT-compiled by Numba before the first
# call (for benchmarks); Mode(linker='numba') compiles them in the background instead.
NUMBA = Mode("numba_sync", REWRITE_PHASES, "NUMBA")

predefined_modes = {
    "FAST_RUN": FAST_RUN,
    "FAST_COMPILE": FAST_COMPILE,
    "NUMBA": NUMBA,
    "Mode": FAST_RUN,
    "DebugMode": FAST_COMPILE,
    "DEBUG_MODE": FAST_COMPILE,
    "ProfileMode": FAST_RUN,
    "NanGuardMode": FAST_RUN,
}


def get_mode(mode) -> Mode:
    """The `Mode` for ``mode`` (a `Mode`, a name, or None for ``config.mode``)."""
    if mode is None:
        mode = config.mode
    if isinstance(mode, Mode):
        return mode
    try:
        return predefined_modes[mode]
    except KeyError:
        raise ValueError(
            f"unknown mode {mode!r}; expected one of {sorted(predefined_modes)} or a Mode"
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
        reports.extend(PHASES[phase](fgraph, included, excluded))
    return reports
