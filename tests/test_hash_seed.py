"""Answers do not depend on Python's hash seed: nothing on the answer path breaks a tie by the
order a set happens to be iterated in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.retrieval.question import correct
from index.store import IndexStore
from index.windows import pack_vector
from tests.conftest import ROOT

# Two articles whose terms 'pilot' and 'pint' are each one edit from the question's unknown 'pilt'.
ARTICLES = [
    {
        "id": "plane",
        "url": "https://example.org/plane",
        "outlet": "Harbour Times",
        "title": "Pilot lands crippled plane on a field",
        "published_at": "2021-03-02",
        "body": (
            "A pilot landed a crippled cargo plane on a farm field on Monday after both engines "
            "failed over the valley.\n\nThe pilot said the crew had followed the emergency checklist "
            "and that nobody on the ground was hurt.\n\nInvestigators will examine the engines this "
            "week, the aviation authority said."
        ),
    },
    {
        "id": "pub",
        "url": "https://example.org/pub",
        "outlet": "Valley Herald",
        "title": "Pub raises the price of a pint",
        "published_at": "2021-03-04",
        "body": (
            "A village pub raised the price of a pint of ale to six pounds on Thursday, blaming "
            "higher energy bills.\n\nThe landlord said a pint had cost five pounds for three years "
            "and that regulars had taken the news calmly.\n\nThe brewery supplying the pub said its "
            "own costs had risen by a fifth."
        ),
    },
]
QUESTION = "What happened to the pilt on the weekend?"
# Hash seeds under which the two terms' set order differed before ties were broken by name.
HASH_SEEDS = ("0", "1")


class _Ordered(frozenset):  # type: ignore[type-arg]
    """A vocabulary iterated in a chosen order, as a set may be under another hash seed."""

    def __new__(cls, terms: list[str]) -> _Ordered:
        made = super().__new__(cls, terms)
        made.order = list(terms)  # type: ignore[attr-defined]
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self.order)  # type: ignore[attr-defined]


def test_a_correction_between_equally_near_terms_does_not_depend_on_set_order() -> None:
    terms = ["pint", "pilot", "plane"]
    found = {correct("pilt", _Ordered(order)) for order in (terms, terms[::-1])}
    assert len(found) == 1


def test_equally_near_chunks_rank_the_same_whatever_order_the_catalog_gives_them() -> None:
    copy, other = pack_vector(np.asarray([1.0, 0.0, 0.0])), pack_vector(np.asarray([0.0, 1.0, 0.0]))
    rows = [("c3", "wire-3", 0, 1, copy), ("c1", "wire-1", 0, 1, copy), ("c9", "own", 0, 1, other)]
    rows += [("c2", "wire-2", 0, 1, copy)]
    query = np.asarray([1.0, 0.2, 0.0], dtype=np.float32)
    found = [
        [hit.chunk_id for hit in IndexStore._exact_nearest(query, order, 3)] for order in (rows, rows[::-1])
    ]
    assert found[0] == found[1]


def _ask(index_dir: Path, hash_seed: str) -> dict[str, object]:
    """The JSON Answer of the command line's ask, in a new process with this hash seed."""
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "--llm", "extractive", "--json", QUESTION],
        cwd=ROOT,
        env={
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "PYTHONHASHSEED": hash_seed,
            "ASSISTANT_INDEX_DIR": str(index_dir),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout)
    return {key: answer[key] for key in ("text", "refused", "closest", "retrieved", "answerability")}


@pytest.mark.integration
def test_the_same_question_gets_the_same_answer_under_any_hash_seed(tmp_path: Path, minilm) -> None:  # type: ignore[no-untyped-def]
    from index.build import build_index
    from index.store import IndexStore

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES), encoding="utf-8")
    store = IndexStore(tmp_path / "index", minilm)
    build_index(store, [corpus], root=tmp_path, progress=False)
    store.close()
    first, *others = [_ask(tmp_path / "index", seed) for seed in HASH_SEEDS]
    assert all(other == first for other in others)
