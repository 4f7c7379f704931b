"""`theano.function`: compile a graph into a callable `Function`.

The life of a call (see DESIGN.md): the outputs and updates are cloned into a
`FunctionGraph` whose inputs are the explicit inputs followed by the shared
variables; the mode's rewrites run on it; the linker generates one Python function
for the whole graph; and `Function.__call__`, itself generated for this signature,
checks the inputs, calls it, and commits updates only after every output exists.
"""

from __future__ import annotations

import copy
import gc
import keyword
import re
import threading
import time
import warnings
from collections import OrderedDict

import numpy as np

from theano.compile.io import In, Out
from theano.compile.mode import get_mode, run_phases
from theano.compile.profiling import Observers, as_profile
from theano.configdefaults import config
from theano.graph.basic import (
    Constant,
    Variable,
    alias_roots,
    ancestors,
    clone_replace,
    graph_inputs,
)
from theano.graph.fg import FunctionGraph, MissingInputError
from theano.graph.shared import Container, SharedVariable
from theano.link.python import CallFrame, describe_failure, generate


class UnusedInputError(ValueError):
    """An input given to `function` is not needed to compute its outputs."""


_NODEFAULT = type("NoDefault", (), {"__repr__": lambda self: "<no value>"})()
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def function(inputs, outputs=None, mode=None, updates=None, givens=None,
             no_default_updates=False, accept_inplace=False, name=None, rebuild_strict=True,
             allow_input_downcast=None, profile=None, on_unused_input=None):  # fmt: skip
    """Compile a callable computing ``outputs`` from ``inputs``.

    Parameters
    ----------
    inputs : list of Variable or In (or Param)
        The function's parameters, in order.
    outputs : Variable, Out, list of them, or None
        What a call returns: a single value, or a list when a list is given.
    mode : str or Mode, optional
        'FAST_RUN' (default from ``config.mode``) or 'FAST_COMPILE'.
    updates : dict, OrderedDict or list of (shared variable, expression) pairs
        New values of shared variables, committed after all outputs are computed.
    givens : dict or list of pairs
        Substitutions made in the graph before compiling.
    no_default_updates : bool or list of shared variables
        Skip the ``default_update`` of all (True) or of the listed shared variables.
    name : str, optional
    allow_input_downcast : bool, optional
        Accept inputs that lose precision when cast to the input's dtype.
    on_unused_input : {'raise', 'warn', 'ignore'}, optional
        What to do with an input that the outputs do not need (``config.on_unused_input``).
    profile : bool, str or ProfileStats, optional
        Time each call and each node (``config.profile`` by default); ``f.profile``
        holds the times and ``f.profile.summary()`` prints them. A string names the
        profile; one ProfileStats may collect several functions.
    """
    if not isinstance(inputs, list | tuple):
        raise TypeError(f"theano.function: inputs must be a list, got {type(inputs).__name__}")
    # The collector would trace the many small graph objects a compile makes, again and
    # again (twice the compile time on large graphs); the cycles among them (a variable
    # and its Apply) are collected once, after the compile.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        maker = FunctionMaker(inputs, outputs, mode, updates, givens, no_default_updates, name,
                              allow_input_downcast, on_unused_input, rebuild_strict,
                              accept_inplace)  # fmt: skip
        stats = as_profile(profile, name)
        made = time.perf_counter()
        fn = maker.create(profile=stats)
        if stats is not None:
            stats.compile_time += time.perf_counter() - start
            stats.optimizer_time += sum(r.seconds for r in maker.rewrite_reports)
            stats.linker_time += time.perf_counter() - made
        return fn
    finally:
        if gc_was_enabled:
            gc.enable()


def _as_in(item, allow_input_downcast):
    if isinstance(item, In):
        spec = item
    elif isinstance(item, Variable):
        spec = In(item)
    else:
        raise TypeError(f"theano.function: inputs must be variables or In(), got {item!r}")
    if isinstance(spec.variable, SharedVariable):
        raise TypeError(
            f"cannot use the shared variable {spec.variable} as an explicit input; shared "
            "variables are implicit inputs. To substitute a value, use givens="
        )
    if isinstance(spec.variable, Constant):
        raise TypeError(f"{spec.variable} is a constant and cannot be a function input")
    if spec.allow_downcast is None:
        spec.allow_downcast = allow_input_downcast
    return spec


def _normalize_updates(updates):
    if updates is None:
        return []
    if isinstance(updates, dict):
        if not isinstance(updates, OrderedDict) and len(updates) > 1 and type(updates) is not dict:
            warnings.warn("updates given as an unordered mapping", stacklevel=3)
        pairs = list(updates.items())
    else:
        pairs = list(updates)
    out = []
    seen = set()
    for pair in pairs:
        if len(pair) != 2:
            raise TypeError(f"updates must be (shared variable, new value) pairs, got {pair!r}")
        var, new = pair
        if not isinstance(var, SharedVariable):
            raise TypeError(f"an update must be for a shared variable, got {var!r}")
        if var in seen:
            raise ValueError(f"the shared variable {var} is updated twice")
        seen.add(var)
        out.append((var, _update_value(var, new)))
    return out


def _update_value(var, new):
    if not isinstance(new, Variable):
        new = var.type.filter_variable(new)
    if new.type != var.type:
        conv = var.type.convert_variable(new)
        if conv is None:
            raise TypeError(
                "An update must have the same type as the original shared variable "
                f"(shared_var={var}, shared_var.type={var.type}, update_val={new}, "
                f"update_val.type={new.type}). If the difference is related to the "
                "broadcast pattern, you can call the tensor.unbroadcast(var, "
                "axis_to_unbroadcast[, ...]) function to remove broadcastable dimensions. "
                f"If it is the dtype, cast the update with .astype({getattr(var.type, 'dtype', '')!r})."
            )
        new = conv
    return new


class FunctionMaker:
    """Builds a `Function`: normalizes the arguments, builds the graph and links it.

    Keeps ``fgraph`` (the rewritten graph), ``inputs`` (the `In` specs, explicit then
    implicit) and ``outputs`` for inspection, as Theano's maker did.
    """

    def __init__(self, inputs, outputs, mode, updates, givens, no_default_updates, name,
                 allow_input_downcast, on_unused_input, rebuild_strict=True,
                 accept_inplace=False):  # fmt: skip
        self.mode = get_mode(mode)
        self.accept_inplace = accept_inplace
        self.name = name
        if updates is not None and not isinstance(updates, dict):
            updates = list(updates)  # an iterator is read once, here
        if givens is not None and not isinstance(givens, dict):
            givens = list(givens)
        # What rebuilds this function when it is unpickled.
        self.build_args = (list(inputs), outputs, self.mode, updates, givens,
                           no_default_updates, name, allow_input_downcast, on_unused_input,
                           rebuild_strict)  # fmt: skip
        specs = [_as_in(i, allow_input_downcast) for i in inputs]
        seen = set()
        for s in specs:
            if s.variable in seen:
                raise ValueError(f"the variable {s.variable} appears twice in the inputs")
            seen.add(s.variable)

        # Outputs: None or [] give [], one variable gives one value, a list gives a list.
        self.unpack_single = False
        if outputs is None:
            outputs = []
        if isinstance(outputs, Variable | Out):
            outputs = [outputs]
            self.unpack_single = True
        outs = []
        for o in outputs:
            if isinstance(o, Out):
                outs.append(o)
            elif isinstance(o, Variable):
                outs.append(Out(o))
            else:
                raise TypeError(f"theano.function: outputs must be variables, got {o!r}")
        self.outputs = outs

        update_pairs = _normalize_updates(updates)
        update_pairs += [(s.variable, s.update) for s in specs if s.update is not None]
        out_vars = [o.variable for o in outs]

        # Givens: substitute in outputs and update expressions.
        if givens:
            gpairs = list(givens.items()) if isinstance(givens, dict) else list(givens)
            fixed = []
            for old, new in gpairs:
                if not isinstance(old, Variable):
                    raise TypeError(f"givens keys must be variables, got {old!r}")
                if not isinstance(new, Variable):
                    new = old.type.filter_variable(new)
                elif new.type != old.type:
                    conv = old.type.convert_variable(new)
                    if conv is None:
                        raise TypeError(
                            f"givens: {old} of type {old.type} cannot be replaced by {new} of "
                            f"type {new.type}"
                        )
                    new = conv
                fixed.append((old, new))
            replaced = clone_replace(out_vars + [u for _, u in update_pairs], fixed,
                                     strict=rebuild_strict)  # fmt: skip
            out_vars = replaced[: len(out_vars)]
            update_pairs = [(v, u) for (v, _), u in zip(update_pairs, replaced[len(out_vars) :])]

        # Default updates of the shared variables the graph uses.
        update_pairs = self._add_default_updates(out_vars, update_pairs, no_default_updates)

        needed = out_vars + [u for _, u in update_pairs]
        self._check_inputs(specs, needed, on_unused_input)

        shared_vars = []
        for v in graph_inputs(needed):
            if isinstance(v, SharedVariable) and v not in shared_vars:
                shared_vars.append(v)
        for v, _ in update_pairs:
            if isinstance(v, SharedVariable) and v not in shared_vars:
                shared_vars.append(v)
        implicit = [In(v, value=v.container, implicit=True, shared=True) for v in shared_vars]
        self.inputs = specs + implicit
        self.update_pairs = update_pairs
        self.n_outputs = len(out_vars)

        fgraph_inputs = [s.variable for s in specs] + shared_vars
        self.fgraph = FunctionGraph(fgraph_inputs, needed, clone=True)
        self.fgraph.update_mapping = {
            len(out_vars) + k: fgraph_inputs.index(v) for k, (v, _) in enumerate(update_pairs)
        }
        self._rewrite()

    def _add_default_updates(self, out_vars, update_pairs, no_default_updates):
        if no_default_updates is True:
            return update_pairs
        skip = set(no_default_updates or ())
        pairs = list(update_pairs)
        done = {v for v, _ in pairs}
        changed = True
        while changed:
            changed = False
            for v in graph_inputs(out_vars + [u for _, u in pairs]):
                if (
                    isinstance(v, SharedVariable)
                    and v not in done
                    and v not in skip
                    and getattr(v, "default_update", None) is not None
                ):
                    pairs.append((v, _update_value(v, v.default_update)))
                    done.add(v)
                    changed = True
        return pairs

    def _check_inputs(self, specs, needed, on_unused_input):
        policy = on_unused_input or config.on_unused_input
        if policy not in ("raise", "warn", "ignore"):
            raise ValueError(f"on_unused_input must be 'raise', 'warn' or 'ignore', got {policy!r}")
        reachable = set(ancestors(needed))
        given = {s.variable for s in specs}
        for v in graph_inputs(needed):
            if v.owner is None and not isinstance(v, Constant | SharedVariable) and v not in given:
                raise MissingInputError(
                    f"theano.function: the outputs depend on {v} (type {v.type}), which is not "
                    "among the inputs. Add it to the inputs, or give it a value with givens="
                )
        for i, s in enumerate(specs):
            if s.variable in reachable or (s.update is not None):
                continue
            msg = (
                "theano.function was asked to create a function computing outputs given "
                f"certain inputs, but the provided input variable at index {i} is not part "
                "of the computational graph needed to compute the outputs: "
                f"{s.variable}.\nTo make this error into a warning, you can pass the "
                "parameter on_unused_input='warn' to theano.function. To disable it "
                "completely, use on_unused_input='ignore'."
            )
            if policy == "raise":
                raise UnusedInputError(msg)
            if policy == "warn":
                warnings.warn(msg, stacklevel=4)

    def _rewrite(self):
        """Run the mode's rewrite phases on ``fgraph`` (merge ... fusion, inplace)."""
        if not self.accept_inplace:
            for node in self.fgraph.apply_nodes:
                if node.op.destroy_map:
                    raise TypeError(
                        f"Graph must not contain inplace operations: {node.op} overwrites "
                        "its input; pass accept_inplace=True to theano.function to allow it"
                    )
        if getattr(self.mode, "keeps_unrewritten", False):  # DebugMode compares with it
            self.unrewritten = self.fgraph.clone()
        self.rewrite_reports = run_phases(self.fgraph, self.mode)
        self._protect_inputs()

    def _protect_inputs(self):
        """Undo in-place work on a buffer the caller owns (an input not declared
        ``In(mutable=True)``, a shared value, a constant): such an op computes into a
        new buffer instead, or the compile fails when the op has no such form.
        """
        fg = self.fgraph
        mutable = {s.variable for s in self.inputs if s.mutable and not s.shared}
        from theano.tensor.rewriting.inplace import shared_update_destroyer

        for node in list(fg.toposort()):
            for destroyed in node.op.destroy_map.values():
                roots = alias_roots(node.inputs[destroyed[0]])
                allowed = mutable | {shared_update_destroyer(fg, node)}
                if not any(isinstance(r, Constant) or (r in fg.inputs and r not in allowed)
                           for r in roots):  # fmt: skip
                    continue
                safe = _without_inplace(node.op)
                if safe is None:
                    raise TypeError(
                        f"{node.op} would overwrite {node.inputs[destroyed[0]]}, a value the "
                        "caller owns; declare the input In(x, mutable=True) to allow it"
                    )
                new = safe.make_node(*node.inputs)
                fg.replace_all(list(zip(node.outputs, new.outputs)), reason="protect_inputs")
                break

    # -- linking ----------------------------------------------------------------------
    def _return_templates(self):
        """How each graph output is returned: as is, as a 0-d array, or as a copy.

        An output is copied when its buffer may be an input's, a shared value's, a
        constant's, or one already returned by an earlier output (a view of it, or
        the same variable), unless it is an ``Out(borrow=True)``.
        """
        fg = self.fgraph
        protected = set(fg.inputs)
        templates = []
        returned = set()  # buffers handed out as they are
        targets = {k: fg.inputs[j] for k, j in getattr(fg, "update_mapping", {}).items()}
        for k, var in enumerate(fg.outputs):
            borrow = k < self.n_outputs and self.outputs[k].borrow
            roots = alias_roots(var)
            if k in targets and roots == {targets[k]}:
                # An update computed in its own buffer (0-d values stay 0-d arrays).
                templates.append("_asarray({})" if getattr(var.type, "ndim", None) == 0 else "{}")
                continue
            alias = bool(roots & (protected | returned)) or any(
                isinstance(r, Constant) for r in roots
            )
            copy_it = alias and not borrow
            if not copy_it:
                returned |= roots
            if getattr(var.type, "ndim", None) == 0:
                templates.append("_array({})" if copy_it else "_asarray({})")
            elif copy_it:
                templates.append("{}.copy()")
            else:
                templates.append("{}")
        return templates

    def create(self, profile=None):
        self.nodes = self._schedule()
        return Function(self, profile=profile)

    def _schedule(self):
        """The nodes in evaluation order: topological, with the nodes that compute a
        shared variable's update in its own buffer last, after every reader of the old
        value (nothing reads their results but the update itself)."""
        from theano.tensor.rewriting.inplace import shared_update_destroyer

        fg = self.fgraph
        order = fg.toposort()
        self.deferred = [n for n in order
                         if n.op.destroy_map and shared_update_destroyer(fg, n) is not None]  # fmt: skip
        if not self.deferred:
            return order
        moved = set(self.deferred)
        self.deferred = _smallest_update_first(fg, self.deferred)
        return [n for n in order if n not in moved] + self.deferred

    def reusable_buffers(self):
        """Variables whose buffer may be kept and overwritten by the next call.

        An intermediate qualifies when no output (or update) is it or a view of it; an
        output only when declared ``Out(borrow=True)``, computed into its own buffer
        and not shown by another output. Anything the caller or a shared variable
        keeps after the call is never reused.
        """
        if self.__dict__.get("_reusable") is not None:
            return self._reusable
        fg = self.fgraph
        roots_of = [alias_roots(o) for o in fg.outputs]
        shown = set().union(*roots_of) if roots_of else set()
        reusable = {v for n in self.nodes for v in n.outputs if v not in shown}
        for k, var in enumerate(fg.outputs[: self.n_outputs]):
            others = set().union(*(r for i, r in enumerate(roots_of) if i != k))
            fresh = roots_of[k] == {var} and var.owner is not None and var not in fg.inputs
            if self.outputs[k].borrow and fresh and var not in others:
                reusable.add(var)
        self._reusable = frozenset(reusable)
        return self._reusable

    def borrowed_outputs(self):
        """The outputs declared ``Out(borrow=True)`` (their buffers may be kept)."""
        fg = self.fgraph
        return [fg.outputs[k] for k in range(self.n_outputs) if self.outputs[k].borrow]

    def graph_function(self):
        """The graph alone as a plain generated function (what ``f.source`` shows)."""
        fg = self.fgraph
        gf = generate(fg.inputs, fg.outputs, returns=self._return_templates(), nodes=self.nodes,
                      reusable=self.reusable_buffers(), deferred=self.deferred,
                      exposed=self.borrowed_outputs())  # fmt: skip
        gf.fn.__globals__.update(_asarray=np.asarray, _array=np.array)
        return gf


def _smallest_update_first(fg, deferred):
    """The deferred update nodes in an order that is right and cache-friendly.

    A node reading a buffer another one overwrites (a `Gemm` updating ``a`` in place
    on an intermediate may read ``b``, which ``b * 0.5`` overwrites) runs before it;
    otherwise the smallest shared values go first, the largest last, still in cache
    when the next call starts, most often by reading the weights just updated
    (``x @ W``). Without a consistent order the topological one is kept.
    """
    from theano.tensor.rewriting.inplace import shared_update_destroyer

    writes, reads = {}, {}
    for n in deferred:
        dest = {i for targets in n.op.destroy_map.values() for i in targets}
        writes[n] = set().union(*(alias_roots(n.inputs[i]) for i in dest))
        reads[n] = set().union(*(alias_roots(v) for i, v in enumerate(n.inputs) if i not in dest))
    before = {n: {m for m in deferred if m is not n and reads[m] & writes[n]} for n in deferred}
    size = {n: _nbytes(shared_update_destroyer(fg, n)) for n in deferred}
    done, ordered = set(), []
    while len(ordered) < len(deferred):
        ready = [n for n in deferred if n not in done and before[n] <= done]
        if not ready:  # nodes overwriting what each other reads: no order is right
            return list(deferred)
        pick = min(ready, key=lambda n: size[n])  # min keeps the first of equal sizes
        ordered.append(pick)
        done.add(pick)
    return ordered


def _nbytes(shared) -> int:
    """The size of a shared variable's current value (0 when it has none to see)."""
    get_value = getattr(shared, "get_value", None)
    return np.asarray(get_value(borrow=True)).nbytes if get_value else 0


def _without_inplace(op):
    """The same computation as ``op`` without overwriting an input, or None."""
    if getattr(op, "inplace_pattern", None):
        return type(op)(op.scalar_op)
    if getattr(op, "inplace", False) and "inplace" in op.__props__:
        props = {p: getattr(op, p) for p in op.__props__}
        props["inplace"] = False
        return type(op)(**props)
    return None


# ----------------------------------------------------------------------------- Function


class Function:
    """A compiled function. Calling it checks the inputs, runs the generated graph code,
    then commits the updates.

    ``f.source`` is the generated graph code; ``f.maker.fgraph`` the compiled graph;
    ``f['name']`` reads or sets the stored value of an input with a default.
    """

    def __init__(self, maker, graph_fn=None, profile=None):
        self.maker = maker
        self._graph_fn = graph_fn
        self.profile = profile  # a ProfileStats timing each call and node, or None
        self._override = None
        self._fast_path = None  # the Numba tier's whole-graph kernel call, when it has one
        # Calls are rebuilt by f[name] = value and installed by a background tier: the
        # lock keeps them apart, the generation tells a tier its call went stale.
        self._call_lock = threading.Lock()
        self._generation = 0
        self.name = maker.name
        self.containers = []
        for spec in maker.inputs:
            if spec.shared:
                self.containers.append(spec.variable.container)
            elif spec.value is not None:
                value = spec.value.value if isinstance(spec.value, Container) else spec.value
                if not spec.borrow:  # the function keeps its own copy of the default
                    value = copy.deepcopy(value)
                self.containers.append(Container(spec.variable.type,
                                                 spec.variable.type.filter(value, spec.strict,
                                                 spec.allow_downcast)))  # fmt: skip
            else:
                self.containers.append(None)
        self.input_storage = self.containers
        self._trust = False
        self.tier = "python"
        self._tiering = None
        self._settings = None  # the Numba tier's flags, pinned when it is started
        self._checked, self._trusted, self.call_source, self._call_graphs = _build_call(self)
        self._start_numba_tier()

    def __new__(cls, maker=None, graph_fn=None, profile=None):
        # Each function gets its own subclass, so that __call__ can be the generated code.
        sub = type("Function", (cls,), {})
        return object.__new__(sub)

    def _start_numba_tier(self):
        """Compile the Numba tier now ('numba_sync') or in the background ('numba')."""
        linker = self.maker.mode.linker
        if linker == "py" and config.linker == "numba":
            linker = "numba"
        watched = self.maker.mode.observer(self.maker) is not None or self.profile is not None
        if linker not in ("numba", "numba_sync") or watched:
            return
        from theano.link.numba import linker as numba_linker

        if not numba_linker.available():
            return
        shared = [c.storage[0] for c, spec in zip(self.containers, self.maker.inputs)
                  if spec.shared]  # fmt: skip
        whole = numba_linker.whole_graph_candidate(self.maker.fgraph, self.maker.nodes, shared)
        if not whole and not numba_linker.count_kernels(self.maker.nodes):
            return
        override = numba_linker._node_override
        self._settings = numba_linker.settings()  # the flags its kernels are built with

        def per_node():
            generation = self._generation
            return _build_call(self, override, install=False), None, generation

        def whole_graph():
            # Seconds to build: in the background it comes second, after the per-node
            # kernels are serving (and it keeps them for large arrays).
            generation = self._generation
            plan = numba_linker.whole_graph(self.maker.fgraph, self.maker.nodes)
            if plan is None:
                return None
            built = _build_call(self, override, install=False, fast_path=plan.emit)
            return built, plan.emit, generation

        def install(stage):
            if stage is None:
                return
            built, fast_path, generation = stage
            with self._call_lock:
                if generation != self._generation:  # f[name] = value meanwhile
                    built = self._call_for(override, fast_path)
                self._override, self._fast_path = override, fast_path
                self._checked, self._trusted, self.call_source, self._call_graphs = built
                self.tier = "numba"
                type(self).__call__ = self._trusted if self._trust else self._checked

        if linker == "numba_sync":
            built = whole_graph() if whole else None
            install(built if built is not None else per_node())
        else:
            stages = [per_node, whole_graph] if whole else [per_node]
            self._tiering = numba_linker.TieredCompiler(stages, install, self._settings).start()

    def _call_for(self, override, fast_path):
        """`_build_call` again (a stored value changed), with the flags the Numba tier
        was started with when it has kernels."""
        if override is None or self._settings is None:
            return _build_call(self, override, install=False, fast_path=fast_path)
        from theano.link.numba.kernels import pinned_settings

        with pinned_settings(self._settings):
            return _build_call(self, override, install=False, fast_path=fast_path)

    def wait_for_tier(self, timeout=None) -> str:
        """Wait for a background Numba compile, if any; return the tier now in use."""
        if self._tiering is not None:
            self._tiering.wait(timeout)
        return self.tier

    @property
    def graph_fn(self):
        """The compiled graph as a plain generated function (built on first use)."""
        if self._graph_fn is None:
            self._graph_fn = self.maker.graph_function()
        return self._graph_fn

    @property
    def source(self) -> str:
        """The generated Python source of the compiled graph (``f.call_source`` shows the
        full ``__call__``, input checks and updates included)."""
        return self.graph_fn.source

    @property
    def trust_input(self):
        return self._trust

    @trust_input.setter
    def trust_input(self, value):
        with self._call_lock:  # a background tier may be installing its call
            self._trust = bool(value)
            type(self).__call__ = self._trusted if value else self._checked

    def _spec_index(self, key):
        for i, spec in enumerate(self.maker.inputs):
            if spec.implicit:
                continue
            if key is spec.variable or (isinstance(key, str) and key == spec.name):
                return i
        raise KeyError(f"this function has no input named {key!r}")

    def __getitem__(self, key):
        i = self._spec_index(key)
        if self.containers[i] is None:
            raise KeyError(f"input {key!r} has no stored value")
        return self.containers[i].storage[0]

    def __setitem__(self, key, value):
        self._store(self._spec_index(key), value)

    def _store(self, i, value):
        """Make ``value`` the stored value of input ``i`` (a default from now on)."""
        spec = self.maker.inputs[i]
        value = spec.variable.type.filter(value, spec.strict, spec.allow_downcast)
        if self.containers[i] is None:
            with self._call_lock:
                self.containers[i] = Container(spec.variable.type, value)
                self._generation += 1
                built = self._call_for(self._override, self._fast_path)
                self._checked, self._trusted, self.call_source, self._call_graphs = built
                type(self).__call__ = self._trusted if self._trust else self._checked
        else:
            self.containers[i].storage[0] = value

    def copy(self, share_memory=False, swap=None, delete_updates=False, name=None,
             profile=None):  # fmt: skip
        """A new function computing the same graph, with buffers of its own: give each
        thread its own copy (one function called from two threads at once would share
        the buffers it keeps between calls).

        ``share_memory``: the copy uses the same stored input values (``f[name]``) as
        this one, instead of copies. ``swap``: ``{old shared variable: new one}`` of the
        same type, read and updated by the copy instead. ``delete_updates``: the copy
        updates no shared variable (nor applies default updates). ``name``,
        ``profile``: as for `function`.
        """
        maker = self.maker
        if delete_updates or name is not None:
            args = list(maker.build_args)
            if delete_updates:  # updates, no_default_updates; inputs only updates read stay
                args[3], args[5], args[8] = None, True, "ignore"
            if name is not None:
                args[6] = name
            maker = FunctionMaker(*args)
        if profile is None and self.profile is not None:  # a profiled function's copy too
            profile = name or self.profile.message or True
        fn = maker.create(profile=as_profile(profile, name or self.name))
        swap = dict(swap or {})
        by_variable = {spec.variable: i for i, spec in enumerate(self.maker.inputs)}
        changed = False
        for j, spec in enumerate(maker.inputs):
            i = by_variable.get(spec.variable)
            if spec.shared and spec.variable in swap:
                new = swap.pop(spec.variable)
                if not isinstance(new, SharedVariable) or new.type != spec.variable.type:
                    raise TypeError(f"Function.copy: cannot swap the shared variable "
                                    f"{spec.variable} of type {spec.variable.type} for "
                                    f"{new!r} of type {getattr(new, 'type', None)}")  # fmt: skip
                fn.containers[j], changed = new.container, True
            elif not spec.shared and i is not None and self.containers[i] is not None:
                own = self.containers[i]
                if not share_memory:
                    own = Container(own.type, copy.deepcopy(own.storage[0]), own.strict,
                                    own.allow_downcast, own.name)  # fmt: skip
                fn.containers[j], changed = own, True
        if swap:
            raise ValueError(f"Function.copy: swap names shared variables this function "
                             f"does not use: {list(swap)}")  # fmt: skip
        if changed:
            with fn._call_lock:
                fn._generation += 1  # a background tier building meanwhile rebuilds its call
                built = fn._call_for(fn._override, fn._fast_path)
                fn._checked, fn._trusted, fn.call_source, fn._call_graphs = built
                fn.input_storage = fn.containers
        fn.trust_input = self.trust_input
        return fn

    def __contains__(self, key):
        try:
            self._spec_index(key)
            return True
        except KeyError:
            return False

    def _annotate(self, err):
        for graph in self._call_graphs:
            note = describe_failure(graph, err.__traceback__)
            if note:
                err.add_note(note)
                return

    def __repr__(self):
        return f"<theano.compile.function.Function {self.name or ''}>".replace(" >", ">")

    def __reduce__(self):
        # The graph, its shared variables (with their values) and the stored input
        # values travel; the generated code is rebuilt on loading.
        stored = [
            None if c is None or spec.shared else c.storage[0]
            for c, spec in zip(self.containers, self.maker.inputs)
        ]
        profiled = self.profile.message or True if self.profile is not None else None
        return _unpickle_function, (self.maker.build_args, stored, self._trust, profiled)


def _unpickle_function(build_args, stored, trust, profile=None):
    fn = FunctionMaker(*build_args).create(profile=as_profile(profile, build_args[6]))
    for i, value in enumerate(stored):
        if value is not None:
            fn._store(i, value)  # a value set by f[name] = value may have had no container
    fn.trust_input = trust
    return fn


def _where(fname):
    return "theano function" + (f' with name "{fname}"' if fname else "")


def _check_input(spec, position, fname):
    """A converter for input ``position`` that names it in every error."""
    vtype = spec.variable.type
    name = spec.name if spec.name is not None else spec.variable

    def check(value):
        if value is _NODEFAULT:
            raise TypeError(
                f'Missing required input "{name}" of {_where(fname)} at index {position} '
                f"(0-based): expected a value of type {vtype}"
            )
        try:
            return vtype.filter(value, strict=spec.strict, allow_downcast=spec.allow_downcast)
        except (TypeError, ValueError) as err:
            raise TypeError(
                f'Bad input argument with name "{name}" to {_where(fname)} at index {position} '
                f"(0-based): {err}"
            ) from None

    return check


def _by_name(fn, bound, extra, kw):
    """Call ``fn`` again with keywords naming inputs whose names are not Python
    parameters (``_w``, ``class``, ``café``: the generated ``__call__`` calls them
    ``_arg<k>``); raise for too many arguments or unknown names."""
    names = _user_names(fn)
    if extra:
        _bad_call(fn, names, extra, kw)
    values = list(bound)
    unknown = {}
    for key, value in kw.items():
        k = names.index(key) if key in names else -1
        if k < 0:
            unknown[key] = value
        elif values[k] is not _NODEFAULT:
            raise TypeError(f"{_where(fn.maker.name)} got two values for its input {key!r}")
        else:
            values[k] = value
    if unknown:
        _bad_call(fn, names, (), unknown)
    call = type(fn).__call__
    return getattr(call, "__wrapped__", call)(fn, *values)  # (a profile counts one call)


def _user_names(fn):
    """The explicit inputs' names as the user gave them (a placeholder where none)."""
    specs = [s for s in fn.maker.inputs if not s.implicit]
    return [s.name if s.name is not None else f"<input {k}>" for k, s in enumerate(specs)]


def _bad_call(fn, names, extra, kw):
    """The error for positional arguments past the last input, or unknown keywords."""
    where = _where(fn.maker.name)
    listed = ", ".join(names)
    if extra:
        raise TypeError(
            f"Too many arguments passed to {where}: it takes {len(names)} input(s) "
            f"({listed}), got {len(names) + len(extra)} positional arguments"
        )
    unknown = ", ".join(sorted(kw))
    raise TypeError(
        f"Unknown input or state: {unknown}. The {where} has {len(names)} named inputs ({listed})"
    )


def _param_names(specs):
    used, names = set(), []
    for i, s in enumerate(specs):
        n = s.name
        if not (n and _IDENT.match(n) and not keyword.iskeyword(n) and n not in used
                and n != "self"):  # fmt: skip
            n = f"_arg{i}"
        used.add(n)
        names.append(n)
    return names


def _build_call(fn, override=None, install=True, fast_path=None):
    """Generate the checked and trusted ``__call__`` of ``fn``, with the graph inlined.

    Every parameter defaults to a marker, so that a missing input, an extra positional
    argument or an unknown keyword gets an error naming the inputs; the checks sit off
    the fast path (a missing input fails its input check). The graph's code is
    written into ``__call__`` itself, saving a function call and a tuple per call.
    Returns (checked, trusted, checked source, [GraphFunction of each]).
    """
    maker = fn.maker
    specs = maker.inputs
    explicit = [i for i, s in enumerate(specs) if not s.implicit]
    names = _param_names([specs[i] for i in explicit])
    g = {"_NODEF": _NODEFAULT, "_ndarray": np.ndarray, "_type": type,
         "_by_name": _by_name, "_asarray": np.asarray, "_array": np.array}  # fmt: skip
    params, checks, trusted_pre = [], [], []
    for pos, (i, pname) in enumerate(zip(explicit, names)):
        spec = specs[i]
        cont = fn.containers[i]
        params.append(f"{pname}=_NODEF")
        if cont is not None:
            g[f"_st{i}"] = cont.storage
            fill = f"    if {pname} is _NODEF: {pname} = _st{i}[0]"
            trusted_pre.append(fill)
            checks.append(
                fill + "\n    else:\n" + _check_src(spec, pname, i, g, pos, maker.name, 8)
            )
            continue
        g[f"_check{i}"] = _check_input(spec, pos, maker.name)
        trusted_pre.append(f"    if {pname} is _NODEF: _check{i}({pname})")
        checks.append(_check_src(spec, pname, i, g, pos, maker.name, 4))
    renamed = [k for k, (i, pname) in enumerate(zip(explicit, names))
               if pname != specs[i].name]  # fmt: skip
    if renamed:
        # Parameters up to the last renamed one (_arg<k>) are positional only: a
        # keyword goes to _by_name, which matches the inputs' own names.
        params.insert(renamed[-1] + 1, "/")
    params += ["*_extra", "**_kw"]
    bound = f"({', '.join(names)}{',' if len(names) == 1 else ''})"
    guard = f"    if _extra or _kw: return _by_name(self, {bound}, _extra, _kw)"
    input_names, loads = [], []
    for i, s in enumerate(specs):
        if s.implicit:
            g[f"_st{i}"] = fn.containers[i].storage
            input_names.append(f"_in{i}")
            loads.append(f"    _in{i} = _st{i}[0]")
        else:
            input_names.append(names[explicit.index(i)])
    fg = maker.fgraph
    n_out = maker.n_outputs
    for target in fg.update_mapping.values():
        g[f"_st{target}"] = fn.containers[target].storage

    def epilogue(outs):
        # Updates are committed only here, after every output and update was computed.
        lines = []
        for k, target in fg.update_mapping.items():
            lines.append(f"    _st{target}[0] = {outs[k]}")
        if maker.unpack_single:
            lines.append(f"    return {outs[0]}")
        else:
            lines.append(f"    return [{', '.join(outs[:n_out])}]")
        return lines

    header = f"def __call__(self, {', '.join(params)}):"
    reserved = set(names) | {"self", "_extra", "_kw", "_err"} | set(input_names)
    templates = maker._return_templates()
    observer = maker.mode.observer(maker)
    stats = getattr(fn, "profile", None)
    if stats is not None:
        timers = stats.observer(maker.nodes)
        observer = timers if observer is None else Observers(timers, observer)
    graphs, fns = [], []
    for pre in (checks, trusted_pre):
        # The checked call has made each explicit input an ndarray of its exact type.
        checked = names if pre is checks else ()
        frame = CallFrame(header, [guard, *pre, *loads], epilogue, input_names, g, reserved,
                          checked)  # fmt: skip
        gf = generate(fg.inputs, fg.outputs, returns=templates, nodes=maker.nodes,
                      reusable=maker.reusable_buffers(), deferred=maker.deferred,
                      override=override, frame=frame, fast_path=fast_path,
                      observer=observer, exposed=maker.borrowed_outputs())  # fmt: skip
        graphs.append(gf)
        fns.append(gf.fn if stats is None else stats.timed_call(gf.fn))
    if install:
        type(fn).__call__ = fns[0] if not getattr(fn, "_trust", False) else fns[1]
    return fns[0], fns[1], graphs[0].source, graphs


def _check_src(spec, pname, i, g, pos, fname, indent):
    """Source checking one input: a fast test for the exact type, else the full filter."""
    pad = " " * indent
    vtype = spec.variable.type
    g[f"_check{i}"] = _check_input(spec, pos, fname)
    if hasattr(vtype, "numpy_dtype") and not any(vtype.broadcastable):
        g[f"_dt{i}"] = vtype.numpy_dtype
        return (f"{pad}if _type({pname}) is not _ndarray or {pname}.dtype is not _dt{i} or "
                f"{pname}.ndim != {vtype.ndim}: {pname} = _check{i}({pname})")  # fmt: skip
    return f"{pad}{pname} = _check{i}({pname})"
