"""Graph nodes: `Variable`, `Constant`, `Apply`, and graph walks (ancestors, toposort, clone)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from itertools import count

_ids = count()


class Scratchpad:
    """A free-form attribute bag (Theano's ``tag``)."""

    def __repr__(self):
        return f"scratchpad{self.__dict__}"


class Node:
    """Base of `Apply` and `Variable`."""

    __slots__ = ()


class Variable(Node):
    """A symbolic value of some `Type`, produced by an `Apply` (its ``owner``) or free.

    Parameters
    ----------
    type : Type
        What values this variable can take.
    owner : Apply, optional
        The node computing it; ``None`` for graph inputs.
    index : int, optional
        Position of this variable in ``owner.outputs``.
    name : str, optional
        A user-facing name, used when printing.
    """

    def __init__(self, type, owner=None, index=None, name=None):
        self.type = type
        self.owner = owner
        self.index = index
        self.name = name
        self.tag = Scratchpad()
        self.auto_name = f"auto_{next(_ids)}"

    def __str__(self):
        if self.name is not None:
            return self.name
        if self.owner is not None:
            op = self.owner.op
            if self.index == getattr(op, "default_output", None):
                return f"{op}.out"
            return f"{op}.{self.index}"
        return f"<{self.type}>"

    def __repr__(self):
        return str(self)

    def clone(self):
        """A new free variable of the same type and name (not owned)."""
        cp = self.__class__(self.type, None, None, self.name)
        cp.tag = _copy_tag(self.tag)
        return cp

    def get_parents(self):
        return [self.owner] if self.owner is not None else []

    def eval(self, inputs_to_values=None):
        """Compute this variable's value, compiling once per set of inputs.

        Parameters
        ----------
        inputs_to_values : dict, optional
            Maps the graph's free variables to their values.
        """
        inputs_to_values = inputs_to_values or {}
        keys = tuple(inputs_to_values)
        cache = self.__dict__.setdefault("_eval_cache", {})
        fn = cache.get(keys)
        if fn is None:
            # A convenience that reaches up to the compiler, so imported lazily.
            from theano.compile.function import function

            fn = cache[keys] = function(list(keys), self, on_unused_input="ignore")
        return fn(*[inputs_to_values[k] for k in keys])

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_eval_cache", None)
        return state


def _copy_tag(tag):
    new = Scratchpad()
    new.__dict__.update(tag.__dict__)
    return new


class Constant(Variable):
    """A variable with a fixed value ``data``; equal constants merge."""

    def __init__(self, type, data, name=None):
        super().__init__(type, None, None, name)
        self.data = type.filter(data)

    def signature(self):
        return (self.type, self.type.data_signature(self.data))

    def __str__(self):
        if self.name is not None:
            return self.name
        return f"{type(self).__name__}{{{self.type.data_str(self.data)}}}"

    def clone(self):
        cp = self.__class__(self.type, self.data, self.name)
        cp.tag = _copy_tag(self.tag)
        return cp

    @property
    def value(self):
        return self.data


class Apply(Node):
    """One application of an `Op` to input variables, producing output variables."""

    def __init__(self, op, inputs: Sequence[Variable], outputs: Sequence[Variable]):
        self.op = op
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.tag = Scratchpad()
        for i, inp in enumerate(self.inputs):
            if not isinstance(inp, Variable):
                raise TypeError(f"{op}: input {i} is {inp!r}, not a Variable")
        for i, out in enumerate(self.outputs):
            if out.owner is None:
                out.owner = self
                out.index = i
            elif out.owner is not self or out.index != i:
                raise ValueError(f"{op}: output {i} already belongs to another node")

    @property
    def out(self):
        """The default output (Theano's ``node.out``)."""
        d = getattr(self.op, "default_output", None)
        if d is not None:
            return self.outputs[d]
        if len(self.outputs) == 1:
            return self.outputs[0]
        raise AttributeError(f"{self.op} has several outputs and no default output")

    default_output = out

    @property
    def nin(self):
        return len(self.inputs)

    @property
    def nout(self):
        return len(self.outputs)

    def get_parents(self):
        return list(self.inputs)

    def clone(self):
        """Same op and inputs, new output variables."""
        outs = [o.type() for o in self.outputs]
        for new, old in zip(outs, self.outputs):
            new.name = old.name
            new.tag = _copy_tag(old.tag)
        node = Apply(self.op, self.inputs, outs)
        node.tag = _copy_tag(self.tag)
        return node

    def clone_with_new_inputs(self, inputs, strict=True):
        """Rebuild this node over ``inputs``; types must match when ``strict``."""
        if len(inputs) != len(self.inputs):
            raise ValueError(f"{self.op}: expected {len(self.inputs)} inputs, got {len(inputs)}")
        same_types = all(a.type == b.type for a, b in zip(inputs, self.inputs))
        if same_types:
            node = self.clone()
            node.inputs = list(inputs)
            return node
        if strict:
            bad = [
                (i, a.type, b.type)
                for i, (a, b) in enumerate(zip(inputs, self.inputs))
                if a.type != b.type
            ]
            raise TypeError(f"{self.op}: new inputs change types {bad}")
        node = self.op.make_node(*inputs)
        for new, old in zip(node.outputs, self.outputs):
            new.name = old.name
        node.tag = _copy_tag(self.tag)
        return node

    def __str__(self):
        return f"{self.op}({', '.join(str(i) for i in self.inputs)})"

    __repr__ = __str__


# --------------------------------------------------------------------------- graph walks


def ancestors(outputs: Iterable[Variable], blockers: Iterable[Variable] = ()) -> list[Variable]:
    """Every variable reachable from ``outputs`` through owners, depth-first, parents first
    seen order (stops at ``blockers``)."""
    blockers = set(blockers)
    seen = set()
    order = []
    stack = list(reversed(list(outputs)))
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        order.append(v)
        if v.owner is not None and v not in blockers:
            stack.extend(reversed(v.owner.inputs))
    return order


def graph_inputs(outputs: Iterable[Variable], blockers: Iterable[Variable] = ()) -> list[Variable]:
    """Free variables (no owner, or in ``blockers``) that ``outputs`` depend on, in order of
    first appearance in a depth-first walk, as Theano's ``gof.graph.inputs``."""
    blockers = set(blockers)
    return [v for v in ancestors(outputs, blockers) if v.owner is None or v in blockers]


inputs = graph_inputs


def variables(ins: Sequence[Variable], outs: Sequence[Variable]) -> list[Variable]:
    """Variables on paths from ``ins`` to ``outs``."""
    nodes = io_toposort(ins, outs)
    seen = dict.fromkeys(ins)
    for n in nodes:
        seen.update(dict.fromkeys(n.inputs))
        seen.update(dict.fromkeys(n.outputs))
    seen.update(dict.fromkeys(outs))
    return list(seen)


def io_toposort(ins: Iterable[Variable], outs: Iterable[Variable]) -> list[Apply]:
    """Apply nodes between ``ins`` and ``outs``, each after the nodes computing its inputs.

    ``ins`` given as a set is used as it is (not copied): a graph importing one node
    must not pay for the size of the whole graph.
    """
    stop = ins if isinstance(ins, set | frozenset) else set(ins)
    order: list[Apply] = []
    done: set = set()
    for out in outs:
        if out in stop or out.owner is None or out.owner in done:
            continue
        stack = [(out.owner, False)]
        while stack:
            node, expanded = stack.pop()
            if node in done:
                continue
            if expanded:
                done.add(node)
                order.append(node)
                continue
            stack.append((node, True))
            for inp in reversed(node.inputs):
                owner = inp.owner
                if owner is not None and inp not in stop and owner not in done:
                    stack.append((owner, False))
    return order


def alias_roots(var: Variable) -> set:
    """The variables whose buffers ``var``'s value may be: followed back through the
    ops' ``view_map`` and ``destroy_map`` to values that own their buffer."""
    roots, stack, seen = set(), [var], set()
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        node = v.owner
        if node is None:
            roots.add(v)
            continue
        k = node.outputs.index(v)
        through = list(getattr(node.op, "view_map", {}).get(k, ()))
        through += getattr(node.op, "destroy_map", {}).get(k, ())
        if not through:
            roots.add(v)
        stack.extend(node.inputs[i] for i in through)
    return roots


def applys_between(ins, outs):
    return io_toposort(ins, outs)


def is_in_ancestors(node: Apply, target: Apply) -> bool:
    """True when ``target`` computes one of ``node``'s ancestors."""
    stack = [node]
    seen = set()
    while stack:
        n = stack.pop()
        if n is target:
            return True
        for i in n.inputs:
            if i.owner is not None and i.owner not in seen:
                seen.add(i.owner)
                stack.append(i.owner)
    return False


def clone_get_equiv(ins, outs, copy_inputs=True, copy_orphans=True, memo=None):
    """Clone the graph between ``ins`` and ``outs``; return the old-to-new map."""
    memo = {} if memo is None else memo
    for v in ins:
        if v not in memo:
            memo[v] = v.clone() if copy_inputs else v
    for node in io_toposort(ins, outs):
        for v in node.inputs:
            if v not in memo:
                memo[v] = v.clone() if (copy_orphans and isinstance(v, Constant)) else v
        new_node = node.clone_with_new_inputs([memo[v] for v in node.inputs])
        memo[node] = new_node
        for old, new in zip(node.outputs, new_node.outputs):
            memo.setdefault(old, new)
    for v in outs:
        if v not in memo:
            memo[v] = v.clone() if (copy_orphans and isinstance(v, Constant)) else v
    return memo


def clone(ins, outs, copy_inputs=True):
    """Return new (inputs, outputs) copies of the graph between ``ins`` and ``outs``."""
    memo = clone_get_equiv(ins, outs, copy_inputs)
    return [memo[v] for v in ins], [memo[v] for v in outs]


def clone_replace(outputs, replace=None, strict=True, share_inputs=True):
    """Copy the graph of ``outputs`` with the variables in ``replace`` substituted.

    ``replace`` is a dict or list of (old, new) pairs; ``strict`` requires equal types.
    """
    if replace is None:
        replace = {}
    pairs = list(replace.items()) if isinstance(replace, dict) else list(replace)
    single = isinstance(outputs, Variable)
    outs = [outputs] if single else list(outputs)
    mapping = {}
    for old, new in pairs:
        if not isinstance(new, Variable):
            new = old.type.filter_variable(new) if hasattr(old.type, "filter_variable") else new
        if strict and old.type != new.type:
            new = old.type.convert_variable(new) or new
            if old.type != new.type:
                raise TypeError(f"replacement for {old} has type {new.type}, expected {old.type}")
        mapping[old] = new
    memo = dict(mapping)
    for node in io_toposort(list(mapping), outs):
        new_inputs = [memo.get(v, v) for v in node.inputs]
        if all(a is b for a, b in zip(new_inputs, node.inputs)):
            for o in node.outputs:
                memo.setdefault(o, o)
            continue
        new_node = node.clone_with_new_inputs(new_inputs, strict=strict)
        for old, new in zip(node.outputs, new_node.outputs):
            memo[old] = new
    result = [memo.get(v, v) for v in outs]
    return result[0] if single else result


def general_toposort(outputs, deps):
    """Topological order of the nodes reachable from ``outputs`` via ``deps(node)``."""
    order, seen = [], set()
    for root in outputs:
        stack = [(root, False)]
        while stack:
            n, expanded = stack.pop()
            if expanded:
                order.append(n)
                continue
            if n in seen:
                continue
            seen.add(n)
            stack.append((n, True))
            stack.extend((d, False) for d in reversed(deps(n) or ()) if d not in seen)
    return order


def list_of_nodes(ins, outs):
    return io_toposort(ins, outs)


def walk_breadth_first(start, expand):
    """Yield nodes from ``start`` in breadth-first order, expanding with ``expand``."""
    seen = set()
    queue = deque(start)
    while queue:
        n = queue.popleft()
        if n in seen:
            continue
        seen.add(n)
        yield n
        queue.extend(expand(n) or ())
