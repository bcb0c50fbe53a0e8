"""The v1 details lease per day in the PostgreSQL database of the call ledger (every node)."""

from __future__ import annotations

from datetime import date, datetime

from rum_assets.raygun.v1.shared_state import PostgresTables, postgres_connection

TABLE = "rum_assets_raygun_detail_batches"
_DDL_LOCK = 7_154_880_324


class PostgresDetailBatchStore(PostgresTables):
    DDL_LOCK = _DDL_LOCK
    DDL = (
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " scope TEXT NOT NULL, day DATE NOT NULL, owner TEXT NOT NULL, expires_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (scope, day))",
    )

    def take(self, scope: str, day: date, owner: str, until: datetime, now: datetime) -> bool:
        with postgres_connection(self.url, "details lease") as conn:
            row = conn.execute(
                f"INSERT INTO {TABLE} AS b (scope, day, owner, expires_at) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (scope, day) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at"
                " WHERE b.owner = EXCLUDED.owner OR b.expires_at <= %s RETURNING b.owner",
                [scope, day, owner, until, now],
            ).fetchone()
        return row is not None

    def release(self, scope: str, day: date, owner: str) -> None:
        with postgres_connection(self.url, "details lease") as conn:
            conn.execute(f"DELETE FROM {TABLE} WHERE scope = %s AND day = %s AND owner = %s", [scope, day, owner])
