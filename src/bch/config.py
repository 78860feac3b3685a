"""Settings from the environment and command line."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from platformdirs import user_data_dir

DEFAULT_PORT = 8000
# Request bodies larger than these are refused with 413 before they are read (bch.api.bodies)
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024  # a record document, any JSON body, a web form
MAX_QUERY_BODY_BYTES = 64 * 1024  # an OAI-PMH or v2013 index request (body or query string)


DEFAULT_PUBLIC_URL = f"http://127.0.0.1:{DEFAULT_PORT}"
DEFAULT_OAI_NAMESPACE = "bch.local"
# an OAI-PMH repositoryIdentifier is a domain name (oai-identifier.xsd)
_DOMAIN = re.compile(r"^[A-Za-z][A-Za-z0-9-]*(\.[A-Za-z][A-Za-z0-9-]*)+$")


def public_url() -> str:
    """The site's public base URL, BCH_PUBLIC_URL (default http://127.0.0.1:8000, or what
    `bch serve` listens on). Every absolute URL the server writes (OAI-PMH baseURL, JSON-LD @id,
    oEmbed, embeds, QR codes, links in mails) starts with it: never with the request's Host."""
    return (os.environ.get("BCH_PUBLIC_URL") or DEFAULT_PUBLIC_URL).strip().rstrip("/")


def oai_namespace() -> str:
    """The OAI-PMH repository identifier (`oai:{namespace}:{uid}`): BCH_OAI_NAMESPACE, else the
    host of the public URL when it is a domain name, else "bch.local"."""
    explicit = (os.environ.get("BCH_OAI_NAMESPACE") or "").strip()
    if explicit:
        return explicit
    host = urlsplit(public_url()).hostname or ""
    return host if _DOMAIN.match(host) else DEFAULT_OAI_NAMESPACE


def default_database_url() -> str:
    path = Path(user_data_dir("bch", appauthor=False)) / "bch.db"
    return f"sqlite:///{path}"


def database_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get("BCH_DATABASE_URL") or default_database_url()


def data_dir() -> Path:
    """The shipped real data: BCH_DATA_DIR, or the repository's data/ folder."""
    env = os.environ.get("BCH_DATA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "data"
