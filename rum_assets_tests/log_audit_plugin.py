"""Pytest plugin: a passing test leaves no WARNING or ERROR line in what it captured.

A warning nobody is meant to see teaches people to ignore warnings. So after each phase of a test that
passed (setup, call, teardown), the captured log records, stdout and stderr are read for log lines at
WARNING or above, in the formats the project's processes write them:

- Python's logging as pytest captures it (``WARNING  name:file.py:12 message``) or with its default
  format (``WARNING:name:message``);
- Dagster's console and event-log lines (``... - dagster - WARNING - ...``), which run workers, daemons
  and the webserver started by a test print to the inherited stdout and stderr.

A test that is about such a line says so with ``@pytest.mark.logs_at("WARNING", why="...")`` (or
``"ERROR"``, which allows warnings too); its lines above that level still fail it. Without the marker
the phase fails, listing the lines. ``RUM_ASSETS_LOG_AUDIT=report`` only lists them in the terminal
summary (to survey a change), and ``off`` turns the audit off.

Not counted: SQLAlchemy's reports of a pooled SQLite connection reaped by the garbage collector in
another thread (``Exception during reset or similar``, ``Exception terminating connection``). A Dagster
instance an earlier test left to the collector is finalized wherever the collector happens to run, so the
line lands in an unrelated test of the same worker, and says nothing about that test.

Registered from ``rum_assets_tests/conftest.py``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator

import pytest

MARKER = "logs_at"
MODE_VARIABLE = "RUM_ASSETS_LOG_AUDIT"
LEVELS = {"WARNING": 30, "ERROR": 40, "CRITICAL": 50}
_LINE = re.compile(
    r"^\s*(?P<python>WARNING|ERROR|CRITICAL)(?:\s|:)"  # pytest's captured records, logging's default format
    r"|\s-\s(?P<dagster>WARNING|ERROR|CRITICAL)\s-\s"  # Dagster's console and event-log lines
)
_REAPED_CONNECTION = re.compile(r"sqlalchemy\.pool\.\S+ (Exception during reset or similar|Exception terminating connection)")
_SHOWN_PER_PHASE = 12
_report_lines: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(level, why): the test is about log lines up to this level (WARNING or ERROR); rum_assets_tests/log_audit_plugin.py",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        allowed_level(item)


def level_of(line: str) -> int:
    """The level of a log line at WARNING or above, else 0."""
    match = _LINE.search(line)
    if not match or _REAPED_CONNECTION.search(line):
        return 0
    return LEVELS[match.group("python") or match.group("dagster")]


def allowed_level(item: pytest.Item) -> int:
    marker = item.get_closest_marker(MARKER)
    if marker is None:
        return 0
    level = str(marker.args[0]).upper() if marker.args else "WARNING"
    if level not in LEVELS or not marker.kwargs.get("why"):
        raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.{MARKER} needs a level ({', '.join(LEVELS)}) and why=")
    return LEVELS[level]


def offending_lines(report: pytest.TestReport, allowed: int) -> list[str]:
    lines = []
    for title, text in report.sections:
        # A later phase's report carries the earlier phases' sections too: each phase reads only its own.
        if not (title.startswith("Captured") and title.endswith(f" {report.when}")):
            continue
        lines.extend(f"[{title}] {line.strip()}" for line in text.splitlines() if level_of(line) > allowed)
    return lines


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    mode = os.environ.get(MODE_VARIABLE, "fail")
    if mode == "off" or not report.passed:
        return
    lines = offending_lines(report, allowed_level(item))
    if not lines:
        return
    shown = "\n".join(lines[:_SHOWN_PER_PHASE]) + (
        f"\n... and {len(lines) - _SHOWN_PER_PHASE} more" if len(lines) > _SHOWN_PER_PHASE else ""
    )
    if mode == "report":
        report.user_properties.append((MARKER, f"{report.nodeid} ({report.when}): {len(lines)} line(s)\n{shown}"))
        return
    report.outcome = "failed"
    report.longrepr = (
        f"{report.when} passed but logged {len(lines)} line(s) at WARNING or above. Fix the cause, or mark the test "
        f'@pytest.mark.{MARKER}("WARNING"|"ERROR", why="...") if it is about them (rum_assets_tests/log_audit_plugin.py):\n{shown}'
    )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Runs where the terminal is (the xdist controller too), so the summary sees every worker's findings."""
    _report_lines.extend(value for name, value in report.user_properties if name == MARKER)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _report_lines:
        terminalreporter.section(f"log audit: {len(_report_lines)} passing phase(s) logged WARNING or above")
        for entry in _report_lines:
            terminalreporter.write_line(entry)
