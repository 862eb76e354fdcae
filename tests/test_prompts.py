"""The few-shot answer prompt: fixed examples first (cached by llama.cpp), then the quotes as data."""

from __future__ import annotations

from datetime import date

from assistant.pipeline.evidence import Quote
from assistant.prompts import render_answer_prompt
from index.models import Credit


def _quote(text: str, outlet: str = "TASS", published: date | None = date(2016, 12, 28)) -> Quote:
    credit = Credit(outlet=outlet, title="t", published=published, source="001.txt")
    return Quote(text=text, article_id="a1", start=0, end=len(text), credit=credit)


def test_prompt_ends_with_the_numbered_quotes_and_the_question() -> None:
    quotes = [
        _quote("Peskov said the talks were useful."),
        _quote('He called it "a step".', "Press TV", None),
    ]
    _, prompt = render_answer_prompt("  What did   Peskov say? ", quotes)
    tail = prompt[prompt.rindex("Quotes:") :]
    assert tail == (
        "Quotes:\n"
        '[1] TASS, 28 Dec 2016: "Peskov said the talks were useful."\n'
        "[2] Press TV, date not stated: \"He called it 'a step'.\"\n"
        "Question: What did Peskov say?\n"
        "Answer:"
    )


def test_examples_are_a_fixed_prefix_for_every_question() -> None:
    _, first = render_answer_prompt("Who spoke?", [_quote("Peskov spoke.")])
    _, second = render_answer_prompt("How many died?", [_quote("Twelve people died.", "AP")])
    prefix = first[: first.rindex("Quotes:")]
    assert prefix and second.startswith(prefix)
    assert prefix.count("Answer:") == prefix.count("Question:") >= 2
    assert all("[1]" in line for line in prefix.splitlines() if line.startswith("Answer:"))


def test_long_quotes_are_trimmed_to_one_line() -> None:
    _, prompt = render_answer_prompt("Q?", [_quote("word\n" * 200)])
    last = prompt.splitlines()[-3]
    assert last.startswith("[1] TASS") and last.endswith('…"') and len(last) < 330
