"""Compatibility path: classic Theano's ``theano.gof`` names, living in `theano.graph`."""

from theano.gof import graph  # noqa: F401
from theano.graph.basic import Apply, Constant, Node, Variable, clone_replace  # noqa: F401
from theano.graph.fg import FunctionGraph, InconsistencyError, MissingInputError  # noqa: F401
from theano.graph.op import Op, PureOp  # noqa: F401
from theano.graph.type import Generic, Type, generic  # noqa: F401
