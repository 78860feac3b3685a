"""Mail notifications, as subscribers of the events of committed writes (bch.services.events):
registered in bch.services.container. A mail that cannot be sent is logged (bch.services.mail);
it never undoes the write that caused it.

* Workflow (RequestEvent): a request opened -> its deciders (the country's focal points, or the
  Secretariat); approved, rejected or expired -> the requester; a deadline reminder -> the
  deciders.
* Accounts (AccountEvent): the confirmation code of a registration, a second registration of a
  known address, a password reset code, repeated failed sign-ins -> the account's owner."""

from __future__ import annotations

from typing import Any, Protocol

from bch.services.events import AccountEvent, RequestEvent
from bch.settings import DEFAULT_PUBLIC_URL


class Mail(Protocol):
    def send(self, to: str | list[str], subject: str, body: str) -> bool: ...


class Requests(Protocol):
    """What the workflow mails read after the commit (bch.services.workflow.WorkflowService)."""

    def request(self, request_id: int) -> dict[str, Any]: ...

    def deciders(self, schema: str, realm: str, owner: str) -> list[str]: ...


def title_of(request: dict[str, Any]) -> str:
    title = request.get("title") or {}
    return title.get("en") or next(iter(title.values()), "") if title else ""


class WorkflowMail:
    """Subscriber of RequestEvent."""

    DECIDED = frozenset({"approved", "rejected", "expired"})

    def __init__(self, mailer: Mail, requests: Requests, site: str = DEFAULT_PUBLIC_URL):
        self.mailer = mailer
        self.requests = requests
        self.site = site  # BCH_PUBLIC_URL: links in mails

    def __call__(self, event: RequestEvent) -> None:
        if event.action == "opened":
            self._opened(event)
        elif event.action in self.DECIDED:
            self._decided(event)
        elif event.action == "reminder":
            self._reminder(event)

    def _opened(self, e: RequestEvent) -> None:
        request = self.requests.request(e.request_id)
        self.mailer.send(
            self.requests.deciders(e.schema, e.realm, e.owner),
            f"BCH: {e.kind} request {e.request_id} for {e.schema} {e.identifier}",
            f"{e.by} asks you to {e.kind} {e.schema} record {e.identifier}"
            f" ({title_of(request)}).\n\nMessage: {e.note or '-'}\n\n"
            f"Decide before {request['deadline']}: {self.site}/api/v1/requests/{e.request_id}\n",
        )

    def _decided(self, e: RequestEvent) -> None:
        request = self.requests.request(e.request_id)
        self.mailer.send(
            request["requestedBy"],
            f"BCH: your {request['kind']} request {e.request_id} was {e.action}",
            f"{request['decidedBy']} {e.action} your request to {request['kind']} "
            f"{request['schema']} record {request['identifier']} ({title_of(request)})."
            + (f"\n\nReason: {e.note}" if e.note else "")
            + (f"\n\nRecord: {request['result']}" if request.get("result") else ""),
        )

    def _reminder(self, e: RequestEvent) -> None:
        request = self.requests.request(e.request_id)
        deadline = request["deadline"]
        self.mailer.send(
            self.requests.deciders(e.schema, e.realm, e.owner),
            f"BCH reminder: {e.kind} request {e.request_id} expires {deadline[:10]}",
            f"The request to {e.kind} {e.schema} record {e.identifier} "
            f"({title_of(request)}) waits for your decision until {deadline}; after "
            f"that it expires.\n{self.site}/api/v1/requests/{e.request_id}\n",
        )


class AccountMail:
    """Subscriber of AccountEvent."""

    def __init__(self, mailer: Mail, site: str = DEFAULT_PUBLIC_URL):
        self.mailer = mailer
        self.site = site  # BCH_PUBLIC_URL: links in mails

    def __call__(self, e: AccountEvent) -> None:
        site = f"{self.site}/{e.lang}"  # the web pages, in the language the person used
        if e.action == "registered":
            self.mailer.send(
                e.email,
                "Biosafety Clearing-House: confirm your e-mail address",
                "Open this link to confirm your registration (valid 24 hours):\n\n"
                f"{site}/confirm?token={e.secret}\n\n"
                f"or enter this code:\n{e.secret}\n",
            )
        elif e.action == "registered_again":
            self.mailer.send(
                e.email,
                "Biosafety Clearing-House: you already have an account",
                "Someone (perhaps you) tried to register this address again. If you forgot "
                f"your password, choose a new one at {site}/password-reset.",
            )
        elif e.action == "reset_requested":
            self.mailer.send(
                e.email,
                "Biosafety Clearing-House: reset your password",
                "Open this link to choose a new password (valid 24 hours, once):\n\n"
                f"{site}/password-reset/confirm?token={e.secret}\n\n"
                f"or enter this code:\n{e.secret}\n\n"
                "If you did not ask for this, ignore this mail.",
            )
        elif e.action == "login_failures":
            self.mailer.send(
                e.email,
                "Biosafety Clearing-House: failed sign-ins to your account",
                f"There were {e.failures} failed attempts to sign in to your account {e.email} "
                f"recently, the latest from the address {e.address}.\n\n"
                "Your account is not locked: you can still sign in with your password. Further "
                "attempts from the addresses that failed are slowed down.\n\n"
                "If this was you, nothing needs doing. If not, someone may be guessing your "
                "password: if it could be known or guessed, choose a new one at "
                f"{site}/password-reset.\n",
            )
