"""The suite hashes passwords at Argon2id's lowest cost (tests/conftest.py); a process that is not
a test, such as `bch serve` or a CLI command, must still hash with the production parameters."""

from __future__ import annotations

import subprocess
import sys

from argon2 import extract_parameters

from bch.services import credentials

# OWASP's minimum for Argon2id, the parameters bch.services.credentials sets for production
PRODUCTION = {"type": "ID", "memory_cost": 19456, "time_cost": 2, "parallelism": 1}


def _params(encoded: str) -> dict:
    p = extract_parameters(encoded)
    return {
        "type": p.type.name,
        "memory_cost": p.memory_cost,
        "time_cost": p.time_cost,
        "parallelism": p.parallelism,
    }


def test_a_process_outside_the_suite_hashes_with_the_production_parameters():
    code = "from bch.services.credentials import hash_password; print(hash_password('x' * 12))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    assert _params(out) == PRODUCTION
    assert credentials.verify_password(out, "x" * 12)  # and the suite's hasher still reads it


def test_the_suite_hashes_at_the_lowest_cost():
    stored = credentials.hash_password("y" * 12)
    assert _params(stored)["memory_cost"] < PRODUCTION["memory_cost"]
    assert credentials.verify_password(stored, "y" * 12)
    assert not credentials.verify_password(stored, "z" * 12)
