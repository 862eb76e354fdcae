"""DiskArray: slices of a saved .npy file read from disk equal the array's own slices."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from index.diskarray import DiskArray


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float32, np.uint16])
def test_slices_read_from_disk_equal_the_arrays_slices(tmp_path: Path, dtype) -> None:  # type: ignore[no-untyped-def]
    values = np.random.default_rng(3).integers(0, 60_000, size=10_007).astype(dtype)
    np.save(tmp_path / "a.npy", values)
    array = DiskArray(tmp_path / "a.npy")
    assert len(array) == len(values) and array.dtype == values.dtype
    bounds = [(0, 0), (0, 1), (17, 4_113), (9_999, 10_007), (10_000, 20_000), (-5, None), (None, None)]
    for start, stop in bounds:
        assert array[start:stop].tolist() == values[start:stop].tolist()


def test_parallel_reads_do_not_disturb_each_other(tmp_path: Path) -> None:
    values = np.arange(200_000, dtype=np.int64)
    np.save(tmp_path / "a.npy", values)
    array = DiskArray(tmp_path / "a.npy")
    starts = list(range(0, 190_000, 997))
    with ThreadPoolExecutor(4) as pool:
        slices = list(pool.map(lambda s: array[s : s + 5_000], starts))
    assert all(got.tolist() == values[s : s + 5_000].tolist() for s, got in zip(starts, slices, strict=True))


def test_only_flat_arrays_and_plain_slices_are_read(tmp_path: Path) -> None:
    np.save(tmp_path / "grid.npy", np.zeros((3, 3)))
    with pytest.raises(ValueError, match="flat arrays"):
        DiskArray(tmp_path / "grid.npy")
    np.save(tmp_path / "a.npy", np.arange(10))
    array = DiskArray(tmp_path / "a.npy")
    with pytest.raises(TypeError, match="slices only"):
        array[3]  # type: ignore[index]
    with pytest.raises(ValueError, match="step 1"):
        array[::2]


def test_a_truncated_file_is_an_error_not_garbage(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.arange(1_000, dtype=np.int64))
    array = DiskArray(tmp_path / "a.npy")
    with open(tmp_path / "a.npy", "r+b") as handle:
        handle.truncate(2_000)
    with pytest.raises(OSError, match="file ends"):
        array[0:1_000]
