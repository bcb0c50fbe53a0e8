"""Injected faults and latency for the emulators.

Two ways to break a server on purpose, both held by its ``FaultPlan``:

- rules: tests add a ``FaultRule`` matching requests by method and path prefix that answers in
  place of the vendor app (a status with an optional ``Retry-After``, a dropped connection, a
  malformed body) for a bounded number of requests, or only delays them;
- ``RandomFaults``: a seeded outage rehearsal where every request independently may get a 429,
  a 5xx, a dropped connection (before or after the app acted), a truncated body or a slow answer
  (``rum-assets emulator --fault-rate 0.2``).

Besides faults, a plan delays every request by ``latency_seconds`` plus a random share of
``latency_jitter_seconds`` before the app sees it: the network between a client and the vendor.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Literal, get_args

from rum_emulator.messages import Request, Response


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


FaultKind = Literal["429-retry-after", "429-bare", "500", "502", "503", "504", "drop-before", "drop-after", "truncate", "slow"]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
STATUS_OF: dict[str, int] = {"429-retry-after": 429, "429-bare": 429, "500": 500, "502": 502, "503": 503, "504": 504}
RAYGUN_V1_PREFIX = "/api/v1/pulse"
DEFAULT_EXCLUSIONS: tuple[tuple[str, tuple[FaultKind, ...]], ...] = ((RAYGUN_V1_PREFIX, ("429-bare",)),)
"""A Raygun v1 429 without ``Retry-After`` means the application's daily call budget is spent, and
the client stops at once on it (retrying cannot help before the UTC day ends). A random one there
would not rehearse a transient outage but end the day's load, so it is left out by default; list it
in ``exclusions=()`` to rehearse a spent budget."""


@dataclass(frozen=True)
class RandomFaults:
    """Seeded random faults: each matching request independently gets one fault with probability ``rate``.

    The kinds, equally likely among those enabled for the path:

    - ``429-retry-after``: 429 with ``Retry-After: <retry_after_seconds>``; ``429-bare``: 429 without it;
    - ``500``/``502``/``503``/``504``: that status, no ``Retry-After``;
    - ``drop-before``: the connection is closed before the vendor app sees the request;
    - ``drop-after``: the app handles the request (its state changes: a session key is issued, a
      one-time download URL is used up) and then the connection is closed without an answer;
    - ``truncate``: the app's answer is sent with its full ``Content-Length`` but only half its body,
      then the connection is closed (an answer without a body is dropped instead, like ``drop-after``);
    - ``slow``: the app answers normally after ``delay_seconds``.

    Every route is eligible by default, authentication and one-time downloads included: a real
    outage does not spare them, and the clients recover (a new login, a fresh download URL per
    attempt). ``exclusions`` removes kinds per path prefix (see ``DEFAULT_EXCLUSIONS``).
    The same seed and the same sequence of requests give the same faults.
    """

    rate: float = 0.0
    seed: int = 0
    kinds: tuple[FaultKind, ...] = FAULT_KINDS
    path_prefixes: tuple[str, ...] = ("/",)
    delay_seconds: float = 1.0
    retry_after_seconds: int = 1
    exclusions: tuple[tuple[str, tuple[FaultKind, ...]], ...] = DEFAULT_EXCLUSIONS

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, not {self.rate}")
        unknown = sorted(set(self.kinds) - set(FAULT_KINDS))
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; known: {', '.join(FAULT_KINDS)}")
        if self.delay_seconds < 0:
            raise ValueError(f"fault delay must not be negative, not {self.delay_seconds}")

    def kinds_for(self, path: str) -> tuple[FaultKind, ...]:
        if not any(path.startswith(prefix) for prefix in self.path_prefixes):
            return ()
        excluded = {kind for prefix, kinds in self.exclusions if path.startswith(prefix) for kind in kinds}
        return tuple(kind for kind in self.kinds if kind not in excluded)


def parse_fault_kinds(text: str) -> tuple[FaultKind, ...]:
    """``"all"`` or a comma-separated list of kinds (for the command line)."""
    if text.strip().lower() in ("", "all"):
        return FAULT_KINDS
    parts = [part.strip() for part in text.split(",") if part.strip()]
    known: dict[str, FaultKind] = {kind: kind for kind in FAULT_KINDS}
    unknown = sorted(set(parts) - set(known))
    if unknown:
        raise ValueError(f"unknown fault kinds {unknown}; known: {', '.join(FAULT_KINDS)}")
    return tuple(known[part] for part in parts)


@dataclass(frozen=True)
class InjectedFault:
    index: int
    """Position of the request among all requests the server received (0-based)."""
    method: str
    path: str
    kind: FaultKind


class DroppedConnection(Exception):
    """Raised by the plan to make the server close the connection without answering."""


class FaultPlan:
    def __init__(self, random_faults: RandomFaults | None = None) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self.latency_seconds = 0.0
        self.latency_jitter_seconds = 0.0
        """Up to this much more delay on each request, drawn at random: a network that reorders arrivals."""
        self._jitter_rng = random.Random(0)
        self.set_random(random_faults or RandomFaults())

    def set_random(self, random_faults: RandomFaults) -> None:
        """Start (or restart, with a fresh seeded sequence) random fault injection."""
        with self._lock:
            self.random = random_faults
            self._rng = random.Random(random_faults.seed)
            self._requests_seen = 0
            self.injected: list[InjectedFault] = []
            self.injected_counts: Counter[str] = Counter()

    def draw(self, request: Request) -> FaultKind | None:
        """The random fault this request gets, if any (two draws per request, whatever the path)."""
        with self._lock:
            index = self._requests_seen
            self._requests_seen += 1
            hit, pick = self._rng.random(), self._rng.random()
            kinds = self.random.kinds_for(request.path) if self.random.rate > 0 else ()
            if not kinds or hit >= self.random.rate:
                return None
            kind = kinds[int(pick * len(kinds))]
            self.injected_counts[kind] += 1
            if len(self.injected) < 100_000:
                self.injected.append(InjectedFault(index, request.method, request.path, kind))
            return kind

    def random_response(self, kind: FaultKind) -> Response | None:
        """The answer a status fault sends instead of the app's (None for the other kinds)."""
        status = STATUS_OF.get(kind)
        if status is None:
            return None
        headers = [("Retry-After", str(self.random.retry_after_seconds))] if kind == "429-retry-after" else []
        return Response.json(status, {"message": f"injected fault: HTTP {status}"}, headers)

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
        delay = self.latency_seconds
        if self.latency_jitter_seconds > 0:
            with self._lock:
                delay += self._jitter_rng.uniform(0.0, self.latency_jitter_seconds)
        if delay > 0:
            time.sleep(delay)
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
