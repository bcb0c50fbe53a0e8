"""The key checks fail on what the vendor sent, and show the UI why (description, severity, metadata)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import httpx

from rum_assets.orchestration.quality import NO_NULL_KEYS, UNIQUE_KEYS
from rum_assets.raygun.assets import raygun_sessions
from rum_assets.raygun.resource import RaygunResource
from rum_assets.raygun.v1.client import day_bounds
from rum_assets.warehouse.resource import WarehouseResource
from rum_emulator.environment import DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET
from rum_emulator.faults import FaultRule
from rum_emulator.raygun import RaygunApp, RaygunEmulatorConfig
from rum_emulator.server import EmulatorServer

DAY = datetime.now(UTC).date() - timedelta(days=2)


def _page_with_a_repeated_session(server: EmulatorServer) -> bytes:
    """The day's real first page, with its first session listed twice (as a vendor paging over changing data might)."""
    with httpx.Client(base_url=server.base_url) as http:
        key = http.post(
            "/api/v1/pulse/authenticate", headers={"X-ApiKey": DEMO_RAYGUN_API_KEY}, auth=(DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET)
        ).json()["sessionKey"]
        date_from, date_to = day_bounds(DAY)
        page = http.get(
            "/api/v1/pulse/sessions",
            params={"dateFrom": date_from, "dateTo": date_to, "skip": 0, "limit": 500},
            headers={"X-SessionKey": key},
        ).json()
    page["sessions"].append(page["sessions"][0])
    page["links"]["next"] = None
    return json.dumps(page).encode()


def test_a_session_the_vendor_repeats_is_written_once_and_the_unique_keys_check_warns(tmp_path: Path) -> None:
    config = RaygunEmulatorConfig(sessions_per_day=5, daily_call_limit=0)
    with EmulatorServer([RaygunApp(config)]) as server:
        server.faults.add(FaultRule("/api/v1/pulse/sessions", status=200, body=_page_with_a_repeated_session(server)))
        resources = {
            "raygun": RaygunResource(
                api_key=DEMO_RAYGUN_API_KEY,
                client_id=DEMO_RAYGUN_CLIENT_ID,
                client_secret=DEMO_RAYGUN_CLIENT_SECRET,
                base_url=server.base_url,
                daily_call_limit=0,
                state_dir=str(tmp_path / "state"),
            ),
            "warehouse": WarehouseResource(database=str(tmp_path / "w.duckdb")),
        }
        result = dg.materialize([raygun_sessions], partition_key=DAY.isoformat(), resources=resources)
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    unique = checks[UNIQUE_KEYS]
    assert not unique.passed and unique.severity == dg.AssetCheckSeverity.WARN
    assert unique.description and "1 rows" in unique.description and "written once" in unique.description
    assert unique.metadata["repeated_rows_from_vendor"].value == 1
    assert checks[NO_NULL_KEYS].passed
    assert result.success  # a warning: downstream still builds
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT session_id) FROM raygun.sessions").fetchone() == (5, 5)
