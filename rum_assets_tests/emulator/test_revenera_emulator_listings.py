"""Revenera emulator export listings: sizes that grow for the newest days, products without the
export add-on. Over real HTTP on 127.0.0.1 with a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
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
PID, OTHER = "2376158762", "2395188568"
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
LISTS = {
    "raw": f"/v3/rawEvents/download/listFiles/{PID}",
    "exc": f"/v3/exceptionTracking/listFiles/{PID}",
    "cust": f"/v3/customEventTracking/listFiles/{PID}",
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def _serve(clock: FakeClock, **config: Any) -> Iterator[httpx.Client]:
    app = ReveneraApp(ReveneraEmulatorConfig(clock=clock, clients_per_product=20, **config))
    with EmulatorServer([app]) as server, httpx.Client(base_url=server.base_url, headers=HEADERS) as http:
        assert http.get("/v3/request-csrf").status_code == 204
        assert http.post("/v3/auth/web", json=LOGIN).status_code == 200
        yield http


def _daily(http: httpx.Client, kind: str) -> list[dict[str, Any]]:
    answer = http.get(LISTS[kind])
    assert answer.status_code == 200, answer.text
    return answer.json()["fileList" if kind == "raw" else "dailyFiles"]


def test_newest_days_grow_between_listings_older_ones_do_not(clock: FakeClock) -> None:
    for http in _serve(clock, export_growing_days=2):
        before = {kind: _daily(http, kind) for kind in LISTS}
        clock.advance(30 * 60)
        after = {kind: _daily(http, kind) for kind in LISTS}
        for kind in LISTS:
            assert [f["fileName"] for f in before[kind]] == [f["fileName"] for f in after[kind]]
            size_keys = ["compressedSizeKB"] if kind == "raw" else ["compressedSizeKB", "uncompressedSizeKB"]
            for key in size_keys:
                assert all(after[kind][n][key] > before[kind][n][key] for n in range(2)), (kind, key)
                assert [f[key] for f in after[kind][2:]] == [f[key] for f in before[kind][2:]], (kind, key)


def test_without_growing_days_every_listed_size_is_fixed(clock: FakeClock) -> None:
    for http in _serve(clock):
        before = {kind: _daily(http, kind) for kind in LISTS}
        clock.advance(30 * 60)
        assert {kind: _daily(http, kind) for kind in LISTS} == before


@pytest.mark.parametrize("status", [403, 404])
def test_a_product_without_the_export_addon_refuses_every_listing_and_url(clock: FakeClock, status: int) -> None:
    for http in _serve(clock, products_without_exports={PID: status}):
        for path in ("/v3/rawEvents/download", "/v3/exceptionTracking", "/v3/customEventTracking"):
            listing = http.get(f"{path}/listFiles/{PID}")
            url = http.post(f"{path}/getDownloadUrl/{PID}", json={"fileName": f"{PID}_2026-11-19.zip"})
            for answer in (listing, url):
                assert answer.status_code == status
                assert PID in answer.json()["message"] and "add-on" in answer.json()["message"]
            assert http.get(f"{path}/listFiles/{OTHER}").status_code == 200  # other products are unaffected
        assert http.get(f"/v3/meta/productProperties/{PID}").status_code == 200  # reports still work
    anonymous_app = ReveneraApp(ReveneraEmulatorConfig(clock=clock, clients_per_product=20, products_without_exports={PID: status}))
    with EmulatorServer([anonymous_app]) as server, httpx.Client(base_url=server.base_url, headers=HEADERS) as anonymous:
        assert anonymous.get(LISTS["raw"]).status_code == 401  # the session is checked first


def test_products_without_exports_is_validated() -> None:
    with pytest.raises(ValueError, match="products_without_exports"):
        ReveneraEmulatorConfig(products_without_exports={PID: 500})
    with pytest.raises(ValueError, match="products_without_exports"):
        ReveneraEmulatorConfig(products_without_exports={"999": 403})
