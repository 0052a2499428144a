"""Memory the analysis freed, handed back to the system between its steps.

glibc keeps what numpy arrays of a million patients freed in its heaps for later
allocations, and the read's second thread (endpoints/cohort_snapshot.py) has a heap of its
own: the worker's resident size then stays near its highest point, and the next step's
arrays add to it. malloc_trim(0) returns the free pages. Where the C library is not glibc,
nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache


@cache
def _trim() -> object | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc
        return None


def release_freed_memory() -> None:
    """Give the pages freed since the last step back to the system (glibc only)."""
    trim = _trim()
    if trim is not None:
        trim(0)  # type: ignore[operator]
