"""One TLS context per process for the outgoing HTTPS requests (the external sources, a national
node's central): httpx builds one per client from the certificate bundle otherwise, tens of ms of
CPU, and a node made a client per sync round and per listen."""

from __future__ import annotations

import ssl
from functools import cache


@cache
def client_context() -> ssl.SSLContext:
    """The default verifying context (the system's certificate authorities), made once."""
    return ssl.create_default_context()
