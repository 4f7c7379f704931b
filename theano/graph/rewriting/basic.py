"""The rewriting framework: node rewriters, graph passes and phases.

A *node rewriter* is a function ``fn(fgraph, node)`` returning replacements for the
node's outputs (a list, or a dict from old to new variables) or ``None``; it declares
the op classes (or op instances) it tracks, so each node is offered only to the
rewriters that can apply. A *phase* is a plain, ordered tuple of rewriters run by
one of the passes below: `walk` (one topological pass), `equilibrium` (repeat until
nothing changes or a budget of node visits is spent) or a whole-graph function such
as `merge`. Phases are data: nothing registers itself by being imported.
"""

from __future__ import annotations

import warnings
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from theano.graph.basic import Apply, Constant, Variable
from theano.graph.fg import FunctionGraph


@dataclass(frozen=True, eq=False)
class NodeRewriter:
    """A rewrite of single nodes: ``fn(fgraph, node)`` gives replacements or ``None``."""

    fn: Callable
    tracks: tuple = ()
    name: str = ""
    tags: frozenset = field(default_factory=frozenset)

    def __call__(self, fgraph, node):
        return self.fn(fgraph, node)

    def applies_to(self, op) -> bool:
        if not self.tracks:
            return True
        return any(isinstance(op, t) if isinstance(t, type) else t == op for t in self.tracks)

    def __repr__(self):
        return f"NodeRewriter({self.name})"


def node_rewriter(tracks=(), name=None, tags=()):
    """Decorator making a `NodeRewriter` from ``fn(fgraph, node)``.

    ``tracks`` lists the op classes or op instances whose nodes ``fn`` looks at.
    """

    def wrap(fn):
        return NodeRewriter(fn, tuple(tracks), name or fn.__name__, frozenset(tags))

    return wrap


def _select(rewriters: Iterable[NodeRewriter], included=(), excluded=()):
    """Rewriters not excluded by name or tag (``included`` re-enables excluded tags)."""
    out = []
    for r in rewriters:
        keys = {r.name, *r.tags}
        if keys & set(excluded) and not ({r.name} & set(included)):
            continue
        out.append(r)
    return out


class _Importer:
    """A graph feature collecting the nodes that enter the graph during a pass."""

    def __init__(self):
        self.new: list[Apply] = []
        self.pruned: set[Apply] = set()

    def on_import(self, fgraph, node):
        self.new.append(node)

    def on_prune(self, fgraph, node):
        self.pruned.add(node)


def _as_pairs(node, result):
    if result is None or result is False:
        return None
    if isinstance(result, dict):
        return [(old, new) for old, new in result.items() if old is not new]
    result = list(result)
    if len(result) != len(node.outputs):
        raise ValueError(
            f"a rewrite of {node.op} gave {len(result)} replacements for "
            f"{len(node.outputs)} outputs"
        )
    return [(o, n) for o, n in zip(node.outputs, result) if n is not None and o is not n]


def replace_and_keep_names(fgraph: FunctionGraph, pairs, reason: str):
    """Replace variables, carrying each old variable's name and origin to its replacement."""
    for old, new in pairs:
        if new.name is None and old.name is not None:
            new.name = old.name
        origin = getattr(old.tag, "origin", old)
        if not hasattr(new.tag, "origin"):
            new.tag.origin = origin
        fgraph.replace(old, new, reason=reason)


@dataclass
class RewriteReport:
    """What a pass did: nodes visited, replacements made, and whether the budget ran out."""

    name: str
    visits: int = 0
    replacements: int = 0
    budget_exhausted: bool = False
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0
    nodes_after: int = 0


def _try_rewriters(fgraph, node, rewriters, report):
    for r in rewriters:
        if node not in fgraph.apply_nodes:
            return False
        if not r.applies_to(node.op):
            continue
        pairs = _as_pairs(node, r(fgraph, node))
        if not pairs:
            continue
        replace_and_keep_names(fgraph, pairs, r.name)
        report.replacements += 1
        report.counts[r.name] = report.counts.get(r.name, 0) + 1
        return True
    return False


def walk(fgraph: FunctionGraph, rewriters, name="walk", reverse=False) -> RewriteReport:
    """Offer every node, in topological order (or reversed), to ``rewriters`` once."""
    report = RewriteReport(name)
    rewriters = list(rewriters)
    nodes = fgraph.toposort()
    if reverse:
        nodes.reverse()
    for node in nodes:
        if node not in fgraph.apply_nodes:
            continue
        report.visits += 1
        _try_rewriters(fgraph, node, rewriters, report)
    return report


def equilibrium(fgraph: FunctionGraph, rewriters, name="equilibrium", max_visits=None,
                warn=True) -> RewriteReport:  # fmt: skip
    """Apply ``rewriters`` until none changes the graph, or ``max_visits`` node visits.

    New nodes a rewrite introduces, and the clients of replaced variables, are offered
    again, so the work follows the changes instead of rescanning the whole graph.
    """
    report = RewriteReport(name)
    rewriters = list(rewriters)
    if max_visits is None:
        max_visits = 50 * max(len(fgraph.apply_nodes), 1) + 1000
    importer = _Importer()
    fgraph.attach_feature(importer)
    by_op: dict = {}

    def applicable(op):
        """The rewriters tracking ``op`` (cached per op object)."""
        hit = by_op.get(id(op))
        if hit is None or hit[0] is not op:
            hit = by_op[id(op)] = (op, [r for r in rewriters if r.applies_to(op)])
        return hit[1]

    try:
        queue = deque(fgraph.toposort())
        queued = set(queue)
        while queue:
            if report.visits >= max_visits:
                report.budget_exhausted = True
                if warn:
                    warnings.warn(
                        f"rewrite phase {name!r} stopped after {report.visits} node visits "
                        "without reaching a fixed point; the graph is correct but may be "
                        "less optimized",
                        stacklevel=2,
                    )
                break
            node = queue.popleft()
            queued.discard(node)
            if node not in fgraph.apply_nodes:
                continue
            report.visits += 1
            rewriters_here = applicable(node.op)
            if not rewriters_here:
                continue
            # The users of this node's outputs, taken now: after a replacement they read
            # the new variables, and they are offered again.
            users = [c for o in node.outputs for c, _ in fgraph.clients.get(o, ())]
            if _try_rewriters(fgraph, node, rewriters_here, report):
                # Offer the new nodes, and the users of what changed, again.
                fresh = importer.new
                importer.new = []
                for n in fresh:
                    if n not in queued:
                        queue.append(n)
                        queued.add(n)
                for client in users:
                    if client != "output" and client not in queued:
                        queue.append(client)
                        queued.add(client)
            else:
                importer.new = []
    finally:
        fgraph.remove_feature(importer)
    return report


# ------------------------------------------------------------------------------- merge


def merge(fgraph: FunctionGraph) -> RewriteReport:
    """Common subexpression elimination: equal constants and identical nodes become one."""
    report = RewriteReport("merge")
    constants: dict = {}
    for var in list(fgraph.variables):
        if isinstance(var, Constant) and var in fgraph.clients:
            try:
                key = var.signature()
                hash(key)
            except TypeError:
                continue
            kept = constants.setdefault(key, var)
            if kept is not var and var.type == kept.type:
                fgraph.replace(var, kept, reason="merge")
                report.replacements += 1
    seen: dict = {}
    for node in fgraph.toposort():
        report.visits += 1
        if node not in fgraph.apply_nodes:
            continue
        try:
            key = (node.op, tuple(node.inputs))
            hash(key)
        except TypeError:
            continue
        other = seen.get(key)
        if other is None or other not in fgraph.apply_nodes:
            seen[key] = node
            continue
        if node.op.destroy_map:
            continue
        replace_and_keep_names(fgraph, list(zip(node.outputs, other.outputs)), "merge")
        report.replacements += 1
    return report


def rewrite_graph(outputs, rewriters, passes=("equilibrium",)):
    """Rewrite the graph of ``outputs`` (outside `function`) and return the new outputs."""
    single = isinstance(outputs, Variable)
    outs = [outputs] if single else list(outputs)
    from theano.graph.basic import graph_inputs

    ins = [v for v in graph_inputs(outs) if not isinstance(v, Constant)]
    fg = FunctionGraph(ins, outs, clone=True)
    for p in passes:
        if p == "merge":
            merge(fg)
        elif p == "walk":
            walk(fg, rewriters)
        else:
            equilibrium(fg, rewriters)
    return fg.outputs[0] if single else fg.outputs


__all__ = [
    "NodeRewriter", "RewriteReport", "equilibrium", "merge", "node_rewriter",
    "replace_and_keep_names", "rewrite_graph", "walk",
]  # fmt: skip
