"""Pending Raygun v1 session lists and landed lists in the SQLite file of the call ledger (one machine)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from rum_assets.raygun.v1.list_reservations import LANDINGS_KEPT
from rum_assets.raygun.v1.shared_state import SqliteTables, sqlite_connection


class SqliteListReservationStore(SqliteTables):
    DDL = (
        "CREATE TABLE IF NOT EXISTS raygun_pending_lists ("
        " scope TEXT NOT NULL, day TEXT NOT NULL, owner TEXT NOT NULL, expires_at TEXT NOT NULL, PRIMARY KEY (scope, day, owner))",
        "CREATE TABLE IF NOT EXISTS raygun_list_landings ("
        " scope TEXT NOT NULL, day TEXT NOT NULL, landed_at TEXT NOT NULL, total_sessions INTEGER NOT NULL, PRIMARY KEY (scope, day))",
    )

    def hold(self, scope: str, owner: str, days: Sequence[date], expires_at: datetime, now: datetime) -> None:
        with sqlite_connection(self.path) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM raygun_pending_lists WHERE expires_at <= ?", (now.isoformat(),))
            conn.executemany(
                "INSERT INTO raygun_pending_lists (scope, day, owner, expires_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (scope, day, owner) DO UPDATE SET expires_at = excluded.expires_at",
                [(scope, day.isoformat(), owner, expires_at.isoformat()) for day in days],
            )
            conn.execute("COMMIT")

    def release(self, scope: str, owner: str, day: date | None) -> None:
        with sqlite_connection(self.path) as conn:
            if day is None:
                conn.execute("DELETE FROM raygun_pending_lists WHERE scope = ? AND owner = ?", (scope, owner))
            else:
                conn.execute("DELETE FROM raygun_pending_lists WHERE scope = ? AND owner = ? AND day = ?", (scope, owner, day.isoformat()))

    def pending(self, scope: str, now: datetime) -> list[date]:
        with sqlite_connection(self.path) as conn:
            rows = conn.execute(
                "SELECT day FROM raygun_pending_lists WHERE scope = ? AND expires_at > ?", (scope, now.isoformat())
            ).fetchall()
        return [date.fromisoformat(row[0]) for row in rows]

    def record_landing(self, scope: str, day: date, total: int, at: datetime) -> None:
        with sqlite_connection(self.path) as conn:
            conn.execute("DELETE FROM raygun_list_landings WHERE landed_at < ?", ((at - LANDINGS_KEPT).isoformat(),))
            conn.execute(
                "INSERT INTO raygun_list_landings (scope, day, landed_at, total_sessions) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (scope, day) DO UPDATE SET landed_at = excluded.landed_at, total_sessions = excluded.total_sessions",
                (scope, day.isoformat(), at.isoformat(), total),
            )

    def landings(self, scope: str) -> dict[date, tuple[datetime, int]]:
        with sqlite_connection(self.path) as conn:
            rows = conn.execute("SELECT day, landed_at, total_sessions FROM raygun_list_landings WHERE scope = ?", (scope,)).fetchall()
        return {date.fromisoformat(day): (datetime.fromisoformat(at), int(total)) for day, at, total in rows}
