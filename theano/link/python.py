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
from theano.link import numpy_errors

_counter = itertools.count()
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class CodeContext:
    """What an op's `py_code` may use: global names for objects, and inner-graph compiling."""

    def __init__(self):
        self.globals: dict[str, object] = {"__builtins__": __builtins__}
        self._by_id: dict[int, str] = {}
        self._next: dict[str, int] = {}  # next suffix to try per base name
        self.reserved: set[str] = set()
        # Variables whose buffer may be kept and written again by the next call (no
        # output, update or view shows it to the caller): see `output_buffer`.
        self.reusable: frozenset = frozenset()
        self.exposed: frozenset = frozenset()
        self._buffer_cells: dict = {}  # variable -> name of its kept buffer's cell

    def ref(self, obj, hint: str = "g") -> str:
        """A global name bound to ``obj`` in the generated module (one per object)."""
        name = self._by_id.get(id(obj))
        if name is None:
            base = "_" + re.sub(r"\W", "_", hint)
            name = base
            k = self._next.get(base, 1)
            while name in self.globals or name in self.reserved:
                name = f"{base}_{k}"
                k += 1
            self._next[base] = k
            self.globals[name] = obj
            self._by_id[id(obj)] = name
        return name

    def local(self, base: str) -> str:
        """A local variable name starting with ``base`` that nothing else in the
        generated function uses (a user may name an input ``v6_buf``)."""
        name, k = base, 1
        while name in self.reserved or name in self.globals:
            name = f"{base}_{k}"
            k += 1
        self.reserved.add(name)
        return name

    def output_buffer(self, var, oname: str, shape_src: str):
        """``(lines, name)``: source leaving in local ``name`` an array for ``var`` of shape
        ``shape_src``, kept from the previous call when it fits; None when ``var``'s
        buffer may not be reused. Reuse saves the allocation and, for large arrays,
        the page faults of touching fresh memory.
        """
        if var not in self.reusable:
            return None
        cell = self.buffer_cell(var)
        empty = self.ref(np.empty, "empty")
        name = self.local(f"{oname}_buf")
        dtype = var.type.dtype
        refill = f"{name} = {cell}[0] = {empty}({shape_src}, {dtype!r})"
        return [
            f"{name} = {cell}[0]",
            f"if {name} is None or {name}.shape != {shape_src}: {refill}",
        ], name

    def buffer_cell(self, var) -> str:
        """The global name of the one-element list keeping ``var``'s buffer: one cell
        per variable, however many code paths ask (the Numba tier's kernel and its
        NumPy fallback fill the same buffer)."""
        if var not in self._buffer_cells:
            self._buffer_cells[var] = self.ref([None], "buf")
        return self._buffer_cells[var]

    def compile_graph(self, inputs, outputs):
        """A plain callable computing ``outputs`` from ``inputs`` (an inner graph)."""
        return generate(inputs, outputs).fn


class CallFrame:
    """How `generate` wraps graph code into a caller's function.

    ``header`` is the ``def`` line; ``prologue`` lines run first; the graph code runs
    inside ``try`` (errors are annotated by ``self._annotate``); ``epilogue(outs)``
    gives the final lines from the output expressions. ``input_names`` are the local
    names of the graph inputs; ``globals`` are bound in the generated module.
    """

    def __init__(self, header, prologue, epilogue, input_names, globals, reserved=(),
                 checked=()):  # fmt: skip
        self.checked = set(checked)  # input names the prologue checks (exact type)
        self.header = header
        self.prologue = list(prologue)
        self.epilogue = epilogue
        self.input_names = list(input_names)
        self.globals = dict(globals)
        self.reserved = set(reserved)


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


def _overwritten_inputs(deferred, inputs):
    """The graph inputs (shared values) the deferred update nodes write into."""
    graph_inputs = {id(v) for v in inputs}  # (``in`` would compare variables with ==)
    found = {}
    for node in deferred:
        for positions in node.op.destroy_map.values():
            for i in positions:
                var = node.inputs[i]
                if id(var) in graph_inputs:
                    found[id(var)] = var
    return list(found.values())


def _copies_of_shared_inputs(inputs, names, others, ctx, may_be_none=False):
    """Source copying each array input that shares memory with one of ``others``
    (source expressions of arrays, or of None with ``may_be_none``): an input that
    is, or views, a shared
    value updated in place (``f(w.get_value(borrow=True))``) or a buffer kept for a
    borrowed output (``x = f(x)``) would be read after the call has written it.
    Arrays owning their memory never share it, so the usual call pays an identity
    test and two attribute reads per pair."""
    share = ctx.ref(np.may_share_memory, "may_share")
    lines = []
    for var in inputs:
        if not getattr(var.type, "ndim", 0) or not hasattr(var.type, "numpy_dtype"):
            continue
        x = names[var]
        for other in others:
            test = (f"({x} is {other} or ({x}.base is not None or {other}.base is not None) "
                    f"and {share}({x}, {other}))")  # fmt: skip
            if may_be_none:
                test = f"{other} is not None and {test}"
            lines.append(f"if {test}: {x} = {x}.copy(order='K')")
    return lines


def generate(inputs, outputs, returns=None, fn_name="graph", nodes=None, override=None,
             frame=None, reusable=(), deferred=(), fast_path=None, observer=None,
             exposed=()):  # fmt: skip
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
    override : callable, optional
        ``override(node, inames, onames, ctx)`` may return source replacing the op's
        own snippet (the Numba tier uses it for elementwise kernels).

    frame : CallFrame, optional
        Wraps the graph code into a caller's function (`theano.compile` inlines the
        graph into ``Function.__call__`` this way, saving a call per call).
    reusable : set of Variable
        Values whose buffers may be kept between calls (`CodeContext.output_buffer`).
    exposed : list of Variable
        The outputs returned as they are although their buffers are kept (borrowed):
        an input sharing one of those buffers is copied when the call starts.
    deferred : list of Apply
        The trailing nodes that overwrite shared values: before the first of them runs,
        every one's ``op.precheck`` lines run, so a call fails before any is written.
    fast_path : callable, optional
        ``fast_path(ctx, input_names, checked)`` gives ``(lines, status, outputs)``
        (``checked``: the inputs the frame's prologue checks): source run
        first that computes the graph another way (the Numba tier's whole-graph
        kernel), the local that is 0 when it did, and the output expressions then;
        otherwise the graph's code runs.
    observer : optional
        Watches every value as it is computed (`NanGuardMode`, profiling): its
        ``inputs(names, variables, ctx)`` gives source run first, on the graph's
        inputs, and its ``node(node, inames, onames, ctx)`` gives ``(before, after)``
        lines around each node's code (errors they raise name the node); an optional
        ``outputs(names, variables, ctx)`` gives lines run on the results, before
        the updates are committed; with ``protects_updates`` true, shared values
        updated in place are always written into copies (its checks may fail later).

    0-d tensors travel as NumPy scalars inside the function: arithmetic on them is
    several times cheaper than on 0-d arrays, and results are the same.
    """
    ctx = CodeContext()
    ctx.reusable = frozenset(reusable)
    # Kept buffers the caller sees (borrowed outputs): the next call's inputs may be them.
    ctx.exposed = frozenset(v for v in exposed if v in ctx.reusable)
    names: dict[Variable, str] = {}
    used: set[str] = set()
    ctx.reserved = used
    params = []
    for k, var in enumerate(inputs):
        name = frame.input_names[k] if frame is not None else _free_name(var, used)
        used.add(name)
        names[var] = name
        params.append(name)
    if frame is not None:
        used.update(frame.reserved)
        ctx.globals.update(frame.globals)
        lines = [frame.header, *frame.prologue]
        pad = "        "
    else:
        lines = [f"def {fn_name}({', '.join(params)}):"]
        pad = "    "
    if fast_path is not None:
        checked = frame.checked if frame is not None else ()
        fast_lines, status, fast_outs = fast_path(ctx, params, checked)
        lines.extend("    " + ln for ln in fast_lines)
        lines.append(f"    if {status} == 0:")
        if returns is not None:
            fast_outs = [tmpl.format(o) for tmpl, o in zip(returns, fast_outs)]
        if frame is not None:
            lines.extend("    " + ln for ln in frame.epilogue(fast_outs))
        else:
            lines.append(
                f"        return ({', '.join(fast_outs)}{',' if len(fast_outs) == 1 else ''})"
            )
    for var in inputs:
        if getattr(var.type, "ndim", None) == 0 and hasattr(var.type, "numpy_dtype"):
            lines.append(f"    {names[var]} = {names[var]}[()]")
    deferred = list(deferred)
    overwritten = _overwritten_inputs(deferred, inputs)
    readers = [v for v in inputs if not any(v is w for w in overwritten)]
    shared = [names[v] for v in overwritten]
    lines.extend("    " + ln for ln in _copies_of_shared_inputs(readers, names, shared, ctx))
    kept = [v for v in {id(v): v for v in exposed}.values() if v in ctx.exposed]
    buffers = [f"{ctx.buffer_cell(v)}[0]" for v in kept]
    lines.extend("    " + ln for ln in _copies_of_shared_inputs(inputs, names, buffers, ctx, True))
    if frame is not None:
        lines.append("    try:")
    line_nodes = {}
    nodes = io_toposort(inputs, outputs) if nodes is None else nodes
    if observer is not None:
        lines.extend(pad + ln for ln in observer.inputs(params, inputs, ctx))

    def name_of(var):
        if var in names:
            return names[var]
        if isinstance(var, Constant):
            data = var.data
            if isinstance(data, np.ndarray) and data.ndim == 0:
                data = data[()]
            names[var] = ctx.ref(data, "c")
            return names[var]
        raise ValueError(f"the graph needs {var}, which is not computed before it is used")

    for node in nodes:
        if deferred and node is deferred[0]:
            for later in deferred:
                precheck = getattr(later.op, "precheck", None)
                if precheck is not None:
                    names_in = [name_of(v) for v in later.inputs]
                    lines.extend(pad + ln for ln in precheck(later, names_in, ctx))
            # NumPy raises floating-point errors (np.errstate(all='raise'), warnings
            # made errors) after a ufunc has written its output: the updates then
            # write into copies, so that a call that raises leaves the shared values
            # as they were.
            copies = [f"{names[v]} = {names[v]}.copy(order='K')" for v in overwritten]
            if copies and not getattr(observer, "protects_updates", False):
                raises = ctx.ref(numpy_errors.may_raise, "fp_errors_raise")
                lines.append(f"{pad}if {raises}():")
                copies = ["    " + ln for ln in copies]
            lines.extend(pad + ln for ln in copies)
        inames = [name_of(v) for v in node.inputs]
        onames = []
        for out in node.outputs:
            name = _free_name(Variable(None), used)  # intermediates: v<k>
            used.add(name)
            names[out] = name
            onames.append(name)
        src = override(node, inames, onames, ctx) if override is not None else None
        if src is None:
            src = node.op.py_code(node, inames, onames, ctx)
        if src is None:
            src = _perform_call(node, inames, onames, ctx)
        before, after = observer.node(node, inames, onames, ctx) if observer else ((), ())
        first = len(lines) + 1
        for line in [*before, *src.splitlines(), *after]:
            lines.append(pad + line)
        for lineno in range(first, len(lines) + 1):
            line_nodes[lineno] = node
    outs = [name_of(v) for v in outputs]
    if observer is not None and hasattr(observer, "outputs"):
        lines.extend(pad + ln for ln in observer.outputs(outs, outputs, ctx))
    if returns is not None:
        outs = [tmpl.format(o) for tmpl, o in zip(returns, outs)]
    if frame is not None:
        if not nodes:
            lines.append("        pass")
        # (_Exception: a parameter may be named Exception, and names starting with _
        # are never parameters)
        ctx.globals["_Exception"] = Exception
        lines += ["    except _Exception as _err:", "        self._annotate(_err)", "        raise"]
        lines += frame.epilogue(outs)
        fn_name = "__call__"
    else:
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
    cells = [ctx.local(f"{o}_") for o in onames]  # (an input may be named v6_)
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
    note = (
        f"Apply node that caused the error: {node}\n"
        f"Input types: {', '.join(types)}\n"
        f"Input shapes: {', '.join(shapes)}\n"
        f"Generated line {frame_tb.tb_lineno}: {line}"
    )
    return note + _user_expressions(node)


def _user_expressions(node) -> str:
    """What the user wrote that the failing node computes (rewrites keep the link)."""
    lines = []
    for out in node.outputs:
        origin = getattr(out.tag, "origin", None)
        if origin is None or origin is out:
            continue
        from theano.printing import pp

        try:
            text = pp(origin)
        except Exception:  # noqa: BLE001 (a note must never hide the real error)
            text = str(origin)
        label = f" {origin.name}" if origin.name else ""
        lines.append(f"\nIt computes the user's expression{label}: {text}")
    return "".join(lines)
