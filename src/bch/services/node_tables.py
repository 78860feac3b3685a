"""A new SQLite node's bootstrap from the central's table snapshot (issue 12 performance):
`GET /api/v1/export/tables.sqlite` downloaded to a file beside the node's database, then its
tables copied into the node's in one transaction that also sets the cursor to the snapshot's
change sequence (bch.storage.table_bootstrap); the change feed is followed from there as after
the dumps.

Interruptions: the download goes to `<node db>.tables-<central, selection>.part` and resumes
where it stopped (Range, If-Range with the ETag the central gave); only a whole file loses its
`.part`; the copy is one transaction. A node killed anywhere starts again from what is on disk: no record
is copied twice, none is lost.

Where the snapshot cannot serve (a node on PostgreSQL, a central without snapshots or on
PostgreSQL, another version of the software: other tables or other derived rows, a node
mirroring some record types only, a node already part-way through the dumps, a selection asked
without a token or over the account's builds an hour), the node bootstraps from the dumps
(bch.services.node_pull) and says why in `bootstrap_mode`."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bch.services import derived_dump
from bch.services.node_central import CentralError, SyncReport, now, settle_item
from bch.services.unit_of_work import UnitOfWork
from bch.storage import table_bootstrap, table_snapshot
from bch.storage.database import Database
from bch.storage.node_state import NodeState, NodeStateRepository

log = logging.getLogger("bch.node")

PATH = "/api/v1/export/tables.sqlite"
WAIT = 3600.0  # seconds a node waits for the central to build a snapshot before giving up

Progress = Callable[[str, int], None] | None


class TablesRefused(Exception):
    """The snapshot cannot serve this node: it bootstraps from the dumps (the message says
    why)."""


class NodeTables:
    def __init__(self, db: Database, repo: NodeStateRepository, uow: UnitOfWork):
        self.db = db
        self.repo = repo
        self.uow = uow

    def files(self, state: NodeState) -> tuple[Path, Path, Path]:
        """The node's database file, and the snapshot's partial and whole download beside it
        (named after the central and the selection: a file of another never serves)."""
        node = table_snapshot.sqlite_path(self.db.engine.url.database)
        if self.db.name != "sqlite" or node is None:
            raise TablesRefused(f"the node is on {self.db.name}")
        what = f"{state.central_url}|{','.join(state.schemas)}|{','.join(state.countries)}"
        tag = hashlib.sha256(what.encode()).hexdigest()[:12]
        whole = node.with_name(f"{node.name}.tables-{tag}")
        return node, whole.with_name(whole.name + ".part"), whole

    def refusal(self, state: NodeState) -> str | None:
        """Why this node cannot bootstrap from a snapshot, or None."""
        if self.db.name != "sqlite":
            return f"the node is on {self.db.name}"
        if state.bootstrapped:
            return "the node is part-way through the dumps"
        lenders = {"modifiedOrganism", "organism"}
        if state.schemas and not lenders <= set(state.schemas):
            return "the node mirrors some record types only, not the LMOs and organisms"
        with self.db.reading() as conn:
            if self.repo.holds_records(conn):
                return "the node holds records already (a snapshot fills empty tables only)"
        return None

    def bootstrap(
        self,
        client: httpx.Client,
        state: NodeState,
        report: SyncReport,
        on_progress: Progress,
        *,
        sole: bool = False,
    ) -> None:
        """Download (or resume) the snapshot and copy it; TablesRefused when it cannot serve.
        `sole`: no other process opens the node's database meanwhile (`bch node sync --once`,
        not `bch serve`, whose threads open connections at any time): the downloaded file may
        then become the database (a connection opened during that swap would hold the old
        file). Without it, or with a connection open anyway, the rows are copied into it."""
        node, part, whole = self.files(state)
        if not whole.exists():
            self._download(client, state, part, whole, on_progress)
        try:
            meta = table_bootstrap.snapshot_meta(whole)
        except Exception:  # noqa: BLE001 - any unreadable file: fetched anew next round
            whole.unlink(missing_ok=True)
            raise CentralError(f"{PATH}: the file is not a table snapshot") from None
        try:
            self._check(meta, node)
        except TablesRefused:
            whole.unlink(missing_ok=True)
            raise
        sequence = int(meta["sequence"])
        how = ["copied"]

        def finish(conn) -> None:
            mode = f"tables (snapshot at central sequence {sequence}, {how[0]})"
            current = self.repo.get(conn)
            assert current is not None
            self.repo.update(
                conn,
                phase="following",
                feed_from=sequence,
                cursor=sequence,
                central_sequence=max(sequence, current.central_sequence or 0),
                central_seen_at=now(),
                bootstrapped=sorted(schemas),
                derived_from=f"central (fingerprint {derived_dump.fingerprint()[:12]})",
                bootstrap_mode=mode,
            )
            waiting = self.repo.items(conn, ("published", "requested"))
            here = self.repo.latest_revisions(conn, [i.identifier for i in waiting])
            for item in waiting:  # queued before the copy and now come back
                if item.identifier in here:
                    settle_item(self.repo, conn, item, here[item.identifier])

        schemas = [s for s in meta.get("schemas", "").split(",") if s] or state.schemas
        self.db.dispose()  # this process's idle connections closed: the node may have it alone
        started = time.monotonic()
        try:
            how[0] = "the downloaded file became the database"
            per_schema = table_bootstrap.adopt_snapshot(node, whole, finish) if sole else None
            if per_schema is None:  # another connection has it open (a bch serve)
                how[0] = "copied into the open database"
                per_schema = table_bootstrap.copy_snapshot(node, whole, finish).per_schema
        except table_bootstrap.NotEmpty as exc:
            raise TablesRefused(str(exc)) from None
        finally:
            self.db.dispose()  # a new file may be in place: connections open anew
        if not schemas:
            with self.uow() as tx:
                self.repo.update(tx.conn, bootstrapped=sorted(per_schema))
        report.bootstrapped.update(per_schema)
        log.info(
            "bootstrap from the table snapshot: %d records in %.1f s (%s)",
            sum(per_schema.values()),
            time.monotonic() - started,
            how[0],
        )
        whole.unlink(missing_ok=True)
        if on_progress:
            on_progress("tables", sum(per_schema.values()))

    def _check(self, meta: dict[str, str], node: Path) -> None:
        if meta.get("format") != str(table_snapshot.FORMAT):
            raise TablesRefused(f"a snapshot of format {meta.get('format')!r}")
        why = derived_dump.matches(
            {
                "derived": {
                    "version": int(meta.get("derivedVersion", "0")),
                    "fingerprint": meta.get("fingerprint"),
                }
            }
        )
        if why is not None:
            raise TablesRefused(why)
        mine = table_bootstrap.migration_of(node)
        if meta.get("migration") != mine:
            raise TablesRefused(
                f"the central's tables are of migration {meta.get('migration')}, the node's of "
                f"{mine}"
            )
        if meta.get("unindexed", "0") != "0":
            raise TablesRefused("the central holds records without search index entries")

    def _download(
        self,
        client: httpx.Client,
        state: NodeState,
        part: Path,
        whole: Path,
        on_progress: Progress,
    ) -> None:
        params = {"schemas": ",".join(state.schemas), "countries": ",".join(state.countries)}
        tag = part.with_name(part.name + ".etag")
        deadline = time.monotonic() + WAIT
        while True:
            have = part.stat().st_size if part.exists() and tag.exists() else 0
            headers = {}
            if have:
                headers = {"Range": f"bytes={have}-", "If-Range": tag.read_text()}
            with client.stream("GET", PATH, params=params, headers=headers) as response:
                if response.status_code == 202:
                    wait = _retry_after(response)
                    if time.monotonic() + wait > deadline:
                        raise CentralError(f"{PATH}: the central is still building the snapshot")
                    time.sleep(wait)
                    continue
                if response.status_code == 416:  # the part is whole, or of another file
                    part.unlink(missing_ok=True)
                    tag.unlink(missing_ok=True)
                    continue
                if response.status_code in (404, 405):
                    raise TablesRefused(f"the central offers no table snapshot ({PATH}: 404)")
                if response.status_code == 403:  # a selection, asked without a token
                    raise TablesRefused(
                        "the central builds snapshots of some record types or countries for "
                        "nodes with a token only (`bch node init --token`)"
                    )
                if response.status_code == 429:  # the account's builds of selections used up
                    raise TablesRefused(
                        "the central's limit of snapshot builds of a selection per account "
                        "and hour is reached (HTTP 429, Retry-After "
                        f"{response.headers.get('retry-after', '?')} s)"
                    )
                if response.status_code not in (200, 206):
                    raise CentralError(f"GET {PATH}: HTTP {response.status_code}")
                total = _total(response, have)
                if response.status_code == 200:  # from the start (a new snapshot, or no Range)
                    have = 0
                    tag.write_text(response.headers.get("etag", ""))
                with part.open("r+b" if have else "wb") as out:
                    out.seek(have)
                    out.truncate()
                    for chunk in response.iter_raw():  # as they come: a kill loses little
                        out.write(chunk)
                        have += len(chunk)
                        if on_progress:
                            on_progress("tables download", have)
            if have != total:
                raise CentralError(f"{PATH}: the download ended before its end ({have} of {total})")
            part.replace(whole)
            tag.unlink(missing_ok=True)
            return


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(60.0, max(0.1, float(response.headers.get("retry-after", "5"))))
    except ValueError:
        return 5.0


def _total(response: httpx.Response, have: int) -> int:
    """The whole file's size: Content-Length, or a 206's Content-Range total."""
    if response.status_code == 206:
        rng = response.headers.get("content-range", "")
        try:
            return int(rng.rsplit("/", 1)[1])
        except (IndexError, ValueError):
            raise CentralError(f"{PATH}: a partial answer without Content-Range") from None
    try:
        return int(response.headers["content-length"])
    except (KeyError, ValueError):
        raise CentralError(f"{PATH}: an answer without Content-Length") from None
