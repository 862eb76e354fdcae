"""all-MiniLM-L6-v2 through ONNX Runtime: the vectors of sentence-transformers without importing torch.

The ONNX graph (encoder + mean pooling + L2 normalisation) is exported once from the bundled
weights, checked against sentence-transformers, and cached; nothing is downloaded. The int8 graph
is derived from it once (8-bit weights, one scale per output channel) and checked against it.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from index.embedder import (
    MODEL_NAME,
    EmbeddingError,
    Precision,
    SentenceTransformersEmbedder,
    bundled_model_dir,
    embedder_name,
)

EXPORT_FORMAT = 1
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
PROBE_TEXTS = (
    "What did the minister say about the ceasefire?",
    "The central bank raised interest rates by a quarter point on Tuesday, citing inflation.",
    "The two capitals agreed to guarantee the truce, the Daily Planet reported.",
)
MIN_PROBE_COSINE = 0.9999
# The int8 graph's floor against the float graph. Measured over 600 paragraphs of the dev corpus:
# weights quantised per output channel keep a cosine of 0.987 to 0.9995 (mean 0.993); one scale
# per tensor fell to 0.93 (mean 0.957), which this floor refuses.
MIN_INT8_PROBE_COSINE = 0.98
# A call with this many texts is an index build's batch (about 600 chunks; an ask embeds a question
# and at most a few dozen sentences). Its session lets idle threads spin between the model's steps:
# 15% more throughput on two cores, measured, at the cost of CPU a generator would want meanwhile.
BULK_TEXTS = 256


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


def int8_model_path(model_dir: Path) -> Path:
    """Return the cache path of the int8 graph derived from the export of the model in model_dir."""
    exported = onnx_model_path(model_dir)
    return exported.with_name(f"{exported.stem}-int8.onnx")


def model_path_for(model_dir: Path, precision: Precision) -> Path:
    """Return the cache path of the graph of this precision."""
    return int8_model_path(model_dir) if precision == "int8" else onnx_model_path(model_dir)


def ensure_graph(model_dir: Path, target: Path, precision: Precision) -> Path:
    """Create the graph at target if it is missing: exported (float32) or quantised (int8)."""
    if target.is_file():
        return target
    if precision == "float32":
        return export_onnx(model_dir, target)
    source = onnx_model_path(model_dir)
    export_onnx(model_dir, source)
    return quantize_graph(source, target)


def quantize_graph(source: Path, target: Path) -> Path:
    """Write an int8 copy of a float graph (per-channel weights) and check it against the original."""
    import logging

    from filelock import FileLock
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if target.is_file():
            return target
        partial = target.with_name(target.stem + ".partial.onnx")
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # quantize_dynamic logs its advice to pre-process on the root logger
        try:
            quantize_dynamic(
                str(source),
                str(partial),
                op_types_to_quantize=["MatMul"],
                per_channel=True,
                weight_type=QuantType.QInt8,
            )
        finally:
            root.setLevel(level)
        _check_int8_against_float(source, partial)
        os.replace(partial, target)
    return target


def _check_int8_against_float(source: Path, path: Path) -> None:
    """Refuse an int8 graph whose vectors stray from the float graph's on the probe texts."""
    reference = OnnxMiniLMEmbedder(model_path=source).embed_batch(list(PROBE_TEXTS))
    _refuse_if_far(
        reference, path, MIN_INT8_PROBE_COSINE, f"The int8 graph of {MODEL_NAME} strays from the float one"
    )


def _refuse_if_far(
    reference: np.ndarray, path: Path, floor: float, refusal: str, model_dir: Path | None = None
) -> None:
    """Delete the graph at path and raise when a probe text's vector falls under floor (cosine) to
    the reference vectors."""
    vectors = OnnxMiniLMEmbedder(model_dir, model_path=path).embed_batch(list(PROBE_TEXTS))
    cosine = float((reference * vectors).sum(axis=1).min())
    if cosine < floor:
        path.unlink(missing_ok=True)
        raise EmbeddingError(f"{refusal} (cosine {cosine:.5f}).")


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
    reference = SentenceTransformersEmbedder(model_dir).embed_batch(list(PROBE_TEXTS))
    refusal = f"The ONNX export of {MODEL_NAME} differs from the original"
    _refuse_if_far(reference, path, MIN_PROBE_COSINE, refusal, model_dir)


class OnnxMiniLMEmbedder:
    """all-MiniLM-L6-v2 run by ONNX Runtime on the CPU; creates the graph on first use if needed."""

    dimension = 384

    def __init__(
        self,
        model_dir: Path | None = None,
        batch_size: int = 8,
        model_path: Path | None = None,
        threads: int | None = None,
        precision: Precision = "float32",
    ) -> None:
        self.model_dir = model_dir or bundled_model_dir()
        self.batch_size = batch_size
        self.threads = threads or max(1, os.cpu_count() or 1)
        self.precision = precision
        self.name = embedder_name(precision)
        self.model_path = model_path or model_path_for(self.model_dir, precision)
        self._session: Any = None
        self._bulk_session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[Any, Any]:
        """Open the ONNX session and the tokenizer once (exporting the graph if it is missing)."""
        with self._lock:
            if self._session is None:
                from tokenizers import Tokenizer

                if not self.model_path.is_file():
                    ensure_graph(self.model_dir, self.model_path, self.precision)
                tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
                tokenizer.enable_truncation(max_sequence_length(self.model_dir))
                tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
                # Idle worker threads sleep, not spin: llama.cpp needs the cores right after a question.
                self._tokenizer, self._session = tokenizer, self._open_session(spinning=False)
        return self._session, self._tokenizer

    def _load_bulk(self) -> tuple[Any, Any]:
        """The session for an index build's batches, whose idle threads spin between model steps."""
        _, tokenizer = self._load()
        with self._lock:
            if self._bulk_session is None:
                self._bulk_session = self._open_session(spinning=True)
        return self._bulk_session, tokenizer

    def _open_session(self, spinning: bool) -> Any:
        """An ONNX Runtime session on this graph with the given thread behaviour."""
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # No arena: it keeps the largest batch shapes ever seen, so a server's memory crept up.
        options.enable_cpu_mem_arena = False
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
        try:
            return ort.InferenceSession(str(self.model_path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise EmbeddingError(f"Could not open {self.model_path}: {exc}") from exc

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """Return normalised embeddings, one row per text (batched by length to avoid padding)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        session, tokenizer = self._load_bulk() if len(texts) >= BULK_TEXTS else self._load()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            encoded = tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.asarray([e.ids for e in encoded], dtype=np.int64)
            mask = np.asarray([e.attention_mask for e in encoded], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            out[rows] = session.run(None, feeds)[0]
        return out
