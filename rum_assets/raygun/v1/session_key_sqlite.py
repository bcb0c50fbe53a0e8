"""The shared v1 session key in the SQLite file of the call ledger (one machine).

``BEGIN IMMEDIATE`` takes the file's write lock for each read-check-write, which makes taking the
lease and publishing atomic across the machine's processes.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from rum_assets.raygun.v1.session_key_store import StoredKeyRow
from rum_assets.raygun.v1.shared_state import SqliteTables, sqlite_connection

_COLUMNS = "sealed, version, expires_at, lease_owner, lease_until"


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class SqliteSessionKeyStore(SqliteTables):
    DDL = (
        "CREATE TABLE IF NOT EXISTS raygun_session_keys ("
        " credentials_id TEXT PRIMARY KEY, sealed TEXT, version INTEGER NOT NULL,"
        " expires_at TEXT, lease_owner TEXT, lease_until TEXT)",
    )

    @staticmethod
    def _row(conn: sqlite3.Connection, credentials_id: str) -> StoredKeyRow | None:
        row = conn.execute(f"SELECT {_COLUMNS} FROM raygun_session_keys WHERE credentials_id = ?", (credentials_id,)).fetchone()
        if row is None:
            return None
        return StoredKeyRow(row[0], int(row[1]), _moment(row[2]), row[3], _moment(row[4]))

    def read(self, credentials_id: str) -> StoredKeyRow | None:
        with sqlite_connection(self.path) as conn:
            return self._row(conn, credentials_id)

    def take_lease(self, credentials_id: str, owner: str, until: datetime, now: datetime, expected_version: int) -> bool:
        with sqlite_connection(self.path) as conn:
            conn.execute("BEGIN IMMEDIATE")
            row = self._row(conn, credentials_id)
            leased_by_other = (
                row is not None and row.lease_owner not in (None, owner) and row.lease_until is not None and row.lease_until > now
            )
            if (row.version if row else 0) != expected_version or leased_by_other:
                conn.execute("ROLLBACK")
                return False
            conn.execute(
                "INSERT INTO raygun_session_keys (credentials_id, version, lease_owner, lease_until) VALUES (?, 0, ?, ?)"
                " ON CONFLICT (credentials_id) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until",
                (credentials_id, owner, until.isoformat()),
            )
            conn.execute("COMMIT")
        return True

    def publish(self, credentials_id: str, owner: str, sealed: str, expires_at: datetime) -> int:
        with sqlite_connection(self.path) as conn:
            conn.execute("BEGIN IMMEDIATE")
            row = self._row(conn, credentials_id)
            version = (row.version if row else 0) + 1
            conn.execute(
                "INSERT INTO raygun_session_keys (credentials_id, sealed, version, expires_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (credentials_id) DO UPDATE SET sealed = excluded.sealed, version = excluded.version,"
                " expires_at = excluded.expires_at, lease_owner = NULL, lease_until = NULL",
                (credentials_id, sealed, version, expires_at.isoformat()),
            )
            conn.execute("COMMIT")
        return version

    def drop_lease(self, credentials_id: str, owner: str) -> None:
        with sqlite_connection(self.path) as conn:
            conn.execute(
                "UPDATE raygun_session_keys SET lease_owner = NULL, lease_until = NULL WHERE credentials_id = ? AND lease_owner = ?",
                (credentials_id, owner),
            )
