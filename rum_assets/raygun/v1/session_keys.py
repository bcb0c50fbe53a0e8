"""The v1 client's session key: reused by every thread, renewed by one while the others wait, and
shared with the other processes on the same credentials when a :class:`SharedSessionKeys` is given.

A 401 on a data call after authenticate succeeded means the key ended early (Raygun promises 15
minutes, a server may end a key sooner); only a 401/403 from authenticate itself means the
credentials are wrong. A refused key is renewed once for all threads (and, through the shared store,
for all processes: the first to see it refused replaces it, compare-and-swap on the row's version,
and the others take the replacement). Two bounds keep a server that refuses every key from spending
the day's budget on authentications:

- per call: at most :data:`MAX_DEAD_KEYS_PER_CALL` renewals of keys refused before they answered a
  single call (a key that answered calls and was then revoked is the normal case, and under 8
  requests in flight one call may lose the race for several such keys), and at most
  :data:`MAX_ATTEMPTS_PER_CALL` attempts in all;
- per client: at most ``max(10, answered calls / 4)`` refused keys.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from rum_assets.raygun.v1.session_key_store import SharedSessionKeys
from rum_assets.transport.errors import AuthenticationError, SessionKeysRefusedError
from rum_assets.transport.http import CallContext

MAX_DEAD_KEYS_PER_CALL = 3
MAX_ATTEMPTS_PER_CALL = 16
MIN_REFUSED_KEYS_CAP = 10
ANSWERED_CALLS_PER_REFUSED_KEY = 4
LEASE_POLL_SECONDS = 0.1


@dataclass(eq=False)
class HeldKey:
    key: str
    expires_at: datetime
    version: int | None
    """The shared store's version of this key (None without a store)."""
    answered: int = 0
    """Data calls this key has been answered on (not refused)."""


class SessionKeyHolder:
    def __init__(
        self,
        authenticate: Callable[[], tuple[str, datetime]],
        *,
        renew_margin: timedelta,
        clock: Callable[[], datetime],
        log: logging.Logger,
        shared: SharedSessionKeys | None = None,
        wait: Callable[[float], object] = lambda seconds: threading.Event().wait(seconds),
    ) -> None:
        self._authenticate = authenticate
        self.renew_margin = renew_margin
        self.clock = clock
        self.log = log
        self.shared = shared
        self._wait = wait
        self._lock = threading.Lock()
        self._held: HeldKey | None = None
        self._refused_version: int | None = None
        self._refusal: AuthenticationError | None = None
        """Why keys can no longer be had: threads that waited for that attempt fail alike, unsent."""
        self.refused_keys = 0
        self.answered = 0
        self.shared_keys_taken = 0
        """Keys this holder took from the shared store instead of authenticating."""

    @property
    def current_key(self) -> str | None:
        held = self._held
        return held.key if held else None

    def forget(self) -> None:
        with self._lock:
            self._held = None

    def _fresh(self, held: HeldKey | None) -> bool:
        return held is not None and self.clock() < held.expires_at - self.renew_margin

    def get(self) -> HeldKey:
        """A key that is not about to expire, renewed (or taken from the shared store) first if needed.

        Checked again under the lock: when several threads find the key stale or refused together,
        the first renews it and the others use the key it brought.
        """
        held = self._held
        if held is not None and self._fresh(held):
            return held
        with self._lock:
            if self._refusal is not None:
                raise self._refusal
            if self._held is None or not self._fresh(self._held):
                self._held = self._obtain()
            return self._held

    def renew(self) -> HeldKey:
        """A new key from the server, whatever the current one."""
        with self._lock:
            self._held = self._from_server(lease_taken=False)
            return self._held

    def needs_authentication(self) -> bool:
        """Whether the next call must authenticate first (no fresh key here nor in the shared store)."""
        if self._fresh(self._held):
            return False
        if self.shared is None:
            return True
        stored, _ = self.shared.read()
        return stored is None or stored.version == self._refused_version or self.clock() >= stored.expires_at - self.renew_margin

    def answered_with(self, held: HeldKey) -> None:
        with self._lock:
            held.answered += 1
            self.answered += 1

    def refused(self, held: HeldKey, context: CallContext, dead_keys_this_call: int) -> None:
        """``held`` was answered 401 on a data call: drop it (once, whichever thread sees it first), or
        raise when a bound is passed."""
        with self._lock:
            if self._held is held:
                self._held = None
                self._refused_version = held.version
                self.refused_keys += 1
                cap = max(MIN_REFUSED_KEYS_CAP, self.answered // ANSWERED_CALLS_PER_REFUSED_KEY)
                if self.refused_keys > cap:
                    self._refusal = self._error(
                        context,
                        f"{self.refused_keys} session keys were refused although authenticate had just issued them "
                        f"(at most max({MIN_REFUSED_KEYS_CAP}, {self.answered} answered calls / {ANSWERED_CALLS_PER_REFUSED_KEY}) "
                        f"= {cap} per run): stopped so that more keys do not spend the day's calls",
                    )
                    raise self._refusal
            if dead_keys_this_call > MAX_DEAD_KEYS_PER_CALL:
                raise self._error(
                    context,
                    f"{dead_keys_this_call} fresh session keys in a row were refused on this call before answering any "
                    f"({self.refused_keys} refused this run) although authenticate accepted the credentials",
                )

    def too_many_attempts(self, context: CallContext) -> SessionKeysRefusedError:
        return self._error(
            context,
            f"refused with {MAX_ATTEMPTS_PER_CALL} session keys in turn on this call ({self.refused_keys} keys refused this run) "
            "although authenticate accepted the credentials",
        )

    @staticmethod
    def _error(context: CallContext, problem: str) -> SessionKeysRefusedError:
        return SessionKeysRefusedError(context.vendor, context.endpoint, problem, day=context.day, status=401)

    def _obtain(self) -> HeldKey:
        """Under the lock: the shared store's key when it is fresh and not the one refused here, else a
        new one from the server, authenticated by whichever process takes the store's lease first."""
        if self.shared is None:
            return self._from_server(lease_taken=False)
        for _ in range(int(self.shared.lease_ttl.total_seconds() / LEASE_POLL_SECONDS) + 2):
            stored, version = self.shared.read()
            now = self.clock()
            if stored is not None and stored.version != self._refused_version and now < stored.expires_at - self.renew_margin:
                self.shared_keys_taken += 1
                self.log.info("Raygun: using the session key shared by the processes on these credentials")
                self._refused_version = None
                return HeldKey(stored.key, stored.expires_at, stored.version)
            if self.shared.take_lease(version, now):
                return self._from_server(lease_taken=True)
            self._wait(LEASE_POLL_SECONDS)
        return self._from_server(lease_taken=False)

    def _from_server(self, *, lease_taken: bool) -> HeldKey:
        try:
            key, expires_at = self._authenticate()
        except BaseException as exc:
            if isinstance(exc, AuthenticationError):
                self._refusal = exc
            if lease_taken and self.shared is not None:
                self.shared.drop_lease()
            raise
        self._refusal = None
        self._refused_version = None
        if self.shared is None:
            return HeldKey(key, expires_at, None)
        published = self.shared.publish(key, expires_at)
        return HeldKey(key, expires_at, published.version)
