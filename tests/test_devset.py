"""The dev-set format: loading, the fixed halves, held-out articles and quiz judging."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.evaluation.devset import (
    DevQuestion,
    DevSet,
    choice_pattern,
    iter_records,
    load_dev_questions,
    sample,
    to_gold,
    write_corpus,
)
from assistant.evaluation.metrics import score_question, text_correct
from assistant.evaluation.questions import QuestionFileError
from assistant.types import Answer


def _question(qid: str, articles: tuple[str, ...] = ("a1",)) -> DevQuestion:
    return DevQuestion(
        id=qid,
        question="How many MPs voted against the prime minister?",
        choices=("146", "147", "148", "149"),
        answer="148",
        articles=articles,
    )


def test_loads_questions_and_names_the_bad_line(tmp_path: Path) -> None:
    good = {"id": "q1", "question": "Who?", "choices": ["A", "B"], "answer": "A", "articles": ["x"]}
    bad = {"id": "q2", "question": "Who?", "choices": ["A", "B"], "answer": "C", "articles": []}
    path = tmp_path / "questions.jsonl"
    path.write_text(json.dumps(good) + "\n")
    assert [q.id for q in load_dev_questions(path)] == ["q1"]
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(QuestionFileError, match=r"questions.jsonl:2: .*not one of the choices"):
        load_dev_questions(path)


def test_halves_are_fixed_by_id_and_both_are_used() -> None:
    questions = [_question(f"q{i}") for i in range(200)]
    halves = [q.half for q in questions]
    assert halves == [q.half for q in [_question(f"q{i}") for i in range(200)]]
    assert 60 < halves.count("tune") < 140
    held = sum(q.held_out for q in questions)
    assert 20 < held < 60


def test_held_out_articles_leave_the_index_only_when_no_kept_question_needs_them() -> None:
    questions = [_question(f"q{i}", (f"a{i}", "shared")) for i in range(50)]
    dev = DevSet(questions, {a: {"id": a} for q in questions for a in q.articles})
    indexed = dev.indexed(dev.questions)
    held = [q for q in questions if q.held_out]
    assert held, "the hash should hold out some of 50 questions"
    assert all(f"a{q.id[1:]}" not in indexed for q in held)
    assert "shared" in indexed
    assert not dev.unanswerable(held[0], indexed)  # it still has the shared article
    assert dev.unanswerable(_question("new", ("nowhere",)), indexed)


def test_sample_is_deterministic_and_sized() -> None:
    questions = [_question(f"q{i}") for i in range(30)]
    assert sample(questions, 10) == sample(list(reversed(questions)), 10)
    assert len(sample(questions, 10)) == 10
    assert sample(questions, None) == questions


def test_quiz_judging_needs_the_right_choice_and_no_wrong_one() -> None:
    question = _question("q1")
    dev = DevSet([question], {"a1": {"id": "a1", "url": "https://example.com/a1"}})
    gold = to_gold(question, dev, {"a1"})
    assert gold.answerable and gold.articles == ["https://example.com/a1"]
    assert text_correct(gold, "In all, 148 Tory MPs voted against him.")
    assert not text_correct(gold, "Some 148 or 149 MPs voted against him.")
    assert not text_correct(gold, "Over 1480 people watched.")
    answer = Answer(text="“148 MPs voted against him.” [1]", prose="149 MPs [1]", question=gold.question)
    result = score_question(gold, answer, lambda _id: None, 5.0)
    assert result.answer_correct is True and result.prose_correct is False
    unanswerable = to_gold(question, dev, set())
    assert not unanswerable.answerable and unanswerable.category.endswith("unanswerable")


def test_choice_pattern_folds_apostrophes_and_keeps_word_edges() -> None:
    import re

    assert re.search(choice_pattern("O'Brien"), "said O’Brien", re.I)
    assert not re.search(choice_pattern("Art"), "Artemis", re.I)
    assert re.search(choice_pattern("$1.2 billion"), "cost $1.2 billion", re.I)


def test_corpus_round_trip(tmp_path: Path) -> None:
    records = [{"id": "a", "body": "text"}, {"id": "b", "body": "more"}]
    path = tmp_path / "c.jsonl.gz"
    assert write_corpus(records, path) == 2
    assert list(iter_records(path)) == records
