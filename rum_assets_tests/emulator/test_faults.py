"""Random fault injection in the emulator server, observed over real HTTP on loopback."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterable, Iterator

import httpx
import pytest

from rum_assets.cli import main as cli_main
from rum_assets_tests.ports import free_port
from rum_emulator.environment import EmulatorSettings, start_emulator
from rum_emulator.faults import FAULT_KINDS, FaultPlan, RandomFaults, parse_fault_kinds
from rum_emulator.messages import Request, Response, Route
from rum_emulator.server import EmulatorServer


class CountingApp:
    """Answers ``/count`` (and a Raygun-like path) with how many times it was called: its state."""

    def __init__(self) -> None:
        self.calls = 0

    def routes(self) -> Iterable[Route]:
        return [Route("GET", "/count", self.count), Route("GET", "/api/v1/pulse/sessions", self.count)]

    def count(self, request: Request) -> Response:
        self.calls += 1
        return Response.json(200, {"calls": self.calls, "padding": "x" * 200})


def _server(app: CountingApp, **options: object) -> EmulatorServer:
    return EmulatorServer([app], faults=FaultPlan(RandomFaults(**options))).start()  # type: ignore[arg-type]


@pytest.fixture
def app() -> Iterator[CountingApp]:
    yield CountingApp()


@pytest.mark.parametrize(
    "kind,status", [("429-retry-after", 429), ("429-bare", 429), ("500", 500), ("502", 502), ("503", 503), ("504", 504)]
)
def test_status_faults_answer_in_place_of_the_app(app: CountingApp, kind: str, status: int) -> None:
    server = _server(app, rate=1.0, kinds=(kind,), retry_after_seconds=1)
    try:
        response = httpx.get(f"{server.base_url}/count")
    finally:
        server.stop()
    assert response.status_code == status
    assert response.headers.get("Retry-After") == ("1" if kind == "429-retry-after" else None)
    assert app.calls == 0
    assert server.faults.injected_counts == {kind: 1}


def test_drop_before_closes_without_calling_the_app(app: CountingApp) -> None:
    server = _server(app, rate=1.0, kinds=("drop-before",))
    try:
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"{server.base_url}/count")
    finally:
        server.stop()
    assert app.calls == 0


def test_drop_after_lets_the_app_act_then_closes_without_an_answer(app: CountingApp) -> None:
    server = _server(app, rate=1.0, kinds=("drop-after",))
    try:
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"{server.base_url}/count")
    finally:
        server.stop()
    assert app.calls == 1


def test_truncate_sends_less_body_than_its_content_length(app: CountingApp) -> None:
    server = _server(app, rate=1.0, kinds=("truncate",))
    try:
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"{server.base_url}/count")
        with socket.create_connection((server.host, server.port), timeout=5) as raw:
            raw.sendall(b"GET /count HTTP/1.1\r\nHost: x\r\n\r\n")
            received = b""
            while chunk := raw.recv(65536):
                received += chunk
    finally:
        server.stop()
    head, _, body = received.partition(b"\r\n\r\n")
    declared = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    assert head.startswith(b"HTTP/1.1 200")
    assert 0 < len(body) < declared
    assert app.calls == 2


def test_slow_answers_normally_after_the_delay(app: CountingApp) -> None:
    server = _server(app, rate=1.0, kinds=("slow",), delay_seconds=0.3)
    try:
        started = time.monotonic()
        response = httpx.get(f"{server.base_url}/count")
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    assert response.status_code == 200 and response.json()["calls"] == 1
    assert elapsed >= 0.3


def _sequence(seed: int, requests: int = 60) -> list[tuple[int, str]]:
    app = CountingApp()
    server = _server(app, rate=0.5, seed=seed, delay_seconds=0.01)
    try:
        with httpx.Client() as client:
            for _ in range(requests):
                try:
                    client.get(f"{server.base_url}/count")
                except httpx.TransportError:
                    pass
    finally:
        server.stop()
    return [(fault.index, fault.kind) for fault in server.faults.injected]


def test_a_seed_reproduces_the_same_sequence_and_every_kind_occurs() -> None:
    first, again, other = _sequence(7), _sequence(7), _sequence(8)
    assert first == again
    assert first != other
    assert 15 <= len(first) <= 45
    assert {kind for _, kind in _sequence(7, 200)} == set(FAULT_KINDS)


def test_raygun_v1_never_gets_a_bare_429_by_default(app: CountingApp) -> None:
    server = _server(app, rate=1.0, kinds=("429-bare",))
    try:
        raygun = httpx.get(f"{server.base_url}/api/v1/pulse/sessions")
        other = httpx.get(f"{server.base_url}/count")
    finally:
        server.stop()
    assert raygun.status_code == 200
    assert other.status_code == 429


def test_bare_429_on_raygun_when_exclusions_are_lifted(app: CountingApp) -> None:
    server = _server(app, rate=1.0, kinds=("429-bare",), exclusions=())
    try:
        assert httpx.get(f"{server.base_url}/api/v1/pulse/sessions").status_code == 429
    finally:
        server.stop()


def test_path_prefixes_limit_where_faults_apply(app: CountingApp) -> None:
    server = _server(app, rate=1.0, kinds=("503",), path_prefixes=("/api/",))
    try:
        assert httpx.get(f"{server.base_url}/count").status_code == 200
        assert httpx.get(f"{server.base_url}/api/v1/pulse/sessions").status_code == 503
    finally:
        server.stop()


def test_start_emulator_injects_faults_into_the_vendor_routes() -> None:
    server = start_emulator(EmulatorSettings(sessions_per_day=5, clients_per_product=5, fault_rate=1.0, fault_kinds=("504",)))
    try:
        assert httpx.post(f"{server.base_url}/api/v1/pulse/authenticate").status_code == 504
        assert httpx.get(f"{server.base_url}/v3/request-csrf").status_code == 504
    finally:
        server.stop()
    assert EmulatorSettings().random_faults().rate == 0.0


def test_command_line_options_and_their_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_fault_kinds("all") == FAULT_KINDS
    assert parse_fault_kinds("500, slow") == ("500", "slow")
    with pytest.raises(ValueError, match="unknown fault kinds"):
        parse_fault_kinds("500,teapot")
    for argv, message in ((["--fault-rate", "1.5"], "from 0 to 1"), (["--fault-kinds", "teapot"], "unknown fault kinds")):
        with pytest.raises(SystemExit):
            cli_main(["emulator", *argv])
        assert message in capsys.readouterr().err
    with pytest.raises(ValueError, match="between 0 and 1"):
        RandomFaults(rate=-0.1)


def test_a_busy_port_is_named_with_the_option_that_picks_another(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as squatter:
        port = free_port()
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        assert cli_main(["emulator", "--port", str(port)]) == 2
        assert cli_main(["ui", "--emulator-port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port} is already in use" in err and "--port" in err and "--emulator-port" in err
    assert "Traceback" not in err
