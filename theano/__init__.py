"""A Theano for today: a symbolic tensor compiler for Python 3.11+ and NumPy 2."""

from theano.configdefaults import config
from theano.configparser import change_flags

__version__ = "0.1.0.dev0"

__all__ = ["__version__", "change_flags", "config"]
