"""Compatibility path ``theano.gof.graph``."""

from theano.graph.graph import *
from theano.graph.graph import inputs  # noqa: F401
