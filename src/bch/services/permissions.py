"""The policy matrix, defined once: who may draft, publish, delete and decide, per record type,
role and country. Drafts, workflow and every API write ask here; reads use policy.read_filter.

Outcomes: ALLOW (done directly), REQUEST (goes through a publishing/deletion request decided by
the country's focal point or the Secretariat), DENY (403; 401 for anonymous callers).

* National records of country C: C's national focal point (``nfp``) drafts, publishes and deletes
  directly and decides C's requests; C's national authorized user (``nau``, optionally limited to
  some record types) drafts and requests. The EU focal point is the ``nfp`` of ``EU``. Nobody else
  writes C's records, the Secretariat included.
* Reference records (owner SCBD): any registered user drafts and requests; the Secretariat
  validates (decides requests) and publishes directly; a contact (``contact``) is published
  directly by its author.
"""

from __future__ import annotations

from enum import StrEnum

from bch.records.fields import RecordType
from bch.services.errors import Forbidden, Unauthorized
from bch.services.policy import Principal

ROLES = ("nfp", "nau", "secretariat", "user")
COUNTRY_ROLES = frozenset({"nfp", "nau"})
SELF_PUBLISHED = frozenset({"contact"})  # reference records a registered user publishes directly


class Action(StrEnum):
    CREATE = "create"  # save a draft of a record that is not published yet
    EDIT = "edit"  # save a draft of a published record, or change someone's draft
    PUBLISH = "publish"
    DELETE = "delete"
    DECIDE = "decide"  # approve or reject a request
    READ_DRAFT = "read_draft"


class Outcome(StrEnum):
    ALLOW = "allow"
    REQUEST = "request"
    DENY = "deny"


WRITES = frozenset({Action.CREATE, Action.EDIT, Action.PUBLISH, Action.DELETE, Action.DECIDE})


def outcome(
    principal: Principal,
    action: Action,
    rt: RecordType,
    owner: str,
    *,
    author_id: int | None = None,
) -> Outcome:
    """What `principal` may do. `author_id` is the user who created the draft (or the published
    contact) concerned, when there is one."""
    if principal.is_anonymous:
        return Outcome.DENY
    if action in WRITES and principal.scope != "write":
        return Outcome.DENY
    if rt.is_national:
        return _national(principal, action, rt.name, owner.upper())
    return _reference(principal, action, rt.name, author_id)


def _national(p: Principal, action: Action, schema: str, owner: str) -> Outcome:
    if p.has_role_for("nfp", owner, schema):
        return Outcome.ALLOW
    if p.has_role_for("nau", owner, schema):
        if action in (Action.CREATE, Action.EDIT, Action.READ_DRAFT):
            return Outcome.ALLOW
        if action in (Action.PUBLISH, Action.DELETE):
            return Outcome.REQUEST
    return Outcome.DENY


def _reference(p: Principal, action: Action, schema: str, author_id: int | None) -> Outcome:
    if p.has_role("secretariat"):
        return Outcome.ALLOW
    own = author_id is None or author_id == p.user_id
    if action == Action.CREATE:
        return Outcome.ALLOW
    if action in (Action.EDIT, Action.READ_DRAFT):
        # someone else's draft is theirs; a published record is edited through a new draft
        return Outcome.ALLOW if own else Outcome.DENY
    if action in (Action.PUBLISH, Action.DELETE):
        if schema in SELF_PUBLISHED and own:
            return Outcome.ALLOW
        return Outcome.REQUEST
    return Outcome.DENY


def require(
    principal: Principal,
    action: Action,
    rt: RecordType,
    owner: str,
    *,
    author_id: int | None = None,
) -> Outcome:
    """The outcome, or Unauthorized/Forbidden with a message naming the rule."""
    result = outcome(principal, action, rt, owner, author_id=author_id)
    if result is not Outcome.DENY:
        return result
    if principal.is_anonymous:
        raise Unauthorized("sign in (Authorization: Bearer <token>) to do this")
    if action in WRITES and principal.scope != "write":
        raise Forbidden("this token is read-only")
    where = f"{rt.name} records of {owner}" if rt.is_national else f"this {rt.name} record"
    raise Forbidden(f"you may not {action.value.replace('_', ' ')} {where}")


def may_decide(principal: Principal, rt: RecordType, owner: str) -> bool:
    """Who acts on a request: the country's focal point, or the Secretariat for reference records."""
    return outcome(principal, Action.DECIDE, rt, owner) is Outcome.ALLOW
