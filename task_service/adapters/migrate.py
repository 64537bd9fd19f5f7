"""Brings the database schema to the latest migration."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

log = logging.getLogger(__name__)

_SCRIPTS = Path(__file__).parent / "migrations"
# Any constant: serialises migrations of several TaskService instances.
_PG_LOCK_ID = 0x7A5C_0001


def upgrade(engine: Engine) -> None:
    """Runs every pending migration. Safe to call from several instances at
    once: PostgreSQL serialises them with an advisory lock, SQLite with its
    write lock."""
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    log.info("database schema is up to date")
