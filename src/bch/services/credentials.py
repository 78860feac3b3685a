"""Secrets handed to people and how they are kept: passwords (Argon2id via argon2-cffi, and the
password rule), random tokens (API tokens, session cookies, codes in mails) of which only the
SHA-256 digest is ever stored, and constant-time comparison."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bch.services.errors import BadRequest

MIN_LENGTH = 10
MAX_LENGTH = 200
# Argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane): ~tens of ms per login
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


@cache
def _dummy() -> str:
    """Verified when the e-mail is unknown, so a wrong address costs the same time as a wrong
    password. Hashed at the first sign-in, not at import: every `bch serve` and CLI command
    imports this module, and one Argon2 hash is tens of ms of CPU."""
    return _hasher.hash("not-a-real-password-0000")


def check_rule(password: object) -> str:
    if not isinstance(password, str) or not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise BadRequest(
            f"a password has {MIN_LENGTH} to {MAX_LENGTH} characters",
            errors=[
                {
                    "code": "Error.InvalidValue",
                    "path": "password",
                    "message": f"expected {MIN_LENGTH} to {MAX_LENGTH} characters",
                }
            ],
        )
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _dummy(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
