"""How long TaskService takes to refuse oversized or malformed requests.

Usage::

    .venv/bin/python -m bench.request_bench
    .venv/bin/python -m bench.request_bench --base-url http://127.0.0.1:8080 \\
        --token "$(.venv/bin/python -m dqclient token bench@example.com)"

In process (no servers): the create-task checks with agent lists of growing
length (the 2 MB body of 100,000 repeated ids once took minutes in a
quadratic duplicate check), and parameter validation of parameters.json
files with tens of thousands of entries. With ``--base-url`` it also times
the same bodies through the gateway. Results go to
``bench/results/request_bench.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dqcommon.errors import ServiceError
from dqcommon.tools import ParameterError, default_catalog, validate_parameters
from task_service.adapters.db import SqlTaskRepository, create_db_engine
from task_service.adapters.migrate import upgrade
from task_service.domain.service import TaskPolicy, TaskUseCases

RESULTS = Path(__file__).resolve().parent / "results" / "request_bench.json"
REPEATS = (1_000, 10_000, 100_000, 400_000)


class _NoStorage:
    """Refused requests never reach storage."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"storage.{name} called for a refused request")


def _time(action: Callable[[], Any], rounds: int = 5) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        with contextlib.suppress(ServiceError, ParameterError):
            action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def in_process() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    catalog = default_catalog()
    tool = catalog.tool("profile-my-data")
    assert tool is not None
    with tempfile.TemporaryDirectory() as folder:
        engine = create_db_engine(f"sqlite:///{folder}/bench.db")
        upgrade(engine)
        use_cases = TaskUseCases(
            repo=SqlTaskRepository(engine, lambda: datetime.now(UTC)),
            storage=_NoStorage(),
            catalog=catalog,
            clock=lambda: datetime.now(UTC),
            policy=TaskPolicy(),
        )
        for count in REPEATS:
            agents = ["unified-profiler"] * count
            ms = _time(functools.partial(use_cases.create_task, "b", "profile-my-data", agents, {}))
            rows.append({"case": f"create: agent listed {count:,} times", "ms": round(ms, 3)})
            unknown = [f"agent-{i}" for i in range(count)]
            ms = _time(
                functools.partial(use_cases.create_task, "b", "profile-my-data", unknown, {})
            )
            rows.append({"case": f"create: {count:,} unknown agents", "ms": round(ms, 3)})
        engine.dispose()
    for count in (1_000, 50_000, 200_000):
        raw = {"unified-profiler": {f"unknown_{i}": i for i in range(count)}}
        ms = _time(functools.partial(validate_parameters, tool, ["unified-profiler"], raw))
        rows.append({"case": f"parameters: {count:,} unknown names", "ms": round(ms, 3)})
        columns = {"test-coverage-agent": {"unique_columns": [f"c{i}" for i in range(count)]}}
        ms = _time(functools.partial(validate_parameters, tool, ["test-coverage-agent"], columns))
        rows.append({"case": f"parameters: {count:,} column names", "ms": round(ms, 3)})
    return rows


def through_gateway(base_url: str, token: str) -> list[dict[str, Any]]:
    import requests

    rows = []
    for count in REPEATS:
        body = json.dumps({"tool_id": "profile-my-data", "agents": ["unified-profiler"] * count})
        samples = []
        status = 0
        for _ in range(3):
            started = time.perf_counter()
            response = requests.post(
                f"{base_url}/tasks",
                data=body,
                headers={"Authorization": f"Bearer {token}", "content-type": "application/json"},
                timeout=120,
            )
            samples.append(time.perf_counter() - started)
            status = response.status_code
        rows.append(
            {
                "case": f"gateway: POST /tasks, agent listed {count:,} times "
                f"({len(body) / 1e6:.1f} MB)",
                "ms": round(statistics.median(samples) * 1000, 1),
                "status": status,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.request_bench")
    parser.add_argument("--base-url", default="")
    parser.add_argument("--token", default="")
    args = parser.parse_args(argv)
    rows = in_process()
    if args.base_url:
        rows += through_gateway(args.base_url, args.token)
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "processor": platform.machine()},
        "median_of": 5,
        "results": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    width = max(len(r["case"]) for r in rows)
    for row in rows:
        extra = f"  HTTP {row['status']}" if "status" in row else ""
        print(f"{row['case']:<{width}}  {row['ms']:>10.3f} ms{extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
