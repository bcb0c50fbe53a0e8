"""End to end: base assets landed from the emulator over HTTP, then the marts computed on them, as the
demo and a daily run do; every mart check passes on what the vendors served, and the numbers agree
with the base tables."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from rum_assets.orchestration.mart_registry import MARTS
from rum_assets_tests.fault_runs import build_resources, emulator_environment, materialize_days, recent_days
from rum_emulator.environment import EmulatorSettings

pytestmark = pytest.mark.slow

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
SETTINGS = EmulatorSettings(sessions_per_day=15, raygun_call_limit=0, clients_per_product=25, clock=lambda: NOW, v3_rate_limits=False)


def test_marts_on_two_days_landed_from_the_emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    days = recent_days(2)
    with emulator_environment(SETTINGS, monkeypatch) as server:
        results = materialize_days(days, build_resources(tmp_path / "e2e.duckdb"), dg.DagsterInstance.ephemeral())
    assert server.requests_by_path, "the base assets were fetched over HTTP"
    mart_keys = {m.key for m in MARTS}
    evaluations = [e for r in results[1:] for e in r.get_asset_check_evaluations() if e.asset_key in mart_keys]
    assert len({(e.asset_key, e.check_name) for e in evaluations}) == sum(
        len(m.totals) + 1 + bool(m.shares) + bool(m.percentiles) for m in MARTS
    )
    assert [f"{e.asset_key.to_user_string()} {e.check_name}" for e in evaluations if not e.passed] == []

    with duckdb.connect(str(tmp_path / "e2e.duckdb"), read_only=True) as conn:
        for built in MARTS:
            per_day = dict(conn.execute(f"SELECT partition_date, count(*) FROM {built.table.qualified_name} GROUP BY 1").fetchall())
            assert set(per_day) == set(days), built.table.qualified_name
        sessions = conn.execute("SELECT count(*) FROM raygun.sessions WHERE partition_date = ?", [days[-1]]).fetchone()[0]
        vitals = conn.execute(
            "SELECT lcp_p50_ms, lcp_p75_ms, lcp_p95_ms, lcp_good_share + lcp_needs_improvement_share + lcp_poor_share, inp_rating "
            "FROM raygun.page_performance_daily WHERE partition_date = ? AND source_api = 'v3' AND page_scope = 'application'",
            [days[-1]],
        ).fetchall()
        dau = conn.execute(
            "SELECT sum(active_users) FROM revenera.user_activity WHERE partition_date = ? AND segment = '(all)'", [days[-1]]
        ).fetchone()[0]
    assert vitals, "every v3 application has its row"
    for p50, p75, p95, shares, rating in vitals:
        assert p50 <= p75 <= p95 and shares == pytest.approx(1.0) and rating in {"good", "needs improvement", "poor"}

    last = results[-1]
    sessions_meta = last.asset_materializations_for_node("raygun__sessions_daily")[0].metadata
    assert sessions_meta["raygun/sessions"] == dg.MetadataValue.int(sessions)
    usage_meta = last.asset_materializations_for_node("revenera__usage_daily")[0].metadata
    assert usage_meta["revenera/dau"] == dg.MetadataValue.int(dau), (
        "the emulator's clients active that day, counted by the vendor and by us"
    )
