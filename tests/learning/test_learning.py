"""E-learning: the module's content files, quizzes scored and kept per learner, the certificate
with its public verification (JSON, page, PDF), GET /api/v1/learning/modules and the SCORM 1.2
package, whose imsmanifest.xml is checked against the structure SCORM 1.2 requires (IMS Content
Packaging 1.1.2 + ADL extensions: the XSDs are not distributed on PyPI)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pypdf
import pytest
from fastapi.testclient import TestClient
from lxml import etree

from bch.api.app import create_app
from bch.learning.content import ContentError, load_module, load_modules
from bch.learning.scorm import ADLCP, CP
from bch.services.errors import BadRequest, Forbidden, Unauthorized
from bch.services.policy import ANONYMOUS, Principal
from tests.web.conftest import PASSWORD, sign_in

MODULE = "customs-cpb"
NCNAME = re.compile(r"^[A-Za-z_][\w.-]*$")


def key(module_id: str = MODULE) -> dict[str, list[int]]:
    m = load_modules()[module_id]
    return {lesson.id: [q.answer for q in lesson.quiz] for lesson in m.text("en").lessons}


def test_the_customs_module_is_complete_in_the_six_languages():
    m = load_modules()[MODULE]
    assert m.languages == ["ar", "en", "es", "fr", "ru", "zh"]
    assert len(m.lesson_ids) == 5
    for lang in m.languages:
        text = m.text(lang)
        assert text.language == lang and len(text.lessons) == 5
        for lesson in text.lessons:
            assert lesson.blocks and len(lesson.quiz) == 3
    # the same answer key in every language (module.yaml), within the choices
    assert all(len(q.choices) == 3 for lesson in m.text("es").lessons for q in lesson.quiz)


def test_a_translation_that_does_not_fit_is_refused(tmp_path: Path):
    src = Path(__file__).parents[2]
    folder = tmp_path / MODULE
    folder.mkdir()
    shipped = src / "src/bch/learning/modules" / MODULE
    (folder / "module.yaml").write_text((shipped / "module.yaml").read_text(encoding="utf-8"))
    en = (shipped / "en.yaml").read_text(encoding="utf-8")
    (folder / "en.yaml").write_text(en, encoding="utf-8")
    assert load_module(folder).lesson_ids[0] == "lmos-and-the-protocol"
    # a translation whose question lost the choice the answer key points at
    broken = en.replace("          - Article 11\n", "", 1)
    (folder / "de.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(ContentError, match=r"de.yaml lessons\[0\].quiz\[1\]"):
        load_module(folder)
    (folder / "de.yaml").write_text(en.replace("quiz:", "quizz:", 1), encoding="utf-8")
    with pytest.raises(ContentError, match=r"de.yaml lessons\[0\]"):
        load_module(folder)


def test_quiz_scores_and_certificate(services):
    svc = services
    user = svc.accounts.add_user("ana.customs@example.org", password=PASSWORD)
    me = Principal(user_id=user.id, email=user.email)
    answers = key()
    with pytest.raises(Unauthorized):
        svc.learning.answer(ANONYMOUS, MODULE, "documentation", "en", answers["documentation"])
    with pytest.raises(BadRequest) as bad:
        svc.learning.answer(me, MODULE, "documentation", "en", [0, 9, 0])
    assert bad.value.errors[0]["path"] == "answers[1]"
    wrong = [(a + 1) % 3 for a in answers["documentation"]]
    out = svc.learning.answer(me, MODULE, "documentation", "en", wrong)
    assert out["score"] == 0 and not out["passed"]
    with pytest.raises(Forbidden):
        svc.learning.certify(me, MODULE, "en")
    for lesson, right in answers.items():
        assert svc.learning.answer(me, MODULE, lesson, "fr", right)["passed"]
    svc.learning.answer(me, MODULE, "documentation", "fr", wrong)  # a later failure
    progress = svc.learning.progress(me, MODULE)
    assert progress["complete"] and progress["lessons"]["documentation"]["attempts"] == 3
    assert progress["lessons"]["documentation"]["score"] == 3  # the best is kept
    with pytest.raises(BadRequest):
        svc.learning.certify(me, MODULE, "fr", " ")
    cert = svc.learning.certify(me, MODULE, "fr", "Ana  Customs")
    assert cert.learner == "Ana Customs" and cert.score == 100 and cert.language == "fr"
    assert svc.learning.certify(me, MODULE, "en", "Someone Else").id == cert.id  # once
    public = svc.learning.certificate(cert.id)
    assert public["valid"] and public["learner"] == "Ana Customs"
    assert public["moduleTitle"].startswith("Le Protocole de Cartagena")


def test_api_modules_scorm_and_certificate(services):
    with TestClient(create_app(services), follow_redirects=False) as c:
        r = c.get("/api/v1/learning/modules")
        assert r.status_code == 200
        mod = next(m for m in r.json()["items"] if m["id"] == MODULE)
        assert {"en", "fr", "es"} <= set(mod["languages"])
        assert [x["id"] for x in mod["lessons"]][0] == "lmos-and-the-protocol"
        assert mod["lessons"][0]["title"]["es"].startswith("Los organismos vivos")
        assert c.get("/api/v1/learning/modules/nope/scorm.zip").status_code == 404
        assert c.get("/api/v1/learning/certificates/nope").status_code == 404
        assert c.get("/api/v1/learning/certificates/nope.pdf").status_code == 404


@pytest.mark.parametrize("lang", ["en", "fr", "es", "ar", "ru", "zh"])
def test_scorm_manifest_validates(services, lang):
    with TestClient(create_app(services)) as c:
        r = c.get(f"/api/v1/learning/modules/{MODULE}/scorm.zip", params={"lang": lang})
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    names = set(z.namelist())
    root = etree.fromstring(z.read("imsmanifest.xml"))
    ns = {"cp": CP, "adlcp": ADLCP}
    # the root: <manifest identifier> in the IMS CP 1.1.2 namespace, schemaLocation given
    assert root.tag == f"{{{CP}}}manifest" and NCNAME.match(root.get("identifier"))
    assert CP in root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation")
    # children in the order the schema prescribes: metadata?, organizations, resources
    assert [etree.QName(ch).localname for ch in root] == ["metadata", "organizations", "resources"]
    assert root.findtext("cp:metadata/cp:schema", namespaces=ns) == "ADL SCORM"
    assert root.findtext("cp:metadata/cp:schemaversion", namespaces=ns) == "1.2"
    ids = [e.get("identifier") for e in root.iter() if e.get("identifier") is not None]
    assert len(ids) == len(set(ids)) and all(NCNAME.match(i) for i in ids)  # xs:ID
    orgs = root.find("cp:organizations", ns)
    default = orgs.get("default")
    org = orgs.find(f"cp:organization[@identifier='{default}']", ns)
    assert org is not None and org.findtext("cp:title", namespaces=ns)
    resources = {r.get("identifier"): r for r in root.findall("cp:resources/cp:resource", ns)}
    items = org.findall("cp:item", ns)
    assert len(items) == 5
    for item in items:
        children = [etree.QName(ch).localname for ch in item]
        assert children[0] == "title" and children[-1] == "masteryscore"
        assert 0 <= int(item.findtext("adlcp:masteryscore", namespaces=ns)) <= 100
        res = resources[item.get("identifierref")]
        assert res.get("type") == "webcontent"
        assert res.get(f"{{{ADLCP}}}scormtype") == "sco"
        assert res.get("href") in names
        for f in res.findall("cp:file", ns):
            assert f.get("href") in names
    page = z.read("lesson-1.html").decode()
    assert 'LMSSetValue("cmi.core.lesson_status"' in z.read("scorm.js").decode()
    assert f'<html lang="{lang}">' in page and "data-key=" in page


def test_web_quiz_and_certificate_pages(services):
    services.accounts.add_user("jo.border@example.org", password=PASSWORD)
    with TestClient(create_app(services), follow_redirects=False) as c:
        assert c.get("/en/learning").status_code == 200
        anonymous = c.get(f"/es/learning/{MODULE}/documentation")
        assert anonymous.status_code == 200 and "/es/sign-in?next=" in anonymous.text
        assert "Artículo 18" in anonymous.text or "artículo 18" in anonymous.text
        chinese = c.get("/zh/learning/" + MODULE)
        assert chinese.status_code == 200 and "卡塔赫纳" in chinese.text
        sign_in(c, "jo.border@example.org", "fr")
        page = c.get(f"/fr/learning/{MODULE}/documentation")
        csrf = re.search(r'name="csrf" value="([^"]*)"', page.text).group(1)
        for lesson, right in key().items():
            form = {"csrf": csrf, **{f"q{i}": str(a) for i, a in enumerate(right)}}
            r = c.post(f"/fr/learning/{MODULE}/{lesson}", data=form)
            assert r.status_code == 200 and 'id="outcome"' in r.text
        incomplete = c.post(f"/fr/learning/{MODULE}/contacts", data={"csrf": csrf, "q0": "1"})
        assert incomplete.status_code == 400
        done = c.post(
            f"/fr/learning/{MODULE}/certificate", data={"csrf": csrf, "name": "Jo Border"}
        )
        assert done.status_code == 303
        ident = done.headers["location"].rsplit("/", 1)[1]
    with TestClient(create_app(services)) as public:  # anyone verifies it, signed in or not
        page = public.get(done.headers["location"])
        assert page.status_code == 200 and "Jo Border" in page.text
        pdf = public.get(f"/api/v1/learning/certificates/{ident}.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
        assert "Jo Border" in text and "Certificat" in text and ident in text
