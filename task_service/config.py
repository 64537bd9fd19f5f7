"""TaskService settings, from the environment (prefix ``TASK_``)."""

from __future__ import annotations

import os
import socket

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_instance_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class TaskSettings(BaseSettings):
    """Every knob of TaskService. Built once in ``main`` and passed down."""

    model_config = SettingsConfigDict(env_prefix="TASK_", extra="ignore")

    grpc_address: str = Field("127.0.0.1:50051", description="host:port to serve gRPC on")
    database_url: str = Field(
        "sqlite:///var/tasks.db",
        description="SQLAlchemy URL: a SQLite file, or postgresql+psycopg://user@host/db",
    )
    db_auto_migrate: bool = Field(True, description="run Alembic migrations at start-up")
    storage_target: str = Field("127.0.0.1:50052", description="StorageService host:port")
    analysis_targets: str = Field(
        "127.0.0.1:50053",
        description="AnalysisService instances, comma-separated host:port; work is spread "
        "over them",
    )
    upload_url_ttl_seconds: int = Field(900, ge=1, le=604_800)
    upload_max_bytes: int = Field(
        500 * 1024 * 1024, ge=1, description="size limit of an uploaded file (every slot)"
    )
    upload_slot_max_bytes: dict[str, int] = Field(
        default_factory=dict,
        description='per-slot size limits, JSON: {"baseline": 1073741824} or '
        '{"profile-my-data.primary": 2147483648}; the tool-qualified key wins',
    )
    multipart_threshold_bytes: int = Field(
        64 * 1024 * 1024, ge=5 * 1024 * 1024, description="declared sizes from here upload in parts"
    )
    multipart_part_bytes: int = Field(
        16 * 1024 * 1024,
        ge=5 * 1024 * 1024,
        le=5 * 1024 * 1024 * 1024,
        description="default part size of a multipart upload",
    )
    download_url_ttl_seconds: int = Field(3600, ge=60, le=604_800)
    dispatcher_enabled: bool = Field(True, description="hand queued tasks to AnalysisService")
    process_start_wait_seconds: float = Field(
        3.0,
        ge=0,
        description="/process waits this long for an analysis worker to accept the task",
    )
    call_timeout_seconds: float = Field(
        55.0, gt=0, description="a call's work stops after this (the gateway gives up at 60 s)"
    )
    dispatch_concurrency: int = Field(
        4, ge=1, le=256, description="analyses this instance runs at once"
    )
    dispatch_poll_interval_seconds: float = Field(1.0, gt=0)
    lease_seconds: float = Field(30.0, gt=0)
    max_attempts: int = Field(3, ge=1, le=20)
    retry_backoff_seconds: float = Field(5.0, ge=0)
    processing_timeout_seconds: float = Field(1800.0, gt=0)
    busy_retry_seconds: float = Field(
        2.0, gt=0, description="wait before retrying when every analysis service is full"
    )
    cancel_check_interval_seconds: float = Field(
        0.5, gt=0, description="how often running tasks are checked for cancellation"
    )
    delete_wait_seconds: float = Field(
        10.0, ge=0, description="DELETE of a running task: time for its analysis to stop"
    )
    sweeper_enabled: bool = Field(True, description="expire abandoned tasks, purge old files")
    sweep_interval_seconds: float = Field(60.0, gt=0)
    abandon_after_seconds: float = Field(
        900.0, gt=0, description="CREATED/UPLOADING/UPLOAD_FAILED idle this long -> EXPIRED"
    )
    inputs_retention_days: float = Field(7.0, ge=0)
    outputs_retention_days: float = Field(30.0, ge=0)
    watch_poll_interval_seconds: float = Field(0.5, gt=0)
    watch_heartbeat_seconds: float = Field(15.0, gt=0)
    shutdown_grace_seconds: float = Field(10.0, ge=0)
    instance_id: str = Field(default_factory=_default_instance_id)
    log_level: str = "INFO"

    def analysis_target_list(self) -> list[str]:
        return [t.strip() for t in self.analysis_targets.split(",") if t.strip()]
