"""StorageSettings: environment names, defaults and validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from storage_service.config import MIB, StorageSettings

pytestmark = pytest.mark.unit

_ENV_NAMES = [
    "STORAGE_GRPC_ADDRESS", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_REGION", "S3_BUCKET", "STORAGE_PUBLIC_ENDPOINT_URL", "STORAGE_CREATE_BUCKET",
    "STORAGE_READ_CHUNK_BYTES", "STORAGE_MULTIPART_PART_BYTES", "STORAGE_SHUTDOWN_GRACE_SECONDS",
    "STORAGE_LOG_LEVEL",
]  # fmt: skip


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    settings = StorageSettings()
    assert settings.grpc_address == "127.0.0.1:50052"
    assert settings.region == "us-east-005"
    assert settings.bucket == "agensium-files"
    assert settings.endpoint_url is None
    assert settings.create_bucket is False
    assert settings.read_chunk_bytes == MIB
    assert settings.multipart_part_bytes == 8 * MIB


def test_reads_the_plan_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://s3.us-east-005.backblazeb2.com/")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key-id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret")
    monkeypatch.setenv("AWS_REGION", "eu-central-003")
    monkeypatch.setenv("S3_BUCKET", "my-bucket")
    monkeypatch.setenv("STORAGE_CREATE_BUCKET", "true")
    monkeypatch.setenv("STORAGE_MULTIPART_PART_BYTES", str(16 * MIB))
    monkeypatch.setenv("STORAGE_PUBLIC_ENDPOINT_URL", "")  # empty means unset
    settings = StorageSettings()
    assert settings.endpoint_url == "https://s3.us-east-005.backblazeb2.com"
    assert settings.access_key_id == "key-id"
    assert settings.secret_access_key is not None
    assert settings.secret_access_key.get_secret_value() == "very-secret"
    assert "very-secret" not in repr(settings)
    assert settings.region == "eu-central-003"
    assert settings.bucket == "my-bucket"
    assert settings.create_bucket is True
    assert settings.multipart_part_bytes == 16 * MIB
    assert settings.public_endpoint_url is None


def test_keyword_arguments_by_field_name() -> None:
    settings = StorageSettings(bucket="test-bucket", multipart_part_bytes=5 * MIB)
    assert settings.bucket == "test-bucket"


@pytest.mark.parametrize("bucket", ["short", "UPPER-case", "has_underscore", "-leading", "a" * 64])
def test_bucket_names_that_b2_refuses(bucket: str) -> None:
    with pytest.raises(ValidationError):
        StorageSettings(bucket=bucket)


@pytest.mark.parametrize("part", [5 * MIB - 1, 1024, 0])
def test_parts_below_the_b2_minimum(part: int) -> None:
    with pytest.raises(ValidationError):
        StorageSettings(multipart_part_bytes=part)


def test_chunk_size_stays_below_the_message_limit() -> None:
    with pytest.raises(ValidationError):
        StorageSettings(read_chunk_bytes=4 * MIB)


def test_credentials_come_in_pairs() -> None:
    with pytest.raises(ValidationError):
        StorageSettings(access_key_id="only-the-id")


@pytest.mark.parametrize("url", ["s3.example.com", "ftp://x", "http://host/path", "http://"])
def test_endpoint_must_be_a_bare_http_url(url: str) -> None:
    with pytest.raises(ValidationError):
        StorageSettings(endpoint_url=url)


def test_address_and_log_level() -> None:
    assert StorageSettings(grpc_address="[::1]:0").grpc_address == "[::1]:0"
    assert StorageSettings(log_level="debug").log_level == "DEBUG"
    with pytest.raises(ValidationError):
        StorageSettings(grpc_address="50052")
    with pytest.raises(ValidationError):
        StorageSettings(log_level="chatty")
