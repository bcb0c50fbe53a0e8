"""One UTC day's sessions from the v3 session list, which has no date filter.

The list can be ordered by ``startedAt`` (immutable), ascending or descending, and paged with
``count``/``offset``. So:

1. Two ``count=1`` probes read the oldest and the newest session. A day outside that span is empty.
   Otherwise the order is chosen whose head is nearer the day in time (newest-first for yesterday,
   oldest-first for a day near the retention edge): with sessions spread evenly over time, fewer
   sessions lie between the head and the day, so the search below needs fewer probes.
2. ``count=1`` probes gallop (offsets +1, +2, +4, ...) to bracket the day's first session, then
   bisect until the bracket fits in one page: O(log n) calls for n sessions ahead of the day.
3. Pages of 500 follow, each starting at the previous page's last session (one row of overlap),
   until a session beyond the day or a short page.

The list changes while we read it: new sessions arrive at the newest end and retention removes the
oldest. A removal ahead of our offset shifts every row to a lower offset, and the next page would
silently skip rows. The overlap detects it: a page must start at or before the session the last
one ended with; when it starts after it, the finder re-anchors (gallops back to find that session's
time again) and resumes; rows seen twice are dropped by identifier. Every loop is bounded.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from rum_assets.raygun.v3.client import MAX_PAGE_SIZE, MAX_PAGES, RaygunV3Client, day_range
from rum_assets.raygun.v3.models import Session
from rum_assets.raygun.v3.operations import LIST_SESSIONS
from rum_assets.raygun.v3.problems import VENDOR
from rum_assets.transport.errors import VendorHTTPError

SessionLister = Callable[[int, int, bool], list[Session]]
"""``(offset, count, newest_first)`` -> one page of the session list ordered by ``startedAt``."""
Predicate = Callable[[Session], bool]

MAX_GALLOP_STEPS = 48
MAX_REANCHORS = 32


@dataclass
class DayStats:
    order: str = "startedAt"
    probes: int = 0
    pages: int = 0
    reanchors: int = 0
    sessions: int = 0
    attempts: int | None = None
    """Vendor calls including retries, when the finder ran through a client."""

    @property
    def calls(self) -> int:
        return self.probes + self.pages

    @property
    def minimum_pages(self) -> int:
        """``ceil(sessions / 500)``: what even a client told the offsets in advance would page."""
        return math.ceil(self.sessions / MAX_PAGE_SIZE)


@dataclass
class DayResult:
    day: date
    sessions: list[Session] = field(default_factory=list)
    stats: DayStats = field(default_factory=DayStats)


class DayFinder:
    def __init__(
        self,
        lister: SessionLister,
        *,
        page_size: int = MAX_PAGE_SIZE,
        max_calls: int = MAX_PAGES + 2 * MAX_GALLOP_STEPS,
        max_reanchors: int = MAX_REANCHORS,
        endpoint: str = f"{LIST_SESSIONS.method} {LIST_SESSIONS.template}",
    ) -> None:
        if not 2 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 2 and {MAX_PAGE_SIZE}, not {page_size}")
        self.lister = lister
        self.page_size = page_size
        self.max_calls = max_calls
        self.max_reanchors = max_reanchors
        self.endpoint = endpoint

    # -- calls ---------------------------------------------------------------------------------

    def _fail(self, day: date, problem: str) -> VendorHTTPError:
        return VendorHTTPError(VENDOR, self.endpoint, problem, day=day)

    def _list(self, offset: int, count: int, newest_first: bool, stats: DayStats, day: date) -> list[Session]:
        if stats.calls >= self.max_calls:
            raise self._fail(day, f"gave up after {stats.calls} list calls (max_calls) without reaching the end of the day")
        if count == 1:
            stats.probes += 1
        else:
            stats.pages += 1
        return self.lister(offset, count, newest_first)

    def _probe(self, offset: int, newest_first: bool, stats: DayStats, day: date) -> Session | None:
        page = self._list(offset, 1, newest_first, stats, day)
        return page[0] if page else None

    def _holds(self, predicate: Predicate, offset: int, newest_first: bool, stats: DayStats, day: date) -> bool:
        """``predicate`` at ``offset``; past the end of the list counts as False."""
        item = self._probe(offset, newest_first, stats, day)
        return item is not None and predicate(item)

    def _bisect(self, predicate: Predicate, lo: int, hi: int, newest_first: bool, stats: DayStats, day: date) -> int:
        """Narrow ``predicate(lo)`` True / ``predicate(hi)`` False until the gap fits one page."""
        while hi - lo > self.page_size - 1:
            mid = (lo + hi) // 2
            if self._holds(predicate, mid, newest_first, stats, day):
                lo = mid
            else:
                hi = mid
        return lo

    def _search(
        self, predicate: Predicate, key: Callable[[Session], float], head: Session, newest_first: bool, stats: DayStats, day: date
    ) -> int:
        """The last offset (within a page) where ``predicate`` holds; it holds at offset 0 (``head``).

        ``key`` is a session's distance in seconds from the boundary (negative before it). Probes
        aim where the times seen so far put the boundary (extrapolating, then interpolating), never
        growing less than twice per step nor shrinking a bracket less than half per two steps, so
        the cost is O(log n) at worst and a few probes when sessions are spread evenly in time.
        """
        lo, key_lo, key_head = 0, key(head), key(head)
        hi: int | None = None
        key_hi: float | None = None
        last_true: bool | None = None
        width_before = math.inf
        quarter = self.page_size // 4
        for _ in range(MAX_GALLOP_STEPS * 2):
            if hi is not None and hi - lo <= self.page_size - 1:
                return lo
            if hi is None:
                guess = self.page_size if lo == 0 else 2 * lo + 1
                if lo > 0 and key_lo > key_head:
                    estimate = lo * (0 - key_head) / (key_lo - key_head)
                    guess = max(guess, int(estimate * 1.1) + quarter)
            else:
                width = hi - lo
                if key_hi is not None and key_hi > key_lo and width <= width_before / 2:
                    estimate = lo + width * (0 - key_lo) / (key_hi - key_lo)
                    estimate += quarter if last_true else -quarter
                else:
                    estimate = (lo + hi) / 2
                width_before = width
                guess = min(max(int(estimate), lo + 1), hi - 1)
            item = self._probe(guess, newest_first, stats, day)
            last_true = item is not None and predicate(item)
            if last_true:
                assert item is not None
                lo, key_lo = guess, key(item)
            else:
                hi, key_hi = guess, (key(item) if item is not None else None)
        raise self._fail(day, f"the day's first session was not bracketed after {MAX_GALLOP_STEPS * 2} probes")

    def _gallop_back(self, predicate: Predicate, known_false: int, newest_first: bool, stats: DayStats, day: date) -> int:
        """Like :meth:`_gallop_forward` searching down from ``known_false``; -1 when nothing holds."""
        hi, step = known_false, 1
        for _ in range(MAX_GALLOP_STEPS):
            probe_at = max(0, hi - step)
            if self._holds(predicate, probe_at, newest_first, stats, day):
                return self._bisect(predicate, probe_at, hi, newest_first, stats, day)
            if probe_at == 0:
                return -1
            hi, step = probe_at, step * 2
        raise self._fail(day, f"no anchor found after {MAX_GALLOP_STEPS} galloping probes")

    # -- the day -------------------------------------------------------------------------------

    def find(self, day: date) -> DayResult:
        start, end = day_range(day)
        result = DayResult(day)
        stats = result.stats
        oldest = self._probe(0, False, stats, day)
        if oldest is None or oldest.started_at >= end:
            return result
        newest = self._probe(0, True, stats, day)
        if newest is None or newest.started_at < start:
            return result
        newest_first = (newest.started_at - end) < (start - oldest.started_at)
        stats.order = "startedAt desc" if newest_first else "startedAt"
        head = newest if newest_first else oldest

        def before_day(item: Session) -> bool:
            return item.started_at >= end if newest_first else item.started_at < start

        def beyond_day(item: Session) -> bool:
            return item.started_at < start if newest_first else item.started_at >= end

        def not_after(moment: datetime) -> Predicate:
            if newest_first:
                return lambda item: item.started_at >= moment
            return lambda item: item.started_at <= moment

        def seconds_past_boundary(item: Session) -> float:
            return (end - item.started_at).total_seconds() if newest_first else (item.started_at - start).total_seconds()

        lo = self._search(before_day, seconds_past_boundary, head, newest_first, stats, day) if before_day(head) else -1
        expect: Predicate | None = before_day if lo >= 0 else None
        offset = max(lo, 0)
        seen: set[str] = set()
        while True:
            page = self._list(offset, self.page_size, newest_first, stats, day)
            if expect is not None and not (page and expect(page[0])):
                stats.reanchors += 1
                if stats.reanchors > self.max_reanchors:
                    raise self._fail(day, f"the session list kept shifting under us ({stats.reanchors} re-anchors)")
                lo = self._gallop_back(expect, offset, newest_first, stats, day)
                offset, expect = (lo, expect) if lo >= 0 else (0, None)
                continue
            reached_end = False
            for item in page:
                if beyond_day(item):
                    reached_end = True
                    break
                if item.started_at >= start and item.started_at < end and item.identifier not in seen:
                    seen.add(item.identifier)
                    result.sessions.append(item)
            if reached_end or len(page) < self.page_size:
                break
            expect = not_after(page[-1].started_at)
            offset += len(page) - 1
        stats.sessions = len(result.sessions)
        return result


def find_day(client: RaygunV3Client, app: str, day: date, **kwargs: int) -> DayResult:
    """The day's sessions of ``app`` through ``client`` (every call reserved and paced by it)."""

    def lister(offset: int, count: int, newest_first: bool) -> list[Session]:
        return client.list_sessions(app, count=count, offset=offset, orderby="startedAt desc" if newest_first else "startedAt", day=day)

    before = client.calls_made
    result = DayFinder(lister, endpoint=LIST_SESSIONS.endpoint(app), **kwargs).find(day)
    result.stats.attempts = client.calls_made - before
    return result
