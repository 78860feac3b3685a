"""What every table module shares: the one `metadata` (with the naming convention of constraints
and indexes) and the column types that differ between SQLite and PostgreSQL. The tables are in
tables.py (records, search, accounts, workflow, ...), tables_alerts.py, tables_participation.py
and tables_nodes.py; tables.py imports the other three, so `bch.storage.tables.metadata` holds
every table (backup/restore, the migrations' check and the tests' emptying use that one)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Json = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments INTEGER PRIMARY KEY columns.
BigId = BigInteger().with_variant(Integer(), "sqlite")
UtcDateTime = DateTime(timezone=True)
