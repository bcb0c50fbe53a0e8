"""Fetching many session details concurrently, in the caller's priority order (v1 and v3 alike).

At most ``max_in_flight`` requests run at once (a thread pool over the client's shared
``httpx.Client``); each still passes the ledger and the rate limiter, so concurrency buys latency
hiding, never more than the vendor allows. A failure of one id (unknown session, bad payload) is
reported for that id and the rest go on; a spent budget or a rate limit we may not wait out stops
everything at once: nothing new starts, what already finished is yielded, then the error is raised.
``stop_on`` adds errors that stop the batch the same way (v1 stops on refused credentials: every
further id would fail alike and spend a call).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from threading import Event
from typing import Generic, TypeVar

from rum_assets.transport.errors import RateLimitedError, VendorError

DetailT = TypeVar("DetailT")


@dataclass(frozen=True)
class DetailOutcome(Generic[DetailT]):
    session_id: str
    detail: DetailT | None
    error: VendorError | None = None


class _Skipped(Exception):
    """The batch stopped before this id's turn: no call was made for it."""


def fetch_concurrently(
    fetch: Callable[[str], DetailT],
    ids: Sequence[str],
    *,
    max_in_flight: int,
    stop_on: tuple[type[VendorError], ...] = (),
    thread_name_prefix: str = "raygun-v3-details",
) -> Iterator[DetailOutcome[DetailT]]:
    if max_in_flight < 1:
        raise ValueError(f"max_in_flight must be at least 1, not {max_in_flight}")
    stop = Event()

    stoppers: tuple[type[VendorError], ...] = (RateLimitedError, *stop_on)

    def task(session_id: str) -> DetailT:
        if stop.is_set():
            raise _Skipped
        try:
            return fetch(session_id)
        except stoppers:
            stop.set()
            raise

    queued_ahead = 2 * max_in_flight
    remaining = iter(ids)
    pending: deque[tuple[str, Future[DetailT]]] = deque()
    pool = ThreadPoolExecutor(max_workers=max_in_flight, thread_name_prefix=thread_name_prefix)
    stopped_by: VendorError | None = None
    try:

        def fill() -> None:
            while len(pending) < queued_ahead and not stop.is_set():
                session_id = next(remaining, None)
                if session_id is None:
                    return
                pending.append((session_id, pool.submit(task, session_id)))

        fill()
        while pending:
            session_id, future = pending.popleft()
            try:
                detail = future.result()
            except _Skipped:
                continue
            except stoppers as exc:
                stopped_by = stopped_by or exc
                continue
            except VendorError as exc:
                yield DetailOutcome(session_id, None, exc)
            else:
                yield DetailOutcome(session_id, detail)
            fill()
    finally:
        stop.set()
        for _, future in pending:
            future.cancel()
        pool.shutdown(wait=True)
    if stopped_by is not None:
        raise stopped_by
