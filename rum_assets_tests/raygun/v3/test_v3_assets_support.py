"""Shared by the v3 asset tests (no tests here): the v3 emulator on a free loopback port with a fake
clock, the resources pointed at it, and readers of the warehouse and of a run's results."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from rum_assets.raygun.resource import RaygunResource
from rum_assets.warehouse.resource import WarehouseResource
from rum_assets_tests.fakes import FakeClock
from rum_emulator.raygun_v3 import DEMO_TOKEN, RaygunV3App, RaygunV3EmulatorConfig
from rum_emulator.raygun_v3.metrics import Query
from rum_emulator.raygun_v3.timeutil import DAY_MS, day_number, day_start_ms, floor_ms
from rum_emulator.server import EmulatorServer

NOW = datetime.combine(datetime.now(UTC).date() - timedelta(days=2), time(9, 30), tzinfo=UTC)
"""The emulator's "now": a few days back, so the day below is a valid daily partition."""
DAY = NOW.date() - timedelta(days=3)
WEB_APP = "wb7k2q"
MOBILE_APP = "mb4x9r"
RUM_APPS = (WEB_APP, MOBILE_APP)
"""The demo applications with RUM data: those loaded when no application ids are configured."""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def start_v3(clock: FakeClock) -> Iterator[Callable[..., tuple[EmulatorServer, RaygunV3App]]]:
    servers: list[EmulatorServer] = []

    def start(**config: Any) -> tuple[EmulatorServer, RaygunV3App]:
        # The emulator's rate-limit windows follow its fake clock, which stands still: turn them off.
        config = {"clock": clock, "sessions_per_day": 50, "per_second_limit": 0, "per_minute_limit": 0, **config}
        app = RaygunV3App(RaygunV3EmulatorConfig(**config))
        server = EmulatorServer([app]).start()
        servers.append(server)
        return server, app

    yield start
    for server in servers:
        server.stop()


def resources(server: EmulatorServer, tmp_path: Path, **raygun: Any) -> dict[str, Any]:
    options = {
        "pat": DEMO_TOKEN,
        "v3_base_url": server.base_url + "/v3",
        "v3_daily_call_limit": 0,
        "max_attempts": 2,
        "retry_base_delay_seconds": 0.01,
        "state_dir": str(tmp_path / "state"),
        **raygun,
    }
    return {"raygun": RaygunResource(**options), "warehouse": WarehouseResource(database=str(tmp_path / "warehouse.duckdb"))}


def materialize(assets: list[Any], resources: dict[str, Any], day: date | None = None) -> dg.ExecuteInProcessResult:
    partition = {"partition_key": day.isoformat()} if day else {}
    return dg.materialize(assets, resources=resources, raise_on_error=False, **partition)


def query(tmp_path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        return conn.execute(sql, params or []).fetchall()


def metadata(result: dg.ExecuteInProcessResult, key: dg.AssetKey) -> dict[str, Any]:
    events = [e for e in result.get_asset_materialization_events() if e.asset_key == key]
    assert events, f"{key.to_user_string()} was not materialized"
    return {k: v.value for k, v in events[-1].step_materialization_data.materialization.metadata.items()}


def failure_message(result: dg.ExecuteInProcessResult, key: dg.AssetKey) -> str:
    """The error a failed asset's step reported (a dg.Failure's description)."""
    step = key.to_python_identifier()
    failures = [e for e in result.get_step_failure_events() if e.step_key == step]
    assert failures, f"{key.to_user_string()} did not fail"
    error = failures[-1].step_failure_data.error
    assert error is not None
    return error.message


def instant(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def now_ms(app: RaygunV3App) -> int:
    return floor_ms(app.now())


def emulator_series(
    app: RaygunV3App, app_id: str, day: date, aggregation: str, metrics: list[str], *, errors: bool = False
) -> list[dict[str, Any]]:
    """What the emulator serves for one application's day and aggregation, asked of its own metrics."""
    window = app.window(app_id)
    start = day_start_ms(day_number(day))
    wanted = Query(start, start + DAY_MS, "1d", aggregation, metrics)
    source = app.metrics[app_id]
    first = day_start_ms(window.first_day)
    return source.error_series(wanted, window.now_ms, first) if errors else source.page_series(wanted, window.now_ms, first)


def emulator_histograms(app: RaygunV3App, app_id: str, day: date, metrics: list[str], page: str | None = None) -> list[dict[str, Any]]:
    """The page histograms the emulator serves for one application's day (or one page's), asked of its own metrics."""
    window = app.window(app_id)
    start = day_start_ms(day_number(day))
    pages = None if page is None else (page,)
    return app.metrics[app_id].histogram(
        Query(start, start + DAY_MS, "1d", "count", metrics, pages), window.now_ms, day_start_ms(window.first_day)
    )
