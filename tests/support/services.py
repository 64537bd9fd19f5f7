"""Settings for in-process services in tests (port 0, short timeouts)."""

from __future__ import annotations

from typing import Any

from analysis_service.config import AnalysisSettings
from devstack.seaweed import SeaweedFS
from storage_service.config import MIB, StorageSettings
from task_service.config import TaskSettings

PART_BYTES = 5 * MIB


def settings_for(weed: SeaweedFS, bucket: str, **overrides: Any) -> StorageSettings:
    """Settings of a StorageService on port 0 that uses ``weed``'s ``bucket``."""
    values: dict[str, Any] = {
        "grpc_address": "127.0.0.1:0",
        "endpoint_url": weed.endpoint_url,
        "access_key_id": weed.access_key,
        "secret_access_key": weed.secret_key,
        "region": weed.region,
        "bucket": bucket,
        "multipart_part_bytes": PART_BYTES,
        "s3_max_attempts": 1,
        "s3_connect_timeout_seconds": 1.0,
        "readiness_interval_seconds": 0.2,
        "shutdown_grace_seconds": 1.0,
        **overrides,
    }
    return StorageSettings(**values)


def analysis_settings(storage_target: str, **overrides: Any) -> AnalysisSettings:
    """An AnalysisService on port 0 reading through ``storage_target``."""
    values: dict[str, Any] = {
        "grpc_address": "127.0.0.1:0",
        "storage_target": storage_target,
        "csv_batch_rows": 2_000,
        "progress_interval_seconds": 0.05,
        "shutdown_grace_seconds": 1.0,
        **overrides,
    }
    return AnalysisSettings(**values)


def task_settings(
    database_url: str, storage_target: str, analysis_targets: str, **overrides: Any
) -> TaskSettings:
    """A TaskService on port 0 with a fast dispatcher."""
    values: dict[str, Any] = {
        "grpc_address": "127.0.0.1:0",
        "database_url": database_url,
        "storage_target": storage_target,
        "analysis_targets": analysis_targets,
        "dispatch_poll_interval_seconds": 0.1,
        "lease_seconds": 5.0,
        "retry_backoff_seconds": 0.2,
        "shutdown_grace_seconds": 1.0,
        **overrides,
    }
    return TaskSettings(**values)
