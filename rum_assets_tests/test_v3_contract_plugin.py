"""The contract plugin fails a test whose v3 emulator answered outside the description, and only such a test."""

from __future__ import annotations

import json

import pytest

from rum_assets_tests.v3_contract_plugin import Sample, shortened
from rum_emulator.raygun_v3.recording import Exchange

pytest_plugins = ["pytester"]

INNER = """
import httpx
import pytest

from rum_emulator.raygun_v3 import DEMO_TOKEN, RaygunV3App, RaygunV3EmulatorConfig
from rum_emulator.raygun_v3.catalog import Page
from rum_emulator.server import EmulatorServer


def _pages():
    app = RaygunV3App(RaygunV3EmulatorConfig(per_second_limit=0))
    with EmulatorServer([app]) as server:
        answer = httpx.get(f"{server.base_url}/v3/applications/wb7k2q/pages", headers={"Authorization": f"Bearer {DEMO_TOKEN}"})
    assert answer.status_code == 200


def _broken_pages(monkeypatch):
    monkeypatch.setattr(Page, "record", lambda self, app, now_ms: {"identifier": 42, "lastSeenAt": "yesterday"})


def test_keeps_the_contract():
    _pages()


def test_breaks_the_contract(monkeypatch):
    _broken_pages(monkeypatch)
    _pages()


def test_breaks_it_and_fails_on_its_own(monkeypatch):
    _broken_pages(monkeypatch)
    _pages()
    assert False, "its own failure"


@pytest.fixture
def pages_at_teardown(monkeypatch):
    yield
    _broken_pages(monkeypatch)
    _pages()


def test_breaks_it_in_teardown(pages_at_teardown):
    pass


@pytest.mark.v3_contract_checked_here
def test_checks_its_own_answers(monkeypatch):
    _broken_pages(monkeypatch)
    _pages()
"""


@pytest.mark.logs_at("ERROR", why="pytester prints the inner run's failures")
def test_a_test_whose_emulator_answers_outside_the_description_fails_naming_the_request(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["rum_assets_tests.v3_contract_plugin"]')
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=2, errors=1)
    outcomes = {report.split(" - ")[0] for report in result.outlines if report.startswith(("FAILED", "ERROR"))}
    assert outcomes == {
        "FAILED test_inner.py::test_breaks_the_contract",
        "FAILED test_inner.py::test_breaks_it_and_fails_on_its_own",
        "ERROR test_inner.py::test_breaks_it_in_teardown",
    }
    result.stdout.fnmatch_lines(["*the v3 emulator answered outside Raygun's description*", "*GET /v3/applications/wb7k2q/pages -> 200*"])
    result.stdout.fnmatch_lines(["*its own failure*"])


def _exchange(status: int, path: str = "/v3/applications/wb7k2q/pages") -> Exchange:
    return Exchange("GET", path, (), (), b"", status, (), b"[]", frozenset())


def test_the_sample_keeps_the_first_answers_of_each_operation_and_status() -> None:
    sample = Sample(per_kind=2)
    for _ in range(5):
        sample(_exchange(200))
        sample(_exchange(200, "/v3/applications/mb4x9r/pages"))  # the same operation
        sample(_exchange(400))
    sample(_exchange(200, "/v3/applications"))
    kept = sample.unchecked()
    assert [(e.path, e.status) for e in kept] == [
        ("/v3/applications/wb7k2q/pages", 200),
        ("/v3/applications/mb4x9r/pages", 200),
        ("/v3/applications/wb7k2q/pages", 400),
        ("/v3/applications/wb7k2q/pages", 400),
        ("/v3/applications", 200),
    ]
    assert sample.total == 16 and sample.unchecked() == []


def test_only_the_first_rows_of_each_list_in_an_answer_are_checked() -> None:
    detail = {"identifier": "s", "pageViews": [{"n": n} for n in range(500)], "errors": []}
    exchange = Exchange("GET", "/v3/x", (), (), b"", 200, (), json.dumps([detail] * 80).encode(), frozenset())
    cut = json.loads(shortened(exchange, rows=3).body)
    assert cut == [{"identifier": "s", "pageViews": [{"n": 0}, {"n": 1}, {"n": 2}], "errors": []}] * 3
    assert shortened(_exchange(401)).body == b"[]"
