"""The task repository on SQLite and PostgreSQL: migrations match the
models, and status changes are decided by the database, so races have
exactly one winner."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from task_service.adapters.db import Base, SqlTaskRepository, create_db_engine
from task_service.adapters.migrate import upgrade
from task_service.domain.model import Progress, Task, TaskStatus

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture
def engine(db_url):
    engine = create_db_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def repo(engine):
    return SqlTaskRepository(engine, lambda: NOW)


def make_task(repo, status=TaskStatus.UPLOADING, created=NOW, user="u1") -> Task:
    task = Task(
        task_id=str(uuid.uuid4()),
        user_id=user,
        tool_id="profile-my-data",
        agents=("unified-profiler",),
        status=status,
        created_at=created,
        updated_at=created,
        progress=Progress(agents_total=1),
    )
    repo.add(task, "test")
    return task


def test_migrations_match_the_models_and_are_idempotent(engine):
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, Base.metadata) == []


def test_fifty_racing_transitions_have_one_winner(repo):
    task = make_task(repo)

    def attempt(_):
        return (
            repo.transition(
                task.task_id,
                allowed_from=frozenset({TaskStatus.UPLOADING}),
                to=TaskStatus.QUEUED,
                reason="race",
            )
            is not None
        )

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(attempt, range(50)))
    assert results.count(True) == 1
    history = repo.history(task.task_id)
    assert [(e.from_status, e.to_status) for e in history] == [
        (None, TaskStatus.UPLOADING),
        (TaskStatus.UPLOADING, TaskStatus.QUEUED),
    ]


def test_racing_workers_claim_each_task_once(repo):
    tasks = [make_task(repo, TaskStatus.QUEUED, NOW - timedelta(seconds=i)) for i in range(5)]

    def claim(worker):
        return repo.claim_next(owner=f"w{worker}", lease_until=NOW + timedelta(seconds=30), now=NOW)

    with ThreadPoolExecutor(max_workers=10) as pool:
        claimed = [t for t in pool.map(claim, range(10)) if t is not None]
    assert sorted(t.task_id for t in claimed) == sorted(t.task_id for t in tasks)
    for task in claimed:
        current = repo.get(task.task_id)
        assert current.status is TaskStatus.PROCESSING and current.attempt == 1
        assert current.lease_owner == task.lease_owner


def test_lease_owner_guards_outcomes(repo):
    make_task(repo, TaskStatus.QUEUED)
    task = repo.claim_next(owner="a", lease_until=NOW + timedelta(seconds=30), now=NOW)
    assert not repo.update_progress(task.task_id, lease_owner="b", progress=Progress(50))
    assert (
        repo.transition(
            task.task_id,
            allowed_from=frozenset({TaskStatus.PROCESSING}),
            to=TaskStatus.COMPLETED,
            reason="late",
            lease_owner="b",
        )
        is None
    )
    assert repo.update_progress(task.task_id, lease_owner="a", progress=Progress(50))
    assert repo.renew_lease(task.task_id, owner="a", until=NOW + timedelta(seconds=60))
    done = repo.transition(
        task.task_id,
        allowed_from=frozenset({TaskStatus.PROCESSING}),
        to=TaskStatus.COMPLETED,
        reason="done",
        lease_owner="a",
    )
    assert done.status is TaskStatus.COMPLETED and done.completed_at == NOW


def test_progress_names_every_agent_of_the_pass(repo):
    # The five profile agents share one pass: 79 characters (PostgreSQL
    # refused them in a 64-character column); anything longer is cut.
    make_task(repo, TaskStatus.QUEUED)
    task = repo.claim_next(owner="a", lease_until=NOW + timedelta(seconds=30), now=NOW)
    five = "unified-profiler,drift-detector,score-risk,test-coverage-agent,readiness-rater"
    assert repo.update_progress(task.task_id, lease_owner="a", progress=Progress(40, "p", five))
    assert repo.get(task.task_id).progress.current_agent == five
    long = "x" * 600
    assert repo.update_progress(task.task_id, lease_owner="a", progress=Progress(41, "p", long))
    stored = repo.get(task.task_id).progress.current_agent
    assert len(stored) == 512 and stored.startswith("x" * 511)


def test_listing_pages_through_equal_timestamps(repo):
    from task_service.domain.ports import Cursor

    ids = sorted(
        (make_task(repo, created=NOW, user="lister").task_id for _ in range(7)), reverse=True
    )
    seen, after = [], None
    while True:
        page, total = repo.list_for_user("lister", status=None, tool_id=None, limit=3, after=after)
        assert total == 7
        if not page:
            break
        seen.extend(t.task_id for t in page)
        after = Cursor(page[-1].created_at, page[-1].task_id)
    assert seen == ids


def test_the_database_enforces_the_transition_table(repo):
    from task_service.domain.model import TRANSITIONS

    every = frozenset(TaskStatus)
    for source in TaskStatus:
        for target in TaskStatus:
            task = make_task(repo, status=source)
            moved = repo.transition(task.task_id, allowed_from=every, to=target, reason="t")
            allowed = target in TRANSITIONS[source]
            assert (moved is not None) == allowed, (source, target)
            assert repo.get(task.task_id).status is (target if allowed else source)
