"""`python -m benchmarks.speakers`: who is credited with sentences of real news, against a reading by hand.

The sample: the first articles of the dev corpus (../shared/corpora/rtqa_dev/corpus.jsonl.gz),
cleaned as the indexer cleans them; from each, one sentence that holds a quotation mark or a
common reporting word (the middle one of those, so the sample is fixed), up to SAMPLE sentences.
Each is attributed exactly as an answer's quote is (speakers.surroundings, then
mentions.speaker_of over that span). The reporting words only pick the sample; the code that
credits speakers uses no word list.

`--dump` prints each sampled sentence with the sentences before and after it and today's
speaker, to be read by hand. The readings live in benchmarks/speakers_labels.json (key ->
the speaker, alternatives split by '|', or null for the outlet's own narration). Without
`--dump` the script scores today's code against them and writes benchmarks/speakers.json.
Sentences whose speaker the reading could not settle are left out of the labels.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from assistant.config import PROJECT_ROOT
from assistant.pipeline.speakers import surroundings
from assistant.scoring.mentions import mentions, speaker_of
from index.jsonl_loader import record_to_article
from index.sentences import split_sentences

CORPUS = PROJECT_ROOT.parent / "shared" / "corpora" / "rtqa_dev" / "corpus.jsonl.gz"
LABELS = Path(__file__).with_name("speakers_labels.json")
RESULTS = Path(__file__).with_name("speakers.json")
SAMPLE = 100  # sentences read by hand: enough to see each kind of miss a few times
ARTICLES = 400  # the first records read to find them
# Picks the sample only (see the module docstring).
_REPORTING = re.compile(r"[“”\"]|\b(?:said|says|told|tells|added|according|stated|asked|noted)\b")


def sampled(corpus: Path = CORPUS) -> Iterator[tuple[str, str, tuple[int, int]]]:
    """(key, article text, sentence span) for each sampled sentence."""
    count = 0
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if number >= ARTICLES or count >= SAMPLE:
                return
            try:
                article = record_to_article(json.loads(line), "dev")
            except ValueError:
                continue
            text = article.text
            spans = [s for s in split_sentences(text) if _REPORTING.search(text[s[0] : s[1]])]
            if not spans:
                continue
            span = spans[len(spans) // 2]
            count += 1
            yield f"{json.loads(line)['id']}:{span[0]}", text, span


def credited(text: str, span: tuple[int, int]) -> str | None:
    """The speaker an answer quoting this sentence would show."""
    first, last = surroundings(text, *span)
    return speaker_of(mentions(text[first:last]), span[0] - first, span[1] - first)


def neighbours(text: str, span: tuple[int, int]) -> tuple[str, str]:
    """The sentences just before and after a span (within the article)."""
    spans = split_sentences(text)
    index = spans.index(span) if span in spans else -1
    before = text[slice(*spans[index - 1])] if index > 0 else ""
    after = text[slice(*spans[index + 1])] if 0 <= index < len(spans) - 1 else ""
    return before, after


def right(found: str | None, label: str | None) -> bool:
    """True when the credited speaker is the one read by hand: any of its alternatives, where '-'
    accepts crediting nobody (an unnamed source: 'according to an FAA spokesperson')."""
    alternatives = {a.strip().casefold() for a in (label or "-").split("|")}
    return (found or "-").casefold() in alternatives


def score(rows: list[dict[str, str | None]], labels: dict[str, dict[str, str | None]]) -> dict[str, object]:
    """Right attributions and the kinds of wrong ones, over the labelled rows."""
    kinds: Counter[str] = Counter()
    misses = []
    for row in rows:
        label = labels.get(str(row["key"]))
        if label is None:
            kinds["unlabelled"] += 1
            continue
        if right(row["speaker"], label["speaker"]):
            kinds["right"] += 1
            continue
        kind = _kind(row["speaker"], label["speaker"])
        kinds[kind] += 1
        misses.append({"key": row["key"], "credited": row["speaker"], "read": label["speaker"], "kind": kind})
    labelled = sum(n for k, n in kinds.items() if k != "unlabelled")
    return {"sentences": len(rows), "labelled": labelled, "kinds": dict(kinds), "misses": misses}


def _kind(found: str | None, label: str | None) -> str:
    """'nobody credited', 'credited where the outlet narrates', 'a description credited' ('the
    statement', 'some users') or 'another speaker credited'."""
    if found is None:
        return "nobody credited"
    if label is None or label.startswith("-"):
        return "credited where the outlet narrates"
    if found[:1].islower():
        return "a description credited"
    return "another speaker credited"


def main(argv: list[str] | None = None) -> int:
    """Dump the sample for reading, or score it against the readings."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speakers", description=__doc__)
    parser.add_argument("--dump", action="store_true", help="print the sample with today's speakers")
    args = parser.parse_args(argv)
    rows = []
    for key, text, span in sampled():
        before, after = neighbours(text, span)
        row = {"key": key, "sentence": text[slice(*span)], "before": before, "after": after}
        row["speaker"] = credited(text, span)
        rows.append(row)
        if args.dump:
            print(json.dumps(row, ensure_ascii=False))
    if args.dump:
        return 0
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    found = score(rows, labels)
    RESULTS.write_text(json.dumps(found, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    kinds = found["kinds"]
    print(f"{kinds.get('right', 0)} of {found['labelled']} right; {kinds}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
