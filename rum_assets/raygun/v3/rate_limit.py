"""Client-side pacing for the Raygun v3 limits: 10 calls a second and 600 a minute per token.

The server counts a call in the window in which the request *arrives*, which we never see: it lies
somewhere between the moment we start the call and the moment its answer is back. A limiter that
counts from the start (a token bucket, or a log of start times) is therefore fooled by jitter: an
early call delayed on the way and a later one that is not can arrive in the same server second as
ten others. So each call is held from its start until ``seconds`` after its answer came back (a call
still in flight holds its place until it answers, or until its expiry when its process died): a new
call may start only when fewer than ``limit`` calls could still share a window with it. That holds
for any window the server may count in, fixed or sliding, whatever the network does, at the price of
the round trip (at 100 ms of latency, 10 calls per 1.1 s instead of per 1 s).

The places live in a :class:`~rum_assets.budget.pacing.PermitStore`: in memory by default (one process),
or the call ledger's store, so every process and node using the token shares them (see
:mod:`rum_assets.budget.pacing`). The limiter itself only lets one thread of its process at a time ask the
store and sleeps outside the store's lock; threads of one process share one limiter.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rum_assets.budget.pacing import IN_FLIGHT, MemoryPermitStore, PacingRule, PermitStore, Window

__all__ = ["IN_FLIGHT", "RAYGUN_V3_WINDOWS", "Permit", "SlidingWindowLimiter", "Window", "parse_period"]

PERIOD_PATTERN = re.compile(r"^\s*(\d+)\s*([smhd])\s*$", re.IGNORECASE)
PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DAY_SECONDS = 86400


def parse_period(value: str | None) -> int | None:
    """Seconds in an ``X-Rate-Limit-Limit`` period such as ``1m`` or ``1d``; None if unreadable."""
    if value is None:
        return None
    match = PERIOD_PATTERN.match(value)
    if match is None:
        return None
    return int(match.group(1)) * PERIOD_SECONDS[match.group(2).lower()]


RAYGUN_V3_WINDOWS = (Window(10, 1.0), Window(600, 60.0))


@dataclass(eq=False)
class Permit:
    """One call's place: held from its start until a window after its answer (:meth:`SlidingWindowLimiter.release`)."""

    started: float
    """When the place was taken, on the store's clock."""
    waited: float = 0.0
    """Seconds the call waited for its place."""
    permit_id: int = 0
    answered: bool = False


class SlidingWindowLimiter:
    def __init__(
        self,
        windows: Iterable[Window] = RAYGUN_V3_WINDOWS,
        *,
        margin_seconds: float = 0.01,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        max_wait_seconds: float = 120.0,
        store: PermitStore | None = None,
        scope: str = "local",
        in_flight_expiry_seconds: float = IN_FLIGHT,
    ) -> None:
        """``store`` holds the places (default: this process's memory, on the ``monotonic`` clock);
        ``scope`` names the credentials whose limits they are (a hash, never the token)."""
        self.rule = PacingRule(tuple(windows), margin_seconds, in_flight_expiry_seconds)
        self.windows = self.rule.windows
        self.store = store if store is not None else MemoryPermitStore(monotonic)
        self.scope = scope
        self.sleep = sleep
        self.max_wait_seconds = max_wait_seconds
        self._turn = threading.Lock()
        """Held by the one thread of this process that is asking the store for a place."""
        self._released = threading.Condition()
        """Guards every store operation; notified when a call of this process answers (which is all a
        store that only this process uses needs to wait for)."""
        self._held: dict[float, int] = {}
        self.waited_seconds = 0.0
        self.takes = 0
        """Requests for a place sent to the store (each one transaction), refused ones included."""

    def _take_turn(self) -> float:
        if self._turn.acquire(blocking=False):
            return 0.0
        before = time.monotonic()
        if not self._turn.acquire(timeout=self.max_wait_seconds):
            raise TimeoutError(f"the client-side rate limiter waited {self.max_wait_seconds:.0f} s for this process's other calls")
        return time.monotonic() - before

    def acquire(self) -> Permit:
        """Block until one more call fits every window and hold a place for it; ``release`` it once answered."""
        waited = self._take_turn()
        try:
            return self._acquire(waited)
        finally:
            self._turn.release()

    def _acquire(self, waited: float) -> Permit:
        for _ in range(10_000):
            with self._released:
                taken = self.store.take(self.scope, self.rule)
                self.takes += 1
                verdict = taken.verdict
                if taken.permit_id is not None:
                    self._held = {seconds: held + 1 for seconds, held in verdict.held.items()}
                    self.waited_seconds += waited
                    return Permit(taken.now, waited, taken.permit_id)
                in_flight = verdict.wait == IN_FLIGHT
                if in_flight and not self.store.shared:
                    # Only an answer of this process can free the place: wait to be woken by it.
                    if waited >= self.max_wait_seconds:
                        raise TimeoutError(self._too_long(in_flight))
                    before = time.monotonic()
                    self._released.wait(timeout=self.max_wait_seconds - waited)
                    waited += time.monotonic() - before
                    continue
            # A call in flight frees its place a window after it answers, so not before ``at_least``
            # (however soon it answers); then the store is asked again.
            wait = verdict.at_least if in_flight else verdict.wait
            if waited + wait > self.max_wait_seconds:
                raise TimeoutError(self._too_long(in_flight))
            self.sleep(wait)
            waited += wait
        raise TimeoutError("the client-side rate limiter did not free a place after 10,000 waits")

    def _too_long(self, in_flight: bool) -> str:
        if in_flight:
            return f"the client-side rate limiter waited {self.max_wait_seconds:.0f} s for calls in flight to answer"
        return f"the client-side rate limiter would wait more than {self.max_wait_seconds:.0f} s"

    def release(self, permit: Permit) -> None:
        """The call's answer (or its failure) is back: it can have arrived no later than now."""
        with self._released:
            if not permit.answered:
                permit.answered = True
                self.store.answered(self.scope, permit.permit_id)
            self._released.notify_all()

    @contextmanager
    def call(self) -> Iterator[Permit]:
        """Hold a place for the call made inside the block."""
        permit = self.acquire()
        try:
            yield permit
        finally:
            self.release(permit)

    def observe_remaining(self, period_seconds: float, remaining: int) -> None:
        """The server says ``remaining`` calls are left in its ``period_seconds`` window.

        When that is fewer than the places held leave (a caller outside the store shares the token),
        count phantom calls answered now so that every process slows down to what the server accepts.
        A shared store is asked only when the count seen at this limiter's last place says so.
        """
        for window in self.windows:
            if abs(window.seconds - period_seconds) > 1e-9:
                continue
            if self.store.shared and remaining >= window.limit - self._held.get(window.seconds, 0):
                continue
            with self._released:
                self.store.align(self.scope, self.rule, window, remaining)

    def in_window(self, period_seconds: float) -> int:
        """Places held that could share a window of that length with a call starting now (for tests and logs)."""
        with self._released:
            return sum(self.store.held(self.scope, self.rule, window) for window in self.windows if window.seconds == period_seconds)

    def close(self) -> None:
        """Close the store's connection (places still held stay until they expire)."""
        with self._released:
            self.store.close()
