"""Compiling graphs into functions: `function`, `In`/`Param`/`Out`, `shared`, modes."""

from theano.compile.debugmode import DebugMode
from theano.compile.function import Function, FunctionMaker, UnusedInputError, function
from theano.compile.io import In, Out, Param, SymbolicInput, SymbolicOutput
from theano.compile.mode import (
    FAST_COMPILE,
    FAST_RUN,
    Mode,
    get_default_mode,
    get_mode,
    predefined_modes,
)
from theano.compile.nanguardmode import NanGuardMode
from theano.compile.sharedvalue import SharedVariable, shared

__all__ = [
    "FAST_COMPILE", "FAST_RUN", "DebugMode", "Function", "FunctionMaker", "In", "Mode", "NanGuardMode",
    "Out", "Param", "SharedVariable", "SymbolicInput", "SymbolicOutput", "UnusedInputError",
    "function", "get_default_mode", "get_mode", "predefined_modes", "shared",
]  # fmt: skip
