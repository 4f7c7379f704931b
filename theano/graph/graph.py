"""Compatibility module for ``theano.gof.graph``: graph walks under their classic names."""

from theano.graph.basic import (  # noqa: F401
    Apply,
    Constant,
    Node,
    Variable,
    ancestors,
    applys_between,
    clone,
    clone_get_equiv,
    general_toposort,
    graph_inputs,
    inputs,
    io_toposort,
    is_in_ancestors,
    list_of_nodes,
    variables,
)
