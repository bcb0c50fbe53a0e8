"""One Raygun v1 session key shared by every process (and, with PostgreSQL, every node) that uses the
same credentials, so N processes do not pay N authentications out of a 50-call day.

It lives where the call ledger lives: the SQLite file under the state directory, or the ledger's
``postgresql://`` URL. One row per set of credentials:

- keyed by a hash of the credentials (and the API root), never the credentials themselves;
- the key is sealed: XORed with a keystream derived from the client secret (HMAC-SHA256 in counter
  mode over a random nonce) and authenticated with an HMAC tag, so the stored value is not the key
  and a row written with other credentials (or tampered with) reads as "no key";
- ``version`` grows by one each time a key is published: a process whose key was refused replaces it
  only if the row still holds that version (compare-and-swap), else it takes the newer key instead;
- ``lease_owner``/``lease_until``: the one process that is authenticating, so the others wait for its
  key instead of authenticating too. The lease expires after seconds and the key after its TTL, so a
  process that crashed halfway leaves nothing that blocks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from rum_assets.budget.ledger import is_postgres_url

NONCE_BYTES = 16
TAG_BYTES = 16


@dataclass(frozen=True)
class StoredKeyRow:
    """A row as a store holds it (the key still sealed)."""

    sealed: str | None
    version: int
    expires_at: datetime | None
    lease_owner: str | None
    lease_until: datetime | None


class SessionKeyStore(Protocol):
    """Rows of :class:`StoredKeyRow` by credentials id; every write is atomic across processes."""

    def read(self, credentials_id: str) -> StoredKeyRow | None: ...

    def take_lease(self, credentials_id: str, owner: str, until: datetime, now: datetime, expected_version: int) -> bool:
        """Become the one renewing the key: only while the row holds ``expected_version`` (0: no row
        yet) and no other owner's lease runs past ``now``."""
        ...

    def publish(self, credentials_id: str, owner: str, sealed: str, expires_at: datetime) -> int:
        """Store a new key (version + 1) and end ``owner``'s lease; returns the new version."""
        ...

    def drop_lease(self, credentials_id: str, owner: str) -> None: ...


def open_key_store(location: Path | str) -> SessionKeyStore:
    if is_postgres_url(location):
        from rum_assets.raygun.v1.session_key_postgres import PostgresSessionKeyStore

        return PostgresSessionKeyStore(str(location))
    from rum_assets.raygun.v1.session_key_sqlite import SqliteSessionKeyStore

    return SqliteSessionKeyStore(Path(location))


@dataclass(frozen=True)
class SharedKey:
    key: str
    version: int
    expires_at: datetime


class SharedSessionKeys:
    """The shared key of one set of v1 credentials, sealed with their client secret."""

    def __init__(
        self,
        location: Path | str,
        base_url: str,
        api_key: str,
        client_id: str,
        client_secret: str,
        *,
        lease_ttl: timedelta = timedelta(seconds=60),
    ) -> None:
        self.store = open_key_store(location)
        self.lease_ttl = lease_ttl
        """How long one process may take to authenticate for all before another may do it instead."""
        material = "\n".join((base_url.rstrip("/"), api_key, client_id, client_secret)).encode()
        self.credentials_id = hashlib.sha256(b"rum_assets raygun v1 credentials\n" + material).hexdigest()
        secret = client_secret.encode()
        self._cipher_key = hmac.new(secret, b"rum_assets session key keystream\n" + material, hashlib.sha256).digest()
        self._tag_key = hmac.new(secret, b"rum_assets session key tag\n" + material, hashlib.sha256).digest()
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        """This object's name in a lease: host, process and a random part (several clients per process)."""

    def read(self) -> tuple[SharedKey | None, int]:
        """The stored key if it opens with these credentials (else None), and the row's version."""
        row = self.store.read(self.credentials_id)
        if row is None:
            return None, 0
        key = self._open(row.sealed) if row.sealed else None
        if key is None or row.expires_at is None:
            return None, row.version
        return SharedKey(key, row.version, row.expires_at), row.version

    def take_lease(self, expected_version: int, now: datetime) -> bool:
        return self.store.take_lease(self.credentials_id, self.owner, now + self.lease_ttl, now, expected_version)

    def publish(self, key: str, expires_at: datetime) -> SharedKey:
        version = self.store.publish(self.credentials_id, self.owner, self._seal(key), expires_at.astimezone(UTC))
        return SharedKey(key, version, expires_at)

    def drop_lease(self) -> None:
        self.store.drop_lease(self.credentials_id, self.owner)

    def _keystream(self, nonce: bytes, length: int) -> bytes:
        blocks = (
            hmac.new(self._cipher_key, nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest() for counter in range(length // 32 + 1)
        )
        return b"".join(blocks)[:length]

    def _seal(self, key: str) -> str:
        plain = key.encode()
        nonce = secrets.token_bytes(NONCE_BYTES)
        cipher = bytes(a ^ b for a, b in zip(plain, self._keystream(nonce, len(plain)), strict=True))
        tag = hmac.new(self._tag_key, nonce + cipher, hashlib.sha256).digest()[:TAG_BYTES]
        return base64.b64encode(nonce + cipher + tag).decode("ascii")

    def _open(self, sealed: str) -> str | None:
        try:
            raw = base64.b64decode(sealed, validate=True)
        except ValueError:
            return None
        nonce, cipher, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
        if len(raw) < NONCE_BYTES + TAG_BYTES or not hmac.compare_digest(
            tag, hmac.new(self._tag_key, nonce + cipher, hashlib.sha256).digest()[:TAG_BYTES]
        ):
            return None
        try:
            return bytes(a ^ b for a, b in zip(cipher, self._keystream(nonce, len(cipher)), strict=True)).decode()
        except UnicodeDecodeError:
            return None
