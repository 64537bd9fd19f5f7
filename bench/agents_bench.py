"""The profile agents this service runs, alone and together, on one
generated file (bench/profile_bench's generator) with a baseline from the
same generator and another seed: wall time and peak RSS per case, each in
its own process. Writes bench/results/agents_bench.json.

    .venv/bin/python -m bench.agents_bench --rows 200000
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.profile_bench import _chunks, generate_csv

RESULTS = Path(__file__).resolve().parent / "results" / "agents_bench.json"
CASES = {
    "unified-profiler": ["unified-profiler"],
    "unified-profiler + score-risk": ["unified-profiler", "score-risk"],
    "unified-profiler + drift-detector + score-risk": [
        "unified-profiler",
        "drift-detector",
        "score-risk",
    ],
}


def _child(primary: Path, baseline: Path, agents: list[str]) -> dict[str, float]:
    from analysis_service.agents.runner import AgentRequest, run_profile_agents
    from analysis_service.report import build_report, json_bytes, write_workbook
    from dqcommon.tools.catalog import default_catalog

    tool = default_catalog().tool("profile-my-data")
    assert tool is not None
    requests = []
    for agent_id in agents:
        spec = tool.agent(agent_id)
        assert spec is not None
        requests.append(AgentRequest(agent_id, spec.defaults()))
    started = time.perf_counter()
    run = run_profile_agents(
        _chunks(primary),
        requests,
        baseline=_chunks(baseline) if "drift-detector" in agents else None,
    )
    assert all(o.ok for o in run.outputs), [o.error for o in run.outputs]
    report = build_report(
        tool_id="profile-my-data",
        analysis_id="bench",
        outputs=run.outputs,
        execution_time_ms=run.execution_time_ms,
    )
    json_bytes(report)
    with tempfile.TemporaryFile() as sink:
        write_workbook(report, sink)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(peak, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--primary", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.primary, args.baseline, CASES[args.child])))
        return
    with tempfile.TemporaryDirectory() as tmp:
        primary, baseline = Path(tmp) / "primary.csv", Path(tmp) / "baseline.csv"
        generate_csv(primary, args.rows, seed=42)
        generate_csv(baseline, args.rows, seed=7)
        size_mb = primary.stat().st_size / 1e6
        rows = []
        for name in CASES:
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.agents_bench",
                    "--child",
                    name,
                    "--primary",
                    str(primary),
                    "--baseline",
                    str(baseline),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append({"case": name, **result})
            print(name, result, flush=True)
    document = {
        "rows": args.rows,
        "primary_mb": round(size_mb, 1),
        "machine": platform.platform(),
        "note": "whole run incl. baseline pass, JSON and workbook; one process per case",
        "results": rows,
        "ratio_to_profiler": {r["case"]: round(r["seconds"] / rows[0]["seconds"], 2) for r in rows},
        "megabytes_read": {
            name: round(size_mb * (2 if "drift-detector" in agents else 1), 1)
            for name, agents in CASES.items()
        },
    }
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    print(json.dumps(document, indent=2))


if __name__ == "__main__":
    main()
