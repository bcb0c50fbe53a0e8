"""Revenera emulator failure shapes (v3 status codes and the v2 API's body-signalled failures),
over real HTTP on 127.0.0.1 with a fake clock."""

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
PID = "2376158762"
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
PROPERTIES = f"/v3/meta/productProperties/{PID}"
DATE_RANGE = f"/v3/reporting/generic/dateRange/{PID}"
ONE_DAY = {"startDate": "2026-11-19", "stopDate": "2026-11-19", "dateSplit": "day", "clientStatus": ["active"]}


def _serve(clock: FakeClock, **config: Any) -> Iterator[tuple[str, httpx.Client]]:
    app = ReveneraApp(ReveneraEmulatorConfig(clock=clock, clients_per_product=20, session_ttl_seconds=600, **config))
    with EmulatorServer([app]) as server, httpx.Client(base_url=server.base_url, headers=HEADERS) as http:
        assert http.get("/v3/request-csrf").status_code == 204
        assert http.post("/v3/auth/web", json=LOGIN).status_code == 200
        yield server.base_url, http


def _expire(http: httpx.Client, clock: FakeClock) -> None:
    assert http.get(PROPERTIES).status_code == 200
    clock.advance(601)


@pytest.mark.parametrize(
    ("shape", "status"),
    [("status", 401), ("v2_body", 200), ("redirect", 302), ("forbidden", 403)],
)
def test_expired_session_answers_in_the_configured_shape(shape: str, status: int) -> None:
    clock = FakeClock(NOW)
    for base_url, http in _serve(clock, failure_shape=shape):
        _expire(http, clock)
        for answer in (http.get(PROPERTIES), http.post(DATE_RANGE, json=ONE_DAY)):
            assert answer.status_code == status
            if shape == "v2_body":
                assert answer.json() == {"status": "AUTH ERROR", "reason": "Session is invalid or has expired; log in again"}
            elif shape == "redirect":
                assert answer.headers["location"] == f"{base_url}/login" and answer.content == b""
            else:
                assert "message" in answer.json()
        http.cookies.clear()
        assert http.get(PROPERTIES).status_code == status  # no cookie at all: the same shape
        assert http.get("/v3/request-csrf").status_code == 204
        assert http.post("/v3/auth/web", json=LOGIN).status_code == 200
        assert http.get(PROPERTIES).status_code == 200  # a new login recovers


def test_v2_failure_endpoints_fail_once_with_a_reason_then_succeed() -> None:
    clock = FakeClock(NOW)
    for _, http in _serve(clock, v2_failure_endpoints=("date_range", "raw_list")):
        assert http.post(DATE_RANGE, json={"startDate": "bad"}).status_code == 400  # a refusal does not use it up
        first = http.post(DATE_RANGE, json=ONE_DAY)
        assert first.status_code == 200 and first.json()["status"] == "SYNTAX ERROR"
        assert "/v3/reporting/generic/dateRange/{pid}" in first.json()["reason"] and set(first.json()) == {"status", "reason"}
        second = http.post(DATE_RANGE, json=ONE_DAY)
        assert second.status_code == 200 and "result" in second.json()
        listing = http.get(f"/v3/rawEvents/download/listFiles/{PID}")
        assert listing.json()["status"] == "SYNTAX ERROR"
        assert "fileList" in http.get(f"/v3/rawEvents/download/listFiles/{PID}").json()
        assert "result" in http.get(PROPERTIES).json()  # routes not named are untouched


def test_failure_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="v2_failure_endpoints"):
        ReveneraApp(ReveneraEmulatorConfig(v2_failure_endpoints=("login",)))
    with pytest.raises(ValueError, match="failure_shape"):
        ReveneraEmulatorConfig(failure_shape="teapot")  # type: ignore[arg-type]
