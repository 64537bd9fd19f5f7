"""Fixtures shared by every tier."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import database_url

# One SeaweedFS per test session, shared by every tier that asks for it.
pytest_plugins = ["tests.support.seaweed_fixture"]

DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database, once per backend: SQLite file and PostgreSQL schema."""
    with database_url(request.param, tmp_path) as url:
        yield url
