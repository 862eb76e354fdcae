"""Process memory settings for the long-running chat server."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

# glibc's mallopt parameter for the most malloc arenas (M_ARENA_MAX in malloc.h).
M_ARENA_MAX = -8
# Arenas for the server's threads. glibc's default (8 per core) gives many of the request threads
# an arena of their own, whose freed pages are rarely returned. In the newsroom soak
# (tests/test_soak_load.py, 25 readers, 2 minutes) the server grew by 110 MB with the default, by
# 79 MB with 2 arenas, and by 38 to 69 MB (three runs) with ONNX Runtime's arena off as well.
SERVER_ARENAS = 2


def limit_malloc_arenas(count: int = SERVER_ARENAS) -> bool:
    """Cap glibc's malloc arenas for threads started from now on; False where it does not apply."""
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(M_ARENA_MAX, count))
