"""Whether a floating-point error in a NumPy call would raise an exception.

NumPy reports division by zero, overflow and invalid operations as its error state
says (``np.errstate``): ignored, warned, raised or passed to a callback; a warning
raises too when a warnings filter turns RuntimeWarning into an error (``-W error``,
pytest's ``filterwarnings = error``). Code that writes a shared value in place asks
`may_raise` before, and writes into a copy when the answer is yes. The usual answer
(the default error state, no such filter) costs two identity tests.
"""

from __future__ import annotations

import warnings

import numpy as np

try:  # NumPy 2 keeps its error state in a context variable (private: may go away)
    from numpy._core._multiarray_umath import _extobj_contextvar as _STATE
except ImportError:  # pragma: no cover
    _STATE = None
_DEFAULT = _STATE.get() if _STATE is not None else None
_get_state = _STATE.get if _STATE is not None else None
# The warnings filters last looked at (the list, its length, its first entry) and
# whether one of them makes RuntimeWarning an error.
_seen = [None, -1, None, False]


def may_raise() -> bool:
    """True when a floating-point error in a NumPy call may raise an exception."""
    if _get_state is None or _get_state() is not _DEFAULT:
        modes = np.geterr().values()
        if "raise" in modes or "call" in modes or "log" in modes:
            return True
        if "warn" not in modes:
            return False
    filters = warnings.filters
    seen = _seen
    if filters is seen[0] and len(filters) == seen[1] and (not filters or filters[0] is seen[2]):
        return seen[3]
    seen[:] = [filters, len(filters), filters[0] if filters else None,
               _error_filter_first(filters)]  # fmt: skip
    return seen[3]


def _error_filter_first(filters) -> bool:
    """True when a filter turning RuntimeWarning into an error may apply (the first
    matching filter wins; one with a message or module pattern may match or not)."""
    for action, message, category, module, lineno in filters:
        if not issubclass(RuntimeWarning, category):
            continue
        if action == "error":
            return True
        if message is None and module is None and not lineno:
            return False
    return False
