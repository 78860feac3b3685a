"""Detection methods (EURL-GMFF GMOMETHODS, EUginius) and the LMO UID keys they detect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from bch.storage.change_mark import bump
from bch.storage.read_deps import note_lmo_keys
from bch.storage.rows import mappings
from bch.storage.tables import detection_method_lmos, detection_methods

# built once (every LMO page asks it): building it cost a third of the look-up
_FOR_KEYS = (
    select(detection_methods, detection_method_lmos.c.uid_key)
    .join(detection_method_lmos, detection_method_lmos.c.method_id == detection_methods.c.id)
    .where(detection_method_lmos.c.uid_key.in_(bindparam("keys", expanding=True)))
    .order_by(detection_methods.c.source, detection_methods.c.code)
)


class DetectionMethodRepository:
    def replace(self, conn: Connection, methods: Sequence[dict[str, Any]]) -> int:
        """Upsert detection methods by (source, code) and their LMO keys; returns rows changed.
        Each method: source, code, method_type, scope, target, data, lmo_keys."""
        existing = {
            (r.source, r.code): (r.id, r.data, r.method_type, r.scope, r.target)
            for r in conn.execute(select(detection_methods))
        }
        linked: dict[int, set[str]] = {}
        for r in conn.execute(select(detection_method_lmos)):
            linked.setdefault(r.method_id, set()).add(r.uid_key)
        changed = 0
        for m in methods:
            key = (m["source"], m["code"])
            values = {k: m[k] for k in ("method_type", "scope", "target", "data")}
            old = existing.get(key)
            if old and old[1:] == (m["data"], m["method_type"], m["scope"], m["target"]):
                method_id = old[0]
                if linked.get(method_id, set()) == set(m["lmo_keys"]):
                    continue
            elif old:
                method_id = old[0]
                conn.execute(
                    update(detection_methods)
                    .where(detection_methods.c.id == method_id)
                    .values(**values)
                )
            else:
                method_id = conn.execute(
                    insert(detection_methods).values(source=m["source"], code=m["code"], **values)
                ).inserted_primary_key[0]
            conn.execute(
                delete(detection_method_lmos).where(detection_method_lmos.c.method_id == method_id)
            )
            if m["lmo_keys"]:
                conn.execute(
                    insert(detection_method_lmos),
                    [{"method_id": method_id, "uid_key": k} for k in sorted(set(m["lmo_keys"]))],
                )
            changed += 1
        if changed:
            bump(conn, "detection_methods")  # no record changed: the read caches see it here
        return changed

    def for_keys(self, conn: Connection, keys: Sequence[str]) -> list[dict[str, Any]]:
        """Methods that detect any of these LMO UID keys, one row per (method, key), with the
        method's columns and `uid_key`."""
        note_lmo_keys(keys)
        rows = conn.execute(_FOR_KEYS, {"keys": list(keys)})
        return mappings(rows)
