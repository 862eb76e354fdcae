"""What readers see under an answer: plain words, never internal names (pure render functions)."""

from __future__ import annotations

from assistant import Answer, Citation, SourceMatch
from ui.render import render_answer

SOURCE_CREDIT = {"outlet": "TASS", "title": "Kremlin says talks go on", "source": "seeds/t.txt"}


def cited(**changes: object) -> Answer:
    """An answer citing one quote, with any fields changed."""
    quote = Citation(number=1, quote="Talks go on.", start=0, end=12, **SOURCE_CREDIT)  # type: ignore[arg-type]
    fields: dict[str, object] = {"text": "Talks go on [1].", "citations": [quote], "question": "Q?"}
    return Answer(**(fields | changes))  # type: ignore[arg-type]


def meta(answer: Answer) -> str:
    """The small print under the rendered answer."""
    html = render_answer(0, answer)
    return html.rsplit('<div class="na-meta">', 1)[1].split("</div>", 1)[0]


def test_a_found_source_shows_no_internal_generator_name() -> None:
    match = SourceMatch(article_id="a", passage="Talks go on.", start=0, end=12, exact=True,
                        coverage=1.0, **SOURCE_CREDIT)  # type: ignore[arg-type]  # fmt: skip
    text = "This passage comes from TASS [1], word for word."
    answer = cited(text=text, prose=text, generator="find_source", source_matches=[match], latency_ms=12.0)
    shown = meta(answer)
    assert "find_source" not in shown and "model" not in shown
    assert shown == "answered in under 0.1 s"


def test_a_model_summary_is_credited_in_plain_words() -> None:
    answer = cited(prose="Talks go on [1].", generator="local", latency_ms=2345.0)
    assert (
        meta(answer)
        == "Summary written by the local model and checked against the quotes · answered in 2.3 s"
    )
    hosted = cited(prose="Talks go on [1].", generator="openai")
    assert meta(hosted) == "Summary written by a hosted model and checked against the quotes"


def test_quotes_shown_instead_of_a_summary_credit_no_model() -> None:
    answer = cited(prose="", generator="local", fallback=True, latency_ms=900.0)
    assert meta(answer) == "answered in 0.9 s"
