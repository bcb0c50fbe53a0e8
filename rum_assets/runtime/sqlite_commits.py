"""Commits of Dagster's SQLite storage without an fsync each, for processes whose run history is disposable.

Dagster writes every event of a run (a step's start, outputs, each check, its materialization: ~20 per
asset) as its own SQLite transaction, in WAL mode with SQLite's default ``synchronous=FULL``: one fsync per
event. On an ordinary disk that was half of the demo's time (127 s against 69 s with the Dagster home on
tmpfs). With ``synchronous=NORMAL`` a WAL commit is not synced until the next checkpoint: the database
stays consistent, a crashed process loses nothing, and only an operating-system crash or power loss can
lose the last commits. That is the right trade for the demo's and the tests' history, not for a
deployment's, so only they call :func:`sync_sqlite_commits_lazily`; our own SQLite stores (the call ledger,
pacing, the shared session key) use ``sqlite3`` directly and are never affected.
"""

from __future__ import annotations

import sqlite3
from typing import Any

_INSTALLED: list[bool] = []


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()


def sync_sqlite_commits_lazily() -> None:
    """Every SQLAlchemy SQLite connection this process opens from now on commits without an fsync (idempotent)."""
    if _INSTALLED:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    event.listen(Engine, "connect", _on_connect)
    _INSTALLED.append(True)
