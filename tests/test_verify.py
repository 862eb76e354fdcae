"""Verification removes invented quotes, unknown [n] markers and unsupported sentences."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from assistant.pipeline.evidence import Quote
from assistant.pipeline.verify import sanitise, verify_answer
from index.models import Credit

ARTICLE = (
    "MOSCOW, December 28. /TASS/. Russia and Turkey are in constant contact on the possible talks "
    "on the Syrian settlement in Kazakhstan’s capital Astana, Kremlin spokesman Dmitry Peskov told "
    "reporters on Wednesday. The plan will be in force in all areas of Syria."
)
SENTENCE = ARTICLE[ARTICLE.index("Russia") : ARTICLE.index("Wednesday.") + len("Wednesday.")]


def _quote() -> Quote:
    start = ARTICLE.index(SENTENCE)
    return Quote(
        text=SENTENCE, article_id="a1", start=start, end=start + len(SENTENCE),
        credit=Credit(outlet="TASS", title="Kremlin says Russia in contact with Turkey",
                      published=date(2016, 12, 28), source="001.txt"),
    )  # fmt: skip


def test_supported_sentence_survives() -> None:
    text = "Russia and Turkey are in constant contact on possible talks in Astana, Peskov told reporters [1]."
    result = verify_answer(text, [_quote()], {"a1": ARTICLE})
    assert result.used == [1]
    assert "Astana" in result.text and result.text.endswith("[1].")
    assert result.removed == []


def test_invented_quote_is_removed() -> None:
    text = 'Peskov said "Russia will send troops to Astana tomorrow morning" [1].'
    result = verify_answer(text, [_quote()], {"a1": ARTICLE})
    assert result.used == [] and result.text == ""
    assert result.removed


def test_missing_citation_number_is_removed() -> None:
    text = "Russia and Turkey are in constant contact on talks in Astana [3]."
    result = verify_answer(text, [_quote()], {"a1": ARTICLE})
    assert result.used == [] and "Astana" not in result.text


def test_unsupported_sentence_is_removed_but_supported_one_kept() -> None:
    text = (
        "The Kremlin plans to annex northern Idlib next spring. "
        "Russia and Turkey are in constant contact on talks in Astana [1]."
    )
    result = verify_answer(text, [_quote()], {"a1": ARTICLE})
    assert "Idlib" not in result.text
    assert "Astana" in result.text
    assert any("Idlib" in r for r in result.removed)


def test_uncited_sentence_is_removed() -> None:
    text = "Russia and Turkey are in constant contact on talks in Astana [1]. Turkey will win the war."
    result = verify_answer(text, [_quote()], {"a1": ARTICLE})
    assert "win the war" not in result.text


def test_wrong_number_and_wrong_outlet_are_removed() -> None:
    other = replace(_quote(), credit=Credit(outlet="Press TV"))
    text = (
        "Russia and Turkey held 45 rounds of talks in Astana [1]. "
        "Press TV said they are in constant contact [1]."
    )
    result = verify_answer(text, [_quote(), other], {"a1": ARTICLE})
    assert result.text == ""


def test_quote_that_is_not_in_its_article_cannot_be_cited() -> None:
    quote = replace(_quote(), text="Russia and Turkey are at war.")
    result = verify_answer("Russia and Turkey are at war [1].", [quote], {"a1": ARTICLE})
    assert result.used == []


def test_markers_are_renumbered_in_order_of_use() -> None:
    second = _quote()
    text = "Peskov told reporters that Russia and Turkey are in constant contact [2]."
    result = verify_answer(text, [_quote(), second], {"a1": ARTICLE})
    assert result.used == [2] and "[1]" in result.text and "[2]" not in result.text


def test_sanitise_strips_images_links_and_tags() -> None:
    dirty = (
        "See ![x](http://canary.example/p.png) [here](http://evil.example) <img src=x onerror=alert(1)> ok"
    )
    clean = sanitise(dirty)
    assert "canary" not in clean and "http" not in clean and "<img" not in clean
    assert "here" in clean and "ok" in clean


def test_attributed_quote_line_is_kept_whole_even_when_it_names_other_outlets() -> None:
    other = replace(_quote(), credit=Credit(outlet="Press TV"))
    line = f"TASS reported on 28 December 2016: “{SENTENCE}” [1]"
    result = verify_answer(line, [_quote(), other], {"a1": ARTICLE})
    assert result.text == line and result.used == [1]


def test_attributed_line_with_the_wrong_outlet_is_not_taken_as_a_unit() -> None:
    line = f"Reuters reported: “{SENTENCE}” [1]"
    result = verify_answer(line, [_quote()], {"a1": ARTICLE})
    assert "Reuters" not in result.text


def test_marker_is_reattached_with_one_space() -> None:
    text = "Russia and Turkey are in constant contact [1]."
    result = verify_answer(text, [_quote()], {"a1": ARTICLE}, attach=True)
    assert result.text == "Russia and Turkey are in constant contact [1]."


def test_a_sentence_that_only_restates_a_wh_question_answers_nothing_and_goes() -> None:
    question = "Who is in constant contact on the possible talks in Astana?"
    restated = "They are in constant contact on the possible talks in Astana [1]."
    result = verify_answer(restated, [_quote()], {"a1": ARTICLE}, question=question)
    assert result.used == [] and result.removed
    answered = "Russia and Turkey are in constant contact on the talks in Astana [1]."
    result = verify_answer(answered, [_quote()], {"a1": ARTICLE}, question=question)
    assert result.used == [1] and "Russia and Turkey" in result.text


def test_a_yes_no_question_may_be_answered_in_its_own_words() -> None:
    question = "Are Russia and Turkey in constant contact on the possible talks in Astana?"
    text = "Russia and Turkey are in constant contact on the possible talks in Astana [1]."
    result = verify_answer(text, [_quote()], {"a1": ARTICLE}, question=question)
    assert result.used == [1]
