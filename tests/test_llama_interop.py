"""Both directions with LlamaIndex: our retriever and postprocessor in its query engine, and its
retriever feeding our verified-quote postprocessor."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def engine(seed_index: Path):  # type: ignore[no-untyped-def]
    from assistant.api import get_engine
    from assistant.config import load_settings

    return get_engine(load_settings(index_dir=seed_index, llm="extractive"), build_if_missing=False)


def test_our_retriever_and_quotes_inside_a_llamaindex_query_engine(engine) -> None:  # type: ignore[no-untyped-def]
    from llama_index.core.llms import MockLLM
    from llama_index.core.query_engine import RetrieverQueryEngine

    from assistant.integrations.llama import NewsRetriever, VerifiedQuotes

    quotes = VerifiedQuotes(engine, decline_below=0.0)  # the plumbing, not the decline model
    query_engine = RetrieverQueryEngine.from_args(
        NewsRetriever(engine), llm=MockLLM(), node_postprocessors=[quotes]
    )
    response = query_engine.query("What did Peskov say about Turkey?")
    assert response.source_nodes
    for node in response.source_nodes:
        meta = node.node.metadata
        article = engine.store.article(meta["article_id"])
        assert meta["verified"] and meta["outlet"] == article.outlet
        assert article.text[meta["start"] : meta["end"]] == node.node.get_content()


def test_an_unanswerable_question_leaves_no_quotes(engine) -> None:  # type: ignore[no-untyped-def]
    from llama_index.core.schema import QueryBundle

    from assistant.integrations.llama import NewsRetriever, VerifiedQuotes

    question = "What is the recipe for a traditional Neapolitan pizza dough?"
    nodes = NewsRetriever(engine).retrieve(question)
    assert nodes  # retrieval always finds something
    assert VerifiedQuotes(engine).postprocess_nodes(nodes, QueryBundle(question)) == []


def test_a_llamaindex_retriever_feeds_our_verified_quotes(engine) -> None:  # type: ignore[no-untyped-def]
    from llama_index.core import Document, VectorStoreIndex
    from llama_index.core.embeddings import MockEmbedding
    from llama_index.core.schema import QueryBundle

    from assistant.integrations.llama import VerifiedQuotes

    text = (
        "The harbour authority said on Monday that the new ferry terminal at Port Elwin would open "
        "in April, two months later than planned. Construction costs rose to 40 million euros."
    )
    index = VectorStoreIndex.from_documents(
        [Document(text=text, metadata={"outlet": "Harbour Gazette", "title": "Terminal delayed"})],
        embed_model=MockEmbedding(embed_dim=8),
    )
    question = "When will the ferry terminal open?"
    nodes = index.as_retriever(similarity_top_k=2).retrieve(question)
    quotes = VerifiedQuotes(engine, decline_below=0.0).postprocess_nodes(nodes, QueryBundle(question))
    assert quotes, "the node answers the question"
    assert all(q.node.get_content() in text for q in quotes)
    assert quotes[0].node.metadata["outlet"] == "Harbour Gazette"
    assert "April" in quotes[0].node.get_content()
