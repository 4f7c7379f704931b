"""The graph core: variables, apply nodes, ops, types and function graphs."""

from theano.graph.basic import (
    Apply,
    Constant,
    Node,
    Variable,
    ancestors,
    clone,
    clone_replace,
    graph_inputs,
    io_toposort,
)
from theano.graph.fg import FunctionGraph, InconsistencyError, MissingInputError
from theano.graph.op import Op
from theano.graph.type import Generic, Type, generic

__all__ = [
    "Apply",
    "Constant",
    "FunctionGraph",
    "Generic",
    "InconsistencyError",
    "MissingInputError",
    "Node",
    "Op",
    "Type",
    "Variable",
    "ancestors",
    "clone",
    "clone_replace",
    "generic",
    "graph_inputs",
    "io_toposort",
]
