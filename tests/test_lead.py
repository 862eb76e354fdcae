"""The lead: a verified span or reported clause that answers, opening every answered question."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from assistant.pipeline.lead import (
    best_reported,
    load_lead_model,
    reported_lead,
    spans,
    speech_topic,
    wants_span,
    write_lead,
)
from assistant.types import Citation


def _span_model():  # type: ignore[no-untyped-def]
    """The fitted span scorer with no floor: these tests check which span it picks, not whether
    its confidence clears the display floor."""
    return replace(load_lead_model(), floor=0.0)


def _citation(
    number: int, quote: str, speaker: str | None = None, outlet: str = "The Harbour Gazette"
) -> Citation:
    return Citation(
        number=number, quote=quote, start=0, end=len(quote), outlet=outlet, title="A headline",
        published=date(2021, 5, 4), source="gazette.txt", speaker=speaker,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("question", "span"),
    [
        ("Which company bought the old shipyard?", True),
        ("How many ferries does the port run?", True),
        ("When did the harbour bridge open?", True),
        ("Who won the regatta this week?", True),
        ("What did Mayor Ana Ruiz say about the ferries?", False),
        ("What happened at the harbour on Sunday?", False),
    ],
)
def test_a_question_for_a_thing_wants_a_span_and_one_about_speech_does_not(question: str, span: bool) -> None:
    assert wants_span(question) is span


def test_a_question_for_a_company_leads_with_the_company_and_its_sentence() -> None:
    quote = "The old shipyard was bought by Northwind Holdings in March. Workers were told on Friday."
    lead = write_lead("Which company bought the old shipyard?", [_citation(1, quote)], model=_span_model())
    assert lead is not None and lead.kind == "span"
    assert lead.answer == "Northwind Holdings"
    expected = (
        "Northwind Holdings: The Harbour Gazette reported "
        "“The old shipyard was bought by Northwind Holdings in March” [1]."
    )
    assert lead.text == expected


def test_a_question_for_a_number_leads_with_the_number() -> None:
    quote = "The port now runs 14 ferries a day, up from nine, the authority said in a statement."
    lead = write_lead(
        "How many ferries a day does the port run now?", [_citation(1, quote)], model=_span_model()
    )
    assert lead is not None and lead.answer == "14"


def test_a_span_already_in_the_question_is_not_the_answer() -> None:
    quote = "Harbour Board chair Lena Voss said the Harbour Board had approved the plan."
    lead = write_lead("Who chairs the Harbour Board?", [_citation(1, quote)], model=_span_model())
    assert lead is not None and lead.answer == "Lena Voss"


def test_what_someone_said_leads_with_their_reported_clause() -> None:
    quote = "Mayor Ana Ruiz said the ferry timetable would double by the summer. Critics were unconvinced."
    lead = write_lead(
        "What did Mayor Ana Ruiz say about the ferries?", [_citation(2, quote, speaker="Ana Ruiz")]
    )
    assert lead is not None and lead.kind == "reported"
    assert (
        lead.text == "The Harbour Gazette: Ana Ruiz said the ferry timetable would double by the summer [2]."
    )


def test_narration_is_credited_to_the_outlet() -> None:
    quote = "Strong winds closed the harbour on Sunday.\nNo one was hurt."
    lead = reported_lead(_citation(1, quote))
    assert lead.text == "The Harbour Gazette reported: “Strong winds closed the harbour on Sunday” [1]."


def test_every_span_and_sentence_is_verbatim_in_its_quote_and_never_crosses_a_line() -> None:
    citations = [
        _citation(1, "Harbour news\nThe council voted 7-2 on Tuesday to sell the pier to Baltic Marine."),
        _citation(
            2, "Baltic Marine, based in Gdansk, paid €4.5 million, officials said.", speaker="officials"
        ),
    ]
    found = spans("Which firm bought the pier?", citations)
    assert found
    for span in found:
        quote = citations[span.citation - 1].quote
        assert span.text in quote and span.sentence in quote and "\n" not in span.sentence


def test_a_speakers_sentence_that_opens_inside_their_quotation_shows_no_stray_mark() -> None:
    quote = (
        '"As a result of the talks, the ceasefire is broadly holding. It must now be extended," '
        "Mr Adeyemi said."
    )
    lead = reported_lead(_citation(1, quote, speaker="Tunde Adeyemi"))
    assert lead.text.count('"') % 2 == 0 and lead.text.count("“") == lead.text.count("”")


def test_who_said_something_is_answered_by_the_credited_speaker_not_a_name_in_the_words() -> None:
    quote = "The ferries will stop calling at Northwind Pier, harbour master Tom Okafor said on Monday."
    lead = write_lead(
        "Who said the ferries would stop calling at the pier?",
        [_citation(1, quote, speaker="Tom Okafor")],
    )
    assert lead is not None and lead.answer == "Tom Okafor"
    assert lead.text.startswith("Tom Okafor: The Harbour Gazette reported “The ferries will stop calling at")


def test_an_article_sentence_that_names_an_outlet_is_quoted_and_credited_to_its_publisher() -> None:
    quote = "The talks in Geneva were cancelled, TASS reported."
    lead = write_lead("What happened to the talks in Geneva?", [_citation(1, quote, outlet="Harbour Wire")])
    assert lead is not None
    assert lead.text == "Harbour Wire reported: “The talks in Geneva were cancelled, TASS reported” [1]."


def test_a_reported_clause_in_the_speakers_own_words_is_quoted() -> None:
    quote = "We will rebuild the pier by May, Mayor Ana Ruiz said on Monday."
    lead = write_lead("What did Ana Ruiz say about the pier?", [_citation(1, quote, speaker="Ana Ruiz")])
    assert lead is not None
    assert lead.text == "The Harbour Gazette: Ana Ruiz said “We will rebuild the pier by May” [1]."


def test_a_quote_by_the_source_the_question_names_keeps_the_words_that_name_it() -> None:
    # "According to the Harbour Board": the speaker's name is part of what is asked, so the quote
    # it speaks in is not outweighed by one that merely names the board and the topic.
    answering = "The Harbour Board said the timetable starts on June 1."
    other = "Harbour Board ferry crews met on Tuesday to discuss the timetable."
    citations = [_citation(1, answering, speaker="The Harbour Board"), _citation(2, other)]
    question = "According to the Harbour Board, when does the ferry timetable start?"
    assert best_reported(citations, question).number == 1


def test_what_someone_said_about_a_topic_leads_with_the_sentence_on_that_topic() -> None:
    # The question's other words describe when it was said; the sentence about the topic answers.
    quote = (
        "Mayor Ana Ruiz spoke to reporters ahead of the council vote on the harbour budget on Monday. "
        "The ferries will run every hour from May, she said."
    )
    citation = _citation(1, quote, speaker="Ana Ruiz")
    question = "What did Mayor Ruiz say about the ferries ahead of the council vote on the harbour budget?"
    lead = write_lead(question, [citation])
    assert lead is not None and "The ferries will run every hour from May" in lead.text


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("What did the mayor say about the new ferries?", {"ferri"}),
        ("What did the mayor tell reporters regarding the bridge closure?", {"closur"}),
        ("What did the mayor call on the council to do?", set()),
        ("When does the ferry timetable start?", set()),
    ],
)
def test_the_topic_of_asked_speech_is_the_object_it_is_about(question: str, topic: set[str]) -> None:
    assert speech_topic(question) == topic
