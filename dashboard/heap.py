"""A serving process' C heap: fewer malloc arenas, and freed memory given back to the OS.

Measured under the load bench (bench/load.py, 50 walls and 5 commanders on the city demo):
the Python objects of a worker stay level, but glibc's heap grows. Each of a worker's
threads may get a malloc arena of its own, pandas and psycopg free their buffers into
them, and the freed pages stay with the process: a worker's heap was half free space
after a few minutes, and its RSS kept growing by it. So every serving process:

* :func:`limit_arenas` before its threads start: at most :data:`ARENAS` arenas
  (``M_ARENA_MAX``), as ``MALLOC_ARENA_MAX`` would set it for a process started anew;
* :func:`trim` every :data:`TRIM_SECONDS` (``serve``'s own background work of each
  process, :mod:`dashboard.serving`): ``malloc_trim(0)`` returns the free pages.

Both do nothing where the C library is not glibc (musl, macOS): the server runs the same,
with whatever heap that library keeps.
"""

from __future__ import annotations

import ctypes
import ctypes.util

#: malloc arenas a serving process may have (glibc's default: 8 per core).
ARENAS = 2
#: Seconds between two returns of free heap pages to the OS.
TRIM_SECONDS = 30.0
_M_ARENA_MAX = -8  # glibc's malloc.h


def _glibc():
    """glibc's handle, or None on another C library."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    if libc is None or not hasattr(libc, "malloc_trim") or not hasattr(libc, "mallopt"):
        return None
    return libc


_LIBC = _glibc()


def limit_arenas(arenas: int = ARENAS) -> bool:
    """At most ``arenas`` malloc arenas in this process; True when glibc took it."""
    return _LIBC is not None and bool(_LIBC.mallopt(_M_ARENA_MAX, int(arenas)))


def trim() -> bool:
    """Give the heap's free pages back to the OS; True when some were."""
    return _LIBC is not None and bool(_LIBC.malloc_trim(0))
