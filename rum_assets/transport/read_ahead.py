"""Produce the next items of an iterator in a thread while the caller works on the current one.

Paging a day's sessions alternates waiting on the vendor with work of ours (building, hashing and
staging rows). Reading one page ahead overlaps the two: the wait for page n+1 happens while page n
is written, and the calls are still made one at a time, in order.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from typing import TypeVar, cast

T = TypeVar("T")

_DONE = object()
_POLL_S = 0.1
_JOIN_S = 120.0
"""How long closing waits for the producer's current item (an HTTP call, bounded by its timeouts)."""


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def read_ahead(items: Iterator[T], depth: int = 1, *, name: str = "read-ahead") -> Generator[T, None, None]:
    """Yield what ``items`` yields, with up to ``depth`` items produced ahead in a daemon thread.

    An exception in ``items`` is raised here when its place in the sequence is reached, after the
    items produced before it. Closing this generator early (the caller failed or stopped) stops the
    producer after its current item and closes ``items`` in the producer's thread; at most ``depth``
    items (``depth`` vendor calls) are produced that nobody uses. ``depth=0`` reads nothing ahead.
    """
    if depth < 1:
        yield from items
        return
    ready: queue.SimpleQueue[object] = queue.SimpleQueue()
    slots = threading.Semaphore(depth)
    """One per item the producer may make before the caller has taken the ones before it."""
    stop = threading.Event()

    def wait_for_slot() -> bool:
        while not stop.is_set():
            if slots.acquire(timeout=_POLL_S):
                return True
        return False

    def produce() -> None:
        try:
            while wait_for_slot():
                try:
                    item = next(items)
                except StopIteration:
                    ready.put(_DONE)
                    return
                ready.put(item)
        except BaseException as error:  # handed to the consumer, raised there
            ready.put(_Failure(error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    producer = threading.Thread(target=produce, name=name, daemon=True)
    producer.start()
    try:
        while True:
            item = ready.get()
            slots.release()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield cast(T, item)  # the queue holds the producer's items, _DONE and _Failure; both are handled above
    finally:
        stop.set()
        producer.join(_JOIN_S)
