"""Table snapshots for national nodes (issue 12 performance): `GET /api/v1/export/tables.sqlite`
answers a SQLite file holding exactly the rows a new node mirrors (bch.storage.table_snapshot),
which the node copies table by table instead of applying the dumps record by record.

A snapshot is built once per what it holds (the record types and countries asked for, and the
confidential fields the caller may see: the same read policy as the dumps, bch.services.policy)
and kept, named by the change sequence it was read at: later nodes get the same file and follow
the change feed from its sequence. One is built again when the newest is older than MAX_AGE.
Building takes a while on a large central: meanwhile the answer is 202 with Retry-After. The
build runs in a thread of the process that was asked first; the file it writes is claimed with
O_EXCL, so the other processes of `bch serve --workers N` answer 202 meanwhile too; the claim
is touched every HEARTBEAT seconds while the build runs, and one untouched for STALE seconds is
taken as the claim of a build whose process died. Only a
SQLite central builds them (404 on PostgreSQL: nodes use the dumps)."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from bch.records.identifiers import REFERENCE_OWNER
from bch.records.realms import RealmRegistry
from bch.services import derived_dump
from bch.services.documents import content_hash
from bch.services.errors import Forbidden, NotFound
from bch.services.node_pull import FIRST
from bch.services.policy import ANONYMOUS, Principal, may_see_confidential, public_actor
from bch.services.ratelimit import Limit, RateLimiter, SharedCounters
from bch.services.selection import country_codes, schema_names
from bch.storage import table_snapshot
from bch.storage.database import Database

log = logging.getLogger("bch.exports")

MAX_AGE = 6 * 3600.0  # seconds a snapshot is handed out before a newer one is built
STALE = 900.0  # seconds without a write after which a claimed build is taken as dead
# seconds between two touches of a claim while its build runs: some of its phases write nothing
# for long (the record selection: 81 s at 421,620 records), and a build must never be taken as
# dead while its process lives (another process would start the same build beside it)
HEARTBEAT = 30.0
RETRY_AFTER = 2  # seconds a node waits before asking again while one is built
# seconds the request that starts a build waits for it before answering 202: a small central
# builds its snapshot in tenths of a second, handed out at once rather than after Retry-After
FIRST_WAIT = 1.0
# one build at a time (in all the central's processes), and the newest KEPT files kept, so that
# asking for many selections costs neither the cores nor the disk; anonymous callers get the
# whole public snapshot only (one file, rebuilt every MAX_AGE at most): a selection needs a
# signed-in caller, so no anonymous caller can keep the one build busy with selections while
# the nodes wait (it would start a new build with each new selection)
KEPT = 8
# and a signed-in caller (anyone may register) starts at most this many builds of selections an
# hour (counted across the central's processes; asking again while one is built, or for a kept
# one, is not counted): a node needs one
SELECTION_BUILDS = Limit(6, 3600)
BUCKET = "selection build"


@dataclass(frozen=True)
class Ready:
    path: Path
    sequence: int
    records: int
    name: str  # the file's name
    built: float  # when (the file's mtime)


@dataclass(frozen=True)
class Building:
    retry_after: int


class TableSnapshots:
    def __init__(
        self,
        db: Database,
        registry: RealmRegistry,
        folder: Path | None,
        limiter: RateLimiter | None = None,
    ):
        self.db = db
        self.registry = registry
        self.folder = folder  # None: the central is not a SQLite file
        # builds of selections per caller ("selection build" bucket: SELECTION_BUILDS)
        self.limiter = limiter or RateLimiter({BUCKET: SELECTION_BUILDS})
        self.lock = threading.Lock()
        self.building: set[str] = set()

    @classmethod
    def for_database(
        cls, db: Database, registry: RealmRegistry, counters: SharedCounters | None = None
    ) -> TableSnapshots:
        path = table_snapshot.sqlite_path(db.engine.url.database) if db.name == "sqlite" else None
        folder = path.with_name(path.name + ".table-snapshots") if path else None
        return cls(db, registry, folder, RateLimiter({BUCKET: SELECTION_BUILDS}, counters=counters))

    def get(
        self,
        principal: Principal = ANONYMOUS,
        schemas: list[str] | None = None,
        countries: list[str] | None = None,
    ) -> Ready | Building:
        """The newest snapshot of this selection for this caller, or Building while one is
        built (started now when none is under way)."""
        if self.folder is None:
            where = "in memory" if self.db.name == "sqlite" else f"on {self.db.name}"
            raise NotFound(
                "table snapshots are built by a central on SQLite only (a database file): "
                f"this central is {where}; a node bootstraps from the dumps (/api/v1/export)"
            )
        names, codes = schema_names(self.registry, schemas or []), country_codes(countries or [])
        if principal.is_anonymous and (names or codes):
            raise Forbidden(
                "table snapshots of a selection of record types or countries are built for "
                "signed-in callers only (a national node's API token: `bch node init --token`); "
                "without one, ask for the whole public snapshot (no schemas, no countries) or "
                "use the dumps (/api/v1/export/{schema}.ndjson)",
                errors=[
                    {
                        "code": "Error.SignInRequired",
                        "path": "schemas" if names else "countries",
                        "message": "a selection needs an API token",
                    }
                ],
            )
        view = _view(principal)
        key = hashlib.sha256(f"{view}|{','.join(names)}|{','.join(codes)}".encode()).hexdigest()
        key = key[:16]
        newest = self._newest(key)
        if newest is not None and time.time() - newest.built < MAX_AGE:
            return newest
        build = self._start(key, principal, names, codes, view)
        if newest is None and build is not None:
            build.join(FIRST_WAIT)  # a small central's build is over by then: no 202 at all
            if not build.is_alive():
                newest = self._newest(key)
        return newest or Building(RETRY_AFTER)  # an older one stays good: the feed follows it

    def _newest(self, key: str) -> Ready | None:
        assert self.folder is not None
        found = []
        for path in self.folder.glob(f"tables-{key}-*.sqlite"):
            try:
                found.append((int(path.stem.rsplit("-", 1)[1]), path))
            except ValueError:
                continue
        if not found:
            return None
        sequence, path = max(found)
        meta = table_snapshot.read_meta(path)
        try:
            built = path.stat().st_mtime
        except OSError:  # replaced by a newer one meanwhile
            return None
        if not meta:
            return None
        return Ready(path, sequence, int(meta["records"]), path.name, built)

    def _start(
        self, key: str, principal: Principal, schemas: list[str], codes: list[str], view: str
    ) -> threading.Thread | None:
        """The build of this selection started in a thread, unless one is under way."""
        assert self.folder is not None
        with self.lock:
            if key in self.building:
                return None
            if self.building:
                return None  # another selection is built: this one when it is done
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = self.folder / f"tables-{key}.building"
            for claimed in self.folder.glob("tables-*.building"):
                try:
                    if time.time() - claimed.stat().st_mtime > STALE:
                        claimed.unlink(missing_ok=True)  # its builder died: build anew
                    else:
                        return None  # another process builds one
                except FileNotFoundError:
                    pass
            if schemas or codes:  # a selection: counted against the caller (signed in)
                self.limiter.hit(BUCKET, f"user:{principal.user_id}")  # over: TooManyRequests
            try:
                os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            except FileExistsError:
                return None  # another process builds it
            self.building.add(key)
        thread = threading.Thread(
            target=self._build,
            args=(key, partial, principal, schemas, codes, view),
            name="table-snapshot",
            daemon=True,
        )
        thread.start()
        return thread

    def _build(
        self,
        key: str,
        partial: Path,
        principal: Principal,
        schemas: list[str],
        codes: list[str],
        view: str,
    ) -> None:
        source = table_snapshot.sqlite_path(self.db.engine.url.database)
        assert source is not None and self.folder is not None
        started = time.monotonic()
        try:
            derived = derived_dump.meta()  # what derived the rows (a node checks it matches)
            meta = {
                "fingerprint": str(derived["fingerprint"]),
                "derivedVersion": str(derived["version"]),
                "schemas": ",".join(schemas),
                "countries": ",".join(codes),
                "view": view,
                "takenAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            }
            with _heartbeat(partial):
                facts = table_snapshot.build(
                    source,
                    partial,
                    schemas=schemas,
                    countries=codes,
                    reference_owner=REFERENCE_OWNER,
                    first=FIRST,  # the order a node loads the dumps in (bch.services.node_pull)
                    redact=self._redactor(principal),
                    public_actor=public_actor,
                    meta=meta,
                )
            os.replace(partial, self.folder / f"tables-{key}-{facts.sequence}.sqlite")
            for old in self.folder.glob(f"tables-{key}-*.sqlite"):
                if old.name != f"tables-{key}-{facts.sequence}.sqlite":
                    old.unlink(missing_ok=True)  # a download under way keeps its open file
            self._keep_newest()
            log.info(
                "table snapshot %s: %d records at sequence %d in %.1f s",
                key,
                facts.records,
                facts.sequence,
                time.monotonic() - started,
            )
        except Exception:
            log.exception("table snapshot %s failed", key)
            partial.unlink(missing_ok=True)
        finally:
            with self.lock:
                self.building.discard(key)

    def _keep_newest(self) -> None:
        """The KEPT most recently built snapshots kept, older ones removed (a download under
        way keeps its open file)."""
        assert self.folder is not None
        built = []
        for path in self.folder.glob("tables-*-*.sqlite"):
            try:
                built.append((path.stat().st_mtime, path))
            except FileNotFoundError:
                continue
        for _, path in sorted(built, reverse=True)[KEPT:]:
            path.unlink(missing_ok=True)

    def _redactor(self, principal: Principal) -> Callable[[str, str, str], tuple[str, str] | None]:
        """body, owner, schema -> (the body without the confidential fields the principal may
        not see, its hash), or None when nothing is withheld (the exports' rule)."""
        hidden: dict[str, list[str]] = {}
        for rt in self.registry.all():
            fields = sorted(rt.confidential_fields())
            if fields:
                hidden[rt.name] = fields

        def redact(body: str, owner: str, schema: str) -> tuple[str, str] | None:
            fields = hidden.get(schema)
            if not fields or may_see_confidential(principal, owner):
                return None
            seen = table_snapshot.hidden_body(body, fields)
            if seen is None:
                return None
            return seen, content_hash(orjson.loads(seen))

        return redact


@contextlib.contextmanager
def _heartbeat(claim: Path) -> Iterator[None]:
    """Touch the claim every HEARTBEAT seconds while the block runs (in a thread of its own:
    the build's phases are not interrupted); a process that dies stops touching it."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT):
            with contextlib.suppress(OSError):  # gone meanwhile: nothing to keep alive
                os.utime(claim)

    thread = threading.Thread(target=beat, name="table-snapshot-claim", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _view(principal: Principal) -> str:
    """Whose confidential fields the principal sees: 'all', some countries, or 'public'."""
    if principal.has_role("secretariat"):
        return "all"
    own = sorted({c for r, c in principal.roles if r in ("nfp", "nau") and c})
    return ",".join(own) or "public"
