"""The shared retry loop, over real HTTP against a loopback server with injected faults."""

from __future__ import annotations

import gc
import logging
import weakref
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from rum_assets.transport.errors import RateLimitedError, VendorHTTPError
from rum_assets.transport.http import RETRY_AFTER_CAP_SECONDS, CallContext, RetryPolicy, parse_retry_after, send
from rum_emulator.faults import FaultRule
from rum_emulator.messages import Response, Route
from rum_emulator.server import EmulatorServer


class _EchoApp:
    def routes(self) -> list[Route]:
        return [Route("GET", r"/echo", lambda request: Response.json(200, {"ok": True}))]


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer([_EchoApp()]) as running:
        yield running


@pytest.fixture
def sleeps() -> list[float]:
    return []


def _send(server: EmulatorServer, sleeps: list[float], policy: RetryPolicy | None = None, **kwargs: object) -> httpx.Response:
    with httpx.Client() as client:
        return send(
            client,
            "GET",
            server.base_url + "/echo",
            CallContext("Vendor", "GET /echo", date(2026, 11, 20), secrets=("s3cr3t-value",)),
            policy=policy or RetryPolicy(max_attempts=4),
            sleep=sleeps.append,
            **kwargs,  # type: ignore[arg-type]
        )


@pytest.mark.logs_at("WARNING", why="it is about retries, each logged as a WARNING")
def test_retries_server_errors_with_bounded_jittered_backoff(server: EmulatorServer, sleeps: list[float]) -> None:
    server.faults.add(FaultRule("/echo", status=503, times=1))
    server.faults.add(FaultRule("/echo", status=500, times=1))
    response = _send(server, sleeps)
    assert response.status_code == 200
    assert server.requests_by_path["/echo"] == 3
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.5 and 0 <= sleeps[1] <= 1.0


@pytest.mark.logs_at("WARNING", why="it is about retries, each logged as a WARNING")
def test_retries_dropped_connections_and_timeouts(server: EmulatorServer, sleeps: list[float]) -> None:
    server.faults.add(FaultRule("/echo", kind="drop", times=1))
    server.faults.add(FaultRule("/echo", delay_seconds=1.0, times=1))
    response = _send(server, sleeps, RetryPolicy(max_attempts=4, timeout_seconds=0.3))
    assert response.status_code == 200
    assert len(sleeps) == 2


@pytest.mark.logs_at("WARNING", why="it is about retries, each logged as a WARNING")
def test_honours_retry_after_within_the_allowed_wait(server: EmulatorServer, sleeps: list[float]) -> None:
    server.faults.add(FaultRule("/echo", status=429, retry_after="7"))
    assert _send(server, sleeps).status_code == 200
    assert sleeps == [7.0]


def test_retry_after_beyond_the_allowed_wait_raises_with_reset_time(server: EmulatorServer, sleeps: list[float]) -> None:
    server.faults.add(FaultRule("/echo", status=429, retry_after="3600"))
    before = datetime.now(UTC)
    with pytest.raises(RateLimitedError) as raised:
        _send(server, sleeps, RetryPolicy(max_retry_after_seconds=60))
    error = raised.value
    assert sleeps == []
    assert error.resets_at is not None and timedelta(minutes=59) < error.resets_at - before < timedelta(minutes=61)
    assert "Vendor GET /echo for day 2026-11-20 (HTTP 429)" in str(error)
    assert "resets at" in str(error)


@pytest.mark.logs_at("WARNING", why="it is about retries, each logged as a WARNING")
def test_gives_up_after_max_attempts_naming_vendor_endpoint_and_day(server: EmulatorServer, sleeps: list[float]) -> None:
    server.faults.add(FaultRule("/echo", status=500, times=None, body=b'{"message": "boom s3cr3t-value"}'))
    with pytest.raises(VendorHTTPError) as raised:
        _send(server, sleeps, RetryPolicy(max_attempts=3))
    message = str(raised.value)
    assert server.requests_by_path["/echo"] == 3
    assert message.startswith("Vendor GET /echo for day 2026-11-20: gave up after 3 attempts")
    assert "boom" in message and "s3cr3t-value" not in message


@pytest.mark.logs_at("WARNING", why="it is about retries, each logged as a WARNING")
def test_total_time_bound_stops_retries_early(server: EmulatorServer, sleeps: list[float]) -> None:
    server.faults.add(FaultRule("/echo", status=429, retry_after="50", times=None))
    with pytest.raises(RateLimitedError):
        _send(server, sleeps, RetryPolicy(max_attempts=10, max_total_seconds=120, max_retry_after_seconds=100))
    assert sleeps == [50.0, 50.0]


def test_other_statuses_are_returned_to_the_caller(server: EmulatorServer, sleeps: list[float]) -> None:
    server.faults.add(FaultRule("/echo", status=404))
    assert _send(server, sleeps).status_code == 404
    assert sleeps == []


def test_parse_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after("Fri, 20 Nov 2026 12:01:00 GMT", now) == 60
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_an_unannounced_429_can_mean_the_budget_is_spent(server: EmulatorServer, sleeps: list[float]) -> None:
    server.faults.add(FaultRule("/echo", status=429, times=None))
    midnight = datetime(2026, 11, 21, tzinfo=UTC)
    with pytest.raises(RateLimitedError) as raised:
        _send(server, sleeps, unannounced_429_resets_at=lambda now: midnight)
    assert raised.value.resets_at == midnight
    assert server.requests_by_path["/echo"] == 1 and sleeps == []


@pytest.mark.logs_at("WARNING", why="it is about retries, each logged as a WARNING")
def test_an_unannounced_429_is_retried_with_backoff_by_default(server: EmulatorServer, sleeps: list[float]) -> None:
    server.faults.add(FaultRule("/echo", status=429, times=1))
    assert _send(server, sleeps).status_code == 200
    assert len(sleeps) == 1


@pytest.mark.logs_at("WARNING", why="it is about retries, each logged as a WARNING")
def test_retry_warnings_mask_secrets_quoted_from_the_body(
    server: EmulatorServer, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    server.faults.add(FaultRule("/echo", status=502, times=1, body=b'{"message": "upstream saw token s3cr3t-value"}'))
    with caplog.at_level(logging.WARNING, logger="rum_assets.transport.http"):
        assert _send(server, sleeps).status_code == 200
    (warning,) = [r.getMessage() for r in caplog.records]
    assert "upstream saw token ***" in warning and "s3cr3t-value" not in warning


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "Infinity", "1e400", "-5", "soon", "Fri, 99 Nov 2026 99:99:99 GMT", "-"])
def test_parse_retry_after_treats_unusable_values_as_absent(value: str) -> None:
    assert parse_retry_after(value, datetime(2026, 11, 20, 12, 0, tzinfo=UTC)) is None


def test_parse_retry_after_caps_huge_waits() -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert parse_retry_after("1e300", now) == RETRY_AFTER_CAP_SECONDS
    assert parse_retry_after("Fri, 01 Jan 9999 00:00:00 GMT", now) == RETRY_AFTER_CAP_SECONDS
    assert parse_retry_after("Thu, 19 Nov 2026 12:00:00 GMT", now) == 0


@pytest.mark.parametrize("value", ["inf", "nan", "-3", "1e400", "garbage"])
@pytest.mark.logs_at("WARNING", why="it is about retries, each logged as a WARNING")
def test_unusable_retry_after_falls_back_to_bounded_backoff(server: EmulatorServer, sleeps: list[float], value: str) -> None:
    server.faults.add(FaultRule("/echo", status=429, retry_after=value, times=2))
    assert _send(server, sleeps).status_code == 200
    assert len(sleeps) == 2 and all(0 <= s <= 1.0 for s in sleeps)


def test_a_huge_retry_after_raises_with_a_capped_reset_time(server: EmulatorServer, sleeps: list[float]) -> None:
    server.faults.add(FaultRule("/echo", status=429, retry_after="1e300"))
    before = datetime.now(UTC)
    with pytest.raises(RateLimitedError) as raised:
        _send(server, sleeps)
    assert sleeps == [] and raised.value.resets_at is not None
    assert raised.value.resets_at - before <= timedelta(seconds=RETRY_AFTER_CAP_SECONDS + 60)


def test_a_response_is_freed_by_reference_counting_not_left_to_the_cyclic_collector(server: EmulatorServer, sleeps: list[float]) -> None:
    """httpx links a response and its stream both ways; left so, every page body waited for the collector."""
    gc.disable()
    try:
        response = _send(server, sleeps)
        assert response.status_code == 200 and response.content
        gone = weakref.ref(response)
        del response
        assert gone() is None
    finally:
        gc.enable()
