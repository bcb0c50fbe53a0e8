"""Record variants the real v1 API may send, read through the client exactly like the plain records."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from rum_assets.raygun.v1.models import SessionDetail, SessionSummary
from rum_assets.transport.errors import PayloadError
from rum_assets_tests.fakes import FakeClock
from rum_emulator.faults import FaultRule

from ..conftest import make_client

DAY = date(2026, 11, 20)
SESSIONS = "/api/v1/pulse/sessions"


@pytest.fixture
def host_zone_far_from_utc() -> Iterator[None]:
    """The host's zone is not UTC, so a naive date-time read as local time would show."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Pacific/Kiritimati"  # UTC+14: every local reading moves the day
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def _read(start_raygun: Any, clock: FakeClock, **variant: Any) -> tuple[list[SessionSummary], list[SessionDetail]]:
    server, _ = start_raygun(sessions_per_day=40, daily_call_limit=0, clock=clock, **variant)
    with make_client(server.base_url, clock=clock) as client:
        summaries = [s for page in client.iter_session_pages(DAY) for s in page.sessions]
        details = [client.get_session(s.id, DAY) for s in summaries[:6]]
    return summaries, details


def _comparable(record: SessionSummary) -> dict[str, Any]:
    return record.model_dump(exclude={"links"})  # links.self carries the emulator's port


@pytest.mark.parametrize(
    "variant",
    [{"status_case": "upper"}, {"status_case": "title"}, {"naive_datetimes": True}, {"float_integers": True}],
    ids=["status-upper", "status-title", "naive-datetimes", "float-integers"],
)
def test_a_variant_reads_exactly_like_the_plain_records(
    start_raygun, clock: FakeClock, variant: dict[str, Any], host_zone_far_from_utc: None
) -> None:
    plain_summaries, plain_details = _read(start_raygun, clock)
    summaries, details = _read(start_raygun, clock, **variant)
    assert [_comparable(s) for s in summaries] == [_comparable(s) for s in plain_summaries]
    assert [_comparable(d) for d in details] == [_comparable(d) for d in plain_details]
    assert {s.status for s in summaries} <= {"active", "ended"}
    for session in summaries:
        assert session.session_start.tzinfo is not None and session.session_start.utcoffset().total_seconds() == 0
        assert session.session_start.astimezone(UTC).date() == DAY
        assert type(session.id) is int and type(session.page_view_count) is int


def test_status_is_lower_case_whatever_the_api_writes(start_raygun, clock: FakeClock) -> None:
    summaries, _ = _read(start_raygun, clock, status_case="upper")
    assert {s.status for s in summaries} == {"ended"}


def test_naive_datetimes_are_utc_not_the_host_zone(start_raygun, clock: FakeClock, host_zone_far_from_utc: None) -> None:
    summaries, details = _read(start_raygun, clock, naive_datetimes=True)
    first = summaries[0]
    assert first.session_start.tzinfo is UTC
    views = [v.viewed_on for d in details for v in d.page_views]
    assert views and all(v is not None and v.tzinfo is UTC for v in views)
    assert all(d.user is None or d.user.last_seen is None or d.user.last_seen.tzinfo is UTC for d in details)


def test_user_seen_times_written_as_dates_are_utc_midnight(start_raygun, clock: FakeClock) -> None:
    plain, _ = _read(start_raygun, clock)
    dated, _ = _read(start_raygun, clock, datetime_dates=True)
    checked = 0
    for before, after in zip(plain, dated, strict=True):
        assert before.user is not None and after.user is not None
        if before.user.last_seen is None:
            assert after.user.last_seen is None
            continue
        assert after.user.last_seen == datetime.combine(before.user.last_seen.date(), datetime.min.time(), tzinfo=UTC)
        checked += 1
    assert checked > 0


def _page_body(**fields: Any) -> bytes:
    session = {"id": 7, "sessionStart": "2026-11-20T01:00:00.000Z", **fields}
    return json.dumps({"totalSessions": 1, "sessions": [session], "links": {}}).encode()


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"pageViewCount": 12.5}, "pageViewCount"), ({"id": 7.25}, "id"), ({"id": 1.2345678901234567e18}, "id")],
    ids=["fraction", "fractional-id", "float-beyond-exact"],
)
def test_a_float_that_is_not_an_exact_integer_is_refused(start_raygun, clock: FakeClock, fields: dict[str, Any], field: str) -> None:
    server, _ = start_raygun(daily_call_limit=0, clock=clock)
    server.faults.add(FaultRule(SESSIONS, status=200, body=_page_body(**fields)))
    with (
        make_client(server.base_url, clock=clock) as client,
        pytest.raises(PayloadError, match=f"field 'sessions.0.{field}' breaks the contract"),
    ):
        list(client.iter_session_pages(DAY))


def test_a_whole_float_is_an_integer(start_raygun, clock: FakeClock) -> None:
    server, _ = start_raygun(daily_call_limit=0, clock=clock)
    server.faults.add(FaultRule(SESSIONS, status=200, body=_page_body(pageViewCount=12.0, sessionLength=3000.0)))
    with make_client(server.base_url, clock=clock) as client:
        (session,) = next(client.iter_session_pages(DAY)).sessions
    assert session.page_view_count == 12 and session.session_length == 3000
