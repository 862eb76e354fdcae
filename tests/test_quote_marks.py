"""Quotes are shown as the article printed them: no doubled quotation marks, none left unpaired,
in every place a quote is shown (chat, terminal, exports, compare), while Citation.quote stays
verbatim."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from assistant import Answer, Citation, Comparison, OutletCoverage
from assistant.generators.extractive import attribute
from assistant.news.comparison_text import comparison_markdown, comparison_text
from assistant.pipeline.evidence import Quote
from assistant.pipeline.verify import verify_answer
from index.models import Credit
from ui.compare_view import render_comparison
from ui.export import export_markdown
from ui.render import Turn, render_answer

ARTICLE = (
    "VALLETTA, May 4. Talks on the fishing quota went on late into the night.\n\n"
    '"We stay in touch every single day," the harbour master said. Boats left at dawn.\n\n'
    "“We will not leave the port before the storm passes,” Jane Roe, a skipper, said on Monday."
)
OWN_MARK = '"We stay in touch every single day," the harbour master said. Boats left at dawn.'
INSIDE = "We will not leave the port before the storm passes,” Jane Roe, a skipper, said on Monday."

_MARK = re.compile(r"[“”\"«»„]")
# An extractive answer's line: 'Jane Roe said, as reported by X on 4 May 2021: <quote> [1]'.
_ATTRIBUTED_LINE = re.compile(r"^[^:\n]*\b(?:reported|said, as reported by)\b[^:\n]*: (.+) \[\d+\]$")


def mark_problems(shown: str) -> list[str]:
    """What is wrong with the quotation marks of one displayed quote: two marks side by side, or
    a mark with no partner (a curly mark opens or closes by its shape, a straight one opens after
    a space or at the start; quotations may nest)."""
    problems = [f"doubled {m.group(0)!r}" for m in re.finditer(r"[“”\"«»„]\s?[“”\"«»„]", shown)]
    depth = 0
    for m in _MARK.finditer(shown):
        char, before = m.group(0), shown[m.start() - 1 : m.start()]
        opening = char in "“«„" or (char == '"' and (not before or before.isspace() or before in "([—–-"))
        if not opening and depth == 0:
            problems.append(f"unmatched {char!r} at {m.start()}")
        depth = depth + 1 if opening else max(0, depth - 1)
    if depth:
        problems.append("unclosed at the end")
    return problems


def quote_of(text: str, outlet: str = "Times of Malta") -> Quote:
    """A Quote of ARTICLE."""
    start = ARTICLE.index(text)
    credit = Credit(outlet=outlet, title="Quota talks", published=date(2021, 5, 4), source="m.txt")
    return Quote(text=text, article_id="m1", start=start, end=start + len(text), credit=credit)


def citation_of(text: str, number: int = 1, outlet: str = "Times of Malta") -> Citation:
    """A Citation of ARTICLE."""
    start = ARTICLE.index(text)
    return Citation(
        number=number, outlet=outlet, title="Quota talks", published=date(2021, 5, 4), quote=text,
        source="m.txt", start=start, end=start + len(text), article_id="m1",
    )  # fmt: skip


def answer_of(*texts: str) -> Answer:
    """An extractive answer citing each text, its lines written by the extractive generator."""
    quotes = [quote_of(t) for t in texts]
    body = "\n\n".join(attribute(q, n) for n, q in enumerate(quotes, start=1))
    citations = [citation_of(t, n) for n, t in enumerate(texts, start=1)]
    return Answer(text=body, citations=citations, question="What did they say?", generator="extractive")


def shown_in_answer(
    answer: Answer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """Every quote as a reader sees it: the answer's own lines, the chat, the terminal, the export."""
    shown = [m.group(1) for line in answer.text.split("\n\n") if (m := _ATTRIBUTED_LINE.match(line))]
    page = render_answer(1, answer)
    shown += [html.unescape(q) for q in re.findall(r'<blockquote class="na-quote">(.*?)</blockquote>', page)]
    shown += [
        line[2:] for line in export_markdown([Turn("q", answer=answer)]).splitlines() if line.startswith("> ")
    ]
    shown += terminal_quotes(answer, capsys, monkeypatch)
    return shown


def terminal_quotes(
    answer: Answer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """The quotes `news-assistant ask` prints for an answer."""
    import assistant.api
    from assistant.cli.main import main

    monkeypatch.setattr(assistant.api, "ask", lambda *args, **kwargs: answer)
    capsys.readouterr()
    main(["ask", "What did they say?", "--llm", "extractive"])
    return [line[4:] for line in capsys.readouterr().out.splitlines() if line.startswith("    ")]


def shown_in_comparison(comparison: Comparison) -> list[str]:
    """Every quote of a comparison as shown in the terminal, the Markdown export and the Compare tab."""
    text = comparison_text(comparison)
    shown = [line[4:] for line in text.splitlines() if line.startswith("    ")]
    shown += [
        line[2:]
        for line in comparison_markdown(comparison).splitlines()
        if line[:2] == "> " and line[2:3] != "—"
    ]
    page = render_comparison(comparison)
    shown += [html.unescape(q) for q in re.findall(r"<blockquote>(.*?)</blockquote>", page)]
    return shown


def test_a_quote_that_begins_with_its_own_mark_is_not_wrapped_again(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    answer = answer_of(OWN_MARK)
    shown = shown_in_answer(answer, capsys, monkeypatch)
    assert len(shown) == 4
    for text in shown:
        assert "We stay in touch every single day" in text
        assert mark_problems(text) == [], text
    assert answer.citations[0].quote == OWN_MARK  # the verbatim quote is untouched


def test_a_quote_that_begins_inside_a_quotation_shows_its_opening_mark(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    answer = answer_of(INSIDE)
    shown = shown_in_answer(answer, capsys, monkeypatch)
    assert len(shown) == 4
    for text in shown:
        assert text.startswith("“We will not leave the port"), text
        assert mark_problems(text) == [], text
    assert answer.citations[0].quote == INSIDE


def test_a_quote_that_ends_inside_a_quotation_gets_its_closing_mark(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    text = "“We will not leave the port"
    shown = shown_in_answer(answer_of(text), capsys, monkeypatch)
    assert shown and all(s == "“We will not leave the port”" for s in shown), shown


def test_the_answer_line_of_a_quote_shown_with_its_partner_mark_is_verified_whole() -> None:
    for text in (OWN_MARK, INSIDE):
        line = attribute(quote_of(text), 1)
        result = verify_answer(line, [quote_of(text)], {"m1": ARTICLE})
        assert result.text == line
        assert mark_problems(line.split(": ", 1)[1].rsplit(" [", 1)[0]) == []


def test_compare_shows_each_quote_with_paired_marks() -> None:
    columns = [
        OutletCoverage(outlet="Times of Malta", answerability=0.9, citations=[citation_of(OWN_MARK, 1)]),
        OutletCoverage(
            outlet="Malta Today", answerability=0.9, citations=[citation_of(INSIDE, 2, "Malta Today")]
        ),
    ]
    shown = shown_in_comparison(Comparison(question="What did they say?", outlets=columns))
    assert len(shown) == 6
    for text in shown:
        assert mark_problems(text) == [], text


@pytest.mark.integration
def test_no_gold_answer_shows_doubled_or_unmatched_marks(seed_settings, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from functools import partial
    from pathlib import Path

    from assistant.api import ask, compare
    from assistant.evaluation.outlet_compare import COMPARE_CATEGORY
    from assistant.evaluation.questions import load_questions
    from assistant.evaluation.runner import ask_gold

    gold = load_questions(Path(__file__).resolve().parent.parent / "eval_questions.yaml")
    asking = partial(ask, llm="extractive", settings=seed_settings)
    problems, shown_count = [], 0
    for item in gold:
        if item.category == COMPARE_CATEGORY:
            filters = item.filters
            found = compare(
                item.question, outlets=(filters.outlets or None) if filters else None,
                since=filters.since if filters else None, until=filters.until if filters else None,
                settings=seed_settings,
            )  # fmt: skip
            shown = shown_in_comparison(found)
        else:
            with monkeypatch.context() as patch:
                shown = shown_in_answer(ask_gold(asking, item), capsys, patch)
        shown_count += len(shown)
        problems += [(item.id, text, mark_problems(text)) for text in shown if mark_problems(text)]
    assert shown_count > len(gold)  # the answers do show quotes
    assert problems == []
