"""Outgoing mail through SMTP, configured by the settings (bch.settings):

BCH_SMTP_HOST, BCH_SMTP_PORT (25), BCH_SMTP_FROM (bch@localhost), BCH_SMTP_USER/BCH_SMTP_PASSWORD
(optional, with STARTTLS when BCH_SMTP_STARTTLS=1). Without BCH_SMTP_HOST mails are written to the
log (logger `bch.mail`, level WARNING: a mail that reaches nobody's inbox; to standard error when
nothing else configured logging, as under `bch serve`, which configures only uvicorn's loggers).
Sending never breaks the action that caused it: a failure is logged."""

from __future__ import annotations

import email.policy
import logging
import re
import smtplib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bch.settings import Settings

log = logging.getLogger("bch.mail")

#: characters that end a header line or hide in one: C0 and C1 controls (CR, LF, NUL, tab...),
#: DEL and the Unicode line and paragraph separators
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
ADDRESS_HEADERS = frozenset({"from", "to", "cc", "bcc", "reply-to", "sender", "return-path"})


class UnsafeHeader(ValueError):
    """An address header holding a control character: the mail is not sent."""


class HeaderSafePolicy(email.policy.EmailPolicy):
    """SMTP's policy, and every header value set on a message passes here: text built from
    what users typed (record titles, forum thread and consultation titles, names) has its
    control characters replaced by a space, so a CR/LF can never start a forged header (Bcc,
    Content-Type...); an address holding one is refused (UnsafeHeader), never rewritten into
    some other address."""

    def header_store_parse(self, name: str, value: object) -> tuple[str, str]:
        if isinstance(value, str) and CONTROL.search(value):
            if name.lower() in ADDRESS_HEADERS:
                raise UnsafeHeader(
                    f"mail header {name}: an address holding a control character "
                    f"({CONTROL.search(value).group()!r}) is refused"
                )
            value = CONTROL.sub(" ", value).strip()
        return super().header_store_parse(name, value)


# headers are not folded below SMTP's own limit: a List-Unsubscribe URL stays one word
# (folding a long word would encode it, RFC 2047, and mail programs could not read it)
POLICY = HeaderSafePolicy(linesep="\r\n", max_line_length=998)


def _log_somewhere() -> None:
    """The log is where mails go without SMTP: give `bch.mail` a handler on standard error when
    nobody configured one (Python would otherwise print the bare message, or nothing below
    WARNING)."""
    if not log.hasHandlers():
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:  %(name)s %(message)s"))
        log.addHandler(handler)


@dataclass(frozen=True)
class MailSettings:
    host: str | None
    port: int = 25
    sender: str = "bch@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> MailSettings:
        return cls(
            host=settings.smtp_host or None,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            user=settings.smtp_user or None,
            password=settings.smtp_password or None,
            starttls=settings.smtp_starttls,
        )


class Mailer:
    def __init__(self, settings: MailSettings | None = None):
        self.settings = settings or MailSettings(host=None)

    def send(
        self,
        to: str | list[str],
        subject: str,
        body: str,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> bool:
        """Send one plain-text mail (with extra `headers`, a mapping or name-value pairs, e.g.
        Reply-To, List-Unsubscribe); True when handed to the SMTP server."""
        recipients = [to] if isinstance(to, str) else list(to)
        if not recipients:
            return False
        s = self.settings
        msg = EmailMessage(policy=POLICY)
        try:
            msg["From"] = s.sender
            msg["To"] = ", ".join(recipients)
            msg["Subject"] = subject
            pairs = headers.items() if isinstance(headers, Mapping) else (headers or ())
            for name, value in pairs:
                msg[name] = value
        except UnsafeHeader as exc:
            log.error("mail to %r not sent: %s", recipients, exc)
            return False
        msg.set_content(body)
        if not s.host:
            _log_somewhere()
            log.warning("mail (no SMTP configured) to %s: %s\n%s", msg["To"], subject, body)
            return False
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
                if s.starttls:
                    smtp.starttls()
                if s.user:
                    smtp.login(s.user, s.password or "")
                smtp.send_message(msg)
            return True
        except (OSError, smtplib.SMTPException) as exc:
            log.error("mail to %s not sent (%s): %s", msg["To"], exc, subject)
            return False


# -- mails whose delivery is recorded in a transaction (alerts: bch.services.alerts) -----------------
SENT, ABORTED, REFUSED = "sent", "aborted", "refused"


class Delivery:
    """One SMTP connection for a batch of mails, each sent with `send(msg, commit)`: the whole
    message goes to the server but its final "." only after `commit()` returned True (the
    caller's transaction that records the mail as sent has committed). A crash before the
    commit leaves the server with an unfinished message, which it discards; a crash after it
    leaves a mail recorded as sent that the server accepts as soon as the five bytes of the
    end of data leave: so no mail is ever sent twice. Without SMTP the mails go to the log."""

    def __init__(self, mailer: Mailer):
        self.mailer = mailer
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Delivery:
        s = self.mailer.settings
        if s.host:
            self.smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            self.smtp.ehlo_or_helo_if_needed()
            if s.starttls:
                self.smtp.starttls()
                self.smtp.ehlo()
            if s.user:
                self.smtp.login(s.user, s.password or "")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()

    def send(self, msg: EmailMessage, commit: Callable[[], bool]) -> tuple[str, str]:
        """(SENT | ABORTED (commit said no: nothing sent) | REFUSED, the server's answer).
        OSError and SMTPException before the commit propagate (nothing recorded); after it,
        a lost answer counts as sent (at most once)."""
        if "From" not in msg:
            msg["From"] = self.mailer.settings.sender
        if self.smtp is None:
            if not commit():
                return ABORTED, ""
            _log_somewhere()
            log.warning(
                "mail (no SMTP configured) to %s: %s\n%s",
                msg["To"],
                msg["Subject"],
                msg.get_content(),
            )
            return SENT, "logged"
        smtp = self.smtp
        code, answer = smtp.mail(self.mailer.settings.sender)
        if code != 250:
            smtp.rset()
            return REFUSED, f"{code} {answer.decode(errors='replace')}"
        code, answer = smtp.rcpt(str(msg["To"]))
        if code not in (250, 251):
            smtp.rset()
            return REFUSED, f"{code} {answer.decode(errors='replace')}"
        code, answer = smtp.docmd("DATA")
        if code != 354:
            smtp.rset()
            return REFUSED, f"{code} {answer.decode(errors='replace')}"
        data = msg.as_bytes(policy=POLICY)
        data = re.sub(rb"(?m)^\.", b"..", data)
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        smtp.send(data)
        if not commit():
            smtp.close()  # the server drops the unfinished message
            self.smtp = None
            self.__enter__()
            return ABORTED, ""
        try:
            smtp.send(b".\r\n")
            code, answer = smtp.getreply()
        except (OSError, smtplib.SMTPException) as exc:  # recorded as sent: never again
            log.error("alert mail to %s: no answer after the end of data (%s)", msg["To"], exc)
            self.smtp = None
            return SENT, "unconfirmed"
        if code != 250:
            return REFUSED, f"{code} {answer.decode(errors='replace')}"
        return SENT, f"{code}"
