"""Pacing calls to a rate-limited API across threads, processes and machines: the rule and its stores.

A vendor counts a call in the window in which its request *arrives*, which the caller never sees: it
lies between the call's start and its answer. So a call holds its place from its start until one
window after its answer, and a new call may start only when fewer than ``limit`` calls could share a
window with it. Every process that calls with the same credentials keeps its places (*permits*) in
one :class:`PermitStore` under one ``scope`` (a hash of the credentials, never the credentials):
in memory for one process, in the call ledger's SQLite file for one machine, in its PostgreSQL
database for several (see :func:`open_permit_store`). A store takes a permit atomically: it reads
the scope's permits, applies the rule and inserts the new one in one short transaction, and never
waits inside it; answering the call is a second transaction.

A process killed with calls in flight cannot mark them answered, so each permit carries an expiry:
the latest its request can still reach the vendor. An unanswered permit counts as answered at its
expiry, and is forgotten a window later: nothing a dead process leaves blocks the others for long.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

IN_FLIGHT = float("inf")
"""The end of a permit whose call has not answered yet."""


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: float


@dataclass(frozen=True)
class PacingRule:
    """The limits of one scope and how long an unanswered call may hold its place."""

    windows: tuple[Window, ...]
    margin_seconds: float = 0.01
    """Added to every window: clock readings are not instants."""
    in_flight_expiry_seconds: float = IN_FLIGHT
    """After its start, the latest a call's request can reach the vendor; an unanswered permit counts as
    answered then (a process killed mid-call never answers). Infinite where the owner cannot die alone."""

    def __post_init__(self) -> None:
        for window in self.windows:
            if window.limit < 1 or window.seconds <= 0:
                raise ValueError(f"a rate window needs a positive limit and length, not {window}")
        if not self.windows:
            raise ValueError("pacing needs at least one rate window")

    def horizon(self, now: float) -> float:
        """Permits that ended at or before this moment can no longer share a window with a new call."""
        return now - max(window.seconds for window in self.windows) - self.margin_seconds

    def judge(self, now: float, permits: Iterable[tuple[float | None, float]]) -> Verdict:
        """Whether a call may start at ``now`` given the scope's ``(ended, expires)`` permits."""
        ends = [ended if ended is not None else (expires if expires <= now else IN_FLIGHT) for ended, expires in permits]
        wait, at_least, held = 0.0, 0.0, {}
        for window in self.windows:
            sharing = sorted(end for end in ends if end > now - window.seconds - self.margin_seconds)
            held[window.seconds] = len(sharing)
            if len(sharing) >= window.limit:
                freeing = sharing[len(sharing) - window.limit]
                wait = max(wait, freeing + window.seconds + self.margin_seconds - now)
                at_least = max(at_least, min(freeing, now) + window.seconds + self.margin_seconds - now)
        return Verdict(wait, at_least, held)


@dataclass(frozen=True)
class Verdict:
    wait: float
    """Seconds until one more call fits every window; ``IN_FLIGHT`` when a call still unanswered must answer first."""
    at_least: float
    """A lower bound of ``wait`` (every unanswered call answered now): worth sleeping before asking again."""
    held: dict[float, int] = field(default_factory=dict)
    """Permits that could share each window (by length) with a call starting now, not counting it."""


@dataclass(frozen=True)
class Taken:
    """What a store answered to a request for a permit."""

    permit_id: int | None
    """The permit taken, or None when the call must wait ``verdict.wait``."""
    verdict: Verdict
    now: float
    """The store's clock when it judged."""


class PermitStore(Protocol):
    """Permits per scope, shared by every thread, process or machine that uses the same store."""

    shared: bool
    """Whether other processes may hold permits here (then waits are re-checked, not only woken)."""

    def take(self, scope: str, rule: PacingRule) -> Taken:
        """Atomically: forget permits past the rule's horizon, judge, and insert a permit if the call may start."""
        ...

    def answered(self, scope: str, permit_id: int) -> None:
        """The permit's call answered (or failed): it reached the vendor no later than now."""
        ...

    def align(self, scope: str, rule: PacingRule, window: Window, remaining: int) -> int:
        """The vendor says ``remaining`` calls are left in ``window``: when that is fewer than the
        permits leave, count the difference as calls answered now (callers outside the store).
        Returns the permits added."""
        ...

    def held(self, scope: str, rule: PacingRule, window: Window) -> int:
        """Permits that could share ``window`` with a call starting now."""
        ...

    def close(self) -> None: ...


def phantoms_needed(rule: PacingRule, window: Window, held: int, remaining: int) -> int:
    """Calls the vendor counted in ``window`` that the store does not hold (see :meth:`PermitStore.align`)."""
    if window not in rule.windows:
        return 0
    return max(0, window.limit - held - max(0, remaining))


@dataclass
class _MemoryPermit:
    ended: float | None
    expires: float


class MemoryPermitStore:
    """Permits of one process, in memory; the limiter's lock makes each operation atomic."""

    shared = False

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._permits: dict[str, dict[int, _MemoryPermit]] = {}
        self._next_id = 0

    def _live(self, scope: str, rule: PacingRule, now: float) -> Iterator[tuple[float | None, float]]:
        permits = self._permits.setdefault(scope, {})
        horizon = rule.horizon(now)
        for permit_id in [i for i, p in permits.items() if (p.ended if p.ended is not None else p.expires) <= horizon]:
            del permits[permit_id]
        return ((p.ended, p.expires) for p in permits.values())

    def _insert(self, scope: str, ended: float | None, expires: float) -> int:
        self._next_id += 1
        self._permits.setdefault(scope, {})[self._next_id] = _MemoryPermit(ended, expires)
        return self._next_id

    def take(self, scope: str, rule: PacingRule) -> Taken:
        now = self.clock()
        verdict = rule.judge(now, self._live(scope, rule, now))
        if verdict.wait > 0:
            return Taken(None, verdict, now)
        return Taken(self._insert(scope, None, now + rule.in_flight_expiry_seconds), verdict, now)

    def answered(self, scope: str, permit_id: int) -> None:
        permit = self._permits.get(scope, {}).get(permit_id)
        if permit is not None and permit.ended is None:
            permit.ended = self.clock()

    def align(self, scope: str, rule: PacingRule, window: Window, remaining: int) -> int:
        now = self.clock()
        added = phantoms_needed(rule, window, rule.judge(now, self._live(scope, rule, now)).held.get(window.seconds, 0), remaining)
        for _ in range(added):
            self._insert(scope, now, now)
        return added

    def held(self, scope: str, rule: PacingRule, window: Window) -> int:
        now = self.clock()
        return rule.judge(now, self._live(scope, rule, now)).held.get(window.seconds, 0)

    def close(self) -> None:
        self._permits.clear()


def open_permit_store(location: Path | str) -> PermitStore:
    """The permits beside the call ledger at ``location``: its PostgreSQL database for a ``postgresql://``
    URL (the database server's clock), else its SQLite file (this machine's clock)."""
    from rum_assets.budget.ledger import is_postgres_url

    if is_postgres_url(location):
        from rum_assets.budget.pacing_postgres import PostgresPermitStore

        return PostgresPermitStore(str(location))
    from rum_assets.budget.pacing_sqlite import SqlitePermitStore

    return SqlitePermitStore(Path(location))
