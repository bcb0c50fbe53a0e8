"""A persistent ledger of vendor calls per scope (vendor + application) per UTC day.

Raygun allows 50 calls a day per application by default. Every process on the machine (the
webserver's runs, the daemon's backfills, a shell) reserves a call here before making it, so our own
spending can never exceed the limit, even with concurrent runs. SQLite's ``BEGIN IMMEDIATE`` takes
the database's write lock for the read-check-increment, which makes a reservation atomic across
processes without a server.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from rum_assets.errors import CallBudgetExhaustedError


def next_utc_midnight(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(0), tzinfo=UTC)


class CallBudgetLedger:
    """Counts calls for one ``scope`` per UTC day against ``daily_limit`` (0 means unlimited)."""

    def __init__(
        self,
        path: Path | str,
        scope: str,
        daily_limit: int,
        *,
        vendor: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.path = Path(path)
        self.scope = scope
        self.daily_limit = daily_limit
        self.vendor = vendor
        self.clock = clock
        self.reserved_by_me = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._autocommit() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS call_budget ("
                " scope TEXT NOT NULL, day TEXT NOT NULL, used INTEGER NOT NULL,"
                " PRIMARY KEY (scope, day))"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=60, isolation_level=None)

    @contextmanager
    def _autocommit(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        try:
            yield conn
        finally:
            conn.close()

    def today(self) -> date:
        return self.clock().astimezone(UTC).date()

    def used(self, day: date | None = None) -> int:
        day = day or self.today()
        with self._autocommit() as conn:
            row = conn.execute(
                "SELECT used FROM call_budget WHERE scope = ? AND day = ?", (self.scope, day.isoformat())
            ).fetchone()
        return int(row[0]) if row else 0

    def remaining(self) -> int | None:
        """Calls left today, or None when the limit is unlimited."""
        if self.daily_limit <= 0:
            return None
        return max(0, self.daily_limit - self.used())

    def reserve(self, endpoint: str, calls: int = 1) -> None:
        """Record ``calls`` calls about to be made, or raise if that would pass today's limit."""
        day = self.today().isoformat()
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute(
                "SELECT used FROM call_budget WHERE scope = ? AND day = ?", (self.scope, day)
            ).fetchone()
            used = int(row[0]) if row else 0
            if self.daily_limit > 0 and used + calls > self.daily_limit:
                conn.execute("ROLLBACK")
                raise CallBudgetExhaustedError(
                    self.vendor,
                    endpoint,
                    f"the daily call budget of {self.daily_limit} calls is spent ({used} used today, UTC)",
                    resets_at=next_utc_midnight(self.clock()),
                )
            conn.execute(
                "INSERT INTO call_budget (scope, day, used) VALUES (?, ?, ?)"
                " ON CONFLICT (scope, day) DO UPDATE SET used = used + excluded.used",
                (self.scope, day, calls),
            )
            conn.execute("COMMIT")
            self.reserved_by_me += calls
        finally:
            conn.close()

    def mark_spent(self) -> None:
        """The vendor answered 429: whatever we counted, the day's budget is gone."""
        if self.daily_limit <= 0:
            return
        day = self.today().isoformat()
        with self._autocommit() as conn:
            conn.execute(
                "INSERT INTO call_budget (scope, day, used) VALUES (?, ?, ?)"
                " ON CONFLICT (scope, day) DO UPDATE SET used = MAX(used, excluded.used)",
                (self.scope, day, self.daily_limit),
            )


def raise_used_to_at_least(ledger: CallBudgetLedger, used: int) -> int:
    """The vendor says ``used`` calls are spent today: never count fewer. Returns the calls added.

    For vendors that report what remains (Raygun v3's ``X-Rate-Limit-Remaining``): another process
    or machine sharing the credentials may have spent calls this ledger never saw.
    """
    if ledger.daily_limit <= 0:
        return 0
    used = min(max(0, used), ledger.daily_limit)
    day = ledger.today().isoformat()
    conn = ledger._connect()
    try:
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute("SELECT used FROM call_budget WHERE scope = ? AND day = ?", (ledger.scope, day)).fetchone()
        before = int(row[0]) if row else 0
        if used > before:
            conn.execute(
                "INSERT INTO call_budget (scope, day, used) VALUES (?, ?, ?)"
                " ON CONFLICT (scope, day) DO UPDATE SET used = MAX(used, excluded.used)",
                (ledger.scope, day, used),
            )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return max(0, used - before)
