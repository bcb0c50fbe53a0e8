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
