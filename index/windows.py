"""Dense vectors by window: one HNSW vector per few consecutive chunks, every chunk's own kept aside.

The HNSW index (Chroma) is what a served index holds in memory, about 2 KiB a vector. It holds one
vector per window of up to CHUNKS_PER_WINDOW consecutive chunks of an article (the normalised mean
of their MiniLM vectors), so it finds the right neighbourhood of an article. Each chunk's own
vector is kept in the catalog (float16, on disk) and the chunks of the windows found are ranked
exactly by it, so retrieval still ranks single chunks, as BM25 and the evidence model expect.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

# Four chunks (about 2,000 characters, a few paragraphs) per HNSW vector: at 100,000 articles of
# about 15 chunks each this makes about 0.4 million vectors instead of 1.5 million, the number
# whose HNSW fits in 2 GB beside the rest of a serving process (benchmarks/results.md, "Peak RSS at
# 100,000 articles"). Recall@k and answer accuracy on both dev halves are measured with it there.
CHUNKS_PER_WINDOW = 4
# Named in the catalog at each commit: an index whose vectors were laid out otherwise is regrouped.
LAYOUT = f"chunk vectors in the catalog; one HNSW vector per up to {CHUNKS_PER_WINDOW} chunks"
VECTOR_DTYPE = np.float16


def window_count(n_chunks: int) -> int:
    """How many windows an article of n_chunks chunks has (at least one when it has chunks)."""
    return math.ceil(n_chunks / CHUNKS_PER_WINDOW)


def window_of(chunk_index: int, n_chunks: int) -> int:
    """The window holding an article's chunk_index-th chunk; windows differ in size by at most one."""
    return chunk_index * window_count(n_chunks) // n_chunks


def window_id(article_id: str, window: int) -> str:
    """The HNSW id of one window of an article."""
    return f"{article_id}#{window}"


def parse_window_id(identifier: str) -> tuple[str, int]:
    """(article id, window number) of a window id."""
    article_id, _, window = identifier.rpartition("#")
    return article_id, int(window)


def window_vectors(chunk_vectors: np.ndarray) -> np.ndarray:
    """One article's window vectors from its chunk vectors in order: each the normalised mean."""
    count = len(chunk_vectors)
    windows = np.zeros((window_count(count), chunk_vectors.shape[1]), dtype=np.float32)
    for index, vector in enumerate(np.asarray(chunk_vectors, dtype=np.float32)):
        windows[window_of(index, count)] += vector
    norms = np.linalg.norm(windows, axis=1, keepdims=True)
    return windows / np.where(norms > 0, norms, 1.0)


def pack_vector(vector: np.ndarray) -> bytes:
    """A chunk vector as the catalog stores it."""
    return np.asarray(vector, dtype=VECTOR_DTYPE).tobytes()


def unpack_vectors(blobs: Sequence[bytes]) -> np.ndarray:
    """Stored chunk vectors back as one float32 matrix, a row each."""
    if not blobs:
        return np.zeros((0, 0), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype=VECTOR_DTYPE).reshape(len(blobs), -1).astype(np.float32)
