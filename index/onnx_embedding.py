"""all-MiniLM-L6-v2 through ONNX Runtime: the vectors of sentence-transformers without importing torch.

The ONNX graph (encoder + mean pooling + L2 normalisation) is exported once from the bundled
weights, checked against sentence-transformers, and cached; nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from index.embedding import MODEL_NAME, EmbeddingError, bundled_model_dir

EXPORT_FORMAT = 1
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
PROBE_TEXTS = (
    "What did the minister say about the ceasefire?",
    "The central bank raised interest rates by a quarter point on Tuesday, citing inflation.",
    "The two capitals agreed to guarantee the truce, the Daily Planet reported.",
)
MIN_PROBE_COSINE = 0.9999


def cache_dir() -> Path:
    """Return the folder where the exported ONNX graph is kept."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "news-assistant" / "onnx"


def onnx_model_path(model_dir: Path) -> Path:
    """Return the cache path of the ONNX export of the model in model_dir (keyed on its weights)."""
    weights = sorted(model_dir.glob("*.safetensors")) or sorted(model_dir.glob("*.bin"))
    parts = [str(EXPORT_FORMAT), str(model_dir.resolve())]
    parts += [f"{w.name}:{w.stat().st_size}:{w.stat().st_mtime_ns}" for w in weights]
    key = hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
    return cache_dir() / f"{MODEL_NAME}-{key}.onnx"


def max_sequence_length(model_dir: Path) -> int:
    """Return the token limit sentence-transformers applies to this model (256 for MiniLM)."""
    config = model_dir / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text()).get("max_seq_length", 256))
    return 256


def export_onnx(model_dir: Path, target: Path) -> Path:
    """Export the bundled model to ONNX at target and check it against sentence-transformers."""
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if target.is_file():
            return target
        partial = target.with_suffix(".partial")
        _write_graph(model_dir, partial)
        _check_against_reference(model_dir, partial)
        os.replace(partial, target)
    return target


def _write_graph(model_dir: Path, path: Path) -> None:
    """Trace encoder, mean pooling and normalisation into one ONNX file."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import warnings

    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()

    encoder = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

    class Pooled(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    dummy = tuple(torch.ones((2, 8), dtype=torch.long) for _ in INPUT_NAMES)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUT_NAMES}
    axes["embedding"] = {0: "batch"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Pooled(encoder),
            dummy,
            str(path),
            input_names=list(INPUT_NAMES),
            output_names=["embedding"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _check_against_reference(model_dir: Path, path: Path) -> None:
    """Refuse an export whose vectors differ from sentence-transformers' on the probe texts."""
    from index.embedding import SentenceTransformersEmbedder

    reference = SentenceTransformersEmbedder(model_dir).embed_batch(list(PROBE_TEXTS))
    exported = OnnxMiniLMEmbedder(model_dir, model_path=path).embed_batch(list(PROBE_TEXTS))
    cosine = float((reference * exported).sum(axis=1).min())
    if cosine < MIN_PROBE_COSINE:
        path.unlink(missing_ok=True)
        raise EmbeddingError(
            f"The ONNX export of {MODEL_NAME} differs from the original (cosine {cosine:.5f})."
        )


class OnnxMiniLMEmbedder:
    """all-MiniLM-L6-v2 run by ONNX Runtime on the CPU; exports the graph on first use if needed."""

    name = MODEL_NAME
    dimension = 384

    def __init__(
        self,
        model_dir: Path | None = None,
        batch_size: int = 8,
        model_path: Path | None = None,
        threads: int | None = None,
    ) -> None:
        self.model_dir = model_dir or bundled_model_dir()
        self.batch_size = batch_size
        self.threads = threads or max(1, os.cpu_count() or 1)
        self.model_path = model_path or onnx_model_path(self.model_dir)
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[Any, Any]:
        """Open the ONNX session and the tokenizer once (exporting the graph if it is missing)."""
        with self._lock:
            if self._session is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                if not self.model_path.is_file():
                    export_onnx(self.model_dir, self.model_path)
                tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
                tokenizer.enable_truncation(max_sequence_length(self.model_dir))
                tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
                options = ort.SessionOptions()
                options.intra_op_num_threads = self.threads
                options.inter_op_num_threads = 1
                options.log_severity_level = 3
                # No arena: it keeps the largest batch shapes ever seen, so a server's memory crept up.
                options.enable_cpu_mem_arena = False
                # Idle worker threads must sleep, not spin: llama.cpp needs the cores right after.
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                try:
                    session = ort.InferenceSession(
                        str(self.model_path), options, providers=["CPUExecutionProvider"]
                    )
                except Exception as exc:
                    raise EmbeddingError(f"Could not open {self.model_path}: {exc}") from exc
                self._tokenizer, self._session = tokenizer, session
        return self._session, self._tokenizer

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """Return normalised embeddings, one row per text (batched by length to avoid padding)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        session, tokenizer = self._load()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            encoded = tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.asarray([e.ids for e in encoded], dtype=np.int64)
            mask = np.asarray([e.attention_mask for e in encoded], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            out[rows] = session.run(None, feeds)[0]
        return out
