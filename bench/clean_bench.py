"""clean-my-data against pandas, on a dirty file and one four times its size.

Usage::

    .venv/bin/python -m bench.clean_bench              # 1M and 4M generated rows
    .venv/bin/python -m bench.clean_bench --rows 100000 --cases ours,pandas
    .venv/bin/python -m bench.clean_bench --profile    # cProfile of ours, 1st size
    .venv/bin/python -m bench.clean_bench --large-timeout 1800   # cap the 4x cases
    .venv/bin/python -m bench.clean_bench --merge a.json b.json  # runs made apart

The files are bench/dirty_data's (bench/profile_bench's generator, dirtied
block by block, cached in bench/data/). Every case runs in its own
subprocess (peak RSS is that process's ``VmHWM``, as in profile_bench) and
the results are written after each case to ``bench/results/clean_bench.json``
and ``.md``. Cases per file size:

* ``ours`` - the clean tool: every agent the registry holds, in the tool's
  declared order (``CLEAN_TOOL.agents``), parameters from
  bench/clean_params.py validated by the catalog, through
  ``run_clean_agents`` over a ``TableSource`` of the file (50,000-row
  batches), both CSVs written;
* ``pandas`` - bench/pandas_clean.py: the same steps in memory;
* ``ours_one`` - only ``CHEAP_AGENT`` (one statistics pass + the writing
  pass) and ``ours_passthrough`` - no agent (the writing pass alone: read,
  convert, write): with ``ours`` they show what each pass costs.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.clean_params import BENCH_PARAMS, CHEAP_AGENT
from bench.dirty_data import dirty_csv
from bench.profile_bench import _cpus, _peak_rss_kib

RESULTS = Path(__file__).resolve().parent / "results" / "clean_bench.json"
CASES = ("pandas", "ours_passthrough", "ours_one", "ours")
BATCH_ROWS = 50_000


def registered_agents() -> list[str]:
    """The registry's agents, in the clean tool's declared order."""
    from analysis_service.cleaning.registry import cleaning_agents
    from dqcommon.tools.clean_tool import CLEAN_TOOL

    registry = cleaning_agents()
    return [a.agent_id for a in CLEAN_TOOL.agents if a.agent_id in registry]


def _agents_of(case: str) -> list[str]:
    agents = registered_agents()
    if case == "ours_one":
        return [CHEAP_AGENT] if CHEAP_AGENT in agents else agents[:1]
    if case == "ours_passthrough":
        return []
    return agents


def _timed(batches: Iterable[Any], passes: list[float]) -> Iterator[Any]:
    began = time.perf_counter()
    yield from batches
    passes.append(time.perf_counter() - began)


def run_ours(path: Path, agents: Sequence[str], work_dir: Path | None = None) -> dict[str, Any]:
    """The tool on ``path``; its outputs are left in ``work_dir`` when given."""
    from analysis_service.cleaning.runner import CleanRequest, run_clean_agents
    from analysis_service.cleaning.source import TableSource, file_chunks
    from dqcommon.tools.clean_tool import CLEAN_TOOL
    from dqcommon.tools.parameters import validate_parameters

    given = {a: BENCH_PARAMS.get(a, {}) for a in agents}
    effective = validate_parameters(CLEAN_TOOL, list(agents), given).by_agent
    requests = [CleanRequest(a, effective[a], given[a]) for a in agents]
    source = TableSource(file_chunks(path), batch_rows=BATCH_ROWS)
    pass_seconds: list[float] = []

    def timed_source() -> tuple[Sequence[str], Iterable[Any]]:
        columns, batches = source()
        return columns, _timed(batches, pass_seconds)

    with tempfile.TemporaryDirectory(prefix="clean-bench-") as tmp:
        run = run_clean_agents(timed_source, requests, work_dir=work_dir or Path(tmp))
        out_mb = (run.cleaned_csv.stat().st_size + run.quarantine_csv.stat().st_size) / 1e6
    chain = run.chain
    return {
        "agents": list(run.executed),
        "failed_agents": [o.agent_id for o in run.outputs if not o.ok],
        "rows": chain.rows_in,
        "rows_cleaned": chain.rows_cleaned,
        "rows_quarantined": chain.rows_quarantined,
        "removed_by_agent": {a: t.rows_removed for a, t in chain.tallies.items()},
        "cells_by_agent": {a: t.cells_changed for a, t in chain.tallies.items()},
        "cells_changed": sum(t.cells_changed for t in chain.tallies.values()),
        "passes": chain.passes,
        "pass_seconds": pass_seconds,
        "bytes_read_mb": source.bytes_read / 1e6,
        "output_mb": out_mb,
    }


def run_pandas(path: Path, agents: Sequence[str]) -> dict[str, Any]:
    from bench.pandas_clean import clean

    with tempfile.TemporaryDirectory(prefix="clean-bench-pandas-") as tmp:
        out = clean(path, agents, Path(tmp))
        out["output_mb"] = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
    return {"agents": list(agents), **out}


def _child(case: str, path: Path) -> None:
    import resource

    agents = registered_agents() if case == "pandas" else _agents_of(case)
    started = time.perf_counter()
    extra = run_pandas(path, agents) if case == "pandas" else run_ours(path, agents)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "wall_s": wall,
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "peak_rss_mb": _peak_rss_kib() / 1024,
                **extra,
            }
        )
    )


def _run_case(case: str, path: Path, timeout: float) -> dict[str, Any]:
    size_mb = path.stat().st_size / 1e6
    row: dict[str, Any] = {"case": case, "file": path.name, "file_mb": size_mb}
    command = [sys.executable, "-m", "bench.clean_bench", "--child", case, "--csv", str(path)]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {**row, "error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        return {**row, "error": proc.stderr.strip()[-2000:]}
    measured = json.loads(proc.stdout.strip().splitlines()[-1])
    return {**row, **measured, "mb_per_s": size_mb / measured["wall_s"]}


def _profile(path: Path, output: Path) -> None:
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    run_ours(path, registered_agents())
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumtime").print_stats(20)
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(20)
    output.write_text(text.getvalue(), encoding="utf-8")
    print(f"profile written to {output}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="generated rows, 1st file")
    parser.add_argument("--scale", type=int, default=4, help="the 2nd file has SCALE x rows")
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--large-cases", default="pandas,ours", help="cases on the 2nd file")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per case")
    parser.add_argument(
        "--large-timeout",
        type=float,
        help="seconds per case on the 2nd file (default --timeout): a case cut there is "
        "recorded as not finished",
    )
    parser.add_argument(
        "--merge",
        type=Path,
        nargs="+",
        help="write --output from the results of earlier runs (their JSON files), in order",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--profile", action="store_true", help="cProfile ours on the 1st file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.csv)
        return 0
    if args.merge:
        return _merge(args.merge, args.output)

    plan = [(args.rows, c) for c in args.cases.split(",") if c]
    if args.scale > 1:
        plan += [(args.rows * args.scale, c) for c in args.large_cases.split(",") if c]
    files: dict[int, Path] = {}
    for rows in dict.fromkeys(r for r, _ in plan):
        began = time.perf_counter()
        files[rows] = dirty_csv(rows)
        print(
            f"{files[rows].name}: {files[rows].stat().st_size / 1e6:.1f} MB "
            f"({time.perf_counter() - began:.1f} s)",
            flush=True,
        )
    if args.profile:
        _profile(files[args.rows], args.output.with_name("clean_bench_profile.txt"))
        return 0
    results: list[dict[str, Any]] = []
    document: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": _cpus(),
            "platform": platform.platform(),
        },
        "versions": {"pandas": pd.__version__, "numpy": np.__version__},
        "registered_agents": registered_agents(),
        "cheap_agent": CHEAP_AGENT,
        "batch_rows": BATCH_ROWS,
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    for rows, case in plan:
        print(f"running {case} on {files[rows].name} ...", flush=True)
        large = rows != args.rows
        timeout = args.large_timeout if large and args.large_timeout else args.timeout
        row = _run_case(case, files[rows], timeout)
        row["generated_rows"] = rows
        results.append(row)
        print("  " + (_line(row) if "wall_s" in row else row["error"][-300:]), flush=True)
        args.output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        args.output.with_suffix(".md").write_text(_markdown(document), encoding="utf-8")
    print(f"written to {args.output} and {args.output.with_suffix('.md')}")
    return 0


def _merge(paths: Sequence[Path], output: Path) -> int:
    """One results file from several runs' (e.g. the 4x ours run apart)."""
    documents = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    merged = {**documents[0], "results": [r for d in documents for r in d["results"]]}
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
    output.with_suffix(".md").write_text(_markdown(merged), encoding="utf-8")
    print(f"written to {output} and {output.with_suffix('.md')}")
    return 0


def _line(row: dict[str, Any]) -> str:
    return (
        f"{row['file_mb']:.0f} MB {row['case']}: {row['wall_s']:.1f} s, "
        f"{row['mb_per_s']:.2f} MB/s, "
        f"{row['peak_rss_mb']:.0f} MB RSS, {row['passes']} passes, "
        f"{row['rows_cleaned']:,} cleaned / {row['rows_quarantined']:,} quarantined"
    )


def _markdown(document: dict[str, Any]) -> str:
    lines = [
        f"{document['machine']['cpus']} CPUs, pandas {document['versions']['pandas']}; "
        f"agents registered: {', '.join(document['registered_agents'])}",
        "",
        "| file MB | rows | case | agents | wall s | CPU s | MB/s | MB per CPU s | peak RSS MB "
        "| passes | 1st pass s | cleaned | quarantined |",
        "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for row in document["results"]:
        if "wall_s" not in row:
            lines.append(
                f"| {row['file_mb']:.1f} | | {row['case']} | not finished: {row['error'][:80]} "
                "| | | | | | | | | |"
            )
            continue
        per_pass = ", ".join(f"{s:.1f}" for s in row.get("pass_seconds", []))
        lines.append(
            f"| {row['file_mb']:.1f} | {row['rows']:,} | {row['case']} | {len(row['agents'])} "
            f"| {row['wall_s']:.1f} | {row['cpu_s']:.1f} | {row['mb_per_s']:.2f} "
            f"| {row['file_mb'] / row['cpu_s']:.2f} "
            f"| {row['peak_rss_mb']:.0f} | {row['passes']} | {per_pass or '-'} "
            f"| {row['rows_cleaned']:,} | {row['rows_quarantined']:,} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
