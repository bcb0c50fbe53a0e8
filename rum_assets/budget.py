"""A persistent ledger of vendor calls per scope (vendor + application) per UTC day.

Raygun allows 50 calls a day per application by default. Every process (the webserver's runs, the
daemon's backfills, a shell, and with PostgreSQL every node) reserves a call here before making it, so
our own spending can never exceed the limit, even with concurrent runs.

Where the counts live is a :class:`LedgerStore`: SQLite under the state directory by default (one
machine), or PostgreSQL when the ledger is given a ``postgresql://`` URL (several machines). Each
store makes the read-check-increment of a reservation atomic across processes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Protocol

from rum_assets.errors import CallBudgetExhaustedError
from rum_assets.ledger_sqlite import SqliteLedgerStore


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


def is_postgres_url(location: Path | str) -> bool:
    return str(location).startswith(("postgresql://", "postgres://"))


def open_store(location: Path | str) -> LedgerStore:
    """A PostgreSQL store for a ``postgresql://`` URL, else a SQLite file at ``location``."""
    if is_postgres_url(location):
        from rum_assets.ledger_postgres import PostgresLedgerStore

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

    def today(self) -> date:
        return self.clock().astimezone(UTC).date()

    def used(self, day: date | None = None) -> int:
        return self.store.used(self.scope, day or self.today())

    def remaining(self) -> int | None:
        """Calls left today, or None when the limit is unlimited."""
        if self.daily_limit <= 0:
            return None
        return max(0, self.daily_limit - self.used())

    def reserve(self, endpoint: str, calls: int = 1) -> None:
        """Record ``calls`` calls about to be made, or raise if that would pass today's limit."""
        day = self.today()
        limit = max(self.daily_limit, 0)
        granted = None if limit and calls > limit else self.store.try_reserve(self.scope, day, calls, limit)
        if granted is None:
            raise CallBudgetExhaustedError(
                self.vendor,
                endpoint,
                f"the daily call budget of {self.daily_limit} calls is spent ({self.store.used(self.scope, day)} used today, UTC)",
                resets_at=next_utc_midnight(self.clock()),
            )
        self.reserved_by_me += calls

    def mark_spent(self) -> None:
        """The vendor answered 429: whatever we counted, the day's budget is gone."""
        if self.daily_limit <= 0:
            return
        self.store.mark_spent(self.scope, self.today(), self.daily_limit)


def raise_used_to_at_least(ledger: CallBudgetLedger, used: int) -> int:
    """The vendor says ``used`` calls are spent today: never count fewer. Returns the calls added.

    For vendors that report what remains (Raygun v3's ``X-Rate-Limit-Remaining``): another process
    or machine sharing the credentials may have spent calls this ledger never saw.
    """
    if ledger.daily_limit <= 0:
        return 0
    used = min(max(0, used), ledger.daily_limit)
    before = ledger.used()
    if used > before:
        ledger.store.mark_spent(ledger.scope, ledger.today(), used)
    return max(0, used - before)
