"""Every benchmark still runs, at a tiny size (figures are not checked: speed is never asserted in tests).

Benchmarks are run by hand (``make bench``), so nothing else notices when a change breaks one: two did
break unnoticed when asset code moved. The dlt scenarios need the ``bench`` dependency group and are
left out here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed


def _last_json(completed: subprocess.CompletedProcess[str]) -> dict[str, object]:
    return json.loads(completed.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_the_side_by_side_comparison_runs_ours_and_the_floor(tmp_path: Path) -> None:
    out = tmp_path / "runs.json"
    completed = _run("bench", "--sizes", "20", "--runs", "1", "--scenarios", "ours,floor", "--json", str(out))
    runs = json.loads(out.read_text())
    assert {(r["scenario"], r["rows"], r["error"]) for r in runs} == {("ours", 20, None), ("floor", 20, None)}
    assert "ours / floor" in completed.stdout


def test_the_phase_profile_runs() -> None:
    completed = _run("bench.profile", "20")
    assert "load v1 sessions" in completed.stdout and "build rows (session_row)" in completed.stdout


@pytest.mark.parametrize(
    ("module", "args", "rows"),
    [
        ("bench.warehouses", ["duckdb_day", "100"], 100),
        ("bench.scenarios", ["revenera_export_load", "1000"], 1000),
        ("bench.scenarios", ["revenera_export_floor", "1000"], 1000),
        ("bench.details_latency", ["16"], 16),
    ],
)
def test_the_component_benchmarks_run(module: str, args: list[str], rows: int) -> None:
    assert _last_json(_run(module, *args))["rows"] == rows
