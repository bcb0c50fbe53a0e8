"""Paging the v1 session list by ``skip`` whatever ``links.next`` looks like, over real HTTP."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from rum_assets_tests.fakes import FakeClock

from ..conftest import make_client

DAY = date(2026, 11, 20)
SESSIONS = "/api/v1/pulse/sessions"


@pytest.mark.parametrize("links_style", ["absolute", "relative", "empty", "missing"])
def test_pages_to_the_total_whatever_links_next_looks_like(start_raygun, clock: FakeClock, links_style: str) -> None:
    server, _ = start_raygun(sessions_per_day=1203, daily_call_limit=0, clock=clock, links_style=links_style)
    with make_client(server.base_url, clock=clock) as client:
        pages = list(client.iter_session_pages(DAY))
    ids = [s.id for page in pages for s in page.sessions]
    assert len(ids) == len(set(ids)) == 1203
    assert server.requests_by_path[SESSIONS] == 3


def test_stops_when_the_total_is_reached_on_a_full_page(start_raygun, clock: FakeClock) -> None:
    server, _ = start_raygun(sessions_per_day=1000, daily_call_limit=0, clock=clock, links_style="empty")
    with make_client(server.base_url, clock=clock) as client:
        ids = [s.id for page in client.iter_session_pages(DAY) for s in page.sessions]
    assert len(set(ids)) == 1000
    assert server.requests_by_path[SESSIONS] == 2


@pytest.mark.logs_at("WARNING", why="it is about an ignored foreign links.next, which is logged as a WARNING")
def test_a_foreign_links_next_is_never_called(start_raygun, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    foreign, _ = start_raygun(sessions_per_day=1203, daily_call_limit=0, clock=clock)
    server, _ = start_raygun(
        sessions_per_day=1203, daily_call_limit=0, clock=clock, links_style="foreign", foreign_base_url=foreign.base_url
    )
    with caplog.at_level(logging.WARNING, logger="rum_assets.raygun"), make_client(server.base_url, clock=clock) as client:
        ids = [s.id for page in client.iter_session_pages(DAY) for s in page.sessions]
    assert len(set(ids)) == 1203
    assert foreign.requests_by_path == {}
    assert server.requests_by_path[SESSIONS] == 3
    warnings = [r.getMessage() for r in caplog.records if "another origin" in r.getMessage()]
    assert len(warnings) == 1 and foreign.base_url.replace("http://", "") in warnings[0]


@pytest.mark.logs_at("WARNING", why="it is about an ignored foreign links.next, which is logged as a WARNING")
def test_same_host_on_another_port_is_another_origin(start_raygun, clock: FakeClock) -> None:
    foreign, _ = start_raygun(sessions_per_day=30, daily_call_limit=0, clock=clock)
    server, _ = start_raygun(
        sessions_per_day=30, daily_call_limit=0, clock=clock, links_style="foreign", foreign_base_url=f"http://127.0.0.1:{foreign.port}"
    )
    with make_client(server.base_url, clock=clock, page_size=10) as client:
        ids = [s.id for page in client.iter_session_pages(DAY) for s in page.sessions]
    assert len(set(ids)) == 30
    assert foreign.requests_by_path == {}
