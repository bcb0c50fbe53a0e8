"""The usage distribution, license keys and event usage assets, materialized against the emulator."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from rum_assets.revenera.assets import REVENERA_DAILY_ASSETS, REVENERA_METADATA_ASSETS, revenera_event_usage
from rum_assets.revenera.more_assets import revenera_license_keys, revenera_usage_distribution
from rum_emulator.revenera import expected_active_clients

from .conftest import DAY, PRODUCTS, make_client
from .test_exports import query, resources


def test_both_new_assets_are_registered() -> None:
    assert revenera_usage_distribution in REVENERA_DAILY_ASSETS and revenera_license_keys in REVENERA_METADATA_ASSETS
    for asset in (revenera_usage_distribution, revenera_license_keys):
        spec = next(iter(asset.specs))
        assert spec.group_name == "revenera" and spec.owners and spec.description and "dagster/column_schema" in spec.metadata


def test_usage_distribution_counts_the_days_active_clients(start_revenera, tmp_path: Path) -> None:
    server, app = start_revenera()
    db = tmp_path / "w.duckdb"
    result = dg.materialize([revenera_usage_distribution], partition_key=DAY.isoformat(), resources=resources(server, db))
    assert result.success
    for product_id in PRODUCTS:
        active = len(expected_active_clients(app.product(product_id), DAY))
        rows = query(
            db,
            f"SELECT active_days, measure, bucket, clients FROM revenera.usage_distribution WHERE product_id = '{product_id}' ORDER BY ALL",
        )
        assert ("1", "users", "(all)", active) in rows
        assert sum(c for _, m, _, c in rows if m == "users") == active
    assert all(e.passed for e in result.get_asset_check_evaluations())


def test_license_keys_are_listed_and_never_written(start_revenera, tmp_path: Path) -> None:
    server, _ = start_revenera()
    db = tmp_path / "w.duckdb"
    assert dg.materialize([revenera_license_keys], resources=resources(server, db)).success
    with make_client(server.base_url) as client:
        vendor = {pid: client.license_keys(pid) for pid in PRODUCTS}
    for product_id, keys in vendor.items():
        assert keys
        rows = query(
            db,
            f"SELECT license_key, license_type, status, expiry_date, vendor_fields->>'licenseKey' FROM revenera.license_keys WHERE product_id = '{product_id}' ORDER BY 1",
        )
        assert [r[0] for r in rows] == sorted(k.license_key for k in keys)
        assert all(r[2] in ("blocked", "expired", "activated", "allowed") and r[3] is not None and r[4] == r[0] for r in rows)
    assert not [p for p in server.requests_by_path if "updateKeys" in p]


def test_event_usage_lands_basic_and_advanced_events(start_revenera, tmp_path: Path) -> None:
    server, _ = start_revenera()
    db = tmp_path / "w.duckdb"
    assert dg.materialize([revenera_event_usage], partition_key=DAY.isoformat(), resources=resources(server, db)).success
    tracking = dict(query(db, "SELECT tracking, count(*) FROM revenera.event_usage GROUP BY ALL"))
    assert tracking.get("ADVANCED", 0) > 0 and tracking.get("BASIC", 0) > 0
    assert query(db, "SELECT count(*) FROM revenera.event_usage WHERE tracking = 'BASIC' AND unique_users IS NOT NULL") == [(0,)]
