"""Databases for tests: a SQLite file, or a fresh schema in the PostgreSQL
at 127.0.0.1:5432 (database ``test``; override with TEST_POSTGRES_URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL whose search_path is a new, empty schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # pragma: no cover - environment problem, say so clearly
        admin.dispose()
        raise RuntimeError(
            f"PostgreSQL is required for the test suite and is not reachable at "
            f"{POSTGRES_URL} ({exc.__class__.__name__}). Start it or set TEST_POSTGRES_URL."
        ) from exc
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def database_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """``kind`` is "sqlite" or "postgresql"."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'tasks.db'}"
    elif kind == "postgresql":
        with postgres_schema_url() as url:
            yield url
    else:  # pragma: no cover
        raise ValueError(kind)
