"""clientPropertyList date filters with both ``min`` and ``max`` bounds, as the public R client
reveneraR sends them to v3, over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from rum_assets_tests.fakes import FakeClock
from rum_emulator.revenera import ReveneraApp, ReveneraEmulatorConfig
from rum_emulator.server import EmulatorServer

HEADERS = {
    "Origin": "https://analytics.revenera.com",
    "RUI-Client": "tests",
    "RUI-Client-Version": "0.0.1",
    "Content-Type": "application/json",
}
LOGIN = {"userName": "demo@example.com", "password": "demo-revenera-password"}
PID = "2376158762"
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
PATH = f"/v3/reporting/clientPropertyList/{PID}"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[ReveneraApp, httpx.Client]]:
    app = ReveneraApp(ReveneraEmulatorConfig(clock=FakeClock(NOW), clients_per_product=500))
    with EmulatorServer([app]) as server, httpx.Client(base_url=server.base_url, headers=HEADERS) as http:
        assert http.get("/v3/request-csrf").status_code == 204
        assert http.post("/v3/auth/web", json=LOGIN).status_code == 200
        yield app, http


def _all_pages(http: httpx.Client, body: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    start: str | None = None
    for _ in range(100):
        answer = http.post(PATH, json={**body, "startAtClientId": start})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        rows += page["result"]
        if page["reachedEnd"]:
            return rows
        start = page["nextClientId"]
    raise AssertionError("clientPropertyList did not reach the end in 100 pages")


def test_reveneraR_body_with_min_and_max_install_dates(served: tuple[ReveneraApp, httpx.Client]) -> None:
    app, http = served
    product = app.product(PID)
    installs = sorted({c.installed for c in product.clients if c.installed <= TODAY})
    low, high = installs[len(installs) // 10], installs[9 * len(installs) // 10]  # both bounds fall on install days
    body = {
        "globalFilters": {"dateInstalled": {"type": "dateRange", "min": low.isoformat(), "max": high.isoformat()}},
        "properties": ["C01", "prodVersion", "geography.country"],
        "retDailyData": {"startDate": "2026-11-01", "stopDate": "2026-11-20", "properties": ["prodVersion"]},
    }
    rows = _all_pages(http, body)
    expected = sorted(c.client_id for c in product.clients if low <= c.installed <= high)
    assert [r["clientId"] for r in rows] == expected and len(expected) > 200  # inclusive at both ends, over pages
    assert {c.installed for c in product.clients if c.client_id in set(expected)} >= {low, high}
    assert all(set(r) == {"clientId", "C01", "prodVersion", "geography.country", "dailyData"} for r in rows)


def test_min_and_max_on_last_seen_and_numbers(served: tuple[ReveneraApp, httpx.Client]) -> None:
    app, http = served
    product = app.product(PID)
    low, high = date(2026, 11, 1), date(2026, 11, 15)
    seen = _all_pages(http, {"globalFilters": {"dateLastSeen": {"type": "dateRange", "min": low.isoformat(), "max": high.isoformat()}}})
    expected = [
        c.client_id for c in product.clients if c.installed <= TODAY and (s := product.last_seen(c, TODAY)) is not None and low <= s <= high
    ]
    assert [r["clientId"] for r in seen] == expected and expected
    ram = _all_pages(http, {"globalFilters": {"ram": {"type": "numberRange", "min": 8192, "max": 16384}}, "properties": ["ram"]})
    assert ram and {r["ram"] for r in ram} <= {8192, 16384}


@pytest.mark.parametrize(
    "date_filter",
    [
        {"type": "dateRange", "min": "2026-01-01"},
        {"type": "dateRange", "max": "2026-03-31"},
        {"type": "dateRange", "min": None, "max": "2026-03-31"},
        {"type": "date", "value": "2026-02-02"},
    ],
)
def test_single_bound_and_exact_date_filters_still_accepted(served: tuple[ReveneraApp, httpx.Client], date_filter: dict[str, Any]) -> None:
    _, http = served
    assert http.post(PATH, json={"startAtClientId": None, "globalFilters": {"dateInstalled": date_filter}}).status_code == 200


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "dateRange"},
        {"type": "dateRange", "min": "2026-1-1", "max": "2026-03-31"},
        {"type": "dateRange", "min": "2026-01-01", "max": 20260331},
    ],
)
def test_malformed_date_bounds_are_400(served: tuple[ReveneraApp, httpx.Client], bad: dict[str, Any]) -> None:
    _, http = served
    answer = http.post(PATH, json={"startAtClientId": None, "globalFilters": {"dateInstalled": bad}})
    assert answer.status_code == 400 and "globalFilters.dateInstalled" in answer.json()["message"]
