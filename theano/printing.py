"""Printing graphs: `pp` (infix, as Theano's ``pprint``) and `debugprint` (an ``[id A]`` tree)."""

from __future__ import annotations

import io
import string
import sys

from theano.graph.basic import Constant, Variable
from theano.tensor.elemwise import DimShuffle, Elemwise


def _pp(var, outer_precedence=-1000, top=False) -> str:
    # A named variable prints as its name, except the one asked for (Theano's target).
    if var.owner is None or (var.name is not None and not top):
        return str(var)
    node = var.owner
    op = node.op
    if isinstance(op, Elemwise):
        sop = op.scalar_op
        sym = getattr(sop, "symbol", None)
        if sym is not None and len(node.inputs) >= 2:
            prec = sop.precedence
            inner = f" {sym} ".join(_pp(i, prec) for i in node.inputs)
            return f"({inner})"
        if sym == "-" and len(node.inputs) == 1:
            return f"(-{_pp(node.inputs[0], 10)})"
        return f"{sop}({', '.join(_pp(i) for i in node.inputs)})"
    if str(op) == "dot":
        return f"({_pp(node.inputs[0])} \\dot {_pp(node.inputs[1])})"
    if isinstance(op, DimShuffle):
        x = node.inputs[0]
        if op.new_order == tuple(reversed(range(x.ndim))) and x.ndim == 2:
            return f"{_pp(x)}.T"
        return f"{_pp(x)}.dimshuffle({', '.join(repr(d) for d in op.new_order)})"
    return f"{op}({', '.join(_pp(i) for i in node.inputs)})"


def pp(var) -> str:
    """The expression of ``var`` in infix form: ``(x ** TensorConstant{2})``.

    A compiled function prints each of its outputs on its own line.
    """
    if hasattr(var, "maker"):
        return "\n".join(_pp(o, top=True) for o in var.maker.fgraph.outputs)
    if isinstance(var, list | tuple):
        return "\n".join(_pp(v, top=True) for v in var)
    return _pp(var, top=True)


pprint = pp


def _ids():
    """``A, B, ..., Z, BA, BB, ...``: Theano's debugprint identifiers."""
    letters = string.ascii_uppercase
    k = 0
    while True:
        n, s = k, ""
        while True:
            s = letters[n % 26] + s
            n //= 26
            if n == 0:
                break
        yield s
        k += 1


def debugprint(obj, depth=-1, print_type=False, file=None, ids="CHAR", stop_on_name=False,
               done=None, print_storage=False, used_ids=None):  # fmt: skip
    """Print the graph of ``obj`` (a variable, list of variables, or compiled function)
    as Theano's indented ``[id A]`` tree.

    Each apply node prints as ``Op [id A] 'name'   k`` (``k``: its position in the
    execution order, for a compiled function only), each child one level deeper
    behind `` |``; a node seen before prints again without its children.

    Parameters
    ----------
    depth : int
        How many levels to print (-1: all; 1: the outputs only).
    print_type : bool
        Add each variable's type as ``<TensorType(float64, vector)>``.
    file : file-like, 'str' or None
        Where to write; ``'str'`` returns the text; None writes to stdout.
    ids : {'CHAR', 'int', 'id', ''}
        Identifiers as letters (``A, B, ..., BA``), integers, Python ids, or none.
    stop_on_name : bool
        Do not expand named variables below the top.
    """
    order = None
    if hasattr(obj, "maker"):
        fg = obj.maker.fgraph
        outputs = list(fg.outputs)
        order = {node: i for i, node in enumerate(fg.toposort())}
    elif isinstance(obj, Variable):
        outputs = [obj]
    elif isinstance(obj, list | tuple):
        outputs = list(obj)
        for o in outputs:
            if not isinstance(o, Variable):
                raise TypeError(f"debugprint cannot print {o!r}: expected a Variable")
    else:
        raise TypeError(f"debugprint cannot print {obj!r}")
    if ids not in ("CHAR", "int", "id", ""):
        raise ValueError(f"debugprint: ids must be 'CHAR', 'int', 'id' or '', got {ids!r}")
    buf = io.StringIO()
    names: dict = {}
    gen = _ids()
    printed: set = set()

    def ident(key):
        if ids == "":
            return ""
        if key not in names:
            if ids == "CHAR":
                names[key] = next(gen)
            elif ids == "int":
                names[key] = str(len(names))
            else:
                names[key] = str(id(key))
        return f"[id {names[key]}]"

    def emit(var, prefix, child_prefix, level):
        if depth >= 0 and level >= depth:  # depth=1: the outputs alone
            return
        node = var.owner
        type_str = f" <{var.type}>" if print_type else ""
        if node is None or isinstance(var, Constant):
            buf.write(f"{prefix}{var} {ident(var)}{type_str}\n")
            return
        label = str(node.op)
        if len(node.outputs) > 1:
            label += f".{node.outputs.index(var)}"
        pos = str(order[node]) if order is not None and node in order else ""
        # Theano's layout: name, then (empty) destroy and view maps, then the position.
        buf.write(f"{prefix}{label} {ident(node)}{type_str} '{var.name or ''}'   {pos}\n")
        if node in printed:
            return
        printed.add(node)
        if stop_on_name and var.name and level > 0:
            return
        last = len(node.inputs) - 1
        for k, inp in enumerate(node.inputs):
            emit(inp, child_prefix + " |", child_prefix + ("  " if k == last else " |"),
                 level + 1)  # fmt: skip

    for out in outputs:
        emit(out, "", "", 0)
    text = buf.getvalue()
    if file == "str":
        return text
    (file or sys.stdout).write(text)
    return file or sys.stdout


__all__ = ["debugprint", "pp", "pprint"]
