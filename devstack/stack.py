"""The whole stack on 127.0.0.1: SeaweedFS, StorageService, AnalysisService,
TaskService and Envoy, each a child process we start and stop by PID.

``make run`` uses fixed ports (Envoy on 8080) and keeps its state in
``var/``; the end-to-end tests use free ports and a temporary directory.

Tokens: the gateway verifies HS256 tokens with ``GATEWAY_JWT_SECRET`` when
it is set, and otherwise with a development secret created in
``<var>/jwt-secret`` (``python -m dqclient token USER`` signs with it).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from devstack.gateway import GatewaySettings, start_envoy
from devstack.healthcheck import check
from devstack.ports import free_ports
from devstack.processes import ManagedProcess
from devstack.seaweed import SeaweedFS, SeaweedPorts
from dqclient.tokens import SECRET_ENV, ensure_dev_secret

log = logging.getLogger(__name__)

BUCKET = "dataquality-dev"


@dataclass(frozen=True)
class StackPorts:
    """Every port of the stack."""

    envoy: int = 8080
    envoy_admin: int = 9901
    task: int = 50051
    storage: int = 50052
    analysis: int = 50053
    seaweed: SeaweedPorts = field(default_factory=SeaweedPorts.defaults)

    @classmethod
    def free(cls) -> StackPorts:
        envoy, admin, task, storage, analysis = free_ports(5)
        return cls(envoy, admin, task, storage, analysis, SeaweedPorts.free())


class Stack:
    """Starts and stops the stack. ``logs_to_files`` sends each service's
    output to ``<var>/logs/<name>.log`` instead of the terminal."""

    def __init__(
        self,
        var_dir: Path,
        ports: StackPorts | None = None,
        *,
        database_url: str | None = None,
        logs_to_files: bool = True,
        service_env: Mapping[str, Mapping[str, str]] | None = None,
        cors_origins: str | None = None,
        gateway_overrides: Mapping[str, object] | None = None,
    ) -> None:
        self.var = var_dir.resolve()
        self.ports = ports or StackPorts()
        self.database_url = database_url or f"sqlite:///{self.var / 'tasks.db'}"
        self.logs_to_files = logs_to_files
        self.service_env = {k: dict(v) for k, v in (service_env or {}).items()}
        self.cors_origins = cors_origins
        self.gateway_overrides = dict(gateway_overrides or {})
        self.seaweed: SeaweedFS | None = None
        self.services: dict[str, ManagedProcess] = {}
        self.envoy: ManagedProcess | None = None

    # --- addresses --------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.envoy}"

    def target(self, service: str) -> str:
        return f"127.0.0.1:{getattr(self.ports, service)}"

    @property
    def jwt_secret(self) -> str:
        """The HS256 secret the gateway verifies tokens with."""
        return os.environ.get(SECRET_ENV) or ensure_dev_secret(self.var)

    # --- lifecycle ----------------------------------------------------------

    def start(self) -> Self:
        self.var.mkdir(parents=True, exist_ok=True)
        try:
            self._start_seaweed()
            for name in ("storage", "analysis", "task"):
                self.start_service(name)
            self._start_envoy()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stops everything, newest first."""
        if self.envoy is not None:
            self.envoy.terminate()
            self.envoy = None
        for name in ("task", "analysis", "storage"):
            process = self.services.pop(name, None)
            if process is not None:
                process.terminate(timeout=30)
        if self.seaweed is not None:
            self.seaweed.stop()
            self.seaweed = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- parts ------------------------------------------------------------------

    def _credentials(self) -> tuple[str, str]:
        """Random dev credentials, kept in var/ so restarts find their data."""
        path = self.var / "seaweed-credentials.json"
        if path.exists():
            data = json.loads(path.read_text())
        else:
            data = {
                "access_key": "dev" + secrets.token_hex(8),
                "secret_key": secrets.token_urlsafe(30),
            }
            path.write_text(json.dumps(data))
            path.chmod(0o600)
        return data["access_key"], data["secret_key"]

    def _start_seaweed(self) -> None:
        access_key, secret_key = self._credentials()
        self.seaweed = SeaweedFS(
            self.var / "seaweedfs",
            ports=self.ports.seaweed,
            access_key=access_key,
            secret_key=secret_key,
        ).start()

    def service_environment(self, name: str) -> dict[str, str]:
        """The environment a service process starts with."""
        assert self.seaweed is not None
        env = dict(os.environ)
        common = {"PYTHONUNBUFFERED": "1"}
        if name == "storage":
            specific = {
                **self.seaweed.env(BUCKET),
                "STORAGE_GRPC_ADDRESS": self.target("storage"),
                "STORAGE_CREATE_BUCKET": "true",
            }
        elif name == "analysis":
            specific = {
                "ANALYSIS_GRPC_ADDRESS": self.target("analysis"),
                "ANALYSIS_STORAGE_TARGET": self.target("storage"),
            }
        elif name == "task":
            specific = {
                "TASK_GRPC_ADDRESS": self.target("task"),
                "TASK_DATABASE_URL": self.database_url,
                "TASK_STORAGE_TARGET": self.target("storage"),
                "TASK_ANALYSIS_TARGETS": self.target("analysis"),
            }
        else:  # pragma: no cover
            raise ValueError(name)
        env.update(common)
        env.update(specific)
        env.update(self.service_env.get(name, {}))
        return env

    def start_service(self, name: str) -> ManagedProcess:
        """Starts one service and waits until its health check says SERVING."""
        module = {
            "storage": "storage_service",
            "analysis": "analysis_service",
            "task": "task_service",
        }[name]
        log_path = self.var / "logs" / f"{name}.log" if self.logs_to_files else None
        process = ManagedProcess(
            name,
            [sys.executable, "-m", module],
            log_path=log_path,
            env=self.service_environment(name),
            cwd=self.var,
        )
        process.start()
        self.services[name] = process
        process.wait_until(
            lambda: check(self.target(name), timeout=1.0), timeout=60, what="SERVING"
        )
        return process

    def kill_service(self, name: str) -> None:
        """SIGKILL one service (crash tests); start it again with
        :meth:`start_service`."""
        process = self.services.pop(name)
        process.kill()

    def gateway_settings(self) -> GatewaySettings:
        """The gateway's settings: GATEWAY_* from the environment, then the
        stack's ports and secret."""
        values: dict[str, object] = {
            "listen_port": self.ports.envoy,
            "admin_port": self.ports.envoy_admin,
            "task_target": self.target("task"),
            "jwt_secret": self.jwt_secret,
        }
        if self.cors_origins:
            values["cors_origins"] = self.cors_origins
        values.update(self.gateway_overrides)
        return GatewaySettings(**values)  # type: ignore[arg-type]

    def _start_envoy(self) -> None:
        self.envoy = start_envoy(self.gateway_settings(), self.var / "envoy")

    def restart_envoy(self, **overrides: object) -> None:
        """Restarts the gateway with other settings (JWT tests)."""
        if self.envoy is not None:
            self.envoy.terminate()
        self.gateway_overrides.update(overrides)
        self._start_envoy()
