"""Scalar types and ops (the element-level layer under `Elemwise`)."""

from theano.scalar.basic import *
from theano.scalar.basic import ScalarOp, ScalarType, as_scalar, cast, upcast  # noqa: F401
