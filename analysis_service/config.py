"""AnalysisService settings, from the environment (prefix ``ANALYSIS_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AnalysisSettings(BaseSettings):
    """Every knob of AnalysisService. Built once in ``main`` and passed down."""

    model_config = SettingsConfigDict(env_prefix="ANALYSIS_", extra="ignore")

    grpc_address: str = Field("127.0.0.1:50053", description="host:port to serve gRPC on")
    storage_target: str = Field("127.0.0.1:50052", description="StorageService host:port")
    max_concurrent: int = Field(
        2,
        ge=1,
        le=64,
        description="analyses run at once; more are refused with RESOURCE_EXHAUSTED",
    )
    read_chunk_bytes: int = Field(1024 * 1024, ge=64 * 1024, le=3 * 1024 * 1024)
    csv_batch_rows: int = Field(50_000, ge=1_000, le=1_000_000)
    work_dir: Path | None = Field(
        None, description="where reports are rendered before upload (default: system temp)"
    )
    progress_interval_seconds: float = Field(0.25, gt=0)
    shutdown_grace_seconds: float = Field(10.0, ge=0)
    log_level: str = "INFO"
