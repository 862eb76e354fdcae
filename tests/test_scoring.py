"""Evidence scoring: answer types, features, the fitted model file and quote selection."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.pipeline.evidence import Quote, select_quotes
from assistant.scoring.features import FEATURES, Observation, features
from assistant.scoring.model import LogisticModel, load_models
from assistant.scoring.nlp import expected_labels
from assistant.scoring.question_features import (
    ANSWERABILITY_FEATURES,
    answerability_features,
    question_info,
    unmatched_rarity,
)
from index.models import Credit


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("Which actor spoke out against gun violence at the White House?", "PERSON"),
        ("Who won the election in the north?", "PERSON"),
        ("How many lawmakers voted against the bill?", "CARDINAL"),
        ("How much did the painting sell for?", "MONEY"),
        ("When was the scheme first introduced?", "DATE"),
        ("In what year did the company go public?", "DATE"),
        ("Which country hosted the summit?", "GPE"),
        ("Where did the storm make landfall?", "GPE"),
        ("Which company announced layoffs this week?", "ORG"),
        ("What film topped the box office?", "WORK_OF_ART"),
    ],
)
def test_expected_answer_labels(question: str, label: str) -> None:
    assert label in expected_labels(question)


@pytest.mark.parametrize(
    ("question", "label"),
    [  # the noun 'which' picks out is not the first word after it
        ("Which baseball team signed the pitcher to a new contract?", "ORG"),
        ("Which former Olympic athlete opened the games?", "PERSON"),
        ("Which country's parliament voted on the reform?", "GPE"),
        ("Which of these companies reported a loss?", "ORG"),
        ("Residents of which northern city were told to stay indoors?", "GPE"),
    ],
)
def test_the_noun_a_wh_determiner_picks_out_sets_the_type(question: str, label: str) -> None:
    assert expected_labels(question) == expected_labels(f"Which {_noun(question)} is it?")
    assert label in expected_labels(question)


def _noun(question: str) -> str:
    from assistant.scoring.nlp import wh_nouns

    [noun] = wh_nouns(question)
    return noun


def test_a_question_without_a_type_expects_none() -> None:
    assert expected_labels("Why did the talks collapse?") == frozenset()


def _observation(text: str, entities: tuple[tuple[str, str], ...] = (), **kw: object) -> Observation:
    values: dict[str, object] = {
        "context": text,
        "title": "",
        "speakers": (),
        "dense": 0.5,
        "chunk_dense": 0.5,
        "chunk_rank": 0,
        "lexical_rank": 0,
        "position": 0.1,
        "sentences": 1,
        "outlet": "Daily Planet",
        "suspect": False,
    }
    values.update(kw)
    return Observation(text=text, entities=entities, **values)  # type: ignore[arg-type]


def test_features_see_a_new_entity_of_the_asked_type() -> None:
    info = question_info("How many lawmakers voted against the budget?")
    rows = features(
        info,
        [
            _observation("In all, 148 lawmakers voted against the budget.", (("148", "CARDINAL"),)),
            _observation("Lawmakers voted on the budget on Monday.", (("Monday", "DATE"),)),
        ],
    )
    column = {name: i for i, name in enumerate(FEATURES)}
    assert rows.shape == (2, len(FEATURES))
    assert rows[0, column["type_match"]] == 1.0 and rows[1, column["type_match"]] == 0.0
    assert rows[0, column["has_number"]] == 1.0
    assert rows[0, column["coverage"]] >= rows[1, column["coverage"]]


def test_entities_the_question_already_names_are_not_news() -> None:
    info = question_info("What did Ortiz say about the budget?")
    rows = features(info, [_observation("Ortiz spoke.", (("Ortiz", "PERSON"),), speakers=("Ortiz",))])
    column = {name: i for i, name in enumerate(FEATURES)}
    assert rows[0, column["novel_entities"]] == 0.0
    assert rows[0, column["speaker_match"]] == 1.0


def test_unmatched_rarity_is_high_when_the_questions_most_specific_name_is_nowhere_retrieved() -> None:
    rarity = {"mayor": 1.0, "ortiz": 2.0, "elwin": 4.0, "zone": 4.0}  # stemmed, as the index weighs them
    info = question_info(
        "Why did Mayor Ortiz veto the Elwin zoning plan?",
        rarity=lambda terms: {t: rarity.get(t, 1.0) for t in terms},
    )
    on_topic = ["Mayor Ortiz said the Elwin plan would raise rents.", "She vetoed it on Friday."]
    elsewhere = ["The mayor of Harwick opened a new library on Friday."]
    assert unmatched_rarity(info, on_topic) == 0.0  # every name found; 'zoning' is not a name
    assert unmatched_rarity(info, elsewhere) == 1.0  # 'Elwin', as rare as any term, is missing
    assert unmatched_rarity(info, ["Ortiz was in Harwick."]) == 1.0
    assert unmatched_rarity(info, ["Elwin is quiet; the mayor is away."]) == 0.5  # only 'Ortiz' missing
    assert unmatched_rarity(question_info("Why did it happen?"), elsewhere) == 0.0


def test_logistic_model_probability() -> None:
    model = LogisticModel(features=["a", "b"], mean=[0, 0], scale=[1, 1], weights=[2.0, 0.0], bias=0.0)
    p = model.probability(np.asarray([[0.0, 5.0], [3.0, 0.0]]))
    assert p[0] == pytest.approx(0.5) and p[1] > 0.99


def test_packaged_models_match_the_features_and_give_probabilities() -> None:
    models = load_models()
    assert tuple(models.evidence.features) == FEATURES
    assert tuple(models.answerability.features) == ANSWERABILITY_FEATURES
    assert 0.0 < models.decline_below < 1.0 and 0.0 < models.extra_quote_ratio <= 1.0
    rows = np.zeros((3, len(FEATURES)))
    p = models.evidence.probability(rows)
    assert ((p > 0) & (p < 1)).all()
    assert answerability_features(p, rows).shape == (1, len(ANSWERABILITY_FEATURES))


def _quote(text: str, score: float, outlet: str, start: int = 0, article: str = "a") -> Quote:
    return Quote(
        text=text,
        article_id=article,
        start=start,
        end=start + len(text),
        credit=Credit(outlet=outlet, source="s"),
        score=score,
    )


def test_selection_keeps_near_best_quotes_and_prefers_new_outlets() -> None:
    ranked = [
        _quote("The blast killed twelve workers at the port.", 0.9, "A", 0, "a"),
        _quote("Officials said the port blast killed twelve people on Monday.", 0.85, "A", 100, "a"),
        _quote("Twelve dockers died in the explosion, the union said.", 0.8, "B", 0, "b"),
        _quote("The weather was mild.", 0.1, "C", 0, "c"),
    ]
    chosen = select_quotes(ranked, limit=2, extra_ratio=0.8)
    assert [q.outlet for q in chosen] == ["A", "B"]
    assert select_quotes(ranked, limit=4, extra_ratio=1.0) == ranked[:1]


def test_a_question_naming_an_outlet_gets_its_extra_quotes_from_that_outlet() -> None:
    ranked = [
        _quote("The blast killed twelve workers at the port.", 0.9, "A", 0, "a"),
        _quote("Twelve dockers died in the explosion, the union said.", 0.85, "B", 0, "b"),
        _quote("The port was closed after the blast.", 0.8, "C", 0, "c"),
        _quote("The union said twelve of its members were killed.", 0.75, "B", 100, "b"),
    ]
    chosen = select_quotes(ranked, limit=4, extra_ratio=0.8, named_outlets=["B"])
    assert [q.outlet for q in chosen] == ["A", "B", "B"]
    assert [q.outlet for q in select_quotes(ranked, limit=4, extra_ratio=0.8)] == ["A", "B", "C", "B"]
