"""StorageService settings, read from the environment by ``main`` and passed down.

The object-store variables keep the names the V2 plan uses (``AWS_ENDPOINT_URL``,
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``, ``S3_BUCKET``);
everything specific to this service starts with ``STORAGE_``.
"""

from __future__ import annotations

import re
from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024
# S3 and B2 refuse multipart parts below 5 MB (except the last) and above 5 GB.
MIN_PART_BYTES = 5 * MIB
MAX_PART_BYTES = 5 * 1024 * MIB
# gRPC messages are limited to 8 MiB (dqcommon.grpc_server); stay well below.
MAX_CHUNK_BYTES = 3 * MIB

# B2: 6 to 63 characters, lowercase letters, digits and hyphens (a subset of
# what S3 accepts, so a name valid here is valid everywhere).
_BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9-]{4,61}[a-z0-9]")
_ADDRESS_RE = re.compile(r"[^\s:]+:\d{1,5}|\[[0-9A-Fa-f:.]+\]:\d{1,5}")
_LOG_LEVELS = {"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"}


class StorageSettings(BaseSettings):
    """Typed configuration of the StorageService. Build it once in ``main``
    (or in a test) and pass it to :func:`storage_service.server.create_app`."""

    model_config = SettingsConfigDict(
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        frozen=True,
        env_ignore_empty=True,
    )

    grpc_address: str = Field("127.0.0.1:50052", alias="STORAGE_GRPC_ADDRESS")

    endpoint_url: str | None = Field(None, alias="AWS_ENDPOINT_URL")
    access_key_id: str | None = Field(None, alias="AWS_ACCESS_KEY_ID")
    secret_access_key: SecretStr | None = Field(None, alias="AWS_SECRET_ACCESS_KEY")
    region: str = Field("us-east-005", alias="AWS_REGION", min_length=1)
    bucket: str = Field("agensium-files", alias="S3_BUCKET")
    # Endpoint written into presigned URLs when browsers reach the store under
    # another host than this service does (docker-compose, a proxy).
    public_endpoint_url: str | None = Field(None, alias="STORAGE_PUBLIC_ENDPOINT_URL")
    # Create the bucket at startup if it is missing (embedded SeaweedFS only;
    # production buckets are provisioned with their CORS rules).
    create_bucket: bool = Field(False, alias="STORAGE_CREATE_BUCKET")

    read_chunk_bytes: int = Field(
        MIB, alias="STORAGE_READ_CHUNK_BYTES", ge=1024, le=MAX_CHUNK_BYTES
    )
    multipart_part_bytes: int = Field(
        8 * MIB, alias="STORAGE_MULTIPART_PART_BYTES", ge=MIN_PART_BYTES, le=MAX_PART_BYTES
    )

    # Blocking boto3 calls run on this many threads (and as many pooled
    # HTTP connections).
    io_threads: int = Field(16, alias="STORAGE_IO_THREADS", ge=1, le=256)
    s3_max_attempts: int = Field(3, alias="STORAGE_S3_MAX_ATTEMPTS", ge=1, le=10)
    s3_connect_timeout_seconds: float = Field(5.0, alias="STORAGE_S3_CONNECT_TIMEOUT_SECONDS", gt=0)
    s3_read_timeout_seconds: float = Field(60.0, alias="STORAGE_S3_READ_TIMEOUT_SECONDS", gt=0)
    readiness_interval_seconds: float = Field(5.0, alias="STORAGE_READINESS_INTERVAL_SECONDS", gt=0)

    shutdown_grace_seconds: float = Field(10.0, alias="STORAGE_SHUTDOWN_GRACE_SECONDS", ge=0)
    log_level: str = Field("INFO", alias="STORAGE_LOG_LEVEL")

    @field_validator("grpc_address")
    @classmethod
    def _check_address(cls, value: str) -> str:
        if not _ADDRESS_RE.fullmatch(value):
            raise ValueError("must be host:port")
        return value

    @field_validator("endpoint_url", "public_endpoint_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.fullmatch(r"https?://[^\s/?#]+/?", value):
            raise ValueError("must be an http(s) URL without a path, e.g. https://s3.example.com")
        return value.rstrip("/")

    @field_validator("bucket")
    @classmethod
    def _check_bucket(cls, value: str) -> str:
        if not _BUCKET_RE.fullmatch(value):
            raise ValueError(
                "bucket names are 6 to 63 characters of lowercase letters, digits and '-', "
                "starting and ending with a letter or digit"
            )
        return value

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        if value.upper() not in _LOG_LEVELS:
            raise ValueError(f"must be one of {sorted(_LOG_LEVELS)}")
        return value.upper()

    @model_validator(mode="after")
    def _check_credentials(self) -> Self:
        if (self.access_key_id is None) != (self.secret_access_key is None):
            raise ValueError("set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither")
        return self
