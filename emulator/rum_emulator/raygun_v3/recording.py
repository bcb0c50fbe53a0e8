"""Every exchange the v3 emulators of this process serve, for whoever listens (the contract check).

An emulator publishes each request it answered and its answer; nothing is kept unless someone
``listen``s, so a server without listeners pays one lock-free check per request. Injected faults
(``faults.FaultPlan``) answer before the v3 app sees the request, so they are never published: they are
not the API's answers. Standard library only (no pytest): a test plugin and a script can both listen.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

_HIDDEN_HEADERS = frozenset({"authorization", "cookie"})


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    """With the ``/v3`` prefix, as the description's server URL has it."""
    query: tuple[tuple[str, str], ...]
    request_headers: tuple[tuple[str, str], ...]
    """Lower-case names; the bearer token and cookies are left out."""
    request_body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    deviations: frozenset[str]
    """The emulator's variants on that make its answers differ from the description (``config.response_deviations``)."""

    @property
    def content_type(self) -> str:
        return next((value for name, value in self.headers if name.lower() == "content-type"), "")

    def describe(self) -> str:
        query = "&".join(f"{name}={value}" for name, value in self.query)
        return f"{self.method} {self.path}{'?' + query if query else ''} -> {self.status}"


Listener = Callable[[Exchange], None]
_listeners: list[Listener] = []
_lock = threading.Lock()


def hidden(headers: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((name, value) for name, value in headers.items() if name.lower() not in _HIDDEN_HEADERS)


def listening() -> bool:
    return bool(_listeners)


def publish(exchange: Exchange) -> None:
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener(exchange)


@contextmanager
def listen(listener: Listener) -> Iterator[None]:
    """Call ``listener`` with every exchange any v3 emulator of this process serves until the block ends."""
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)


@contextmanager
def recorded() -> Iterator[list[Exchange]]:
    """The exchanges served while the block runs, in the order they were answered."""
    exchanges: list[Exchange] = []
    lock = threading.Lock()

    def keep(exchange: Exchange) -> None:
        with lock:
            exchanges.append(exchange)

    with listen(keep):
        yield exchanges
