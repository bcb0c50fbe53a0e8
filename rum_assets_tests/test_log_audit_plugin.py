"""The log audit fails a passing test that logged a WARNING or ERROR it is not about, and only such a test."""

from __future__ import annotations

import pytest

from rum_assets_tests.log_audit_plugin import level_of

pytest_plugins = ["pytester"]

INNER = """
import logging
import subprocess
import sys

import pytest

log = logging.getLogger("rum_assets.inner")


def test_quiet():
    log.info("fine")
    print("a WARNING in prose is not a log line")


def test_warns():
    log.warning("nobody reads this")


def test_a_subprocess_prints_a_dagster_error():
    line = "2026-12-03 10:00:00 +0000 - dagster - ERROR - my_job - 1234 - step failed"
    subprocess.run([sys.executable, "-c", f"print({line!r})"], check=True)


@pytest.mark.logs_at("WARNING", why="it is about the warning")
def test_about_the_warning():
    log.warning("the retry is logged")


@pytest.mark.logs_at("WARNING", why="only warnings are expected")
def test_an_error_above_its_level():
    log.error("not expected")


@pytest.mark.logs_at("ERROR", why="it is about the failure")
def test_about_an_error():
    log.error("the failure is logged")


def test_fails_on_its_own():
    log.warning("beside the point")
    assert False, "its own failure"


@pytest.fixture
def noisy_teardown():
    yield
    log.warning("left behind at teardown")


def test_warns_at_teardown(noisy_teardown):
    pass
"""


def _run(pytester: pytest.Pytester, *env: tuple[str, str]) -> pytest.RunResult:
    pytester.makeconftest('pytest_plugins = ["rum_assets_tests.log_audit_plugin"]')
    pytester.makepyfile(test_inner=INNER)
    for name, value in env:
        pytester._monkeypatch.setenv(name, value)
    return pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "-rA")


@pytest.mark.logs_at("ERROR", why="pytester prints the inner run's output, which is full of the lines under test")
def test_a_passing_test_that_logged_a_warning_it_is_not_about_fails(pytester: pytest.Pytester) -> None:
    result = _run(pytester)
    outcomes = result.parseoutcomes()
    assert (outcomes.get("passed"), outcomes.get("failed"), outcomes.get("errors")) == (4, 4, 1), result.stdout.str()
    passed = {line.split("::")[-1] for line in result.stdout.lines if line.startswith("PASSED")}
    assert passed == {"test_quiet", "test_about_the_warning", "test_about_an_error", "test_warns_at_teardown"}
    text = result.stdout.str()
    for failed in ("test_warns", "test_a_subprocess_prints_a_dagster_error", "test_an_error_above_its_level", "test_fails_on_its_own"):
        assert f"FAILED test_inner.py::{failed}" in text
    assert "ERROR test_inner.py::test_warns_at_teardown" in text, "a teardown that logs a warning is an error of the test"
    assert "nobody reads this" in text and "step failed" in text
    assert "its own failure" in text, "a test that failed by itself keeps its own failure"


@pytest.mark.logs_at("ERROR", why="pytester prints the inner run's output, which is full of the lines under test")
def test_report_mode_lists_the_lines_and_fails_nothing(pytester: pytest.Pytester) -> None:
    result = _run(pytester, ("RUM_ASSETS_LOG_AUDIT", "report"))
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 1 and outcomes.get("passed") == 7, result.stdout.str()
    text = result.stdout.str()
    assert "log audit: 4 passing phase(s) logged WARNING or above" in text
    assert "test_inner.py::test_warns (call): 1 line(s)" in text


@pytest.mark.logs_at("ERROR", why="pytester prints the inner run's usage error")
def test_a_marker_without_a_reason_is_refused(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["rum_assets_tests.log_audit_plugin"]')
    pytester.makepyfile(
        test_inner='import pytest\n\n@pytest.mark.logs_at("WARNING")\ndef test_it():\n    pass\n',
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    assert "needs a level" in result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("WARNING  rum_assets.progress:progress.py:12 slow", 30),
        ("ERROR:root:boom", 40),
        ("2026-12-03 10:00:00 +0000 - dagster - WARNING - job - run - No cursor", 30),
        ("2026-12-03 10:00:00 +0000 - dagster - DEBUG - job - run - STEP_START", 0),
        ("INFO     rum_assets:x.py:1 no WARNING here", 0),
        ("the demo printed no ERROR line", 0),
        ("ERROR    sqlalchemy.pool.impl.NullPool:base.py:1073 Exception during reset or similar", 0),
        ("ERROR    sqlalchemy.pool.impl.NullPool:base.py:1073 a pool error worth seeing", 40),
    ],
)
def test_the_formats_it_reads(line: str, level: int) -> None:
    assert level_of(line) == level
