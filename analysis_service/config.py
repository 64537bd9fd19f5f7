"""AnalysisService settings, from the environment (prefix ``ANALYSIS_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


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
    max_columns: int = Field(
        2_000,
        ge=1,
        le=100_000,
        description="widest table analysed; wider inputs fail with TOO_MANY_COLUMNS",
    )
    batch_cells: int = Field(
        4_000_000,
        ge=10_000,
        description="cells per parsed batch: wide tables get fewer rows per batch",
    )
    max_record_bytes: int = Field(
        4 * MIB,
        ge=64 * 1024,
        le=256 * MIB,
        description="longest CSV header line or JSON record (RECORD_TOO_LARGE beyond)",
    )
    spool_max_bytes: int = Field(
        1024 * MIB,
        ge=MIB,
        description="local disk one Excel or JSON input may use while it is read",
    )
    json_max_depth: int = Field(
        64, ge=1, le=500, description="deepest nesting of JSON objects flattened to columns"
    )
    xlsx_max_uncompressed_bytes: int = Field(
        4096 * MIB, ge=MIB, description="largest unpacked size of a workbook (zip bombs)"
    )
    xlsx_max_compression_ratio: int = Field(
        500, ge=10, description="largest unpacked/packed ratio of a large workbook part"
    )
    xlsx_max_loaded_part_bytes: int = Field(
        128 * MIB,
        ge=MIB,
        description="largest shared-strings/styles part, which is loaded whole into memory",
    )
    progress_interval_seconds: float = Field(0.25, gt=0)
    shutdown_grace_seconds: float = Field(10.0, ge=0)
    log_level: str = "INFO"
