"""Session-scoped SeaweedFS fixtures for integration and end-to-end tests.

One ``weed mini`` per test session, on free ports, in a temporary directory,
with random credentials (authentication on: presigned URLs are really
checked). Started lazily: only sessions that use it pay the ~1 s start.

To use the fixtures, import them into a conftest (they are then shared by
that directory)::

    from tests.support.seaweed_fixture import seaweed_bucket, seaweedfs  # noqa: F401

or, to share one instance across every test directory, register the module
once in the root ``tests/conftest.py``::

    pytest_plugins = ["tests.support.seaweed_fixture"]

``seaweedfs.env(seaweed_bucket)`` gives the AWS_* / S3_BUCKET variables for a
StorageService subprocess; ``seaweedfs.client()`` a boto3 client for
assertions. Tests must not stop the session instance: start a dedicated
:class:`~devstack.seaweed.SeaweedFS` (e.g. with :func:`start_seaweedfs`) to
simulate an outage.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.seaweed import SeaweedFS


def start_seaweedfs(base_dir: Path) -> SeaweedFS:
    """A new running instance on free ports (the caller stops it)."""
    return SeaweedFS(base_dir).start()


def unique_bucket_name(prefix: str = "dq-test") -> str:
    """A bucket name valid on B2 and SeaweedFS, unique per call."""
    return f"{prefix}-{secrets.token_hex(6)}"


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    """A running SeaweedFS shared by the whole session."""
    weed = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"))
    try:
        yield weed
    finally:
        weed.stop()


@pytest.fixture(scope="session")
def seaweed_bucket(seaweedfs: SeaweedFS) -> str:
    """An empty bucket created for this session."""
    name = unique_bucket_name()
    seaweedfs.create_bucket(name)
    return name
