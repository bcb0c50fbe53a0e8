"""Page views and errors per 15 minutes, counted from the sessions themselves.

The metrics endpoints must agree with the sessions: the page views of a quarter hour are exactly the
``viewedAt`` values of every session's page views that fall in it (and have happened by now), and the
same for errors and ``occurredAt``. Page views are kept per page (``pageIdentifier`` of each view, by its
index in the catalog), so a ``filter`` on pages counts exactly the views of those pages, and the counts
of all pages add up to the application's. A day's counts come from the sessions that started that day or up
to ``MAX_LENGTH_MS`` before it. Days that are over are cached (their counts can no longer change).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from rum_emulator.raygun_v3.sessions import MAX_LENGTH_MS, SessionSource
from rum_emulator.raygun_v3.timeutil import DAY_MS, day_start_ms

SLOT_MS = 15 * 60_000
SLOTS_PER_DAY = DAY_MS // SLOT_MS
PageSlots = dict[int, list[int]]
"""Page views per 15-minute slot, by page index (pages without views that day are left out)."""
Counts = tuple[PageSlots, list[int]]


class Activity:
    def __init__(self, source: SessionSource, cache_days: int = 4096) -> None:
        self.source = source
        self._cache: OrderedDict[int, Counts] = OrderedDict()
        self._cache_days = cache_days
        self._lock = threading.Lock()

    def day(self, day: int, now_ms: int) -> Counts:
        """``(page views by page, errors)`` per 15-minute slot of ``day`` that happened by ``now_ms``."""
        final = day_start_ms(day + 1) <= now_ms
        if final:
            with self._lock:
                if day in self._cache:
                    self._cache.move_to_end(day)
                    return self._cache[day]
        counts = self._count(day, now_ms)
        if final:
            with self._lock:
                self._cache[day] = counts
                while len(self._cache) > self._cache_days:
                    self._cache.popitem(last=False)
        return counts

    def _count(self, day: int, now_ms: int) -> Counts:
        views: PageSlots = {}
        errors = [0] * SLOTS_PER_DAY
        begin, end = day_start_ms(day), min(day_start_ms(day + 1), now_ms + 1)
        if end <= begin:
            return views, errors
        source = self.source
        for started_day in (day - 1, day):
            n = source.count(started_day)
            first = source.started_by(started_day, begin - MAX_LENGTH_MS - 1, n) if started_day < day else 0
            last = source.started_by(started_day, end - 1, n)
            for i in range(first, last):
                core = source.core(started_day, i, n)
                view_times, error_times = source.times(core)
                for v, at in enumerate(view_times):
                    if begin <= at < end:
                        page = source.page_of_view(core.draws, v)
                        views.setdefault(page, [0] * SLOTS_PER_DAY)[(at - begin) // SLOT_MS] += 1
                for at in error_times:
                    if begin <= at < end:
                        errors[(at - begin) // SLOT_MS] += 1
        return views, errors

    def total(self, from_ms: int, to_ms: int, now_ms: int, first_day: int, pages: frozenset[int] | None = None) -> tuple[int, int]:
        """Page views and errors in the 15-minute slots of ``[from_ms, to_ms)`` (both on slot boundaries).

        ``pages``: count only the views of these page indexes (``None``: every page); errors are always
        the application's.
        """
        views = errors = 0
        for start in range(from_ms, to_ms, SLOT_MS):
            day = (start - day_start_ms(0)) // DAY_MS
            if day < first_day or start > now_ms:
                continue
            day_views, day_errors = self.day(day, now_ms)
            slot = (start - day_start_ms(day)) // SLOT_MS
            views += sum(slots[slot] for page, slots in day_views.items() if pages is None or page in pages)
            errors += day_errors[slot]
        return views, errors
