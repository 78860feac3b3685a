"""Verdicts of a shipment check: an LMO (or stack) against the destination's decisions.

Rules (issue 13): every declared use must be covered; processing is covered by a food or feed
approval (or a processing one); cultivation needs an environmental release decision; the latest
decision covering a use speaks for it (a prohibition on the same day wins). A stack is judged by
its own decisions, else by all of its components (with a warning saying so).

`expired`: the decision that speaks for a use is an approval whose validity ended before the day
of the check (`validUntil`, the last valid day, where the decision states one; the BCH's own
`expires` only says whether the record must be confirmed). The reason names the decision and its
end date; a later decision (a renewal) speaks instead, being the latest."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

USES = (
    "food",
    "feed",
    "processing",
    "cultivation",
    "field_trial",
    "contained_use",
    "transit",
)
# declared use -> decision scopes (bch.services.matrix.SCOPES) that cover it
USE_SCOPES: dict[str, frozenset[str]] = {
    "food": frozenset({"food"}),
    "feed": frozenset({"feed"}),
    "processing": frozenset({"processing", "food", "feed"}),
    "cultivation": frozenset({"release"}),
    "field_trial": frozenset({"fieldTrial"}),
    "contained_use": frozenset({"containedUse"}),
    "transit": frozenset({"transit"}),
}
VERDICTS = (
    "approved",
    "approved_with_conditions",
    "prohibited",
    "expired",
    "no_decision",
    "unknown_identifier",
    "ambiguous",
    "malformed",
)
# the worst verdict of several uses or components speaks for the item
_WORST = {
    "prohibited": 5,
    "expired": 4,
    "no_decision": 3,
    "approved_with_conditions": 2,
    "approved": 1,
}
_STATUS = {
    "approved": "approved",
    "approvedWithConditions": "approved_with_conditions",
    "prohibited": "prohibited",
}
_RANK = {"prohibited": 4, "approvedWithConditions": 3, "approved": 2, "pending": 1, "unknown": 0}


@dataclass(frozen=True)
class Decision:
    id: str  # record id with revision, e.g. BCH-DEC-CA-1234-1
    title: str
    date: str
    status: str  # matrix status: approved | approvedWithConditions | prohibited | pending | unknown
    scopes: tuple[str, ...]
    conditions: str | None
    url: str
    valid_until: str | None = None  # the last valid day (ISO date), where the decision says
    expired: bool = False  # valid_until is before the day of the check

    def link(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "title": self.title,
            "date": self.date,
            "status": self.status,
            "scopes": list(self.scopes),
            "url": self.url,
        }
        if self.valid_until:
            out.update(validUntil=self.valid_until, expired=self.expired)
        return out


@dataclass
class Verdict:
    verdict: str
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)


def _latest(decisions: list[Decision]) -> Decision:
    return max(decisions, key=lambda d: (d.date or "", _RANK.get(d.status, 0)))


def judge_key(
    key: str,
    shown: str,
    uses: list[str],
    index: dict[str, list[Decision]],
    memo: dict[str, Verdict] | None = None,
) -> Verdict:
    """One LMO key against the decisions that name it (`memo`: answers already given in this
    check, by key; a stack's components come back line after line)."""
    if memo is not None and key in memo:
        done = memo[key]
        return Verdict(
            done.verdict,
            list(done.reasons),
            list(done.warnings),
            list(done.decisions),
            list(done.conditions),
        )
    out = _judge_key(key, shown, uses, index)
    if memo is not None:
        memo[key] = out
        return judge_key(key, shown, uses, index, memo)
    return out


def _judge_key(key: str, shown: str, uses: list[str], index: dict[str, list[Decision]]) -> Verdict:
    own = index.get(key, [])
    per_use: list[tuple[str, str]] = []
    out = Verdict("approved")
    for use in uses:
        covering = [d for d in own if not USE_SCOPES[use].isdisjoint(d.scopes)]
        if not covering:
            per_use.append((use, "no_decision"))
            out.reasons.append(f"{shown}: no decision covers {use}")
            continue
        latest = _latest(covering)
        status = _STATUS.get(latest.status, "no_decision")
        if latest.expired and status in ("approved", "approved_with_conditions"):
            status = "expired"
        per_use.append((use, status))
        if latest not in out.decisions:
            out.decisions.append(latest)
        what = {
            "approved": "approved",
            "approved_with_conditions": "approved with conditions",
            "prohibited": "prohibited",
            "expired": "approved",
        }.get(status, f"not decided ({latest.status})")
        reason = f"{shown}: {use} {what} by {latest.id} of {latest.date}"
        if status == "expired":
            reason += f", valid until {latest.valid_until}: the approval has ended"
        out.reasons.append(reason)
        if status == "approved_with_conditions" and latest.conditions:
            out.conditions.append(latest.conditions)
    out.verdict = max((v for _, v in per_use), key=lambda v: _WORST[v], default="no_decision")
    return out


def judge(
    key: str,
    components: tuple[str, ...],
    shown: dict[str, str],
    uses: list[str],
    index: dict[str, list[Decision]],
    registered: bool,
    memo: dict[str, Verdict] | None = None,
) -> Verdict:
    """An item: a single LMO, or a stack (own decisions first, else all its components)."""
    own = judge_key(key, shown.get(key, key), uses, index, memo)
    if not components or own.verdict in ("approved", "approved_with_conditions"):
        return own
    if any(
        not USE_SCOPES[u].isdisjoint(d.scopes) for d in index.get(key, []) for u in uses
    ):  # the stack has decisions of its own for these uses: they speak
        return own
    parts = [judge_key(c, shown.get(c, c), uses, index, memo) for c in components]
    out = Verdict(max((p.verdict for p in parts), key=lambda v: _WORST[v]))
    for p in parts:
        out.reasons += p.reasons
        out.decisions += [d for d in p.decisions if d not in out.decisions]
        out.conditions += [c for c in p.conditions if c not in out.conditions]
    stack = shown.get(key, key)
    if not registered:
        out.warnings.append(f"no LMO record has the stack {stack}: it is judged by its components")
    if out.verdict in ("approved", "approved_with_conditions"):
        out.warnings.append(
            f"the stack {stack} has no decision of its own for {', '.join(uses)}; "
            "all of its components are approved"
        )
    else:
        out.reasons.insert(0, f"the stack {stack} has no decision of its own for these uses")
    return out
