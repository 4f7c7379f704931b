"""Tensor rewrites, grouped into the phases FAST_RUN runs in order.

``PHASES`` maps each phase name of `theano.compile.mode.REWRITE_PHASES` to a function
``run(fgraph, included, excluded) -> [RewriteReport]``.
"""

from __future__ import annotations

from theano.graph.rewriting.basic import _select, equilibrium, merge
from theano.tensor.nnet import rewriting as _nnet
from theano.tensor.rewriting import basic as _basic
from theano.tensor.rewriting.fusion import fuse_elemwise


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


PHASES = {
    "merge": _pass("merge", merge),
    "constant_folding": _pass("constant_folding", _basic.constant_folding),
    "canonicalize": _equilibrium_phase("canonicalize", _basic.CANONICALIZE),
    "stabilize": _equilibrium_phase("stabilize", _basic.STABILIZE + _nnet.STABILIZE),
    "specialize": _equilibrium_phase("specialize", _basic.SPECIALIZE),
    "fusion": _pass("fusion", fuse_elemwise),
    "inplace": _pass("inplace", _basic.elemwise_inplace),
}
