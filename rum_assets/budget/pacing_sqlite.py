"""Call permits in the call ledger's SQLite file: every process of one machine paces through it.

``BEGIN IMMEDIATE`` takes the database's write lock for the read-judge-insert of a permit, so two
processes cannot both take the last place. Times are this machine's clock (``time.time``), shared by
its processes. The file is switched to write-ahead logging, and this store's connection commits
without waiting for the disk (``synchronous=NORMAL``): a permit is worthless after a power cut, and a
commit that waits for ``fsync`` cost ~11 ms here against ~0.2 ms. The ledger's own connections keep
their full durability.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rum_assets.budget.pacing import PacingRule, Taken, Window, phantoms_needed

TABLE = "call_permits"


class SqlitePermitStore:
    shared = True

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} ("
            " id INTEGER PRIMARY KEY, scope TEXT NOT NULL, started REAL NOT NULL, ended REAL, expires REAL NOT NULL)"
        )
        self._conn.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_scope ON {TABLE} (scope)")

    @contextmanager
    def _write(self) -> Iterator[tuple[sqlite3.Connection, float]]:
        """One write transaction and the time read once its lock is held."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn, self.clock()
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _live(self, conn: sqlite3.Connection, scope: str, rule: PacingRule, now: float) -> list[tuple[float | None, float]]:
        conn.execute(f"DELETE FROM {TABLE} WHERE scope = ? AND COALESCE(ended, expires) <= ?", (scope, rule.horizon(now)))
        return conn.execute(f"SELECT ended, expires FROM {TABLE} WHERE scope = ?", (scope,)).fetchall()

    def _insert(self, conn: sqlite3.Connection, scope: str, started: float, ended: float | None, expires: float) -> int:
        cursor = conn.execute(f"INSERT INTO {TABLE} (scope, started, ended, expires) VALUES (?, ?, ?, ?)", (scope, started, ended, expires))
        return int(cursor.lastrowid or 0)

    def take(self, scope: str, rule: PacingRule) -> Taken:
        with self._write() as (conn, now):
            verdict = rule.judge(now, self._live(conn, scope, rule, now))
            if verdict.wait > 0:
                return Taken(None, verdict, now)
            return Taken(self._insert(conn, scope, now, None, now + rule.in_flight_expiry_seconds), verdict, now)

    def answered(self, scope: str, permit_id: int) -> None:
        with self._lock:
            self._conn.execute(
                f"UPDATE {TABLE} SET ended = ? WHERE id = ? AND scope = ? AND ended IS NULL", (self.clock(), permit_id, scope)
            )

    def align(self, scope: str, rule: PacingRule, window: Window, remaining: int) -> int:
        with self._write() as (conn, now):
            held = rule.judge(now, self._live(conn, scope, rule, now)).held.get(window.seconds, 0)
            added = phantoms_needed(rule, window, held, remaining)
            for _ in range(added):
                self._insert(conn, scope, now, now, now)
            return added

    def held(self, scope: str, rule: PacingRule, window: Window) -> int:
        with self._write() as (conn, now):
            return rule.judge(now, self._live(conn, scope, rule, now)).held.get(window.seconds, 0)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
