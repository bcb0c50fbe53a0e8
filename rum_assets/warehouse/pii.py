"""How personal data from the vendors is stored: kept, hashed (salted SHA-256) or dropped."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit


class PiiMode(StrEnum):
    KEEP = "keep"
    HASH = "hash"
    DROP = "drop"


class PiiPolicy:
    def __init__(self, mode: PiiMode | str, salt: str) -> None:
        self.mode = PiiMode(mode)
        self._salt = salt.encode("utf-8")

    def apply(self, value: str | None) -> str | None:
        if value is None or self.mode is PiiMode.KEEP:
            return value
        if self.mode is PiiMode.DROP:
            return None
        return hashlib.sha256(self._salt + value.encode("utf-8")).hexdigest()

    def apply_url(self, url: str | None) -> str | None:
        """``url`` with its scheme, host and path readable and the rest under the policy.

        Query strings and fragments carry search terms, tokens and e-mail addresses, and a
        ``user:password@`` part carries credentials: each is hashed (the same value always gives
        the same hash, so pages stay comparable) or dropped. A value that is not a URL with a
        scheme and host is personal data as a whole and follows :meth:`apply`.
        """
        if url is None or self.mode is PiiMode.KEEP:
            return url
        try:
            parts = urlsplit(url)
            host, port = parts.hostname, parts.port
        except ValueError:
            return self.apply(url)
        if not parts.scheme or not host:
            return self.apply(url)
        netloc = f"[{host}]" if ":" in host else host
        if port is not None:
            netloc += f":{port}"
        if parts.username is not None or parts.password is not None:
            userinfo = parts.netloc.rpartition("@")[0]
            netloc = f"{self.apply(userinfo)}@{netloc}" if self.mode is PiiMode.HASH else netloc
        query = self.apply(parts.query) if parts.query else ""
        fragment = self.apply(parts.fragment) if parts.fragment else ""
        return urlunsplit((parts.scheme, netloc, parts.path, query or "", fragment or ""))
