"""Pages that show a public consultation show its current state to an anonymous reader (issue
15: answers kept by the page cache follow every write they were made of). A consultation's
open, comment, close and response are participation writes, which append no change and move no
data mark: so no page kept in the page cache may show them. Checked through HTTP on the real
data, on both databases: the decision page (rendered on each request) links the consultation
once its response names the decision, and the LMO page (kept in the page cache) shows what an
uncached render of it shows (a signed-in reader's), before and after each step."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from bch.storage.rows import utcnow
from tests.accounts.helpers import PASSWORD, add_user, client_for

MON810 = "/en/lmos/" + quote("MON-ØØ81Ø-6", safe="")


def test_a_consultation_is_current_on_the_pages_that_show_it(loaded_copy):
    svc = loaded_copy
    svc.form_guard.min_seconds = 0
    nfp = add_user(svc, "nfp.ca@example.org", "nfp", "CA", password=PASSWORD)
    commenter = add_user(svc, "reader@example.org", "user", password=PASSWORD)
    lmo = svc.lmos.find("MON-00810-6").record
    decision = next(
        d for field, d in lmo.referenced_by if field == "modifiedOrganisms" and d.owner == "CA"
    ).identifier
    title = "zqconsultation on MON810 (synthetic)"

    with client_for(svc) as anonymous, client_for(svc) as signed_in:
        login = {"email": "reader@example.org", "password": PASSWORD}
        assert signed_in.post("/api/v1/auth/login", json=login).status_code == 200

        def pages() -> tuple[str, str, str]:
            """The anonymous decision page and LMO page, and the uncached LMO page."""
            record = anonymous.get(f"/en/records/{decision}")
            assert record.status_code == 200
            kept = anonymous.get(MON810)
            fresh = signed_in.get(MON810)  # a signed-in reader's: rendered now, never kept
            assert kept.status_code == fresh.status_code == 200
            assert "/en/sign-out" in fresh.text and "/en/sign-out" not in kept.text
            return record.text, kept.text, fresh.text

        record, kept, fresh = pages()
        anonymous.get(MON810)  # the LMO page is now answered from the page cache
        assert title not in record and 'id="consultation-links"' not in record
        assert (title in kept) == (title in fresh)

        closes = (utcnow() + timedelta(days=5)).date().isoformat()
        con = svc.consultations.create(
            nfp,
            {
                "country": "CA",
                "title": {"en": title},
                "lmo": "MON-ØØ81Ø-6",
                "closesAt": closes,
                "moderation": "after",
            },
        )
        steps = [
            lambda: None,  # opened
            lambda: svc.consultations.comment(
                commenter,
                con["id"],
                {"text": "zqcomment (synthetic)", "language": "en", "consent": True},
                client="127.0.0.1",
            ),
            lambda: svc.consultations.close(nfp, con["id"]),
            lambda: svc.consultations.respond(
                nfp, con["id"], {"response": {"en": "Taken into account."}, "decision": decision}
            ),
        ]
        for step in steps:
            step()
            record, kept, fresh = pages()
            assert (title in kept) == (title in fresh), "the kept LMO page is not current"
            assert ("zqcomment" in kept) == ("zqcomment" in fresh)
            listed = anonymous.get("/en/consultations")
            assert listed.status_code == 200 and title in listed.text
            shown = anonymous.get(f"/en/consultations/{con['id']}")
            assert shown.status_code == 200 and title in shown.text
        # the response names the decision: its page links the consultation
        assert 'id="consultation-links"' in record and title in record
        assert "zqcomment" in shown.text
