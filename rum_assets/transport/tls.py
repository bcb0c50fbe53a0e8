"""One TLS context for every HTTP client of a process.

httpx builds a new ``ssl.SSLContext`` for each ``httpx.Client`` (and each ``httpx.stream``), loading the
whole CA bundle each time: 50-100 ms of CPU per client, and every asset opens a few. The context is
read-only once built and safe to share between threads, so it is built once per process, from the
environment at that time (``SSL_CERT_FILE``/``SSL_CERT_DIR``, as httpx reads them).
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def shared_tls_context() -> ssl.SSLContext:
    """This process's TLS context, verifying servers against the CA bundle httpx would use."""
    return httpx.create_ssl_context()
