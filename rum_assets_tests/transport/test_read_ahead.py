"""Reading ahead keeps the order, raises where the failure is, and stops its producer when the caller stops."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from rum_assets.transport.read_ahead import read_ahead


class Source:
    """Counts what was produced, records where it ran and whether it was closed."""

    def __init__(self, count: int, fail_at: int | None = None) -> None:
        self.count, self.fail_at = count, fail_at
        self.produced = 0
        self.closed = threading.Event()
        self.threads: set[str] = set()

    def __iter__(self) -> Iterator[int]:
        try:
            for n in range(self.count):
                self.threads.add(threading.current_thread().name)
                if n == self.fail_at:
                    raise ValueError(f"item {n} is broken")
                self.produced += 1
                yield n
        finally:
            self.closed.set()


@pytest.mark.parametrize("depth", [0, 1, 3])
def test_every_item_arrives_in_order(depth: int) -> None:
    source = Source(50)
    assert list(read_ahead(iter(source), depth)) == list(range(50))
    assert source.closed.is_set()


def test_items_are_produced_in_another_thread() -> None:
    source = Source(3)
    list(read_ahead(iter(source), 1, name="pages-under-test"))
    assert source.threads == {"pages-under-test"}


def test_a_failure_is_raised_in_its_place_after_the_items_before_it() -> None:
    received: list[int] = []
    with pytest.raises(ValueError, match="item 4 is broken"):
        for item in read_ahead(iter(Source(10, fail_at=4)), 2):
            received.append(item)
    assert received == [0, 1, 2, 3]


def test_a_caller_that_stops_early_stops_the_producer_within_depth_items() -> None:
    source = Source(1_000)
    items = read_ahead(iter(source), 2)
    assert next(items) == 0
    items.close()
    assert source.closed.wait(5)
    assert source.produced <= 1 + 2  # the one used and at most two ahead


def test_a_caller_that_fails_mid_way_stops_the_producer() -> None:
    source = Source(1_000)

    def consume() -> None:
        for item in read_ahead(iter(source), 1):
            if item == 5:
                raise RuntimeError("the caller failed")

    with pytest.raises(RuntimeError, match="the caller failed"):
        consume()
    assert source.closed.wait(5)
    assert source.produced <= 6 + 1  # items 0 to 5, and one ahead
