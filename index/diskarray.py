"""One-dimensional .npy arrays read slice by slice from disk, never mapped into the process.

A memory-mapped array keeps every page a lookup touched resident in the process, so a long-running
server's memory grows towards the size of its files (the BM25 postings and the passage table are
about 2 GB at 100,000 articles). A DiskArray reads each slice with `pread` into a fresh array that
is freed with it: the process holds only what a query is using, and the operating system's page
cache, shared by every process and dropped first under pressure, keeps the hot parts of the file.
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path

import numpy as np


class DiskArray:
    """A read-only one-dimensional .npy file whose slices are read on demand (thread-safe)."""

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(handle)
            else:
                shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(handle)
            offset = handle.tell()
        if len(shape) != 1 or fortran_order or dtype.hasobject:
            raise ValueError(f"{path}: a DiskArray reads flat arrays of plain values, not {dtype} {shape}")
        self.path = Path(path)
        self.dtype: np.dtype = dtype
        self.shape: tuple[int] = (int(shape[0]),)
        self._offset = offset
        self._fd = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, self._fd)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: slice) -> np.ndarray:
        """The values of a slice with step 1, read from disk into a new array."""
        if not isinstance(key, slice):
            raise TypeError("a DiskArray reads slices only: use array[start:stop]")
        start, stop, step = key.indices(len(self))
        if step != 1:
            raise ValueError("a DiskArray reads contiguous slices only (step 1)")
        return self.read(start, max(stop - start, 0))

    def read(self, start: int, count: int) -> np.ndarray:
        """count values from position start."""
        out = np.empty(count, dtype=self.dtype)
        view = out.data.cast("B")
        done, position = 0, self._offset + start * self.dtype.itemsize
        while done < len(view):
            got = os.preadv(self._fd, [view[done:]], position + done)
            if got <= 0:
                raise OSError(f"{self.path}: file ends before value {start + count}")
            done += got
        return out
