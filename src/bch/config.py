"""Fixed limits, and a compatibility layer over bch.settings for code that has no settings object
at hand (tests, scripts). The application itself reads bch.settings.Settings once and passes it
down; nothing here reads the environment."""

from __future__ import annotations

from pathlib import Path

from bch.settings import DEFAULT_OAI_NAMESPACE, DEFAULT_PORT, DEFAULT_PUBLIC_URL, Settings

__all__ = [
    "DEFAULT_OAI_NAMESPACE",
    "DEFAULT_PORT",
    "DEFAULT_PUBLIC_URL",
    "MAX_DOCUMENT_BYTES",
    "MAX_QUERY_BODY_BYTES",
    "data_dir",
    "database_url",
    "oai_namespace",
    "public_url",
]

# Request bodies larger than these are refused with 413 before they are read (bch.api.bodies)
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024  # a record document, any JSON body, a web form
MAX_QUERY_BODY_BYTES = 64 * 1024  # an OAI-PMH or v2013 index request (body or query string)


def public_url() -> str:
    """BCH_PUBLIC_URL as the settings read it now (Settings.public_url)."""
    return Settings.from_environ().public_url


def oai_namespace() -> str:
    """The OAI-PMH namespace as the settings read it now (Settings.oai_namespace)."""
    return Settings.from_environ().oai_namespace


def database_url(explicit: str | None = None) -> str:
    """`explicit`, else BCH_DATABASE_URL, else the SQLite file (Settings.database_url)."""
    return explicit or Settings.from_environ().database_url


def data_dir() -> Path:
    """The shipped real data (Settings.data_dir, BCH_DATA_DIR)."""
    return Settings.from_environ().data_dir
