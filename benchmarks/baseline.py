"""The baseline: what a user would assemble with plain LlamaIndex over the same corpus and models.

A VectorStoreIndex (default in-memory store, default SentenceSplitter) over the cleaned articles,
queried through CitationQueryEngine, with the bundled MiniLM embedder and the bundled Gemma 3 270M
GGUF through llama-cpp-python (temperature 0, 80 new tokens, 2 threads, a 2,048-token context).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from llama_index.core import Document, VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.base.llms.types import CompletionResponse, CompletionResponseGen, LLMMetadata
from llama_index.core.llms import CustomLLM
from llama_index.core.llms.callbacks import llm_completion_callback
from llama_index.core.query_engine import CitationQueryEngine
from pydantic import PrivateAttr

from assistant.types import Answer, ArticleRef, Citation
from index.embedding import SentenceTransformersEmbedder
from index.models import Article

N_CTX = 2048
MAX_TOKENS = 80
THREADS = 2
SIMILARITY_TOP_K = 3
_SOURCE_LABEL = re.compile(r"^Source \d+:\n")


class MiniLMEmbedding(BaseEmbedding):
    """LlamaIndex embedding model over the bundled MiniLM through sentence-transformers, as a user
    assembling LlamaIndex would run it (HuggingFaceEmbedding does the same); same vectors as ours."""

    _embedder: SentenceTransformersEmbedder = PrivateAttr()

    def __init__(self, embedder: SentenceTransformersEmbedder | None = None, **kwargs: Any) -> None:
        super().__init__(model_name="all-MiniLM-L6-v2", embed_batch_size=64, **kwargs)
        self._embedder = embedder or SentenceTransformersEmbedder()

    def _get_query_embedding(self, query: str) -> list[float]:
        """Embed one query."""
        return self._embedder.embed_batch([query])[0].tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        """Embed one query (synchronously)."""
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        """Embed one text."""
        return self._embedder.embed_batch([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        """Embed many texts in one batch."""
        return self._embedder.embed_batch(list(texts)).tolist()


class LlamaCppLLM(CustomLLM):
    """LlamaIndex completion LLM over llama_cpp.Llama, greedy decoding; counts its calls."""

    model_path: str
    max_tokens: int = MAX_TOKENS
    n_ctx: int = N_CTX
    n_threads: int = THREADS
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    _llm: Any = PrivateAttr(default=None)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    @property
    def metadata(self) -> LLMMetadata:
        """Context window and output size, which LlamaIndex uses to pack the prompt."""
        return LLMMetadata(
            context_window=self.n_ctx, num_output=self.max_tokens, model_name=Path(self.model_path).name
        )

    def _model(self) -> Any:
        """Load the GGUF model once."""
        if self._llm is None:
            from llama_cpp import Llama

            self._llm = Llama(
                model_path=self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads, verbose=False
            )
        return self._llm

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """Complete a prompt (temperature 0)."""
        with self._lock:
            out = self._model().create_completion(prompt, max_tokens=self.max_tokens, temperature=0.0)
        usage = out.get("usage") or {}
        self.calls += 1
        self.prompt_tokens += int(usage.get("prompt_tokens", 0))
        self.completion_tokens += int(usage.get("completion_tokens", 0))
        return CompletionResponse(text=out["choices"][0]["text"])

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        """Complete a prompt, yielding the text as it grows."""
        response = self.complete(prompt, formatted=formatted, **kwargs)

        def gen() -> CompletionResponseGen:
            yield CompletionResponse(text=response.text, delta=response.text)

        return gen()


def article_documents(articles: Sequence[Article]) -> list[Document]:
    """One LlamaIndex Document per cleaned article, with outlet, title and date metadata."""
    return [
        Document(
            id_=article.id,
            text=article.text,
            metadata={
                "outlet": article.outlet or "",
                "title": article.title or "",
                "date": article.published.isoformat() if article.published else "",
            },
        )
        for article in articles
    ]


@dataclass
class Baseline:
    """The assembled baseline: its query engine, the articles it indexed and the build time."""

    engine: CitationQueryEngine
    llm: LlamaCppLLM
    articles: dict[str, Article]
    build_s: float
    nodes: int
    per_question: list[dict[str, Any]] = field(default_factory=list)

    def warm_up(self, question: str) -> None:
        """Load the LLM and run one retrieval, so the timed questions find everything warm."""
        from llama_index.core.schema import QueryBundle

        self.llm._model()
        self.engine.retrieve(QueryBundle(question))

    def ask(self, question: str, history: object = None, **filters: object) -> Answer:
        """Ask the question text alone (no history, no filters) and adapt the Response to an Answer."""
        calls, prompt = self.llm.calls, self.llm.prompt_tokens
        response = self.engine.query(question)
        self.per_question.append(
            {"llm_calls": self.llm.calls - calls, "prompt_tokens": self.llm.prompt_tokens - prompt}
        )
        return response_to_answer(question, response, self.articles)


def build_baseline(
    articles: Sequence[Article],
    model_path: Path,
    similarity_top_k: int = SIMILARITY_TOP_K,
    embedder: SentenceTransformersEmbedder | None = None,
) -> Baseline:
    """Index the articles with VectorStoreIndex and wrap it in CitationQueryEngine."""
    embed_model = MiniLMEmbedding(embedder)
    began = time.perf_counter()
    index = VectorStoreIndex.from_documents(article_documents(articles), embed_model=embed_model)
    build_s = time.perf_counter() - began
    llm = LlamaCppLLM(model_path=str(model_path))
    engine = CitationQueryEngine.from_args(index, llm=llm, similarity_top_k=similarity_top_k)
    return Baseline(
        engine=engine,
        llm=llm,
        articles={a.id: a for a in articles},
        build_s=build_s,
        nodes=len(index.docstore.docs),
    )


def response_to_answer(question: str, response: Any, articles: dict[str, Article]) -> Answer:
    """text = str(response); one citation per source node (its text, without the 'Source n:' label)."""
    citations: list[Citation] = []
    retrieved: dict[str, ArticleRef] = {}
    for number, scored in enumerate(response.source_nodes, start=1):
        node = scored.node
        article_id = node.ref_doc_id or ""
        article = articles.get(article_id)
        quote = _SOURCE_LABEL.sub("", node.get_content()).strip()
        start = article.text.find(quote) if article else -1
        meta = node.metadata or {}
        published = _parse_date(meta.get("date"))
        citations.append(
            Citation(
                number=number,
                outlet=meta.get("outlet") or None,
                title=meta.get("title") or None,
                published=published,
                quote=quote,
                source=article.source if article else "",
                url=article.url if article else None,
                start=max(start, 0),
                end=max(start, 0) + len(quote) if start >= 0 else 0,
                article_id=article_id,
            )
        )
        if article is not None and article_id not in retrieved:
            retrieved[article_id] = ArticleRef(
                article_id=article_id,
                outlet=article.outlet,
                title=article.title,
                published=article.published,
                source=article.source,
                score=float(scored.score or 0.0),
            )
    return Answer(
        text=str(response),
        refused=False,
        citations=citations,
        question=question,
        generator="llamaindex-citation",
        retrieved=list(retrieved.values()),
    )


def _parse_date(value: object) -> date | None:
    """An ISO date from node metadata, None when absent or malformed."""
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
