"""The bundled MiniLM through ONNX Runtime: the same vectors as sentence-transformers, no torch needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.embedding import MODEL_NAME, EmbeddingError, MiniLMEmbedder, SentenceTransformersEmbedder
from index.onnx_embedding import (
    MIN_INT8_PROBE_COSINE,
    OnnxMiniLMEmbedder,
    int8_model_path,
    onnx_model_path,
    quantize_graph,
)

pytestmark = pytest.mark.integration

TEXTS = [
    "Russia and Turkey are in constant contact on the possible talks on the Syrian settlement.",
    "How many soldiers were killed?",
    "Kremlin spokesman Dmitry Peskov told reporters on Wednesday that the ceasefire holds. " * 20,
    "é ü ß — “quotes” and 12,000 numbers",
]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    """Vectors from sentence-transformers (torch), the reference implementation."""
    return SentenceTransformersEmbedder().embed_batch(TEXTS)


def test_onnx_backend_is_the_default_and_matches_sentence_transformers(reference: np.ndarray) -> None:
    embedder = MiniLMEmbedder(precision="float32")
    vectors = embedder.embed_batch(TEXTS)
    assert embedder.backend == "onnx" and embedder.name == MODEL_NAME
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (vectors * reference).sum(axis=1).min() > 0.9999


def test_int8_is_the_default_and_stays_close_to_the_original(reference: np.ndarray) -> None:
    embedder = MiniLMEmbedder()
    vectors = embedder.embed_batch(TEXTS)
    assert embedder.backend == "onnx" and embedder.name == f"{MODEL_NAME}-int8"
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = (vectors * reference).sum(axis=1)
    assert cosines.min() > MIN_INT8_PROBE_COSINE and not np.allclose(cosines, 1.0, atol=1e-4)
    assert int8_model_path(embedder.model_dir).is_file()


def test_a_far_int8_graph_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import index.onnx_embedding as onnx_embedding

    source = onnx_model_path(MiniLMEmbedder().model_dir)
    OnnxMiniLMEmbedder(model_path=source).embed_batch(["export the float graph if needed"])
    monkeypatch.setattr(onnx_embedding, "MIN_INT8_PROBE_COSINE", 0.99999)
    target = tmp_path / "minilm-int8.onnx"
    with pytest.raises(EmbeddingError, match="strays from the float one"):
        quantize_graph(source, target)
    assert not target.exists()


def test_torch_backend_gives_float_vectors_by_name() -> None:
    assert MiniLMEmbedder(backend="torch").name == MODEL_NAME
    with pytest.raises(EmbeddingError, match="int8 or float32"):
        MiniLMEmbedder(precision="int4")  # type: ignore[arg-type]


def test_onnx_keeps_input_order_across_length_sorted_batches(reference: np.ndarray) -> None:
    one_by_one = np.vstack([OnnxMiniLMEmbedder(batch_size=1).embed_batch([t]) for t in TEXTS])
    batched = OnnxMiniLMEmbedder(batch_size=3).embed_batch(TEXTS)
    assert np.allclose(one_by_one, batched, atol=1e-5)
    assert (batched * reference).sum(axis=1).min() > 0.9999


def test_torch_backend_on_request() -> None:
    embedder = MiniLMEmbedder(backend="torch")
    assert embedder.embed_batch(["hello"]).shape == (1, 384)
    assert embedder.backend == "torch"


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(EmbeddingError, match="auto, onnx or torch"):
        MiniLMEmbedder(backend="gpu")  # type: ignore[arg-type]


def test_auto_falls_back_to_torch_when_onnx_cannot_load(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: OnnxMiniLMEmbedder) -> None:
        raise EmbeddingError("no ONNX here")

    monkeypatch.setattr(OnnxMiniLMEmbedder, "_load", broken)
    embedder = MiniLMEmbedder()
    assert embedder.embed_batch(["hello"]).shape == (1, 384)
    assert embedder.backend == "torch"
    with pytest.raises(EmbeddingError, match="ONNX embedding backend is unavailable"):
        MiniLMEmbedder(backend="onnx").embed_batch(["hello"])


def test_missing_export_is_rebuilt_from_the_bundled_weights(tmp_path: Path, reference: np.ndarray) -> None:
    target = tmp_path / "minilm.onnx"
    vectors = OnnxMiniLMEmbedder(model_path=target).embed_batch(TEXTS)
    assert target.is_file()
    assert (vectors * reference).sum(axis=1).min() > 0.9999


def test_export_is_cached_by_weights(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    model_dir = MiniLMEmbedder().model_dir
    path = onnx_model_path(model_dir)
    assert path == onnx_model_path(model_dir)
    assert path.is_relative_to(tmp_path) and path.suffix == ".onnx"


def test_query_path_does_not_import_torch() -> None:
    code = (
        "import sys\n"
        "from index.embedding import MiniLMEmbedder\n"
        "MiniLMEmbedder().embed_batch(['hello'])\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
