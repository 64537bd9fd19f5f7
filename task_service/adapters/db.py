"""The database adapter: SQLAlchemy 2.0 tables, the engine, the repository.

SQLite (a file, the default) and PostgreSQL (by URL) behave the same:
every status change reads the row under a write lock (``FOR UPDATE`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), checks the allowed source
statuses, updates it conditionally and records the transition in the same
transaction, so of two racing requests exactly one wins.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    and_,
    create_engine,
    delete,
    event,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import CursorResult, Dialect, Result
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from task_service.domain.model import (
    ABANDONABLE,
    AgentOutcome,
    InputFile,
    OutputFile,
    Progress,
    Task,
    TaskEvent,
    TaskStatus,
    sources_of,
)
from task_service.domain.ports import Area, Clock, Cursor

log = logging.getLogger(__name__)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


JsonType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base of TaskService's tables."""


#: room for every agent of a shared pass, comma-separated (migration 0004);
#: a longer description is cut rather than failing the progress update
CURRENT_AGENT_LENGTH = 512


class TaskRow(Base):
    """One task."""

    __tablename__ = "tasks"

    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(255))
    tool_id: Mapped[str] = mapped_column(String(64))
    agents: Mapped[list[str]] = mapped_column(JsonType)
    status: Mapped[str] = mapped_column(String(20))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    current_stage: Mapped[str] = mapped_column(String(32), default="created")
    current_agent: Mapped[str | None] = mapped_column(String(CURRENT_AGENT_LENGTH))
    agents_total: Mapped[int] = mapped_column(Integer, default=0)
    agents_completed: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    files: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    outputs: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    agent_results: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    execution_time_ms: Mapped[int | None] = mapped_column(BigInteger)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempt_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    available_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    request_id: Mapped[str | None] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    upload_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    processing_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    terminal_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    inputs_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outputs_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_tasks_user_created", "user_id", "created_at", "task_id"),
        Index("ix_tasks_status_available", "status", "available_at"),
        Index("ix_tasks_status_updated", "status", "updated_at"),
        Index("ix_tasks_terminal_at", "terminal_at"),
    )


class TaskEventRow(Base):
    """One recorded transition."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    task_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tasks.task_id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(64))


# Timestamp column set when a task enters a status.
_ENTERED_AT = {
    TaskStatus.PROCESSING: "processing_started_at",
    TaskStatus.COMPLETED: "completed_at",
    TaskStatus.FAILED: "failed_at",
    TaskStatus.CANCELLED: "cancelled_at",
    TaskStatus.EXPIRED: "expired_at",
}

# Domain fields a transition may change, and how they are stored.
_SIMPLE_FIELDS = frozenset(
    {
        "error_code",
        "error_message",
        "execution_time_ms",
        "attempt",
        "lease_owner",
        "lease_expires_at",
        "attempt_started_at",
        "available_at",
        "request_id",
        "upload_started_at",
        "queued_at",
        "processing_started_at",
        "completed_at",
        "failed_at",
        "cancelled_at",
        "expired_at",
        "inputs_deleted_at",
        "outputs_deleted_at",
    }
)


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine configured for concurrent use from worker threads."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy emit BEGIN itself (below), with a write lock up
            # front: no lock upgrades, so no SQLITE_BUSY deadlocks.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


class SqlTaskRepository:
    """:class:`~task_service.domain.ports.TaskRepository` over SQLAlchemy."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._clock = clock
        self._postgres = engine.dialect.name == "postgresql"

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def ping(self) -> bool:
        with self._engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True

    # --- reads ----------------------------------------------------------

    def get(self, task_id: str) -> Task | None:
        with self._tx() as session:
            row = session.get(TaskRow, task_id)
            return _to_task(row) if row else None

    def list_for_user(
        self,
        user_id: str,
        *,
        status: TaskStatus | None,
        tool_id: str | None,
        limit: int,
        after: Cursor | None,
        offset: int = 0,
    ) -> tuple[list[Task], int]:
        filters = [TaskRow.user_id == user_id]
        if status is not None:
            filters.append(TaskRow.status == status.value)
        if tool_id:
            filters.append(TaskRow.tool_id == tool_id)
        page_filters = list(filters)
        if after is not None:
            page_filters.append(
                or_(
                    TaskRow.created_at < after.created_at,
                    and_(TaskRow.created_at == after.created_at, TaskRow.task_id < after.task_id),
                )
            )
        with self._tx() as session:
            rows = session.scalars(
                select(TaskRow)
                .where(*page_filters)
                .order_by(TaskRow.created_at.desc(), TaskRow.task_id.desc())
                .offset(offset)
                .limit(limit)
            ).all()
            total = session.scalar(select(func.count()).select_from(TaskRow).where(*filters))
            return [_to_task(r) for r in rows], int(total or 0)

    def history(self, task_id: str, after_id: int = 0) -> list[TaskEvent]:
        with self._tx() as session:
            rows = session.scalars(
                select(TaskEventRow)
                .where(TaskEventRow.task_id == task_id, TaskEventRow.id > after_id)
                .order_by(TaskEventRow.id)
            ).all()
            return [
                TaskEvent(
                    task_id=r.task_id,
                    from_status=TaskStatus(r.from_status) if r.from_status else None,
                    to_status=TaskStatus(r.to_status),
                    at=r.at,
                    reason=r.reason,
                    attempt=r.attempt,
                    error_code=r.error_code,
                    event_id=r.id,
                )
                for r in rows
            ]

    # --- writes ---------------------------------------------------------

    def add(self, task: Task, reason: str) -> None:
        with self._tx() as session:
            session.add(_to_row(task))
            session.flush()
            session.add(
                TaskEventRow(
                    task_id=task.task_id,
                    from_status=None,
                    to_status=task.status.value,
                    at=task.created_at,
                    reason=reason,
                    attempt=task.attempt,
                )
            )

    def transition(
        self,
        task_id: str,
        *,
        allowed_from: frozenset[TaskStatus],
        to: TaskStatus,
        reason: str,
        changes: Mapping[str, Any] | None = None,
        lease_owner: str | None = None,
        expected_version: int | None = None,
    ) -> Task | None:
        now = self._clock()
        # The state machine is enforced here too, whatever the caller asks.
        allowed = allowed_from & sources_of(to)
        with self._tx() as session:
            row = self._locked(session, task_id)
            if row is None or TaskStatus(row.status) not in allowed:
                return None
            if lease_owner is not None and row.lease_owner != lease_owner:
                return None
            if expected_version is not None and row.version != expected_version:
                return None
            previous = row.status
            values = _column_values(changes or {})
            values.setdefault("updated_at", now)
            entered = _ENTERED_AT.get(to)
            if entered and to.value != previous:
                values.setdefault(entered, now)
            if to.terminal:
                # The lease is left alone: a cancelled task's dispatcher
                # releases it once its analysis has really stopped.
                values["terminal_at"] = now
            values["status"] = to.value
            values["version"] = TaskRow.version + 1
            result = session.execute(
                update(TaskRow)
                .where(TaskRow.task_id == task_id, TaskRow.status == previous)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if _rowcount(result) != 1:  # pragma: no cover - excluded by the row lock
                return None
            attempt = values.get("attempt")
            session.add(
                TaskEventRow(
                    task_id=task_id,
                    from_status=previous,
                    to_status=to.value,
                    at=now,
                    reason=reason[:2000],
                    attempt=attempt if isinstance(attempt, int) else row.attempt,
                    error_code=values.get("error_code"),
                )
            )
            session.flush()
            session.expire(row)
            refreshed = session.get(TaskRow, task_id)
            return _to_task(refreshed) if refreshed else None

    def update_progress(self, task_id: str, *, lease_owner: str, progress: Progress) -> bool:
        with self._tx() as session:
            result = session.execute(
                update(TaskRow)
                .where(
                    TaskRow.task_id == task_id,
                    TaskRow.status == TaskStatus.PROCESSING.value,
                    TaskRow.lease_owner == lease_owner,
                )
                .values(
                    **_progress_columns(progress),
                    updated_at=self._clock(),
                    version=TaskRow.version + 1,
                )
                .execution_options(synchronize_session=False)
            )
            return _rowcount(result) == 1

    def claim_next(self, *, owner: str, lease_until: datetime, now: datetime) -> Task | None:
        with self._tx() as session:
            query = (
                select(TaskRow)
                .where(
                    TaskRow.status == TaskStatus.QUEUED.value,
                    or_(TaskRow.available_at.is_(None), TaskRow.available_at <= now),
                )
                .order_by(TaskRow.available_at, TaskRow.created_at)
                .limit(1)
            )
            if self._postgres:
                query = query.with_for_update(skip_locked=True)
            row = session.scalars(query).first()
            if row is None:
                return None
            attempt = row.attempt + 1
            session.execute(
                update(TaskRow)
                .where(TaskRow.task_id == row.task_id, TaskRow.status == TaskStatus.QUEUED.value)
                .values(
                    status=TaskStatus.PROCESSING.value,
                    lease_owner=owner,
                    lease_expires_at=lease_until,
                    attempt_started_at=now,
                    attempt=attempt,
                    processing_started_at=row.processing_started_at or now,
                    current_stage="starting",
                    current_agent=None,
                    progress=15,
                    agents_completed=0,
                    updated_at=now,
                    version=TaskRow.version + 1,
                )
                .execution_options(synchronize_session=False)
            )
            session.add(
                TaskEventRow(
                    task_id=row.task_id,
                    from_status=TaskStatus.QUEUED.value,
                    to_status=TaskStatus.PROCESSING.value,
                    at=now,
                    reason=f"claimed by {owner}",
                    attempt=attempt,
                )
            )
            session.flush()
            session.expire(row)
            claimed = session.get(TaskRow, row.task_id)
            return _to_task(claimed) if claimed else None

    def renew_lease(self, task_id: str, *, owner: str, until: datetime) -> bool:
        with self._tx() as session:
            result = session.execute(
                update(TaskRow)
                .where(
                    TaskRow.task_id == task_id,
                    TaskRow.status == TaskStatus.PROCESSING.value,
                    TaskRow.lease_owner == owner,
                )
                .values(lease_expires_at=until)
                .execution_options(synchronize_session=False)
            )
            return _rowcount(result) == 1

    def find_stale(self, *, now: datetime, started_before: datetime, limit: int) -> list[Task]:
        with self._tx() as session:
            rows = session.scalars(
                select(TaskRow)
                .where(
                    TaskRow.status == TaskStatus.PROCESSING.value,
                    or_(
                        TaskRow.lease_expires_at < now,
                        TaskRow.attempt_started_at < started_before,
                    ),
                )
                .order_by(TaskRow.lease_expires_at)
                .limit(limit)
            ).all()
            return [_to_task(r) for r in rows]

    def delete(self, task_id: str) -> bool:
        with self._tx() as session:
            row = self._locked(session, task_id)
            if row is None:
                return False
            session.execute(delete(TaskEventRow).where(TaskEventRow.task_id == task_id))
            session.delete(row)
            return True

    def release_lease(self, task_id: str, *, owner: str) -> bool:
        with self._tx() as session:
            result = session.execute(
                update(TaskRow)
                .where(TaskRow.task_id == task_id, TaskRow.lease_owner == owner)
                .values(lease_owner=None, lease_expires_at=None)
                .execution_options(synchronize_session=False)
            )
            return _rowcount(result) == 1

    def lease_states(self, task_ids: Sequence[str]) -> dict[str, tuple[TaskStatus, str | None]]:
        if not task_ids:
            return {}
        with self._tx() as session:
            rows = session.execute(
                select(TaskRow.task_id, TaskRow.status, TaskRow.lease_owner).where(
                    TaskRow.task_id.in_(list(task_ids))
                )
            ).all()
            return {r.task_id: (TaskStatus(r.status), r.lease_owner) for r in rows}

    def find_abandoned(self, *, updated_before: datetime, limit: int) -> list[Task]:
        with self._tx() as session:
            rows = session.scalars(
                select(TaskRow)
                .where(
                    TaskRow.status.in_([s.value for s in ABANDONABLE]),
                    TaskRow.updated_at < updated_before,
                )
                .order_by(TaskRow.updated_at)
                .limit(limit)
            ).all()
            return [_to_task(r) for r in rows]

    def find_retention_due(
        self, *, area: Area, terminal_before: datetime, limit: int
    ) -> list[Task]:
        column = _PURGE_COLUMNS[area]
        with self._tx() as session:
            rows = session.scalars(
                select(TaskRow)
                .where(
                    TaskRow.terminal_at.is_not(None),
                    TaskRow.terminal_at < terminal_before,
                    column.is_(None),
                )
                .order_by(TaskRow.terminal_at)
                .limit(limit)
            ).all()
            return [_to_task(r) for r in rows]

    def mark_deleted(self, task_id: str, *, area: Area, at: datetime) -> bool:
        column = _PURGE_COLUMNS[area]
        with self._tx() as session:
            result = session.execute(
                update(TaskRow)
                .where(TaskRow.task_id == task_id, column.is_(None))
                .values({column.key: at, "version": TaskRow.version + 1})
                .execution_options(synchronize_session=False)
            )
            return _rowcount(result) == 1

    def _locked(self, session: Session, task_id: str) -> TaskRow | None:
        query = select(TaskRow).where(TaskRow.task_id == task_id)
        if self._postgres:
            query = query.with_for_update()
        return session.scalars(query).first()


# --- mapping ----------------------------------------------------------------


def _rowcount(result: Result[Any]) -> int:
    """Rows matched by an UPDATE/DELETE (``Session.execute`` returns a
    CursorResult for them; its static type is the generic Result)."""
    return cast("CursorResult[Any]", result).rowcount


_PURGE_COLUMNS = {"inputs": TaskRow.inputs_deleted_at, "outputs": TaskRow.outputs_deleted_at}


def _clipped(text: str | None, length: int) -> str | None:
    return text if text is None or len(text) <= length else text[: length - 1] + "…"


def _progress_columns(progress: Progress) -> dict[str, Any]:
    return {
        "progress": progress.percent,
        "current_stage": progress.stage,
        "current_agent": _clipped(progress.current_agent, CURRENT_AGENT_LENGTH),
        "agents_total": progress.agents_total,
        "agents_completed": progress.agents_completed,
    }


def _column_values(changes: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "progress":
            values.update(_progress_columns(value))
        elif key == "files":
            values["files"] = {slot: f.to_json() for slot, f in value.items()}
        elif key == "outputs":
            values["outputs"] = [o.to_json() for o in value]
        elif key == "agent_results":
            values["agent_results"] = [a.to_json() for a in value]
        elif key in _SIMPLE_FIELDS:
            values[key] = value
        else:
            raise ValueError(f"unknown task field {key!r}")
    return values


def _to_row(task: Task) -> TaskRow:
    row = TaskRow(
        task_id=task.task_id,
        user_id=task.user_id,
        tool_id=task.tool_id,
        agents=list(task.agents),
        status=task.status.value,
        created_at=task.created_at,
        updated_at=task.updated_at,
        attempt=task.attempt,
        version=task.version,
        **_progress_columns(task.progress),
    )
    for key, value in _column_values(
        {
            "files": task.files,
            "outputs": task.outputs,
            "agent_results": task.agent_results,
            "error_code": task.error_code,
            "error_message": task.error_message,
        }
    ).items():
        setattr(row, key, value)
    return row


def _to_task(row: TaskRow) -> Task:
    return Task(
        task_id=row.task_id,
        user_id=row.user_id,
        tool_id=row.tool_id,
        agents=tuple(row.agents or ()),
        status=TaskStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        progress=Progress(
            percent=row.progress,
            stage=row.current_stage,
            current_agent=row.current_agent,
            agents_total=row.agents_total,
            agents_completed=row.agents_completed,
        ),
        error_code=row.error_code,
        error_message=row.error_message,
        files={slot: InputFile.from_json(slot, data) for slot, data in (row.files or {}).items()},
        outputs=tuple(OutputFile.from_json(o) for o in row.outputs or ()),
        agent_results=tuple(AgentOutcome.from_json(a) for a in row.agent_results or ()),
        execution_time_ms=row.execution_time_ms,
        attempt=row.attempt,
        lease_owner=row.lease_owner,
        lease_expires_at=row.lease_expires_at,
        attempt_started_at=row.attempt_started_at,
        available_at=row.available_at,
        request_id=row.request_id,
        upload_started_at=row.upload_started_at,
        queued_at=row.queued_at,
        processing_started_at=row.processing_started_at,
        completed_at=row.completed_at,
        failed_at=row.failed_at,
        cancelled_at=row.cancelled_at,
        expired_at=row.expired_at,
        terminal_at=row.terminal_at,
        inputs_deleted_at=row.inputs_deleted_at,
        outputs_deleted_at=row.outputs_deleted_at,
        version=row.version,
    )
