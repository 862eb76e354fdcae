"""Admission: a full room says 'busy, try again in N s' at once; asks alone are always served."""

from __future__ import annotations

import pytest

from assistant.pipeline.admission import Admission, Busy


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def served(admission: Admission, clock: Clock, seconds: float) -> None:
    """One ask served alone for `seconds`."""
    ticket = admission.admit()
    clock.now += seconds
    ticket.finish()


def test_an_ask_alone_is_served_however_slow_the_last_one_was() -> None:
    clock = Clock()
    admission = Admission(bound_s=3.0, clock=clock)
    served(admission, clock, 10.0)
    assert admission.load().expected_s == 10.0
    admission.admit().finish()
    assert admission.refused == 0


def test_a_full_room_says_busy_with_the_seconds_until_it_drains() -> None:
    clock = Clock()
    admission = Admission(bound_s=3.0, clock=clock)
    served(admission, clock, 1.0)
    held = [admission.admit(), admission.admit()]  # a third ask would take 3 x 1 s: still served
    held.append(admission.admit())
    with pytest.raises(Busy) as refused:  # a fourth: 4 x 1 s, one second over the bound
        admission.admit()
    assert refused.value.retry_after_s == 1
    assert "busy" in str(refused.value) and "try again in 1 second." in str(refused.value)
    with pytest.raises(Busy):
        admission.check()
    assert admission.refused == 2 and admission.load().in_flight == 3
    for ticket in held:
        ticket.finish()
        ticket.finish()  # finishing twice frees one place only
    assert admission.load().in_flight == 0


def test_service_time_is_each_asks_share_of_the_machine() -> None:
    clock = Clock()
    admission = Admission(bound_s=3.0, clock=clock)
    first, second = admission.admit(), admission.admit()
    clock.now += 2.0  # two asks side by side for two seconds: one second of the machine each
    first.finish()
    assert admission.load().service_s == 1.0
    second.finish()
    assert admission.load().service_s == 1.0


def test_no_bound_never_refuses() -> None:
    clock = Clock()
    admission = Admission(bound_s=0.0, clock=clock)
    served(admission, clock, 5.0)
    tickets = [admission.admit() for _ in range(50)]
    assert admission.refused == 0 and not admission.crowded(10.0)
    for ticket in tickets:
        ticket.finish()


def test_crowded_counts_other_work_against_the_bound() -> None:
    clock = Clock()
    admission = Admission(bound_s=3.0, clock=clock)
    served(admission, clock, 0.5)
    assert not admission.crowded(2.0)  # 0.5 s for the next ask + 2 s: within 3 s
    assert admission.crowded(3.0)
