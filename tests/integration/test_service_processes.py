"""Each service as a real process (``python -m ...``): it reports SERVING,
answers grpcurl-style reflection, and on SIGTERM stops cleanly with exit
code 0 and a final log line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from devstack.healthcheck import check
from devstack.ports import free_ports
from devstack.processes import ManagedProcess

pytestmark = pytest.mark.integration


def environments(seaweedfs, seaweed_bucket, storage_server, analysis_server, tmp_path):
    port = free_ports(1)[0]
    base = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return {
        "storage_service": (
            port,
            {**base, **seaweedfs.env(seaweed_bucket), "STORAGE_GRPC_ADDRESS": f"127.0.0.1:{port}"},
        ),
        "analysis_service": (
            port,
            {
                **base,
                "ANALYSIS_GRPC_ADDRESS": f"127.0.0.1:{port}",
                "ANALYSIS_STORAGE_TARGET": storage_server.target,
            },
        ),
        "task_service": (
            port,
            {
                **base,
                "TASK_GRPC_ADDRESS": f"127.0.0.1:{port}",
                "TASK_DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
                "TASK_STORAGE_TARGET": storage_server.target,
                "TASK_ANALYSIS_TARGETS": analysis_server.target,
            },
        ),
    }


@pytest.mark.parametrize("module", ["storage_service", "analysis_service", "task_service"])
def test_sigterm_stops_the_service_cleanly(
    module, seaweedfs, seaweed_bucket, storage_server, analysis_server, tmp_path
):
    port, env = environments(seaweedfs, seaweed_bucket, storage_server, analysis_server, tmp_path)[
        module
    ]
    process = ManagedProcess(
        module,
        [sys.executable, "-m", module],
        log_path=tmp_path / f"{module}.log",
        env=env,
        cwd=tmp_path,
    )
    process.start()
    try:
        process.wait_until(lambda: check(f"127.0.0.1:{port}", timeout=1), 60, "SERVING")
        listed = subprocess.run(
            [
                str(os.path.join(os.path.dirname(sys.executable), "grpcurl")),
                "-plaintext",
                f"127.0.0.1:{port}",
                "list",
            ],
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert "grpc.reflection.v1alpha.ServerReflection" in listed.stdout
        process.proc.send_signal(signal.SIGTERM)
        assert process.proc.wait(30) == 0
    finally:
        process.kill()
    lines = [
        json.loads(line)
        for line in process.log_path.read_text().splitlines()
        if line.startswith("{")
    ]
    messages = [line["msg"] for line in lines]
    assert "shutting down" in messages and messages[-1] == "stopped"
    assert all(line["level"] != "ERROR" for line in lines), lines
