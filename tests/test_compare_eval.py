"""Scoring compare gold items: columns against expected outlets, silent outlets, verbatim quotes."""

from __future__ import annotations

from assistant.evaluation.outlet_compare import (
    COMPARE_CATEGORY,
    run_compare_items,
    score_item,
    summarise_compare,
)
from assistant.evaluation.questions import GoldQuestion, load_questions
from assistant.evaluation.thresholds import COMPARE_THRESHOLDS, check_gate
from assistant.news.comparison import Comparison, OutletCoverage
from assistant.types import Citation
from index.models import Article

TEXT = "Peskov said the contacts with Ankara are constant. Nothing else happened."
ARTICLES = {"a1": Article(id="a1", outlet="TASS", text=TEXT, source="a1.txt")}


def gold(outlets: list[str], silent: list[str]) -> GoldQuestion:
    """A compare item expecting these columns and silent outlets."""
    return GoldQuestion(
        id="c", category="compare", question="q?", outlets=outlets, silent=silent, answerable=True
    )


def column(outlet: str, quote: str, cited_outlet: str | None = None) -> OutletCoverage:
    """A column with one citation of article a1."""
    start = TEXT.find(quote)
    citation = Citation(number=1, outlet=cited_outlet or outlet, quote=quote, start=max(start, 0),
                        end=max(start, 0) + len(quote), article_id="a1", source="a1.txt")  # fmt: skip
    return OutletCoverage(outlet=outlet, answerability=0.9, citations=[citation])


def test_an_item_is_right_with_the_expected_columns_and_silent_outlets_and_verbatim_quotes() -> None:
    comparison = Comparison(
        question="q?", outlets=[column("TASS", TEXT[:50])], silent=["Press TV", "Sputnik"]
    )
    result = score_item(gold(["tass"], ["Press TV"]), comparison, ARTICLES.get)
    assert result.right and result.verbatim == result.citations == 1
    summary = summarise_compare([result])
    assert summary.value("compare_items_right") == 1.0 and check_gate(summary, COMPARE_THRESHOLDS) == []


def test_a_missing_column_a_made_up_quote_or_a_wrong_outlet_make_it_wrong() -> None:
    def scored(expected: list[str], silent: list[str], got: OutletCoverage):  # type: ignore[no-untyped-def]
        return score_item(gold(expected, silent), Comparison(question="q?", outlets=[got]), ARTICLES.get)

    missing = scored(["TASS", "Press TV"], [], column("TASS", TEXT[:50]))
    invented = scored(["TASS"], [], column("TASS", "Peskov denied it."))
    misplaced = scored(["TASS"], [], column("TASS", TEXT[:50], "Sputnik"))
    not_silent = scored(["TASS"], ["Press TV"], column("TASS", TEXT[:50]))
    assert not any(r.right for r in (missing, invented, misplaced, not_silent))
    summary = summarise_compare([missing, invented, misplaced, not_silent])
    assert summary.value("compare_outlet_recall") == 4 / 5
    assert summary.value("compare_verbatim") == 3 / 4
    assert summary.value("compare_silent_recall") == 0.0
    failed = {f.metric for f in check_gate(summary, COMPARE_THRESHOLDS)}
    assert {"compare_items_right", "compare_verbatim", "compare_silent_recall"} <= failed


def test_an_error_is_scored_as_a_wrong_item() -> None:
    result = score_item(gold(["TASS"], []), None, ARTICLES.get, error="IndexError_: gone")
    assert not result.right and result.columns == []


def test_paraphrases_are_asked_too_and_an_expected_outlet_called_silent_fails_the_gate() -> None:
    item = gold(["TASS", "Press TV"], ["Sputnik"]).model_copy(update={"paraphrases": ["q reworded?"]})

    def fake_compare(question: str, **filters: object) -> Comparison:
        """Both columns for the item's own wording, Press TV called silent for the other."""
        if question == "q?":
            columns = [column("TASS", TEXT[:50]), column("Press TV", TEXT[:50])]
            return Comparison(question=question, outlets=columns, silent=["Sputnik"])
        return Comparison(
            question=question, outlets=[column("TASS", TEXT[:50])], silent=["Press TV", "Sputnik"]
        )

    results = run_compare_items([item], fake_compare, ARTICLES.get)
    assert [(r.id, r.question, r.paraphrase) for r in results] == [
        ("c", "q?", False),
        ("c~1", "q reworded?", True),
    ]
    summary = summarise_compare(results)
    assert summary.value("compare_items_right") == 1.0
    assert summary.value("compare_paraphrase_outlet_recall") == 0.5
    assert summary.value("compare_false_silent") == 1 / 4
    failed = {f.metric for f in check_gate(summary, COMPARE_THRESHOLDS)}
    assert {"compare_paraphrase_outlet_recall", "compare_false_silent"} <= failed


def test_every_gold_compare_item_is_asked_in_at_least_three_other_wordings() -> None:
    items = [q for q in load_questions("eval_questions.yaml") if q.category == COMPARE_CATEGORY]
    assert items and all(len(set(q.paraphrases) - {q.question}) >= 3 for q in items)
