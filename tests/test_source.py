"""find_source on the real seed index: the article a passage comes from, its span, wire copies grouped."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from assistant import find_source
from assistant.api import ask
from assistant.cli.main import main
from assistant.pipeline.source_question import source_passage
from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.integration

TASS_PASSAGE = (
    "Indeed, constant contacts with the Turkish colleagues are held to discuss various modes of a "
    "possible dialogue that is planned in Astana."
)
# The Devdiscourse (PTI) sentence with one word dropped ("southern") and one replaced.
CHANGED_PASSAGE = (
    "They secured a deal in the Russian city of Sochi in 2018 that led to Turkey setting up "
    "12 military observation posts in Idlib to prevent a Syrian offensive"
)
UNKNOWN_PASSAGE = (
    "The central bank raised its key interest rate by half a percentage point on Thursday to "
    "fight rising prices, its third increase this year."
)
WIRE = (
    "The city council voted on Tuesday to close the old harbour bridge to lorries after engineers "
    "found cracks in two of its steel supports. Repairs are expected to take at least six months, "
    "the council said in a statement, and buses will be diverted through the northern ring road. "
    "Local traders warned that the closure would cut footfall during the busiest season of the year, "
    "and asked for the work to be done at night. The bridge, opened in 1931, carries about twelve "
    "thousand vehicles a day."
)


def _normalised(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).casefold()


def test_a_verbatim_passage_names_its_article_and_span(seed_settings) -> None:  # type: ignore[no-untyped-def]
    matches = find_source(TASS_PASSAGE, settings=seed_settings)
    assert matches, "the TASS passage was not found"
    first = matches[0]
    assert (first.outlet, first.published, first.exact) == ("TASS", date(2016, 12, 28), True)
    assert first.title == "Kremlin says Russia in contact with Turkey on possible meeting on Syria"
    assert _normalised(first.passage) == _normalised(TASS_PASSAGE).rstrip(".")
    assert first.source.endswith("001_dc96f93586912206.txt")


def test_a_passage_with_words_changed_is_found_but_not_exact(seed_settings) -> None:  # type: ignore[no-untyped-def]
    matches = find_source(CHANGED_PASSAGE, settings=seed_settings)
    assert [m.outlet for m in matches] == ["Devdiscourse (PTI)"]
    first = matches[0]
    assert not first.exact
    assert 0.5 <= first.coverage < 1.0
    assert first.passage.startswith("They secured a deal in the southern Russian city of Sochi")
    assert first.passage.endswith("to prevent a Syrian offensive")


def test_a_passage_not_in_the_corpus_finds_nothing_and_ask_says_so(seed_settings) -> None:  # type: ignore[no-untyped-def]
    assert find_source(UNKNOWN_PASSAGE, settings=seed_settings) == []
    answer = ask(f'Where is this from: "{UNKNOWN_PASSAGE}"', llm="extractive", settings=seed_settings)
    assert answer.refused and answer.decline_reason == "not_in_articles"
    assert "not found in the indexed articles" in answer.text
    assert answer.citations == []


def test_an_unquoted_question_that_only_sounds_like_one_is_answered_as_a_question(seed_settings) -> None:  # type: ignore[no-untyped-def]
    question = "Who published this report on the ceasefire agreed between Russia and Turkey in Syria?"
    assert source_passage(question) is not None
    answer = ask(question, llm="extractive", settings=seed_settings)
    assert answer.source_matches == []
    assert "not found in the indexed articles" not in answer.text


def test_ask_credits_the_source_of_a_pasted_passage(seed_settings) -> None:  # type: ignore[no-untyped-def]
    answer = ask(f"Who published this? “{TASS_PASSAGE}”", llm="extractive", settings=seed_settings)
    assert not answer.refused
    assert answer.text.startswith("This passage comes from TASS, “Kremlin says Russia in contact")
    assert "(28 Dec 2016) [1], word for word" in answer.text
    [citation] = answer.citations
    assert citation.outlet == "TASS"
    assert _normalised(TASS_PASSAGE).startswith(_normalised(citation.quote))
    assert answer.source_matches[0].article_id == citation.article_id


def test_the_cli_prints_the_source(seed_settings, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--index-dir", str(seed_settings.index_dir), "source", CHANGED_PASSAGE]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[1] Devdiscourse (PTI) · 2 Mar 2020 · Kremlin says cooperation with Turkey")
    assert "near-verbatim" in out
    assert main(["--index-dir", str(seed_settings.index_dir), "source", UNKNOWN_PASSAGE]) == 1


@pytest.fixture(scope="module")
def wire_settings(tmp_path_factory: pytest.TempPathFactory, minilm):  # type: ignore[no-untyped-def]
    """A real index of the seeds plus one wire story carried by two outlets on different dates."""
    from assistant.config import load_settings
    from index.build import build_index
    from index.store import IndexStore

    corpus = tmp_path_factory.mktemp("wire-corpus")
    for seed in SEEDS.iterdir():
        shutil.copy(seed, corpus / seed.name)
    records = [  # the later copy first in the file: credit must follow the dates, not file order
        {"outlet": "Harbour Gazette", "title": "Bridge shut to lorries after cracks found",
         "published_at": "2024-05-03", "body": WIRE + " Readers can send photos to the newsdesk."},
        {"outlet": "Northern Wire", "title": "Council closes harbour bridge to lorries",
         "published_at": "2024-05-02", "body": WIRE},
    ]  # fmt: skip
    (corpus / "wire.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("wire-index")
    store = IndexStore(index_dir, minilm)
    build_index(store, [corpus], root=ROOT, progress=False)
    store.close()
    return load_settings(index_dir=index_dir, corpus=[corpus])


def test_syndicated_copies_are_grouped_under_the_earliest(wire_settings) -> None:  # type: ignore[no-untyped-def]
    passage = "Repairs are expected to take at least six months, the council said in a statement"
    [match] = find_source(passage, settings=wire_settings)
    assert (match.outlet, match.published, match.exact) == ("Northern Wire", date(2024, 5, 2), True)
    assert [(c.outlet, c.published) for c in match.copies] == [("Harbour Gazette", date(2024, 5, 3))]
    assert match.copies[0].containment >= 0.8
    answer = ask(f'Where is this from: "{passage}"', llm="extractive", settings=wire_settings)
    assert "comes from Northern Wire" in answer.text
    assert "also published by Harbour Gazette" in answer.text


def test_filters_keep_a_copy_but_still_credit_the_original(wire_settings) -> None:  # type: ignore[no-untyped-def]
    passage = "the council said in a statement, and buses will be diverted through the northern ring road"
    [match] = find_source(passage, outlets=["Harbour Gazette"], settings=wire_settings)
    assert match.outlet == "Northern Wire"
    assert [c.outlet for c in match.copies] == ["Harbour Gazette"]
    assert find_source(passage, outlets=["TASS"], settings=wire_settings) == []
    answer = ask(
        f'Where is this from: "{passage}"', outlets=["TASS"], llm="extractive", settings=wire_settings
    )
    assert answer.refused and "not found in the articles your filters admit" in answer.text


@pytest.mark.parametrize(
    ("question", "passage"),
    [
        (f'Where is this from: "{TASS_PASSAGE}"', TASS_PASSAGE),
        (f"who published this? {TASS_PASSAGE}", TASS_PASSAGE),
        (f"“{UNKNOWN_PASSAGE}”", UNKNOWN_PASSAGE),
        (f"Which paper first ran this? {TASS_PASSAGE}", TASS_PASSAGE),
        (f"Where’s this quote from — “{TASS_PASSAGE}”", TASS_PASSAGE),
        (f"What is the original source of this passage: {TASS_PASSAGE}", TASS_PASSAGE),
        ("What did Peskov say about Turkey?", None),
        ('Who wrote this: "great importance"?', None),
        ('What did Peskov mean by "constant contacts with the Turkish colleagues are held"?', None),
    ],
)
def test_which_questions_ask_for_a_source(question: str, passage: str | None) -> None:
    assert source_passage(question) == passage


def test_articles_indexed_later_are_found_without_a_restart(seed_index, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from assistant.api import index_paths
    from assistant.config import load_settings

    shutil.copytree(seed_index, tmp_path / "index")
    settings = load_settings(index_dir=tmp_path / "index", corpus=[SEEDS])
    passage = "Repairs are expected to take at least six months, the council said in a statement"
    assert find_source(passage, settings=settings) == []
    record = {"outlet": "Northern Wire", "title": "Council closes harbour bridge", "body": WIRE}
    (tmp_path / "wire.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    index_paths([tmp_path / "wire.jsonl"], settings=settings, progress=False)
    [match] = find_source(passage, settings=settings)
    assert (match.outlet, match.exact) == ("Northern Wire", True)
