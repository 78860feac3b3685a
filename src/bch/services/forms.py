"""Spam defences of the public forms (consultation comments, forum posts), without third-party
services: a honeypot field people never see (a bot filling it is refused), a timestamp signed
with BCH_FORM_SECRET carried by the form (a form sent sooner than BCH_FORM_MIN_SECONDS after it
was shown, or a day later, or with a forged stamp is refused), and a rate limit per client
address (BCH_RATE_WRITE). The same key signs the forums' reply-by-mail addresses
(bch.services.forums)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

from bch.services.errors import BadRequest
from bch.services.ratelimit import Limit, RateLimiter

HONEYPOT = "website"  # the hidden field's name: bots fill in a "website"
MAX_AGE = 86400.0


def bad(path: str, message: str) -> BadRequest:
    return BadRequest(
        f"{path}: {message}",
        errors=[{"code": "Error.InvalidParameter", "path": path, "message": message}],
    )


class FormGuard:
    def __init__(
        self,
        secret: str,
        min_seconds: float,
        limit: tuple[int, float],
        clock: Callable[[], float] = time.time,
    ):
        self.key = (secret or secrets.token_hex(32)).encode()
        self.min_seconds = min_seconds
        self.clock = clock
        self.limiter = RateLimiter({"form": Limit(*limit)})

    def sign(self, text: str) -> str:
        return hmac.new(self.key, text.encode(), hashlib.sha256).hexdigest()

    def stamp(self, form: str) -> str:
        """The signed timestamp a form carries (hidden field `formToken`)."""
        now = f"{self.clock():.3f}"
        return f"{now}.{self.sign(f'{form}|{now}')[:32]}"

    def admit(
        self, form: str, proof: tuple[str | None, str | None] | None, client: str | None
    ) -> None:
        """A submission: `proof` (formToken, honeypot) from a form is checked; without one (an
        API caller with credentials) only the rate limit applies."""
        if proof is not None:
            self.check(form, proof[0], proof[1], client)
        elif client:
            self.limiter.hit("form", client)

    def check(self, form: str, token: str | None, honeypot: str | None, client: str | None) -> None:
        """Refuse an automated submission (400 naming the field) or a flood (429)."""
        if client:
            self.limiter.hit("form", client)
        if honeypot:
            raise bad(HONEYPOT, "this field must stay empty")
        if token is not None and not isinstance(token, str):  # any JSON value an API caller sent
            raise bad("formToken", "expected the form's signed token, a string; reload the form")
        when, _, sig = (token or "").rpartition(".")
        try:
            shown = float(when)
        except ValueError:
            raise bad("formToken", "expected the form's signed token; reload the form") from None
        if not hmac.compare_digest(sig, self.sign(f"{form}|{when}")[:32]):
            raise bad("formToken", "the form's token is not valid; reload the form")
        age = self.clock() - shown
        if age < self.min_seconds:
            raise bad("formToken", "sent too fast after the form was shown; wait and send again")
        if age > MAX_AGE:
            raise bad("formToken", "the form has expired; reload it")
