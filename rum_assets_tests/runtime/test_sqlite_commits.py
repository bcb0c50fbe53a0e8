"""Dagster's SQLite storage commits without an fsync each in the processes that ask for it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sqlalchemy
{install}
engine = sqlalchemy.create_engine("sqlite:///{path}")
with engine.connect() as conn:
    print(conn.exec_driver_sql("PRAGMA synchronous").scalar())
"""


def _synchronous(tmp_path: Path, install: str) -> str:
    code = SCRIPT.format(install=install, path=tmp_path / "x.db")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_only_a_process_that_asks_gets_lazy_commits(tmp_path: Path) -> None:
    assert _synchronous(tmp_path, "") == "2"  # FULL: SQLite's default, what a deployment keeps
    installed = "from rum_assets.runtime.sqlite_commits import sync_sqlite_commits_lazily\nsync_sqlite_commits_lazily(); sync_sqlite_commits_lazily()"
    assert _synchronous(tmp_path, installed) == "1"  # NORMAL


KEEPER_SCRIPT = """
import sqlalchemy
from sqlalchemy.pool import NullPool
{install}
engine = sqlalchemy.create_engine("sqlite:///{path}", poolclass=NullPool)
with engine.connect() as conn:  # creates the file, as Dagster's storage does once
    conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    conn.commit()
with engine.connect() as conn:  # an event: a connection of its own
    conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    conn.commit()
import os
print(os.path.exists("{path}-wal"))
"""


def _wal_left_after_the_last_close(tmp_path: Path, install: str) -> str:
    code = KEEPER_SCRIPT.format(install=install, path=tmp_path / f"keep{len(install)}.db")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_only_a_process_that_asks_keeps_its_sqlite_files_open_so_a_close_does_not_checkpoint(tmp_path: Path) -> None:
    assert _wal_left_after_the_last_close(tmp_path, "") == "False"  # the last close checkpointed and removed the WAL
    installed = "from rum_assets.runtime.sqlite_commits import keep_sqlite_files_open\nkeep_sqlite_files_open(); keep_sqlite_files_open()"
    assert _wal_left_after_the_last_close(tmp_path, installed) == "True"
