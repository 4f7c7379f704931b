"""`FunctionGraph`: a graph with fixed inputs and outputs that rewrites edit in place."""

from __future__ import annotations

from theano.graph.basic import Apply, Constant, Variable, clone_get_equiv, io_toposort


class InconsistencyError(Exception):
    """A change would break an invariant that a feature guards."""


class MissingInputError(Exception):
    """An output depends on a free variable that is not an input of the graph."""


class FunctionGraph:
    """The subgraph between ``inputs`` and ``outputs``, with client lists for rewriting.

    Parameters
    ----------
    inputs, outputs : list of Variable
    features : list, optional
        Objects notified of changes (``on_attach``, ``on_import``, ``on_prune``,
        ``on_change_input``).
    clone : bool
        Copy the graph first so that edits do not touch the caller's variables.
    """

    def __init__(self, inputs, outputs, features=None, clone=True):
        if clone:
            memo = clone_get_equiv(inputs, outputs, copy_inputs=False)
            outputs = [memo[o] for o in outputs]
        self.inputs: list[Variable] = list(inputs)
        self.outputs: list[Variable] = list(outputs)
        self.apply_nodes: set[Apply] = set()
        self.variables: set[Variable] = set()
        # var -> {(node, input index): None}, an insertion-ordered set: O(1) removal
        # even for a variable read by thousands of nodes.
        self.clients: dict[Variable, dict] = {}
        self._features: list = []
        for v in self.inputs:
            self._add_var(v)
        for i, out in enumerate(self.outputs):
            self._import_var(out)
            self.clients[out][("output", i)] = None
        for f in features or ():
            self.attach_feature(f)

    # -- building -------------------------------------------------------------------
    def _add_var(self, v):
        if v not in self.variables:
            self.variables.add(v)
            self.clients.setdefault(v, {})

    def _import_var(self, var):
        if var.owner is not None and var.owner not in self.apply_nodes:
            self._import_node(var.owner)
        elif (
            var.owner is None
            and var not in self.variables
            and not isinstance(var, Constant)
            and var not in self.inputs
        ):
            raise MissingInputError(
                f"the graph needs the value of {var} (type {var.type}), which is "
                "neither an input nor a shared variable nor a constant"
            )
        self._add_var(var)

    def _import_node(self, node):
        for n in io_toposort(self.variables, node.outputs):
            if n in self.apply_nodes:
                continue
            for inp in n.inputs:
                if inp.owner is None:
                    self._import_var(inp)
            self.apply_nodes.add(n)
            for out in n.outputs:
                self._add_var(out)
            for i, inp in enumerate(n.inputs):
                self._add_var(inp)
                self.clients[inp][(n, i)] = None
            for f in self._features:
                if hasattr(f, "on_import"):
                    f.on_import(self, n)

    # -- editing --------------------------------------------------------------------
    def change_input(self, node, i, new_var, reason=None):
        """Make input ``i`` of ``node`` (or output ``i`` when node is 'output') ``new_var``."""
        if node == "output":
            old = self.outputs[i]
            self.outputs[i] = new_var
        else:
            old = node.inputs[i]
            node.inputs[i] = new_var
        if old is new_var:
            return
        self._import_var(new_var)
        self.clients[new_var][(node, i)] = None
        del self.clients[old][(node, i)]
        for f in self._features:
            if hasattr(f, "on_change_input"):
                f.on_change_input(self, node, i, old, new_var, reason)
        self._prune_if_unused(old)

    def replace(self, var, new_var, reason=None, validate=True):
        """Make every client of ``var`` use ``new_var`` instead."""
        if validate and var.type != new_var.type:
            conv = var.type.convert_variable(new_var)
            if conv is None:
                raise TypeError(
                    f"cannot replace {var} of type {var.type} by {new_var} of type "
                    f"{new_var.type} (reason: {reason})"
                )
            new_var = conv
        if var not in self.variables:
            return
        for node, i in list(self.clients[var]):
            self.change_input(node, i, new_var, reason)

    def replace_all(self, pairs, reason=None):
        for var, new_var in pairs:
            self.replace(var, new_var, reason)

    def _prune_if_unused(self, var):
        stack = [var]
        while stack:
            v = stack.pop()
            if self.clients.get(v) or v in self.inputs:
                continue
            node = v.owner
            if node is None or node not in self.apply_nodes:
                if node is None:
                    self.variables.discard(v)
                    self.clients.pop(v, None)
                continue
            if any(self.clients.get(o) for o in node.outputs):
                continue
            self.apply_nodes.remove(node)
            for o in node.outputs:
                self.variables.discard(o)
                self.clients.pop(o, None)
            for f in self._features:
                if hasattr(f, "on_prune"):
                    f.on_prune(self, node)
            for i, inp in enumerate(node.inputs):
                self.clients[inp].pop((node, i), None)
                stack.append(inp)

    def attach_feature(self, feature):
        self._features.append(feature)
        if hasattr(feature, "on_attach"):
            feature.on_attach(self)

    def remove_feature(self, feature):
        self._features.remove(feature)

    # -- queries --------------------------------------------------------------------
    def toposort(self) -> list[Apply]:
        """The apply nodes in an order where each follows the nodes it needs."""
        return io_toposort(self.inputs, self.outputs)

    def get_clients(self, var):
        """The ``(node, input index)`` pairs reading ``var`` (``node`` 'output' for outputs)."""
        return list(self.clients.get(var, ()))

    def clone_get_equiv(self):
        memo = clone_get_equiv(self.inputs, self.outputs, copy_inputs=True)
        fg = FunctionGraph(
            [memo[i] for i in self.inputs], [memo[o] for o in self.outputs], clone=False
        )
        return fg, memo

    def clone(self):
        return self.clone_get_equiv()[0]

    def __str__(self):
        return f"FunctionGraph({', '.join(str(o) for o in self.outputs)})"

    def __repr__(self):
        return str(self)
