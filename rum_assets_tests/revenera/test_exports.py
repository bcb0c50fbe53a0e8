"""Export files of every layout the emulator can write land whole: every row, every column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from rum_assets.revenera import csv_pieces, export_assets
from rum_assets.revenera.csv_load import ExtractedCsv
from rum_assets.revenera.export_assets import revenera_custom_events, revenera_exceptions, revenera_raw_events
from rum_assets.revenera.resource import ReveneraResource
from rum_assets.warehouse.resource import WarehouseResource
from rum_emulator.environment import DEMO_REVENERA_PASSWORD, DEMO_REVENERA_USERNAME
from rum_emulator.faults import FaultRule
from rum_emulator.server import EmulatorServer

from .conftest import DAY, PRODUCTS

EXPORTS = [revenera_raw_events, revenera_exceptions, revenera_custom_events]
TABLES = {"raw": "raw_events", "exc": "exceptions", "cust": "custom_events"}
KNOWN = {
    "raw": "event_time, client_id, session_id, event_category, event_name, event_data, prod_version, prod_edition, license_type, os_platform, country",
    "exc": "event_time, client_id, prod_version, prod_edition, license_type, os_platform, country, class_name, method_name, exception_message, stack_trace",
    "cust": "event_time, client_id, prod_version, prod_edition, license_type, country, cpu_cores, ram, key_allowed, event_category, event_name, event_data",
}


@pytest.fixture(params=[1, 4], ids=["one piece", "four pieces"])
def pieces(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Export files cut into up to this many pieces (tiny ones, so that the emulator's files are cut);
    yields how many pieces each extraction made."""
    made: list[int] = []
    extract = export_assets.extract_csv

    def counting_extract(*args: Any, **kwargs: Any) -> ExtractedCsv:
        extracted = extract(*args, **kwargs)
        made.append(len(extracted.pieces))
        return extracted

    monkeypatch.setattr(csv_pieces, "MIN_PIECE_BYTES", 16)
    monkeypatch.setattr(export_assets, "reader_threads", lambda: request.param)
    monkeypatch.setattr(export_assets, "extract_csv", counting_extract)
    return made


def resources(server: EmulatorServer, db: Path, **options: Any) -> dict[str, Any]:
    return {
        "revenera": ReveneraResource(
            username=DEMO_REVENERA_USERNAME,
            password=DEMO_REVENERA_PASSWORD,
            base_url=server.base_url,
            **{"product_ids": ",".join(PRODUCTS), "max_attempts": 2, **options},
        ),
        "warehouse": WarehouseResource(database=str(db)),
    }


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def columns(db: Path, table: str) -> dict[str, tuple[str, str | None]]:
    rows = query(
        db, f"SELECT column_name, data_type, comment FROM duckdb_columns() WHERE schema_name = 'revenera' AND table_name = '{table}'"
    )
    return {name: (data_type, comment) for name, data_type, comment in rows}


def load(
    start_revenera, tmp_path: Path, name: str, assets: list[dg.AssetsDefinition] = EXPORTS, **layout: Any
) -> tuple[Path, Any, dg.ExecuteInProcessResult]:
    server, app = start_revenera(**layout)
    db = tmp_path / f"{name}.duckdb"
    result = dg.materialize(assets, partition_key=DAY.isoformat(), resources=resources(server, db), raise_on_error=False)
    return db, app, result


def test_friendly_reversed_headers_with_extra_columns_land_every_row_and_column(start_revenera, tmp_path: Path, pieces: list[int]) -> None:
    plain, app, first = load(start_revenera, tmp_path, "plain")
    odd, _, second = load(
        start_revenera,
        tmp_path,
        "odd",
        export_header_style="friendly",
        export_column_order="reversed",
        export_extra_columns=("Region Code", "row number"),
        export_raw_timestamp_header="eventTimestamp",
    )
    assert first.success and second.success
    for kind, table in TABLES.items():
        for product_id in PRODUCTS:
            expected = app.expected_export_rows(kind, product_id, DAY)
            assert expected > 0
            for db in (plain, odd):
                assert query(db, f"SELECT count(*), max(row_number) FROM revenera.{table} WHERE product_id = '{product_id}'") == [
                    (expected, expected)
                ]
        same = f"SELECT row_number, {KNOWN[kind]} FROM revenera.{table} ORDER BY product_id, row_number"
        assert query(odd, same) == query(plain, same)
        assert query(
            odd,
            f"SELECT count(*) FROM revenera.{table} WHERE event_time IS NULL OR client_id IS NULL OR region_code IS NULL OR row_number_2 IS NULL",
        ) == [(0,)]
        found = columns(odd, table)
        assert found["event_time"][0] == "TIMESTAMP"
        assert found["region_code"] == ("VARCHAR", "Export header 'Region Code' (not a known column: loaded as text)")
        assert found["row_number_2"][1] == "Export header 'row number' (not a known column: loaded as text)"
    assert set(pieces) == {export_assets.reader_threads()}
    materialization = second.asset_materializations_for_node("revenera__raw_events")[0]
    new = materialization.metadata["revenera/new_columns"].value
    assert {(c["header"], c["column"]) for c in new} == {("Region Code", "region_code"), ("row number", "row_number_2")}
    assert "region_code" in [c.name for c in materialization.metadata["dagster/column_schema"].value.columns]


def test_a_missing_column_is_null_and_warns(start_revenera, tmp_path: Path) -> None:
    db, _, result = load(start_revenera, tmp_path, "missing", [revenera_raw_events], export_missing_columns=("sessionId",))
    assert result.success
    assert query(db, "SELECT count(*), count(session_id) FROM revenera.raw_events")[0][1] == 0
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    check = evaluations["export_columns_complete"]
    assert check.passed is False and check.severity == dg.AssetCheckSeverity.WARN
    assert check.metadata["missing_by_product"].value == {pid: ["session_id"] for pid in PRODUCTS}
    assert evaluations["unique_keys"].passed and evaluations["no_null_keys"].passed


@pytest.mark.logs_at("WARNING", why="it is about a file that is not UTF-8, which is logged as a WARNING")
def test_bom_latin1_and_quoted_newlines(start_revenera, tmp_path: Path, pieces: list[int]) -> None:
    bom, app, with_bom = load(start_revenera, tmp_path, "bom", [revenera_raw_events], export_bom=True)
    assert with_bom.success
    assert query(bom, "SELECT count(*) FROM revenera.raw_events WHERE event_time IS NULL") == [(0,)]
    assert not [c for c in columns(bom, "raw_events") if c.startswith(("ufeff", "col_", "column_"))]
    assert query(bom, "SELECT count(*) FROM revenera.raw_events WHERE event_data = 'Zürich'")[0][0] > 0

    latin, _, latin_result = load(start_revenera, tmp_path, "latin", [revenera_exceptions], export_encoding="latin-1")
    assert latin_result.success
    assert query(latin, "SELECT count(*) FROM revenera.exceptions WHERE exception_message LIKE '%Ã%'") == [(0,)]
    assert query(latin, "SELECT count(*) FROM revenera.exceptions WHERE regexp_matches(exception_message, '[äöüéãç]')")[0][0] > 0
    encodings = latin_result.asset_materializations_for_node("revenera__exceptions")[0].metadata["revenera/encodings"].value
    assert encodings == {pid: "latin-1" for pid in PRODUCTS}

    quoted, _, quoted_result = load(start_revenera, tmp_path, "quoted", [revenera_exceptions], export_quoted_newlines=True)
    assert quoted_result.success
    for product_id in PRODUCTS:
        expected = app.expected_export_rows("exc", product_id, DAY)
        assert query(quoted, f"SELECT count(*) FROM revenera.exceptions WHERE product_id = '{product_id}'") == [(expected,)]
    assert query(quoted, "SELECT count(*) FROM revenera.exceptions WHERE contains(stack_trace, chr(10))")[0][0] > 0
    assert set(pieces) == {export_assets.reader_threads()}


def test_a_miscounted_file_is_read_again_as_one_piece(start_revenera, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_pieces, "MIN_PIECE_BYTES", 16)
    plain, app, _ = load(start_revenera, tmp_path, "plain", [revenera_exceptions], export_quoted_newlines=True)
    monkeypatch.setattr(export_assets, "reader_threads", lambda: 3)
    finish = csv_pieces.RecordCounter.finish
    monkeypatch.setattr(csv_pieces.RecordCounter, "finish", lambda counter: finish(counter) + 1)
    server, _ = start_revenera(export_quoted_newlines=True)
    miscounted = tmp_path / "miscounted.duckdb"
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [revenera_exceptions], partition_key=DAY.isoformat(), resources=resources(server, miscounted), instance=instance
        )
        logged = [record.user_message for record in instance.all_logs(result.run_id)]
    assert result.success
    same = f"SELECT product_id, row_number, {KNOWN['exc']} FROM revenera.exceptions ORDER BY ALL"
    assert query(miscounted, same) == query(plain, same)
    assert len(query(plain, same)) == sum(app.expected_export_rows("exc", product_id, DAY) for product_id in PRODUCTS)
    assert sum("in 3 pieces failed (the load yielded" in message and "reading it again as one" in message for message in logged) == 2


@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_a_broken_csv_fails_that_product_only_and_keeps_its_rows(start_revenera, tmp_path: Path, pieces: list[int]) -> None:
    server, _ = start_revenera()
    db = tmp_path / "broken.duckdb"
    res = resources(server, db)
    assert dg.materialize([revenera_raw_events], partition_key=DAY.isoformat(), resources=res).success
    before = query(db, "SELECT product_id, count(*) FROM revenera.raw_events GROUP BY ALL ORDER BY ALL")
    broken = _zip_of("timestamp,clientId\r\n2026-01-01T00:00:00,A\r\n2026-01-01T00:00:01,B,extra\r\n")
    server.faults.add(FaultRule("/download/", status=200, body=broken, times=1))
    result = dg.materialize([revenera_raw_events], partition_key=DAY.isoformat(), resources=res, raise_on_error=False)
    assert not result.success
    message = result.get_step_failure_events()[0].step_failure_data.error.message  # type: ignore[union-attr]
    assert "1 of 2 products failed" in message
    assert f"export file {PRODUCTS[0]}_{DAY.isoformat()}.zip of product {PRODUCTS[0]}" in message and "line 3" in message
    assert "(line: 2026-01-01T00:00:01,B,extra)" in message
    assert 1 in pieces and export_assets.reader_threads() in pieces  # described from the file read as one piece
    assert query(db, "SELECT product_id, count(*) FROM revenera.raw_events GROUP BY ALL ORDER BY ALL") == before


@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_a_disabled_kind_fails_fast(start_revenera, tmp_path: Path) -> None:
    server, _ = start_revenera()
    result = dg.materialize(
        [revenera_exceptions],
        partition_key=DAY.isoformat(),
        resources=resources(server, tmp_path / "w.duckdb", export_kinds="raw,cust"),
        raise_on_error=False,
    )
    message = result.get_step_failure_events()[0].step_failure_data.error.message  # type: ignore[union-attr]
    assert "('exc') is disabled: REVENERA_EXPORT_KINDS is raw,cust" in message
    assert server.requests_by_path.get(f"/v3/exceptionTracking/listFiles/{PRODUCTS[0]}", 0) == 0


def _zip_of(text: str) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export.csv", text.encode("utf-8"))
    return buffer.getvalue()
