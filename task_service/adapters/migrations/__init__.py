"""Alembic migrations of TaskService's database."""
