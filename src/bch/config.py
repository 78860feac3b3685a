"""Settings from the environment and command line."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

DEFAULT_PORT = 8000
# Request bodies larger than these are refused with 413 before they are read (bch.api.bodies)
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024  # a record document, any JSON body, a web form
MAX_QUERY_BODY_BYTES = 64 * 1024  # an OAI-PMH or v2013 index request (body or query string)


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
