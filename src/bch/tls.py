"""One TLS context per process for the outgoing HTTPS requests (the external sources, a national
node's central): httpx builds one per client from the certificate bundle otherwise, tens of ms of
CPU, and a node made a client per sync round and per listen."""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def client_context() -> ssl.SSLContext:
    """The context an httpx client verifies with by default (certifi's certificate authorities,
    or those of SSL_CERT_FILE / SSL_CERT_DIR when set), made once."""
    return httpx.create_ssl_context()
