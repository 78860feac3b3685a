from __future__ import annotations

from typing import Any

import pytest

from bch.importer.plan import build_plan


@pytest.fixture(scope="session")
def plan_documents() -> list[dict[str, Any]]:
    return build_plan().documents
