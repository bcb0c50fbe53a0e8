"""A live deployment for end-to-end tests: both emulators in this process, ``dagster dev`` (webserver
and daemon) in a subprocess, on free 127.0.0.1 ports, with its own DAGSTER_HOME and warehouse."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from rum_assets.emulator.environment import EmulatorSettings, emulator_env, start_emulator

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 180


@dataclass
class Deployment:
    url: str
    dagster_home: Path
    duckdb_path: Path
    log_path: Path

    def graphql(self, query: str, variables: dict[str, object]) -> dict[str, object]:
        response = httpx.post(f"{self.url}/graphql", json={"query": query, "variables": variables}, timeout=60)
        response.raise_for_status()
        payload = response.json()
        assert "errors" not in payload, payload
        return payload["data"]  # type: ignore[no-any-return]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("deployment")
    home = root / "dagster_home"
    home.mkdir()
    shutil.copyfile(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    settings = EmulatorSettings(sessions_per_day=40, raygun_call_limit=0, clients_per_product=300)
    emulator = start_emulator(settings)
    port = _free_port()
    env = {
        **os.environ,
        **emulator_env(emulator.base_url, settings),
        "DAGSTER_HOME": str(home),
        "RUM_ASSETS_DUCKDB": str(root / "warehouse.duckdb"),
        "RUM_ASSETS_STATE_DIR": str(root / "state"),
        "RUM_ASSETS_AUTOMATION_STOPPED": "1",
    }
    log_path = root / "dagster-dev.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "dagster", "dev", "-w", str(PROJECT_ROOT / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                if httpx.get(f"{url}/server_info", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dagster dev did not start: {log_path.read_text()[-3000:]}")
            time.sleep(1)
        yield Deployment(url, home, root / "warehouse.duckdb", log_path)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        emulator.stop()
