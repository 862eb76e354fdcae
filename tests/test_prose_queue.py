"""The summary line: slots, a bounded wait, places reported, and nothing leaked."""

from __future__ import annotations

import threading

import pytest

from assistant.pipeline.prose_queue import ProseQueue, ProseSkipped, Waiting


def test_a_free_slot_is_taken_without_waiting() -> None:
    queue = ProseQueue(slots=1, waiting=2, max_wait_s=1.0)
    ticket = queue.join()
    assert list(queue.wait(ticket)) == []
    assert queue.load() == (1, 0)
    queue.leave(ticket)
    assert queue.load() == (0, 0)


def test_a_full_line_turns_the_next_ask_away_at_once() -> None:
    queue = ProseQueue(slots=1, waiting=1, max_wait_s=1.0)
    writing = queue.join()
    list(queue.wait(writing))
    queue.join()  # waits
    with pytest.raises(ProseSkipped, match="2 summaries are ahead"):
        queue.join()


def test_a_wait_that_runs_out_is_skipped_and_gives_its_place_back() -> None:
    queue = ProseQueue(slots=1, waiting=3, max_wait_s=0.05)
    writing = queue.join()
    list(queue.wait(writing))
    late = queue.join()
    places = []
    with pytest.raises(ProseSkipped, match="waited"):
        for place in queue.wait(late):
            places.append(place)
    queue.leave(late)
    assert places == [Waiting(ahead=1)]
    assert queue.load() == (1, 0)


def test_waiting_asks_are_served_in_order_as_slots_free_up() -> None:
    queue = ProseQueue(slots=1, waiting=5, max_wait_s=10.0)
    first = queue.join()
    list(queue.wait(first))
    served: list[str] = []
    seen: dict[str, list[int]] = {"second": [], "third": []}

    def ask(name: str, ticket: object) -> None:
        for place in queue.wait(ticket):
            seen[name].append(place.ahead)
        served.append(name)
        queue.leave(ticket)

    threads = [threading.Thread(target=ask, args=(name, queue.join())) for name in ("second", "third")]
    for thread in threads:
        thread.start()
    while not (seen["second"] and seen["third"]):  # both told their place before the slot frees
        threading.Event().wait(0.001)
    queue.leave(first)
    for thread in threads:
        thread.join(5)
    assert served == ["second", "third"]
    assert seen["second"] == [1]
    third = seen["third"]  # 2 ahead, then 1 unless the second was already done when it looked
    assert third[0] == 2 and third == sorted(third, reverse=True) and set(third) <= {1, 2}
    assert queue.load() == (0, 0)


def test_a_crowded_room_skips_the_summary_at_once() -> None:
    room = {"crowded": True}
    queue = ProseQueue(slots=1, waiting=2, max_wait_s=1.0, crowded=lambda: room["crowded"])
    with pytest.raises(ProseSkipped, match="other asks"):
        queue.join()
    assert queue.load() == (0, 0)
    room["crowded"] = False
    queue.leave(queue.join())
