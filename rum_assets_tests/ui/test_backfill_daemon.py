"""A 4-day backfill launched the way the UI launches one (the webserver's GraphQL), run by the
daemon of ``dagster dev`` through the queued run coordinator under dagster.yaml's pools and run limits:
every run succeeds, no run meets a DuckDB lock or an HTTP 429, and each day lands exactly once.

The ``postgres`` variant runs the same backfill with the instance (dagster-postgres.yaml), the call
ledger and the warehouse in PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from .conftest import EMULATOR_SETTINGS, Deployment

LAUNCH_BACKFILL = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on Error { message }
  }
}
"""
ASSETS = (("raygun", "sessions"), ("raygun", "session_details"))
POOL_STEPS = {"raygun__sessions", "raygun__session_details"}
"""Both assets' steps claim the raygun_api pool, which dagster.yaml limits to one step at a time."""
DAYS = {"sqlite": 4, "postgres": 4}
"""Days backfilled per deployment: twice the 2 backfill runs dagster.yaml admits at once, so two runs
overlap (two processes writing one DuckDB file, sharing one raygun_api pool) and queued runs wait for a
free place. Each wave of runs costs a run worker's start (loading the code location, ~20 s on 2 busy
cores); 10 days (5 waves) proved nothing 4 days do not and took 4.5 minutes."""
RUN_SECONDS = 360
MAX_BACKFILL_RUNS = 2
"""dagster.yaml: tag_concurrency_limits dagster/backfill."""
PROBLEMS = (
    "could not set lock",
    "conflicting lock",
    "http 429",
    "429 too many",
    "rate limited",
    "deadlock detected",
    "could not obtain lock",
    "could not serialize access",
)
"""DuckDB's messages when another process holds the file; PostgreSQL's lock failures; the HTTP layer's
for a rate limit."""
TERMINAL = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}
BACKFILL_GONE_WRONG = {"FAILED", "FAILING", "COMPLETED_FAILED", "CANCELED", "CANCELING"}


def _backfill_days(count: int) -> list[str]:
    """The ``count`` days before yesterday (UTC): complete days inside the partitions, which start 2026-09-01."""
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    days = [yesterday - timedelta(days=n) for n in range(count, 0, -1)]
    assert days[0] >= date(2026, 9, 1), "the partitions start 2026-09-01"
    return [day.isoformat() for day in days]


def _wait_for_runs(instance: dg.DagsterInstance, backfill_id: str, days: int) -> list[dg.RunRecord]:
    """All runs of the backfill once every day has a finished run (bounded); fails at the first failed run."""
    deadline = time.monotonic() + RUN_SECONDS
    while True:
        records = instance.get_run_records(filters=dg.RunsFilter(tags={"dagster/backfill": backfill_id}))
        failed = [record.dagster_run for record in records if record.dagster_run.status in TERMINAL - {dg.DagsterRunStatus.SUCCESS}]
        if failed:
            pytest.fail(f"{len(failed)} backfill runs did not succeed: " + "; ".join(_failure(instance, run) for run in failed))
        if len(records) >= days and all(record.dagster_run.status in TERMINAL for record in records):
            return records
        backfill = instance.get_backfill(backfill_id)
        assert backfill is not None, f"no backfill {backfill_id} in the instance"
        assert backfill.status.value not in BACKFILL_GONE_WRONG, f"backfill {backfill.status.value}: {backfill.error}"
        statuses = sorted(record.dagster_run.status.value for record in records)
        assert time.monotonic() < deadline, f"backfill not done after {RUN_SECONDS} s: {len(records)} runs {statuses}"
        time.sleep(1)


def _failure(instance: dg.DagsterInstance, run: dg.DagsterRun) -> str:
    errors = [
        f"{record.dagster_event.event_type_value}: {record.dagster_event.message or ''} {record.user_message or ''} "
        f"{record.dagster_event.event_specific_data}"
        for record in instance.all_logs(run.run_id)
        if record.dagster_event
        and (record.dagster_event.is_failure or record.dagster_event.event_type_value in ("ENGINE_EVENT", "STEP_FAILURE", "RUN_FAILURE"))
    ]
    return f"run {run.run_id} ({run.tags.get('dagster/asset_partition_range_start')}) {run.status.value}: {errors}"


def _log_text(instance: dg.DagsterInstance, dagster_home: Path, run_id: str) -> str:
    """Everything the run logged: its event log (messages and errors) and its captured stdout/stderr."""
    parts = []
    for record in instance.all_logs(run_id):
        parts.append(record.user_message or "")
        if record.dagster_event is not None:
            parts.append(record.dagster_event.message or "")
            parts.append(repr(record.dagster_event.event_specific_data))
    for path in sorted((dagster_home / "storage" / run_id / "compute_logs").glob("*")):
        if path.suffix in {".out", ".err"}:
            parts.append(path.read_text(errors="replace"))
    return "\n".join(parts)


@contextmanager
def _warehouse(deployment: Deployment) -> Iterator[Any]:
    """The deployment's warehouse; DuckDB's file read-only."""
    if deployment.warehouse_url:
        with deployment.warehouse().connection() as conn:
            yield conn
    else:
        with duckdb.connect(str(deployment.duckdb_path), read_only=True) as conn:
            yield conn


def _max_overlap(intervals: list[tuple[float, float]]) -> int:
    """The most intervals open at one instant."""
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    current = most = 0
    for _, change in edges:  # at equal times an end (-1) sorts before a start (+1)
        current += change
        most = max(most, current)
    return most


@pytest.mark.timeout(600)
@pytest.mark.parametrize("deployment", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_a_backfill_runs_through_the_daemon_without_lock_errors_or_429(deployment: Deployment) -> None:
    count = DAYS["postgres" if deployment.warehouse_url else "sqlite"]
    days = _backfill_days(count)
    launched = deployment.graphql(
        LAUNCH_BACKFILL,
        {"params": {"assetSelection": [{"path": list(key)} for key in ASSETS], "partitionNames": days}},
    )["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched  # type: ignore[index]
    backfill_id = launched["backfillId"]  # type: ignore[index]

    with dg.DagsterInstance.get() as instance:  # the deployment's DAGSTER_HOME (set by the autouse fixture)
        assert instance.root_directory == str(deployment.dagster_home)
        records = _wait_for_runs(instance, backfill_id, count)
        runs = [record.dagster_run for record in records]

        # One day per run (the assets' BackfillPolicy), each day once, both assets in every run.
        ranges = sorted(
            (run.tags.get("dagster/asset_partition_range_start"), run.tags.get("dagster/asset_partition_range_end")) for run in runs
        )
        assert ranges == [(day, day) for day in days], ranges
        assert all(run.asset_selection == {dg.AssetKey(list(key)) for key in ASSETS} for run in runs)

        # dagster.yaml's limits held: at most 2 backfill runs at once, one raygun_api step at a time.
        run_spans = [(record.start_time, record.end_time) for record in records]
        assert all(start and end for start, end in run_spans), run_spans
        assert _max_overlap(run_spans) <= MAX_BACKFILL_RUNS, run_spans  # type: ignore[arg-type]
        step_spans = []
        for run in runs:
            started: dict[str, float] = {}
            for record in instance.all_logs(run.run_id):
                event = record.dagster_event
                if event is None or event.step_key not in POOL_STEPS:
                    continue
                if event.event_type == dg.DagsterEventType.STEP_START:
                    started[event.step_key] = record.timestamp
                elif event.event_type == dg.DagsterEventType.STEP_SUCCESS:
                    step_spans.append((started.pop(event.step_key), record.timestamp))
        assert len(step_spans) == count * len(POOL_STEPS), step_spans
        assert _max_overlap(step_spans) == 1, sorted(step_spans)

        # No run met a locked warehouse file or a rate limit, not even one it recovered from.
        for run in runs:
            text = _log_text(instance, deployment.dagster_home, run.run_id).lower()
            assert text.strip(), f"run {run.run_id} logged nothing"
            for problem in PROBLEMS:
                assert problem not in text, (
                    f"run {run.run_id} logged {problem!r}: ...{text[max(0, text.find(problem) - 300) : text.find(problem) + 300]}..."
                )

    with _warehouse(deployment) as conn:
        landed = [row[0].isoformat() for row in conn.execute("SELECT DISTINCT partition_date FROM raygun.sessions ORDER BY 1").fetchall()]
        rows, distinct_ids, sources = conn.execute(
            "SELECT count(*), count(DISTINCT (source_api, application_id, session_id)), count(DISTINCT (source_api, application_id)) "
            "FROM raygun.sessions"
        ).fetchone()  # type: ignore[misc]
        apis = {row[0] for row in conn.execute("SELECT DISTINCT source_api FROM raygun.sessions").fetchall()}
        detail_days, details, distinct_details = conn.execute(
            "SELECT count(DISTINCT partition_date), count(*), count(DISTINCT (source_api, application_id, session_id)) FROM raygun.session_details"
        ).fetchone()  # type: ignore[misc]
    assert landed == days
    assert apis == {"v1", "v3"}  # the deployment has both APIs' credentials, as the demo does
    assert rows == distinct_ids == count * EMULATOR_SETTINGS.sessions_per_day * sources, (rows, distinct_ids, sources)
    assert (detail_days, details, distinct_details) == (count, rows, rows)  # no call limit: every session's detail
    # The runs did talk to the emulator (so "no 429" means something): a session list per day at least.
    calls = deployment.emulator.requests_by_path
    assert sum(count for path, count in calls.items() if path.endswith("/sessions")) >= count, calls
