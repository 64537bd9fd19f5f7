"""The whole stack as real processes on free ports: SeaweedFS, the three
services (``python -m ...``) and Envoy, started by the same code as
``make run``. Once per database backend."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from devstack.gateway import GatewaySettings, start_envoy
from devstack.ports import free_ports
from devstack.stack import Stack, StackPorts
from dqclient.client import TaskClient
from dqclient.tokens import access_token
from task_service.domain.identity import storage_user_segment
from tests.support.databases import database_url

# Short upload URL lifetime so the expiry test can wait it out.
UPLOAD_TTL_SECONDS = 4
ALICE = "alice@example.com"
MALLORY = "mallory@example.com"


def keys_of(subject: str) -> str:
    """The key prefix of a user's objects in the bucket."""
    return f"users/{storage_user_segment(subject)}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    var = tmp_path_factory.mktemp(f"stack-{request.param}")
    with ExitStack() as resources:
        url = resources.enter_context(database_url(request.param, Path(var)))
        running = Stack(
            var,
            StackPorts.free(),
            database_url=url,
            logs_to_files=True,
            service_env={
                "task": {
                    "TASK_UPLOAD_URL_TTL_SECONDS": str(UPLOAD_TTL_SECONDS),
                    "TASK_DISPATCH_POLL_INTERVAL_SECONDS": "0.2",
                    "TASK_LEASE_SECONDS": "3",
                    "TASK_RETRY_BACKOFF_SECONDS": "0.5",
                    "TASK_CANCEL_CHECK_INTERVAL_SECONDS": "0.2",
                    "TASK_WATCH_POLL_INTERVAL_SECONDS": "0.2",
                    "TASK_WATCH_HEARTBEAT_SECONDS": "2",
                },
                # Small reads so that a 40 MB analysis lasts a few seconds.
                "analysis": {"ANALYSIS_READ_CHUNK_BYTES": "131072"},
            },
        )
        resources.enter_context(running)
        yield running


def token_for(stack: Stack, subject: str, **claims: Any) -> str:
    return access_token(subject, stack.jwt_secret, **claims)


@pytest.fixture
def client(stack: Stack) -> TaskClient:
    return TaskClient(stack.base_url, token_for(stack, ALICE))


@pytest.fixture
def other(stack: Stack) -> TaskClient:
    return TaskClient(stack.base_url, token_for(stack, MALLORY))


@contextlib.contextmanager
def extra_gateway(stack: Stack, workdir: Path, **overrides: Any) -> Iterator[str]:
    """A second Envoy in front of the same TaskService, with other token
    settings; yields its base URL."""
    port, admin = free_ports(2)
    values: dict[str, Any] = {
        "listen_port": port,
        "admin_port": admin,
        "task_target": stack.target("task"),
        "jwt_secret": stack.jwt_secret,
        **overrides,
    }
    envoy = start_envoy(GatewaySettings(**values), workdir)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        envoy.terminate()
