"""E-learning: modules (content files, bch.learning.content), each learner's quiz results and
certificates of completion with a public verification link. Only signed-in learners are scored;
anyone may read the lessons and verify a certificate."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from bch.learning.content import Module, load_modules
from bch.services.errors import BadRequest, Forbidden, NotFound, Unauthorized
from bch.services.policy import Principal
from bch.services.unit_of_work import UnitOfWork
from bch.storage.learning import CertificateRow, LearningRepository
from bch.storage.rows import iso_utc, utcnow

MAX_NAME = 200


def _bad(path: str, message: str) -> BadRequest:
    return BadRequest(
        f"{path}: {message}",
        errors=[{"code": "Error.InvalidParameter", "path": path, "message": message}],
    )


class LearningService:
    def __init__(self, repo: LearningRepository, uow: UnitOfWork, modules_dir: Path | None = None):
        self.repo = repo
        self.uow = uow
        self.modules_dir = modules_dir  # BCH_LEARNING_MODULES, else the shipped modules

    # -- modules --------------------------------------------------------------------------------
    def modules(self) -> dict[str, Module]:
        return load_modules(self.modules_dir)

    def module(self, module_id: str) -> Module:
        found = self.modules().get(module_id)
        if found is None:
            raise NotFound(f"no learning module {module_id!r}")
        return found

    def catalogue(self) -> list[dict[str, Any]]:
        """Every module with its languages and lessons (GET /api/v1/learning/modules)."""
        out = []
        for m in self.modules().values():
            out.append(
                {
                    "id": m.id,
                    "version": m.version,
                    "passMark": m.pass_mark,
                    "languages": m.languages,
                    "title": {lang: m.texts[lang].title for lang in m.languages},
                    "lessons": [
                        {
                            "id": lesson_id,
                            "title": {lang: m.texts[lang].lessons[i].title for lang in m.languages},
                            "questions": len(m.text(m.reference_language).lessons[i].quiz),
                        }
                        for i, lesson_id in enumerate(m.lesson_ids)
                    ],
                    "sources": list(m.sources),
                    "scorm": f"/api/v1/learning/modules/{m.id}/scorm.zip",
                }
            )
        return out

    # -- learners -------------------------------------------------------------------------------
    @staticmethod
    def _learner(principal: Principal) -> int:
        if principal.user_id is None:
            raise Unauthorized("sign in to keep your progress and get a certificate")
        return principal.user_id

    def progress(self, principal: Principal, module_id: str) -> dict[str, Any]:
        module = self.module(module_id)
        if principal.user_id is None:
            return {"lessons": {}, "complete": False, "certificate": None}
        with self.repo.reading() as conn:
            rows = self.repo.progress(conn, principal.user_id, module.id)
            cert = self.repo.certificate_for(conn, principal.user_id, module.id)
        lessons = {
            k: {"score": r.score, "total": r.total, "passed": r.passed, "attempts": r.attempts}
            for k, r in rows.items()
            if k in module.lesson_ids
        }
        complete = all(lessons.get(k, {}).get("passed") for k in module.lesson_ids)
        return {"lessons": lessons, "complete": complete, "certificate": cert.id if cert else None}

    def answer(
        self, principal: Principal, module_id: str, lesson_id: str, lang: str, answers: list[Any]
    ) -> dict[str, Any]:
        """Score a quiz: `answers[i]` is the chosen choice of question i (0-based)."""
        user_id = self._learner(principal)
        module = self.module(module_id)
        text = module.text(lang)
        lesson = text.lesson(lesson_id)
        if lesson is None:
            raise NotFound(f"no lesson {lesson_id!r} in {module_id!r}")
        if len(answers) != len(lesson.quiz):
            raise _bad("answers", f"expected {len(lesson.quiz)} answers, one per question")
        results = []
        for i, (given, q) in enumerate(zip(answers, lesson.quiz, strict=True)):
            if (
                not isinstance(given, int)
                or isinstance(given, bool)
                or not 0 <= given < len(q.choices)
            ):
                raise _bad(
                    f"answers[{i}]", f"expected a choice number from 0 to {len(q.choices) - 1}"
                )
            results.append({"given": given, "correct": given == q.answer, "answer": q.answer})
        score = sum(r["correct"] for r in results)
        passed = module.passed(score, len(results))
        with self.uow(changes=False) as tx:
            self.repo.record_attempt(
                tx.conn,
                user_id,
                module.id,
                lesson.id,
                text.language,
                score,
                len(results),
                passed,
                utcnow(),
            )
        return {"score": score, "total": len(results), "passed": passed, "results": results}

    def certify(
        self, principal: Principal, module_id: str, lang: str, name: str | None = None
    ) -> CertificateRow:
        """The learner's certificate: issued once every lesson is passed (the same one after)."""
        user_id = self._learner(principal)
        module = self.module(module_id)
        if name is not None and (not name.strip() or len(name) > MAX_NAME or "\x00" in name):
            raise _bad("name", f"expected the name to print, 1 to {MAX_NAME} characters")
        with self.uow(changes=False) as tx:
            existing = self.repo.certificate_for(tx.conn, user_id, module.id)
            if existing is not None:
                return existing
            rows = self.repo.progress(tx.conn, user_id, module.id)
            missing = [k for k in module.lesson_ids if not (k in rows and rows[k].passed)]
            if missing:
                raise Forbidden(
                    f"pass every lesson's quiz first; not yet passed: {', '.join(missing)}"
                )
            score = sum(rows[k].score for k in module.lesson_ids)
            total = sum(rows[k].total for k in module.lesson_ids)
            cert = CertificateRow(
                id=secrets.token_urlsafe(12),
                user_id=user_id,
                module=module.id,
                module_version=module.version,
                language=lang if lang in module.texts else module.reference_language,
                learner=" ".join((name or self.repo.user_name(tx.conn, user_id)).split()),
                score=round(100 * score / total),
                issued_at=utcnow(),
            )
            self.repo.add_certificate(tx.conn, cert)
        return cert

    def certificate(self, ident: str) -> dict[str, Any]:
        """Public verification: who completed which module, when, with what score."""
        cert = self.repo.certificate(ident) if len(ident) <= 32 else None
        if cert is None:
            raise NotFound(f"no certificate {ident!r}")
        module = self.modules().get(cert.module)
        return {
            "id": cert.id,
            "valid": True,
            "learner": cert.learner,
            "module": cert.module,
            "moduleVersion": cert.module_version,
            "moduleTitle": module.text(cert.language).title if module else cert.module,
            "language": cert.language,
            "score": cert.score,
            "issuedAt": iso_utc(cert.issued_at),
        }
