"""The default linker: a whole graph becomes one generated Python function.

Each apply node contributes straight-line source (its op's `py_code` snippet, or a
call to its `perform`); the function is ``exec``'d once. Its source is kept
(`GraphFunction.source`) and registered with `linecache`, so tracebacks show the
generated line, and an error is mapped back to the node that raised it.
"""

from __future__ import annotations

import builtins
import itertools
import keyword
import linecache
import re

import numpy as np

from theano.graph.basic import Constant, Variable, io_toposort

_counter = itertools.count()
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class CodeContext:
    """What an op's `py_code` may use: global names for objects, and inner-graph compiling."""

    def __init__(self):
        self.globals: dict[str, object] = {"__builtins__": __builtins__}
        self._by_id: dict[int, str] = {}

    def ref(self, obj, hint: str = "g") -> str:
        """A global name bound to ``obj`` in the generated module (one per object)."""
        name = self._by_id.get(id(obj))
        if name is None:
            base = "_" + re.sub(r"\W", "_", hint)
            name = base
            k = 1
            while name in self.globals:
                name = f"{base}_{k}"
                k += 1
            self.globals[name] = obj
            self._by_id[id(obj)] = name
        return name

    def compile_graph(self, inputs, outputs):
        """A plain callable computing ``outputs`` from ``inputs`` (an inner graph)."""
        return generate(inputs, outputs).fn


class GraphFunction:
    """The generated function of a graph, its source and the map from lines to nodes."""

    def __init__(self, fn, source, line_nodes, filename, names):
        self.names = names
        self.fn = fn
        self.source = source
        self.line_nodes = line_nodes
        self.filename = filename

    def node_at(self, lineno):
        return self.line_nodes.get(lineno)


def _free_name(var, used):
    name = var.name
    if (name and _IDENT.match(name) and not keyword.iskeyword(name) and name not in used
            and not hasattr(builtins, name)):  # fmt: skip
        return name
    k = len(used)
    while f"v{k}" in used:
        k += 1
    return f"v{k}"


def generate(inputs, outputs, returns=None, fn_name="graph", nodes=None):
    """Generate and ``exec`` one function computing ``outputs`` from ``inputs``.

    Parameters
    ----------
    inputs : list of Variable
        The function's positional parameters, in order.
    outputs : list of Variable
        The values it returns, as a tuple.
    returns : list of str, optional
        Source expressions to return instead of the plain output names; ``{}`` in an
        expression is replaced by the output's local name.
    nodes : list of Apply, optional
        The apply nodes in execution order (default: a toposort).
    """
    ctx = CodeContext()
    names: dict[Variable, str] = {}
    used: set[str] = set()
    params = []
    for var in inputs:
        name = _free_name(var, used)
        used.add(name)
        names[var] = name
        params.append(name)
    lines = [f"def {fn_name}({', '.join(params)}):"]
    line_nodes = {}
    nodes = io_toposort(inputs, outputs) if nodes is None else nodes

    def name_of(var):
        if var in names:
            return names[var]
        if isinstance(var, Constant):
            names[var] = ctx.ref(var.data, "c")
            return names[var]
        raise ValueError(f"the graph needs {var}, which is not computed before it is used")

    for node in nodes:
        inames = [name_of(v) for v in node.inputs]
        onames = []
        for out in node.outputs:
            name = _free_name(Variable(None), used)  # intermediates: v<k>
            used.add(name)
            names[out] = name
            onames.append(name)
        src = node.op.py_code(node, inames, onames, ctx)
        if src is None:
            src = _perform_call(node, inames, onames, ctx)
        first = len(lines) + 1
        for line in src.splitlines():
            lines.append("    " + line)
        for lineno in range(first, len(lines) + 1):
            line_nodes[lineno] = node
    outs = [name_of(v) for v in outputs]
    if returns is not None:
        outs = [tmpl.format(o) for tmpl, o in zip(returns, outs)]
    lines.append(f"    return ({', '.join(outs)}{',' if len(outs) == 1 else ''})")
    source = "\n".join(lines) + "\n"
    filename = f"<theano-graph-{next(_counter)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = ctx.globals
    exec(compile(source, filename, "exec"), namespace)
    return GraphFunction(namespace[fn_name], source, line_nodes, filename, names)


def _perform_call(node, inames, onames, ctx):
    """Source that calls ``node.op.perform`` with fresh output storage."""
    perform = ctx.ref(node.op.perform, f"perform_{type(node.op).__name__}")
    nref = ctx.ref(node, f"node_{type(node.op).__name__}")
    cells = [f"{o}_" for o in onames]
    lines = [f"{c} = [None]" for c in cells]
    lines.append(f"{perform}({nref}, [{', '.join(inames)}], [{', '.join(cells)}])")
    lines.extend(f"{o} = {c}[0]" for o, c in zip(onames, cells))
    return "\n".join(lines)


def describe_failure(graph_fn: GraphFunction, tb) -> str | None:
    """A note naming the node whose generated line raised, with its inputs' shapes."""
    frame_tb = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == graph_fn.filename:
            frame_tb = tb
        tb = tb.tb_next
    if frame_tb is None:
        return None
    node = graph_fn.node_at(frame_tb.tb_lineno)
    if node is None:
        return None
    local_values = frame_tb.tb_frame.f_locals
    shapes, types = [], []
    for var in node.inputs:
        types.append(str(var.type))
        name = graph_fn.names.get(var)
        if isinstance(var, Constant):
            shapes.append(str(np.shape(var.data)))
        elif name in local_values:
            shapes.append(str(np.shape(local_values[name])))
        else:
            shapes.append("?")
    line = linecache.getline(graph_fn.filename, frame_tb.tb_lineno).strip()
    return (
        f"Apply node that caused the error: {node}\n"
        f"Input types: {', '.join(types)}\n"
        f"Input shapes: {', '.join(shapes)}\n"
        f"Generated line {frame_tb.tb_lineno}: {line}"
    )
