"""The shared v1 session key in the PostgreSQL database of the call ledger (every node).

Each write is one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` statement: the row lock serialises
two nodes taking the lease or publishing at once.
"""

from __future__ import annotations

from datetime import datetime

import psycopg

from rum_assets.raygun.v1.session_key_store import StoredKeyRow
from rum_assets.raygun.v1.shared_state import PostgresTables, postgres_connection

TABLE = "rum_assets_raygun_session_keys"
_DDL_LOCK = 7_154_880_322
"""Advisory lock id that serialises creating the table (concurrent ``CREATE TABLE IF NOT EXISTS`` can fail)."""


class PostgresSessionKeyStore(PostgresTables):
    DDL_LOCK = _DDL_LOCK
    DDL = (
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " credentials_id TEXT PRIMARY KEY, sealed TEXT, version INTEGER NOT NULL,"
        " expires_at TIMESTAMPTZ, lease_owner TEXT, lease_until TIMESTAMPTZ)",
    )

    def _connect(self) -> psycopg.Connection:
        return postgres_connection(self.url, "session key")

    def read(self, credentials_id: str) -> StoredKeyRow | None:
        with self._connect() as conn:
            row = conn.execute(
                f"SELECT sealed, version, expires_at, lease_owner, lease_until FROM {TABLE} WHERE credentials_id = %s", [credentials_id]
            ).fetchone()
        return None if row is None else StoredKeyRow(row[0], int(row[1]), row[2], row[3], row[4])

    def take_lease(self, credentials_id: str, owner: str, until: datetime, now: datetime, expected_version: int) -> bool:
        with self._connect() as conn:
            row = conn.execute(
                f"INSERT INTO {TABLE} AS k (credentials_id, version, lease_owner, lease_until) VALUES (%s, 0, %s, %s)"
                " ON CONFLICT (credentials_id) DO UPDATE SET lease_owner = EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until"
                " WHERE k.version = %s AND (k.lease_owner IS NULL OR k.lease_owner = EXCLUDED.lease_owner OR k.lease_until <= %s)"
                " RETURNING k.version",
                [credentials_id, owner, until, expected_version, now],
            ).fetchone()
        return row is not None

    def publish(self, credentials_id: str, owner: str, sealed: str, expires_at: datetime) -> int:
        with self._connect() as conn:
            row = conn.execute(
                f"INSERT INTO {TABLE} AS k (credentials_id, sealed, version, expires_at) VALUES (%s, %s, 1, %s)"
                " ON CONFLICT (credentials_id) DO UPDATE SET sealed = EXCLUDED.sealed, version = k.version + 1,"
                " expires_at = EXCLUDED.expires_at, lease_owner = NULL, lease_until = NULL RETURNING k.version",
                [credentials_id, sealed, expires_at],
            ).fetchone()
        assert row is not None
        return int(row[0])

    def drop_lease(self, credentials_id: str, owner: str) -> None:
        with self._connect() as conn:
            conn.execute(
                f"UPDATE {TABLE} SET lease_owner = NULL, lease_until = NULL WHERE credentials_id = %s AND lease_owner = %s",
                [credentials_id, owner],
            )
