"""What operators watch (issue 15 item 7): a request id on every request, one log line per
request (BCH_LOG_FORMAT=text|json), and the counters behind GET /metrics.

* `X-Request-ID`: taken from the request when it is a plain token (letters, digits, `-_.:`, at
  most 128 characters; anything else is replaced, never echoed), else made here; always sent
  back in the response and written in the log line, so a proxy's id follows the request.
* The log line (logger `bch.request`): method, path, route template, status, duration in ms,
  client, request id. With `json`, every line the application logs while the request runs
  carries the request id too.
* The metrics (prometheus_client, a registry of this app): requests by route template, method
  and status; a latency histogram by route template; server errors (5xx, including exceptions);
  at each scrape, the change sequence head, the records stored and the search index's lag
  behind the change sequence. Route templates (`/api/v1/records/{identifier}`), never raw paths,
  so the number of series is bounded. Under `bch serve --workers N` the supervisor gives the
  workers a PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode): each worker
  writes its counts there and a scrape of any worker answers the totals of all of them."""

from __future__ import annotations

import contextvars
import itertools
import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import values as metric_values
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

REQUEST_ID = contextvars.ContextVar[str | None]("bch_request_id", default=None)
_TOKEN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
LOG = logging.getLogger("bch.request")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def request_id_from(raw: bytes | None) -> str:
    """The caller's id when it is a plain token, else a new one."""
    if raw:
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError:
            text = ""
        if _TOKEN.match(text):
            return text
    return _ids.next()


class _Ids:
    """Request ids: 20 random hex digits per process, then a counter (32 hex digits, unique
    like uuid4().hex, without reading the system's random source on every request). A forked
    process draws its own prefix (os.register_at_fork: no getpid() per request)."""

    def __init__(self) -> None:
        self.reset()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self.prefix, self.count = uuid.uuid4().hex[:20], itertools.count(1)

    def next(self) -> str:
        return f"{self.prefix}{next(self.count):012x}"


_ids = _Ids()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request id, and the fields
    passed as `extra={"fields": {...}}`."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or REQUEST_ID.get()
        if rid:
            out["requestId"] = rid
        out.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)

    def request_line(self, created: float, msecs: float, message: str, rid: str, fields) -> str:
        """What `format` makes of the request log's record (Recorder.done, without one)."""
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(created, UTC).isoformat(),
            "level": "info",
            "logger": LOG.name,
            "message": message,
            "requestId": rid,
            **fields,
        }
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The usual line, and the request id in brackets at the end. The time's text is made once
    per second (localtime and strftime per line were a tenth of a cached read's cost)."""

    _now: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's name
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        now = self._now
        if now[0] != second:  # one tuple: a thread never sees one second's text for another
            now = self._now = (
                second,
                time.strftime(self.default_time_format, self.converter(second)),
            )
        return self.default_msec_format % (now[1], record.msecs)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = getattr(record, "request_id", None) or REQUEST_ID.get()
        return f"{line} [{rid}]" if rid else line

    def request_line(
        self, created: float, msecs: float, message: str, rid: str, fields
    ) -> str | None:
        """What `format` makes of the request log's record (Recorder.done, without one), in
        the format `configure_logging` sets (else None: the record is made)."""
        if self._fmt != TEXT_FORMAT:
            return None
        record = _Times(created, msecs)
        return f"{self.formatTime(record)} INFO {LOG.name}: {message} [{rid}]"  # type: ignore[arg-type]


class _Times:
    """The two attributes of a LogRecord that `formatTime` reads."""

    __slots__ = ("created", "msecs")

    def __init__(self, created: float, msecs: float):
        self.created, self.msecs = created, msecs


def escaped(text: str) -> str:
    """Control characters as \\xNN: a path with %0A must not forge a second log line."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class _Stderr(logging.StreamHandler):
    """Writes to `stream`, else to the sys.stderr of the moment (not the one at start: a test
    runner swaps it)."""

    @property
    def stream(self):
        return self._stream or sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        self._stream = value


_HANDLER_MARK = "_bch_log_format"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(log_format: str, stream=None) -> logging.Handler:
    """Send the `bch` loggers' lines to standard error in `log_format` (text or json). Called
    once per app; a second call replaces the handler it installed (never adds one)."""
    root = logging.getLogger("bch")
    for h in list(root.handlers):
        if getattr(h, _HANDLER_MARK, None):
            root.removeHandler(h)
    handler = _Stderr(stream)
    setattr(handler, _HANDLER_MARK, log_format)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler


def multiprocess() -> bool:
    """True when prometheus_client keeps its values in the files of a PROMETHEUS_MULTIPROC_DIR
    (decided when it is first imported: set by `bch serve --workers N` for its workers)."""
    return metric_values.ValueClass is not metric_values.MutexValue


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "bch_http_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "bch_http_request_duration_seconds",
            "Time to answer a request, by route template",
            ["route"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "bch_http_server_errors",
            "Requests answered with a 5xx status or an exception, by route template",
            ["route"],
            registry=self.registry,
        )
        # with several workers: the database's figures as the last scrape read them, and the
        # index lag of the worker furthest behind
        self.sequence = Gauge(
            "bch_change_sequence_head",
            "Number of the last committed change",
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )
        self.records = Gauge(
            "bch_records",
            "Records stored (deleted ones included)",
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )
        self.index_lag = Gauge(
            "bch_search_index_lag_changes",
            "Changes committed that the search index of a process has not applied yet, the "
            "largest of the live processes (-1: the index is not built)",
            registry=self.registry,
            multiprocess_mode="livemax",
        )
        self.up = Gauge(
            "bch_database_up",
            "1 when the database answered the scrape",
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )

    def render(self, state: dict[str, Any] | None) -> tuple[bytes, str]:
        """The text exposition; `state`: the services' figures (None: the database failed)."""
        if state is None:
            self.up.set(0)
        else:
            self.up.set(1)
            self.sequence.set(state["sequence"])
            self.records.set(state["records"])
            self.index_lag.set(state["indexLag"])
        if not multiprocess():
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
        every_worker = CollectorRegistry()
        MultiProcessCollector(every_worker)  # the files of every worker, summed
        return generate_latest(every_worker), CONTENT_TYPE_LATEST


def _route_of(scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


#: the request log line: method, path, status, duration (fields for the JSON format)
LINE = "%s %s %s %.1f ms"
#: series (route, method, status) whose metric children are kept; more are counted uncached
SERIES_KEPT = 4096


class Recorder:
    """The request log line and the metrics of one answered request, for the middleware below
    and for the answers sent before it (api/fast_reads.py). What it costs per request is part
    of every answer's cost (issue 15 item 2: a cached record GET costs tens of microseconds),
    so the metric children of a (route, method, status) are looked up once and kept, and the
    log record is made without the caller look-up of `Logger.info` (the line names the
    logger, never a source line)."""

    def __init__(self, metrics: Metrics):
        self.metrics = metrics
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def _count(self, route: str, method: str, status: int, elapsed: float, failed: bool) -> None:
        key = (route, method, status)
        series = self._series.get(key)
        if series is None:
            series = (
                self.metrics.requests.labels(route, method, str(status)),
                self.metrics.latency.labels(route),
            )
            if len(self._series) < SERIES_KEPT:
                self._series[key] = series
        series[0].inc()
        series[1].observe(elapsed)
        if failed or status >= 500:
            self.metrics.errors.labels(route).inc()

    def done(self, scope, status: int, elapsed: float, failed: bool, rid: str) -> None:
        """Count the request and write its log line (`elapsed`: seconds)."""
        route = _route_of(scope)
        method = scope.get("method", "")
        self._count(route, method, status, elapsed, failed)
        if LOG.isEnabledFor(logging.INFO):
            path = scope.get("path", "")
            client = scope.get("client")
            fields = {
                "method": method,
                "path": path,
                "route": route,
                "status": status,
                "durationMs": round(elapsed * 1000, 2),
                "client": client[0] if client else None,
            }
            args = (method, escaped(path), status, elapsed * 1000)
            if not _direct_line(LINE % args, rid, fields):
                extra = {"fields": fields, "request_id": rid}
                LOG.handle(
                    LOG.makeRecord(
                        LOG.name, logging.INFO, __file__, 0, LINE, args, None, extra=extra
                    )
                )


def _sole_handler() -> _Stderr | None:
    """The handler `configure_logging` installed, when no other handler or filter would see
    the request log's records (then its line is written without making a LogRecord: the
    logging machinery was a third of a cached read's cost in the application)."""
    parent = LOG.parent
    if LOG.handlers or LOG.filters or not LOG.propagate or parent is None or parent.filters:
        return None
    handlers = parent.handlers
    if len(handlers) != 1 or (parent.propagate and logging.root.handlers):
        return None
    handler = handlers[0]
    if type(handler) is not _Stderr or handler.filters or handler.level > logging.INFO:
        return None
    return handler


def _direct_line(message: str, rid: str, fields: dict) -> bool:
    """Write the request log line as the sole handler would format its record (True), or
    leave it to logging (False)."""
    handler = _sole_handler()
    if handler is None:
        return False
    created = time.time()
    msecs = int((created - int(created)) * 1000) + 0.0  # as LogRecord computes it
    request_line = getattr(handler.formatter, "request_line", None)
    line = request_line(created, msecs, message, rid, fields) if request_line else None
    if line is None:
        return False
    handler.acquire()
    try:
        handler.stream.write(line + handler.terminator)
        handler.flush()
    except Exception:  # noqa: BLE001 - as logging does: the answer never fails for its log line
        return False
    finally:
        handler.release()
    return True


def request_id_of(scope) -> str:
    """The request's id: the caller's X-Request-ID when it is a plain token, else a new one."""
    for key, value in scope.get("headers", ()):
        if key == b"x-request-id":
            return request_id_from(value)
    return request_id_from(None)


class RequestObservation:
    """ASGI middleware (outermost): request id, log line, metrics (Recorder)."""

    def __init__(self, app, recorder: Recorder):
        self.app = app
        self.recorder = recorder

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_of(scope)
        token = REQUEST_ID.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        start = time.perf_counter()
        status = 500
        header = (b"x-request-id", rid.encode())

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", ()) if h[0].lower() != b"x-request-id"]
                headers.append(header)
                message = {**message, "headers": headers}
            await send(message)

        failed = False
        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            failed = True
            raise
        finally:
            self.recorder.done(scope, status, time.perf_counter() - start, failed, rid)
            REQUEST_ID.reset(token)
