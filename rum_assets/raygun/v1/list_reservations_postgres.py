"""Pending Raygun v1 session lists and landed lists in the PostgreSQL database of the call ledger (every node)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from rum_assets.raygun.v1.list_reservations import LANDINGS_KEPT
from rum_assets.raygun.v1.shared_state import PostgresTables, postgres_connection

PENDING = "rum_assets_raygun_pending_lists"
LANDINGS = "rum_assets_raygun_list_landings"
_DDL_LOCK = 7_154_880_323


class PostgresListReservationStore(PostgresTables):
    DDL_LOCK = _DDL_LOCK
    DDL = (
        f"CREATE TABLE IF NOT EXISTS {PENDING} ("
        " scope TEXT NOT NULL, day DATE NOT NULL, owner TEXT NOT NULL, expires_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (scope, day, owner))",
        f"CREATE TABLE IF NOT EXISTS {LANDINGS} ("
        " scope TEXT NOT NULL, day DATE NOT NULL, landed_at TIMESTAMPTZ NOT NULL, total_sessions INTEGER NOT NULL, PRIMARY KEY (scope, day))",
    )

    def hold(self, scope: str, owner: str, days: Sequence[date], expires_at: datetime, now: datetime) -> None:
        with postgres_connection(self.url, "pending lists") as conn, conn.transaction():
            conn.execute(f"DELETE FROM {PENDING} WHERE expires_at <= %s", [now])
            with conn.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {PENDING} (scope, day, owner, expires_at) VALUES (%s, %s, %s, %s)"
                    " ON CONFLICT (scope, day, owner) DO UPDATE SET expires_at = EXCLUDED.expires_at",
                    [(scope, day, owner, expires_at) for day in days],
                )

    def release(self, scope: str, owner: str, day: date | None) -> None:
        with postgres_connection(self.url, "pending lists") as conn:
            if day is None:
                conn.execute(f"DELETE FROM {PENDING} WHERE scope = %s AND owner = %s", [scope, owner])
            else:
                conn.execute(f"DELETE FROM {PENDING} WHERE scope = %s AND owner = %s AND day = %s", [scope, owner, day])

    def pending(self, scope: str, now: datetime) -> list[date]:
        with postgres_connection(self.url, "pending lists") as conn:
            rows = conn.execute(f"SELECT day FROM {PENDING} WHERE scope = %s AND expires_at > %s", [scope, now]).fetchall()
        return [row[0] for row in rows]

    def record_landing(self, scope: str, day: date, total: int, at: datetime) -> None:
        with postgres_connection(self.url, "pending lists") as conn:
            conn.execute(f"DELETE FROM {LANDINGS} WHERE landed_at < %s", [at - LANDINGS_KEPT])
            conn.execute(
                f"INSERT INTO {LANDINGS} (scope, day, landed_at, total_sessions) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (scope, day) DO UPDATE SET landed_at = EXCLUDED.landed_at, total_sessions = EXCLUDED.total_sessions",
                [scope, day, at, total],
            )

    def landings(self, scope: str) -> dict[date, tuple[datetime, int]]:
        with postgres_connection(self.url, "pending lists") as conn:
            rows = conn.execute(f"SELECT day, landed_at, total_sessions FROM {LANDINGS} WHERE scope = %s", [scope]).fetchall()
        return {day: (at, int(total)) for day, at, total in rows}
