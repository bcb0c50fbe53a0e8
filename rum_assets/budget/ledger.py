"""A persistent ledger of vendor calls per scope (vendor + application) per UTC day.

Raygun allows 50 calls a day per application by default. Every process (the webserver's runs, the
daemon's backfills, a shell, and with PostgreSQL every node) reserves a call here before making it, so
our own spending can never exceed the limit, even with concurrent runs.

Calls are reserved in blocks where the limit is large (or absent): a block that grows 1, 2, 4, ... up
to ``limit // 100`` calls (64 at most, and 1 for Raygun's 50 a day), so a day of 200 pages costs a
dozen reservations instead of 200. The store's count always includes every reserved block, so the
limit still holds across processes; what a client did not use is handed back when it closes (a killed
process leaves at most one block counted but unused: never an over-spend). A block that would pass
the limit is not taken: the calls still allowed are reserved one by one.

Where the counts live is a :class:`LedgerStore`: SQLite under the state directory by default (one
machine), or PostgreSQL when the ledger is given a ``postgresql://`` URL (several machines). Each
store makes the read-check-increment of a reservation atomic across processes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Protocol

from rum_assets.budget.ledger_sqlite import SqliteLedgerStore
from rum_assets.transport.errors import CallBudgetExhaustedError

MAX_BLOCK = 64
"""The most calls one reservation takes ahead."""


def next_utc_midnight(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(0), tzinfo=UTC)


class LedgerStore(Protocol):
    """Call counts per (scope, UTC day), shared by every process that uses the same store."""

    def used(self, scope: str, day: date) -> int: ...

    def try_reserve(self, scope: str, day: date, calls: int, limit: int) -> int | None:
        """Add ``calls`` unless that passes ``limit`` (0: unlimited); the new count, or None if refused."""
        ...

    def mark_spent(self, scope: str, day: date, limit: int) -> None:
        """Raise the day's count to at least ``limit``."""
        ...

    def release(self, scope: str, day: date, calls: int) -> None:
        """Take back ``calls`` reserved and never made (never below zero)."""
        ...


def is_postgres_url(location: Path | str) -> bool:
    return str(location).startswith(("postgresql://", "postgres://"))


def open_store(location: Path | str) -> LedgerStore:
    """A PostgreSQL store for a ``postgresql://`` URL, else a SQLite file at ``location``."""
    if is_postgres_url(location):
        from rum_assets.budget.ledger_postgres import PostgresLedgerStore

        return PostgresLedgerStore(str(location))
    return SqliteLedgerStore(Path(location))


class CallBudgetLedger:
    """Counts calls for one ``scope`` per UTC day against ``daily_limit`` (0 means unlimited).

    ``location`` is a SQLite file path or a PostgreSQL URL (see :func:`open_store`).
    """

    def __init__(
        self,
        location: Path | str,
        scope: str,
        daily_limit: int,
        *,
        vendor: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = open_store(location)
        self.scope = scope
        self.daily_limit = daily_limit
        self.vendor = vendor
        self.clock = clock
        self.reserved_by_me = 0
        """Calls this ledger object counted for its callers (made or about to be made)."""
        self.store_reservations = 0
        """Reservations written to the store (each one a transaction)."""
        self._lock = threading.Lock()
        self._block = 1
        self._allowance = 0
        self._allowance_day: date | None = None

    @property
    def max_block(self) -> int:
        limit = max(self.daily_limit, 0)
        return MAX_BLOCK if limit == 0 else max(1, min(MAX_BLOCK, limit // 100))

    def today(self) -> date:
        return self.clock().astimezone(UTC).date()

    def used(self, day: date | None = None) -> int:
        return self.store.used(self.scope, day or self.today())

    def remaining(self) -> int | None:
        """Calls left today (this ledger's reserved but unused block included), or None when unlimited."""
        if self.daily_limit <= 0:
            return None
        day = self.today()
        with self._lock:
            mine = self._allowance if self._allowance_day == day else 0
        return max(0, self.daily_limit - self.used(day) + mine)

    def reserve(self, endpoint: str, calls: int = 1) -> None:
        """Record ``calls`` calls about to be made, or raise if that would pass today's limit."""
        day = self.today()
        limit = max(self.daily_limit, 0)
        with self._lock:
            if self._allowance_day != day:
                self._allowance, self._allowance_day, self._block = 0, day, 1
            if self._allowance < calls:
                self._take_block(endpoint, day, calls - self._allowance, limit)
            self._allowance -= calls
            self.reserved_by_me += calls

    def _take_block(self, endpoint: str, day: date, needed: int, limit: int) -> None:
        extra = max(0, self._block - needed)
        granted = self.store.try_reserve(self.scope, day, needed + extra, limit) if not limit or needed <= limit else None
        self.store_reservations += 1
        if granted is None and extra:
            granted = self.store.try_reserve(self.scope, day, needed, limit)
            self.store_reservations += 1
            extra = 0
        if granted is None:
            raise CallBudgetExhaustedError(
                self.vendor,
                endpoint,
                f"the daily call budget of {self.daily_limit} calls is spent ({self.store.used(self.scope, day)} used today, UTC)",
                resets_at=next_utc_midnight(self.clock()),
            )
        self._allowance += needed + extra
        self._block = min(self._block * 2, self.max_block)

    def release(self) -> None:
        """Hand back today's reserved calls that were never made (a client closing)."""
        with self._lock:
            unused, day = self._allowance, self._allowance_day
            self._allowance, self._block = 0, 1
        if unused and day == self.today():
            self.store.release(self.scope, day, unused)

    def raise_used_to_at_least(self, used: int) -> int:
        """The vendor says ``used`` calls are spent today: never count fewer. Returns the calls added.

        For vendors that report what remains (Raygun v3's ``X-Rate-Limit-Remaining``): another process
        or machine sharing the credentials may have spent calls this ledger never saw. The vendor's count
        does not include this ledger's reserved but unused block, so the store must hold at least both
        (the block shrinks to what the vendor still allows).
        """
        if self.daily_limit <= 0:
            return 0
        used = min(max(0, used), self.daily_limit)
        day = self.today()
        with self._lock:
            if self._allowance_day == day:
                self._allowance = min(self._allowance, self.daily_limit - used)
            mine = self._allowance if self._allowance_day == day else 0
        before = self.used(day)
        if used + mine > before:
            self.store.mark_spent(self.scope, day, used + mine)
        return max(0, used + mine - before)

    def mark_spent(self) -> None:
        """The vendor answered 429: whatever we counted, the day's budget is gone (unlimited: nothing to mark)."""
        if self.daily_limit <= 0:
            return
        with self._lock:
            self._allowance, self._block = 0, 1
        self.store.mark_spent(self.scope, self.today(), self.daily_limit)
