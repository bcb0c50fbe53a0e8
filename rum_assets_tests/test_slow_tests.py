"""The measured-slow list names tests that exist, and is read from a JUnit report as its docstring says."""

from __future__ import annotations

import re
from pathlib import Path

from rum_assets_tests import slow_tests

ROOT = Path(__file__).resolve().parent.parent


def test_every_listed_test_exists() -> None:
    missing = []
    for test in sorted(slow_tests.listed()):
        path, _, function = test.partition("::")
        file = ROOT / path
        if not file.is_file() or not re.search(rf"^def {re.escape(function)}\(", file.read_text(encoding="utf-8"), re.M):
            missing.append(test)
    assert not missing, f"slow_tests.txt lists tests that do not exist (run `make slow-tests`): {missing}"


def test_a_report_lists_each_function_whose_slowest_case_reached_the_threshold(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="rum_assets_tests.raygun.test_assets" name="test_slow[a]" time="0.5"/>'
        '<testcase classname="rum_assets_tests.raygun.test_assets" name="test_slow[b]" time="3.2"/>'
        '<testcase classname="rum_assets_tests.raygun.test_assets" name="test_quick" time="2.9"/>'
        '<testcase classname="rum_assets_tests.budget.test_ledger" name="test_long" time="12"/>'
        "</testsuite></testsuites>",
        encoding="utf-8",
    )
    assert slow_tests.measured_slow(report) == [
        "rum_assets_tests/budget/test_ledger.py::test_long",
        "rum_assets_tests/raygun/test_assets.py::test_slow",
    ]
