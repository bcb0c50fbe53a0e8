"""raygun/pages and raygun/error_groups land what the v3 emulator serves, every described field in a column and
the others kept, replaced per application."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from rum_assets.raygun.v3.assets import ERROR_GROUPS_KEY, PAGES_KEY, ROWS_BY_APPLICATION, raygun_error_groups, raygun_pages
from rum_assets_tests.fakes import FakeClock
from rum_assets_tests.raygun.v3.test_v3_assets_support import (
    MOBILE_APP,
    RUM_APPS,
    WEB_APP,
    clock,  # noqa: F401  (fixture)
    instant,
    materialize,
    metadata,
    now_ms,
    query,
    resources,
    start_v3,  # noqa: F401  (fixture)
)
from rum_emulator.faults import FaultRule


def test_pages_land_web_and_mobile_catalogs(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, app = start_v3()
    result = materialize([raygun_pages], resources(server, tmp_path))
    assert result.success
    stored = query(
        tmp_path, "SELECT application_id, identifier, type, uri, name, last_seen_at FROM raygun.pages ORDER BY application_id, identifier"
    )
    expected = []
    for app_id in RUM_APPS:
        spec = next(a for a in app.config.applications if a.identifier == app_id)
        for page in app.catalogs[app_id].pages:
            record = page.record(spec, now_ms(app))
            expected.append(
                (app_id, record["identifier"], record["type"], record.get("uri"), record.get("name"), instant(record["lastSeenAt"]))
            )
    assert stored == sorted(expected)
    assert {row[2] for row in stored if row[0] == MOBILE_APP} == {"mobile"} and all(
        row[3] is None for row in stored if row[0] == MOBILE_APP
    )
    assert {row[2] for row in stored if row[0] == WEB_APP} == {"web"} and all(
        row[3].startswith("https://") for row in stored if row[0] == WEB_APP
    )
    meta = metadata(result, PAGES_KEY)
    assert meta["dagster/row_count"] == len(expected)
    assert meta[ROWS_BY_APPLICATION] == {a: len(app.catalogs[a].pages) for a in RUM_APPS}
    assert "identifier" in meta["preview"]


def test_pages_are_replaced_per_application(start_v3, clock: FakeClock, tmp_path: Path) -> None:  # noqa: F811
    server, app = start_v3()
    assert materialize([raygun_pages], resources(server, tmp_path)).success
    clock.advance(3600)
    assert materialize([raygun_pages], resources(server, tmp_path, application_ids=WEB_APP)).success
    latest = {row[0]: row[1] for row in query(tmp_path, "SELECT application_id, max(last_seen_at) FROM raygun.pages GROUP BY ALL")}
    spec = app.config.applications[0]
    assert latest[WEB_APP] == max(instant(p.record(spec, now_ms(app))["lastSeenAt"]) for p in app.catalogs[WEB_APP].pages)
    assert latest[MOBILE_APP] < latest[WEB_APP]  # the mobile app was not loaded again and kept its rows
    assert query(tmp_path, "SELECT count(*) FROM raygun.pages WHERE application_id = ?", [WEB_APP])[0][0] == len(
        app.catalogs[WEB_APP].pages
    )


GROUP_COLUMNS = (
    "application_id, identifier, message, status, created_at, last_occurred_at, resolved_in_version, "
    "resolved_in_discard_from_previous_versions, discard_new_occurrences, application_url, undescribed_fields"
)


def test_error_groups_land_every_described_field(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, app = start_v3()
    result = materialize([raygun_error_groups], resources(server, tmp_path))
    assert result.success
    stored = query(tmp_path, f"SELECT {GROUP_COLUMNS} FROM raygun.error_groups ORDER BY application_id, identifier")
    expected = []
    for app_id in RUM_APPS:
        spec = next(a for a in app.config.applications if a.identifier == app_id)
        for group in app.catalogs[app_id].error_groups:
            r = group.record(spec, now_ms(app))
            resolved = r.get("resolvedIn", {})
            expected.append(
                (
                    app_id, r["identifier"], r["message"], r["status"], instant(r["createdAt"]), instant(r["lastOccurredAt"]),
                    resolved.get("version"), resolved.get("discardFromPreviousVersions"), r["discardNewOccurrences"],
                    r["applicationUrl"], None,
                )
            )  # fmt: skip
    assert stored == sorted(expected)
    resolved_rows = [row for row in stored if row[3] == "resolved"]
    assert resolved_rows and all(row[6] and row[7] is not None for row in resolved_rows)
    assert all(row[9].startswith("https://") for row in stored)
    meta = metadata(result, ERROR_GROUPS_KEY)
    assert meta["dagster/row_count"] == len(expected)
    assert "resolved_in_version" in meta["preview"]
    assert {c.name for c in meta["dagster/column_schema"].columns} >= {"discard_new_occurrences", "undescribed_fields"}


def test_error_group_fields_the_description_does_not_give_are_kept(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, _ = start_v3()
    group = {
        "identifier": "eg1",
        "applicationIdentifier": WEB_APP,
        "message": "TypeError",
        "status": "snoozed",
        "lastOccurredAt": "2026-11-20T10:00:00Z",
        "createdAt": "2026-01-02T03:04:05.678Z",
        "resolvedIn": {"version": "2.1.0", "discardFromPreviousVersions": True, "build": 7},
        "severity": "high",
        "tags": ["checkout"],
    }
    server.faults.add(FaultRule(f"/v3/applications/{WEB_APP}/error-groups", status=200, body=json.dumps([group]).encode()))
    assert materialize([raygun_error_groups], resources(server, tmp_path, application_ids=WEB_APP)).success
    [(status, version, discard, undescribed)] = query(
        tmp_path,
        "SELECT status, resolved_in_version, resolved_in_discard_from_previous_versions, undescribed_fields FROM raygun.error_groups",
    )
    assert (status, version, discard) == ("snoozed", "2.1.0", True)
    assert json.loads(undescribed) == {"severity": "high", "tags": ["checkout"], "resolvedIn": {"build": 7}}


def test_an_error_groups_table_written_before_gains_the_new_columns(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, app = start_v3()
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:
        conn.execute("CREATE SCHEMA raygun")
        conn.execute(
            "CREATE TABLE raygun.error_groups (identifier VARCHAR NOT NULL, application_id VARCHAR NOT NULL, message VARCHAR, "
            "status VARCHAR, created_at TIMESTAMPTZ, last_occurred_at TIMESTAMPTZ, _run_id VARCHAR NOT NULL, _ingested_at TIMESTAMPTZ NOT NULL)"
        )
        conn.execute("INSERT INTO raygun.error_groups VALUES ('old', ?, 'kept', 'active', NULL, NULL, 'r0', now())", [MOBILE_APP])
    assert materialize([raygun_error_groups], resources(server, tmp_path, application_ids=WEB_APP)).success
    rows = query(tmp_path, "SELECT application_id, identifier, application_url FROM raygun.error_groups ORDER BY ALL")
    assert (MOBILE_APP, "old", None) in rows  # another application's rows are not touched
    web = [row for row in rows if row[0] == WEB_APP]
    assert len(web) == len(app.catalogs[WEB_APP].error_groups) and all(row[2] for row in web)
