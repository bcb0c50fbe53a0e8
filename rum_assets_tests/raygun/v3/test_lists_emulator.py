"""Every v3 list against the strict emulator (no order without ``orderby``, a 400 for a value outside its
enum): the order each sends, and offset paging that returns every row exactly once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from rum_assets.raygun.v3.models import undescribed
from rum_assets_tests.fakes import FakeClock
from rum_assets_tests.raygun.v3.conftest import WEB_APP, fake_time_client
from rum_emulator.raygun_v3 import RaygunV3App
from rum_emulator.raygun_v3.recording import Exchange, recorded
from rum_emulator.raygun_v3.timeutil import floor_ms

MOBILE_APP = "mb4x9r"


def _orderby(exchanges: list[Exchange], suffix: str) -> set[tuple[str, ...]]:
    """The ``orderby`` values of each answered request whose path ends with ``suffix``."""
    return {tuple(value for name, value in e.query if name == "orderby") for e in exchanges if e.path.endswith(suffix)}


def _instant(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _spec(app: RaygunV3App, identifier: str) -> Any:
    return next(a for a in app.config.applications if a.identifier == identifier)


def test_each_list_sends_an_order_its_description_allows(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _, _ = start_v3(sessions_per_day=20, retention_days=2)
    with recorded() as exchanges, fake_time_client(server, clock, tmp_path) as client:
        client.list_applications()
        for lister in (client.iter_pages, client.iter_customers, client.iter_error_groups, client.iter_deployments, client.iter_sessions):
            list(lister(WEB_APP))
    assert {e.status for e in exchanges} == {200}
    assert _orderby(exchanges, "/applications") == {("apikey",)}
    assert _orderby(exchanges, "/pages") == {("uri,name",)}
    assert _orderby(exchanges, "/customers") == {("lastSeenAt desc", "firstSeenAt desc")}
    assert _orderby(exchanges, "/error-groups") == {("createdAt,message",)}
    assert _orderby(exchanges, "/deployments") == {("deployedAt,version",)}
    assert _orderby(exchanges, "/sessions") == {("startedAt",)}


def test_small_pages_return_every_row_once_although_unordered_lists_shuffle(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, app, _ = start_v3(customers_per_application=97)
    now = floor_ms(app.now())
    web, mobile = _spec(app, WEB_APP), _spec(app, MOBILE_APP)
    with recorded() as exchanges, fake_time_client(server, clock, tmp_path, page_size=3) as client:
        applications = client.list_applications()
        web_pages = [p for page in client.iter_pages(WEB_APP) for p in page]
        mobile_pages = [p for page in client.iter_pages(MOBILE_APP) for p in page]
        customers = [c for page in client.iter_customers(WEB_APP) for c in page]
        groups = [g for page in client.iter_error_groups(WEB_APP) for g in page]
        deployments = [d for page in client.iter_deployments(WEB_APP) for d in page]
    assert len(exchanges) > 50  # dozens of pages: one that moved under us would have lost or repeated rows
    assert [a.identifier for a in applications] == [a.identifier for a in sorted(app.config.applications, key=lambda a: a.api_key)]
    assert [p.uri for p in web_pages] == sorted(p.record(web, now)["uri"] for p in app.catalogs[WEB_APP].pages)
    assert [p.name for p in mobile_pages] == sorted(p.record(mobile, now)["name"] for p in app.catalogs[MOBILE_APP].pages)
    served_customers = [c.record(web, now) for c in app.catalogs[WEB_APP].customers]
    assert [c.identifier for c in customers] == [
        r["identifier"] for r in sorted(served_customers, key=lambda r: (r["lastSeenAt"], r["firstSeenAt"]), reverse=True)
    ]
    served_groups = [g.record(web, now) for g in app.catalogs[WEB_APP].error_groups]
    assert [g.identifier for g in groups] == [r["identifier"] for r in sorted(served_groups, key=lambda r: (r["createdAt"], r["message"]))]
    window = app.window(WEB_APP)
    served_deployments = [d.record(web) for d in app.catalogs[WEB_APP].releases.listed(window.first_day, window.now_ms)]
    assert len(served_deployments) > 3
    assert [d.identifier for d in deployments] == [r["identifier"] for r in served_deployments]  # listed oldest first


def test_error_groups_and_deployments_carry_every_described_field(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, app, _ = start_v3()
    web = _spec(app, WEB_APP)
    with fake_time_client(server, clock, tmp_path) as client:
        groups = {g.identifier: g for page in client.iter_error_groups(WEB_APP) for g in page}
        deployments = {d.identifier: d for page in client.iter_deployments(WEB_APP) for d in page}
    now = floor_ms(app.now())
    for served in (g.record(web, now) for g in app.catalogs[WEB_APP].error_groups):
        group = groups[served["identifier"]]
        resolved = served.get("resolvedIn") or {}
        assert (group.application_identifier, group.message, group.status, group.created_at, group.last_occurred_at) == (
            WEB_APP, served["message"], served["status"], _instant(served["createdAt"]), _instant(served["lastOccurredAt"]),
        )  # fmt: skip
        resolved_in = group.resolved_in
        got = (resolved_in.version, resolved_in.discard_from_previous_versions) if resolved_in else (None, None)
        assert got == (resolved.get("version"), resolved.get("discardFromPreviousVersions"))
        assert (group.discard_new_occurrences, group.application_url) == (served["discardNewOccurrences"], served["applicationUrl"])
        assert undescribed(group) == {}
    assert {g.status for g in groups.values()} >= {"active", "resolved"}
    assert any(g.resolved_in is not None and g.resolved_in.version for g in groups.values())
    window = app.window(WEB_APP)
    for served in (d.record(web) for d in app.catalogs[WEB_APP].releases.listed(window.first_day, window.now_ms)):
        deployment = deployments[served["identifier"]]
        assert deployment.version == served["version"] and deployment.application_url == served["applicationUrl"]
        assert deployment.scm_type == served.get("scmType") and deployment.owner_name == served.get("ownerName")
        assert undescribed(deployment) == {}
