"""Pytest plugin: every v3 answer an emulator serves during a test is checked against Raygun's description.

A request outside the description is refused by the emulator itself (400), so the client under test
fails on it; this plugin makes sure the other half holds too: whatever the emulator answered in a test,
in whatever variant, is an answer the description allows (``rum_emulator.raygun_v3.contract``).
A test whose emulator answered outside it fails, naming the request and what was wrong; answers
during fixture teardown are checked after it (an error of the teardown).

Registered from ``rum_assets_tests/conftest.py``. Checking every answer whole cost more than the
suite can afford (a 500-row page takes about 0.1 s), so the check is a bounded sample: per test, the
first ``SAMPLE_PER_KIND`` answers of each (operation, status), and of a list only its first
``ROWS_PER_LIST`` items (every row comes from the same generator; ``test_raygun_v3_contract`` checks
whole answers of every endpoint and variant, and is marked ``v3_contract_checked_here`` so its answers are
not checked twice). The terminal summary says how many answers were checked and how long it took.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import time
from collections.abc import Generator
from contextlib import ExitStack
from functools import cache
from typing import Any

import pytest

from rum_emulator.raygun_v3 import recording
from rum_emulator.raygun_v3.recording import Exchange
from rum_emulator.raygun_v3.spec import operations

SAMPLE_PER_KIND = 20
"""Answers checked per test for each (method, operation, status); later ones of the same kind are not."""
ROWS_PER_LIST = 50
"""Items of each JSON array in an answer that are checked (a page of 500 sessions, 500 page views)."""
MARKER = "v3_contract_checked_here"


class Sample:
    """The exchanges of one test, keeping the first ``per_kind`` of each kind."""

    def __init__(self, per_kind: int = SAMPLE_PER_KIND) -> None:
        self.per_kind = per_kind
        self._kept: list[Exchange] = []
        self._seen: dict[tuple[str, str, int], int] = {}
        self._checked = 0
        self._lock = threading.Lock()
        self.total = 0

    def __call__(self, exchange: Exchange) -> None:
        key = (exchange.method, _operation_of(exchange.method, exchange.path), exchange.status)
        with self._lock:
            self.total += 1
            self._seen[key] = self._seen.get(key, 0) + 1
            if self._seen[key] <= self.per_kind:
                self._kept.append(exchange)

    def unchecked(self) -> list[Exchange]:
        with self._lock:
            fresh, self._checked = self._kept[self._checked :], len(self._kept)
        return fresh


@cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [(operation.operation_id, re.compile(operation.pattern)) for operation in operations().values()]


def _operation_of(method: str, path: str) -> str:
    return next((operation_id for operation_id, pattern in _patterns() if pattern.fullmatch(path)), path)


def shortened(exchange: Exchange, rows: int = ROWS_PER_LIST) -> Exchange:
    """The exchange with every JSON array of its answer cut to its first ``rows`` items (cutting cannot make
    an answer break the description: it sets no ``minItems`` or ``uniqueItems`` on answers)."""
    if b"[" not in exchange.body:
        return exchange
    try:
        body = json.loads(exchange.body)
    except ValueError:
        return exchange  # the check itself says what is wrong with it
    return dataclasses.replace(exchange, body=json.dumps(_cut(body, rows)).encode())


def _cut(node: Any, rows: int) -> Any:
    if isinstance(node, list):
        return [_cut(item, rows) for item in node[:rows]]
    if isinstance(node, dict):
        return {key: _cut(value, rows) for key, value in node.items()}
    return node


class _Cost:
    def __init__(self) -> None:
        self.answers = 0
        self.seconds = 0.0


COST = _Cost()


def broken(exchanges: list[Exchange]) -> list[str]:
    """One line per exchange that breaks the description (its first rows), with what is wrong."""
    if not exchanges:
        return []
    from rum_emulator.raygun_v3 import contract  # openapi-core: only when a test served v3 answers

    started = time.perf_counter()
    found = [
        f"{exchange.describe()}: {'; '.join(problems)}" for exchange in exchanges if (problems := contract.violations(shortened(exchange)))
    ]
    COST.answers += len(exchanges)
    COST.seconds += time.perf_counter() - started
    return found


_SAMPLE = pytest.StashKey[Sample]()
_LISTENING = pytest.StashKey[ExitStack]()


def _fail_on(item: pytest.Item) -> None:
    if _SAMPLE not in item.stash:
        return
    problems = broken(item.stash[_SAMPLE].unchecked())
    if problems:
        raise AssertionError("the v3 emulator answered outside Raygun's description:\n" + "\n".join(problems[:20]))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: the test checks every v3 answer it causes itself; the contract plugin does not again")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if COST.answers:
        terminalreporter.write_line(
            f"v3 contract: {COST.answers} emulator answers checked against Raygun's description in {COST.seconds:.1f} s"
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    if item.get_closest_marker(MARKER) is not None:
        return (yield)
    sample = Sample()
    item.stash[_SAMPLE] = sample
    listening = ExitStack()
    listening.enter_context(recording.listen(sample))
    item.stash[_LISTENING] = listening
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    try:
        result = yield
    except BaseException:
        if _SAMPLE in item.stash:
            item.stash[_SAMPLE].unchecked()  # a test that failed on its own keeps its own failure, alone
        raise
    _fail_on(item)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    try:
        return (yield)
    finally:
        listening = item.stash.get(_LISTENING, None)
        if listening is not None:
            listening.close()
            del item.stash[_LISTENING]
            _fail_on(item)
