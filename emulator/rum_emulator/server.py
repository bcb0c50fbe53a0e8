"""A small threaded HTTP server that hosts the vendor emulators on loopback.

Both vendors' routes live on one server (their paths do not collide: Raygun under
``/api/v1/pulse``, Revenera under ``/v3`` and ``/download``), so the project needs one base URL
for the demo and tests. Standard library only: the emulator must start in a test in milliseconds
and must not depend on the web stack Dagster happens to ship.
"""

from __future__ import annotations

import re
import socket
import sys
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rum_emulator.faults import DroppedConnection, FaultPlan
from rum_emulator.messages import Request, Response, VendorApp


class _Router:
    def __init__(self, apps: Iterable[VendorApp]) -> None:
        self._routes = [(route.method.upper(), re.compile(route.pattern), route.handler) for app in apps for route in app.routes()]

    def dispatch(self, request: Request) -> Response:
        path_matched = False
        for method, regex, handler in self._routes:
            match = regex.fullmatch(request.path)
            if match is None:
                continue
            path_matched = True
            if method != request.method:
                continue
            request.path_params = match.groupdict()
            return handler(request)
        if path_matched:
            return Response.json(405, {"message": f"Method {request.method} not allowed on {request.path}"})
        return Response.json(404, {"message": f"No route for {request.path}"})


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes; without this each answer waits ~40 ms for a delayed ACK

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        host = self.headers.get("Host") or f"{self.server.server_address[0]!s}:{self.server.server_address[1]}"
        request = Request(
            method=self.command.upper(),
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            base_url=f"http://{host}",
        )
        self.server.count_request(request)
        faults = self.server.faults
        try:
            response = faults.intercept(request)
        except DroppedConnection:
            self._drop()
            return
        fault = faults.draw(request) if response is None else None
        if fault == "slow":
            time.sleep(faults.random.delay_seconds)
        elif fault == "drop-before":
            self._drop()
            return
        elif fault is not None:
            response = faults.random_response(fault)
        if response is None:
            try:
                response = self.server.router.dispatch(request)
            except Exception as exc:  # an emulator bug must show up as a 500, not a hung client
                response = Response.json(500, {"message": f"emulator error: {type(exc).__name__}: {exc}"})
        if fault == "drop-after" or (fault == "truncate" and not response.body):
            self._drop()
            return
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if fault == "truncate":
            self.send_header("Connection", "close")
        self.end_headers()
        if response.body and self.command != "HEAD":
            self.wfile.write(response.body[: len(response.body) // 2] if fault == "truncate" else response.body)
        if fault == "truncate":
            self.wfile.flush()
            self._drop()

    def _drop(self) -> None:
        """Close the connection without (the rest of) an answer."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], router: _Router, faults: FaultPlan, verbose: bool) -> None:
        super().__init__(address, _Handler)
        self.router = router
        self.faults = faults
        self.verbose = verbose
        self.requests_by_path: dict[str, int] = {}
        self._count_lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up before its answer was written (a killed run worker, a timeout) is no fault of
        the emulator's: it is not printed as a traceback. Anything else still is."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def count_request(self, request: Request) -> None:
        with self._count_lock:
            self.requests_by_path[request.path] = self.requests_by_path.get(request.path, 0) + 1


class EmulatorServer:
    """Serves vendor apps on ``host:port`` (port 0 picks a free one) from a background thread.

    Use as a context manager in tests::

        with EmulatorServer([RaygunApp(...)]) as server:
            client = RaygunClient(base_url=server.base_url, ...)
    """

    def __init__(
        self,
        apps: Iterable[VendorApp],
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultPlan | None = None,
        verbose: bool = False,
    ) -> None:
        self.apps = list(apps)
        self.faults = faults or FaultPlan()
        self._server = _Server((host, port), _Router(self.apps), self.faults, verbose)
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def requests_by_path(self) -> dict[str, int]:
        """How many requests each path received (for tests and the benchmark)."""
        return dict(self._server.requests_by_path)

    def start(self) -> EmulatorServer:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="rum-emulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the console command)."""
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
