"""Idempotent writes: an answer given to a write sent with an `Idempotency-Key` header is stored
in the write's own transaction, and a retry with the same key (by the same account) gets that
answer again instead of doing the write twice. The transaction takes the writers' lock first
(Database.writing), so two attempts with one key never both run the write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bch.services.errors import BadRequest
from bch.services.policy import Principal
from bch.services.unit_of_work import UnitOfWork
from bch.storage.node_state import IdempotencyRepository

MAX_KEY = 120


class IdempotencyService:
    def __init__(self, uow: UnitOfWork, repo: IdempotencyRepository):
        self.uow = uow
        self.repo = repo

    def run(
        self,
        principal: Principal,
        key: str | None,
        write: Callable[[], tuple[int, dict[str, Any]]],
    ) -> tuple[int, dict[str, Any]]:
        """(status, body) of `write`, or of its first run with this key."""
        if key is None:
            return write()
        key = key.strip()
        if not key or len(key) > MAX_KEY or not key.isascii() or not key.isprintable():
            raise BadRequest(
                f"Idempotency-Key must be 1-{MAX_KEY} printable ASCII characters",
                errors=[{"code": "Error.InvalidValue", "path": "Idempotency-Key",
                         "message": "e.g. a UUID"}],
            )  # fmt: skip
        scoped = f"{principal.user_id or principal.email or '?'}:{key}"
        with self.uow() as tx:  # the write joins this transaction
            found = self.repo.get(tx.conn, scoped)
            if found is not None:
                return found
            status, body = write()
            self.repo.put(tx.conn, scoped, status, body)
        return status, body
