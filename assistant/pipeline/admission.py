"""Admission: when the room is full, say "busy, try again in N s" at once instead of queueing.

Asks in flight share the machine's cores, so each progresses at about 1/n of its own speed when n
are served at once. A processor-sharing clock (advancing by dt / n while n asks are in flight)
therefore measures each ask's own service time, whatever the crowd it ran in; the recent service
time s (a moving average) and the number in flight n give the expected time of a new ask:
(n + 1) x s. Over the bound, the ask is refused, with the time the asks ahead need to drain below it.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from assistant.pipeline.request import QuestionError

# Weight of the newest ask in the moving average of service times: the last five or so asks
# dominate, so the estimate follows a change of load within seconds but one slow ask moves it little.
SERVICE_WEIGHT = 0.2


class Busy(QuestionError):
    """The assistant is answering as many questions as it can; try again after `retry_after_s`."""

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(busy_message(retry_after_s))


def busy_message(retry_after_s: int) -> str:
    """What a refused user reads."""
    unit = "second" if retry_after_s == 1 else "seconds"
    return (
        f"The assistant is busy answering other questions right now. Please try again in "
        f"{retry_after_s} {unit}."
    )


@dataclass(frozen=True)
class Load:
    """The room now: asks in flight, the recent service time per ask, and a new ask's expected time."""

    in_flight: int
    service_s: float
    expected_s: float


class Admission:
    """Counts asks in flight and refuses new ones whose expected time passes `bound_s` (0: never).

    ticket = admission.admit()      # Busy at once when the room is full
    try:
        ...                         # answer; ticket.finish() as soon as the quotes are out
    finally:
        ticket.finish()
    """

    def __init__(self, bound_s: float, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self.bound_s = bound_s
        self._clock = clock
        self._lock = threading.Lock()
        self._in_flight = 0
        self._virtual = 0.0  # the processor-sharing clock: service each ask in flight has had
        self._since = clock()
        self._service_s = 0.0
        self.admitted = 0
        self.refused = 0

    def load(self) -> Load:
        """The room now."""
        with self._lock:
            return self._load()

    def admit(self) -> Ticket:
        """A ticket for a new ask, or Busy (with the seconds to wait) when it would take too long.

        An ask is always admitted when none is in flight, so one slow ask alone is never refused.
        """
        with self._lock:
            self._refuse_when_full()
            self._advance()
            self._in_flight += 1
            self.admitted += 1
            return Ticket(self, self._virtual)

    def check(self) -> None:
        """Busy (with the seconds to wait) when a new ask would take too long; admits nothing."""
        with self._lock:
            self._refuse_when_full()

    def _refuse_when_full(self) -> None:
        """Raise Busy when a new ask's expected time passes the bound (call with the lock held)."""
        load = self._load()
        if self.bound_s and load.in_flight and load.expected_s > self.bound_s:
            self.refused += 1
            raise Busy(max(1, math.ceil(load.expected_s - self.bound_s)))

    def crowded(self, extra_s: float) -> bool:
        """True when a new ask, plus `extra_s` of other work, would pass the bound (0: never)."""
        return bool(self.bound_s) and self.load().expected_s + extra_s > self.bound_s

    def _finish(self, started: float) -> None:
        """An ask's service ends: fold its own service time into the average."""
        with self._lock:
            self._advance()
            self._in_flight -= 1
            own = self._virtual - started
            weight = SERVICE_WEIGHT if self._service_s else 1.0
            self._service_s += weight * (own - self._service_s)

    def _advance(self) -> None:
        """Move the processor-sharing clock to now (call with the lock held)."""
        now = self._clock()
        if self._in_flight:
            self._virtual += (now - self._since) / self._in_flight
        self._since = now

    def _load(self) -> Load:
        """The room now (call with the lock held)."""
        expected = (self._in_flight + 1) * self._service_s
        return Load(self._in_flight, round(self._service_s, 4), round(expected, 4))


class Ticket:
    """An admitted ask; finish() ends its service (once; later calls do nothing)."""

    def __init__(self, admission: Admission, started: float) -> None:
        self._admission = admission
        self._started = started
        self._done = False

    def finish(self) -> None:
        """End the ask's service."""
        if not self._done:
            self._done = True
            self._admission._finish(self._started)
