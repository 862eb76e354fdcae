"""A bounded line for the model's prose, so that the quotes never wait behind generation.

Retrieval, evidence and verification take tens of milliseconds; the model's summary takes about a
second or more. Every ask gets its verified quotes at once; only the summary waits here, a few at a
time, and when the line is full or the wait runs out the summary is skipped with a note instead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass


class ProseSkipped(Exception):
    """The summary was not written: the line was full, or the wait ran out."""


@dataclass(frozen=True)
class Waiting:
    """A place in the line: how many asks are ahead (writing or waiting)."""

    ahead: int


class ProseQueue:
    """At most `slots` summaries written at once and at most `waiting` waiting, first come first served.

    ticket = queue.join()            # ProseSkipped at once when the line is full
    try:
        for place in queue.wait(ticket):   # a Waiting each time the number ahead changes
            ...                            # ProseSkipped when the wait runs out
        ...                                # write the summary
    finally:
        queue.leave(ticket)
    """

    def __init__(
        self, slots: int, waiting: int, max_wait_s: float, crowded: Callable[[], bool] | None = None
    ) -> None:
        self.slots = slots
        self.crowded = crowded  # when it says so, summaries are skipped: other asks need the cores
        self.waiting = waiting
        self.max_wait_s = max_wait_s
        self._changed = threading.Condition()
        self._writing: set[object] = set()
        self._line: list[object] = []

    def load(self) -> tuple[int, int]:
        """(summaries being written, asks waiting) right now."""
        with self._changed:
            return len(self._writing), len(self._line)

    def join(self) -> object:
        """A ticket at the end of the line; ProseSkipped when the line is already full, or when the
        room is so crowded that a summary would hold up other asks."""
        if self.crowded is not None and self.crowded():
            raise ProseSkipped("other asks need the machine")
        ticket = object()
        with self._changed:
            if len(self._writing) >= self.slots and len(self._line) >= self.waiting:
                raise ProseSkipped(f"{len(self._writing) + len(self._line)} summaries are ahead")
            self._line.append(ticket)
        return ticket

    def wait(self, ticket: object) -> Iterator[Waiting]:
        """Wait for a writing slot, yielding a Waiting whenever the number ahead changes."""
        deadline = time.monotonic() + self.max_wait_s
        told = -1
        while True:
            with self._changed:
                position = self._line.index(ticket)
                if position == 0 and len(self._writing) < self.slots:
                    self._line.pop(0)
                    self._writing.add(ticket)
                    self._changed.notify_all()
                    return
                ahead = len(self._writing) + position
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ProseSkipped(f"waited {self.max_wait_s:g} s with {ahead} ahead")
                if ahead == told:
                    self._changed.wait(left)
                    continue
            told = ahead
            yield Waiting(ahead)

    def leave(self, ticket: object) -> None:
        """Give up the ticket's place or slot (always call it, in a finally block)."""
        with self._changed:
            if ticket in self._line:
                self._line.remove(ticket)
            self._writing.discard(ticket)
            self._changed.notify_all()
