"""Where the time of a warm ask() goes: wall time per named step, and inside retrieval per store call.

ask()'s steps time themselves: every Answer carries the milliseconds of each step
(`Answer.timings`, the trace of assistant/pipeline/state.py), and `StageTimer.recording` adds them up.
Inside one step, retrieval, the store's calls are timed by wrappers installed on one Engine's
store in a benchmark process only. Times are exclusive: a stage nested in another is not counted
twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any


class StageTimer:
    """Accumulates exclusive wall time per stage name across nested, timed calls."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._stack: list[list[float]] = []  # [start, time spent in nested stages]

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Return fn timed under `name`."""

        def timed(*args: Any, **kwargs: Any) -> Any:
            self._enter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._exit(name)

        return timed

    def wrap_iterator(self, name: str, fn: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
        """Return fn (a generator function) with the time spent producing each item timed."""

        def timed(*args: Any, **kwargs: Any) -> Iterator[Any]:
            iterator = iter(fn(*args, **kwargs))
            while True:
                self._enter()
                try:
                    item = next(iterator)
                except StopIteration:
                    return
                finally:
                    self._exit(name)
                yield item

        return timed

    def add_steps(self, timings: Mapping[str, float]) -> None:
        """Add one Answer's step timings (milliseconds per named step, as in Answer.timings)."""
        for name, ms in timings.items():
            self.seconds[name] = self.seconds.get(name, 0.0) + ms / 1000
            self.calls[name] = self.calls.get(name, 0) + 1

    def recording(self, ask: Callable[..., Any]) -> Callable[..., Any]:
        """Return ask() with the step timings of every Answer it returns added to this timer."""

        def recorded(*args: Any, **kwargs: Any) -> Any:
            answer = ask(*args, **kwargs)
            self.add_steps(answer.timings)
            return answer

        return recorded

    def _enter(self) -> None:
        self._stack.append([self.clock(), 0.0])

    def _exit(self, name: str) -> None:
        start, nested = self._stack.pop()
        elapsed = self.clock() - start
        self.seconds[name] = self.seconds.get(name, 0.0) + elapsed - nested
        self.calls[name] = self.calls.get(name, 0) + 1
        if self._stack:
            self._stack[-1][1] += elapsed

    def reset(self) -> None:
        """Forget what was measured so far."""
        self.seconds.clear()
        self.calls.clear()

    def totals(self, total_s: float, other: str = "other") -> list[dict[str, Any]]:
        """Seconds and share of the total per stage, largest first, plus the unaccounted rest."""
        rows = [{"stage": name, "seconds": s} for name, s in self.seconds.items()]
        rows.append({"stage": other, "seconds": max(0.0, total_s - sum(self.seconds.values()))})
        rows.sort(key=lambda row: -row["seconds"])
        return [
            {
                "stage": r["stage"],
                "seconds": round(r["seconds"], 2),
                "share": round(r["seconds"] / total_s, 3) if total_s else 0.0,
            }
            for r in rows
        ]

    def breakdown(
        self, total_s: float, asks: int, other: str = "other (rewrite, scoring, selection)"
    ) -> list[dict[str, Any]]:
        """Per-stage mean milliseconds per ask and share of the total, largest first, plus 'other'."""
        rows = [
            {"stage": name, "ms_per_ask": s * 1000 / max(asks, 1), "share": s / total_s if total_s else 0.0}
            for name, s in self.seconds.items()
        ]
        rest = total_s - sum(self.seconds.values())
        rows.append(
            {
                "stage": other,
                "ms_per_ask": rest * 1000 / max(asks, 1),
                "share": rest / total_s if total_s else 0.0,
            }
        )
        rows.sort(key=lambda row: -row["ms_per_ask"])
        for row in rows:
            row["ms_per_ask"] = round(row["ms_per_ask"], 1)
            row["share"] = round(row["share"], 3)
        return rows


def instrument_build(store: Any, timer: StageTimer) -> None:
    """Time the steps of index.build.build_index for one store: load, chunk, embed, store, commit."""
    import index.build as build_module

    if not getattr(build_module.load_paths, "_bench_timed", False):
        for name, label in (
            ("load_paths", "load + clean files"),
            ("strip_site_repetition", "lines repeated across a site (boilerplate)"),
            ("chunk_article", "chunk"),
            ("_commit", "commit (BM25 build, fsync, purge)"),
        ):
            timed = timer.wrap(label, getattr(build_module, name))
            timed._bench_timed = True  # type: ignore[attr-defined]
            setattr(build_module, name, timed)
    store.embedder.embed_batch = timer.wrap("embedding", store.embedder.embed_batch)
    store.upsert_chunks = timer.wrap("Chroma upsert", store.upsert_chunks)
    store.catalog.add = timer.wrap("catalog add (SQLite)", store.catalog.add)


def instrument_retrieval(engine: Any, timer: StageTimer) -> None:
    """Time the store calls of one Engine's retrieval: embedding, dense and BM25 search, fetches."""
    store = engine.store
    embedder = store.embedder
    embedder.embed_batch = timer.wrap("embedding (MiniLM)", embedder.embed_batch)
    store.dense_search = timer.wrap("dense search (Chroma)", store.dense_search)
    store.lexical_search = timer.wrap("BM25 search", store.lexical_search)
    store.chunks = timer.wrap("chunk fetch (catalog)", store.chunks)
    store.catalog.get_articles = timer.wrap("article fetch (catalog)", store.catalog.get_articles)
