"""A real PostgreSQL server for tests: initdb in a temporary directory, pg_ctl on a free loopback port.

Debian's ``postgresql`` package keeps its binaries under ``/usr/lib/postgresql/<major>/bin`` (not on
PATH). ``initdb`` refuses to run as root, so as root the cluster belongs to the package's ``postgres``
user and its commands run through ``runuser``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest

from rum_assets_tests.ports import free_port


def find_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin directory, or the one holding ``initdb`` on PATH."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(candidates[-1]).parent if candidates else None


class PostgresServer:
    """One throwaway cluster; :meth:`new_database` gives each test its own empty database."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="rum_pg_"))
        self.data_dir = self.root / "data"
        self.log_file = self.root / "server.log"
        self.port = 0
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]
        self.user = "postgres"

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self, listen_addresses: str = "127.0.0.1") -> PostgresServer:
        """``listen_addresses=""`` serves the Unix socket in ``root`` only, as an init server does."""
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-A", "trust", "-U", self.user, "--no-sync")
        last_error: Exception | None = None
        for _ in range(3):  # another process may take the probed port before the server binds it
            self.port = free_port()
            options = (
                f"-p {self.port} -k {self.root} -c listen_addresses='{listen_addresses}' "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            try:
                self._run(
                    str(self.bin_dir / "pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_file),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    options,
                    "start",
                )
                return self
            except subprocess.CalledProcessError as exc:
                last_error = exc
        raise RuntimeError(f"PostgreSQL did not start: {last_error}; log: {self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-2000:]
        except OSError:
            return "(no log)"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        name = f"test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_postgres_or_skip() -> PostgresServer:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        message = "PostgreSQL binaries (initdb, pg_ctl) are not installed: apt-get install -y postgresql"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must run the PostgreSQL tests)")
        pytest.skip(message)
    return PostgresServer(bin_dir).start()
