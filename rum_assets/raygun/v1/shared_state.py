"""Connections to the store the call ledger lives in, for the v1 state shared beside it (the session
key, the session lists still to come): the SQLite file under the state directory, or PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


@contextmanager
def sqlite_connection(path: Path, *ddl: str) -> Iterator[sqlite3.Connection]:
    """An autocommit connection (``BEGIN IMMEDIATE`` where a read-check-write must be atomic)."""
    conn = sqlite3.connect(path, timeout=60, isolation_level=None)
    try:
        for statement in ddl:
            conn.execute(statement)
        yield conn
    finally:
        conn.close()


def create_sqlite_tables(path: Path, *ddl: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite_connection(path, *ddl):
        pass


def postgres_connection(url: str, purpose: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True, connect_timeout=30, application_name=f"rum_assets {purpose}")


def create_postgres_tables(url: str, lock_id: int, *ddl: str) -> None:
    """``CREATE TABLE IF NOT EXISTS`` under an advisory lock: two nodes creating the same table at once can fail."""
    with postgres_connection(url, "setup") as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])
        for statement in ddl:
            conn.execute(statement)


class SqliteTables:
    """A store in the SQLite file: its tables (``DDL``) are created when it is opened."""

    DDL: tuple[str, ...] = ()

    def __init__(self, path: Path) -> None:
        self.path = path
        create_sqlite_tables(path, *self.DDL)


class PostgresTables:
    """A store in the PostgreSQL database: its tables (``DDL``) are created, under ``DDL_LOCK``, when it is opened."""

    DDL: tuple[str, ...] = ()
    DDL_LOCK = 0

    def __init__(self, url: str) -> None:
        self.url = url
        create_postgres_tables(url, self.DDL_LOCK, *self.DDL)
