"""The call ledger's counts in PostgreSQL: one ledger for every machine that shares the URL.

A reservation is one statement in its own short transaction: ``INSERT ... ON CONFLICT DO UPDATE``
adds the calls only ``WHERE`` the sum stays within the limit and returns the new count, so two nodes
reserving at once are serialised on the row and cannot over-spend together.
"""

from __future__ import annotations

from datetime import date

import psycopg

TABLE = "rum_assets_call_budget"
DDL_LOCK = 7_154_880_321
"""Advisory lock id that serialises creating the tables (concurrent ``CREATE TABLE IF NOT EXISTS`` can fail)."""


class PostgresLedgerStore:
    def __init__(self, url: str) -> None:
        self.url = url
        with self._connect() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [DDL_LOCK])
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} ("
                " scope TEXT NOT NULL, day DATE NOT NULL, used INTEGER NOT NULL, PRIMARY KEY (scope, day))"
            )

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True, connect_timeout=30, application_name="rum_assets ledger")

    def used(self, scope: str, day: date) -> int:
        with self._connect() as conn:
            row = conn.execute(f"SELECT used FROM {TABLE} WHERE scope = %s AND day = %s", [scope, day]).fetchone()
        return int(row[0]) if row else 0

    def try_reserve(self, scope: str, day: date, calls: int, limit: int) -> int | None:
        with self._connect() as conn:
            row = conn.execute(
                f"INSERT INTO {TABLE} AS b (scope, day, used) VALUES (%s, %s, %s)"
                " ON CONFLICT (scope, day) DO UPDATE SET used = b.used + EXCLUDED.used"
                " WHERE %s <= 0 OR b.used + EXCLUDED.used <= %s RETURNING b.used",
                [scope, day, calls, limit, limit],
            ).fetchone()
        return int(row[0]) if row else None

    def mark_spent(self, scope: str, day: date, limit: int) -> None:
        with self._connect() as conn:
            conn.execute(
                f"INSERT INTO {TABLE} AS b (scope, day, used) VALUES (%s, %s, %s)"
                " ON CONFLICT (scope, day) DO UPDATE SET used = GREATEST(b.used, EXCLUDED.used)",
                [scope, day, limit],
            )

    def release(self, scope: str, day: date, calls: int) -> None:
        with self._connect() as conn:
            conn.execute(f"UPDATE {TABLE} SET used = GREATEST(used - %s, 0) WHERE scope = %s AND day = %s", [calls, scope, day])
