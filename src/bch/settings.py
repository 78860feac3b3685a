"""Every setting of the application, read once from the environment into one typed object.

`Settings.from_environ()` reads and validates all `BCH_*` variables at once; a bad value raises
`SettingsError` whose message names the variable, the expected form and the value found
(`BCH_SQLITE_BUSY_TIMEOUT must be a number of seconds between 0 and 86400, got "abc"`).
`bch serve` builds it at start (exit code 2 on a bad value) and hands it to the container
(`Services.open(url, settings=...)`), which passes each part down to the service that uses it.
Nothing else in src/bch reads the environment (tests/test_settings.py checks it).

The README's "Settings" table lists every variable; keep it in step with VARIABLES below."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from platformdirs import user_data_dir

DEFAULT_PORT = 8000
DEFAULT_PUBLIC_URL = f"http://127.0.0.1:{DEFAULT_PORT}"
DEFAULT_OAI_NAMESPACE = "bch.local"
# an OAI-PMH repositoryIdentifier is a domain name (oai-identifier.xsd)
_DOMAIN = re.compile(r"^[A-Za-z][A-Za-z0-9-]*(\.[A-Za-z][A-Za-z0-9-]*)+$")
SOURCE_MODES = ("offline", "live")
LOG_FORMATS = ("text", "json")
_FLAGS_ON = ("1", "true", "yes", "on")
_FLAGS_OFF = ("0", "false", "no", "off")
_SOURCE_VARIABLE = re.compile(r"^BCH_SOURCE_([A-Z0-9_]+?)_(ENABLED|MODE|URL|TIMEOUT|CACHE_TTL)$")


class SettingsError(ValueError):
    """One or more settings have a value of the wrong form; the message names each variable."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class _Bad(Exception):
    def __init__(self, expected: str):
        self.expected = expected


def default_database_url() -> str:
    return f"sqlite:///{Path(user_data_dir('bch', appauthor=False)) / 'bch.db'}"


def default_data_dir() -> Path:
    """The shipped real data: the repository's data/ folder."""
    return Path(__file__).resolve().parents[2] / "data"


# -- parsers: raw text -> value, or _Bad(expected form) ---------------------------------------------
def _text(raw: str) -> str:
    return raw.strip()


def _number(low: float, high: float, unit: str) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not low <= value <= high:  # NaN fails too
            raise _Bad(f"a number of {unit} between {low:g} and {high:g}")
        return value

    return parse


def _integer(low: int, high: int, unit: str) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            what = "a port number" if unit == "port" else f"a whole number of {unit}"
            raise _Bad(f"{what} between {low} and {high}")
        return value

    return parse


def _flag(raw: str) -> bool:
    value = raw.strip().casefold()
    if value in _FLAGS_ON:
        return True
    if value in _FLAGS_OFF:
        return False
    raise _Bad("1 or 0 (also true/false, yes/no, on/off)")


def _url(raw: str) -> str:
    value = raw.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise _Bad("an http:// or https:// address such as https://bch.example.org")
    return value


def _base_url(raw: str) -> str:
    """A source's base URL, kept as written (a trailing slash matters when paths are joined)."""
    _url(raw)
    return raw.strip()


def _database(raw: str) -> str:
    value = raw.strip()
    if not re.match(r"^(sqlite|postgres|postgresql)(\+\w+)?://", value):
        raise _Bad("a database URL: sqlite:///path/to/file.db or postgresql://user@host/name")
    return value


def _email(raw: str) -> str:
    value = raw.strip()
    if not re.match(r"^[^@\s]+@[^@\s]+$", value):
        raise _Bad("an e-mail address such as bch-admin@example.org")
    return value


def _path(raw: str) -> Path:
    return Path(raw.strip()).expanduser()


def _limit(raw: str) -> tuple[int, float]:
    count, sep, seconds = raw.strip().partition("/")
    try:
        n, s = int(count), float(seconds)
    except ValueError:
        n, s = -1, -1.0
    if not sep or n < 1 or not 0 < s < 10**9:
        raise _Bad("count/seconds, e.g. 10/60 (ten per minute)")
    return n, s


def _rate_limit(raw: str) -> tuple[float, int] | None:
    value = raw.strip().lower()
    if value in ("", "0", "off", "none"):
        return None
    rate, _, burst = value.partition(",")
    try:
        r = float(rate)
        b = int(burst) if burst else max(1, int(r * 10))
    except ValueError:
        r, b = -1.0, -1
    if not 0 < r < 10**9 or b < 1:
        raise _Bad('RATE,BURST (requests per second, burst size), e.g. 50,1000, or "off"')
    return r, b


def _prefixes(raw: str) -> tuple[str, ...]:
    items = tuple(p.strip() for p in raw.split(",") if p.strip())
    if any(not p.startswith("/") for p in items):
        raise _Bad("comma-separated path prefixes starting with /, e.g. /share,/partners")
    return items


def _proxies(raw: str) -> tuple[str, ...]:
    value = raw.strip()
    if value.lower() in ("", "none", "off"):
        return ()
    items = tuple(p.strip() for p in value.split(",") if p.strip())
    for item in items:
        if item == "*":
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise _Bad(
                'comma-separated addresses or networks (10.0.0.5,10.1.0.0/16), "*" or "none"'
            ) from None
    return items


def _on_off(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("", "on", "1"):
        return True
    if value in ("off", "0"):
        return False
    raise _Bad('"on" or "off"')


def _node_bootstrap(raw: str) -> str:
    value = raw.strip().lower()
    if value in ("tables", "dumps"):
        return value
    raise _Bad('"tables" or "dumps"')


def _redis(raw: str) -> str:
    value = raw.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
        raise _Bad("a Redis URL such as redis://127.0.0.1:6379/0")
    return value


def _log_format(raw: str) -> str:
    value = raw.strip().lower()
    if value not in LOG_FORMATS:
        raise _Bad(" or ".join(LOG_FORMATS))
    return value


def _mode(raw: str) -> str:
    value = raw.strip()
    if value not in SOURCE_MODES:
        raise _Bad(" or ".join(SOURCE_MODES))
    return value


# -- the variables: (name, attribute, parser, meaning) --------------------------------------------
@dataclass(frozen=True)
class Variable:
    name: str
    attribute: str
    parse: Callable[[str], Any]
    meaning: str


VARIABLES: tuple[Variable, ...] = (
    Variable("BCH_DATABASE_URL", "database_url", _database, "database (default: SQLite file)"),
    Variable("BCH_DATA_DIR", "data_dir", _path, "shipped data folder"),
    Variable("BCH_LEARNING_MODULES", "learning_modules_dir", _path, "e-learning modules folder"),
    Variable(
        "BCH_SANDBOX_DATABASE_URL", "sandbox_database_url", _database, "training sandbox database"
    ),
    Variable("BCH_PUBLIC_URL", "public_url", _url, "public address"),
    Variable("BCH_OAI_NAMESPACE", "oai_namespace_setting", _text, "OAI-PMH namespace"),
    Variable("BCH_ADMIN_EMAIL", "admin_email", _email, "OAI-PMH contact"),
    Variable("BCH_SMTP_HOST", "smtp_host", _text, "SMTP server"),
    Variable("BCH_SMTP_PORT", "smtp_port", _integer(1, 65535, "port"), "SMTP port"),
    Variable("BCH_SMTP_FROM", "smtp_from", _email, "sender address"),
    Variable("BCH_SMTP_USER", "smtp_user", _text, "SMTP user"),
    Variable("BCH_SMTP_PASSWORD", "smtp_password", lambda raw: raw, "SMTP password"),
    Variable("BCH_SMTP_STARTTLS", "smtp_starttls", _flag, "STARTTLS"),
    Variable(
        "BCH_REQUEST_DEADLINE_DAYS",
        "request_deadline_days",
        _integer(1, 3650, "days"),
        "publishing request deadline",
    ),
    Variable("BCH_ATTACHMENTS_DIR", "attachments_dir", _path, "attachment files"),
    Variable(
        "BCH_MAX_ATTACHMENT_BYTES",
        "max_attachment_bytes",
        _integer(1, 2**40, "bytes"),
        "largest attachment",
    ),
    Variable("BCH_RATE_LOGIN", "rate_login", _limit, "sign-ins per address"),
    Variable("BCH_RATE_REGISTER", "rate_register", _limit, "registrations per address"),
    Variable("BCH_RATE_RESET", "rate_reset", _limit, "password resets per address"),
    Variable("BCH_RATE_WRITE", "rate_write", _limit, "writes per account"),
    Variable("BCH_RATE_LIMIT", "rate_limit", _rate_limit, "public API requests per client"),
    Variable(
        "BCH_LOCKOUT_THRESHOLD",
        "lockout_threshold",
        _integer(1, 10**6, "failures"),
        "sign-in failures before back-off",
    ),
    Variable(
        "BCH_LOCKOUT_SECONDS",
        "lockout_seconds",
        _integer(1, 10**7, "seconds"),
        "longest sign-in back-off",
    ),
    Variable("BCH_FRAMEABLE_PATHS", "frameable_paths", _prefixes, "frameable paths"),
    Variable("BCH_FORWARDED_ALLOW_IPS", "forwarded_allow_ips", _proxies, "trusted proxies"),
    Variable("BCH_SECURE_COOKIES", "secure_cookies", _flag, "always Secure cookies"),
    Variable("BCH_SEARCH_INDEX", "search_index", _on_off, "in-memory search index"),
    Variable("BCH_SEARCH_INDEX_DIR", "search_index_dir", _path, "saved index (PostgreSQL)"),
    Variable(
        "BCH_SQLITE_BUSY_TIMEOUT",
        "sqlite_busy_timeout",
        _number(0, 86400, "seconds"),
        "SQLite lock wait",
    ),
    Variable("BCH_SOURCES_MODE", "sources_mode", _mode, "external sources' default mode"),
    Variable(
        "BCH_MATCHES_DEADLINE",
        "matches_deadline",
        _number(0.001, 3600, "seconds"),
        "matches answer deadline",
    ),
    Variable("BCH_ALERTS_WORKER", "alerts_worker", _flag, "alert mails sent by bch serve"),
    Variable(
        "BCH_ALERTS_INTERVAL",
        "alerts_interval",
        _number(0.05, 86400, "seconds"),
        "alerts worker pause",
    ),
    Variable(
        "BCH_ALERT_CLAIM_SECONDS",
        "alert_claim_seconds",
        _number(2, 86400, "seconds"),
        "lease on alert mails being sent",
    ),
    Variable("BCH_ALERTS_UNSUBSCRIBE_MAILTO", "alerts_unsubscribe_mailto", _email, "mailto"),
    Variable("BCH_RATE_SUBSCRIBE", "rate_subscribe", _limit, "alert subscriptions per client"),
    Variable("BCH_FORM_SECRET", "form_secret", lambda raw: raw, "public forms' signing key"),
    Variable(
        "BCH_FORM_MIN_SECONDS",
        "form_min_seconds",
        _number(0, 3600, "seconds"),
        "public forms' minimum fill time",
    ),
    Variable("BCH_NODE_SYNC", "node_sync", _on_off, "node sync loop in bch serve"),
    Variable("BCH_NODE_BOOTSTRAP", "node_bootstrap", _node_bootstrap, "a new node's first copy"),
    Variable(
        "BCH_NODE_POLL_SECONDS",
        "node_poll_seconds",
        _number(0.1, 86400, "seconds"),
        "node polling interval",
    ),
    # several processes (issue 15): worker count, shared rate-limit state, exemptions
    Variable("BCH_WORKERS", "workers", _integer(0, 256, "processes"), "server processes"),
    Variable("BCH_SHARED_PAGES_DIR", "shared_pages_dir", _path, "workers' shared pages"),
    Variable(
        "BCH_SHUTDOWN_GRACE",
        "shutdown_grace",
        _number(0, 3600, "seconds"),
        "requests' grace on SIGTERM",
    ),
    Variable("BCH_WARM", "warm", _on_off, "start-up warming in bch serve"),
    Variable("BCH_REDIS_URL", "redis_url", _redis, "shared rate-limit state"),
    Variable("BCH_RATE_EXEMPT_IPS", "rate_exempt_ips", _proxies, "clients without rate limit"),
    Variable("BCH_LOG_FORMAT", "log_format", _log_format, "request log format"),
)

_SOURCE_PARSERS: dict[str, Callable[[str], Any]] = {
    "ENABLED": _flag,
    "MODE": _mode,
    "URL": _base_url,
    "TIMEOUT": _number(0.001, 3600, "seconds"),
    "CACHE_TTL": _number(0, 10**9, "seconds"),
}


@dataclass(frozen=True)
class Settings:
    """The application's settings. Every field has the default the application runs with."""

    database_url: str = field(default_factory=default_database_url)
    data_dir: Path = field(default_factory=default_data_dir)
    learning_modules_dir: Path | None = None  # e-learning modules; None: the shipped ones
    sandbox_database_url: str = ""  # the training sandbox (issue 13); "" = beside a SQLite file
    public_url: str = DEFAULT_PUBLIC_URL
    oai_namespace_setting: str = ""
    admin_email: str = "bch-admin@localhost"
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "bch@localhost"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    request_deadline_days: int = 83
    attachments_dir: Path | None = None
    max_attachment_bytes: int = 20 * 1024 * 1024
    rate_login: tuple[int, float] = (20, 60.0)
    rate_register: tuple[int, float] = (5, 3600.0)
    rate_reset: tuple[int, float] = (5, 3600.0)
    rate_write: tuple[int, float] = (120, 60.0)
    rate_limit: tuple[float, int] | None = (50.0, 1000)
    lockout_threshold: int = 5
    lockout_seconds: int = 900
    frameable_paths: tuple[str, ...] = ()
    forwarded_allow_ips: tuple[str, ...] = ("127.0.0.1",)
    secure_cookies: bool = False
    search_index: bool = True
    search_index_dir: Path | None = None
    sqlite_busy_timeout: float = 30.0
    sources_mode: str = "offline"
    matches_deadline: float = 2.0
    alerts_worker: bool = True  # bch serve runs the alerts worker (issue 14)
    alerts_interval: float = 5.0
    alert_claim_seconds: float = 300.0
    alerts_unsubscribe_mailto: str = ""
    rate_subscribe: tuple[int, float] = (10, 3600.0)
    # public forms (issue 14): the key signing form timestamps and forum reply-to addresses
    # ("" = a random key per process), and the least time a person takes to fill a form
    form_secret: str = ""
    form_min_seconds: float = 3.0
    node_sync: bool = True  # a national node's bch serve syncs in the background (issue 12)
    node_poll_seconds: float = 30.0
    node_bootstrap: str = "tables"  # tables (the central's table snapshot, when it can) | dumps
    workers: int = 0  # bch serve's worker processes; 0: one per core
    # rendered anonymous pages shared by the workers of one bch serve (set by it, per run)
    shared_pages_dir: Path | None = None
    # on SIGTERM, requests in progress (a node's open event stream) get this long, then are cancelled
    shutdown_grace: float = 10.0
    # bch serve builds the first requests' state (index, snapshots, resolver, templates) at start
    warm: bool = True
    redis_url: str = ""  # "": rate-limit state in the database (and per process for the API)
    rate_exempt_ips: tuple[str, ...] = ()  # trusted harvesters, load balancers' health checks
    log_format: str = "text"
    # BCH_SOURCE_<NAME>_<KEY> as read (validated): the source registry applies them by name
    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # the variables that were set (bch serve uses its own address when BCH_PUBLIC_URL is not)
    given: frozenset[str] = frozenset()

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every BCH_* variable of `environ` (default: the process environment); raise
        SettingsError naming each variable whose value has the wrong form. An empty value
        counts as unset."""
        env = os.environ if environ is None else environ
        values, sources = _read(env)
        given = frozenset(v.name for v in VARIABLES if v.attribute in values)
        return cls(**values, sources=sources, given=given)

    def with_variables(self, variables: Mapping[str, str]) -> Settings:
        """A copy with the given variables read over these settings (validated the same way):
        `settings.with_variables({"BCH_RATE_LIMIT": "off"})`."""
        values, sources = _read(variables)
        given = self.given | {v.name for v in VARIABLES if v.attribute in values}
        return replace(self, **values, sources={**self.sources, **sources}, given=given)

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed (bch serve's public URL)."""
        return replace(self, **changes)

    @property
    def oai_namespace(self) -> str:
        """The OAI-PMH repository identifier (`oai:{namespace}:{uid}`): BCH_OAI_NAMESPACE, else
        the host of the public URL when it is a domain name, else "bch.local"."""
        if self.oai_namespace_setting:
            return self.oai_namespace_setting
        host = urlsplit(self.public_url).hostname or ""
        return host if _DOMAIN.match(host) else DEFAULT_OAI_NAMESPACE


def _read(env: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The fields given by `env`'s variables, and the sources' settings; SettingsError names
    every variable of the wrong form."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for var in VARIABLES:
        raw = env.get(var.name)
        if raw is None or (raw.strip() == "" and var.name != "BCH_RATE_LIMIT"):
            continue
        try:
            values[var.attribute] = var.parse(raw)
        except _Bad as bad:
            problems.append(f'{var.name} must be {bad.expected}, got "{raw}"')
    sources: dict[str, dict[str, Any]] = {}
    for name in sorted(env):
        match = _SOURCE_VARIABLE.match(name)
        raw = env[name]
        if not match or not raw.strip():
            continue
        source, key = match.group(1).lower(), match.group(2)
        try:
            sources.setdefault(source, {})[key.lower()] = _SOURCE_PARSERS[key](raw)
        except _Bad as bad:
            problems.append(f'{name} must be {bad.expected}, got "{raw}"')
    if problems:
        raise SettingsError(problems)
    return values, sources


def export_to_workers(variables: Mapping[str, str]) -> None:
    """Hand settings to the worker processes `bch serve --workers N` starts: they read their
    settings from the environment they inherit (`Settings.from_environ()`), so the values the
    command line gave (database, public URL, trusted proxies) are set there first."""
    os.environ.update(variables)


def current() -> Settings:
    """The settings of the process environment, read now (what a surface that was handed no
    settings object uses: tests and library callers; `bch serve` passes its own)."""
    return Settings.from_environ()
