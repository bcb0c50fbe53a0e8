"""Injected faults and latency for the emulators.

Tests and the benchmark add rules to a server's ``FaultPlan``; each rule matches requests by method
and path prefix and answers in place of the vendor app (a status with an optional ``Retry-After``,
a dropped connection, a malformed body) for a bounded number of requests, or only delays them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rum_assets.emulator.server import Request, Response


@dataclass
class FaultRule:
    path_prefix: str
    status: int | None = None
    """Answer with this status instead of calling the app (None: call the app, possibly after a delay)."""
    times: int | None = 1
    """How many matching requests the rule applies to; None means every one."""
    method: str | None = None
    retry_after: str | None = None
    body: bytes | None = None
    """A raw body to answer with (for malformed-payload tests)."""
    delay_seconds: float = 0.0
    kind: Literal["respond", "drop"] = "respond"
    """``drop`` closes the connection without an answer (a dropped connection for the client)."""


class DroppedConnection(Exception):
    """Raised by the plan to make the server close the connection without answering."""


class FaultPlan:
    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self.latency_seconds = 0.0

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def _take(self, request: Request) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if not request.path.startswith(rule.path_prefix):
                    continue
                if rule.method and rule.method.upper() != request.method:
                    continue
                if rule.times is not None:
                    if rule.times <= 0:
                        continue
                    rule.times -= 1
                return rule
        return None

    def intercept(self, request: Request) -> Response | None:
        """A response that replaces the app's, or None to let the app answer."""
        from rum_assets.emulator.server import Response

        if self.latency_seconds > 0:
            time.sleep(self.latency_seconds)
        rule = self._take(request)
        if rule is None:
            return None
        if rule.delay_seconds > 0:
            time.sleep(rule.delay_seconds)
        if rule.kind == "drop":
            raise DroppedConnection(request.path)
        if rule.status is None:
            return None
        headers = [("Retry-After", rule.retry_after)] if rule.retry_after is not None else []
        if rule.body is not None:
            return Response(rule.status, rule.body, [("Content-Type", "application/json; charset=utf-8"), *headers])
        return Response.json(rule.status, {"message": f"injected fault {rule.status}"}, headers)
