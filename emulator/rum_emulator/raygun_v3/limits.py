"""Bearer personal access tokens with scopes, and the three per-token rate-limit windows.

Windows are fixed and aligned to the emulator's clock: the current second, minute and UTC day. A call
is counted in all three when it is let through; a refused (429) call is not counted. Responses name the
active period in ``X-Rate-Limit-Limit`` as the reference shows it, ``1m`` or ``1d``: of the two, the one
with fewer calls left (the per-second window is enforced but never named, as the reference lists no ``1s``).
"""

from __future__ import annotations

import math
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rum_emulator.raygun_v3.config import RaygunV3EmulatorConfig


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def known_token(config: RaygunV3EmulatorConfig, token: str | None, now: datetime) -> str | None:
    """The configured token equal to ``token`` (compared in constant time), unless it has expired."""
    if not token:
        return None
    for candidate in config.tokens:
        if secrets.compare_digest(candidate.encode(), token.encode()):
            expires = config.token_expires_at.get(candidate)
            return None if expires is not None and expires <= now else candidate
    return None


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    period: str
    """``1m`` or ``1d``: the period the headers describe; empty when both of those windows are off."""
    remaining: int
    reset: datetime
    """When the period named in the headers (or, when refused, the refusing window) starts over."""

    def headers(self, now: datetime, *, with_reset: bool, with_retry_after: bool) -> list[tuple[str, str]]:
        headers = [("X-Rate-Limit-Limit", self.period), ("X-Rate-Limit-Remaining", str(self.remaining))] if self.period else []
        if with_reset and (self.period or not self.allowed):
            headers.append(("X-Rate-Limit-Reset", self.reset.strftime("%Y-%m-%dT%H:%M:%SZ")))
        if not self.allowed and with_retry_after:
            headers.append(("Retry-After", str(max(1, math.ceil((self.reset - now).total_seconds())))))
        return headers


def _window_starts(now: datetime) -> dict[str, tuple[datetime, timedelta]]:
    second = now.replace(microsecond=0)
    return {
        "1s": (second, timedelta(seconds=1)),
        "1m": (second.replace(second=0), timedelta(minutes=1)),
        "1d": (datetime.combine(now.date(), datetime.min.time(), tzinfo=UTC), timedelta(days=1)),
    }


class RateLimiter:
    def __init__(self, limits: Callable[[], dict[str, int]]) -> None:
        self._limits = limits
        self._counts: dict[tuple[str, str, datetime], int] = {}
        self._lock = threading.Lock()
        self.calls_by_token: dict[str, int] = {}

    def spend(self, token: str, now: datetime) -> Verdict:
        limits = self._limits()
        windows = _window_starts(now)
        with self._lock:
            if len(self._counts) > 10_000:  # forget windows that are over
                self._counts = {key: n for key, n in self._counts.items() if key[2] + windows[key[1]][1] > now}
            used = {name: self._counts.get((token, name, start), 0) for name, (start, _) in windows.items()}
            refusing = [name for name in ("1d", "1m", "1s") if limits[name] and used[name] >= limits[name]]
            if not refusing:
                for name, (start, _) in windows.items():
                    self._counts[(token, name, start)] = used[name] + 1
                    used[name] += 1
                self.calls_by_token[token] = self.calls_by_token.get(token, 0) + 1
        left = {name: (limits[name] - used[name]) if limits[name] else None for name in windows}
        named = [name for name in ("1m", "1d") if left[name] is not None]
        period = min(named, key=lambda name: (left[name], name != "1m")) if named else ""
        remaining = max(0, left[period] or 0) if period else 0
        if refusing:
            start, length = windows[refusing[0]]
            return Verdict(False, period, remaining, start + length)
        start, length = windows[period or "1s"]
        return Verdict(True, period, remaining, start + length)
