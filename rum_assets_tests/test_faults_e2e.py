"""Two days of every daily base asset of both vendors land the same through 20% injected faults.

Two days, so that what one day leaves for the next (watermarks, session keys, the call ledger) is
crossed by faults too. The KPI marts are left out: they only read these tables (equal tables give
equal marts) and ``orchestration/test_marts_e2e.py`` checks them on data landed from the emulator."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from rum_assets_tests.fault_runs import build_resources, emulator_environment, materialize_days, recent_days, table_contents
from rum_emulator.environment import EmulatorSettings
from rum_emulator.faults import RandomFaults

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]  # a bound, not a speed check; six runs: catalog and 2 days, clean and faulty

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
SETTINGS = EmulatorSettings(sessions_per_day=15, raygun_call_limit=0, clients_per_product=25, clock=lambda: NOW, v3_rate_limits=False)
"""Both runs see the same vendor data: a fixed "now" (sessions of today, customers' last visits)."""
FAULTS = RandomFaults(rate=0.2, seed=20261201, delay_seconds=0.2)


def test_every_asset_lands_the_same_through_random_faults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    days = recent_days(2)
    with emulator_environment(SETTINGS, monkeypatch) as server:
        monkeypatch.setenv("RUM_ASSETS_RETRY_BASE_DELAY_SECONDS", "0.05")

        monkeypatch.setenv("RUM_ASSETS_STATE_DIR", str(tmp_path / "clean_state"))
        materialize_days(days, build_resources(tmp_path / "clean.duckdb"), dg.DagsterInstance.ephemeral(), marts=False)
        clean_requests = sum(server.requests_by_path.values())

        server.faults.set_random(FAULTS)
        monkeypatch.setenv("RUM_ASSETS_STATE_DIR", str(tmp_path / "faulty_state"))
        materialize_days(days, build_resources(tmp_path / "faulty.duckdb"), dg.DagsterInstance.ephemeral(), marts=False)

    injected = server.faults.injected_counts
    assert sum(injected.values()) >= 20, injected
    assert {"drop-after", "truncate", "429-retry-after", "drop-before"} <= set(injected), injected
    assert sum(server.requests_by_path.values()) - clean_requests > clean_requests

    clean, faulty = table_contents(tmp_path / "clean.duckdb"), table_contents(tmp_path / "faulty.duckdb")
    assert set(clean) == set(faulty)
    assert {"raygun.sessions", "raygun.session_details", "revenera.user_activity"} <= set(clean)
    for table, rows in clean.items():
        assert rows, f"{table} is empty in the fault-free run"
        assert faulty[table] == rows, f"{table} differs after faults: {len(faulty[table])} rows vs {len(rows)}"
