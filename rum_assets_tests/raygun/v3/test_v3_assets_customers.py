"""raygun/customers: the first run lands every customer, later runs fetch only customers seen since the
stored watermark and upsert them; PII follows the resource's policy."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from rum_assets.raygun.v3.assets import CUSTOMER_WATERMARKS, CUSTOMERS_FETCHED, CUSTOMERS_KEY, raygun_customers
from rum_assets_tests.fakes import FakeClock
from rum_assets_tests.raygun.v3.test_v3_assets_support import (
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
from rum_emulator.raygun_v3 import RaygunV3App

COLUMNS = "application_id, identifier, external_identifier, email_address, first_name, full_name, is_anonymous, first_seen_at, last_seen_at"


def served(app: RaygunV3App, app_id: str) -> list[dict[str, Any]]:
    spec = next(a for a in app.config.applications if a.identifier == app_id)
    return [customer.record(spec, now_ms(app)) for customer in app.catalogs[app_id].customers]


def as_row(app_id: str, r: dict[str, Any]) -> tuple[Any, ...]:
    return (
        app_id, r["identifier"], r["externalIdentifier"], r.get("emailAddress"), r.get("firstName"), r.get("fullName"),
        r["isAnonymous"], instant(r["firstSeenAt"]), instant(r["lastSeenAt"]),
    )  # fmt: skip


def stored(tmp_path: Path, app_id: str) -> dict[str, tuple[Any, ...]]:
    rows = query(tmp_path, f"SELECT {COLUMNS} FROM raygun.customers WHERE application_id = ?", [app_id])
    return {row[1]: row for row in rows}


def test_first_run_lands_every_customer(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, app = start_v3(customers_per_application=120)
    result = materialize([raygun_customers], resources(server, tmp_path, pii_mode="keep"))
    assert result.success
    for app_id in RUM_APPS:
        assert stored(tmp_path, app_id) == {r["identifier"]: as_row(app_id, r) for r in served(app, app_id)}
    meta = metadata(result, CUSTOMERS_KEY)
    assert meta["dagster/row_count"] == 240
    assert meta[CUSTOMERS_FETCHED] == {app_id: 120 for app_id in RUM_APPS}
    assert meta[CUSTOMER_WATERMARKS] == {app_id: None for app_id in RUM_APPS}


def test_later_runs_fetch_only_customers_seen_since_the_watermark_and_upsert_them(start_v3, clock: FakeClock, tmp_path: Path) -> None:  # noqa: F811
    server, app = start_v3(customers_per_application=300)
    config = resources(server, tmp_path, pii_mode="keep", application_ids=WEB_APP)
    assert materialize([raygun_customers], config).success
    before = stored(tmp_path, WEB_APP)
    watermark = max(row[8] for row in before.values())

    clock.advance(6 * 3600)  # every customer's lastSeenAt moves 6 hours on in the emulator
    now = {r["identifier"]: r for r in served(app, WEB_APP)}
    seen_again = {ident for ident, r in now.items() if instant(r["lastSeenAt"]) >= watermark}
    assert 0 < len(seen_again) < len(now)

    second = materialize([raygun_customers], config)
    assert second.success
    meta = metadata(second, CUSTOMERS_KEY)
    assert meta[CUSTOMERS_FETCHED] == {WEB_APP: len(seen_again)}
    assert instant(meta[CUSTOMER_WATERMARKS][WEB_APP]) == watermark
    after = stored(tmp_path, WEB_APP)
    assert len(after) == len(before) == meta["dagster/row_count"]
    for ident, row in after.items():
        expected = as_row(WEB_APP, now[ident]) if ident in seen_again else before[ident]
        assert row == expected, ident
    assert query(tmp_path, "SELECT count(DISTINCT _run_id) FROM raygun.customers")[0][0] == 2


def test_a_run_with_nothing_new_fetches_only_the_newest_and_changes_nothing(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, _ = start_v3(customers_per_application=80)
    config = resources(server, tmp_path, pii_mode="keep", application_ids=WEB_APP)
    assert materialize([raygun_customers], config).success
    before = stored(tmp_path, WEB_APP)
    newest = max(before.values(), key=lambda row: row[8])
    again = materialize([raygun_customers], config)
    assert again.success
    assert metadata(again, CUSTOMERS_KEY)[CUSTOMERS_FETCHED] == {WEB_APP: sum(1 for row in before.values() if row[8] == newest[8])}
    assert stored(tmp_path, WEB_APP) == before


def test_pii_is_hashed_with_the_salt(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, app = start_v3(customers_per_application=60)
    salt = "test-salt"
    assert materialize([raygun_customers], resources(server, tmp_path, pii_mode="hash", pii_salt=salt, application_ids=WEB_APP)).success
    rows = stored(tmp_path, WEB_APP)

    def hashed(value: str | None) -> str | None:
        return None if value is None else hashlib.sha256((salt + value).encode()).hexdigest()

    named = [r for r in served(app, WEB_APP) if r.get("emailAddress")]
    assert named
    for r in served(app, WEB_APP):
        row = rows[r["identifier"]]
        names = (r["externalIdentifier"], r.get("emailAddress"), r.get("firstName"), r.get("fullName"))
        assert row[2:6] == tuple(hashed(value) for value in names)
        assert row[6:] == (r["isAnonymous"], instant(r["firstSeenAt"]), instant(r["lastSeenAt"]))
    dump = str(query(tmp_path, "SELECT * FROM raygun.customers"))
    assert not any(r["emailAddress"] in dump or r["fullName"] in dump for r in named)
