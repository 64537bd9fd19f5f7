"""``python -m devstack`` (what ``make run`` calls): the whole stack on
127.0.0.1 with the embedded defaults, until Ctrl-C."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path

from devstack.processes import ProcessFailedError
from devstack.stack import BUCKET, Stack

log = logging.getLogger("devstack")


def _banner(stack: Stack) -> str:
    p = stack.ports
    secret_source = (
        "HS256 with GATEWAY_JWT_SECRET"
        if os.environ.get("GATEWAY_JWT_SECRET")
        else f"HS256 with the development secret in {stack.var / 'jwt-secret'}"
    )
    return f"""
The stack is up (state in {stack.var}):
  REST API (Envoy)       {stack.base_url}        curl {stack.base_url}/tools
                         tokens: {secret_source}
                         TOKEN=$(.venv/bin/python -m dqclient token demo@example.com)
                         curl -H "Authorization: Bearer $TOKEN" {stack.base_url}/tasks
  TaskService (gRPC)     127.0.0.1:{p.task}       grpcurl -plaintext 127.0.0.1:{p.task} list
  StorageService (gRPC)  127.0.0.1:{p.storage}
  AnalysisService (gRPC) 127.0.0.1:{p.analysis}
  SeaweedFS (S3)         {stack.seaweed.endpoint_url if stack.seaweed else "?"}  bucket {BUCKET}
  Envoy admin            http://127.0.0.1:{p.envoy_admin}
Run the whole flow on a file:  .venv/bin/python -m dqclient path/to/data.csv
Ctrl-C stops everything.
"""


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="devstack: %(message)s", stream=sys.stderr)
    var = Path(os.environ.get("DEVSTACK_VAR_DIR", "var"))
    stack = Stack(var, logs_to_files=False, cors_origins=os.environ.get("GATEWAY_CORS_ORIGINS"))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        stack.start()
    except ProcessFailedError as exc:
        log.error("could not start the stack: %s", exc)
        sys.exit(1)
    print(_banner(stack), flush=True)
    failed = None
    while not stop.wait(1.0):
        dead = [n for n, p in stack.services.items() if not p.alive()]
        if stack.envoy is not None and not stack.envoy.alive():
            dead.append("envoy")
        if stack.seaweed is not None and not stack.seaweed.alive():
            dead.append("seaweedfs")
        if dead:
            failed = dead
            log.error("stopped unexpectedly: %s; stopping the stack", ", ".join(dead))
            break
    log.info("stopping...")
    stack.stop()
    log.info("stopped")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
