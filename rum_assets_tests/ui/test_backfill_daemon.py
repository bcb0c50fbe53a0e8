"""A 10-day backfill launched through the instance, run by the daemon under dagster.yaml's limits."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import dagster as dg
import duckdb
import pytest
from dagster._core.execution.backfill import BulkActionStatus  # not re-exported by dagster 1.13

from .conftest import Deployment

LAUNCH = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
  }
}
"""
TERMINAL = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}


@pytest.mark.timeout(900)
def test_ten_day_backfill_completes_without_lock_errors_or_429(deployment: Deployment, monkeypatch: pytest.MonkeyPatch) -> None:
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    days = [(yesterday - timedelta(days=n)).isoformat() for n in range(10, 0, -1)]
    launched = deployment.graphql(
        LAUNCH,
        {"params": {"assetSelection": [{"path": ["raygun", "sessions"]}, {"path": ["raygun", "session_details"]}], "partitionNames": days}},
    )["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched  # type: ignore[index]
    backfill_id = launched["backfillId"]  # type: ignore[index]

    monkeypatch.setenv("DAGSTER_HOME", str(deployment.dagster_home))
    with dg.DagsterInstance.get() as instance:
        deadline = time.monotonic() + 600
        while True:
            backfill = instance.get_backfill(backfill_id)
            runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/backfill": backfill_id}))
            finished = backfill is not None and backfill.status != BulkActionStatus.REQUESTED
            if finished and runs and all(run.status in TERMINAL for run in runs):
                break
            assert time.monotonic() < deadline, f"backfill still running: {backfill and backfill.status}, {[r.status for r in runs]}"
            time.sleep(2)
        assert backfill.status == BulkActionStatus.COMPLETED_SUCCESS, backfill.status
        assert len(runs) >= 10 and all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs)
        ranges = [(run.tags.get("dagster/asset_partition_range_start"), run.tags.get("dagster/asset_partition_range_end")) for run in runs]
        assert sorted(start for start, end in ranges if start == end) == days  # one day per run (BackfillPolicy)
        text = "\n".join(
            str(record.dagster_event.message if record.dagster_event else record.user_message)
            for run in runs
            for record in instance.all_logs(run.run_id)
        )
    for problem in ("Could not set lock", "Conflicting lock", "HTTP 429", "rate limited"):
        assert problem not in text, problem
    with duckdb.connect(str(deployment.duckdb_path), read_only=True) as conn:
        partitions, rows, distinct = conn.execute(
            "SELECT count(DISTINCT partition_date), count(*), count(DISTINCT session_id) FROM raygun.sessions"
        ).fetchone()  # type: ignore[misc]
        details = conn.execute("SELECT count(DISTINCT partition_date) FROM raygun.session_details").fetchone()[0]  # type: ignore[index]
    assert partitions == 10 and rows == distinct == 400 and details == 10
