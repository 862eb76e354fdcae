"""Follow-ups become standalone questions; standalone questions stay as they are."""

from __future__ import annotations

from assistant.pipeline.rewrite import is_follow_up, standalone_question

HISTORY = [
    {"role": "user", "content": "What did Peskov say about the ceasefire plan?"},
    {"role": "assistant", "content": "He refused to comment [1]."},
]


def test_standalone_question_is_unchanged() -> None:
    result = standalone_question("What did Putin say about Turkey?", HISTORY)
    assert not result.rewritten
    assert result.question == "What did Putin say about Turkey?"


def test_follow_up_with_linking_word_gets_context() -> None:
    result = standalone_question("And what did Erdogan say?", HISTORY)
    assert result.rewritten
    assert result.question.startswith("What did Erdogan say?")
    assert "ceasefire plan" in result.question


def test_pronoun_follow_up_names_the_speaker() -> None:
    result = standalone_question("When did he say that?", HISTORY)
    assert result.rewritten
    assert result.question.startswith("When did Peskov say that?")


def test_no_history_means_no_rewrite() -> None:
    assert not standalone_question("When was that?", []).rewritten


def test_follow_up_detection() -> None:
    assert is_follow_up("when was that?")
    assert is_follow_up("What about Iran?")
    assert not is_follow_up("How many observation posts did Turkey set up in Idlib?")


def test_pronoun_follow_up_names_the_person_the_question_was_about() -> None:
    history = [{"role": "user", "content": "What did Maria Kovacs promise the striking dockworkers?"}]
    result = standalone_question("Where did she promise that?", history)
    assert result.question.startswith("Where did Maria Kovacs promise that?")


def test_pronoun_follow_up_without_a_person_keeps_the_pronoun() -> None:
    history = [{"role": "user", "content": "How much did the city council spend on new bridges?"}]
    result = standalone_question("When did they approve it?", history)
    assert result.rewritten
    assert result.question.startswith("When did they approve it?")
