"""Shared fixtures: isolated Dagster home, warehouse file and state directory per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads the developer's data/, .dagster_home/ or vendor credentials."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("RUM_ASSETS_DUCKDB", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("RUM_ASSETS_STATE_DIR", str(tmp_path / "state"))
    for name in ("RAYGUN_BASE_URL", "RAYGUN_API_KEY", "RAYGUN_CLIENT_ID", "RAYGUN_CLIENT_SECRET", "REVENERA_BASE_URL", "REVENERA_USERNAME", "REVENERA_PASSWORD", "REVENERA_PRODUCT_IDS"):
        monkeypatch.delenv(name, raising=False)
    yield
