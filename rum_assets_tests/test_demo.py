"""`rum-assets demo` end to end, as a newcomer runs it: progress while it works, then a summary to act on."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from rum_assets.config import env_vars
from rum_assets.demo_summary import EXAMPLE_QUERIES

pytestmark = pytest.mark.slow
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def test_the_demo_shows_each_step_and_ends_with_rows_calls_and_questions_it_answers(tmp_path: Path) -> None:
    database = tmp_path / "demo.duckdb"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("RAYGUN_", "REVENERA_", "RUM_ASSETS_"))},
        "DAGSTER_HOME": str(tmp_path / "home"),
        env_vars.DUCKDB_PATH.name: str(database),
        env_vars.STATE_DIR.name: str(tmp_path / "state"),
    }
    command = [sys.executable, "-m", "rum_assets.cli", "demo", "--days", "1", "--sessions-per-day", "30", "--v3-sessions-per-day", "5"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=280)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    # stdout is a pipe here: plain lines, one per finished step, nothing drawn
    assert re.search(r"^  catalog  raygun/pages done \(\d/\d+ steps, [\d.]+ s\)$", out, re.M), out
    assert re.search(r"^  \d{4}-\d\d-\d\d  raygun/session_details done \(\d+/\d+ steps, [\d.]+ s\)$", out, re.M), out
    assert "\x1b[" not in out
    header = re.search(r"^table\s+\d{4}-\d\d-\d\d$", out, re.M)
    row = re.search(r"^raygun\.sessions \(v1\)\s+30$", out, re.M)
    assert header and row and len(header.group()) == len(row.group()), "a day's column header sits over its numbers"
    most = re.search(r"^raygun\.errors_daily\s+\d{4}-\d\d-\d\d: \d+ errors in \d+ groups; most: (.+) \(\d+ times", out, re.M)
    with duckdb.connect(str(database), read_only=True) as conn:
        top = conn.execute("SELECT error_message FROM raygun.errors_daily ORDER BY occurrences DESC, error_group LIMIT 1").fetchone()
    assert most and top, out
    message = str(top[0])
    assert most.group(1) == (message if len(message) <= 50 else message[:49].rstrip() + "\u2026"), "a cut message says it was cut"
    assert re.search(r"^raygun\s+\d+\s+\d+\s+raygun v1: [\d,]+, raygun v3: [\d,]+$", out, re.M), out
    assert re.search(r"^revenera\s+\d+\s+\d+\s+no daily limit$", out, re.M), out
    assert f"The data: {database} (DuckDB)" in out
    for example in EXAMPLE_QUERIES:
        with duckdb.connect(str(database), read_only=True) as conn:
            first = conn.execute(example.sql).fetchone()
        assert first is not None, example.question
        assert f"  {example.question}  First answer: {', '.join(map(str, first))}" in out
        assert example.sql in out
    assert "make ui" in out and re.search(r"^Done in [\d.]+ s", out, re.M)
    assert not re.search(r"\b(WARNING|ERROR)\b", out + result.stderr), (out + result.stderr)[-3000:]
