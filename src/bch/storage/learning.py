"""Learners' quiz results (table `learning_progress`: the best result per lesson) and
certificates of completion (table `learning_certificates`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from bch.storage.database import Connection, Database
from bch.storage.rows import as_utc
from bch.storage.tables import learning_certificates, learning_progress, users


@dataclass(frozen=True)
class ProgressRow:
    lesson: str
    language: str
    score: int
    total: int
    passed: bool
    attempts: int
    updated_at: datetime


@dataclass(frozen=True)
class CertificateRow:
    id: str
    user_id: int
    module: str
    module_version: str
    language: str
    learner: str
    score: int
    issued_at: datetime


def _cert(r) -> CertificateRow:
    at = as_utc(r.issued_at)
    assert at is not None
    return CertificateRow(
        r.id, r.user_id, r.module, r.module_version, r.language, r.learner, r.score, at
    )


class LearningRepository:
    def __init__(self, db: Database):
        self.db = db

    def reading(self) -> Connection:
        return self.db.reading()

    def progress(self, conn: Connection, user_id: int, module: str) -> dict[str, ProgressRow]:
        rows = conn.execute(
            select(learning_progress).where(
                learning_progress.c.user_id == user_id, learning_progress.c.module == module
            )
        )
        out = {}
        for r in rows:
            at = as_utc(r.updated_at)
            assert at is not None
            out[r.lesson] = ProgressRow(
                r.lesson, r.language, r.score, r.total, bool(r.passed), r.attempts, at
            )
        return out

    def record_attempt(
        self,
        conn: Connection,
        user_id: int,
        module: str,
        lesson: str,
        language: str,
        score: int,
        total: int,
        passed: bool,
        at: datetime,
    ) -> None:
        """Count the attempt; keep the best score (a pass is never lost)."""
        key = (
            (learning_progress.c.user_id == user_id)
            & (learning_progress.c.module == module)
            & (learning_progress.c.lesson == lesson)
        )
        row = conn.execute(select(learning_progress).where(key).with_for_update()).first()
        if row is None:
            conn.execute(
                insert(learning_progress).values(
                    user_id=user_id,
                    module=module,
                    lesson=lesson,
                    language=language,
                    score=score,
                    total=total,
                    passed=int(passed),
                    attempts=1,
                    updated_at=at,
                )
            )
            return
        values = {"attempts": row.attempts + 1, "updated_at": at}
        if score * row.total >= row.score * total:
            values |= {"score": score, "total": total, "language": language}
        values["passed"] = int(passed or bool(row.passed))
        conn.execute(update(learning_progress).where(key).values(**values))

    def certificate_for(self, conn: Connection, user_id: int, module: str) -> CertificateRow | None:
        row = conn.execute(
            select(learning_certificates)
            .where(
                learning_certificates.c.user_id == user_id,
                learning_certificates.c.module == module,
            )
            .order_by(learning_certificates.c.issued_at)
        ).first()
        return _cert(row) if row else None

    def add_certificate(self, conn: Connection, cert: CertificateRow) -> None:
        conn.execute(
            insert(learning_certificates).values(
                id=cert.id,
                user_id=cert.user_id,
                module=cert.module,
                module_version=cert.module_version,
                language=cert.language,
                learner=cert.learner,
                score=cert.score,
                issued_at=cert.issued_at,
            )
        )

    def certificate(self, ident: str) -> CertificateRow | None:
        with self.db.reading() as conn:
            row = conn.execute(
                select(learning_certificates).where(learning_certificates.c.id == ident)
            ).first()
        return _cert(row) if row else None

    def user_name(self, conn: Connection, user_id: int) -> str:
        row = conn.execute(select(users.c.name, users.c.email).where(users.c.id == user_id)).first()
        if row is None:
            return ""
        return row.name or row.email.split("@")[0]
