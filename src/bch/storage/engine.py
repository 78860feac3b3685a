"""Database engines by URL: SQLite (embedded default, WAL) or PostgreSQL (production)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from bch.storage import sqlite_locking


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def load_json(text: str | bytes) -> Any:
    """Stored JSON, read with orjson (several times faster than json); values orjson refuses
    and Python's json wrote (NaN, lone surrogates) are still read."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def make_engine(url: str, *, busy_timeout: float = sqlite_locking.DEFAULT_BUSY_TIMEOUT) -> Engine:
    """`busy_timeout`: seconds a SQLite connection waits for the write lock
    (Settings.sqlite_busy_timeout, BCH_SQLITE_BUSY_TIMEOUT)."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        timeout = busy_timeout
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": timeout},
            json_deserializer=load_json,
        )
        sqlite_locking.install(engine, timeout)  # WAL, busy timeout, BEGIN IMMEDIATE writers
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(
            url, pool_pre_ping=True, pool_size=10, max_overflow=10, json_deserializer=load_json
        )
    raise ValueError(
        f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql"
    )


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
