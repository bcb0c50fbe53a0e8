"""Call permits in the call ledger's PostgreSQL database: every node that shares its URL paces through it.

Taking a permit is one short transaction: an advisory transaction lock on the scope (so takes of one
scope are serialised, and other scopes never wait), then the time, the scope's permits and the
insert. Every time is the database server's ``clock_timestamp()``, read while the lock is held, so
the nodes' own clocks never matter: only durations (a wait) leave the database. The lock is taken
in a statement of its own: a statement's snapshot is taken when it starts, and one that waited for
the lock inside it would not see the permit its predecessor just committed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import psycopg

from rum_assets.budget.ledger_postgres import DDL_LOCK
from rum_assets.budget.pacing import PacingRule, Taken, Window, phantoms_needed

TABLE = "rum_assets_call_permits"
LOCK_CLASS = 715_488_033
"""First key of the per-scope advisory locks (the second is ``hashtext(scope)``)."""
NOW = "extract(epoch FROM clock_timestamp())::float8"

ResultT = TypeVar("ResultT")


class PostgresPermitStore:
    shared = True

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        with self._connect() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [DDL_LOCK])
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} ("
                " id BIGSERIAL PRIMARY KEY, scope TEXT NOT NULL, started DOUBLE PRECISION NOT NULL,"
                " ended DOUBLE PRECISION, expires DOUBLE PRECISION NOT NULL)"
            )
            conn.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_scope ON {TABLE} (scope)")

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True, connect_timeout=30, application_name="rum_assets pacing")

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = self._connect()
        return self._conn

    def _run(self, operation: Callable[[psycopg.Connection], ResultT]) -> ResultT:
        """``operation`` on this store's connection, opened again once if the server dropped it."""
        with self._lock:
            try:
                return operation(self._connection())
            except psycopg.OperationalError:
                if self._conn is not None:
                    self._conn.close()
                return operation(self._connection())

    def _live(self, conn: psycopg.Connection, scope: str, rule: PacingRule) -> tuple[float, list[tuple[float | None, float]]]:
        """Under the scope's lock: the server's time and the scope's permits (those past the horizon deleted)."""
        conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_CLASS, scope])
        reach = max(window.seconds for window in rule.windows) + rule.margin_seconds
        rows = conn.execute(
            f"WITH clock AS (SELECT {NOW} AS now),"
            f" gone AS (DELETE FROM {TABLE} p USING clock WHERE p.scope = %(scope)s AND COALESCE(p.ended, p.expires) <= clock.now - %(reach)s)"
            f" SELECT clock.now, p.ended, p.expires FROM clock LEFT JOIN {TABLE} p ON p.scope = %(scope)s",
            {"scope": scope, "reach": reach},
        ).fetchall()
        return float(rows[0][0]), [(ended, expires) for _, ended, expires in rows if expires is not None]

    def _insert(self, conn: psycopg.Connection, scope: str, started: float, ended: float | None, expires: float) -> int:
        row = conn.execute(
            f"INSERT INTO {TABLE} (scope, started, ended, expires) VALUES (%s, %s, %s, %s) RETURNING id", [scope, started, ended, expires]
        ).fetchone()
        assert row is not None
        return int(row[0])

    def take(self, scope: str, rule: PacingRule) -> Taken:
        def take(conn: psycopg.Connection) -> Taken:
            with conn.transaction():
                now, permits = self._live(conn, scope, rule)
                verdict = rule.judge(now, permits)
                if verdict.wait > 0:
                    return Taken(None, verdict, now)
                return Taken(self._insert(conn, scope, now, None, now + rule.in_flight_expiry_seconds), verdict, now)

        return self._run(take)

    def answered(self, scope: str, permit_id: int) -> None:
        self._run(
            lambda conn: conn.execute(
                f"UPDATE {TABLE} SET ended = {NOW} WHERE id = %s AND scope = %s AND ended IS NULL", [permit_id, scope]
            )
        )

    def align(self, scope: str, rule: PacingRule, window: Window, remaining: int) -> int:
        def align(conn: psycopg.Connection) -> int:
            with conn.transaction():
                now, permits = self._live(conn, scope, rule)
                added = phantoms_needed(rule, window, rule.judge(now, permits).held.get(window.seconds, 0), remaining)
                for _ in range(added):
                    self._insert(conn, scope, now, now, now)
                return added

        return self._run(align)

    def held(self, scope: str, rule: PacingRule, window: Window) -> int:
        def held(conn: psycopg.Connection) -> int:
            with conn.transaction():
                now, permits = self._live(conn, scope, rule)
                return rule.judge(now, permits).held.get(window.seconds, 0)

        return self._run(held)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
