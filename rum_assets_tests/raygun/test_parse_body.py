"""Pages are validated from their bytes in one pass; what that pass refuses is parsed again the slow
way, so the errors still name the field at fault and what ``json.loads`` reads is still read."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
import pytest

from rum_assets.raygun.v1.client import SESSIONS_PATH, day_bounds, parse_body
from rum_assets.raygun.v1.models import SessionsPage
from rum_assets.transport.errors import PayloadError
from rum_assets.transport.http import CallContext
from rum_assets_tests.fakes import FakeClock
from rum_emulator.environment import DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET
from rum_emulator.faults import FaultRule

from .conftest import make_client

DAY = date(2026, 11, 20)


def _page(**fields: Any) -> dict[str, Any]:
    return {"totalSessions": 1, "sessions": [{"id": 7, "sessionStart": "2026-11-20T01:00:00.000Z", **fields}], "links": {}}


def test_one_pass_reads_an_emulator_page_exactly_like_json_loads_then_validating(start_raygun, clock: FakeClock) -> None:
    server, _ = start_raygun(sessions_per_day=700, daily_call_limit=0, clock=clock, status_case="title", float_integers=True)
    with httpx.Client(base_url=server.base_url) as http:
        key = http.post(
            "/api/v1/pulse/authenticate", headers={"X-ApiKey": DEMO_RAYGUN_API_KEY}, auth=(DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET)
        ).json()["sessionKey"]
        date_from, date_to = day_bounds(DAY)
        response = http.get(SESSIONS_PATH, params={"dateFrom": date_from, "dateTo": date_to, "limit": 500}, headers={"X-SessionKey": key})
    page = parse_body(SessionsPage, response, CallContext("Raygun", SESSIONS_PATH, DAY))
    assert len(page.sessions) == 500
    assert page == SessionsPage.model_validate(json.loads(response.content))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (json.dumps(_page(id=None)).encode(), "field 'sessions.0.id' breaks the contract"),
        (json.dumps({"sessions": []}).encode(), "field 'totalSessions' breaks the contract"),
        (json.dumps(_page(sessionStart="yesterday")).encode(), "field 'sessions.0.sessionStart' breaks the contract"),
        (b'{"totalSessions": 1, "sessions": [', "the response is not JSON"),
    ],
    ids=["null-id", "missing-total", "bad-date", "truncated"],
)
def test_a_refused_page_names_the_field_or_says_it_is_not_json(start_raygun, clock: FakeClock, body: bytes, message: str) -> None:
    server, _ = start_raygun(daily_call_limit=0, clock=clock)
    server.faults.add(FaultRule(SESSIONS_PATH, status=200, body=body))
    with make_client(server.base_url, clock=clock) as client, pytest.raises(PayloadError, match=message) as raised:
        list(client.iter_session_pages(DAY))
    assert "Raygun" in str(raised.value) and DAY.isoformat() in str(raised.value)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"], ids=["utf8-bom", "utf16"])
def test_a_page_the_one_pass_cannot_decode_is_still_read(start_raygun, clock: FakeClock, encoding: str) -> None:
    server, _ = start_raygun(daily_call_limit=0, clock=clock)
    server.faults.add(
        FaultRule(SESSIONS_PATH, status=200, body=json.dumps(_page(browser={"name": "Café"}), ensure_ascii=False).encode(encoding))
    )
    with make_client(server.base_url, clock=clock) as client:
        (session,) = next(client.iter_session_pages(DAY)).sessions
    assert session.id == 7 and session.browser is not None and session.browser.name == "Café"
