"""`python -m benchmarks.source` (make bench-source): does find_source name the right article first?

Sentences are drawn reproducibly (fixed seed) from the dev corpus articles as cleaned by the
indexer; each is looked up verbatim and with every seventh word dropped, through find_source's
production path over a shingle index built from those same articles (no embeddings are needed).
A lookup is right when the first match is the sentence's article or lists it as a syndicated copy;
the results go to benchmarks/source.json and a section of benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.config import PROJECT_ROOT
from assistant.retrieval.source import EQUAL_COVERAGE, SourceMatch, find_source
from benchmarks.measure import latency_summary, machine_info, now_iso
from index.loaders import load_paths
from index.models import Article
from index.passages import PassageIndex
from index.sentences import split_sentences
from index.store import CATALOG_FILE, IndexStore

DEV_CORPUS = PROJECT_ROOT.parent / "shared" / "corpora" / "rtqa_dev" / "corpus.jsonl.gz"
OUT_DIR = PROJECT_ROOT / "benchmarks"
SEED = 20261203  # fixed, so every run draws the same sentences
SENTENCES = 200  # the sample size
MIN_WORDS = 8  # shorter "sentences" (datelines, photo credits) are not passages anyone traces
DROP_EVERY = 7  # the perturbed variant drops every seventh word
TARGET = 0.99  # share right first that the issue asks for
SECTION = "source benchmark"  # names the results.md section; "... on an index" for --index-dir runs
SECTION_START = f"<!-- {SECTION}: start -->"
SECTION_END = f"<!-- {SECTION}: end -->"


def draw_sentences(articles: list[Article], count: int, seed: int) -> list[tuple[Article, str]]:
    """`count` (article, sentence) pairs: a random article, then one of its longer sentences."""
    rng = random.Random(seed)
    drawn: list[tuple[Article, str]] = []
    pool = sorted(articles, key=lambda a: a.id)
    while len(drawn) < count:
        article = rng.choice(pool)
        sentences = [article.text[s:e] for s, e in split_sentences(article.text)]
        long = [s for s in sentences if len(s.split()) >= MIN_WORDS]
        if long:
            drawn.append((article, rng.choice(long)))
    return drawn


def drop_words(sentence: str, every: int = DROP_EVERY) -> str:
    """The sentence with every `every`-th word dropped."""
    return " ".join(w for i, w in enumerate(sentence.split(), start=1) if i % every)


def is_right(matches: list[SourceMatch], article_id: str) -> bool:
    """True when the first match is the article or lists it among its syndicated copies."""
    if not matches:
        return False
    first = matches[0]
    return first.article_id == article_id or any(c.article_id == article_id for c in first.copies)


def earlier_holder(matches: list[SourceMatch], article: Article) -> bool:
    """True when the first match is another article with the same words published no later, and
    the drawn article is found as an equally good match (the sentence was printed before)."""
    first = matches[0] if matches else None
    if first is None or article.published is None or first.published is None:
        return False
    found = next((m for m in matches if m.article_id == article.id), None)
    return (
        found is not None
        and found.coverage >= first.coverage - EQUAL_COVERAGE
        and first.published <= article.published
    )


def printed_once(articles: list[Article], drawn: list[tuple[Article, str]]) -> list[bool]:
    """For each drawn sentence: True when no other article prints its words in that order (case,
    punctuation and spacing aside), so the drawn article is its only possible source."""
    texts = [(a.id, _words(a.text)) for a in articles]
    flags = []
    for article, sentence in drawn:
        words = _words(sentence)
        flags.append(not any(words in text for article_id, text in texts if article_id != article.id))
    return flags


def _words(text: str) -> str:
    """The text's words, lower-cased, one space apart and padded, for whole-word containment."""
    return " " + " ".join(re.findall(r"\w+", text.lower())) + " "


def measure(
    passages: PassageIndex, drawn: list[tuple[Article, str]], perturb: bool, once: list[bool]
) -> dict[str, Any]:
    """Right-first shares, exact share and latency over the drawn sentences (one variant)."""
    right, earlier, exact, latencies, misses = 0, 0, 0, [], []
    once_right = 0
    for (article, sentence), unique in zip(drawn, once, strict=True):
        text = drop_words(sentence) if perturb else sentence
        started = time.perf_counter()
        matches = find_source(text, passages=passages)
        latencies.append((time.perf_counter() - started) * 1000)
        if is_right(matches, article.id):
            right += 1
            once_right += unique
            exact += matches[0].exact
            continue
        earlier += earlier_holder(matches, article)
        first = matches[0] if matches else None
        misses.append(
            {
                "sentence": sentence[:160],
                "article": article.source,
                "published": str(article.published),
                "first": first.source if first else None,
                "first_published": str(first.published) if first else None,
                "printed_earlier": earlier_holder(matches, article),
            }
        )
    n = len(drawn)
    return {"right_first": right, "earlier_first": earlier, "n": n, "share": round(right / n, 4),
            "share_with_earlier": round((right + earlier) / n, 4), "exact_flagged": exact,
            "once_n": sum(once), "once_right_first": once_right,
            "once_share": round(once_right / max(sum(once), 1), 4),
            "latency": latency_summary(latencies), "misses": misses}  # fmt: skip


def from_index(index_dir: Path, scratch: Path) -> tuple[PassageIndex, list[Article]]:
    """The production path on a built index: IndexStore.passages() over a snapshot of its catalog,
    copied with SQLite's backup API so the index itself is only ever read; and its articles."""
    source = sqlite3.connect(f"file:{index_dir / CATALOG_FILE}?mode=ro", uri=True)
    target = sqlite3.connect(scratch / CATALOG_FILE)
    with target:
        source.backup(target)
    source.close()
    target.close()
    if (index_dir / "passages").is_dir():  # the passage tables its commits wrote, read in place
        (scratch / "passages").symlink_to((index_dir / "passages").resolve(), target_is_directory=True)
    store = IndexStore(scratch, embedder=None)  # type: ignore[arg-type]  # passages() never embeds
    passages = store.passages()
    articles = store.articles(with_text=True)
    store.close()
    return passages, articles


def run(corpus: Path, count: int, seed: int, index_dir: Path | None = None) -> dict[str, Any]:
    """Load the articles (cleaned corpus, or a built index), build the shingle index, measure."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        if index_dir is not None:
            passages, articles = from_index(index_dir, Path(scratch))
            loaded = started
        else:
            articles = load_paths([corpus]).articles
            loaded = time.perf_counter()
            passages = PassageIndex.of(articles)
    built = time.perf_counter()
    drawn = draw_sentences(articles, count, seed)
    once = printed_once(articles, drawn)
    return {
        "date": now_iso(),
        "machine": machine_info(),
        "from_index": index_dir is not None,
        "corpus": f"the built index `{index_dir.name}/`" if index_dir else f"`../{_relative(corpus)}`",
        "articles": len(articles),
        "seed": seed,
        "load_s": round(loaded - started, 1),
        "build_s": round(built - loaded, 1),
        "verbatim": measure(passages, drawn, perturb=False, once=once),
        "dropped": measure(passages, drawn, perturb=True, once=once),
    }  # fmt: skip


def _section(results: dict[str, Any]) -> str:
    """The section's name: one for corpus runs, one for runs over a built index."""
    return f"{SECTION} on an index" if results.get("from_index") else SECTION


def render(results: dict[str, Any]) -> str:
    """The Markdown section for benchmarks/results.md."""
    on_index = bool(results.get("from_index"))
    lines = [
        f"<!-- {_section(results)}: start -->",
        "## Where a passage comes from"
        + (", through a built index (`IndexStore.passages()`)" if on_index else "")
        + " (`find_source`, `make bench-source`)",
        "",
        f"{results['verbatim']['n']} sentences of at least {MIN_WORDS} words drawn "
        f"with seed {results['seed']} from the {results['articles']:,} cleaned articles of "
        f"{results['corpus']}, measured {results['date']} on {results['machine'].get('cores', '?')} "
        f"cores, through find_source over a shingle index built from those articles (loading "
        f"{results['load_s']} s, the shingle index {results['build_s']} s). *Drawn article first*: the "
        f"first match is the sentence's article or lists it as a syndicated copy (issue target ≥ "
        f"{TARGET:.0%}). *Or printed earlier*: also counts a first match that is another article "
        f"holding the same words, published no later, with the drawn article found as an equally "
        f"good match (find_source credits the earliest publication by design). *Printed once*: "
        f"the drawn article first, among the sentences that no other article prints word for word "
        f"(their only possible source).",
        "",
        "| passage | drawn article first | or printed earlier | printed once | p50 | p95 |",
        "|---|---|---|---|---|---|",
    ]
    for key, label in (("verbatim", "verbatim"), ("dropped", f"every {DROP_EVERY}th word dropped")):
        row = results[key]
        lat = row["latency"]
        lines.append(
            f"| {label} | {row['share']:.1%} ({row['right_first']}/{row['n']}) "
            f"| {row['share_with_earlier']:.1%} ({row['right_first'] + row['earlier_first']}/{row['n']}) "
            f"| {row['once_share']:.1%} ({row['once_right_first']}/{row['once_n']}) "
            f"| {lat['p50_ms']} ms | {lat['p95_ms']} ms |"
        )
    misses = results["verbatim"]["misses"] + results["dropped"]["misses"]
    if misses:
        lines += [
            "",
            "Sentences whose drawn article was not first (drawn article, date -> first match, date):",
        ]
        lines += [
            f"- “{m['sentence']}” ({_short(m['article'])}, {m['published']} -> {_short(m['first'])}, "
            f"{m['first_published']}{'; printed earlier' if m['printed_earlier'] else ''})"
            for m in misses[:12]
        ]
    lines.append(f"<!-- {_section(results)}: end -->")
    return "\n".join(lines) + "\n"


def _relative(path: Path) -> str:
    """A path relative to the folder above the project (as ../shared/... is named), else as given."""
    base = PROJECT_ROOT.parent
    return str(path.resolve().relative_to(base)) if path.resolve().is_relative_to(base) else str(path)


def _short(source: str | None) -> str:
    """A corpus source as its line ('#3077'), or the source itself."""
    return "#" + source.rsplit("#", 1)[1] if source and "#" in source else str(source)


def write(results: dict[str, Any], folder: Path = OUT_DIR) -> None:
    """Write source.json (source-index.json) and replace (or append) its section in results.md."""
    stem = "source-index" if results.get("from_index") else "source"
    (folder / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    path = folder / "results.md"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    name = re.escape(_section(results))
    pattern = re.compile(f"<!-- {name}: start -->.*?<!-- {name}: end -->\n?", re.S)
    section = render(results)
    updated = (
        pattern.sub(lambda _: section, current)
        if pattern.search(current)
        else current.rstrip() + "\n\n" + section
    )
    path.write_text(updated, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its results."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.source", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEV_CORPUS, help="JSON lines of articles")
    parser.add_argument("--sentences", type=int, default=SENTENCES)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--index-dir",
        type=Path,
        help="draw from a built index instead (its catalog is copied, never written)",
    )
    args = parser.parse_args(argv)
    results = run(args.corpus, args.sentences, args.seed, args.index_dir)
    write(results)
    print(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
