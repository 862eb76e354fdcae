"""Unit tests of the UI handlers and corpus helpers, with a deterministic fake ask_stream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from assistant import Answer, AskRequest, Citation, QuestionError, generators, load_settings
from ui import corpus, handlers
from ui.handlers import (
    ChatHandlers,
    find_citation,
    friendly_error,
    generator_choices,
    history_of,
    parse_date,
)
from ui.render import Turn

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@dataclass
class FakeArticle:
    """The fields of an indexed article the corpus panel reads."""

    id: str
    outlet: str | None
    published: date | None
    title: str | None = "Headline"
    source: str = "seeds/x.txt"
    text: str = ""


def make_answer(text: str = "Posts were set up [1]", refused: bool = False) -> Answer:
    """A small answer of generated prose with one citation."""
    cite = Citation(number=1, outlet="TASS", quote="Posts were set up.", source="s", start=0, end=18)
    return Answer(
        text=text,
        prose=None if refused else text,
        generator="local",
        refused=refused,
        citations=[] if refused else [cite],
        question="Q?",
    )


@pytest.fixture
def chat(tmp_path: Path) -> ChatHandlers:
    """Handlers over settings for an (unused) temporary index."""
    return ChatHandlers(load_settings(index_dir=tmp_path / "index", llm="extractive"))


def test_parse_date_and_filter_errors(chat: ChatHandlers) -> None:
    assert parse_date(" 2020-03-02 ", "Since") == date(2020, 3, 2)
    assert parse_date("", "Since") is None and parse_date(None, "Until") is None
    with pytest.raises(QuestionError, match="is not a date: use YYYY-MM-DD"):
        parse_date("2020-13-01", "Since")
    with pytest.raises(QuestionError, match="date range is empty"):
        chat.request("Q?", [], None, "2021-01-01", "2020-01-01", "extractive", 8)
    with pytest.raises(QuestionError) as needs_url:
        chat.request("Q?", [], None, "", "", "openai", 8)
    assert str(needs_url.value) == chat.settings.generator_problem("openai")
    assert "ASSISTANT_OPENAI_BASE_URL" in str(needs_url.value)
    request = chat.request("Q?", [], ["TASS", ""], "2016-01-01", "", None, 5.0)
    assert (request.generator, request.outlets, request.since, request.until, request.top_k) == (
        "extractive",
        ("TASS",),
        date(2016, 1, 1),
        None,
        5,
    )


def test_generator_choices_offer_openai_only_when_configured(tmp_path: Path) -> None:
    plain = load_settings(index_dir=tmp_path, llm="extractive")
    assert [value for _, value in generator_choices(plain)] == ["extractive", "local"]
    hosted = load_settings(index_dir=tmp_path, openai_base_url="http://127.0.0.1:9/v1")
    assert [value for _, value in generator_choices(hosted)] == list(generators.names())
    assert [label for label, _ in generator_choices(hosted)] == [
        generators.label(n) for n in generators.names()
    ]


def test_history_and_citation_lookup() -> None:
    turns = [Turn(question="Q1", answer=make_answer()), Turn(question="Q2", error="failed")]
    assert history_of(turns) == [
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "Posts were set up [1]"},
    ]
    found = find_citation(turns, "0:1")
    assert found is not None and found.outlet == "TASS"
    for ref in ("0:2", "1:1", "5:1", "x", "a:b", ""):
        assert find_citation(turns, ref) is None


def test_friendly_error_never_shows_a_traceback() -> None:
    assert friendly_error(QuestionError("The question is empty.")) == "The question is empty."
    message = friendly_error(RuntimeError("disk\nfull"))
    assert message.startswith("Something went wrong (RuntimeError: disk full)")
    assert "Traceback" not in message


def test_respond_streams_then_shows_the_verified_answer(
    chat: ChatHandlers, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[AskRequest] = []

    def fake_stream(request: AskRequest, **options: Any) -> Iterator[str | Answer]:
        calls.append(request)
        yield "Posts were "
        yield "set up [1]"
        yield make_answer("Verified: posts were set up [1]")

    monkeypatch.setattr(handlers, "ask_stream", fake_stream)
    steps = list(chat.respond("How many posts?", [], ["TASS"], "", "", "extractive", 8))
    streamed = [step[0] for step in steps[:-1]]
    assert any("na-streaming" in html and "Posts were set up" in html for html in streamed)
    html, turns, box, markdown, data = steps[-1]
    assert "Verified: posts were set up" in html and "na-streaming" not in html
    assert box == "" and turns[0].answer.text.startswith("Verified")
    assert calls[0].outlets == ("TASS",) and calls[0].history == ()
    assert markdown["interactive"] and data["interactive"]  # the exports are enabled
    assert "Verified: posts" in Path(markdown["value"]).read_text(encoding="utf-8")
    assert json.loads(Path(data["value"]).read_text(encoding="utf-8"))["turns"][0]["question"]
    follow = list(chat.respond("When?", turns, None, "", "", "extractive", 8))
    assert calls[1].history[0] == {"role": "user", "content": "How many posts?"}
    assert 'id="na-turn-1"' in follow[-1][0]


def test_respond_turns_errors_into_messages(chat: ChatHandlers, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(request: AskRequest, **options: Any) -> Iterator[str | Answer]:
        raise QuestionError("The question is 3,000 characters long; the limit is 2,000.")
        yield ""  # pragma: no cover

    monkeypatch.setattr(handlers, "ask_stream", failing)
    html, turns, *_ = list(chat.respond("x" * 3000, [], None, "", "", "extractive", 8))[-1]
    assert "na-error" in html and "the limit is 2,000" in html and "Traceback" not in html
    assert turns[0].error
    html, turns, *_ = list(chat.respond("Q", [], None, "2020-99-01", "", "extractive", 8))[-1]
    assert "is not a date" in html
    html, turns, *_ = list(chat.respond("   ", [], None, "", "", "extractive", 8))[-1]
    assert turns == [] and "na-empty" in html


def test_new_chat_clears_everything(chat: ChatHandlers) -> None:
    html, turns, article, markdown, data, box = chat.new_chat()
    assert "na-empty" in html and turns == [] and markdown["value"] is None and data["value"] is None
    assert not markdown["interactive"] and not data["interactive"]  # nothing to export
    assert "Click a source" in article and box == ""


def test_article_rows_outlets_and_chart() -> None:
    articles = [
        FakeArticle("a", "TASS", date(2016, 12, 28)),
        FakeArticle("b", "Devdiscourse (PTI)", date(2020, 3, 2)),
        FakeArticle("c", "Press TV", None),
        FakeArticle("d", None, None, title=None),
    ]
    rows = corpus.article_rows(articles)
    assert rows[0] == ["TASS", "28 Dec 2016", "Headline", "seeds/x.txt"]
    assert rows[2][1] == "date not stated" and rows[3][:3] == [
        "Unknown outlet",
        "date not stated",
        "Untitled",
    ]
    assert corpus.outlet_names(articles) == ["Devdiscourse (PTI)", "Press TV", "TASS"]
    figure = corpus.articles_chart(articles)
    labels = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert labels == ["2016", "2017", "2018", "2019", "2020", "no date"]
    assert corpus.articles_chart([]).axes  # an empty corpus still draws


def test_periods_by_month() -> None:
    months = corpus._periods(date(2019, 11, 5), date(2020, 2, 1), by_month=True)
    assert months == ["2019-11", "2019-12", "2020-01", "2020-02"]


def test_save_uploads_keeps_them_inside_the_uploads_folder(tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    good = incoming / "evil name;rm -rf.txt"
    good.write_text("An article.", encoding="utf-8")
    exe = incoming / "tool.exe"
    exe.write_bytes(b"MZ")
    big = incoming / "big.jsonl"
    big.write_bytes(b"{}\n" * (1024 * 1024 // 3 + 10))
    target = tmp_path / ".uploads"
    saved = corpus.save_uploads([good, exe, big], target, max_mb=1)
    assert len(saved.saved) == 1 and saved.saved[0].parent == target.resolve()
    assert saved.saved[0].name.endswith("_evil_name_rm_-rf.txt")
    assert any("tool.exe: not a" in r for r in saved.rejected)
    assert any("big.jsonl" in r and "over the 1 MB upload limit" in r for r in saved.rejected)
    assert corpus.safe_name("../../etc/passwd") == "passwd"
    assert corpus.safe_name("...") == "upload"


def test_uploads_dir_is_next_to_the_index(tmp_path: Path) -> None:
    settings = load_settings(index_dir=tmp_path / "idx", llm="extractive")
    assert corpus.uploads_dir(settings) == tmp_path / ".uploads"


@pytest.mark.integration
def test_upload_indexes_what_it_can_and_loses_nothing(seed_index: Path, tmp_path: Path) -> None:
    import shutil

    from assistant import list_articles

    shutil.copytree(seed_index, tmp_path / "index")
    settings = load_settings(index_dir=tmp_path / "index", llm="extractive", max_upload_mb=1)
    record = {
        "outlet": "Fooville Gazette",
        "title": "Fooville paints crossings",
        "published": "2019-05-14",
        "body": "The council of Fooville painted 42 new zebra crossings in 2019, officials said.",
    }
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(record) + "\n[1, 2]\n", encoding="utf-8")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    big = tmp_path / "big.txt"
    big.write_text("word " * 300_000, encoding="utf-8")
    seen: list[tuple[Any, ...]] = []

    def progress(*args: Any, **kwargs: Any) -> None:
        seen.append(args)

    status, table, _chart, outlets = corpus.CorpusHandlers(settings).upload(
        [str(good), str(binary), str(big)], progress=progress
    )
    assert "Indexed 2 articles" not in status and "1 new" in status
    assert "good.jsonl:2" in status and "binary.txt" in status
    assert "big.txt: 1.4 MB is over the 1 MB upload limit" in status
    assert ".uploads/" not in status and "na-status-warning" in status
    assert (1, 1) in [args[0] for args in seen if args and isinstance(args[0], tuple)]
    assert len(list_articles(settings)) == 6
    assert any(row[0] == "Fooville Gazette" for row in table)
    assert "Fooville Gazette" in outlets["choices"]
    assert sorted(p.name.split("_", 1)[1] for p in corpus.uploads_dir(settings).iterdir()) == [
        "binary.txt",
        "good.jsonl",
    ]


def test_chart_groups_small_outlets_and_skips_empty_centuries() -> None:
    articles = [FakeArticle(str(i), f"Outlet {i:02d}", date(2020, 1, 1)) for i in range(12)]
    articles += [FakeArticle("old", "Outlet 00", date(1900, 1, 1))]
    figure = corpus.articles_chart(articles)
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert len(legend) == corpus.MAX_OUTLETS + 1 and legend[-1] == "other outlets"
    labels = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert labels == ["1900", "2020"]


def test_templates_have_no_template_syntax() -> None:
    from ui import styles

    for name in ("CHAT_CSS", "ARTICLE_CSS", "STATUS_CSS", "CHAT_JS", "ARTICLE_JS"):
        text = getattr(styles, name)
        assert "${" not in text and "{{" not in text and "`" not in text, name


def full_room() -> Any:
    """An admission with one slow ask in flight: the next one would pass its bound."""
    from assistant import Admission

    now = [0.0]
    room = Admission(bound_s=2.0, clock=lambda: now[0])
    ticket = room.admit()
    now[0] += 3.0
    ticket.finish()
    room.admit()  # still in flight
    return room


def test_a_full_room_is_told_busy_at_once_in_the_chat_and_the_api(
    chat: ChatHandlers, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gradio as gr

    asked: list[AskRequest] = []

    def fake_stream(request: AskRequest, **options: Any) -> Iterator[str | Answer]:
        asked.append(request)
        yield make_answer()

    room = full_room()
    monkeypatch.setattr(handlers, "ask_stream", fake_stream)
    monkeypatch.setattr(handlers, "get_admission", lambda settings: room)
    html, *_ = list(chat.respond("How many posts?", [], None, "", "", "extractive", 8))[-1]
    assert "busy answering other questions" in html and "try again in 4 seconds" in html
    with pytest.raises(gr.Error, match="try again in 4 seconds"):
        list(chat.ask_events("How many posts?"))
    assert asked == [] and room.refused == 2 and room.load().in_flight == 1
