"""Online forums (issue 14 item 2): forums with discussion groups and threads, threaded replies
in any of the six languages (each post says its language), subscriptions to a thread (mail),
replies by e-mail where a mail server is configured (bch.services.forum_mail), moderation (pre-moderation,
hide/restore with a reason, bans; each one audited), scheduled opening and closing, open or
invited participation, an archive readable after closing, and the moderator's synthesis.

Who creates and moderates: services/permissions.PARTICIPATION (the Secretariat for its forums, a
country's focal point for the country's), plus the forum's own moderators. Everybody reads."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bch.services import audit
from bch.services.cursors import decode_cursor, encode_cursor
from bch.services.errors import Conflict, Forbidden, NotFound, Unauthorized
from bch.services.forms import FormGuard, bad
from bch.services.forum_mail import ForumMail
from bch.services.numbers import MAX_ID, number_from_token
from bch.services.participation import (
    DELETED_USER,
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
from bch.storage.forums import ForumRepository
from bch.storage.rows import iso_utc, utcnow

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
SEED = Path("cooperation_2014.json")
FORUM_FIELDS = {
    "id",
    "owner",
    "title",
    "description",
    "participation",
    "premoderation",
    "opensAt",
    "closesAt",
    "groups",
}


def slug(text: str) -> str:
    """An address from a title: "Participación pública" -> "participacion-publica"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def forum_state(f: dict[str, Any], now: datetime) -> str:
    """scheduled | open | closed (archived by a moderator, or past its closing date)."""
    if f["archived"] or (f["closes_at"] is not None and now >= f["closes_at"]):
        return "closed"
    if f["opens_at"] is not None and now < f["opens_at"]:
        return "scheduled"
    return "open"


class ForumService:
    def __init__(
        self,
        repo: ForumRepository,
        uow: UnitOfWork,
        guard: FormGuard,
        mail: ForumMail,
        *,
        public_url: str,
        data_dir: Path | None = None,
        clock: Callable[[], datetime] = utcnow,
    ):
        """`mail`: the notifications and the replies by mail (bch.services.forum_mail)."""
        self.repo = repo
        self.uow = uow
        self.guard = guard
        self.mail = mail
        self.public_url = public_url
        self.data_dir = data_dir
        self.clock = clock

    # -- who ----------------------------------------------------------------------------------
    def _forum(self, conn, forum_id: str) -> dict[str, Any]:
        f = self.repo.get(conn, forum_id) if _ID.match(forum_id or "") else None
        if f is None:
            raise NotFound(f"no forum {forum_id!r}")
        return f

    def _moderates(self, conn, principal: Principal, f: dict[str, Any]) -> bool:
        if principal.is_anonymous or principal.scope != "write":
            return False
        if may_participate(principal, "forum.moderate", f["owner"]):
            return True
        return self.repo.role(conn, f["id"], principal.user_id) == "moderator"

    def _may_post(self, conn, principal: Principal, f: dict[str, Any]) -> bool:
        """Raises when the principal may not post; True when they moderate the forum."""
        if principal.is_anonymous:
            raise Unauthorized("sign in to take part in a forum")
        if principal.scope != "write":
            raise Forbidden("this token is read-only")
        state = forum_state(f, self.clock())
        if state != "open":
            raise Conflict(f"this forum is {state}: it takes no posts")
        moderator = self._moderates(conn, principal, f)
        role = self.repo.role(conn, f["id"], principal.user_id)
        if role == "banned":
            raise Forbidden("you are banned from this forum")
        if f["participation"] == "invited" and not moderator and role != "invited":
            raise Forbidden("this forum is open to invited participants only")
        return moderator

    # -- forums -------------------------------------------------------------------------------
    def may_create(self, principal: Principal) -> list[str]:
        """The owners the principal may create forums for (SCBD and/or their countries)."""
        owners = {c for _r, c in principal.roles if c} | {"SCBD"}
        return sorted(o for o in owners if may_participate(principal, "forum.create", o))

    def create(self, principal: Principal, body: Any) -> dict[str, Any]:
        body = reject_unknown(body, FORUM_FIELDS)
        owner = body.get("owner", "SCBD")
        if not isinstance(owner, str) or not re.fullmatch(r"[A-Za-z]{2}|SCBD", owner):
            raise bad("owner", 'expected "SCBD" (the Secretariat) or a country code, e.g. KE')
        owner = owner.upper()
        require_participation(principal, "forum.create", owner)
        title = lang_map(body.get("title"), "title")
        ident = body.get("id") or slug(next(iter(title.values())))
        ident = ident.strip("-")[:48] if isinstance(ident, str) else ""
        if not _ID.match(ident) or ident in ("threads", "posts", "mail"):
            raise bad("id", "expected lower-case letters, digits and dashes, e.g. gm-labelling")
        participation = body.get("participation", "open")
        if participation not in ("open", "invited"):
            raise bad("participation", 'expected "open" or "invited"')
        opens = when(body.get("opensAt"), "opensAt")
        closes = when(body.get("closesAt"), "closesAt", end_of_day=True)
        if opens and closes and closes <= opens:
            raise bad("closesAt", "expected a closing date after the opening date")
        groups = body.get("groups") or []
        if not isinstance(groups, list):
            raise bad("groups", "expected a list of discussion group titles by language")
        group_titles = [lang_map(g, f"groups[{i}]") for i, g in enumerate(groups)]
        values = {
            "id": ident,
            "owner": owner,
            "title": title,
            "description": lang_map(body.get("description"), "description", required=False),
            "participation": participation,
            "premoderation": int(flag(body.get("premoderation"), "premoderation")),
            "opens_at": opens,
            "closes_at": closes,
            "archived": 0,
            "source": None,
            "created_by": principal.user_id,
            "created_at": self.clock(),
        }
        with self.uow(changes=False) as tx:
            if self.repo.get(tx.conn, ident) is not None:
                raise Conflict(f"a forum {ident!r} exists already")
            self.repo.add(tx.conn, values, group_titles)
            self.repo.set_role(tx.conn, ident, principal.user_id, "moderator")
            audit.write(tx.conn, principal.email or "-", "forum.create", record=f"forum:{ident}")
        return self.forum(ident, principal)

    def _forum_view(self, conn, f: dict[str, Any], principal: Principal) -> dict[str, Any]:
        return {
            "id": f["id"],
            "owner": f["owner"],
            "title": f["title"],
            "description": f["description"],
            "participation": f["participation"],
            "premoderation": bool(f["premoderation"]),
            "opensAt": iso_utc(f["opens_at"]),
            "closesAt": iso_utc(f["closes_at"]),
            "state": forum_state(f, self.clock()),
            "source": f["source"],
            "mayModerate": self._moderates(conn, principal, f),
        }

    def forums(self, principal: Principal = ANONYMOUS) -> list[dict[str, Any]]:
        with self.repo.reading() as conn:
            return [self._forum_view(conn, f, principal) for f in self.repo.listing(conn)]

    def forum(self, forum_id: str, principal: Principal = ANONYMOUS) -> dict[str, Any]:
        with self.repo.reading() as conn:
            f = self._forum(conn, forum_id)
            view = self._forum_view(conn, f, principal)
            view["groups"] = [
                {"id": g["id"], "title": g["title"]} for g in self.repo.groups(conn, f["id"])
            ]
            view["threads"] = [
                {
                    "id": t["id"],
                    "group": t["group_id"],
                    "title": t["title"],
                    "language": t["language"],
                    "posts": t["posts"],
                    "createdAt": iso_utc(t["created_at"]),
                }
                for t in self.repo.threads(conn, f["id"])
            ]
        return view

    def archive(self, principal: Principal, forum_id: str) -> dict[str, Any]:
        """Close the forum now: it stays readable (the archive), takes no more posts."""
        with self.uow(changes=False) as tx:
            f = self._forum(tx.conn, forum_id)
            if not self._moderates(tx.conn, principal, f):
                raise Forbidden("only the forum's moderators close it")
            self.repo.change(tx.conn, forum_id, archived=1)
            audit.write(tx.conn, principal.email or "-", "forum.close", record=f"forum:{forum_id}")
        return self.forum(forum_id, principal)

    def set_member(
        self, principal: Principal, forum_id: str, email_: str, role: str, reason: str | None
    ) -> dict[str, Any]:
        """Invite, make moderator, ban (with a reason) or lift a ban ("none") of a user."""
        if role not in ("invited", "moderator", "banned", "none"):
            raise bad("role", 'expected "invited", "moderator", "banned" or "none"')
        address = email_address(email_, "email")
        reason = short_text(reason, "reason", 2000)
        if role == "banned" and not reason:
            raise bad("reason", "give the reason of the ban")
        with self.uow(changes=False) as tx:
            f = self._forum(tx.conn, forum_id)
            if not self._moderates(tx.conn, principal, f):
                raise Forbidden("only the forum's moderators manage its participants")
            user_id = self.repo.user_id_of(tx.conn, address)
            if user_id is None:
                raise NotFound(f"no user {address}")
            self.repo.set_role(tx.conn, forum_id, user_id, role, reason)
            audit.write(
                tx.conn,
                principal.email or "-",
                f"forum.member.{role}",
                record=f"forum:{forum_id}",
                detail={"user": user_id, "reason": reason},
            )
        return {"forum": forum_id, "email": address, "role": role, "reason": reason}

    # -- threads and posts --------------------------------------------------------------------
    def start_thread(
        self,
        principal: Principal,
        forum_id: str,
        body: Any,
        *,
        client: str | None = None,
        proof: tuple[str | None, str | None] | None = None,
        via: str = "api",
    ) -> dict[str, Any]:
        body = reject_unknown(body, {"title", "text", "language", "group"})
        self.guard.admit(f"forum:{forum_id}", proof, client)
        title = short_text(body.get("title"), "title", 300, required=True)
        text = body_text(body.get("text"), "text")
        lang = language(body.get("language"), "language")
        with self.uow(changes=False) as tx:
            f = self._forum(tx.conn, forum_id)
            moderator = self._may_post(tx.conn, principal, f)
            group = body.get("group")
            if group is not None:
                ids = {g["id"] for g in self.repo.groups(tx.conn, forum_id)}
                if group not in ids:
                    raise bad("group", f"expected one of the forum's groups: {sorted(ids)}")
            thread_id = self.repo.add_thread(
                tx.conn,
                {
                    "forum_id": forum_id,
                    "group_id": group,
                    "title": title,
                    "language": lang,
                    "user_id": principal.user_id,
                    "created_at": self.clock(),
                },
            )
            self._add_post(tx, f, thread_id, principal, text, lang, None, False, moderator, via)
            self.repo.subscribe(tx.conn, thread_id, principal.user_id)
        return self.thread(thread_id, principal)

    def _add_post(self, tx, f, thread_id, principal, text, lang, parent, synthesis, moderator, via):
        pending = f["premoderation"] and not moderator
        post_id = self.repo.add_post(
            tx.conn,
            {
                "thread_id": thread_id,
                "parent_id": parent,
                "user_id": principal.user_id,
                "author": self.repo.display_name(tx.conn, principal.user_id),
                "body": text,
                "language": lang,
                "status": "pending" if pending else "published",
                "reason": None,
                "synthesis": int(synthesis),
                "via": via,
                "created_at": self.clock(),
            },
        )
        if not pending:
            self._notify(tx, thread_id, post_id)
        return post_id

    def _notify(self, tx, thread_id: int, post_id: int) -> None:
        """Mail the thread's subscribers (but the author) a published post, after commit."""
        post = self.repo.post(tx.conn, post_id)
        thread = self.repo.thread(tx.conn, thread_id)
        assert post is not None and thread is not None
        for user_id, address in self.repo.subscribers(tx.conn, thread_id):
            if user_id != post["user_id"]:
                tx.record(self.mail.notification(thread, post, user_id, address))

    def reply(
        self,
        principal: Principal,
        thread_id: int,
        body: Any,
        *,
        client: str | None = None,
        proof: tuple[str | None, str | None] | None = None,
        via: str = "api",
    ) -> dict[str, Any]:
        body = reject_unknown(body, {"text", "language", "parent", "synthesis"})
        self.guard.admit(f"thread:{thread_id}", proof, client)
        text = body_text(body.get("text"), "text")
        lang = language(body.get("language"), "language")
        synthesis = flag(body.get("synthesis"), "synthesis")
        with self.uow(changes=False) as tx:
            thread = self.repo.thread(tx.conn, thread_id)
            if thread is None:
                raise NotFound(f"no thread {thread_id}")
            f = self._forum(tx.conn, thread["forum_id"])
            moderator = self._may_post(tx.conn, principal, f)
            if synthesis and not moderator:
                raise Forbidden("the synthesis is posted by a moderator")
            parent = body.get("parent")
            if parent is not None:
                p = self.repo.post(tx.conn, parent) if isinstance(parent, int) else None
                if p is None or p["thread_id"] != thread_id:
                    raise bad("parent", "expected the id of a post of this thread")
            post_id = self._add_post(
                tx, f, thread_id, principal, text, lang, parent, synthesis, moderator, via
            )
            post = self.repo.post(tx.conn, post_id)
        return self._post_view(post, private=True)

    @staticmethod
    def _post_view(p: dict[str, Any], *, private: bool = False) -> dict[str, Any]:
        shown = p["status"] == "published" or private
        out = {
            "id": p["id"],
            "parent": p["parent_id"],
            "author": p["author"] or DELETED_USER,
            "body": p["body"] if shown else None,
            "language": p["language"],
            "status": p["status"],
            "synthesis": bool(p["synthesis"]),
            "via": p["via"],
            "createdAt": iso_utc(p["created_at"]),
            "reason": p["reason"] if p["status"] == "hidden" or private else None,
        }
        return out

    def thread(
        self,
        thread_id: int,
        principal: Principal = ANONYMOUS,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        """The thread with its posts as a tree (replies under their parent). The public sees
        published posts and, for hidden ones, the reason only; moderators see everything.
        `limit` posts at most after `cursor`, in the order sent (`next`: the following page's
        cursor, or None); a reply whose parent is on an earlier page starts the tree."""
        after = 0
        position = decode_cursor(cursor)
        if position is not None:
            after = number_from_token(position.get("after"), "cursor", low=0, high=MAX_ID)
        with self.repo.reading() as conn:
            t = self.repo.thread(conn, thread_id)
            if t is None:
                raise NotFound(f"no thread {thread_id}")
            f = self._forum(conn, t["forum_id"])
            moderator = self._moderates(conn, principal, f)
            subscribed = principal.user_id is not None and principal.user_id in {
                u for u, _ in self.repo.subscribers(conn, thread_id)
            }
            posts = self.repo.posts(conn, thread_id)
            forum = self._forum_view(conn, f, principal)
        ids_in_order = [p["id"] for p in posts]
        if after in ids_in_order:  # the order sent: (created_at, id)
            posts = posts[ids_in_order.index(after) + 1 :]
        elif after:
            posts = [p for p in posts if p["id"] > after]
        views = []
        for p in posts:
            if p["status"] == "pending" and not (moderator or p["user_id"] == principal.user_id):
                continue
            views.append(self._post_view(p, private=moderator))
        nxt = None
        if limit is not None and len(views) > limit:
            views = views[:limit]
            nxt = encode_cursor({"after": views[-1]["id"]})
        by_parent: dict[Any, list[dict]] = {}
        ids = {v["id"] for v in views}
        for v in views:
            by_parent.setdefault(v["parent"] if v["parent"] in ids else None, []).append(v)

        def tree(parent: Any, depth: int) -> list[dict]:
            out = []
            for v in by_parent.get(parent, []):
                out.append(v | {"depth": depth, "replies": tree(v["id"], depth + 1)})
            return out

        return {
            "id": t["id"],
            "forum": forum,
            "group": t["group_id"],
            "title": t["title"],
            "language": t["language"],
            "createdAt": iso_utc(t["created_at"]),
            "posts": tree(None, 0),
            "next": nxt,
            "subscribed": subscribed,
            "replyByMail": self.mail.reply_domain is not None,
        }

    def moderate(
        self, principal: Principal, post_id: int, action: str, reason: str | None
    ) -> dict[str, Any]:
        """publish (a pending post), hide (with a reason) or restore a post."""
        targets = {
            "publish": ("pending",),
            "hide": ("published", "pending"),
            "restore": ("hidden",),
        }
        if action not in targets:
            raise bad("action", 'expected "publish", "hide" or "restore"')
        reason = short_text(reason, "reason", 2000)
        if action == "hide" and not reason:
            raise bad("reason", "give the reason to hide a post")
        with self.uow(changes=False) as tx:
            p = self.repo.post(tx.conn, post_id)
            if p is None:
                raise NotFound(f"no post {post_id}")
            t = self.repo.thread(tx.conn, p["thread_id"])
            f = self._forum(tx.conn, t["forum_id"])
            if not self._moderates(tx.conn, principal, f):
                raise Forbidden("only the forum's moderators moderate its posts")
            if p["status"] not in targets[action]:
                raise Conflict(f"a {p['status']} post cannot be {action}d")
            new = "hidden" if action == "hide" else "published"
            values = {
                "status": new,
                "reason": reason,
                "moderated_at": self.clock(),
                "moderated_by": principal.email,
            }
            self.repo.change_post(tx.conn, post_id, **values)
            audit.write(
                tx.conn,
                principal.email or "-",
                f"forum.post.{action}",
                record=f"forum:{f['id']}",
                detail={"post": post_id, "from": p["status"], "reason": reason},
            )
            if p["status"] == "pending" and new == "published":
                self._notify(tx, p["thread_id"], post_id)
            p |= values
        return self._post_view(p, private=True)

    def subscribe(self, principal: Principal, thread_id: int, on: bool = True) -> dict[str, Any]:
        if principal.is_anonymous:
            raise Unauthorized("sign in to follow a thread")
        with self.uow(changes=False) as tx:
            if self.repo.thread(tx.conn, thread_id) is None:
                raise NotFound(f"no thread {thread_id}")
            if on:
                self.repo.subscribe(tx.conn, thread_id, principal.user_id)
            else:
                self.repo.unsubscribe(tx.conn, thread_id, principal.user_id)
        return {"thread": thread_id, "subscribed": on}

    def unsubscribe_by_link(self, thread_id: int, token: str | None) -> dict[str, Any]:
        """The one-click unsubscribe link of a thread's mails (no sign-in: the signed token
        names the subscriber)."""
        user_id = self.mail.unsubscribed_user(thread_id, token)
        with self.uow(changes=False) as tx:
            if self.repo.thread(tx.conn, thread_id) is None:
                raise NotFound(f"no thread {thread_id}")
            self.repo.unsubscribe(tx.conn, thread_id, user_id)
        return {"thread": thread_id, "subscribed": False}

    # -- reply by mail (bch.services.forum_mail) ----------------------------------------------
    def ingest_mail(self, raw: bytes) -> dict[str, Any]:
        """A reply by e-mail (an RFC 822 message): posted in the thread its signed address
        names, as the user it was sent to, after the same checks as a reply on the web."""
        thread_id, user_id, text = self.mail.read_reply(raw)
        with self.repo.reading() as conn:
            address = self.repo.email_of(conn, user_id)
            t = self.repo.thread(conn, thread_id)
        if address is None or t is None:
            raise NotFound("the thread or the participant no longer exists")
        principal = Principal(user_id=user_id, email=address)
        body = {"text": text, "language": t["language"]}
        return self.reply(principal, thread_id, body, via="mail")

    # -- seed: the forums the Secretariat ran with the Aarhus Convention secretariat ---------
    def import_archive(self, path: Path | None = None) -> int:
        """The online forums documented in the Secretariat's 2014 note on cooperation
        (data/cooperation_2014.json): closed, EMPTY (their posts are not in the data), with
        their documented discussion groups."""
        import json

        path = path or ((self.data_dir / SEED) if self.data_dir else None)
        if path is None or not path.is_file():
            return 0
        data = json.loads(path.read_text(encoding="utf-8"))
        added = 0
        with self.uow(changes=False) as tx:
            for a in data.get("activities", []):
                orgs = " ".join(a.get("organizations", []))
                if "Aarhus" not in orgs or not a.get("title", "").startswith("Online forum"):
                    continue
                ident = f"aarhus-{a.get('year')}-" + re.sub(
                    r"[^a-z0-9]+", "-", a["title"].lower()
                ).strip("-")
                ident = ident[:64].strip("-")
                if self.repo.get(tx.conn, ident) is not None:
                    continue
                groups = [{"en": g} for g in a.get("discussion_groups", [])]
                # a forum another server seeds at the same moment is left alone (not counted)
                added += self.repo.add_if_absent(
                    tx.conn,
                    {
                        "id": ident,
                        "owner": "SCBD",
                        "title": {"en": a["title"]},
                        "description": {},
                        "participation": "invited",
                        "premoderation": 0,
                        "opens_at": None,
                        "closes_at": None,
                        "archived": 1,
                        "source": {
                            "file": str(SEED),
                            "year": a.get("year"),
                            "organizations": a.get("organizations", []),
                            "note": "documented in the Secretariat's note to COP-MOP 7 (2014); "
                            "its posts are not in the data",
                        },
                        "created_by": None,
                        "created_at": self.clock(),
                    },
                    groups,
                )
        return added

    # -- personal data ------------------------------------------------------------------------
    def personal(self, principal: Principal) -> dict[str, Any]:
        with self.repo.reading() as conn:
            posts = self.repo.posts_of(conn, principal.user_id)
            subs = self.repo.subscriptions_of(conn, principal.user_id)
            roles = self.repo.memberships_of(conn, principal.user_id)
        return {
            "forumPosts": [
                {
                    "post": p["id"],
                    "thread": p["thread_id"],
                    "text": p["body"],
                    "language": p["language"],
                    "status": p["status"],
                    "createdAt": iso_utc(p["created_at"]),
                }
                for p in posts
            ],
            "subscriptions": subs,
            "forumRoles": [{"forum": r["forum_id"], "role": r["role"]} for r in roles],
        }

    def forget(self, conn, principal: Principal) -> int:
        count = self.repo.anonymise_posts(conn, principal.user_id, DELETED_USER)
        self.repo.forget_user(conn, principal.user_id)
        return count
