"""Ports for the servers tests start: outside the ephemeral range, and a server that lost its port is seen at once."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from rum_assets_tests.ports import PortTaken, free_port, lost_its_port
from rum_assets_tests.ui.conftest import Deployment, _stop, _wait_until_ready

UVICORN_BIND_FAILURE = "ERROR:    [Errno 98] error while attempting to bind on address ('127.0.0.1', 25123): address already in use"
"""What ``dagster dev`` logs when its webserver's port is taken (seen with dagster 1.13.27), and lives on."""


def _ephemeral_range() -> tuple[int, int]:
    low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    return int(low), int(high)


def test_a_free_port_is_listenable_and_outside_the_range_outgoing_connections_use() -> None:
    low, high = _ephemeral_range()
    for _ in range(20):
        port = free_port()
        assert not low <= port <= high
        with socket.socket() as server:
            server.bind(("127.0.0.1", port))
            server.listen()


@pytest.mark.parametrize(
    ("log", "lost"),
    [
        (UVICORN_BIND_FAILURE, True),
        ("OSError: [Errno 98] Address already in use", True),
        ('LOG:  could not bind IPv4 address "127.0.0.1": Address already in use', True),
        ("INFO:     Uvicorn running on http://127.0.0.1:25123", False),
    ],
)
def test_a_log_says_whether_the_server_lost_its_port(log: str, lost: bool) -> None:
    assert lost_its_port(log) is lost


@pytest.mark.timeout(60)
def test_a_webserver_that_cannot_bind_is_reported_at_once_not_after_the_start_up_timeout(tmp_path: Path) -> None:
    """dagster dev does not exit when its webserver cannot bind: waiting for /server_info would take STARTUP_SECONDS."""
    log_path = tmp_path / "dagster-dev.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", f"import time; print({UVICORN_BIND_FAILURE!r}, flush=True); time.sleep(50)"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deployment = Deployment(
        url=f"http://127.0.0.1:{free_port()}",
        dagster_home=tmp_path,
        duckdb_path=tmp_path / "warehouse.duckdb",
        log_path=log_path,
        emulator=None,  # type: ignore[arg-type]  # never reached: the wait ends on the log
    )
    try:
        with pytest.raises(PortTaken, match="address already in use"):
            _wait_until_ready(deployment, process)
    finally:
        _stop(process)
