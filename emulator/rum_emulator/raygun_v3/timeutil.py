"""Integer-millisecond time helpers (exact arithmetic, and fast ISO 8601 formatting)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

DAY_MS = 86_400_000
EPOCH = date(2000, 1, 1)
"""Day 0 of the session identifier scheme; no session starts earlier."""
EPOCH_MS = 946_684_800_000
_UNIX = datetime(1970, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=8192)
def _date_prefix(unix_day: int) -> str:
    return (date(1970, 1, 1) + timedelta(days=unix_day)).isoformat() + "T"


def iso_ms(epoch_ms: int) -> str:
    """``2026-11-21T09:30:00.123Z`` for milliseconds since the Unix epoch."""
    unix_day, rest = divmod(epoch_ms, DAY_MS)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{_date_prefix(unix_day)}{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}Z"


def floor_ms(moment: datetime) -> int:
    return ((moment - _UNIX) // timedelta(microseconds=1)) // 1000


def from_ms(epoch_ms: int) -> datetime:
    return _UNIX + timedelta(milliseconds=epoch_ms)


def day_number(day: date) -> int:
    """Days since 2000-01-01."""
    return (day - EPOCH).days


def day_of(day: int) -> date:
    return EPOCH + timedelta(days=day)


def day_start_ms(day: int) -> int:
    return EPOCH_MS + day * DAY_MS


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date-time (``Z`` or an offset; naive means UTC) or a plain date; raises ``ValueError``."""
    value = text.strip()
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
