"""A client the vendor lists without its id: the row is kept aside and the blocking check fails, naming where."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from rum_assets.orchestration.quality import NO_NULL_KEYS, UNIQUE_KEYS
from rum_assets.revenera.assets import revenera_client_profiles
from rum_emulator.faults import FaultRule

from .conftest import DAY, PRODUCTS
from .test_exports import resources


def _page_with_a_client_without_id() -> bytes:
    daily = {"date": DAY.isoformat(), "prodVersion": "1.0", "geography.country": "NZ"}
    clients = [
        {"clientId": "C-1", "dailyData": [daily]},
        {"clientId": None, "dailyData": [daily]},
        {"clientId": "C-1", "dailyData": [daily]},
    ]
    return json.dumps({"result": clients, "reachedEnd": True, "nextClientId": None}).encode()


@pytest.mark.logs_at("ERROR", why="it is about a failing key check, which Dagster logs at ERROR")
def test_null_and_repeated_client_ids_fail_and_warn_and_the_row_without_a_key_is_kept(start_revenera, tmp_path: Path) -> None:
    server, _ = start_revenera()
    server.faults.add(
        FaultRule(f"/v3/reporting/clientPropertyList/{PRODUCTS[0]}", status=200, body=_page_with_a_client_without_id(), times=None)
    )
    db = tmp_path / "w.duckdb"
    result = dg.materialize(
        [revenera_client_profiles],
        partition_key=DAY.isoformat(),
        resources=resources(server, db, product_ids=PRODUCTS[0]),
        raise_on_error=False,
    )
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    nulls = checks[NO_NULL_KEYS]
    assert not nulls.passed and nulls.severity == dg.AssetCheckSeverity.ERROR
    assert nulls.description and "1 rows" in nulls.description and "revenera._rejected_rows" in nulls.description
    repeated = checks[UNIQUE_KEYS]
    assert not repeated.passed and repeated.severity == dg.AssetCheckSeverity.WARN
    with duckdb.connect(str(db), read_only=True) as conn:
        assert conn.execute("SELECT client_id FROM revenera.client_profiles").fetchall() == [("C-1",)]
        rejected = conn.execute("SELECT table_name, partition_date, row_json FROM revenera._rejected_rows").fetchall()
    assert [(name, day) for name, day, _ in rejected] == [("revenera.client_profiles", DAY)]
    assert json.loads(rejected[0][2])["country"] == "NZ"
