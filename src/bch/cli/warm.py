"""What a server process builds at its start, in a background thread, instead of in a reader's
request (issue 15 item 3): the search index, the external sources' snapshots and the name
resolver (services/matches.MatchService.warm, tens of seconds of a thread under load), the
templates of the hot pages, and the read caches' first look at the change sequence. `bch serve`
starts it in its process (one worker) or in each worker (`--workers N`), once the app (and so
its logging) is made. Its state is the services' `warming` (/healthz and /readyz answer it as
`warm`: warming, then ready or failed) and two log lines, `warm: started` and `warm: ... ready`."""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)

#: the templates of the pages of the load's mix (compiled once per process)
TEMPLATES = ("lmo.html", "lmo_truth.html", "search.html", "record.html", "base.html")


def warm(svc) -> None:
    """Build what the first requests would otherwise build (errors are logged: a request
    then builds it, as before)."""
    start = time.perf_counter()
    svc.warming = "warming"
    log.info("warm: started (search index, snapshots, resolver, templates)")
    try:
        index = getattr(svc.search, "index", None)
        if index is not None:
            index.start()  # in a thread of its own, never in this one's caller
        svc.matches.warm()  # snapshots, names by key, the resolver (functools caches)
        from bch.web.render import environment

        env = environment()
        for name in TEMPLATES:
            env.get_template(name)
        svc.read_cache.peek(("warm",))  # the change follower's first look
    except Exception:  # noqa: BLE001 - warming is an optimisation; requests build it otherwise
        log.exception("warming the server process failed")
        svc.warming = "failed"  # after its line: whoever sees the state finds the line written
        return
    log.info("warm: snapshots, resolver and templates ready in %.1f s", time.perf_counter() - start)
    svc.warming = "ready"


def start_warming(svc) -> threading.Thread:
    svc.warming = "warming"  # from now on, not once the thread runs: never "off" meanwhile
    thread = threading.Thread(target=warm, args=(svc,), name="bch-warm", daemon=True)
    thread.start()
    return thread


def warm_if_asked(svc, settings) -> threading.Thread | None:
    """Start warming unless the settings turn it off (BCH_WARM=off: the first requests that need
    each part build it, as without warming)."""
    return start_warming(svc) if settings.warm else None
