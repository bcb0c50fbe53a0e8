"""Raygun v1 credentials, time-limited session keys and the per-application daily call limit."""

from __future__ import annotations

import base64
import binascii
import math
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from rum_emulator.raygun.config import RaygunCredentials


def check_credentials(
    applications: dict[str, RaygunCredentials], api_key: str | None, authorization: str | None
) -> RaygunCredentials | None:
    """The application whose ``X-ApiKey`` and ``Authorization: Basic id:secret`` both match, else None."""
    app = applications.get(api_key or "")
    if app is None or not authorization:
        return None
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, colon, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not colon:
        return None
    same_user = secrets.compare_digest(user.encode(), app.client_id.encode())
    same_secret = secrets.compare_digest(password.encode(), app.client_secret.encode())
    return app if same_user and same_secret else None


class SessionKeys:
    """Opaque session keys, each valid for ``ttl`` after it was issued (by the emulator's clock).

    The server may end a key before that: after ``max_uses`` accepted calls (0: no such limit) or at
    any moment (:meth:`revoke_all`). A revoked key is refused like an expired one.
    """

    def __init__(self, clock: Callable[[], datetime], ttl_seconds: Callable[[], float], max_uses: Callable[[], int] = lambda: 0) -> None:
        self._clock = clock
        self._ttl_seconds = ttl_seconds
        self._max_uses = max_uses
        self._keys: dict[str, _IssuedKey] = {}
        self._lock = threading.Lock()
        self.refused_revoked = 0
        """Calls refused because their key was revoked before its time (for tests)."""

    def issue(self, api_key: str) -> str:
        now = self._clock()
        key = secrets.token_urlsafe(32)
        with self._lock:
            # Forget expired keys now and then so a long-running emulator does not grow.
            if len(self._keys) > 1000:
                self._keys = {k: v for k, v in self._keys.items() if v.expires > now and not v.revoked}
            self._keys[key] = _IssuedKey(api_key, now + timedelta(seconds=self._ttl_seconds()))
        return key

    def use(self, key: str | None) -> str | None:
        """The API key of the application a live session key belongs to, counting one use of the key;
        None if unknown, expired or revoked."""
        if not key:
            return None
        max_uses = self._max_uses()
        with self._lock:
            entry = self._keys.get(key.strip())
            if entry is None or entry.expires <= self._clock():
                return None
            if entry.revoked or (max_uses and entry.uses >= max_uses):
                entry.revoked = True
                self.refused_revoked += 1
                return None
            entry.uses += 1
            return entry.api_key

    def revoke_all(self) -> int:
        """End every live key now (authenticate still issues new ones); returns how many were live."""
        now = self._clock()
        with self._lock:
            live = [entry for entry in self._keys.values() if entry.expires > now and not entry.revoked]
            for entry in live:
                entry.revoked = True
        return len(live)


@dataclass
class _IssuedKey:
    api_key: str
    expires: datetime
    uses: int = 0
    revoked: bool = False


class CallLimiter:
    """Counts calls per application per UTC day of the clock; refuses them once the limit is spent."""

    def __init__(self, clock: Callable[[], datetime], limit: Callable[[], int]) -> None:
        self._clock = clock
        self._limit = limit
        self._calls: dict[tuple[str, date], int] = {}
        self._lock = threading.Lock()

    def spend(self, api_key: str) -> int | None:
        """Count one call and return None, or return the seconds to wait (to the next UTC midnight)."""
        now = self._clock().astimezone(UTC)
        limit = self._limit()
        with self._lock:
            used = self._calls.get((api_key, now.date()), 0)
            if limit and used >= limit:
                midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
                return max(1, math.ceil((midnight - now).total_seconds()))
            self._calls[(api_key, now.date())] = used + 1
        return None

    def used(self, api_key: str, day: date) -> int:
        with self._lock:
            return self._calls.get((api_key, day), 0)
