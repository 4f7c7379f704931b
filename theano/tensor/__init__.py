"""`theano.tensor` (imported as ``T``): tensor types, constructors and ops."""

from theano.tensor import type as _type
from theano.tensor.basic import as_tensor, as_tensor_variable, autocast, constant
from theano.tensor.broadcast import *
from theano.tensor.broadcast import __all__ as _broadcast_all
from theano.tensor.broadcast import squeeze as squeeze  # over extra_ops' squeeze
from theano.tensor.creation import *
from theano.tensor.creation import __all__ as _creation_all
from theano.tensor.elemwise import CAReduce, DimShuffle, Elemwise, dimshuffle
from theano.tensor.extra_ops import *
from theano.tensor.extra_ops import __all__ as _extra_ops_all
from theano.tensor.join import *
from theano.tensor.join import __all__ as _join_all
from theano.tensor.math import *
from theano.tensor.math import __all__ as _math_all
from theano.tensor.products import batched_dot, batched_tensordot, matrix_dot, tensordot
from theano.tensor.products import dot as dot  # every rank, over math's 1-d/2-d dot

# ``T.var`` is the reduction (the var module was imported, and bound, earlier).
from theano.tensor.reduction import *
from theano.tensor.reduction import __all__ as _reduction_all
from theano.tensor.shape import alloc, flatten, reshape, shape, shape_i
from theano.tensor.sort import *
from theano.tensor.sort import __all__ as _sort_all
from theano.tensor.subtensor import *
from theano.tensor.subtensor import __all__ as _subtensor_all
from theano.tensor.type import TensorType, tensor
from theano.tensor.var import TensorConstant, TensorVariable

globals().update(_type.CONSTRUCTORS)

from theano.tensor.compat import *
from theano.tensor.compat import __all__ as _compat_all

# The gradient family sits a layer above tensors; T.grad etc. resolve on first use.
_FROM_GRADIENT = ("grad", "jacobian", "hessian", "Rop", "Lop", "verify_grad", "numeric_grad",
                  "consider_constant")  # fmt: skip
# Submodules old code reaches as attributes (``T.nnet.sigmoid``), imported on first use.
_SUBMODULES = (
    "sharedvar",
    "nnet",
    "nlinalg",
    "slinalg",
    "extra_ops",
    "inplace",
    "sort",
    "signal",
    "shared_randomstreams",
    "raw_random",
    "blas",
    "products",
    "join",
)


def __getattr__(name):
    if name in _FROM_GRADIENT:
        from theano import gradient

        return getattr(gradient, name)
    if name in _SUBMODULES:
        import importlib

        try:
            return importlib.import_module(f"theano.tensor.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"theano.tensor.{name}":
                raise
            raise AttributeError(
                f"module 'theano.tensor' has no attribute {name!r} (not implemented yet)"
            ) from None
    raise AttributeError(f"module 'theano.tensor' has no attribute {name!r}")


__all__ = [  # noqa: PLE0604 (the constructors and math names are strings too)
    "CAReduce", "DimShuffle", "Elemwise", "TensorConstant", "TensorType", "TensorVariable",
    "alloc", "as_tensor", "as_tensor_variable", "autocast", "constant", "dimshuffle",
    "flatten", "reshape", "shape", "shape_i", "tensor",
    *_math_all,
    *_reduction_all,
    *_subtensor_all,
    *_join_all,
    *_broadcast_all,
    *_creation_all,
    *[name for name in _extra_ops_all if name != "squeeze"],
    *_sort_all,
    *_compat_all,
    "batched_dot", "batched_tensordot", "matrix_dot", "tensordot",
    *_type.CONSTRUCTORS,
]  # fmt: skip
