"""Deterministic draws: every synthetic value of the v3 emulator comes from a digest of its seed and its place."""

from __future__ import annotations

import hashlib


def digest(*parts: object) -> bytes:
    return hashlib.blake2b(":".join(str(p) for p in parts).encode(), digest_size=32).digest()


def u32(raw: bytes, n: int) -> int:
    """The ``n``-th little-endian 32-bit word of ``raw`` (0..7 for a digest)."""
    return int.from_bytes(raw[4 * n : 4 * n + 4], "little")


def identifier(prefix: str, raw: bytes, index: int) -> str:
    return f"{prefix}{raw[:5].hex()}{index:04x}"
