"""Memory a big didOpen freed, given back to the system.

The escaped body passes through in pieces of a megabyte, each freed once unescaped, and glibc keeps
what is freed for later allocations: after opening a 106 MB session the server held 2-6 MB more
than it used, for as long as it ran. `malloc_trim` returns it, in 0.2 ms. Where the C library has
none (macOS, Windows, musl), nothing is done.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable


def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


MALLOC_TRIM = _malloc_trim()


def give_back_freed_memory() -> None:
    if MALLOC_TRIM is not None:
        MALLOC_TRIM(0)
