"""`bch serve` and `bch import`: the application and its shipped data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bch.cli.common import DatabaseOpt, console, database_url, load_settings, open_services
from bch.settings import DEFAULT_PORT

app = typer.Typer()  # its commands are top-level: `bch serve`, `bch import`

# uvicorn's httptools protocol, each answer's head and body in one write (cli/http_protocol.py)
HTTP_PROTOCOL = "bch.cli.http_protocol:OneWriteHttpProtocol"


def run_import(svc, data_dir: Path | None, *, first_load: bool = False) -> None:
    """Load the shipped data with a progress bar. `first_load`: only into an empty database
    (another server starting at the same time may load it first: then this one waits)."""
    from bch.importer.run import import_shipped
    from bch.storage.sqlite_locking import STARTUP_WAIT

    with Progress(
        TextColumn("[bold]Loading shipped data"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("records", total=None)
        summary = import_shipped(
            svc,
            data_dir,
            only_if_empty=first_load,
            wait=STARTUP_WAIT if first_load else None,
            on_start=lambda n: progress.update(task, total=n),
            on_step=lambda: progress.advance(task),
        )
    if summary is None:
        console.print("Another process loaded the data meanwhile: nothing to load.")
        return
    if not summary.changed:
        console.print("Nothing changed: the database already holds the shipped data.")
        return
    for schema, n in sorted(summary.published.items()):
        console.print(f"  {schema}: {n} published")
    unchanged = sum(summary.unchanged.values())
    if unchanged:
        console.print(f"  {unchanged} records unchanged")
    console.print(
        f"  detection methods: {summary.detection_methods} "
        f"({summary.detection_methods_changed} added or changed)"
    )
    console.print(f"  {summary.warnings} validation warnings recorded on imported revisions")
    for schema, n in sorted(summary.retired.items()):
        console.print(f"  {schema}: {n} merged as duplicates (tombstoned)")
    checks = {k: v for k, v in summary.report.items() if k.startswith("check_") and v}
    if checks:
        console.print(
            "  data check: " + ", ".join(f"{k[6:]} {v}" for k, v in sorted(checks.items()))
        )


@app.command("import")
def import_cmd(
    database: DatabaseOpt = None,
    data_dir: Annotated[Path | None, typer.Option(help="Folder of the shipped data")] = None,
):
    """Load the shipped real data (idempotent: a second run changes nothing and says so).
    Refused on a national node: its records are the central's (docs/NODES.md)."""
    svc, url = open_services(database)
    console.print(f"Database: {url}")
    try:
        if svc.node.state() is not None:
            console.print(
                "[red]error:[/red] this database is a national node: its records come from "
                "the central (`bch node sync`), never from the shipped data",
                highlight=False,
            )
            raise typer.Exit(2)
        run_import(svc, data_dir)
    finally:
        svc.close()


def worker_app():
    """The application of one worker process of `bch serve --workers N` (uvicorn's app
    factory, `bch.cli.server:worker_app`): its settings come from the environment the command
    set before starting the workers (settings.export_to_workers)."""
    from bch.cli import heap

    with heap.start_up():  # no collection while it imports and builds (bch/cli/heap.py)
        from bch.api.app import create_app
        from bch.cli.warm import warm_if_asked
        from bch.cli.worker_parent import end_with_parent
        from bch.services.container import Services

        settings = load_settings()
        end_with_parent(settings.shutdown_grace)  # a supervisor killed with SIGKILL leaves none
        _hold_database(settings.database_url)  # the supervisor holds it too; this one if it dies
        svc = Services.open(settings.database_url, settings=settings)
        app = create_app(svc)
        warm_if_asked(svc, settings)  # snapshots, resolver, index: built now, never in a request
        heap.settle()
    return app


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="TCP port")] = DEFAULT_PORT,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    database: DatabaseOpt = None,
    empty: Annotated[bool, typer.Option("--empty", help="Do not load the shipped data")] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, max=256, help="Worker processes on the port (default: BCH_WORKERS, else cores)"
        ),
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="Trusted reverse proxies: addresses or networks, '*' or 'none' "
            "(sets BCH_FORWARDED_ALLOW_IPS)"
        ),
    ] = None,
):
    """Serve the web UI and API. An empty database is loaded with the shipped data first.
    With several workers, every process serves the same port and database; rate limits,
    sign-in back-off, sessions and the search index stay correct across them."""
    from bch.cli import heap

    with heap.start_up():  # no collection while the process starts (bch/cli/heap.py)
        _serve(port, host, database, empty, workers, forwarded_allow_ips)


def _serve(
    port: int,
    host: str,
    database: str | None,
    empty: bool,
    workers: int | None,
    forwarded_allow_ips: str | None,
) -> None:
    import os

    import uvicorn

    from bch.cli import heap, metrics_dir
    from bch.settings import SettingsError, export_to_workers

    settings = load_settings()  # a bad setting: its message, exit code 2, nothing started
    if forwarded_allow_ips is not None:
        try:
            settings = settings.with_variables({"BCH_FORWARDED_ALLOW_IPS": forwarded_allow_ips})
        except SettingsError as exc:
            console.print(f"[red]error:[/red] --forwarded-allow-ips: {exc}", highlight=False)
            raise typer.Exit(2) from None
    if "BCH_PUBLIC_URL" not in settings.given:  # absolute URLs name this server, never a Host
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        shown = f"[{shown}]" if ":" in shown else shown  # an IPv6 address
        settings = settings.with_(public_url=f"http://{shown}:{port}")
    n = workers or settings.workers or os.cpu_count() or 1
    # on SIGTERM, requests in progress get BCH_SHUTDOWN_GRACE seconds to finish, then they are
    # cancelled: the event streams nodes keep open (/api/v1/changes/stream) end only when their
    # reader goes, and held a stopping server for up to their 10-minute lifetime
    grace = settings.shutdown_grace
    _hold_database(database_url(database, settings))  # before the file is opened
    svc, url = open_services(database, settings)
    console.print(f"Database: {url}")
    node = svc.node.state()
    if node is not None:  # a national node mirrors the central instead (docs/NODES.md)
        sync = "syncing in the background" if settings.node_sync else "BCH_NODE_SYNC=off"
        console.print(f"National node of {node.central_url} ({node.country}), {sync}")
        if not empty:  # reference data only: records come from the central, nothing else
            from bch.importer.run import import_reference

            with heap.collecting():
                changed = import_reference(svc)
            console.print(f"Detection methods (shipped reference data): {changed} changed.")
    elif not empty and svc.is_empty():
        console.print("Empty database: loading the shipped real data first.")
        with heap.collecting():
            run_import(svc, None, first_load=True)
    if not empty and node is None:  # public participation (issue 14): the central's only
        added = _seed_participation(svc)
        closed = svc.consultations.close_due()
        console.print(f"Consultations: {added} imported, {len(closed)} closed at their deadline.")
    console.print(f"Serving on http://{host}:{port} with {n} worker process{'es' * (n > 1)}")
    console.print(
        f"Public URL: {settings.public_url} (BCH_PUBLIC_URL); "
        f"OAI namespace {settings.oai_namespace}"
    )
    stop = None
    if settings.alerts_worker:  # the alert mails go out from this process (issue 14)
        from bch.cli.alerts import start_worker

        _thread, stop = start_worker(svc)
        console.print("Alerts worker: on (BCH_ALERTS_WORKER=0 leaves it to `bch alerts run`)")
    # uvicorn's options of one process and of several workers alike
    served = dict(
        host=host,
        port=port,
        log_level="info",
        # proxy headers are read by the app itself, from trusted proxies only
        # (BCH_FORWARDED_ALLOW_IPS)
        proxy_headers=False,
        access_log=False,  # the app logs every request itself (api/observability.py)
        http=HTTP_PROTOCOL,
        ws="none",  # no WebSocket route: an upgrade is answered as plain HTTP
        timeout_graceful_shutdown=grace,
    )
    if n == 1:
        # imported here: a supervisor of several workers never builds the app (each worker
        # imports and builds its own): 1.14 -> 0.78 s of CPU at its start
        from bch.api.app import create_app
        from bch.cli.warm import warm_if_asked

        application = create_app(svc)  # first: it sets up the logging warming's lines go to
        warm_if_asked(svc, settings)  # snapshots, resolver, index: built now, never in a request
        heap.settle()
        try:
            uvicorn.run(application, **served)
        finally:
            _stop_background(svc, stop)
        return
    # several workers: the background loops (alert mails, a node's sync) run once, in this
    # supervising process, never once per worker; each worker opens its own services
    node_stop = None
    if node is not None and settings.node_sync:
        import threading

        node_stop = threading.Event()
        threading.Thread(
            target=svc.node.run, args=(node_stop,), name="bch-node-sync", daemon=True
        ).start()
    # the workers' metrics: prometheus_client's multiprocess files, summed by any worker's
    # /metrics; a new directory per run, removed at the end, and those of killed supervisors
    # removed at the start (bch.cli.metrics_dir)
    metrics = metrics_dir.claim()
    # the anonymous pages one worker renders, taken by the others (services/shared_pages.py):
    # in the run's folder too (pages of another run may be of another code or settings)
    pages_dir = metrics.subfolder("pages")
    export_to_workers(
        {
            "PROMETHEUS_MULTIPROC_DIR": metrics.path,
            "BCH_DATABASE_URL": url,
            "BCH_PUBLIC_URL": settings.public_url,
            "BCH_FORWARDED_ALLOW_IPS": ",".join(settings.forwarded_allow_ips) or "none",
            "BCH_WORKERS": str(n),
            "BCH_SHARED_PAGES_DIR": pages_dir,
            "BCH_NODE_SYNC": "off",
            "BCH_ALERTS_WORKER": "0",
        }
    )
    heap.settle()
    try:
        uvicorn.run(
            "bch.cli.server:worker_app",
            factory=True,
            workers=n,
            # a worker busy with a long request (an index build) on a loaded machine may answer
            # the supervisor's ping late: uvicorn's 5 s would kill and restart it mid-request
            timeout_worker_healthcheck=30,
            **served,
        )
    finally:
        metrics.release()  # the pages with it
        _stop_background(svc, stop)
        if node_stop is not None:
            node_stop.set()
            svc.node.wake.set()


def _hold_database(url: str) -> None:
    """The shared lock of a SQLite database, held until the process ends (never released: the
    server has the file open as long as it lives): a node's snapshot adoption never renames a
    file over the database this server opened (bch.storage.database_lock); while one runs,
    this waits for it."""
    from bch.storage import database_lock

    def waiting() -> None:
        console.print(
            "Waiting: `bch node sync --once` is making the downloaded table snapshot this "
            "node's database file; serving starts when it is done.",
            highlight=False,
        )

    fd = database_lock.hold_shared(url, on_wait=waiting)
    if fd is not None:
        _HELD.append(fd)


_HELD: list[int] = []  # the lock descriptors this process holds (bch.storage.database_lock)


def _seed_participation(svc) -> int:
    """The real comment windows and forum archives, added once. Two servers started at the same
    moment on one database may both find them missing: each insert leaves alone the rows the
    other added (storage: ON CONFLICT DO NOTHING), so both start."""
    return svc.consultations.import_windows() + svc.forums.import_archive()


def _stop_background(svc, stop) -> None:
    """Stop the alerts worker this process started (if any) and wake it to see the stop."""
    if stop is not None:
        stop.set()
        svc.alerts.wake()
