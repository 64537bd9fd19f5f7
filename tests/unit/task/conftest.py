"""Use cases over a real SQLite repository and an in-memory storage fake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dqcommon.tools import default_catalog
from task_service.adapters.db import SqlTaskRepository, create_db_engine
from task_service.adapters.migrate import upgrade
from task_service.domain.service import TaskPolicy, TaskUseCases
from tests.unit.task.fakes import FakeClock, FakeStorage


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def repo(tmp_path: Path, clock: FakeClock) -> Iterator[SqlTaskRepository]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'tasks.db'}")
    upgrade(engine)
    yield SqlTaskRepository(engine, clock)
    engine.dispose()


@pytest.fixture
def storage() -> FakeStorage:
    return FakeStorage()


@pytest.fixture
def starts() -> list[tuple[str, float]]:
    """The tasks /process asked the dispatcher to start, with the wait."""
    return []


@pytest.fixture
def use_cases(repo, storage, clock, starts) -> TaskUseCases:
    return TaskUseCases(
        repo=repo,
        storage=storage,
        catalog=default_catalog(),
        clock=clock,
        policy=TaskPolicy(),
        start_processing=lambda task_id, timeout: starts.append((task_id, timeout)),
    )
