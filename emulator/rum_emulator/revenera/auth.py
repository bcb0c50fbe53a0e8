"""Revenera's cookie authentication: CSRF cookie, login, session cookie, logout.

Decisions where the documentation is silent (each a guess from the reference, kept in one place):
- every ``/v3/*`` route: a wrong or missing ``Origin`` is 403 ``{"message": "Invalid Origin"}``;
  missing ``RUI-Client``/``RUI-Client-Version`` headers are 400 (checked before anything else);
- ``GET /v3/request-csrf``: 204 + ``RUI-Csrf=<random>; Path=/; SameSite=Strict`` (+ ``Secure`` when
  ``secure_cookies``); the CSRF cookie is not HttpOnly (a browser app would read it);
- ``POST /v3/auth/web`` checks, in order: CSRF cookie ("Cookie Missing", a 400 that also sets the
  CSRF cookie, so the documented retry succeeds), body shape (400), an already valid session cookie
  (409 "User session already active; log out first", as reveneraR reports; status undocumented),
  credentials (401); success is 200 with a new ``RUI-Session-Token`` (HttpOnly, Max-Age = the
  session TTL) and a fresh ``RUI-Csrf``. Several sessions per user may live at once;
- the CSRF cookie's value is not checked against anything at login (the vendor's rule is unknown);
- data routes need a live session cookie; without one they answer as ``failure_shape`` says (401 by
  default; or a v2-style 200 ``{"status": "AUTH ERROR", "reason"}``, a 302 to ``/login``, a 403). A CSRF header is not required
  (reveneraR sends none); when ``X-CSRF-Token`` or ``RUI-Csrf`` is sent it must equal the cookie (403);
- ``POST /v3/auth/logout`` (body ignored) ends the session of the cookie sent, if any, and always
  answers 204 with both cookies expired (``Max-Age=0``). The "all sessions" mode is not emulated.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from rum_emulator.messages import Request, Response
from rum_emulator.revenera.config import ReveneraEmulatorConfig

ORIGIN = "https://analytics.revenera.com"
CSRF_COOKIE = "RUI-Csrf"
SESSION_COOKIE = "RUI-Session-Token"


class SessionStore:
    def __init__(self, config: ReveneraEmulatorConfig) -> None:
        self.config = config
        self._sessions: dict[str, tuple[str, datetime]] = {}
        self._lock = threading.Lock()

    def _cookie(self, name: str, value: str, *, max_age: int | None = None, http_only: bool = False) -> tuple[str, str]:
        parts = [f"{name}={value}"]
        if http_only:
            parts.append("HttpOnly")
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        parts += ["Path=/", "SameSite=Strict"]
        if self.config.secure_cookies:
            parts.append("Secure")
        return ("Set-Cookie", "; ".join(parts))

    def csrf_cookie(self) -> tuple[str, str]:
        return self._cookie(CSRF_COOKIE, secrets.token_urlsafe(18))

    def check_headers(self, request: Request) -> Response | None:
        if request.header("origin") != ORIGIN:
            return Response.json(403, {"message": "Invalid Origin"})
        missing = [h for h in ("RUI-Client", "RUI-Client-Version") if not request.header(h)]
        if missing:
            return Response.json(400, {"message": f"Missing required header(s): {', '.join(missing)}"})
        return None

    def user_of(self, request: Request) -> str | None:
        token = request.cookies.get(SESSION_COOKIE)
        with self._lock:
            entry = self._sessions.get(token or "")
        if entry is None or entry[1] <= self.config.clock():
            return None
        return entry[0]

    def request_csrf(self, request: Request) -> Response:
        return Response.empty(204, [self.csrf_cookie()])

    def login(self, request: Request) -> Response:
        if CSRF_COOKIE not in request.cookies:
            return Response.json(400, {"message": "Cookie Missing"}, [self.csrf_cookie()])
        try:
            body = request.json()
        except ValueError:
            return Response.json(400, {"message": "Request body is not valid JSON"})
        if not isinstance(body, dict) or not isinstance(body.get("userName"), str) or not isinstance(body.get("password"), str):
            return Response.json(400, {"message": 'Body must be {"userName": string, "password": string}'})
        if self.user_of(request) is not None:
            return Response.json(409, {"message": "User session already active; log out first"})
        expected = self.config.users.get(body["userName"])
        if expected is None or not secrets.compare_digest(expected, body["password"]):
            return Response.json(401, {"message": "Authentication failed"})
        token = secrets.token_urlsafe(24)
        now = self.config.clock()
        with self._lock:
            for stale in [t for t, (_, expires) in self._sessions.items() if expires <= now]:
                del self._sessions[stale]
            self._sessions[token] = (body["userName"], now + timedelta(seconds=self.config.session_ttl_seconds))
        products = {pid: {"productId": pid, "productName": name} for pid, name in self.config.products.items()}
        account = {
            "account": {
                "name": body["userName"].split("@")[0],
                "surname": "user",
                "email": body["userName"],
                "emailVerified": True,
                "userToken": secrets.token_hex(12).upper(),
                "isSocialUser": False,
                "readTos": 1,
            },
            "freeware": {"canAddFreeProduct": True, "limit": 10},
            "products": products,
            "userSettings": {"defaultProduct": None, "currentProduct": next(iter(products), None)},
            "currentProductDetails": {"permissions": {}, "config": {}},
            "beatInterval": 302,
        }
        session_cookie = self._cookie(SESSION_COOKIE, token, max_age=int(self.config.session_ttl_seconds), http_only=True)
        return Response.json(200, account, [session_cookie, self.csrf_cookie()])

    def logout(self, request: Request) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        with self._lock:
            self._sessions.pop(token or "", None)
        return Response.empty(
            204,
            [self._cookie(SESSION_COOKIE, "", max_age=0, http_only=True), self._cookie(CSRF_COOKIE, "", max_age=0)],
        )

    def guarded(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        """Wrap a data route: headers, then a live session, then an optional CSRF header check."""

        def wrapper(request: Request) -> Response:
            refused = self.check_headers(request)
            if refused is not None:
                return refused
            if self.user_of(request) is None:
                return self.unauthenticated(request)
            sent = request.header("x-csrf-token") or request.header("rui-csrf")
            if sent is not None and sent != request.cookies.get(CSRF_COOKIE):
                return Response.json(403, {"message": "CSRF token mismatch"})
            return handler(request)

        return wrapper

    def unauthenticated(self, request: Request) -> Response:
        shape = self.config.failure_shape
        if shape == "v2_body":
            return Response.json(200, {"status": "AUTH ERROR", "reason": "Session is invalid or has expired; log in again"})
        if shape == "redirect":
            return Response.empty(302, [("Location", f"{request.base_url}/login")])
        if shape == "forbidden":
            return Response.json(403, {"message": "Session is invalid or has expired"})
        return Response.json(401, {"message": "Not authenticated"})

    def headers_only(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def wrapper(request: Request) -> Response:
            return self.check_headers(request) or handler(request)

        return wrapper
