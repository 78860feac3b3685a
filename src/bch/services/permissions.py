"""The policy matrix, defined once: who may draft, publish, delete and decide, per record type,
role and country, and for reference records per authorship. Drafts, workflow and every API write
ask here; reads use policy.read_scope.

Outcomes: ALLOW (done directly), REQUEST (goes through a publishing/deletion request decided by
the country's focal point or the Secretariat), DENY (403; 401 for anonymous callers).

* National records of country C: C's national focal point (``nfp``) drafts, publishes and deletes
  directly and decides C's requests; C's national authorized user (``nau``, optionally limited to
  some record types) drafts and requests. The EU focal point is the ``nfp`` of ``EU``. Nobody else
  writes C's records, the Secretariat included.
* Reference records (owner SCBD): any registered user drafts and requests; the Secretariat
  validates (decides requests) and publishes directly; a contact (``contact``) is published
  directly by its author.
* Editing an existing record is one rule for every kind: the caller saves a draft of it (the
  permission to draft), and publishing that draft makes a new revision with the outcome of
  PUBLISH for the *published* record. For a reference record the author is the user who
  published revision 1 (`Target.record_author`), never the one who saved the draft: someone
  else's contact can be proposed for change, and the Secretariat decides.
* A draft belongs to its author (and, for a national record, to the country's focal point and
  authorized users): nobody else reads, changes or publishes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bch.records.fields import RecordType
from bch.services.errors import Forbidden, Unauthorized
from bch.services.policy import Principal
from bch.storage.rows import DocumentRow

ROLES = ("nfp", "nau", "secretariat", "user")
COUNTRY_ROLES = frozenset({"nfp", "nau"})
SELF_PUBLISHED = frozenset({"contact"})  # reference records a registered user publishes directly


class Action(StrEnum):
    CREATE = "create"  # save a draft of a record that is not published yet
    EDIT = "edit"  # save a draft of a published record, or change a draft
    PUBLISH = "publish"  # publish a draft (a new record, or a new revision of a published one)
    DELETE = "delete"
    DECIDE = "decide"  # approve or reject a request
    READ_DRAFT = "read_draft"


class Outcome(StrEnum):
    ALLOW = "allow"
    REQUEST = "request"
    DENY = "deny"


WRITES = frozenset({Action.CREATE, Action.EDIT, Action.PUBLISH, Action.DELETE, Action.DECIDE})


@dataclass(frozen=True)
class Target:
    """What a permission question is about. Authorship is explicit: `published` says whether the
    record exists in `documents` (live or deleted), `record_author` who published its revision 1
    (None when that was not a user account: imported or seeded data), `draft_author` who started
    the draft concerned (None when no draft is concerned)."""

    rt: RecordType
    owner: str
    published: bool = False
    record_author: int | None = None
    draft_author: int | None = None


def outcome(principal: Principal, action: Action, target: Target) -> Outcome:
    """What `principal` may do with `target`."""
    if principal.is_anonymous:
        return Outcome.DENY
    if action in WRITES and principal.scope != "write":
        return Outcome.DENY
    if target.rt.is_national:
        return _national(principal, action, target.rt.name, target.owner.upper())
    return _reference(principal, action, target)


def _national(p: Principal, action: Action, schema: str, owner: str) -> Outcome:
    if p.has_role_for("nfp", owner, schema):
        return Outcome.ALLOW
    if p.has_role_for("nau", owner, schema):
        if action in (Action.CREATE, Action.EDIT, Action.READ_DRAFT):
            return Outcome.ALLOW
        if action in (Action.PUBLISH, Action.DELETE):
            return Outcome.REQUEST
    return Outcome.DENY


def _reference(p: Principal, action: Action, t: Target) -> Outcome:
    if p.has_role("secretariat"):
        return Outcome.ALLOW
    if action is Action.DECIDE:
        return Outcome.DENY
    if t.draft_author is not None and t.draft_author != p.user_id:
        return Outcome.DENY  # someone else's draft is theirs; propose a change in a draft of yours
    if action in (Action.CREATE, Action.EDIT, Action.READ_DRAFT):
        return Outcome.ALLOW
    if action in (Action.PUBLISH, Action.DELETE):
        authored = not t.published or t.record_author == p.user_id
        return Outcome.ALLOW if t.rt.name in SELF_PUBLISHED and authored else Outcome.REQUEST
    return Outcome.DENY


def require(principal: Principal, action: Action, target: Target) -> Outcome:
    """The outcome, or Unauthorized/Forbidden with a message naming the rule."""
    result = outcome(principal, action, target)
    if result is not Outcome.DENY:
        return result
    if principal.is_anonymous:
        raise Unauthorized("sign in (Authorization: Bearer <token>) to do this")
    if action in WRITES and principal.scope != "write":
        raise Forbidden("this token is read-only")
    rt = target.rt
    if rt.is_national:
        where = f"{rt.name} records of {target.owner}"
    elif target.draft_author is not None and target.draft_author != principal.user_id:
        where = f"someone else's draft of this {rt.name} record"
    else:
        where = f"this {rt.name} record"
    raise Forbidden(f"you may not {action.value.replace('_', ' ')} {where}")


def may_decide(principal: Principal, rt: RecordType, owner: str) -> bool:
    """Who acts on a request: the country's focal point, or the Secretariat for reference records."""
    return outcome(principal, Action.DECIDE, Target(rt, owner)) is Outcome.ALLOW


def target(
    rt: RecordType,
    owner: str,
    *,
    record: DocumentRow | None = None,
    author_of: Callable[[int], int | None] | None = None,
    draft_author: int | None = None,
) -> Target:
    """The Target of a question about `record` (live or deleted, or None for a record never
    published) and the draft started by `draft_author`, if any. `author_of(document id)` gives
    the user who published revision 1 (RecordRepository.record_author); only reference records
    ask it."""
    if record is None:
        return Target(rt, owner, draft_author=draft_author)
    author = None if rt.is_national or author_of is None else author_of(record.id)
    return Target(rt, owner, published=True, record_author=author, draft_author=draft_author)


# -- public participation (issue 14) ---------------------------------------------------------------
# Who runs consultations and forums, in one table: (what, owner kind) -> the roles that may.
# "country": a country's consultations and forums (owner = the country's code); "SCBD": the
# Secretariat's forums. A forum's own moderators (forum_members role "moderator") moderate it too,
# and its creator is one (bch.services.forums).
PARTICIPATION: dict[tuple[str, str], frozenset[str]] = {
    ("consultation.run", "country"): frozenset({"nfp", "nau"}),  # open, moderate, close, respond
    ("forum.create", "country"): frozenset({"nfp"}),
    ("forum.create", "SCBD"): frozenset({"secretariat"}),
    ("forum.moderate", "country"): frozenset({"nfp"}),
    ("forum.moderate", "SCBD"): frozenset({"secretariat"}),
}


def may_participate(principal: Principal, what: str, owner: str | None) -> bool:
    """Whether `principal` may do `what` (a key of PARTICIPATION) for `owner` (a country code or
    SCBD). Writes need a write credential."""
    if principal.is_anonymous or principal.scope != "write" or not owner:
        return False
    owner = owner.upper()
    if owner == "SCBD":
        roles = PARTICIPATION.get((what, "SCBD"), frozenset())
        return any(principal.has_role(r) for r in roles)
    roles = PARTICIPATION.get((what, "country"), frozenset())
    return any(principal.has_role(r, owner) for r in roles)


def require_participation(principal: Principal, what: str, owner: str | None) -> None:
    if may_participate(principal, what, owner):
        return
    if principal.is_anonymous:
        raise Unauthorized("sign in (Authorization: Bearer <token>) to do this")
    if principal.scope != "write":
        raise Forbidden("this token is read-only")
    doing = what.replace(".", ": ")
    raise Forbidden(f"you may not do {doing} for {owner or 'this owner'}")
