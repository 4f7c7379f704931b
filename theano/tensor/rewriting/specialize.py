"""The ``specialize`` phase: faster equivalents (BLAS calls, power forms) of general ops."""

from __future__ import annotations

SPECIALIZE = ()
