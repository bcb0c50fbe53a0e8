"""Free loopback ports for servers the tests start in another process.

A port the kernel hands out for ``bind(0)`` comes from the ephemeral range (32768-60999 on Linux), the
same range every outgoing connection of the suite takes its local port from: between probing one and the
server binding it, a client socket of another test could take it (seen: ``dagster dev`` failing with
``Errno 98 address already in use``). Ports below that range are handed out only to those who ask for
them by number, so a random one that binds now is almost certainly still free a second later; callers
still retry on a bind failure.
"""

from __future__ import annotations

import random
import socket
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_LOW, _HIGH = 20000, 32000
"""Below Linux's default ephemeral range (net.ipv4.ip_local_port_range) and above the well-known services."""
_ATTEMPTS = 200

START_ATTEMPTS = 3
"""Starts of a server, each on a new port, when another process took the port first."""

ADDRESS_IN_USE = ("address already in use", "errno 98", "could not bind")
"""How a server that lost its port says so in its log (Python's OSError, uvicorn, PostgreSQL)."""


def free_port() -> int:
    """A 127.0.0.1 port nothing listens on, outside the range outgoing connections draw from."""
    for _ in range(_ATTEMPTS):
        port = random.randrange(_LOW, _HIGH)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free 127.0.0.1 port between {_LOW} and {_HIGH} after {_ATTEMPTS} tries")


def lost_its_port(log_text: str) -> bool:
    """Whether a server's log says another process took its port first."""
    lowered = log_text.lower()
    return any(marker in lowered for marker in ADDRESS_IN_USE)


class PortTaken(RuntimeError):
    """A server could not bind its port: another process took it after it was probed."""


def on_a_free_port(start: Callable[[int], T], attempts: int = START_ATTEMPTS) -> T:
    """``start(port)`` on a free port, again on another each time it raises :class:`PortTaken` (bounded)."""
    for attempt in range(1, attempts + 1):
        port = free_port()
        try:
            return start(port)
        except PortTaken:
            if attempt == attempts:
                raise
            print(f"port {port} was taken before the server bound it; starting again on another")
    raise AssertionError("unreachable: the last attempt returns or raises")
