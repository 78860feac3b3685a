"""The one settings object (issue 10, item 4): every BCH_* variable is read by bch.settings,
validated with a message naming the variable and the expected form, and nothing else in src/bch
reads the environment."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bch
from bch.settings import VARIABLES, Settings, SettingsError
from tests.source_tree import parse

SRC = Path(bch.__file__).parent

# (variable, a good value, the field and what it becomes, a bad value, words of the message)
CASES = [
    ("BCH_DATABASE_URL", "postgresql://bch@db/bch", "database_url", "postgresql://bch@db/bch",
     "mysql://x", "a database URL"),
    ("BCH_SANDBOX_DATABASE_URL", "postgresql://bch@db/box", "sandbox_database_url",
     "postgresql://bch@db/box", "mysql://x", "a database URL"),
    ("BCH_PUBLIC_URL", "https://bch.example.org/", "public_url", "https://bch.example.org",
     "bch.example.org", "an http:// or https:// address"),
    ("BCH_ADMIN_EMAIL", "admin@example.org", "admin_email", "admin@example.org",
     "admin", "an e-mail address"),
    ("BCH_SMTP_PORT", "2525", "smtp_port", 2525, "smtp", "a port number between 1 and 65535"),
    ("BCH_SMTP_FROM", "bch@example.org", "smtp_from", "bch@example.org", "bch", "an e-mail"),
    ("BCH_SMTP_STARTTLS", "1", "smtp_starttls", True, "maybe", "1 or 0"),
    ("BCH_REQUEST_DEADLINE_DAYS", "30", "request_deadline_days", 30, "soon",
     "a whole number of days between 1 and 3650"),
    ("BCH_MAX_ATTACHMENT_BYTES", "1000", "max_attachment_bytes", 1000, "1MB",
     "a whole number of bytes"),
    ("BCH_RATE_LOGIN", "10/60", "rate_login", (10, 60.0), "10", "count/seconds"),
    ("BCH_RATE_REGISTER", "3/3600", "rate_register", (3, 3600.0), "x/y", "count/seconds"),
    ("BCH_RATE_RESET", "2/60", "rate_reset", (2, 60.0), "0/60", "count/seconds"),
    ("BCH_RATE_WRITE", "100/60", "rate_write", (100, 60.0), "100/-1", "count/seconds"),
    ("BCH_RATE_LIMIT", "off", "rate_limit", None, "fast", "RATE,BURST"),
    ("BCH_LOCKOUT_THRESHOLD", "3", "lockout_threshold", 3, "0", "a whole number of failures"),
    ("BCH_LOCKOUT_SECONDS", "60", "lockout_seconds", 60, "1.5", "a whole number of seconds"),
    ("BCH_FRAMEABLE_PATHS", "/share, /partners", "frameable_paths", ("/share", "/partners"),
     "share", "path prefixes starting with /"),
    ("BCH_FORWARDED_ALLOW_IPS", "10.0.0.5,10.1.0.0/16", "forwarded_allow_ips",
     ("10.0.0.5", "10.1.0.0/16"), "proxy.example", "addresses or networks"),
    ("BCH_SECURE_COOKIES", "yes", "secure_cookies", True, "always", "1 or 0"),
    ("BCH_SEARCH_INDEX", "off", "search_index", False, "sometimes", '"on" or "off"'),
    ("BCH_SQLITE_BUSY_TIMEOUT", "2.5", "sqlite_busy_timeout", 2.5, "abc",
     "a number of seconds between 0 and 86400"),
    ("BCH_SOURCES_MODE", "live", "sources_mode", "live", "online", "offline or live"),
    ("BCH_MATCHES_DEADLINE", "5", "matches_deadline", 5.0, "-1", "a number of seconds"),
    ("BCH_ALERTS_WORKER", "off", "alerts_worker", False, "later", "1 or 0"),
    ("BCH_ALERTS_INTERVAL", "0.5", "alerts_interval", 0.5, "soon", "a number of seconds"),
    ("BCH_ALERT_CLAIM_SECONDS", "60", "alert_claim_seconds", 60.0, "1",
     "a number of seconds between 2 and 86400"),
    ("BCH_ALERTS_UNSUBSCRIBE_MAILTO", "unsubscribe@example.org", "alerts_unsubscribe_mailto",
     "unsubscribe@example.org", "nobody", "an e-mail address"),
    ("BCH_RATE_SUBSCRIBE", "3/60", "rate_subscribe", (3, 60.0), "3", "count/seconds"),
    ("BCH_FORM_MIN_SECONDS", "0.5", "form_min_seconds", 0.5, "soon",
     "a number of seconds between 0 and 3600"),
    ("BCH_NODE_SYNC", "off", "node_sync", False, "later", '"on" or "off"'),
    ("BCH_NODE_BOOTSTRAP", "dumps", "node_bootstrap", "dumps", "fast", '"tables" or "dumps"'),
    ("BCH_NODE_POLL_SECONDS", "5", "node_poll_seconds", 5.0, "0", "a number of seconds"),
    ("BCH_WORKERS", "4", "workers", 4, "many", "a whole number of processes between 0 and 256"),
    ("BCH_SHUTDOWN_GRACE", "0.5", "shutdown_grace", 0.5, "-1",
     "a number of seconds between 0 and 3600"),
    ("BCH_WARM", "off", "warm", False, "later", '"on" or "off"'),
    ("BCH_REDIS_URL", "redis://127.0.0.1:6379/0", "redis_url", "redis://127.0.0.1:6379/0",
     "127.0.0.1:6379", "a Redis URL"),
    ("BCH_RATE_EXEMPT_IPS", "10.0.0.9,192.0.2.0/24", "rate_exempt_ips",
     ("10.0.0.9", "192.0.2.0/24"), "harvester", "addresses or networks"),
    ("BCH_LOG_FORMAT", "JSON", "log_format", "json", "xml", "text or json"),
]  # fmt: skip
# free-form values: any text is a value (paths, host names, user names, passwords)
FREE = {
    "BCH_DATA_DIR",
    "BCH_OAI_NAMESPACE",
    "BCH_SMTP_HOST",
    "BCH_SMTP_USER",
    "BCH_SMTP_PASSWORD",
    "BCH_ATTACHMENTS_DIR",
    "BCH_SEARCH_INDEX_DIR",
    "BCH_SHARED_PAGES_DIR",
    "BCH_LEARNING_MODULES",
    "BCH_FORM_SECRET",
}


def test_every_variable_is_tested_or_free_form():
    assert {v.name for v in VARIABLES} == {c[0] for c in CASES} | FREE


@pytest.mark.parametrize(("name", "good", "attribute", "value", "bad", "expected"), CASES)
def test_each_variable_is_read_and_validated(name, good, attribute, value, bad, expected):
    assert getattr(Settings.from_environ({name: good}), attribute) == value
    with pytest.raises(SettingsError) as caught:
        Settings.from_environ({name: bad})
    message = str(caught.value)
    assert message.startswith(f"{name} must be ") and expected in message
    assert message.endswith(f'got "{bad}"')


def test_defaults_and_every_problem_at_once():
    plain = Settings.from_environ({})
    assert plain == Settings() and plain.public_url == "http://127.0.0.1:8000"
    assert plain.oai_namespace == "bch.local" and plain.rate_limit == (50.0, 1000)
    assert plain.forwarded_allow_ips == ("127.0.0.1",) and plain.given == frozenset()
    with pytest.raises(SettingsError) as caught:
        Settings.from_environ({"BCH_SMTP_PORT": "x", "BCH_LOCKOUT_SECONDS": "y"})
    assert [p.split()[0] for p in caught.value.problems] == [
        "BCH_SMTP_PORT",
        "BCH_LOCKOUT_SECONDS",
    ]


def test_namespace_follows_the_public_url_and_sources_are_read_by_name():
    s = Settings.from_environ({"BCH_PUBLIC_URL": "https://bch.example.org"})
    assert s.oai_namespace == "bch.example.org" and s.given == {"BCH_PUBLIC_URL"}
    s = Settings.from_environ(
        {"BCH_SOURCE_EU_REGISTER_MODE": "live", "BCH_SOURCE_FAO_CACHE_TTL": "60"}
    )
    assert s.sources == {"eu_register": {"mode": "live"}, "fao": {"cache_ttl": 60.0}}
    with pytest.raises(SettingsError, match="BCH_SOURCE_FAO_TIMEOUT must be a number of seconds"):
        Settings.from_environ({"BCH_SOURCE_FAO_TIMEOUT": "slow"})
    assert s.with_variables({"BCH_RATE_LIMIT": "1,3"}).rate_limit == (1.0, 3)


def test_nothing_else_reads_the_environment():
    readers = []
    for path in sorted(SRC.rglob("*.py")):
        if path == SRC / "settings.py":
            continue
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
                readers.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not readers, "read settings through bch.settings.Settings: " + ", ".join(readers)


def test_a_source_url_is_kept_as_written():
    """Adapters join paths to it: "http://host/db/" and "http://host/db" differ."""
    s = Settings.from_environ({"BCH_SOURCE_ISAAA_URL": "http://127.0.0.1:9/gmapprovaldatabase/"})
    assert s.sources["isaaa"]["url"] == "http://127.0.0.1:9/gmapprovaldatabase/"
    with pytest.raises(SettingsError, match="BCH_SOURCE_ISAAA_URL must be an http"):
        Settings.from_environ({"BCH_SOURCE_ISAAA_URL": "ftp://example.org/"})
