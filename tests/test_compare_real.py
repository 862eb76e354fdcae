"""compare() on the real seed index: one column per outlet, silent outlets, verified quotes, CLI."""

from __future__ import annotations

import json
import re

import pytest

from assistant import Comparison, compare, comparison_coverage, comparison_markdown, get_article
from assistant.cli.main import main

pytestmark = pytest.mark.integration
KREMLIN_TURKEY = "What did the Kremlin say about its contacts with Turkey on Syria?"
KERRY = "What did John Kerry say about the 72-hour truce in Syria?"
ALL_OUTLETS = {"Devdiscourse (PTI)", "Press TV", "Sputnik International", "TASS"}


@pytest.fixture(scope="module")
def kremlin_turkey(seed_index) -> Comparison:  # type: ignore[no-untyped-def]
    """The comparison of the Kremlin-Turkey question, computed once."""
    from assistant.config import load_settings
    from tests.conftest import SEEDS

    return compare(KREMLIN_TURKEY, settings=load_settings(index_dir=seed_index, corpus=[SEEDS]))


def assert_verified(comparison: Comparison, settings) -> None:  # type: ignore[no-untyped-def]
    """Every citation is from its column's outlet and stands verbatim in its article."""
    for column in comparison.outlets:
        assert column.citations, column.outlet
        for citation in column.citations:
            assert citation.outlet == column.outlet
            article = get_article(citation.article_id, settings)
            assert article is not None and article.outlet == column.outlet
            assert article.text[citation.start : citation.end] == citation.quote


def test_every_outlet_gets_a_column_of_verified_quotes(kremlin_turkey: Comparison, seed_settings) -> None:  # type: ignore[no-untyped-def]
    assert {c.outlet for c in kremlin_turkey.outlets} == ALL_OUTLETS
    assert kremlin_turkey.silent == []
    assert_verified(kremlin_turkey, seed_settings)
    numbers = [c.number for c in kremlin_turkey.citations()]
    assert numbers == list(range(1, len(numbers) + 1))
    tass = next(c for c in kremlin_turkey.outlets if c.outlet == "TASS")
    assert any("Peskov" in c.quote or "Turkish" in c.quote for c in tass.citations)


def test_a_reworded_question_still_gives_every_relevant_outlet_a_column(seed_settings) -> None:  # type: ignore[no-untyped-def]
    found = compare(
        "What did the Kremlin say about cooperation with Turkey on Syria?", settings=seed_settings
    )
    assert {c.outlet for c in found.outlets} == ALL_OUTLETS
    assert found.silent == []
    assert_verified(found, seed_settings)


def test_each_column_quote_names_its_speaker(kremlin_turkey: Comparison) -> None:
    speakers = {c.outlet: {q.speaker for q in c.citations} for c in kremlin_turkey.outlets}
    assert any(s and "Peskov" in s for s in speakers["TASS"])
    assert any(s and "Putin" in s for s in speakers["Press TV"])


def test_outlets_with_nothing_relevant_are_listed_as_silent(seed_settings) -> None:  # type: ignore[no-untyped-def]
    found = compare(KERRY, settings=seed_settings)
    assert [c.outlet for c in found.outlets] == ["Press TV"]
    assert set(found.silent) == ALL_OUTLETS - {"Press TV"}
    assert any("harbinger" in c.quote for c in found.outlets[0].citations)
    assert_verified(found, seed_settings)


def test_an_outlet_whose_best_quotes_name_the_columns_answer_is_not_called_silent(seed_settings) -> None:  # type: ignore[no-untyped-def]
    found = compare(
        "Where are the peace negotiations between Damascus and the insurgents taking place?",
        settings=seed_settings,
    )
    columns = {c.outlet: c for c in found.outlets}
    assert set(columns) == {"Press TV", "Sputnik International", "TASS"}
    assert found.silent == ["Devdiscourse (PTI)"]
    for outlet in ("Sputnik International", "TASS"):
        assert any("Astana" in c.quote for c in columns[outlet].citations), outlet
    assert_verified(found, seed_settings)


def test_when_no_outlet_answers_clearly_the_closest_are_unclear_not_silent(seed_settings) -> None:  # type: ignore[no-untyped-def]
    found = compare("How did the American foreign minister respond to a brief halt in Syria's war?",
                    settings=seed_settings)  # fmt: skip
    assert found.outlets == []
    assert "Press TV" in found.unclear and "Press TV" not in found.silent
    assert set(found.unclear) | set(found.silent) == ALL_OUTLETS


def test_filters_limit_the_outlets_compared(seed_settings) -> None:  # type: ignore[no-untyped-def]
    found = compare(KREMLIN_TURKEY, outlets=["TASS", "Press TV"], settings=seed_settings)
    assert {c.outlet for c in found.outlets} | set(found.silent) == {"TASS", "Press TV"}
    from datetime import date

    later = compare(KREMLIN_TURKEY, since=date(2020, 1, 1), settings=seed_settings)
    assert [c.outlet for c in later.outlets] == ["Devdiscourse (PTI)"]
    assert set(later.silent) == ALL_OUTLETS - {"Devdiscourse (PTI)"}


def test_a_question_no_article_answers_leaves_every_outlet_silent(seed_settings) -> None:  # type: ignore[no-untyped-def]
    found = compare("Who won the football World Cup final in Qatar?", settings=seed_settings)
    assert found.outlets == [] and set(found.silent) == ALL_OUTLETS


def test_disagreements_name_two_outlets_and_values_in_their_quotes(kremlin_turkey: Comparison) -> None:
    for d in kremlin_turkey.disagreements:
        assert d.first_citation.outlet != d.second_citation.outlet
        assert d.first in d.first_citation.quote and d.second in d.second_citation.quote


def test_coverage_and_markdown_of_a_comparison(kremlin_turkey: Comparison) -> None:
    found = comparison_coverage(kremlin_turkey)
    assert {o.outlet for o in found.outlets} == ALL_OUTLETS and found.total >= 4
    markdown = comparison_markdown(kremlin_turkey, found)
    assert "## TASS" in markdown and "## Silent outlets" in markdown and "| outlet |" in markdown
    first = kremlin_turkey.citations()[0]
    assert " ".join(first.quote.split()) in markdown


def test_cli_compare_and_coverage(seed_index, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--index-dir", str(seed_index), "compare", KERRY, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["outlet"] for c in data["outlets"]] == ["Press TV"]
    assert main(["--index-dir", str(seed_index), "compare", KERRY]) == 0
    text = capsys.readouterr().out
    assert "== Press TV" in text and "Nothing relevant from:" in text and "TASS" in text
    assert main(["--index-dir", str(seed_index), "coverage", "--format", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].startswith("outlet,") and rows[0].endswith(",total")
    assert "Press TV" in rows[2] and rows[2].endswith(",2")


def test_eval_runs_compare_items_through_compare_and_gates_them(
    seed_settings, tmp_path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    import argparse

    import yaml

    from assistant.cli import eval as eval_cli
    from assistant.evaluation import session

    items = [
        {"id": "c-1", "category": "compare", "question": KERRY, "outlets": ["Press TV"],
         "silent": ["TASS", "Sputnik International", "Devdiscourse (PTI)"], "answerable": True},
        {"id": "c-2", "category": "compare", "question": KERRY, "outlets": ["TASS"], "answerable": True},
        {"id": "f-1", "category": "fact", "question": "q?", "answerable": False},
    ]  # fmt: skip
    path = tmp_path / "q.yaml"
    path.write_text(yaml.safe_dump(items), encoding="utf-8")

    def no_ask(questions, *rest):  # type: ignore[no-untyped-def]
        assert all(q.category != "compare" for q in questions)
        raise SystemExit(0)

    monkeypatch.setattr(session, "evaluate_run", no_ask)
    parser = argparse.ArgumentParser()
    eval_cli.add_arguments(parser)
    args = parser.parse_args(["--questions", str(path), "--category", "compare", "--gate"])
    assert eval_cli.run(args, seed_settings) == 1  # c-2 expects a TASS column that cannot be there
    out = capsys.readouterr().out
    assert "== compare: 2 items ==" in out and re.search(r"compare_silent_recall +1\.000", out)
    assert "c-2: columns ['Press TV'] (expected ['TASS'])" in out
    assert "GATE FAILED (compare): compare_items_right 0.500" in out


def test_a_wire_copy_with_another_figure_is_reported_as_a_disagreement(minilm, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from assistant.config import load_settings
    from index.build import build_index
    from index.store import IndexStore
    from tests.conftest import ROOT, SEEDS

    rewrite = {
        "outlet": "Harbour Wire",
        "title": "Turkey and Russia at odds over Idlib",
        "published": "2020-03-03",
        "body": (
            "They secured a deal in the southern Russian city of Sochi in 2018 that led to Turkey "
            "establishing 10 military observation posts in Idlib to prevent a Syrian offensive.\n\n"
            "Officials in Ankara said the talks in Moscow would decide what happens next."
        ),
    }
    corpus = tmp_path / "wire.jsonl"
    corpus.write_text(json.dumps(rewrite), encoding="utf-8")
    store = IndexStore(tmp_path / "index", minilm)
    build_index(store, [SEEDS, corpus], root=ROOT, progress=False)
    store.close()
    settings = load_settings(index_dir=tmp_path / "index", corpus=[SEEDS])
    found = compare("How many military observation posts did Turkey establish in Idlib?", settings=settings)
    assert {c.outlet for c in found.outlets} == {"Devdiscourse (PTI)", "Harbour Wire"}
    [disagreement] = found.disagreements
    values = {disagreement.first_citation.outlet: disagreement.first,
              disagreement.second_citation.outlet: disagreement.second}  # fmt: skip
    assert disagreement.kind == "number" and values == {"Devdiscourse (PTI)": "12", "Harbour Wire": "10"}
