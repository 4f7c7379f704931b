"""Graph rewriting: node rewriters, passes (walk, equilibrium, merge) and phases."""

from theano.graph.rewriting.basic import *
from theano.graph.rewriting.basic import __all__  # noqa: F401
