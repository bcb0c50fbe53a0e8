"""raygun/deployments lands the deployments of one UTC day, every described field in a column and the others
kept, replaced per (day, application); a deployment without ``deployedAt`` is set aside, not lost."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from rum_assets.orchestration.quality import NO_NULL_KEYS
from rum_assets.raygun.v3.assets import DEPLOYMENTS_KEY, ROWS_BY_APPLICATION, raygun_deployments
from rum_assets_tests.raygun.v3.test_v3_assets_support import (
    DAY,
    NOW,
    RUM_APPS,
    WEB_APP,
    clock,  # noqa: F401  (fixture)
    instant,
    materialize,
    metadata,
    query,
    resources,
    start_v3,  # noqa: F401  (fixture)
)
from rum_emulator.faults import FaultRule
from rum_emulator.raygun_v3 import RaygunV3App

COLUMNS = (
    "partition_date, application_id, identifier, version, deployed_at, owner_name, email_address, comment, "
    "scm_identifier, scm_type, application_url, undescribed_fields"
)


def served(app: RaygunV3App, app_id: str) -> list[dict[str, Any]]:
    """Every deployment the emulator lists for ``app_id`` now."""
    spec = next(a for a in app.config.applications if a.identifier == app_id)
    window = app.window(app_id)
    return [d.record(spec) for d in app.catalogs[app_id].releases.listed(window.first_day, window.now_ms)]


def deployed_on(record: dict[str, Any]) -> date:
    return instant(record["deployedAt"]).astimezone(UTC).date()


def a_day_with_deployments(app: RaygunV3App) -> date:
    """The latest complete UTC day on which some application deployed."""
    days = {deployed_on(r) for app_id in RUM_APPS for r in served(app, app_id)}
    return max(day for day in days if day < NOW.date())


def as_row(app_id: str, day: date, r: dict[str, Any]) -> tuple[Any, ...]:
    return (
        day, app_id, r["identifier"], r["version"], instant(r["deployedAt"]), r.get("ownerName"), r.get("emailAddress"),
        r.get("comment"), r.get("scmIdentifier"), r.get("scmType"), r["applicationUrl"], None,
    )  # fmt: skip


def test_a_days_deployments_land_with_every_described_field(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, app = start_v3()
    day = a_day_with_deployments(app)
    result = materialize([raygun_deployments], resources(server, tmp_path, pii_mode="keep"), day)
    assert result.success
    stored = query(tmp_path, f"SELECT {COLUMNS} FROM raygun.deployments ORDER BY application_id, identifier")
    expected = sorted(as_row(app_id, day, r) for app_id in RUM_APPS for r in served(app, app_id) if deployed_on(r) == day)
    assert stored == expected and stored
    everything = [r for app_id in RUM_APPS for r in served(app, app_id)]
    assert len(everything) > len(stored)  # the whole list was read; only the day's deployments landed
    meta = metadata(result, DEPLOYMENTS_KEY)
    assert meta["dagster/row_count"] == len(stored)
    assert sum(meta[ROWS_BY_APPLICATION].values()) == len(stored) and set(meta[ROWS_BY_APPLICATION]) == set(RUM_APPS)
    assert "version" in meta["preview"]
    assert {c.name for c in meta["dagster/column_schema"].columns} >= {"scm_type", "undescribed_fields"}
    assert all(check.passed for check in result.get_asset_check_evaluations())


def test_a_day_without_deployments_is_empty_and_a_rerun_replaces_the_day(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, app = start_v3()
    day = a_day_with_deployments(app)
    quiet = next(
        d
        for d in (date.fromordinal(day.toordinal() - n) for n in range(1, 14))
        if all(deployed_on(r) != d for a in RUM_APPS for r in served(app, a))
    )
    config = resources(server, tmp_path)
    assert materialize([raygun_deployments], config, day).success
    landed = query(tmp_path, "SELECT identifier, _run_id FROM raygun.deployments ORDER BY ALL")
    empty = materialize([raygun_deployments], config, quiet)
    assert empty.success and metadata(empty, DEPLOYMENTS_KEY)["dagster/row_count"] == 0
    assert query(tmp_path, "SELECT identifier, _run_id FROM raygun.deployments ORDER BY ALL") == landed
    assert materialize([raygun_deployments], config, day).success
    again = query(tmp_path, "SELECT identifier, _run_id FROM raygun.deployments ORDER BY ALL")
    assert [row[0] for row in again] == [row[0] for row in landed] and {row[1] for row in again}.isdisjoint({row[1] for row in landed})


def test_owner_and_email_follow_the_pii_policy(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, app = start_v3()
    day = a_day_with_deployments(app)
    salt = "deploy-salt"
    assert materialize([raygun_deployments], resources(server, tmp_path, pii_mode="hash", pii_salt=salt), day).success
    stored = {row[0]: row[1:] for row in query(tmp_path, "SELECT identifier, owner_name, email_address FROM raygun.deployments")}

    def hashed(value: str | None) -> str | None:
        return None if value is None else hashlib.sha256((salt + value).encode()).hexdigest()

    for r in (r for a in RUM_APPS for r in served(app, a) if deployed_on(r) == day):
        assert stored[r["identifier"]] == (hashed(r.get("ownerName")), hashed(r.get("emailAddress")))


@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_undescribed_fields_are_kept_and_a_deployment_without_a_time_is_set_aside(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, _ = start_v3()
    noon, next_midnight = datetime.combine(DAY, time(12), tzinfo=UTC), datetime.combine(DAY + timedelta(days=1), time(0), tzinfo=UTC)
    listed = [
        {"identifier": "dp1", "applicationIdentifier": WEB_APP, "version": "3.0.0", "deployedAt": noon.isoformat(), "buildNumber": 42},
        {"identifier": "dp2", "applicationIdentifier": WEB_APP, "version": "3.0.1", "deployedAt": next_midnight.isoformat()},
        {"identifier": "dp3", "applicationIdentifier": WEB_APP, "version": "3.0.2"},
    ]
    server.faults.add(FaultRule(f"/v3/applications/{WEB_APP}/deployments", status=200, body=json.dumps(listed).encode()))
    result = materialize([raygun_deployments], resources(server, tmp_path, application_ids=WEB_APP), DAY)
    assert not result.success  # the blocking null-key check fails the run
    [(identifier, deployed_at, undescribed)] = query(tmp_path, "SELECT identifier, deployed_at, undescribed_fields FROM raygun.deployments")
    assert (identifier, deployed_at) == ("dp1", noon)
    assert json.loads(undescribed) == {"buildNumber": 42}
    [(rejected,)] = query(tmp_path, "SELECT row_json FROM raygun._rejected_rows WHERE table_name = 'raygun.deployments'")
    assert json.loads(rejected)["identifier"] == "dp3"
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks[NO_NULL_KEYS] is False
