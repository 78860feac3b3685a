"""Who may see what, defined once. Read surfaces never filter on their own: they ask the policy
for the caller's read scope (`read_scope`: a bch.storage.scope.ReadScope), plain data that every
engine compiles (SQL in
bch.storage.scope, the bitmap search engine for its index), so search, facets, counts, feeds,
exports, OAI-PMH and v2013 cannot leak; and for the fields to withhold (Art. 21 confidential
information).

Published records are public; drafts and publishing requests live outside `documents` and are
never reached by these reads. The accounts/workflow layer extends `Principal` with roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bch.records.fields import RecordType
from bch.storage.scope import EVERYTHING, ReadScope


@dataclass(frozen=True)
class Principal:
    """The caller: anonymous, or a user with roles scoped to a country or the Secretariat."""

    user_id: int | None = None
    email: str | None = None
    roles: frozenset[tuple[str, str | None]] = field(default_factory=frozenset)  # (role, country)
    # (role, country, schema): a role limited to some record types (e.g. nau for decisions only);
    # a (role, country) with no entry here applies to every record type.
    limits: frozenset[tuple[str, str | None, str]] = field(default_factory=frozenset)
    scope: str = "write"  # read | write: what the credential (API token, session) allows

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def has_role(self, role: str, country: str | None = None) -> bool:
        return any(r == role and (country is None or c == country) for r, c in self.roles)

    def has_role_for(self, role: str, country: str | None, schema: str) -> bool:
        """The role for this country, and not limited to record types other than `schema`."""
        if (role, country) not in self.roles:
            return False
        allowed = {s for r, c, s in self.limits if (r, c) == (role, country)}
        return not allowed or schema in allowed


ANONYMOUS = Principal()


def read_scope(principal: Principal) -> ReadScope:
    """What the principal may read: every published record, whoever asks (drafts and requests
    live outside `documents`; confidential fields are withheld by `redact`)."""
    return EVERYTHING


def may_see_confidential(principal: Principal, owner: str) -> bool:
    """Confidential fields are shown to the Secretariat and to the owning country's focal point
    and national authorized users."""
    return (
        principal.has_role("secretariat")
        or principal.has_role("nfp", owner)
        or principal.has_role("nau", owner)
    )


def redact(
    principal: Principal, rt: RecordType | None, owner: str, body: dict[str, Any]
) -> dict[str, Any]:
    if rt is None or may_see_confidential(principal, owner):
        return body
    hidden = set(rt.confidential_fields())
    return {k: v for k, v in body.items() if k not in hidden} if hidden else body


def public_actor(by: str) -> str:
    """Who acted, as shown publicly: an account's e-mail address is personal data, so the public
    sees its domain only (the Secretariat's audit log keeps the full address)."""
    if "@" not in by or by.startswith("import:"):
        return by
    return "…@" + by.rsplit("@", 1)[1]
