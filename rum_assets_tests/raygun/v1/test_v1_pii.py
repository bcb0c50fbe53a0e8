"""The IP lookup's city and region and page URLs' queries and fragments follow the PII mode."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from rum_assets.raygun.assets import raygun_session_details, raygun_sessions
from rum_assets.raygun.tables import detail_rows
from rum_assets.raygun.v1.models import SessionDetail
from rum_assets.warehouse.pii import PiiPolicy
from rum_assets_tests.fakes import FakeClock
from rum_emulator.faults import FaultRule

from ..conftest import make_client
from ..test_assets import DAY as ASSET_DAY
from ..test_assets import (
    _materialize,
    _query,
    _resources,
)

DAY = date(2026, 11, 20)
SALT = "pepper"
PAGES = [
    "https://shop.example.com/search?q=jane.doe%40example.com&page=2",
    "https://shop.example.com/reset#token=abc123",
    "https://jane:hunter2@shop.example.com:8443/account?id=7#prefs",
    "https://shop.example.com/products/12",
    "/relative/path?q=1",
]


def _sha(value: str) -> str:
    return hashlib.sha256(SALT.encode() + value.encode()).hexdigest()


def _detail(start_raygun, clock: FakeClock) -> SessionDetail:
    """A detail read over HTTP through the client, with the page URLs above."""
    server, _ = start_raygun(sessions_per_day=5, daily_call_limit=0, clock=clock)
    with make_client(server.base_url, clock=clock) as client:
        session_id = next(client.iter_session_pages(DAY)).sessions[0].id
        raw = client.get_session(session_id, DAY).model_dump(mode="json", by_alias=True)
        raw["pageViews"] = [{"page": page, "loadingTime": 10, "viewingTime": 20, "viewedOn": "2026-11-20T01:00:00.000Z"} for page in PAGES]
        server.faults.add(FaultRule("/api/v1/pulse/session", status=200, body=json.dumps({"session": raw}).encode()))
        return client.get_session(session_id, DAY)


@pytest.mark.parametrize("mode", ["keep", "hash", "drop"])
def test_detail_rows_follow_the_pii_mode(start_raygun, clock: FakeClock, mode: str) -> None:
    detail = _detail(start_raygun, clock)
    lookup = detail.location.ip_lookup if detail.location else None
    assert lookup is not None and lookup.city and lookup.state and lookup.country
    row, views, _ = detail_rows(detail, DAY, datetime.now(UTC), PiiPolicy(mode, SALT))
    pages = [v["page"] for v in views]
    assert row["ip_country"] == lookup.country
    if mode == "keep":
        assert (row["ip_city"], row["ip_state"]) == (lookup.city, lookup.state)
        assert pages == PAGES
    elif mode == "hash":
        assert (row["ip_city"], row["ip_state"]) == (_sha(lookup.city), _sha(lookup.state))
        assert pages == [
            f"https://shop.example.com/search?{_sha('q=jane.doe%40example.com&page=2')}",
            f"https://shop.example.com/reset#{_sha('token=abc123')}",
            f"https://{_sha('jane:hunter2')}@shop.example.com:8443/account?{_sha('id=7')}#{_sha('prefs')}",
            "https://shop.example.com/products/12",
            _sha("/relative/path?q=1"),
        ]
    else:
        assert row["ip_city"] is None and row["ip_state"] is None
        assert pages == [
            "https://shop.example.com/search",
            "https://shop.example.com/reset",
            "https://shop.example.com:8443/account",
            "https://shop.example.com/products/12",
            None,
        ]


def test_urls_that_do_not_parse_are_treated_as_pii_whole() -> None:
    policy = PiiPolicy("hash", SALT)
    assert policy.apply_url("https://shop.example.com:notaport/x?q=1") == _sha("https://shop.example.com:notaport/x?q=1")
    assert policy.apply_url("https://[::1]:8080/x?q=1") == f"https://[::1]:8080/x?{_sha('q=1')}"
    assert policy.apply_url(None) is None


@pytest.mark.parametrize("mode", ["hash", "drop"])
def test_materialized_details_hold_no_city_region_or_query(emulator, tmp_path: Path, mode: str) -> None:
    _materialize(_resources(emulator, tmp_path, pii_mode=mode, pii_salt=SALT), ASSET_DAY, [raygun_sessions, raygun_session_details])
    places = _query(tmp_path, "SELECT ip_city, ip_state, ip_country FROM raygun.session_details")
    pages = [r[0] for r in _query(tmp_path, "SELECT page FROM raygun.page_views")]
    assert places and pages
    assert any(p.startswith("https://shop.example.com/search") for p in pages)
    assert all("q=shoes" not in p for p in pages)
    if mode == "hash":
        assert all(len(city) == len(state) == 64 for city, state, _ in places)
        assert all(p.startswith("https://shop.example.com/") for p in pages)
    else:
        assert all(city is None and state is None for city, state, _ in places)
        assert "https://shop.example.com/search" in pages
    assert all(country for _, _, country in places)
