"""The v1 details lease per day in the SQLite file of the call ledger (one machine)."""

from __future__ import annotations

from datetime import date, datetime

from rum_assets.raygun.v1.shared_state import SqliteTables, sqlite_connection


class SqliteDetailBatchStore(SqliteTables):
    DDL = (
        "CREATE TABLE IF NOT EXISTS raygun_detail_batches ("
        " scope TEXT NOT NULL, day TEXT NOT NULL, owner TEXT NOT NULL, expires_at TEXT NOT NULL, PRIMARY KEY (scope, day))",
    )

    def take(self, scope: str, day: date, owner: str, until: datetime, now: datetime) -> bool:
        with sqlite_connection(self.path) as conn:
            cursor = conn.execute(
                "INSERT INTO raygun_detail_batches (scope, day, owner, expires_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (scope, day) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at"
                " WHERE raygun_detail_batches.owner = excluded.owner OR raygun_detail_batches.expires_at <= ?",
                (scope, day.isoformat(), owner, until.isoformat(), now.isoformat()),
            )
            return cursor.rowcount == 1

    def release(self, scope: str, day: date, owner: str) -> None:
        with sqlite_connection(self.path) as conn:
            conn.execute("DELETE FROM raygun_detail_batches WHERE scope = ? AND day = ? AND owner = ?", (scope, day.isoformat(), owner))
