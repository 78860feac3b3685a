"""Public consultations on pending decisions (Art. 23.2 of the Protocol; issue 14 item 1).

A focal point or authorized user of a country (services/permissions.PARTICIPATION) opens a
consultation on an application: the LMO, the intended use, the documents (attachments; the
confidential ones are withheld from the public), languages, opening and closing dates, and
moderation before or after publication. The public reads it and comments until the deadline:
signed-in users, or anyone who confirms their e-mail address by the link mailed to them; an
optional attachment is checked on its content (bch.services.attachments); consent to publication
is required. Closing is computed on every read (the deadline passed) and recorded by
`close_due` (`bch consultations close-due`, run by `bch serve` too). The authority publishes a
response summary and links the final decision record, whose page links back.

Comment windows harvested from official venues are imported as consultations whose `source`
names the venue (bch.services.consultation_seed); the CSV export is in
bch.services.consultation_exports, the PDF in bch.services.consultation_pdf.

Every moderation writes an audit entry (bch.services.audit)."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bch.records.countries import country
from bch.services import audit
from bch.services.attachments import AttachmentStore
from bch.services.consultation_exports import comments_csv
from bch.services.consultation_seed import SEED, import_windows
from bch.services.cursors import decode_cursor, encode_cursor
from bch.services.errors import Conflict, NotFound, Unauthorized
from bch.services.forms import FormGuard, bad
from bch.services.numbers import MAX_ID, number_from_token
from bch.services.participation import (
    DELETED_USER,
    ParticipationMail,
    body_text,
    email_address,
    flag,
    lang_map,
    language,
    reject_unknown,
    short_text,
    when,
)
from bch.services.permissions import may_participate, require_participation
from bch.services.policy import ANONYMOUS, Principal
from bch.services.unit_of_work import UnitOfWork
from bch.storage.consultations import ConsultationRepository
from bch.storage.rows import iso_utc, utcnow

USES = ("food", "feed", "processing", "cultivation", "field_trial", "contained_use", "import")
MODERATION = ("before", "after")
ACTIONS = {  # moderation action -> (statuses it applies to, new status, reason required)
    "publish": (("pending",), "published", False),
    "reject": (("pending",), "rejected", True),
    "hide": (("published",), "hidden", True),
    "restore": (("hidden", "rejected"), "published", False),
}
_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
FIELDS = {
    "country",
    "title",
    "summary",
    "languages",
    "lmo",
    "intendedUse",
    "documents",
    "opensAt",
    "closesAt",
    "moderation",
}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def status_of(c: dict[str, Any], now: datetime) -> str:
    """scheduled | open | closed, computed from the dates (the deadline closes it on read)."""
    if c["closed_at"] is not None or now >= c["closes_at"]:
        return "closed"
    if c["opens_at"] is not None and now < c["opens_at"]:
        return "scheduled"
    return "open"


class ConsultationService:
    def __init__(
        self,
        repo: ConsultationRepository,
        uow: UnitOfWork,
        attachments: AttachmentStore,
        guard: FormGuard,
        *,
        public_url: str,
        decision_of: Callable[[str], str | None],
        name_of: Callable[[int], str],
        data_dir: Path | None = None,
        clock: Callable[[], datetime] = utcnow,
    ):
        """`decision_of(ref)`: the identifier (without revision) of the published record
        `ref`, or None; `name_of(user id)`: the name a user shows."""
        self.repo = repo
        self.uow = uow
        self.attachments = attachments
        self.guard = guard
        self.public_url = public_url
        self.decision_of = decision_of
        self.name_of = name_of
        self.data_dir = data_dir
        self.clock = clock

    # -- reading ------------------------------------------------------------------------------
    def _load(self, conn, ident: str, *, lock: bool = False) -> dict[str, Any]:
        c = self.repo.get(conn, ident, lock=lock) if _ID.match(ident or "") else None
        if c is None:
            raise NotFound(f"no consultation {ident!r}")
        return c

    def may_run(self, principal: Principal, c: dict[str, Any]) -> bool:
        return c["source"] is None and may_participate(principal, "consultation.run", c["country"])

    def _view(self, c: dict[str, Any], principal: Principal, counts: dict[str, int]) -> dict:
        runner = self.may_run(principal, c)
        docs = []
        for d in c["documents"]:
            if d.get("confidential") and not runner:
                continue  # Art. 21: confidential parts are withheld from the public
            item = {"name": d["name"], "confidential": bool(d.get("confidential"))}
            if d.get("attachment"):
                item["url"] = f"/api/v1/consultations/{c['id']}/documents/{d['attachment']}"
            else:
                item["url"] = d.get("url")
            docs.append(item)
        return {
            "id": c["id"],
            "country": c["country"],
            "countryName": c["country_name"],
            "title": c["title"],
            "summary": c["summary"],
            "languages": c["languages"],
            "lmo": c["lmo"],
            "intendedUse": c["intended_use"],
            "documents": docs,
            "withheldDocuments": sum(1 for d in c["documents"] if d.get("confidential")),
            "opensAt": iso_utc(c["opens_at"]),
            "closesAt": iso_utc(c["closes_at"]),
            "moderation": c["moderation"],
            "status": status_of(c, self.clock()),
            "external": c["source"] is not None,
            "source": c["source"],
            "response": c["response"],
            "respondedAt": iso_utc(c["responded_at"]),
            "decision": c["decision"],
            "comments": counts.get("published", 0),
            "pending": counts.get("pending", 0) if runner else None,
            "mayModerate": runner,
            "url": f"{self.public_url}/en/consultations/{c['id']}",
        }

    def list(self, principal: Principal = ANONYMOUS, country: str | None = None) -> list[dict]:
        if country is not None and not re.fullmatch(r"[A-Za-z]{2}", country):
            raise bad("country", "expected an ISO 3166 alpha-2 code, e.g. KE")
        with self.repo.reading() as conn:
            rows = self.repo.listing(conn, country=country.upper() if country else None)
            return [self._view(c, principal, self.repo.counts(conn, c["id"])) for c in rows]

    def get(self, ident: str, principal: Principal = ANONYMOUS) -> dict[str, Any]:
        with self.repo.reading() as conn:
            c = self._load(conn, ident)
            return self._view(c, principal, self.repo.counts(conn, ident))

    def _comment_view(self, k: dict[str, Any], *, private: bool = False) -> dict[str, Any]:
        out = {
            "id": k["id"],
            "author": DELETED_USER if k["deleted"] else k["author"],
            "body": k["body"],
            "language": k["language"],
            "createdAt": iso_utc(k["created_at"]),
            "attachment": (
                f"/api/v1/consultations/{k['consultation_id']}/comments/{k['id']}/attachment"
                if k["attachment_id"]
                else None
            ),
        }
        if private:
            out |= {
                "status": k["status"],
                "reason": k["reason"],
                "moderatedAt": iso_utc(k["moderated_at"]),
                "moderatedBy": k["moderated_by"],
            }
        return out

    def comments(self, ident: str, principal: Principal = ANONYMOUS) -> list[dict[str, Any]]:
        """Every published comment (every confirmed one, with its status, for the authority):
        the pages and exports."""
        return self.comments_page(ident, principal, None, None)[0]

    def comments_page(
        self, ident: str, principal: Principal, cursor: str | None, limit: int | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of `comments` after `cursor` (keyset), and the cursor of the next page."""
        position = decode_cursor(cursor)
        after = 0
        if position is not None:
            after = number_from_token(position.get("after"), "cursor", low=0, high=MAX_ID)
        statuses = ("pending", "published", "rejected", "hidden")
        with self.repo.reading() as conn:
            c = self._load(conn, ident)
            runner = self.may_run(principal, c)
            rows = self.repo.comments(
                conn,
                ident,
                statuses if runner else ("published",),
                after=after,
                limit=None if limit is None else limit + 1,
            )
        nxt = None
        if limit is not None and len(rows) > limit:
            rows = rows[:limit]
            nxt = encode_cursor({"after": rows[-1]["id"]})
        return [self._comment_view(k, private=runner) for k in rows], nxt

    def for_decision(self, identifier: str) -> list[dict[str, str]]:
        """The consultations whose final decision is this record (its page links back)."""
        with self.repo.reading() as conn:
            rows = self.repo.for_decision(conn, [identifier])
        return [{"id": c["id"], "title": c["title"]} for c in rows]

    def document(self, ident: str, attachment_id: str, principal: Principal = ANONYMOUS):
        """A document of the consultation (attachment, file path); confidential ones only for
        the authority."""
        with self.repo.reading() as conn:
            c = self._load(conn, ident)
        for d in c["documents"]:
            if d.get("attachment") == attachment_id:
                if d.get("confidential") and not self.may_run(principal, c):
                    break
                return self.attachments.open_shared(attachment_id)
        raise NotFound(f"no document {attachment_id} in consultation {ident}")

    def comment_attachment(self, ident: str, comment_id: int, principal: Principal = ANONYMOUS):
        with self.repo.reading() as conn:
            c = self._load(conn, ident)
            k = self.repo.comment(conn, comment_id)
        visible = k is not None and (k["status"] == "published" or self.may_run(principal, c))
        if not visible or k["consultation_id"] != ident or not k["attachment_id"]:
            raise NotFound(f"no attachment of comment {comment_id}")
        return self.attachments.open_shared(k["attachment_id"])

    # -- the authority ------------------------------------------------------------------------
    def create(self, principal: Principal, body: Any) -> dict[str, Any]:
        body = reject_unknown(body, FIELDS)
        code = body.get("country")
        if not isinstance(code, str) or country(code) is None:
            raise bad("country", "expected an ISO 3166 alpha-2 code (or EU), e.g. KE")
        code = code.upper()
        require_participation(principal, "consultation.run", code)
        title = lang_map(body.get("title"), "title")
        summary = lang_map(body.get("summary"), "summary", required=False, rich=True)
        langs = body.get("languages") or sorted(title)
        if not isinstance(langs, list) or not langs:
            raise bad("languages", 'expected a list of language codes, e.g. ["en", "fr"]')
        langs = [language(x, f"languages[{i}]") for i, x in enumerate(langs)]
        use = body.get("intendedUse")
        if use is not None and use not in USES:
            raise bad("intendedUse", f"expected one of {', '.join(USES)}")
        docs = self._documents(principal, body.get("documents") or [])
        opens = when(body.get("opensAt"), "opensAt") or self.clock()
        closes = when(body.get("closesAt"), "closesAt", end_of_day=True)
        if closes is None:
            raise bad("closesAt", "expected the closing date, e.g. 2026-10-19")
        if closes <= opens:
            raise bad("closesAt", "expected a closing date after the opening date")
        moderation = body.get("moderation", "before")
        if moderation not in MODERATION:
            raise bad("moderation", 'expected "before" (comments wait) or "after" publication')
        ident = f"{code}-{secrets.token_hex(4)}"
        values = {
            "id": ident,
            "country": code,
            "country_name": None,
            "title": title,
            "summary": summary,
            "languages": langs,
            "lmo": short_text(body.get("lmo"), "lmo"),
            "intended_use": use,
            "documents": docs,
            "opens_at": opens,
            "closes_at": closes,
            "moderation": moderation,
            "source": None,
            "created_by": principal.user_id,
            "created_at": self.clock(),
        }
        with self.uow(changes=False) as tx:
            self.repo.add(tx.conn, values)
            audit.write(
                tx.conn, principal.email or "-", "consultation.open", record=ident, after=values
            )
        return self.get(ident, principal)

    def _documents(self, principal: Principal, docs: Any) -> list[dict[str, Any]]:
        if not isinstance(docs, list):
            raise bad("documents", "expected a list of {name, attachment, confidential}")
        out = []
        for i, d in enumerate(docs):
            path = f"documents[{i}]"
            d = reject_unknown(d, {"name", "attachment", "url", "confidential"}, path)
            att = d.get("attachment")
            url = d.get("url")
            if isinstance(att, str) and att:
                found = self.attachments.get(principal, att)  # 404 unless the caller's upload
                name = short_text(d.get("name"), f"{path}.name") or found.name
                item = {"name": name, "attachment": found.id}
            elif isinstance(url, str) and re.match(r"^https?://\S+$", url):
                name = short_text(d.get("name"), f"{path}.name", required=True)
                item = {"name": name, "url": url}
            else:
                raise bad(path, "expected an uploaded attachment id or an http(s) url")
            item["confidential"] = flag(d.get("confidential"), f"{path}.confidential")
            out.append(item)
        return out

    def moderate(
        self, principal: Principal, ident: str, comment_id: int, action: str, reason: str | None
    ) -> dict[str, Any]:
        if action not in ACTIONS:
            raise bad("action", f"expected one of {', '.join(ACTIONS)}")
        sources, target, needs_reason = ACTIONS[action]
        reason = short_text(reason, "reason", 2000)
        if needs_reason and not reason:
            raise bad("reason", f"give the reason to {action} a comment")
        with self.uow(changes=False) as tx:
            c = self._load(tx.conn, ident)
            require_participation(principal, "consultation.run", c["country"])
            k = self.repo.comment(tx.conn, comment_id)
            if k is None or k["consultation_id"] != ident:
                raise NotFound(f"no comment {comment_id} in consultation {ident}")
            if k["status"] not in sources:
                raise Conflict(f"a {k['status']} comment cannot be {action}ed")
            values = {
                "status": target,
                "reason": reason,
                "moderated_at": self.clock(),
                "moderated_by": principal.email,
            }
            self.repo.change_comment(tx.conn, comment_id, **values)
            audit.write(
                tx.conn,
                principal.email or "-",
                f"consultation.comment.{action}",
                record=ident,
                detail={"comment": comment_id, "from": k["status"], "reason": reason},
            )
            k |= values
        return self._comment_view(k, private=True)

    def close(self, principal: Principal, ident: str) -> dict[str, Any]:
        """Close before the deadline (the authority); the deadline closes it anyway."""
        with self.uow(changes=False) as tx:
            c = self._load(tx.conn, ident, lock=True)
            require_participation(principal, "consultation.run", c["country"])
            if c["closed_at"] is None:
                now = min(self.clock(), c["closes_at"])
                self.repo.change(tx.conn, ident, closed_at=now)
                audit.write(tx.conn, principal.email or "-", "consultation.close", record=ident)
        return self.get(ident, principal)

    def close_due(self) -> list[str]:
        """Record the closing of every consultation past its deadline (idempotent)."""
        with self.uow(changes=False) as tx:
            due = self.repo.due(tx.conn, self.clock())
            for ident in due:
                c = self._load(tx.conn, ident, lock=True)
                self.repo.change(tx.conn, ident, closed_at=c["closes_at"])
                audit.write(tx.conn, "system", "consultation.close", record=ident)
        return due

    def respond(self, principal: Principal, ident: str, body: Any) -> dict[str, Any]:
        """The response summary (how the comments were taken into account) and the final
        decision record, once the consultation is closed."""
        body = reject_unknown(body, {"response", "decision"})
        response = lang_map(body.get("response"), "response", rich=True)
        decision = None
        ref = body.get("decision")
        if ref is not None:
            if not isinstance(ref, str) or not ref.strip():
                raise bad("decision", "expected the identifier of the decision record")
            decision = self.decision_of(ref.strip())
            if decision is None:
                raise bad("decision", f"no published record {ref!r}")
        with self.uow(changes=False) as tx:
            c = self._load(tx.conn, ident, lock=True)
            require_participation(principal, "consultation.run", c["country"])
            if status_of(c, self.clock()) != "closed":
                raise Conflict("the response is published after the consultation closed")
            values = {"response": response, "responded_at": self.clock(), "decision": decision}
            if c["closed_at"] is None:
                values["closed_at"] = min(self.clock(), c["closes_at"])
            self.repo.change(tx.conn, ident, **values)
            audit.write(
                tx.conn,
                principal.email or "-",
                "consultation.respond",
                record=ident,
                detail={"decision": decision},
            )
        return self.get(ident, principal)

    # -- the public ---------------------------------------------------------------------------
    def comment(
        self,
        principal: Principal,
        ident: str,
        body: dict[str, Any],
        *,
        client: str | None,
        attachment: tuple[str, bytes] | None = None,
        proof: tuple[str | None, str | None] | None = None,
        lang: str = "en",
    ) -> dict[str, Any]:
        """A comment: by a signed-in user, or by e-mail (confirmed by the link mailed). `proof`:
        the form's (formToken, honeypot); required from anonymous callers."""
        body = reject_unknown(body, {"text", "language", "name", "email", "consent", "attachment"})
        if principal.is_anonymous and proof is None:
            proof = (None, None)
        self.guard.admit(f"consultation:{ident}", proof, client)
        text = body_text(body.get("text"), "text")
        lang_ = language(body.get("language", lang), "language")
        if not flag(body.get("consent"), "consent"):
            raise bad("consent", "agree to the publication of your comment to send it")
        if principal.is_anonymous:
            email = email_address(body.get("email"), "email")
            name = short_text(body.get("name"), "name", required=True)
            if attachment is not None:
                raise Unauthorized("sign in to attach a file to a comment")
        else:
            email = None
            name = short_text(body.get("name"), "name") or self.name_of(principal.user_id or 0)
        with self.repo.reading() as conn:
            c = self._load(conn, ident)
        if c["source"] is not None:
            raise Conflict(f"comments on this consultation go to {c['source']['url']}")
        state = status_of(c, self.clock())
        if state != "open":
            raise Conflict(f"this consultation is {state}: comments are not taken")
        attachment_id = None
        uploaded = body.get("attachment")
        if uploaded is not None:
            if principal.is_anonymous:
                raise Unauthorized("sign in to attach a file to a comment")
            if not isinstance(uploaded, str):
                raise bad("attachment", "expected the id of a file you uploaded")
            attachment_id = self.attachments.get(principal, uploaded).id
        elif attachment is not None and attachment[1]:
            attachment_id = self.attachments.save(principal, attachment[0], attachment[1]).id
        token = secrets.token_urlsafe(24)
        published = "published" if c["moderation"] == "after" else "pending"
        values = {
            "consultation_id": ident,
            "user_id": principal.user_id,
            "email": email,
            "author": name,
            "body": text,
            "language": lang_,
            "attachment_id": attachment_id,
            "status": "unverified" if email else published,
            "token_sha256": token_hash(token),
            "created_at": self.clock(),
            "deleted": 0,
        }
        with self.uow(changes=False) as tx:
            comment_id = self.repo.add_comment(tx.conn, values)
            stored = self.repo.comment(tx.conn, comment_id)
            if email:
                link = f"{self.public_url}/{lang}/consultations/confirm/{token}"
                tx.record(
                    ParticipationMail(
                        email,
                        f"Confirm your comment: {next(iter(c['title'].values()))}",
                        "You sent a comment on a public consultation of the Biosafety "
                        f"Clearing-House.\n\nConfirm it (it is not published before):\n{link}\n\n"
                        "The same link lets you export or delete your comment later. If you "
                        "did not send it, ignore this mail: nothing is published.\n",
                    )
                )
        view = self._comment_view(stored, private=True)
        return view | {"token": token} if principal.is_anonymous else view

    def confirm(self, token: str) -> dict[str, Any]:
        """The commenter's link: confirms an e-mail comment (once) and shows it."""
        with self.uow(changes=False) as tx:
            k = self.repo.comment_by_token(tx.conn, token_hash(token or "-"))
            if k is None:
                raise NotFound("this link is not valid (the comment may have been deleted)")
            c = self._load(tx.conn, k["consultation_id"])
            if k["status"] == "unverified":
                if status_of(c, self.clock()) != "open":
                    raise Conflict("the consultation closed before the comment was confirmed")
                new = "published" if c["moderation"] == "after" else "pending"
                self.repo.change_comment(tx.conn, k["id"], status=new)
                k["status"] = new
        return {"consultation": c["id"], "title": c["title"]} | self._comment_view(k, private=True)

    # -- exports and seed (their own modules) -------------------------------------------------
    def export_csv(self, ident: str) -> str:
        """The published comments as CSV (bch.services.consultation_exports)."""
        return comments_csv(self.get(ident), self.comments(ident))

    def import_windows(self, path: Path | None = None) -> int:
        """Import the harvested comment windows (bch.services.consultation_seed); those
        already imported are kept. Returns how many were added."""
        path = path or ((self.data_dir / SEED) if self.data_dir else None)
        return import_windows(self.repo, self.uow, path, self.clock())

    # -- personal data ------------------------------------------------------------------------
    def comments_of(self, principal: Principal) -> list[dict[str, Any]]:
        if principal.is_anonymous:
            raise Unauthorized("sign in to see your data")
        with self.repo.reading() as conn:
            rows = self.repo.comments_of(conn, user_id=principal.user_id, email=principal.email)
        return [self._personal(k) for k in rows]

    @staticmethod
    def _personal(k: dict[str, Any]) -> dict[str, Any]:
        return {
            "consultation": k["consultation_id"],
            "comment": k["id"],
            "name": k["author"],
            "email": k["email"],
            "text": k["body"],
            "language": k["language"],
            "status": k["status"],
            "createdAt": iso_utc(k["created_at"]),
        }

    def forget(self, conn, principal: Principal | None, token: str | None = None) -> int:
        """Anonymise a person's comments in the open transaction `conn`: the text stays in the
        record of the consultation, shown as by "deleted user"; name, e-mail address and link
        go; unconfirmed comments are removed from view (rejected)."""
        if token is not None:
            k = self.repo.comment_by_token(conn, token_hash(token))
            rows = [k] if k else []
        else:
            assert principal is not None and principal.user_id is not None
            rows = self.repo.comments_of(conn, user_id=principal.user_id, email=principal.email)
        for k in rows:
            values = {
                "user_id": None,
                "email": None,
                "author": DELETED_USER,
                "token_sha256": None,
                "deleted": 1,
            }
            if k["status"] == "unverified":
                values["status"] = "rejected"
                values["reason"] = "withdrawn by its author before confirmation"
            self.repo.change_comment(conn, k["id"], **values)
        return len(rows)

    def export_by_token(self, token: str) -> dict[str, Any]:
        with self.repo.reading() as conn:
            k = self.repo.comment_by_token(conn, token_hash(token or "-"))
        if k is None:
            raise NotFound("this link is not valid (the comment may have been deleted)")
        return {"comments": [self._personal(k)]}

    def delete_by_token(self, token: str) -> int:
        with self.uow(changes=False) as tx:
            count = self.forget(tx.conn, None, token or "-")
            if not count:
                raise NotFound("this link is not valid (the comment may have been deleted)")
            audit.write(tx.conn, "commenter", "personal-data.delete", detail={"comments": count})
        return count
