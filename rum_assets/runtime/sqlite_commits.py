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


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()


def sync_sqlite_commits_lazily() -> None:
    """Every SQLAlchemy SQLite connection this process opens from now on commits without an fsync (idempotent)."""
    _listen_on_connect(_on_connect)


_KEPT_OPEN: dict[str, sqlite3.Connection] = {}


def _keep_file_open(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    row = dbapi_connection.execute("PRAGMA database_list").fetchone()
    path = row[2] if row else ""
    if not path:
        return
    keeper = _KEPT_OPEN.get(path)
    if keeper is None:
        keeper = _KEPT_OPEN[path] = sqlite3.connect(path, check_same_thread=False)
    # A connection counts for "the last one closing" only once it has read the file in WAL mode (which
    # the file may have entered since the keeper opened); the read ends with the statement.
    keeper.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()


def keep_sqlite_files_open() -> None:
    """Every SQLite file a SQLAlchemy engine of this process opens stays open, idle, until the process ends.

    Dagster's SQLite storage opens and closes a connection for each event (a ``NullPool`` engine), and
    closing the last connection to a WAL database checkpoints it into the main file: ~4 ms an event,
    about a tenth of the demo's time. An idle connection holds no lock and no snapshot, so other
    connections and processes read and write as before; the WAL is still checkpointed as it grows
    (SQLite's auto-checkpoint on commit) and once more when the process ends. Only the demo calls this:
    a long-lived process (the daemon, a test worker) would keep every run's file open (idempotent).
    """
    _listen_on_connect(_keep_file_open)


def _listen_on_connect(listener: Any) -> None:
    """Call ``listener`` for every SQLite connection any engine of this process opens, once however often asked."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "connect", listener):
        event.listen(Engine, "connect", listener)
