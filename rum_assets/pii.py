"""How personal data from the vendors is stored: kept, hashed (salted SHA-256) or dropped."""

from __future__ import annotations

import hashlib
from enum import StrEnum


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
