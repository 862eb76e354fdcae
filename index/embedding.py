"""Embedding backends: a one-method interface and the bundled MiniLM model (ONNX Runtime or torch)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Literal

import numpy as np

from index.embedder import (
    MODEL_NAME,
    Embedder,
    EmbeddingError,
    Precision,
    SentenceTransformersEmbedder,
    bundled_model_dir,
    embedder_name,
)
from index.onnx_embedding import OnnxMiniLMEmbedder

__all__ = [
    "MODEL_NAME",
    "Backend",
    "Embedder",
    "EmbeddingError",
    "MiniLMEmbedder",
    "Precision",
    "SentenceTransformersEmbedder",
    "bundled_model_dir",
    "embedder_name",
]

Backend = Literal["auto", "onnx", "torch"]
log = logging.getLogger(__name__)


class MiniLMEmbedder:
    """The bundled all-MiniLM-L6-v2: ONNX Runtime by default (no torch import), torch as the fallback."""

    dimension = 384

    def __init__(
        self, model_dir: Path | None = None, backend: Backend = "auto", precision: Precision = "int8"
    ) -> None:
        if backend not in ("auto", "onnx", "torch"):
            raise EmbeddingError(f"Unknown embedding backend {backend!r}: use auto, onnx or torch.")
        if precision not in ("int8", "float32"):
            raise EmbeddingError(f"Unknown embedding precision {precision!r}: use int8 or float32.")
        self.model_dir = model_dir or bundled_model_dir()
        self.requested = backend
        self.precision: Precision = "float32" if backend == "torch" else precision
        self.name = embedder_name(self.precision)
        self._backend: Embedder | None = None
        self._full_precision: MiniLMEmbedder | None = None
        self._lock = threading.Lock()

    def full_precision(self) -> MiniLMEmbedder:
        """This embedder at float32: itself, or a sibling on the same backend made once."""
        if self.precision == "float32":
            return self
        with self._lock:
            if self._full_precision is None:
                self._full_precision = MiniLMEmbedder(self.model_dir, self.requested, "float32")
        return self._full_precision

    @property
    def backend(self) -> str:
        """Name the backend in use ("onnx" or "torch"), choosing it if not yet chosen."""
        return "onnx" if type(self._choose()).__name__.startswith("Onnx") else "torch"

    def _choose(self) -> Embedder:
        """Pick the backend once: ONNX unless torch was asked for or ONNX cannot be set up."""
        with self._lock:
            if self._backend is None:
                self._backend = self._open()
        return self._backend

    def _open(self) -> Embedder:
        """Open the requested backend, falling back to torch when "auto" and ONNX fails."""
        if self.requested == "torch":
            return SentenceTransformersEmbedder(self.model_dir)
        try:
            onnx = OnnxMiniLMEmbedder(self.model_dir, precision=self.precision)
            onnx._load()
            return onnx
        except Exception as exc:  # any failure to export or open ONNX leaves torch as the way
            if self.requested == "onnx":
                raise EmbeddingError(f"The ONNX embedding backend is unavailable: {exc}") from exc
            log.warning("ONNX embedding backend unavailable (%s); using sentence-transformers.", exc)
            return SentenceTransformersEmbedder(self.model_dir)

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """Return normalised embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._choose().embed_batch(texts)
