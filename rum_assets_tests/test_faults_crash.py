"""Crashes while writing: a killed process mid-transaction, and a full disk while staging."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from rum_assets.config.emulator_env import emulator_env
from rum_assets_tests.crash_writer import TABLE, write_day
from rum_assets_tests.fault_runs import build_resources
from rum_emulator.environment import EmulatorSettings, start_emulator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DAY_BEFORE, DAY = date(2026, 11, 19), date(2026, 11, 20)


def _rows_per_day(database: Path) -> dict[date, tuple[int, set[str]]]:
    with duckdb.connect(str(database), read_only=True) as conn:
        rows = conn.execute(f"SELECT partition_date, count(*), list(DISTINCT _run_id) FROM {TABLE.qualified_name} GROUP BY 1").fetchall()
    return {day: (count, set(run_ids)) for day, count, run_ids in rows}


def test_a_process_killed_inside_the_transaction_leaves_the_previous_rows_and_the_next_run_succeeds(tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    write_day(str(database), DAY_BEFORE, 1_000, tmp_path, run_id="first")
    write_day(str(database), DAY, 500, tmp_path, run_id="first")

    writer = subprocess.Popen(
        [sys.executable, "-m", "rum_assets_tests.crash_writer", str(database), DAY.isoformat(), "1000000", str(tmp_path)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        said = [writer.stdout.readline().strip() for _ in range(2)]
        assert said == ["staged", "begun"]
        time.sleep(0.2)  # well inside an INSERT of a million rows
        assert writer.poll() is None
        writer.send_signal(signal.SIGKILL)
        tail = writer.stdout.read()
    finally:
        writer.kill()
        writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    assert "committed" not in tail

    assert _rows_per_day(database) == {DAY_BEFORE: (1_000, {"first"}), DAY: (500, {"first"})}
    assert write_day(str(database), DAY, 2_000, tmp_path, run_id="next") == 2_000
    assert _rows_per_day(database) == {DAY_BEFORE: (1_000, {"first"}), DAY: (2_000, {"next"})}


SETTINGS = EmulatorSettings(sessions_per_day=400, raygun_call_limit=0, clients_per_product=5)
TINY_DISK_BYTES = 64 * 1024


class _FillingFile:
    """A staging file on a disk with ``room`` bytes left: writes past that fail as a full disk does."""

    def __init__(self, inner: object, room: int) -> None:
        self._inner = inner
        self._room = room

    def write(self, text: str) -> int:
        self._room -= len(text.encode("utf-8"))
        if self._room < 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._inner.write(text)  # type: ignore[attr-defined,no-any-return]

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


@contextmanager
def full_staging_disk(directory: Path) -> Iterator[Path]:
    """Staging files (in the system temp directory) go to a 64 KiB tmpfs mounted at ``directory``;
    where mounting is not allowed, staging files fail with ENOSPC once 64 KiB are written."""
    directory.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", f"size={TINY_DISK_BYTES}", "tmpfs", str(directory)]
    try:
        mounted = subprocess.run(mount, capture_output=True).returncode == 0
    except OSError:  # no mount command
        mounted = False
    with pytest.MonkeyPatch.context() as patch:
        if not mounted:
            import rum_assets.warehouse.tables as warehouse

            real_fdopen = os.fdopen
            patch.setattr(warehouse.os, "fdopen", lambda *a, **k: _FillingFile(real_fdopen(*a, **k), TINY_DISK_BYTES))
        patch.setattr(tempfile, "tempdir", str(directory))
        try:
            yield directory
        finally:
            if mounted:
                subprocess.run(["umount", str(directory)], check=True)


def _sessions_per_day(database: Path) -> dict[date, tuple[int, set[str]]]:
    with duckdb.connect(str(database), read_only=True) as conn:
        rows = conn.execute("SELECT partition_date, count(*), list(DISTINCT _run_id) FROM raygun.sessions GROUP BY 1").fetchall()
    return {day: (count, set(run_ids)) for day, count, run_ids in rows}


@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_a_full_disk_while_staging_fails_clearly_leaves_the_warehouse_and_no_staged_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rum_assets.raygun.assets import raygun_sessions

    day_before, day = date.today() - timedelta(days=3), date.today() - timedelta(days=2)
    database = tmp_path / "warehouse.duckdb"
    server = start_emulator(SETTINGS)
    try:
        for name, value in emulator_env(server.base_url, SETTINGS).items():
            monkeypatch.setenv(name, value)
        resources = build_resources(database)
        instance = dg.DagsterInstance.get()

        def land(partition: date) -> dg.ExecuteInProcessResult:
            return dg.materialize(
                [raygun_sessions], partition_key=partition.isoformat(), resources=resources, instance=instance, raise_on_error=False
            )

        assert land(day_before).success and land(day).success
        before = _sessions_per_day(database)
        assert before[day][0] > 300

        with full_staging_disk(tmp_path / "tiny") as staging:
            failed = land(day)
            leftovers = sorted(p.name for p in staging.iterdir())
        assert not failed.success
        error = failed.get_step_failure_events()[0].step_failure_data.error
        assert error is not None
        message = error.to_string()
        assert "No space left on device" in message and "raygun.sessions" in message, message
        assert leftovers == []
        assert _sessions_per_day(database) == before

        assert land(day).success
    finally:
        server.stop()
    after = _sessions_per_day(database)
    assert after[day_before] == before[day_before]
    assert after[day][0] == before[day][0] and after[day][1] != before[day][1]
