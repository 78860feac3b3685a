"""What an operator's probes and scraper are told about one process and its database (bch.api.
operations: GET /healthz, /readyz and /metrics): liveness without a database query, readiness
(database reachable, migrations applied, search index built, start-up warming ended), and the
figures of each scrape."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bch.storage import migrate

if TYPE_CHECKING:
    from bch.services.container import Services


def liveness(svc: Services) -> dict[str, object]:
    """What GET /healthz answers: the process is alive (no database query), and the state
    of its search index and of its start-up warming (held in memory)."""
    return {
        "status": "ok",
        "database": svc.db.name,
        "searchIndex": svc.search.index.status if svc.search.index else "off",
        "warm": svc.warming,
    }


def readiness(svc: Services) -> tuple[bool, dict[str, object]]:
    """What GET /readyz answers: ready when the database answers, every migration of this
    release is applied, the search index is built (starting its build in the background if
    it is not: the answer is then 503 "search index building") and the start-up warming has
    ended (503 "start-up warming in progress" meanwhile: a load balancer sends a process
    its readers once its first requests no longer compete with the warming; a failed
    warming does not hold it back, the requests then build what they need)."""
    problems: list[str] = []
    out: dict[str, object] = {"database": svc.db.name}
    try:
        out.update(svc.records.health())
        applied = migrate.current_revisions(svc.engine)
    except Exception as exc:  # any driver error: not reachable
        problems.append(f"database not reachable: {type(exc).__name__}")
        applied = set()
    else:
        missing = migrate.head_revisions() - applied
        if missing:
            problems.append(f"migrations not applied: {sorted(missing)}")
    out["migrations"] = sorted(applied)
    index = svc.search.index
    if index is None:
        out["searchIndex"] = "off"
    elif not problems:
        # started in the background, never built inside the probe's request (minutes on a
        # large database): "search index building" until it is ready
        out["searchIndex"] = index.start()
        if out["searchIndex"] != "ready":
            problems.append(f"search index {out['searchIndex']}")
    out["warm"] = svc.warming
    if svc.warming == "warming":
        problems.append("start-up warming in progress")
    out["status"] = "ready" if not problems else "not ready"
    out["problems"] = problems
    return not problems, out


def operations_state(svc: Services) -> dict[str, int] | None:
    """The figures GET /metrics reads at each scrape (None: the database did not answer):
    change sequence head, records, and the search index's lag (-1: not built)."""
    try:
        state = dict(svc.records.health())
    except Exception:
        return None
    index = svc.search.index
    applied = index.applied if index is not None else state["sequence"]
    state["indexLag"] = -1 if applied is None else max(0, state["sequence"] - applied)
    return state
