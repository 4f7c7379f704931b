"""Typed pointers from addresses, for kernels that read NumPy's array objects themselves.

A whole-graph kernel (`theano.link.numba.graph_kernel`) receives each array as the
address of its ndarray object and reads the data pointer, dimensions and strides from
it: one integer argument per array. ``at_<type>(address)`` is a pointer to values of
that type at ``address``. Importing this module imports Numba: only kernel builds do.
"""

from __future__ import annotations

from numba import types
from numba.extending import intrinsic


def _pointer_to(value_type):
    @intrinsic
    def at(typingctx, address):
        if not isinstance(address, types.Integer):
            return None
        signature = types.CPointer(value_type)(address)

        def codegen(context, builder, sig, args):
            return builder.inttoptr(args[0], context.get_value_type(sig.return_type))

        return signature, codegen

    return at


at_intp = _pointer_to(types.intp)
at_int32 = _pointer_to(types.int32)
at_float32 = _pointer_to(types.float32)
at_float64 = _pointer_to(types.float64)
at_int8 = _pointer_to(types.int8)
at_int16 = _pointer_to(types.int16)
at_int64 = _pointer_to(types.int64)
at_uint8 = _pointer_to(types.uint8)
at_uint16 = _pointer_to(types.uint16)
at_uint32 = _pointer_to(types.uint32)
at_uint64 = _pointer_to(types.uint64)
