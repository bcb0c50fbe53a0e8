"""The call ledger's counts in a SQLite file: one machine, no server.

``BEGIN IMMEDIATE`` takes the database's write lock for the read-check-increment, which makes a
reservation atomic across the machine's processes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path


class SqliteLedgerStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS call_budget ("
                " scope TEXT NOT NULL, day TEXT NOT NULL, used INTEGER NOT NULL,"
                " PRIMARY KEY (scope, day))"
            )

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            yield conn
        finally:
            conn.close()

    def used(self, scope: str, day: date) -> int:
        with self._connection() as conn:
            row = conn.execute("SELECT used FROM call_budget WHERE scope = ? AND day = ?", (scope, day.isoformat())).fetchone()
        return int(row[0]) if row else 0

    def try_reserve(self, scope: str, day: date, calls: int, limit: int) -> int | None:
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute("SELECT used FROM call_budget WHERE scope = ? AND day = ?", (scope, day.isoformat())).fetchone()
            used = int(row[0]) if row else 0
            if limit > 0 and used + calls > limit:
                conn.execute("ROLLBACK")
                return None
            conn.execute(
                "INSERT INTO call_budget (scope, day, used) VALUES (?, ?, ?)"
                " ON CONFLICT (scope, day) DO UPDATE SET used = used + excluded.used",
                (scope, day.isoformat(), calls),
            )
            conn.execute("COMMIT")
        return used + calls

    def mark_spent(self, scope: str, day: date, limit: int) -> None:
        with self._connection() as conn:
            conn.execute(
                "INSERT INTO call_budget (scope, day, used) VALUES (?, ?, ?)"
                " ON CONFLICT (scope, day) DO UPDATE SET used = MAX(used, excluded.used)",
                (scope, day.isoformat(), limit),
            )

    def release(self, scope: str, day: date, calls: int) -> None:
        with self._connection() as conn:
            conn.execute(
                "UPDATE call_budget SET used = MAX(used - ?, 0) WHERE scope = ? AND day = ?",
                (calls, scope, day.isoformat()),
            )
