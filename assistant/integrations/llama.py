"""LlamaIndex building blocks: our hybrid retriever and verified-quote postprocessors.

A LlamaIndex user can put `NewsRetriever` and `VerifiedQuotes` into any query engine, and our
postprocessors accept nodes from any retriever: the quotes they return are sentences that stand
verbatim in the node's article (or in the node itself, for foreign nodes), ranked by the fitted
evidence model, and nothing at all when the model judges the question unanswered.

    from llama_index.core.query_engine import RetrieverQueryEngine
    engine = get_engine()
    query_engine = RetrieverQueryEngine.from_args(
        NewsRetriever(engine), llm=my_llm, node_postprocessors=[VerifiedQuotes(engine)]
    )

Importing this module imports llama-index (slow); the assistant itself never does.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from pydantic import PrivateAttr

from assistant.pipeline.engine import Engine
from assistant.pipeline.evidence import Quote
from assistant.pipeline.request import AskRequest
from assistant.pipeline.rewrite import Standalone
from assistant.pipeline.state import AskState, NamedStep, Steps
from assistant.pipeline.verify import quote_is_verbatim
from assistant.retrieval.hybrid import RetrievedChunk
from index.models import Article, Chunk, Credit

CREDIT_KEYS = ("outlet", "title", "published", "source", "url")


class NewsRetriever(BaseRetriever):
    """Dense + BM25 retrieval over our index, as a LlamaIndex retriever of chunk nodes."""

    def __init__(self, engine: Engine, top_k: int | None = None) -> None:
        super().__init__()
        self._engine = engine
        self._top_k = top_k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        """The fused top chunks, each a TextNode carrying its article's credit and offsets."""
        hits = self._engine.retriever.retrieve(query_bundle.query_str, top_k=self._top_k)
        return [NodeWithScore(node=_chunk_node(hit), score=hit.score) for hit in hits]


class VerifiedQuotes(BaseNodePostprocessor):
    """Turns retrieved nodes into the best verbatim quotes, or into nothing when unanswered.

    `decline_below` overrides the fitted P(answerable) threshold (0 never declines).
    """

    _engine: Engine = PrivateAttr()
    _limit: int | None = PrivateAttr(default=None)
    _decline_below: float | None = PrivateAttr(default=None)

    def __init__(
        self, engine: Engine, limit: int | None = None, decline_below: float | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._engine = engine
        self._limit = limit
        self._decline_below = decline_below

    @classmethod
    def class_name(cls) -> str:
        """The name LlamaIndex serialises this postprocessor under."""
        return "VerifiedQuotes"

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        """Quotes from the nodes, verified and ranked; [] when the question is judged unanswered."""
        if query_bundle is None or not nodes:
            return []
        chunks, articles = self._chunks(nodes)
        question = query_bundle.query_str
        state = AskState(
            # only the standalone question and the nodes matter here: the request is not checked
            AskRequest.model_construct(question=question),
            standalone=Standalone(question, question, False),
            chunks=tuple(chunks),
            articles=articles,
        )
        state = self._steps().state(state)
        if not state.quotes:
            return []
        originals = self._engine.store.original_texts({c.chunk.article_id for c in state.chunks})
        return [
            NodeWithScore(node=_quote_node(q), score=q.score)
            for q in state.quotes
            if quote_is_verbatim(q, articles[q.article_id].text, originals.get(q.article_id))
        ]

    def _steps(self) -> Steps:
        """ask()'s steps from the question's vector to the chosen quotes, over the nodes given:
        the nodes are the retrieved passages (with their articles), expanded with the context
        ask() scores too; the quote limit and decline threshold are this postprocessor's."""
        engine = self._engine
        return (
            engine.steps.between("embed", "select")
            .replace(NamedStep("retrieve", _given))
            .replace(NamedStep("articles", _given))
            .replace(engine.select_step(self._limit, self._decline_below))
        )

    def _chunks(self, nodes: list[NodeWithScore]) -> tuple[list[RetrievedChunk], dict[str, Article]]:
        """Our chunks and articles for the nodes: from the index when they are ours, else the node."""
        ours = {str(n.node.metadata.get("article_id", "")) for n in nodes} - {""}
        articles: dict[str, Article] = dict(self._engine.store.catalog.get_articles(ours))
        chunks = []
        for rank, item in enumerate(nodes):
            meta = item.node.metadata
            text = item.node.get_content()
            article_id = str(meta.get("article_id") or item.node.node_id)
            if article_id not in articles:
                articles[article_id] = Article(id=article_id, text=text, **_credit(meta))
            start = int(meta.get("start", 0)) if article_id in ours else 0
            chunk = Chunk(id=item.node.node_id, article_id=article_id, text=text, start=start,
                          end=start + len(text), **_credit(meta))  # fmt: skip
            chunks.append(RetrievedChunk(chunk, item.score or 0.0, rank, None, float(item.score or 0.0)))
        return chunks, articles


def _given(state: AskState) -> AskState:
    """A step already done by the caller: the state as it is."""
    return state


def _credit(meta: dict[str, Any]) -> dict[str, Any]:
    """Outlet, title, published, source and url from node metadata (what is there)."""
    credit = {key: meta[key] for key in CREDIT_KEYS if meta.get(key) not in (None, "")}
    if isinstance(credit.get("published"), str):
        try:
            credit["published"] = date.fromisoformat(credit["published"])
        except ValueError:
            credit.pop("published")
    credit["source"] = str(credit.get("source", ""))
    return credit


def _metadata(article_id: str, start: int, end: int, credit: Credit) -> dict[str, Any]:
    """Node metadata: where the text stands in its article, and the article's credit."""
    return {"article_id": article_id, "start": start, "end": end, **credit.model_dump(mode="json")}


def _chunk_node(hit: RetrievedChunk) -> TextNode:
    """A retrieved chunk as a TextNode with its credit and offsets in metadata."""
    chunk = hit.chunk
    return TextNode(
        id_=chunk.id,
        text=chunk.text,
        metadata=_metadata(chunk.article_id, chunk.start, chunk.end, chunk.credit()),
    )


def _quote_node(quote: Quote) -> TextNode:
    """A verified quote as a TextNode: the verbatim text and its credit."""
    meta = _metadata(quote.article_id, quote.start, quote.end, quote.credit)
    return TextNode(text=quote.text, metadata={**meta, "verified": True})
