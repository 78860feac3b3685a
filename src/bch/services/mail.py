"""Outgoing mail through SMTP, configured by the settings (bch.settings):

BCH_SMTP_HOST, BCH_SMTP_PORT (25), BCH_SMTP_FROM (bch@localhost), BCH_SMTP_USER/BCH_SMTP_PASSWORD
(optional, with STARTTLS when BCH_SMTP_STARTTLS=1). Without BCH_SMTP_HOST mails are written to the
log (logger `bch.mail`, level WARNING: a mail that reaches nobody's inbox; to standard error when
nothing else configured logging, as under `bch serve`, which configures only uvicorn's loggers).
Sending never breaks the action that caused it: a failure is logged."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bch.settings import Settings

log = logging.getLogger("bch.mail")


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
        headers: tuple[tuple[str, str], ...] = (),
    ) -> bool:
        """Send one plain-text mail (with extra `headers`, e.g. Reply-To); True when handed to
        the SMTP server."""
        recipients = [to] if isinstance(to, str) else list(to)
        if not recipients:
            return False
        s = self.settings
        msg = EmailMessage()
        msg["From"] = s.sender
        msg["To"] = ", ".join(recipients)
        msg["Subject"] = subject
        for name, value in headers:
            msg[name] = value
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
