"""Session lists first: Raygun v1 session details spend only what the lists still to come today leave.

The session list is the primary table; details are enrichment. Both spend one daily call budget per
application (50 calls by default), and a details step that spends "what is left" starves the lists
of days still to be listed today: with three nodes loading four overlapping days on a 120-call plan,
the details of the first days spent the day's calls and the fourth day's list failed on authenticate.
A fixed reserve (it was 5 calls) cannot know how many lists are still to come, nor on which node.

So every list still to come today is *pending* in the store the call ledger lives in (the SQLite file
under the state directory, or the ``postgresql://`` ledger URL): every process and node sees the
same pending lists, and the details clients leave their calls unspent.

- **A pending list** is a row (credential scope, day, owner, expires_at); the scope is the call
  ledger's (a hash of the API root and key). Whatever will list days later today writes rows when it
  plans them: the budget backfill sensor for each sessions run it requests (owner: the run key); a
  process that loads several days itself, for all of them before its first run
  (:meth:`ListReservations.planned`). The run carries the owner in the :data:`PLAN_TAG` run tag.
- **The schedule's day** needs no row: yesterday is pending until a list of it has landed today
  (each landing is recorded with its day, time and ``totalSessions``).
- **Cleared** when the sessions step of the run carrying the owner has listed that day (landed or
  failed: either way that list is no longer to come), a plan's leftovers when it ends, and by
  expiry (:data:`PLAN_TTL` after they were written) otherwise, so a killed process or a run that
  never started leaves nothing behind for longer than that.
- **Estimate** of each pending list: ``ceil(total / page size)`` pages (at least one) plus one
  authentication, with ``total`` the day's last landed ``totalSessions``, else the latest landed
  day's of the scope (days are alike), else one page.
- **Details** are reserved through :func:`rum_assets.raygun.v1.client.reserve_leaving`: a call is added
  to the day's count only while the count stays within the limit less the pending estimate, re-read
  before each call, in the store's one atomic reservation; two details steps on two nodes cannot
  together eat into what the lists need, and once the last list has landed they get the rest.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Protocol

from rum_assets.budget.ledger import is_postgres_url

PLAN_TAG = "rum_assets/raygun_list_plan"
"""Run tag naming the pending-list owner a run's session list fulfils."""
PLAN_TTL = timedelta(hours=6)
LANDINGS_KEPT = timedelta(days=60)


class ListReservationStore(Protocol):
    def hold(self, scope: str, owner: str, days: Sequence[date], expires_at: datetime, now: datetime) -> None:
        """Write (or refresh) ``owner``'s rows for ``days``, dropping every expired row."""
        ...

    def release(self, scope: str, owner: str, day: date | None) -> None:
        """Drop ``owner``'s row for ``day`` (None: all of its rows)."""
        ...

    def pending(self, scope: str, now: datetime) -> list[date]:
        """The day of every row not expired at ``now`` (a day once per owner)."""
        ...

    def record_landing(self, scope: str, day: date, total: int, at: datetime) -> None: ...

    def landings(self, scope: str) -> dict[date, tuple[datetime, int]]:
        """(when, totalSessions) of the last landed list of each day."""
        ...


def open_reservation_store(location: Path | str) -> ListReservationStore:
    if is_postgres_url(location):
        from rum_assets.raygun.v1.list_reservations_postgres import PostgresListReservationStore

        return PostgresListReservationStore(str(location))
    from rum_assets.raygun.v1.list_reservations_sqlite import SqliteListReservationStore

    return SqliteListReservationStore(Path(location))


@dataclass(frozen=True)
class PendingLists:
    days: tuple[date, ...]
    """One entry per list still to come (a day planned twice is listed twice)."""
    calls: int


class ListReservations:
    """The pending session lists of one credential scope."""

    def __init__(
        self,
        location: Path | str,
        scope: str,
        *,
        page_size: int = 500,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = open_reservation_store(location)
        self.scope = scope
        self.page_size = page_size
        self.clock = clock

    def _now(self) -> datetime:
        return self.clock().astimezone(UTC)

    def plan(self, days: Sequence[date], owner: str, ttl: timedelta = PLAN_TTL) -> None:
        now = self._now()
        self.store.hold(self.scope, owner, list(days), now + ttl, now)

    def release(self, owner: str, day: date | None = None) -> None:
        self.store.release(self.scope, owner, day)

    def landed(self, day: date, total_sessions: int) -> None:
        now = self._now()
        self.store.record_landing(self.scope, day, total_sessions, now)

    @contextmanager
    def planned(self, days: Sequence[date], owner: str | None = None) -> Iterator[dict[str, str]]:
        """Hold a pending list for each of ``days`` while the caller lists them; yields the run tags
        that tie each run's list to its row. What is left is released at the end."""
        owner = owner or f"plan-{uuid.uuid4().hex[:12]}"
        self.plan(days, owner)
        try:
            yield {PLAN_TAG: owner}
        finally:
            self.release(owner)

    def pending(self) -> PendingLists:
        now = self._now()
        landings = self.store.landings(self.scope)
        days = self.store.pending(self.scope, now)
        schedule_day = now.date() - timedelta(days=1)
        landed_at, _ = landings.get(schedule_day, (None, 0))
        if landed_at is None or landed_at < datetime.combine(now.date(), time(0), tzinfo=UTC):
            days.append(schedule_day)
        latest = max(landings.values(), default=(None, 0))[1]
        calls = sum(max(1, math.ceil(landings.get(day, (None, latest))[1] / self.page_size)) + 1 for day in days)
        return PendingLists(tuple(sorted(days)), calls)

    def calls_to_keep(self) -> int:
        return self.pending().calls
