"""A Theano for today: a symbolic tensor compiler for Python 3.11+ and NumPy 2."""

from theano.configdefaults import config
from theano.configparser import change_flags

__version__ = "0.1.0.dev0"

from theano import (
    gradient,
    printing,
    tensor,
)
from theano.compile import (
    FAST_COMPILE,
    FAST_RUN,
    Function,
    In,
    Mode,
    Out,
    Param,
    SharedVariable,
    function,
    shared,
)
from theano.gradient import Lop, Rop, grad
from theano.graph.basic import Apply, Constant, Variable
from theano.graph.basic import clone_replace as clone
from theano.graph.fg import FunctionGraph
from theano.graph.op import Op
from theano.graph.type import Type
from theano.printing import debugprint, pp, pprint
from theano.tensor import dot

dprint = debugprint

__all__ = [
    "FAST_COMPILE",
    "FAST_RUN",
    "Apply",
    "Constant",
    "Function",
    "FunctionGraph",
    "In",
    "Lop",
    "Mode",
    "Op",
    "Out",
    "Param",
    "Rop",
    "SharedVariable",
    "Type",
    "Variable",
    "__version__",
    "change_flags",
    "clone",
    "config",
    "debugprint",
    "dot",
    "dprint",
    "function",
    "grad",
    "gradient",
    "pp",
    "pprint",
    "printing",
    "shared",
    "tensor",
]  # fmt: skip
