"""Scale corpora: slices of the real distractor articles, topped up with synthetic ones.

A synthetic article recombines runs of consecutive sentences from real articles into a body of a
realistic length (drawn from the real length distribution), under a made-up but plausible outlet,
headline, byline and date. Article i depends only on (seed, i), so the first N articles of a large
corpus are exactly the N-article corpus. Corpora are written to a temporary folder, never committed.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import random
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import PROJECT_ROOT
from index.sentences import split_sentences

REAL_CORPUS = PROJECT_ROOT.parent / "shared" / "corpora" / "news_distractors_3k.jsonl.gz"
FIELDS = ("id", "url", "outlet", "title", "published_at", "authors", "body")

OUTLETS = (
    ("Harbor City Herald", 30),
    ("The Midland Courier", 18),
    ("Riverside Tribune", 12),
    ("Northgate Post", 9),
    ("Capital Ledger", 7),
    ("Pacific Observer", 6),
    ("Lakeshore Gazette", 5),
    ("Summit Daily Times", 4),
    ("Eastbrook Chronicle", 3),
    ("The Valley Sentinel", 3),
    ("Metro Dispatch", 2),
    ("Coastal Record", 1),
)
FIRST_NAMES = (
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Isabel",
    "James",
    "Kofi",
    "Laura",
    "Marco",
    "Nadia",
    "Owen",
    "Priya",
    "Quinn",
    "Rosa",
    "Samuel",
    "Tara",
    "Umar",
    "Vera",
)
LAST_NAMES = (
    "Adams",
    "Becker",
    "Chen",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ivanova",
    "Jensen",
    "Khan",
    "Lopez",
    "Moreau",
    "Novak",
    "Okafor",
    "Patel",
    "Reyes",
    "Silva",
    "Tanaka",
    "Walsh",
)
_WORD = re.compile(r"\w+")
_ENDINGS = '.!?"”’'
_TITLE_SUFFIX = re.compile(r"\s*(?:\.\.\.|…|\s[-|]\s.*)$")


def read_records(path: Path = REAL_CORPUS, limit: int | None = None) -> list[dict[str, Any]]:
    """Read article records from a JSON lines file (gzipped or not), the first `limit` of them."""
    opener = gzip.open if path.name.endswith(".gz") else open
    records: list[dict[str, Any]] = []
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                records.append(json.loads(line))
                if limit is not None and len(records) >= limit:
                    break
    return records


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> int:
    """Write records as JSON lines; return how many were written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


@dataclass
class SentencePool:
    """Sentences of real articles, grouped by article, with their body lengths and headlines."""

    articles: list[list[str]]
    lengths: list[int]
    titles: list[str]
    dates: list[date]

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]]) -> SentencePool:
        """Split real article bodies into sentences (keeping those of ordinary prose length)."""
        articles, lengths, titles, dates = [], [], [], []
        for record in records:
            body = str(record.get("body") or "")
            spans = (body[start:end] for start, end in split_sentences(body))
            sentences = [s for s in spans if 40 <= len(s) <= 400 and s[-1] in _ENDINGS and "\n" not in s]
            if len(sentences) >= 3:
                articles.append(sentences)
                lengths.append(len(body))
            title = _TITLE_SUFFIX.sub("", str(record.get("title") or "")).strip()
            if len(title.split()) >= 4:
                titles.append(title)
            with contextlib.suppress(ValueError):
                dates.append(date.fromisoformat(str(record.get("published_at"))[:10]))
        if not articles or not titles:
            raise ValueError("no usable articles to build synthetic ones from")
        return cls(articles, lengths, titles, dates or [date(2022, 1, 1)])


def synthetic_article(pool: SentencePool, index: int, seed: int = 0) -> dict[str, Any]:
    """The index-th synthetic article: recombined real sentences under made-up metadata."""
    rng = random.Random(f"{seed}:{index}")
    target = max(800, min(20_000, rng.choice(pool.lengths)))
    paragraphs: list[str] = []
    size = 0
    while size < target:
        source = rng.choice(pool.articles)
        start = rng.randrange(len(source))
        run = source[start : start + rng.randint(1, 3)]
        paragraph = " ".join(run)
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    outlet = rng.choices([o for o, _ in OUTLETS], weights=[w for _, w in OUTLETS])[0]
    title = _headline(rng, pool.titles)
    published = rng.choice(pool.dates) + timedelta(days=rng.randint(-400, 400))
    authors = [
        f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(rng.choice((0, 1, 1, 1, 2)))
    ]
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]
    outlet_slug = re.sub(r"[^a-z0-9]+", "", outlet.lower())
    return {
        "id": f"syn{seed}-{index:07d}",
        "url": f"https://{outlet_slug}.example/{published.isoformat()}/{slug}-{index}",
        "outlet": outlet,
        "title": title,
        "published_at": published.isoformat(),
        "authors": authors,
        "body": "\n\n".join(paragraphs),
    }


def synthetic_articles(pool: SentencePool, count: int, seed: int = 0, start: int = 0) -> Iterator[dict]:
    """Synthetic articles start .. start+count-1."""
    for index in range(start, start + count):
        yield synthetic_article(pool, index, seed)


def build_corpus(size: int, folder: Path, source: Path = REAL_CORPUS, seed: int = 0) -> list[Path]:
    """Write a corpus of `size` articles: the first real ones, then synthetic ones; return its files."""
    if size < 1:
        raise ValueError("a corpus needs at least one article")
    real = read_records(source)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    real_path = folder / f"real-{min(size, len(real))}.jsonl"
    write_jsonl(real_path, real[:size])
    files.append(real_path)
    extra = size - len(real)
    if extra > 0:
        synthetic_path = folder / f"synthetic-{extra}.jsonl"
        write_jsonl(synthetic_path, synthetic_articles(SentencePool.from_records(real), extra, seed))
        files.append(synthetic_path)
    return files


def _headline(rng: random.Random, titles: list[str]) -> str:
    """A plausible headline: the start of one real headline joined to the end of another."""
    first = rng.choice(titles).split()
    second = rng.choice(titles).split()
    cut_a = rng.randint(2, max(2, len(first) - 1))
    cut_b = rng.randint(1, max(1, len(second) - 2))
    words = first[:cut_a] + second[cut_b:]
    return " ".join(words[:14]).rstrip(",;:") or " ".join(first)


class ProxyEmbedder:
    """Cheap stand-in vectors for scale runs too big to embed with MiniLM in the time allowed.

    Hashed bag-of-words vectors of MiniLM's size (384): Chroma's index and search cost the same.
    When `real` is given, each call also runs the real model on the texts and throws its vectors
    away, so query latency and memory still include MiniLM; indexing throughput does not.
    """

    name = "proxy-hash-384"
    dimension = 384

    def __init__(self, real: Any = None) -> None:
        self.real = real

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """Return one normalised hashed vector per text (after running the real model, if any)."""
        if self.real is not None and texts:
            self.real.embed_batch(texts)
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            slots = [zlib.crc32(word.encode()) % self.dimension for word in _WORD.findall(text.lower())]
            if slots:
                np.add.at(rows[row], slots, 1.0)
                rows[row] /= np.linalg.norm(rows[row])
            else:
                rows[row, 0] = 1.0
        return rows
