"""A learning module as a SCORM 1.2 package (a zip that Moodle and other learning platforms
import): imsmanifest.xml (IMS Content Packaging 1.1.2 with the ADL SCORM 1.2 extensions), one
SCO per lesson (an HTML page with its text and quiz) and a small script that reports the quiz
score and the lesson status through the SCORM 1.2 run-time API (LMSInitialize, LMSSetValue
cmi.core.score.raw / cmi.core.lesson_status, LMSCommit, LMSFinish)."""

from __future__ import annotations

import io
import json
import zipfile
from xml.sax.saxutils import escape, quoteattr

from bch.learning.content import Module

CP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = (
    f"{CP} imscp_rootv1p1p2.xsd "
    "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd "
    f"{ADLCP} adlcp_rootv1p2.xsd"
)

SCRIPT = """// SCORM 1.2 run-time: find the LMS's API object, report the quiz score and the status.
(function () {
  function findAPI(win) {
    var tries = 0;
    while (win && !win.API && win.parent && win.parent !== win && tries < 10) { win = win.parent; tries++; }
    return win ? win.API || null : null;
  }
  var api = findAPI(window) || (window.opener ? findAPI(window.opener) : null);
  if (api) { api.LMSInitialize(""); }
  var form = document.getElementById("quiz");
  var key = JSON.parse(form.getAttribute("data-key"));
  var mastery = parseInt(form.getAttribute("data-mastery"), 10);
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var right = 0;
    for (var i = 0; i < key.length; i++) {
      var chosen = form.querySelector("input[name=q" + i + "]:checked");
      var li = document.getElementById("q" + i);
      var ok = chosen && parseInt(chosen.value, 10) === key[i];
      if (ok) { right++; }
      li.className = ok ? "right" : "wrong";
    }
    var score = Math.round(100 * right / key.length);
    var status = score >= mastery ? "passed" : "failed";
    document.getElementById("outcome").textContent = right + " / " + key.length + " (" + score + "%): " + status;
    if (api) {
      api.LMSSetValue("cmi.core.score.min", "0");
      api.LMSSetValue("cmi.core.score.max", "100");
      api.LMSSetValue("cmi.core.score.raw", String(score));
      api.LMSSetValue("cmi.core.lesson_status", status);
      api.LMSCommit("");
    }
  });
  window.addEventListener("unload", function () { if (api) { api.LMSFinish(""); } });
})();
"""
STYLE = """body { font-family: sans-serif; max-width: 48rem; margin: 1rem auto; padding: 0 1rem; line-height: 1.5; }
.right { background: #e3f4e6; } .wrong { background: #fbe4e2; } fieldset { margin: .6rem 0; }
"""


def _lesson_html(module: Module, lang: str, index: int) -> str:
    text = module.text(lang)
    lesson = text.lessons[index]
    parts = []
    for kind, value in lesson.blocks:
        if kind == "p":
            parts.append(f"<p>{escape(value)}</p>")
        else:
            parts.append("<ul>" + "".join(f"<li>{escape(v)}</li>" for v in value) + "</ul>")
    questions = []
    for i, q in enumerate(lesson.quiz):
        choices = "".join(
            f'<label><input type="radio" name="q{i}" value="{j}" required> {escape(c)}</label><br>'
            for j, c in enumerate(q.choices)
        )
        questions.append(
            f'<li id="q{i}"><fieldset><legend>{escape(q.text)}</legend>{choices}</fieldset></li>'
        )
    key = json.dumps([q.answer for q in lesson.quiz])
    return (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(lesson.title)}</title>"
        '<link rel="stylesheet" href="style.css"></head><body>'
        f"<p>{escape(text.title)}</p><h1>{escape(lesson.title)}</h1>{''.join(parts)}"
        f'<form id="quiz" data-key={quoteattr(key)} data-mastery="{module.pass_mark}">'
        f'<ol>{"".join(questions)}</ol><button type="submit">OK</button></form>'
        '<p id="outcome" role="status"></p><script src="scorm.js"></script></body></html>\n'
    )


def manifest(module: Module, lang: str) -> str:
    text = module.text(lang)
    items, resources = [], []
    for i, lesson in enumerate(text.lessons, 1):
        items.append(
            f'<item identifier="ITEM-{i}" identifierref="RES-{i}" isvisible="true">'
            f"<title>{escape(lesson.title)}</title>"
            f"<adlcp:masteryscore>{module.pass_mark}</adlcp:masteryscore></item>"
        )
        resources.append(
            f'<resource identifier="RES-{i}" type="webcontent" adlcp:scormtype="sco" '
            f'href="lesson-{i}.html"><file href="lesson-{i}.html"/><file href="scorm.js"/>'
            '<file href="style.css"/></resource>'
        )
    ident = f"BCH-{module.id}-{text.language}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<manifest identifier="{ident}" version={quoteattr(module.version)} xmlns="{CP}" '
        f'xmlns:adlcp="{ADLCP}" xmlns:xsi="{XSI}" xsi:schemaLocation="{SCHEMA_LOCATION}">'
        "<metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>"
        f'<organizations default="ORG-1"><organization identifier="ORG-1">'
        f"<title>{escape(text.title)}</title>{''.join(items)}</organization></organizations>"
        f"<resources>{''.join(resources)}</resources></manifest>\n"
    )


def package(module: Module, lang: str) -> bytes:
    """The zip: imsmanifest.xml at its root, the lessons, the script and the stylesheet."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("imsmanifest.xml", manifest(module, lang))
        for i in range(len(module.lesson_ids)):
            z.writestr(f"lesson-{i + 1}.html", _lesson_html(module, lang, i))
        z.writestr("scorm.js", SCRIPT)
        z.writestr("style.css", STYLE)
    return buf.getvalue()
