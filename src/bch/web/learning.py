"""E-learning pages: the modules, a module's lessons with the learner's progress, a lesson and
its quiz, the certificate of completion and its public verification page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from bch.services.errors import BadRequest
from bch.web.common import principal_of, services, web_page
from bch.web.render import page
from bch.web.submit import csrf_token, form_data, signed_in

router = APIRouter(include_in_schema=False)


@router.get("/{lang:lang}/learning")
@web_page
def learning_index(request: Request, lang: str) -> Response:
    mods = services(request).learning.modules().values()
    return page(request, lang, "learning_index.html", modules=[(m, m.text(lang)) for m in mods])


@router.get("/{lang:lang}/learning/certificates/{certificate_id}")
@web_page
def certificate_page(request: Request, lang: str, certificate_id: str) -> Response:
    cert = services(request).learning.certificate(certificate_id)
    return page(request, lang, "learning_certificate.html", cert=cert)


def _module_page(request: Request, lang: str, module_id: str, **extra) -> Response:
    svc = services(request)
    module = svc.learning.module(module_id)
    principal = principal_of(request)
    return page(
        request,
        lang,
        "learning_module.html",
        module=module,
        text=module.text(lang),
        progress=svc.learning.progress(principal, module.id),
        csrf=csrf_token(request),
        principal=principal,
        **extra,
    )


@router.get("/{lang:lang}/learning/{module_id}")
@web_page
def module_page(request: Request, lang: str, module_id: str) -> Response:
    return _module_page(request, lang, module_id)


@router.post("/{lang:lang}/learning/{module_id}/certificate")
@web_page
async def certify(request: Request, lang: str, module_id: str) -> Response:
    data = await form_data(request)
    principal = signed_in(request, lang)
    name = (data.get("name") or [""])[0].strip() or None
    cert = services(request).learning.certify(principal, module_id, lang, name)
    return RedirectResponse(f"/{lang}/learning/certificates/{cert.id}", status_code=303)


def _lesson_page(request: Request, lang: str, module_id: str, lesson_id: str, **extra):
    svc = services(request)
    module = svc.learning.module(module_id)
    text = module.text(lang)
    lesson = text.lesson(lesson_id)
    if lesson is None:
        from bch.services.errors import NotFound

        raise NotFound(f"no lesson {lesson_id!r}")
    index = module.lesson_ids.index(lesson.id)
    nxt = module.lesson_ids[index + 1] if index + 1 < len(module.lesson_ids) else None
    principal = principal_of(request)
    return page(
        request,
        lang,
        "learning_lesson.html",
        module=module,
        text=text,
        lesson=lesson,
        number=index + 1,
        next_lesson=nxt,
        csrf=csrf_token(request),
        principal=principal,
        **{"outcome": None, "error": None, **extra},
    )


@router.get("/{lang:lang}/learning/{module_id}/{lesson_id}")
@web_page
def lesson_page(request: Request, lang: str, module_id: str, lesson_id: str) -> Response:
    return _lesson_page(request, lang, module_id, lesson_id)


@router.post("/{lang:lang}/learning/{module_id}/{lesson_id}")
@web_page
async def answer(request: Request, lang: str, module_id: str, lesson_id: str) -> Response:
    data = await form_data(request)
    principal = signed_in(request, lang)
    svc = services(request)
    lesson = svc.learning.module(module_id).text(lang).lesson(lesson_id)
    count = len(lesson.quiz) if lesson else 0
    answers: list[object] = []
    for i in range(count):
        raw = (data.get(f"q{i}") or [""])[0]
        answers.append(int(raw) if raw.isdigit() and len(raw) < 4 else raw)
    try:
        outcome = svc.learning.answer(principal, module_id, lesson_id, lang, answers)
    except BadRequest as exc:
        return _lesson_page(request, lang, module_id, lesson_id, error=exc, status=400)
    return _lesson_page(request, lang, module_id, lesson_id, outcome=outcome)
