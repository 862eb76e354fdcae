"""The scraped-page cleaner: body only, every sentence kept, metadata from the page itself."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from index.cleaning import NotAnArticleError, clean_scraped_text, light_clean
from index.models import Article

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

EXPECTED: dict[str, dict[str, Any]] = {
    "000_85f44ecf95467035.txt": {
        "outlet": "Sputnik International",
        "title": "Russia, Turkey Constantly Coordinating Actions Regarding Syria",
        "published": None,
        "dateline": "MOSCOW",
        "paragraphs": 5,
        "first": "The Kremlin spokesman said Russia and Turkey were in contact with each other on "
        "Syria on a permanent basis.",
        "last": "Since 2011, Syria has been engulfed in a civil war, with government forces "
        "fighting against numerous opposition and terrorist groups, including al-Nusra Front and "
        "Daesh, which is banned in a range of countries, including Russia.",
        "kept": [
            "MOSCOW (Sputnik) — Moscow and Ankara are in contact with each other on Syria at "
            "various levels on a permanent basis, Kremlin spokesman Dmitry Peskov said Friday.",
            '"There is constant coordination between the Russian and Turkish sides at various '
            'levels," Peskov said',
            "In late December, the UN Security Council unanimously adopted a Russian-Turkish "
            "resolution on a ceasefire regime in Syria",
            "Russia and Turkey serve as guarantors of the deal that paves the way for "
            "negotiations between the warring parties.",
        ],
        "absent": [
            "Sputnik International",
            "Get the latest news",
            "Subscribe",
            "Ankara Ready to Restore Peace in Syria With Assad at the Helm",
            "Never miss a story",
            "Telegram",
            "Newsfeed",
            "To participate in the discussion",
            "log in or register",
            "loader",
            "Chats",
            "Заголовок открываемого материала",
            "Feb. 28, 2016",
            "Syrians walk past a portrait",
            "© AP Photo",
            "World\n",
        ],
        "captions": ["© AP Photo / Hassan AmmarA Syrian national flag waves", "Syrians walk past"],
        "related": ["Ankara Ready to Restore Peace in Syria With Assad at the Helm - Deputy PM"],
    },
    "001_dc96f93586912206.txt": {
        "outlet": "TASS",
        "title": "Kremlin says Russia in contact with Turkey on possible meeting on Syria",
        "published": date(2016, 12, 28),
        "dateline": "MOSCOW",
        "paragraphs": 9,
        "first": "Peskov refused to comment on media reports that Moscow and Ankara have allegedly "
        "agreed on a plan of a comprehensive ceasefire in Syria",
        "last": "The effort will be continued in Geneva, where UN Special Envoy for Syria Staffan "
        "de Mistura plans to launch the next round of talks on February 8.",
        "kept": [
            "MOSCOW, December 28. /TASS/. Russia and Turkey are in constant contact on the "
            "possible talks on the Syrian settlement in Kazakhstan’s capital Astana, Kremlin "
            "spokesman Dmitry Peskov told reporters on Wednesday.",
            '"I cannot answer this question now, I have no enough information," he stressed.',
            "Moscow and Ankara will act as guarantors of the settlement.",
            "A week ago, Lavrov, Cavusoglu and Zarif held a trilateral meeting in Moscow",
        ],
        "absent": [
            "Back to Main page",
            "Russian Politics & Diplomacy",
            "14:08 UTC+3",
            "AP Photo/Alexander Zemlianichenko",
            "Russian diplomat says foreign advisers to Syrian opposition no surprise",
            "Turkey, Russia agree on Syria ceasefire plan — media",
            "Topics",
            "Foreign policy Syrian conflict",
            "Persons",
            "Dmitry Peskov\n",
        ],
        "captions": ["© AP Photo/Alexander Zemlianichenko"],
        "related": [
            "Russian diplomat says foreign advisers to Syrian opposition no surprise",
            "Turkey, Russia agree on Syria ceasefire plan — media",
        ],
    },
    "002_2f0e2d1862f5cf94.txt": {
        "outlet": "Devdiscourse (PTI)",
        "title": "Kremlin says cooperation with Turkey on Syria of 'great importance'",
        "published": date(2020, 3, 2),
        "dateline": "Moscow",
        "paragraphs": 4,
        "first": "The Kremlin said Monday that cooperation with Turkey is a top priority, "
        "confirming a meeting between the Russian and Turkish presidents on Thursday over "
        'escalating tensions in Syria Russia attaches "great importance to cooperation with our '
        'Turkish partners," Kremlin spokesman Dmitry Peskov said ahead of the talks in Moscow '
        "between Vladimir Putin and Recep Tayyip Erdogan.",
        "last": "They secured a deal in the southern Russian city of Sochi in 2018 that led to "
        "Turkey establishing 12 military observation posts in Idlib to prevent a Syrian offensive "
        "and a fresh flood of refugees into Turkish territory However a recent Syrian military "
        "campaign backed by Russia to recapture Idlib has sparked concerns over the worst "
        "humanitarian crisis since fighting began in 2011.",
        "kept": [
            '"Our militaries are in constant contact. The main thing is that we now focus on '
            'negotiations between Putin and Erdogan," he said Despite being on opposing sides of '
            "the conflict, Turkey and Russia have coordinated closely in the past.",
        ],
        "absent": [
            "Left Menu",
            "Development News Edition",
            "PTI",
            "Updated:",
            "Created:",
            "IST",
            "Representative Image",
            "Image Credit",
            "This story has not been edited by Devdiscourse staff",
            "Download The Devdiscourse News App",
            "TRENDING",
            "Fact check",
            "OPINION",
            "Reducing inequalities",
            "Videos",
            "Latest News",
            "Reuters World News Summary",
            "Taliban",
            "Give Feedback",
            "Subscribe to our Newsletter",
            "SECTORS",
            "Email:",
            "Phone:",
            "VisionRI",
            "Copyright",
        ],
        "captions": ["Representative Image Image Credit: (en.kremlin.ru)"],
    },
    "003_79d67f101bb9e229.txt": {
        "outlet": "Press TV",
        "title": "Putin hails closer Moscow-Ankara ties on Syria crisis",
        "published": None,
        "dateline": None,
        "paragraphs": 14,
        "first": "Russian President Vladimir Putin has praised close interactions between Moscow "
        "and Ankara as part of efforts to find a promising solution to the nearly six-year-long "
        "foreign-sponsored militancy in Syria, which has killed thousands of people and left the "
        "Arab country in ruins.",
        "last": "Following the failed coup attempt in Turkey on July 16, 2016, Turkish officials, "
        "who had previously defended the downing of the Russian jet, distanced themselves from "
        "the incident, saying the bomber aircraft had been targeted by military personnel who "
        "later took part in the putsch attempt against Ankara.",
        "kept": [
            "“We are pleased to see our ties recovering at a quick tempo,” Putin pointed out.",
            "Defense industry and energy are among the main areas of trade cooperation between "
            "Ankara and Moscow, the Turkish leader said.",
            "Diplomats from the three countries have also mediated several rounds of peace "
            "negotiations between representatives of the Syrian government and armed opposition "
            "groups in Kazakhstan's capital city of Astana.",
        ],
        "absent": [
            "News / Syria",
            "(Photo by TASS news agency)",
            "(Photo by Reuters)",
            "shakes hands with his Turkish counterpart",
            "can also be accessed",
            "Press TV News Roku",
            "Roku",
        ],
        "captions": ["(Photo by TASS news agency)", "(Photo by Reuters)"],
    },
    "004_80a8fa572f98a536.txt": {
        "outlet": "Press TV",
        "title": "Russia, US to intensify Syria coordination: Kremlin",
        "published": None,
        "dateline": None,
        "paragraphs": 17,
        "first": "The Kremlin has announced that Russia and the US are prepared for better "
        "coordination efforts on dealing with Takfiri terrorism in Syria.",
        "last": "The UN has stopped its official casualty count in Syria, citing its inability to "
        "verify the figures it receives from various sources.",
        "kept": [
            "'Harbinger for longer-lasting' ceasefire deals",
            "Meanwhile, US Secretary of State John Kerry voiced hopes that a 72-hour truce in "
            'Syria was "a harbinger" for further longer-lasting ceasefire deals.',
            "Earlier, the Syrian army declared a unilateral 72-hour armistice across the country "
            "on the occasion of Eid al-Fitr, which marks the end of the holy Muslim fasting month "
            "of Ramadan.",
            '"We are trying very hard to grow these current discussions into a longer-lasting,... '
            "enforceable, accountable cessation of hostilities that could change the dynamics on "
            'the ground," he noted.',
        ],
        "absent": [
            "News / Russia",
            "(AFP)",
            "G20 Summit in the Turkish Mediterranean resort of Antalya",
            "Sukhoi Su-34 bomber lands",
            "Georgian youth representatives",
            "can also be accessed",
            "www.presstv.ir",
            "SHARE THIS ARTICLE",
            "Roku",
        ],
        "captions": ["resort of Antalya on November 16, 2015. (AFP)", "(front, 1st right)"],
    },
}


def _clean(name: str) -> Article:
    path = SEEDS / name
    return clean_scraped_text(path.read_text(encoding="utf-8"), f"seeds/{name}")


def test_every_seed_has_expectations() -> None:
    assert sorted(p.name for p in SEEDS.glob("*.txt")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_seed_metadata(name: str) -> None:
    article = _clean(name)
    expected = EXPECTED[name]
    assert article.outlet == expected["outlet"]
    assert article.title == expected["title"]
    assert article.published == expected["published"]
    assert article.dateline == expected["dateline"]
    assert article.source == f"seeds/{name}"
    assert article.id == Article.make_id(article.text)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_seed_body_kept_verbatim(name: str) -> None:
    article = _clean(name)
    expected = EXPECTED[name]
    paragraphs = article.text.split("\n\n")
    assert paragraphs[0].startswith(expected["first"])
    assert paragraphs[-1].endswith(expected["last"])
    assert len(paragraphs) == expected["paragraphs"]
    for sentence in expected["kept"]:
        assert sentence in article.text


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_seed_chrome_removed(name: str) -> None:
    article = _clean(name)
    for chrome in EXPECTED[name]["absent"]:
        assert chrome not in article.text + "\n", chrome
    assert article.title is not None
    assert article.title not in article.text


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_seed_captions_set_apart(name: str) -> None:
    article = _clean(name)
    joined = "\n".join(article.captions)
    for caption in EXPECTED[name]["captions"]:
        assert caption in joined
        assert caption not in article.text


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_seed_whitespace_normalised(name: str) -> None:
    text = _clean(name).text
    assert "\u00a0" not in text
    assert "  " not in text
    assert "\n\n\n" not in text
    assert all(p == p.strip() and "\n" not in p for p in text.split("\n\n"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_line_of_a_seed_body_survives(name: str) -> None:
    """Every raw line from the first body sentence to the last is kept, or is a caption or link."""
    expected = EXPECTED[name]
    article = _clean(name)
    lines = [" ".join(x.split()) for x in (SEEDS / name).read_text(encoding="utf-8").splitlines()]
    first = next(i for i, line in enumerate(lines) if line.startswith(expected["first"]))
    last = next(i for i, line in enumerate(lines) if line.endswith(expected["last"]))
    assert first < last
    for line in filter(None, lines[first : last + 1]):
        kept = line in article.text
        assert kept or line in article.captions or line in expected.get("related", []), line


GENERIC_PAGE = """\
Home | World | Business | Sport
Skip to content
The Daily Example
World › Middle East

Ministers agree to reopen border crossing

By Jane Doe and Omar Haddad
Published: 14 May 2021 09:30 GMT

Trucks queue at the crossing on Monday. (Photo by John Smith/Example Agency)

AMMAN (Reuters) - Ministers from both countries agreed on Tuesday to reopen the border crossing.

Officials said the first trucks would pass next week
once customs checks were in place.

Read more: Five things to know about the crossing

Floods close coastal highway for a second day

Traders welcomed the decision, saying months of delays had cost them dearly.

Customs checks next

The next steps are customs checks, officials said, and then the crossing opens to trucks.

Share this article
© 2021 The Daily Example. All rights reserved.
"""


def test_generic_page_is_cleaned_by_rules() -> None:
    article = clean_scraped_text(GENERIC_PAGE, "other/page.txt")
    assert article.title == "Ministers agree to reopen border crossing"
    assert article.published == date(2021, 5, 14)
    assert article.byline == "Jane Doe and Omar Haddad"
    assert article.dateline == "AMMAN"
    assert article.outlet == "Reuters"
    assert article.captions == [
        "Trucks queue at the crossing on Monday. (Photo by John Smith/Example Agency)"
    ]
    assert article.text.split("\n\n") == [
        "AMMAN (Reuters) - Ministers from both countries agreed on Tuesday to reopen the border crossing.",
        "Officials said the first trucks would pass next week once customs checks were in place.",
        "Traders welcomed the decision, saying months of delays had cost them dearly.",
        "Customs checks next",
        "The next steps are customs checks, officials said, and then the crossing opens to trucks.",
    ]


WIRE_PAGE = """\
World
Turkey, Russia agree ceasefire in Syria's Idlib
By Tuvan Gumrukcu and Maria Tsvetkova
4 minute read
March 5, 2020 6:38 PM UTC Updated ago
MOSCOW (Reuters) - Russian and Turkish leaders agreed on Thursday to a ceasefire in Syria.
The deal was announced after six hours of talks in the Kremlin.
Reporting by Tuvan Gumrukcu; Editing by Peter Graff
Our Standards: The Thomson Reuters Trust Principles.
"""

STANDFIRST_PAGE = """\
Skip to Content
Navigation menu
News|Syria's War
Turkey and Russia agree on Idlib ceasefire
Erdogan and Putin hold talks in Moscow as fighting in northwest Syria threatens wider war.
Published On 5 Mar 2020 5 Mar 2020
Save
Click here to share on social media
Erdogan and Putin shake hands after their talks in Moscow [Pavel Golovkin/Pool via Reuters]
Russia and Turkey have agreed a ceasefire in Syria's northwest Idlib province, Putin said.

Erdogan said Turkey reserved the right to respond to any attack
by Syrian government forces.
SOURCE: AL JAZEERA AND NEWS AGENCIES
"""


def test_wire_story_layout() -> None:
    article = clean_scraped_text(WIRE_PAGE, "wire.txt")
    assert (article.outlet, article.title, article.published, article.dateline) == (
        "Reuters",
        "Turkey, Russia agree ceasefire in Syria's Idlib",
        date(2020, 3, 5),
        "MOSCOW",
    )
    assert article.byline == "Tuvan Gumrukcu and Maria Tsvetkova"
    assert article.text == (
        "MOSCOW (Reuters) - Russian and Turkish leaders agreed on Thursday to a ceasefire in "
        "Syria.\n\nThe deal was announced after six hours of talks in the Kremlin."
    )


def test_standfirst_before_the_date_line_and_bracketed_photo_credit() -> None:
    article = clean_scraped_text(STANDFIRST_PAGE, "standfirst.txt")
    assert article.title == "Turkey and Russia agree on Idlib ceasefire"
    assert article.published == date(2020, 3, 5)
    assert article.outlet == "Al Jazeera"
    (caption,) = article.captions
    assert caption.endswith("talks in Moscow [Pavel Golovkin/Pool via Reuters]")
    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith("Erdogan and Putin hold talks in Moscow as fighting")
    assert paragraphs[1].startswith("Russia and Turkey have agreed a ceasefire in Syria's")
    assert paragraphs[2] == (
        "Erdogan said Turkey reserved the right to respond to any attack by Syrian government forces."
    )


def test_photo_caption_date_is_not_the_publication_date() -> None:
    page = (
        "Talks resume in the capital\n\n"
        "A man walks past the ministry on Feb. 28, 2016 - Example News\n"
        "(Photo by Example News)\n\n"
        "Talks resumed on Friday, officials said.\n"
    )
    article = clean_scraped_text(page, "x.txt")
    assert article.published is None
    assert article.text == "Talks resumed on Friday, officials said."


def test_page_without_article_text_raises() -> None:
    chrome_only = "Left Menu\nSubscribe\nNewsfeed\nloader\n© Copyright 2020\n"
    with pytest.raises(NotAnArticleError, match="no article text"):
        clean_scraped_text(chrome_only, "chrome.txt")
    assert issubclass(NotAnArticleError, ValueError)


def test_light_clean_keeps_sentences_and_drops_chrome() -> None:
    body = (
        "WASHINGTON  —  The bill passed.\n\nSubscribe\n\nIt now goes to the Senate,\nwhich "
        "votes next week.\n\nMore:Senate sets date for vote\n\n"
        "The vote was close. (Photo by Example)\n"
    )
    text, captions = light_clean(body)
    assert text == ("WASHINGTON — The bill passed.\n\nIt now goes to the Senate, which votes next week.")
    assert captions == ["The vote was close. (Photo by Example)"]
