"""raygun/pages and raygun/error_groups land what the v3 emulator serves, replaced per application."""

from __future__ import annotations

from pathlib import Path

from rum_assets.raygun.v3_assets import ERROR_GROUPS_KEY, PAGES_KEY, ROWS_BY_APPLICATION, raygun_error_groups, raygun_pages
from rum_assets_tests.fakes import FakeClock
from rum_assets_tests.raygun.test_v3_assets_support import (
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


def test_error_groups_land_message_and_status(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, app = start_v3()
    result = materialize([raygun_error_groups], resources(server, tmp_path))
    assert result.success
    stored = query(
        tmp_path,
        "SELECT application_id, identifier, message, status, created_at, last_occurred_at FROM raygun.error_groups ORDER BY application_id, identifier",
    )
    expected = []
    for app_id in RUM_APPS:
        spec = next(a for a in app.config.applications if a.identifier == app_id)
        for group in app.catalogs[app_id].error_groups:
            r = group.record(spec, now_ms(app))
            expected.append((app_id, r["identifier"], r["message"], r["status"], instant(r["createdAt"]), instant(r["lastOccurredAt"])))
    assert stored == sorted(expected)
    assert metadata(result, ERROR_GROUPS_KEY)["dagster/row_count"] == len(expected)
