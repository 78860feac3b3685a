"""Learning modules read from content files, so trainers add modules and translations without
code: `modules/<id>/module.yaml` (lessons in order, the answer key, the pass mark) and
`modules/<id>/<lang>.yaml` (title, description, each lesson's text and quiz in that language).

A lesson body is plain text: paragraphs separated by blank lines, lines starting with "- " make
a list. Every language file must have the lessons and questions of module.yaml, each question as
many choices in every language; `load_modules` refuses a module that does not (ContentError
naming the file and the place)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bch.records import yamlfile
from bch.records.languages import LANGUAGES

MODULES_DIR = Path(__file__).with_name("modules")


class ContentError(ValueError):
    """A module's files do not fit together."""


@dataclass(frozen=True)
class Question:
    text: str
    choices: tuple[str, ...]
    answer: int


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    blocks: tuple[tuple[str, Any], ...]  # ("p", text) or ("ul", (item, ...))
    quiz: tuple[Question, ...]


@dataclass(frozen=True)
class Text:
    """A module in one language."""

    language: str
    title: str
    description: str
    lessons: tuple[Lesson, ...]

    def lesson(self, lesson_id: str) -> Lesson | None:
        return next((x for x in self.lessons if x.id == lesson_id), None)


@dataclass(frozen=True)
class Module:
    id: str
    version: str
    pass_mark: int
    reference_language: str
    sources: tuple[str, ...]
    lesson_ids: tuple[str, ...]
    texts: dict[str, Text]

    @property
    def languages(self) -> list[str]:
        return [lang for lang in LANGUAGES if lang in self.texts] + sorted(
            lang for lang in self.texts if lang not in LANGUAGES
        )

    def text(self, lang: str) -> Text:
        """The module in `lang`, else in its reference language."""
        return self.texts.get(lang) or self.texts[self.reference_language]

    def passed(self, score: int, total: int) -> bool:
        return total > 0 and score * 100 >= self.pass_mark * total


def blocks(body: str) -> tuple[tuple[str, Any], ...]:
    out: list[tuple[str, Any]] = []
    for para in [p.strip() for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()]:
        lines = [line.strip() for line in para.split("\n") if line.strip()]
        text = [line for line in lines if not line.startswith("- ")]
        items = [line[2:].strip() for line in lines if line.startswith("- ")]
        if text:
            out.append(("p", " ".join(text)))
        if items:
            out.append(("ul", tuple(items)))
    return tuple(out)


def _need(cond: bool, where: str, message: str) -> None:
    if not cond:
        raise ContentError(f"{where}: {message}")


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML ({exc})") from None
    _need(isinstance(data, dict), str(path), "expected a mapping")
    return data


def load_module(folder: Path) -> Module:
    meta_path = folder / "module.yaml"
    meta = _read(meta_path)
    where = str(meta_path)
    _need(meta.get("id") == folder.name, where, f"id must be the folder's name {folder.name!r}")
    lessons = meta.get("lessons")
    _need(isinstance(lessons, list) and bool(lessons), where, "expected a list of lessons")
    keys: list[tuple[str, list[int]]] = []
    for i, lesson in enumerate(lessons):
        _need(isinstance(lesson, dict), f"{where} lessons[{i}]", "expected {id, answers}")
        answers = lesson.get("answers")
        _need(
            isinstance(answers, list) and all(isinstance(a, int) and a >= 0 for a in answers),
            f"{where} lessons[{i}].answers",
            "expected a list of choice numbers (from 0)",
        )
        keys.append((str(lesson.get("id")), answers))
    pass_mark = meta.get("pass_mark", 80)
    _need(isinstance(pass_mark, int) and 0 < pass_mark <= 100, where, "pass_mark: 1 to 100")
    texts: dict[str, Text] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name != "module.yaml":
            texts[path.stem] = _text(path, keys)
    ref = str(meta.get("reference_language", "en"))
    _need(ref in texts, where, f"no file for the reference language {ref!r}")
    return Module(
        id=folder.name,
        version=str(meta.get("version", "1")),
        pass_mark=pass_mark,
        reference_language=ref,
        sources=tuple(str(s) for s in meta.get("sources") or ()),
        lesson_ids=tuple(k for k, _ in keys),
        texts=texts,
    )


def _text(path: Path, keys: list[tuple[str, list[int]]]) -> Text:
    data = _read(path)
    where = str(path)
    for field in ("title", "description"):
        _need(isinstance(data.get(field), str) and data[field].strip(), where, f"{field} missing")
    lessons = data.get("lessons")
    _need(
        isinstance(lessons, list) and len(lessons) == len(keys),
        where,
        f"expected {len(keys)} lessons, as in module.yaml",
    )
    out = []
    for i, ((lesson_id, answers), lesson) in enumerate(zip(keys, lessons, strict=True)):
        at = f"{where} lessons[{i}]"
        _need(isinstance(lesson, dict), at, "expected {title, body, quiz}")
        _need(isinstance(lesson.get("title"), str), at, "title missing")
        _need(isinstance(lesson.get("body"), str), at, "body missing")
        quiz = lesson.get("quiz")
        _need(
            isinstance(quiz, list) and len(quiz) == len(answers),
            at,
            f"expected {len(answers)} questions, as the answer key in module.yaml",
        )
        questions = []
        for j, (q, answer) in enumerate(zip(quiz, answers, strict=True)):
            qat = f"{at}.quiz[{j}]"
            choices = q.get("choices") if isinstance(q, dict) else None
            _need(isinstance(q, dict) and isinstance(q.get("question"), str), qat, "question?")
            _need(
                isinstance(choices, list) and all(isinstance(c, str) for c in choices),
                qat,
                "choices must be a list of texts (quote a choice that holds ': ')",
            )
            _need(answer < len(choices), qat, f"answer {answer} but {len(choices)} choices")
            questions.append(Question(q["question"], tuple(choices), answer))
        out.append(Lesson(lesson_id, lesson["title"], blocks(lesson["body"]), tuple(questions)))
    return Text(path.stem, data["title"].strip(), data["description"].strip(), tuple(out))


def modules_dir(configured: Path | None = None) -> Path:
    """BCH_LEARNING_MODULES (a folder of module folders, read by bch.settings), else the
    shipped modules."""
    return configured or MODULES_DIR


@cache
def _load(folder: Path) -> dict[str, Module]:
    return {
        m.id: m
        for m in (load_module(p) for p in sorted(folder.iterdir()) if (p / "module.yaml").exists())
    }


def load_modules(configured: Path | None = None) -> dict[str, Module]:
    return _load(modules_dir(configured))
