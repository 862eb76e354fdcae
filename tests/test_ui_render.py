"""Fast tests of the UI's pure rendering: escaping, declines, dates, highlights and exports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from assistant import Answer, ArticleRef, Citation
from ui.export import export_json, export_markdown, write_exports
from ui.render import (
    NO_DATE,
    Turn,
    esc,
    find_quote,
    format_date,
    render_answer,
    render_article,
    render_conversation,
    render_status,
    render_turn,
)

SCRIPT = "<script>window.__pwned=1;alert(1)</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
ARTICLE_TEXT = (
    "MOSCOW, March 2. The Kremlin spoke.\n\n"
    "They secured a deal in Sochi in 2018 that led to Turkey establishing 12 military "
    "observation posts in Idlib.\n\nMore followed."
)
QUOTE = (
    "They secured a deal in Sochi in 2018 that led to Turkey establishing 12 military "
    "observation posts in Idlib."
)


@dataclass
class FakeArticle:
    """The fields of an indexed article the renderer reads."""

    id: str
    text: str
    outlet: str | None = "Devdiscourse (PTI)"
    title: str | None = "Kremlin says cooperation with Turkey on Syria of 'great importance'"
    published: date | None = date(2020, 3, 2)
    source: str = "seeds/002.txt"


def citation(**changes: object) -> Citation:
    """A citation of QUOTE in ARTICLE_TEXT, with any field changed."""
    start = ARTICLE_TEXT.index(QUOTE)
    fields: dict[str, object] = {
        "number": 1,
        "outlet": "Devdiscourse (PTI)",
        "title": "Kremlin says cooperation with Turkey on Syria of 'great importance'",
        "published": date(2020, 3, 2),
        "quote": QUOTE,
        "source": "seeds/002.txt",
        "start": start,
        "end": start + len(QUOTE),
        "article_id": "d24e573dee1f9849",
    }
    fields.update(changes)
    return Citation(**fields)  # type: ignore[arg-type]


def answer(**changes: object) -> Answer:
    """A one-citation answer, with any field changed."""
    fields: dict[str, object] = {
        "text": f"Devdiscourse (PTI) reported on 2 March 2020: “{QUOTE}” [1]",
        "citations": [citation()],
        "question": "How many military observation posts did Turkey establish in Idlib?",
        "latency_ms": 1234.0,
    }
    fields.update(changes)
    return Answer(**fields)  # type: ignore[arg-type]


def test_esc_escapes_html_quotes_and_template_syntax() -> None:
    escaped = esc(f"{SCRIPT}{IMG} ${{x}} `y` 'z'")
    assert "<" not in escaped and ">" not in escaped
    assert '"' not in escaped and "'" not in escaped
    assert "${" not in escaped and "`" not in escaped
    assert "&lt;script&gt;" in escaped
    assert esc(None) == ""


def test_hostile_citation_fields_are_shown_as_text() -> None:
    hostile = citation(quote=f"Posts {SCRIPT} were set up {IMG}.", title=IMG, outlet=SCRIPT)
    html = render_answer(0, answer(text=f"Text {SCRIPT} and {IMG} [1]", citations=[hostile]))
    assert "<script" not in html and "<img" not in html
    assert "onerror=" not in html.replace("onerror=&quot;", "")
    assert "&lt;script&gt;window.__pwned=1;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;" in html


def test_markdown_images_and_links_in_model_text_stay_text() -> None:
    prose = "See ![x](http://evil.example/x.png) [site](http://e.x) [1]"
    html = render_answer(0, answer(text=prose, prose=prose, generator="local"))
    assert "<img" not in html and "<a " not in html and "href" not in html
    assert "![x](http://evil.example/x.png)" in html


def test_answer_shows_markers_and_sources_with_outlet_and_date() -> None:
    html = render_answer(3, answer())
    assert 'class="na-bubble na-answer na-answer-ok"' in html
    assert 'data-cite="3:1"' in html and ">[1]</button>" in html
    assert "Devdiscourse (PTI)" in html and "2 Mar 2020" in html
    assert "great importance" in html
    assert f"“{esc(QUOTE)}”" in html
    assert "na-decline" not in html and "Searched for" not in html


def test_unknown_markers_are_left_as_text() -> None:
    prose = "A claim [7] and a source [1]"
    html = render_answer(0, answer(text=prose, prose=prose, generator="local"))
    assert "[7]" in html and 'data-cite="0:7"' not in html
    assert 'data-cite="0:1"' in html


def test_decline_looks_different_and_names_the_closest_articles() -> None:
    closest = [
        ArticleRef(article_id="a1", outlet="TASS", title="Kremlin says", published=date(2016, 12, 28)),
        ArticleRef(article_id="a2", outlet="Press TV", title="Putin hails", published=None),
    ]
    declined = answer(
        text="The articles don't say. None of them answers “What is the capital of Australia?”.",
        refused=True,
        citations=[],
        closest=closest,
    )
    html = render_answer(0, declined)
    assert "na-decline" in html and "na-answer-ok" not in html
    assert "Not in the articles" in html and "Closest articles" in html
    assert 'data-article="a1"' in html and "28 Dec 2016" in html
    assert NO_DATE in html and "na-nodate" in html
    assert "Sources" not in html


def test_empty_decline_text_gets_a_sentence() -> None:
    html = render_answer(0, answer(text="", refused=True, citations=[]))
    assert "could be checked" in html


def test_date_not_stated() -> None:
    assert format_date(None) == "date not stated"
    assert format_date(date(2020, 3, 2)) == "2 Mar 2020"
    html = render_answer(0, answer(citations=[citation(published=None)]))
    assert "date not stated" in html


def test_follow_up_note_and_fallback_are_visible() -> None:
    html = render_answer(
        1,
        answer(
            rewritten=True,
            question="When was that agreed? (follow-up to: observation posts in Idlib)",
            note="The local generator failed; showing the quotes instead.",
            fallback=True,
            generator="local",
        ),
    )
    assert "Searched for: <q>When was that agreed?" in html
    assert "Note: The local generator failed" in html
    # The reader sees the note in words, not the pipeline's internal labels.
    assert "fell back" not in html and "local ·" not in html


def test_turn_states_streaming_error_and_empty_conversation() -> None:
    streaming = render_turn(0, Turn(question="Q <b>", partial="Partial <i>text</i>"))
    assert "na-streaming" in streaming and "Partial &lt;i&gt;text&lt;/i&gt;" in streaming
    assert "Q &lt;b&gt;" in streaming
    failed = render_turn(0, Turn(question="Q", error="Bad <script>"))
    assert "na-error" in failed and "Bad &lt;script&gt;" in failed and "<script" not in failed
    assert "na-empty" in render_conversation([])
    chat = render_conversation([Turn(question="Q1", answer=answer()), Turn(question="Q2")])
    assert 'id="na-turn-0"' in chat and 'id="na-turn-1"' in chat


def test_quotes_show_while_the_summary_is_written_then_the_final_answer_replaces_them() -> None:
    waiting = Turn(question="Q", answer=answer(pending="Writing a summary (2 ahead of you)"))
    html = render_turn(0, waiting)
    assert "Writing a summary (2 ahead of you)…" in html and 'aria-busy="true"' in html
    assert "12 military observation posts" in html and "na-sources" in html
    writing = render_turn(0, Turn(question="Q", partial="Turkey set up <b>12</b>", answer=waiting.answer))
    assert "Turkey set up &lt;b&gt;12&lt;/b&gt;" in writing
    done = render_turn(0, Turn(question="Q", partial="Turkey set up 12", answer=answer()))
    assert "Writing a summary" not in done and "na-pending" not in done


def test_article_highlights_the_quote_at_its_offsets() -> None:
    cite = citation()
    html = render_article(FakeArticle(id="d24", text=ARTICLE_TEXT), cite)
    assert f'<mark id="na-quote">{esc(QUOTE)}</mark>' in html
    before = html.split("<mark")[0]
    assert "The Kremlin spoke." in before
    assert html.count("<mark") == 1
    assert "[1]" in html and "2 Mar 2020" in html


def test_article_offsets_are_checked_and_found_by_search_when_wrong() -> None:
    wrong = citation(start=0, end=10)
    html = render_article(FakeArticle(id="d24", text=ARTICLE_TEXT), wrong)
    assert f'<mark id="na-quote">{esc(QUOTE)}</mark>' in html
    start = ARTICLE_TEXT.index(QUOTE)
    spaced = ARTICLE_TEXT[:start] + QUOTE.replace(" ", "  ", 1) + ARTICLE_TEXT[start + len(QUOTE) :]
    span = find_quote(spaced, start, start + len(QUOTE) + 1, QUOTE)
    assert span == (start, start + len(QUOTE) + 1)
    assert find_quote("nothing here", 50, 60, QUOTE) is None


def test_article_without_the_quote_says_so() -> None:
    html = render_article(FakeArticle(id="x", text="Short text."), citation(start=500, end=600))
    assert "<mark" not in html and "could not be located" in html


def test_hostile_article_text_is_escaped_around_the_mark() -> None:
    text = f"{SCRIPT} Intro. {IMG}\n\n{QUOTE}\n\n{SCRIPT}"
    start = text.index(QUOTE)
    cite = citation(start=start, end=start + len(QUOTE))
    html = render_article(FakeArticle(id="h", text=text, title=IMG, outlet=SCRIPT), cite)
    assert "<script" not in html and "<img" not in html
    assert html.count("&lt;script&gt;") == 3
    assert f'<mark id="na-quote">{esc(QUOTE)}</mark>' in html


def test_missing_article_message() -> None:
    assert "no longer in the index" in render_article(None)
    assert "gone &lt;b&gt;" in render_article(None, missing="gone <b>")


def test_status_lines_are_escaped() -> None:
    html = render_status(["Skipped x.txt: empty file", IMG], "warning")
    assert "na-status-warning" in html and "<img" not in html


def test_export_markdown_has_questions_answers_and_citations() -> None:
    declined = answer(
        text="The articles don't say.",
        refused=True,
        citations=[],
        closest=[ArticleRef(article_id="a1", outlet="TASS", title="Kremlin says", source="s.txt")],
    )
    turns = [
        Turn(question="How many posts?", answer=answer()),
        Turn(question="When?", answer=answer(rewritten=True, question="When was it agreed?")),
        Turn(question="Capital of Australia?", answer=declined),
        Turn(question="Broken", error="Something went wrong"),
    ]
    text = export_markdown(turns, exported=datetime(2024, 1, 2, 3, 4))
    assert text.startswith("# News assistant conversation")
    assert "Exported 2024-01-02 03:04 UTC." in text
    assert "## 1. How many posts?" in text
    assert "[1] Devdiscourse (PTI), 2 Mar 2020: Kremlin says cooperation" in text
    assert f"> {QUOTE}" in text
    assert "_Searched for: When was it agreed?_" in text
    assert "**Not in the articles.**" in text and "- TASS, date not stated: Kremlin says" in text
    assert "_Could not answer: Something went wrong_" in text


def test_export_json_round_trips_the_answers(tmp_path: Path) -> None:
    turns = [Turn(question="How many posts?", answer=answer()), Turn(question="x", error="oops")]
    data = json.loads(export_json(turns, exported=datetime(2024, 1, 2)))
    assert data["exported"].startswith("2024-01-02")
    first = data["turns"][0]
    assert first["question"] == "How many posts?"
    assert Answer.model_validate(first["answer"]) == turns[0].answer
    cite = first["answer"]["citations"][0]
    assert cite["outlet"] == "Devdiscourse (PTI)" and cite["published"] == "2020-03-02"
    assert data["turns"][1] == {"question": "x", "answer": None, "error": "oops"}
    markdown, json_path = write_exports(turns, tmp_path / "out", "chat")
    assert markdown.read_text(encoding="utf-8").startswith("# News assistant")
    assert json.loads(json_path.read_text(encoding="utf-8"))["turns"][0]["question"]


def test_extractive_answer_shows_a_short_lead_and_each_quote_once() -> None:
    html = render_answer(0, answer(citations=[citation(speaker="Dmitry Peskov")]))
    assert html.count(esc(QUOTE)) == 1
    assert "From the articles: Dmitry Peskov, in Devdiscourse (PTI)" in html
    assert '<span class="na-speaker">Dmitry Peskov</span> said, as reported by' in html


def test_prose_answer_lists_only_the_sources_it_cites() -> None:
    other = citation(number=2, outlet="TASS", quote="Peskov refused to comment.", start=0, end=26)
    prose = "Turkey set up 12 observation posts in Idlib [1]."
    html = render_answer(
        0,
        answer(
            text=f"{prose}\n\nDevdiscourse (PTI) reported on 2 March 2020: “{QUOTE}” [1]\n\n"
            "TASS reported on 2 March 2020: “Peskov refused to comment.” [2]",
            prose=prose,
            generator="local",
            citations=[citation(), other],
        ),
    )
    assert html.count(esc(QUOTE)) == 1 and "Peskov refused" not in html
    assert "12 observation posts in Idlib" in html and 'data-cite="0:1"' in html
    assert "Reported by" in html and "na-speaker" not in html


def test_a_decline_badge_says_why() -> None:
    filtered = answer(
        text="No articles from Reuters in the index.",
        refused=True,
        citations=[],
        decline_reason="outlet_not_indexed",
    )
    html = render_answer(0, filtered)
    assert "No articles match the filters" in html and "No articles from Reuters in the index." in html
    assert "Not in the articles" not in html
    instruction = answer(text="I won't.", refused=True, citations=[], decline_reason="instruction")
    assert "Not a question about the articles" in render_answer(0, instruction)


def test_the_verified_lead_opens_the_answer_with_its_span_in_bold() -> None:
    from assistant.types import Lead

    lead = Lead(text="12 <b>posts</b>: Turkey set up 12 posts [1].", kind="span", answer="12 <b>posts</b>",
                clause="Turkey set up 12 posts", citation=1)  # fmt: skip
    html = render_answer(0, answer(citations=[citation()], direct=lead))
    bold = '<strong class="na-answer-span">12 &lt;b&gt;posts&lt;/b&gt;</strong>: '
    assert f'<div class="na-text na-lead"><p>{bold}' in html
    assert 'data-cite="0:1"' in html and "From the articles" not in html
