"""Tensor rewrites, grouped into the phases FAST_RUN runs in order (one module a phase).

``PHASES`` maps each phase name of `theano.compile.mode.REWRITE_PHASES` to a function
``run(fgraph, included, excluded) -> [RewriteReport]``.
"""

from __future__ import annotations

from theano.graph.rewriting.basic import _select, equilibrium, merge
from theano.tensor.rewriting.basic import constant_folding
from theano.tensor.rewriting.canonicalize import CANONICALIZE
from theano.tensor.rewriting.fusion import fuse_elemwise
from theano.tensor.rewriting.inplace import inplace_phase, shared_update_inplace
from theano.tensor.rewriting.specialize import SPECIALIZE
from theano.tensor.rewriting.stabilize import STABILIZE


def _equilibrium_phase(name, rewriters):
    def run(fgraph, included=(), excluded=()):
        chosen = _select(rewriters, included, excluded)
        return [equilibrium(fgraph, chosen, name=name)] if chosen else []

    return run


def _pass(name, fn):
    def run(fgraph, included=(), excluded=()):
        if name in excluded and name not in included:
            return []
        return [fn(fgraph)]

    return run


def _both(fgraph, first, second):
    report = first(fgraph)
    extra = second(fgraph)
    report.visits += extra.visits
    report.replacements += extra.replacements
    report.counts[extra.name] = extra.replacements
    return report


PHASES = {
    "merge": _pass("merge", merge),
    "constant_folding": _pass("constant_folding", constant_folding),
    "canonicalize": _equilibrium_phase("canonicalize", CANONICALIZE),
    "stabilize": _equilibrium_phase("stabilize", STABILIZE),
    "specialize": _equilibrium_phase("specialize", SPECIALIZE),
    "fusion": _pass("fusion", fuse_elemwise),
    "inplace": _pass("inplace", lambda fg: _both(fg, inplace_phase, shared_update_inplace)),
}
