"""One Raygun v1 details batch per (credentials, day) at a time, across processes and nodes.

Two details steps of the same day that run at once (two nodes with their own Dagster instances; on
one instance the ``raygun_api`` pool already runs one step at a time) would read the same candidates,
in the same priority order, and fetch the same sessions twice on one budget. So a batch first takes
the day's lease in the store the call ledger lives in; a second batch waits until the first has
written what it fetched, then starts from what is still missing. The lease expires
(:data:`BATCH_TTL`), so a process killed mid-batch holds the day up for no longer than that.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from rum_assets.budget.ledger import is_postgres_url

BATCH_TTL = timedelta(minutes=15)
POLL_SECONDS = 0.25


class DetailBatchStore(Protocol):
    def take(self, scope: str, day: date, owner: str, until: datetime, now: datetime) -> bool:
        """Hold the day unless another owner holds it past ``now``."""
        ...

    def release(self, scope: str, day: date, owner: str) -> None: ...


def open_batch_store(location: Path | str) -> DetailBatchStore:
    if is_postgres_url(location):
        from rum_assets.raygun.v1.detail_batches_postgres import PostgresDetailBatchStore

        return PostgresDetailBatchStore(str(location))
    from rum_assets.raygun.v1.detail_batches_sqlite import SqliteDetailBatchStore

    return SqliteDetailBatchStore(Path(location))


@contextmanager
def one_batch_per_day(
    location: Path | str,
    scope: str,
    day: date,
    log: logging.Logger,
    *,
    ttl: timedelta = BATCH_TTL,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    wait: Callable[[float], object] = lambda seconds: threading.Event().wait(seconds),
) -> Iterator[None]:
    """Hold the day's details lease for the ``with`` block, waiting (at most ``ttl``) for another holder."""
    store = open_batch_store(location)
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    waited = False
    for _ in range(int(ttl.total_seconds() / POLL_SECONDS) + 2):
        now = clock().astimezone(UTC)
        if store.take(scope, day, owner, now + ttl, now):
            break
        if not waited:
            log.info("Raygun v1 %s: another process is fetching this day's details; waiting for it to store them", day)
            waited = True
        wait(POLL_SECONDS)
    try:
        yield
    finally:
        store.release(scope, day, owner)
