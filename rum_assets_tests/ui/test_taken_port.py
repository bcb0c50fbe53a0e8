"""``dagster dev`` whose port another process took first starts again on another port (ui/conftest.py)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rum_assets_tests.ports import free_port

from . import conftest


@pytest.mark.timeout(400)
def test_a_taken_port_gets_dagster_dev_started_again_on_another(
    _isolated_environment: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as squatter:
        taken = free_port()
        squatter.bind(("127.0.0.1", taken))
        squatter.listen()
        ports: Iterator[int] = iter([taken])
        handed_out: list[int] = []

        def first_taken_then_free() -> int:
            handed_out.append(next(ports, 0) or free_port())
            return handed_out[-1]

        monkeypatch.setattr("rum_assets_tests.ports.free_port", first_taken_then_free)
        deploying = conftest._deploy(tmp_path, "")
        deployment = next(deploying)
        try:
            assert handed_out[0] == taken and len(handed_out) == 2, handed_out
            assert deployment.url == f"http://127.0.0.1:{handed_out[1]}"
            assert httpx.get(f"{deployment.url}/server_info", timeout=10).status_code == 200
            assert "address already in use" not in deployment.log_path.read_text(errors="replace").lower()
        finally:
            deploying.close()
