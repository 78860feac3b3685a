from __future__ import annotations

from typing import Any

import pytest

from bch.importer.plan import ImportPlan
from tests.shipped_sample import shipped_plan


@pytest.fixture(scope="session")
def plan() -> ImportPlan:
    return shipped_plan()


@pytest.fixture(scope="session")
def plan_documents(plan) -> list[dict[str, Any]]:
    return plan.documents
