"""Step retries: a transient vendor failure is retried by the assets' RetryPolicy, refused credentials are not."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from rum_assets.config.settings import duckdb_connection_config
from rum_assets.orchestration.marts import is_mart
from rum_assets.orchestration.retries import VENDOR_RETRY_POLICY
from rum_assets.raygun.assets import raygun_sessions
from rum_assets.raygun.resource import RaygunResource
from rum_assets.warehouse.resource import WarehouseResource
from rum_emulator.environment import DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET
from rum_emulator.faults import FaultRule
from rum_emulator.raygun import RaygunApp, RaygunEmulatorConfig
from rum_emulator.server import EmulatorServer

DAY = datetime.now(UTC).date() - timedelta(days=2)
SESSIONS_PATH = "/api/v1/pulse/sessions"


def _materialize(server: EmulatorServer, tmp_path: Path, api_key: str = DEMO_RAYGUN_API_KEY) -> dg.ExecuteInProcessResult:
    """The sessions asset for DAY, with the warehouse configured from the environment as ``build_definitions()`` does."""
    resources: dict[str, Any] = {
        "raygun": RaygunResource(
            api_key=api_key,
            client_id=DEMO_RAYGUN_CLIENT_ID,
            client_secret=DEMO_RAYGUN_CLIENT_SECRET,
            base_url=server.base_url,
            daily_call_limit=0,
            max_attempts=2,
            state_dir=str(tmp_path / "state"),
        ),
        "warehouse": WarehouseResource(database=str(tmp_path / "warehouse.duckdb"), connection_config=duckdb_connection_config()),
    }
    return dg.materialize([raygun_sessions], partition_key=DAY.isoformat(), resources=resources, raise_on_error=False)


def _retries(result: dg.ExecuteInProcessResult) -> int:
    return len([event for event in result.all_events if event.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY])


def test_every_daily_asset_has_the_vendor_retry_policy() -> None:
    from rum_assets.definitions import build_definitions

    # The KPI marts are no vendor's: their SQL over local tables would fail the same way minutes later,
    # and their automation condition runs a day again when its base assets change.
    daily_assets = [
        a
        for a in build_definitions().assets or []
        if isinstance(a, dg.AssetsDefinition) and a.partitions_def is not None and not is_mart(a)
    ]
    assert len(daily_assets) >= 8
    for asset in daily_assets:
        assert asset.node_def.retry_policy == VENDOR_RETRY_POLICY, asset.key  # type: ignore[union-attr]


@pytest.mark.slow
@pytest.mark.logs_at("ERROR", why="it is about a step that fails after its retries and is retried")
def test_a_vendor_down_longer_than_the_clients_retries_is_retried_by_the_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The retry waits 0 s instead of the policy's 20 +/- 20 s (most of this test's time); the delay the
    # policy asked for is kept and checked, so the step is still retried by VENDOR_RETRY_POLICY.
    asked: list[float] = []
    policy_delay = dg.RetryPolicy.calculate_delay

    def no_wait(policy: dg.RetryPolicy, attempt_num: int) -> float:
        asked.append(policy_delay(policy, attempt_num))
        return 0

    monkeypatch.setattr(dg.RetryPolicy, "calculate_delay", no_wait)
    with EmulatorServer([RaygunApp(RaygunEmulatorConfig(sessions_per_day=20, daily_call_limit=0))]) as server:
        server.faults.add(FaultRule(SESSIONS_PATH, status=503, times=2))  # both of the client's attempts
        result = _materialize(server, tmp_path)

    assert result.success
    assert _retries(result) == 1
    assert len(asked) == 1 and 0 <= asked[0] <= VENDOR_RETRY_POLICY.delay * 2, asked  # type: ignore[operator]


@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_refused_credentials_fail_at_once_without_retry(tmp_path: Path) -> None:
    with EmulatorServer([RaygunApp(RaygunEmulatorConfig(sessions_per_day=20, daily_call_limit=0))]) as server:
        result = _materialize(server, tmp_path, api_key="not-the-demo-key")
        calls = dict(server.requests_by_path)

    assert not result.success
    assert _retries(result) == 0
    failure = result.get_step_failure_events()[0].step_failure_data
    assert failure.user_failure_data is not None and failure.user_failure_data.metadata["error_types"].value == ["AuthenticationError"]
    message = failure.error.message  # type: ignore[union-attr]
    assert "Raygun" in message and "not retried: the credentials were refused" in message, message
    assert "not-the-demo-key" not in message
    assert sum(calls.values()) == 1, calls  # one login attempt, refused; no step retry


@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_a_write_that_needs_more_memory_than_duckdb_may_use_fails_at_once_and_keeps_the_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with EmulatorServer([RaygunApp(RaygunEmulatorConfig(sessions_per_day=2000, daily_call_limit=0))]) as server:
        assert _materialize(server, tmp_path).success
        gc.collect()  # the run's DuckDB instance: one process opens a file with one configuration at a time
        monkeypatch.setenv("RUM_ASSETS_DUCKDB_MEMORY_LIMIT", "1MB")
        result = _materialize(server, tmp_path)
        gc.collect()

    assert not result.success
    assert _retries(result) == 0
    message = result.get_step_failure_events()[0].step_failure_data.error.message  # type: ignore[union-attr]
    assert "Out of Memory" in message and "RUM_ASSETS_DUCKDB_MEMORY_LIMIT allows" in message and "raise it" in message, message
    monkeypatch.delenv("RUM_ASSETS_DUCKDB_MEMORY_LIMIT")
    with WarehouseResource(database=str(tmp_path / "warehouse.duckdb")).connection() as conn:
        assert conn.execute("SELECT count(*) FROM raygun.sessions").fetchone() == (2000,)
