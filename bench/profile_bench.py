"""Profiler speed and memory against a plain pandas baseline.

Usage::

    .venv/bin/python -m bench.profile_bench --rows 1000000

Generates a CSV with mixed column types on disk, then runs every competitor
in its own subprocess (so peak RSS from ``resource.getrusage`` is that
competitor's alone) and writes ``bench/results/profile_bench.json`` plus a
table on stdout.

Competitors (add more to ``COMPETITORS``; one that cannot be imported is
skipped with a note):

* ``streaming`` - ours: the file read in 1 MiB chunks as they would arrive
  from storage, the agent runner (``open_table`` +
  ``DatasetProfiler``, full-row duplicates included) + the unified-profiler
  agent + the JSON report;
* ``streaming_json``, ``streaming_xlsx`` - the same, on the same data
  written as JSON Lines and as an Excel workbook (the workbook has at most
  ``--xlsx-rows`` rows: openpyxl writes it slowly), for MB/s per format;
* ``pandas`` - ``pd.read_csv`` of the whole file, then describe, nunique,
  value_counts, quantiles, skew and kurt per column (less than we compute:
  no type evidence, outliers, text stats or report);
* ``streaming_twice`` - the profiler over the file twice: the bytes the
  five-agent pass reads (baseline + primary), its fair reference;
* ``five_agents`` - ours, the whole profile tool: every implemented agent
  of profile-my-data at its defaults (plus uniqueness, range and format
  tests for test-coverage-agent), the same file as the baseline for the
  agents that read one, one pass each, and the JSON report;
* ``duckdb_summarize`` - DuckDB's ``SUMMARIZE`` of ``read_csv`` (needs
  ``bench/requirements.txt``, which ``make bench`` installs);
* ``ydata_profiling`` (minimal mode, whole file in memory), ``whylogs``
  (a profile per 100,000-row chunk, merged) - in their own venv
  (``.venv-bench``, from ``bench/requirements-competitors.txt``, which
  ``make bench`` builds), since both pin numpy/pandas ranges of their own.

Beside the JSON, the table is written as Markdown (same name, ``.md``).
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results" / "profile_bench.json"
CHUNK = 1 << 20


def generate_csv(path: Path, rows: int, seed: int = 42) -> None:
    """Mixed types: ids, floats with nulls, skewed floats, ints, categories,
    free text, booleans, dates, e-mails and a mostly-numeric dirty column."""
    with path.open("w", encoding="utf-8", newline="") as out:
        for start, frame in generate_frames(rows, seed):
            frame.to_csv(out, index=False, header=start == 0)


def generate_frames(rows: int, seed: int = 42) -> Iterator[tuple[int, pd.DataFrame]]:
    """The rows of :func:`generate_csv`, as (first row, frame) blocks of
    200,000 rows (the same values for the same seed)."""
    rng = np.random.default_rng(seed)
    block = 200_000
    for start in range(0, rows, block):
        n = min(block, rows - start)
        ids = np.arange(start, start + n)
        frame = pd.DataFrame(
            {
                "id": ids,
                "amount": np.round(rng.lognormal(3, 1, n), 2),
                "score": rng.normal(0, 1, n),
                "quantity": rng.poisson(5, n),
                "segment": rng.choice(["retail", "corporate", "public", "partner"], n),
                "comment": np.char.add("note ", rng.integers(0, 50_000, n).astype(str)),
                "active": rng.choice(["true", "false"], n),
                "signup": pd.to_datetime(
                    rng.integers(1_400_000_000, 1_700_000_000, n), unit="s"
                ).strftime("%Y-%m-%d"),
                "email": np.char.add(np.char.add("user", ids.astype(str)), "@example.com"),
                "code": rng.integers(1000, 9999, n).astype(str),
            }
        )
        frame.loc[rng.random(n) < 0.05, "amount"] = np.nan
        dirty = rng.random(n) < 0.001
        frame.loc[dirty, "code"] = "n/a"
        yield start, frame


def convert(csv_path: Path, fmt: str, rows: int) -> Path:
    """The first ``rows`` rows of the generated CSV as JSON Lines or XLSX,
    with typed values (numbers, booleans, dates as the format holds them)."""
    target = csv_path.with_suffix(f".{fmt}")
    chunks = pd.read_csv(
        csv_path, chunksize=100_000, nrows=rows, dtype={"code": object, "signup": object}
    )
    if fmt == "json":
        with target.open("w", encoding="utf-8") as out:
            for chunk in chunks:
                out.write(chunk.to_json(orient="records", lines=True))
        return target
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("data")
    header = True
    for chunk in chunks:
        if header:
            sheet.append(list(chunk.columns))
            header = False
        chunk["signup"] = pd.to_datetime(chunk["signup"]).dt.date
        for row in chunk.astype(object).itertuples(index=False):
            sheet.append([None if pd.isna(v) else v for v in row])
    book.save(target)
    return target


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def run_streaming(path: Path) -> dict[str, Any]:
    from analysis_service.agents.runner import AgentRequest, run_profile_agents
    from analysis_service.report import build_report, json_bytes
    from dqcommon.tools.catalog import UNIFIED_PROFILER

    result = run_profile_agents(
        _chunks(path), [AgentRequest("unified-profiler", UNIFIED_PROFILER.defaults())]
    )
    report = build_report(
        tool_id="profile-my-data",
        analysis_id="bench",
        outputs=result.outputs,
        execution_time_ms=result.execution_time_ms,
    )
    return {"rows": result.primary.rows, "report_bytes": len(json_bytes(report))}


def run_streaming_twice(path: Path) -> dict[str, Any]:
    """The fair reference for agents that read a baseline: the profiler over
    the same bytes the five-agent pass reads (baseline, then primary)."""
    first = run_streaming(path)
    second = run_streaming(path)
    return {"rows": first["rows"] + second["rows"], "report_bytes": second["report_bytes"]}


def run_five_agents(path: Path) -> dict[str, Any]:
    from analysis_service.agents.registry import implemented_agents
    from analysis_service.agents.runner import AgentRequest, run_profile_agents, uses_baseline
    from analysis_service.report import build_report, json_bytes
    from dqcommon.tools import default_catalog

    tool = default_catalog().tool("profile-my-data")
    assert tool is not None
    implemented = implemented_agents()
    tests = {
        "unique_columns": ["id", "email"],
        "range_tests": {"quantity": {"min": 0, "max": 12}},
        "format_tests": {"email": r"[a-z]+[0-9]+@example\.com", "code": "[0-9]{4}"},
    }
    requests = [
        AgentRequest(
            a.agent_id,
            {**a.defaults(), **(tests if a.agent_id == "test-coverage-agent" else {})},
        )
        for a in tool.agents
        if a.agent_id in implemented
    ]
    baseline = _chunks(path) if uses_baseline([r.agent_id for r in requests]) else None
    result = run_profile_agents(_chunks(path), requests, baseline=baseline)
    report = build_report(
        tool_id="profile-my-data",
        analysis_id="bench",
        outputs=result.outputs,
        execution_time_ms=result.execution_time_ms,
    )
    return {
        "rows": result.primary.rows,
        "agents": [o.agent_id for o in result.outputs if o.ok],
        "failed_agents": [o.agent_id for o in result.outputs if not o.ok],
        "report_bytes": len(json_bytes(report)),
    }


def run_duckdb(path: Path) -> dict[str, Any]:
    import duckdb

    connection = duckdb.connect()
    summary = connection.execute("SUMMARIZE SELECT * FROM read_csv(?)", [str(path)]).fetchall()
    rows = connection.execute("SELECT count(*) FROM read_csv(?)", [str(path)]).fetchone()
    return {"rows": int(rows[0]) if rows else 0, "columns_summarised": len(summary)}


def run_pandas(path: Path) -> dict[str, Any]:
    frame = pd.read_csv(path)
    frame.describe(include="all")
    numeric = frame.select_dtypes("number")
    for name in frame.columns:
        frame[name].nunique()
        frame[name].value_counts().head(10)
    numeric.quantile([0.25, 0.5, 0.75])
    numeric.skew()
    numeric.kurt()
    return {"rows": len(frame)}


def run_ydata(path: Path) -> dict[str, Any]:
    from ydata_profiling import ProfileReport  # type: ignore[import-not-found]

    frame = pd.read_csv(path)
    ProfileReport(frame, minimal=True, progress_bar=False).to_json()
    return {"rows": len(frame)}


def run_whylogs(path: Path) -> dict[str, Any]:
    """whylogs as its users stream: a profile per chunk, merged."""
    import whylogs  # type: ignore[import-not-found]

    merged, rows = None, 0
    for chunk in pd.read_csv(path, chunksize=100_000):
        view = whylogs.log(chunk).view()
        merged = view if merged is None else merged.merge(view)
        rows += len(chunk)
    if merged is not None:
        merged.to_pandas()
    return {"rows": rows}


@dataclass(frozen=True)
class Competitor:
    name: str
    run: Callable[[Path], dict[str, Any]]
    needs: str | None = None  # module that must be importable
    #: runs in the competitors' venv (its own numpy/pandas pins)
    separate_venv: bool = False
    fmt: str = "csv"  # the input it reads


COMPETITORS: dict[str, Competitor] = {
    c.name: c
    for c in (
        Competitor("streaming", run_streaming),
        Competitor("streaming_json", run_streaming, fmt="json"),
        Competitor("streaming_xlsx", run_streaming, fmt="xlsx"),
        Competitor("pandas", run_pandas),
        Competitor("streaming_twice", run_streaming_twice),
        Competitor("five_agents", run_five_agents),
        Competitor("duckdb_summarize", run_duckdb, needs="duckdb"),
        Competitor("ydata_profiling", run_ydata, needs="ydata_profiling", separate_venv=True),
        Competitor("whylogs", run_whylogs, needs="whylogs", separate_venv=True),
    )
}


def _peak_rss_kib() -> int:
    """This process's own peak RSS. ``ru_maxrss`` is inherited across fork
    and exec on Linux (a child reports at least its parent's RSS at fork, here
    the parent that generated the CSV), so read ``VmHWM``, which exec resets."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def _child(name: str, path: Path) -> None:
    """Runs one competitor and prints its measurements as JSON."""
    started = time.perf_counter()
    extra = COMPETITORS[name].run(path)
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


#: the venv `make bench` builds from bench/requirements-competitors.txt
COMPETITOR_PYTHON = Path(__file__).resolve().parent.parent / ".venv-bench" / "bin" / "python"


def _python_for(competitor: Competitor) -> str:
    if competitor.separate_venv and COMPETITOR_PYTHON.exists():
        return str(COMPETITOR_PYTHON)
    return sys.executable


def _importable(module: str, python: str) -> bool:
    probe = subprocess.run([python, "-c", f"import {module}"], capture_output=True, check=False)
    return probe.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--competitors", default=",".join(COMPETITORS))
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.csv)
        return 0

    with tempfile.TemporaryDirectory(prefix="profile-bench-") as tmp:
        path = Path(tmp) / "bench.csv"
        started = time.perf_counter()
        generate_csv(path, args.rows)
        size = path.stat().st_size
        print(
            f"generated {args.rows:,} rows, {size / 1e6:.1f} MB in "
            f"{time.perf_counter() - started:.1f}s"
        )
        results: list[dict[str, Any]] = []
        inputs = {"csv": (path, args.rows)}
        for name in args.competitors.split(","):
            competitor = COMPETITORS[name]
            python = _python_for(competitor)
            if competitor.needs and not _importable(competitor.needs, python):
                results.append({"competitor": name, "skipped": f"{competitor.needs} not installed"})
                continue
            if competitor.fmt not in inputs:
                rows = min(args.rows, args.xlsx_rows) if competitor.fmt == "xlsx" else args.rows
                inputs[competitor.fmt] = (convert(path, competitor.fmt, rows), rows)
            source, rows = inputs[competitor.fmt]
            proc = subprocess.run(
                [
                    python,
                    "-m",
                    "bench.profile_bench",
                    "--child",
                    name,
                    "--csv",
                    str(source),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                results.append({"competitor": name, "error": proc.stderr.strip()[-2000:]})
                continue
            measured = json.loads(proc.stdout.strip().splitlines()[-1])
            wall = measured["wall_s"]
            results.append(
                {
                    "competitor": name,
                    "format": competitor.fmt,
                    "file_mb": source.stat().st_size / 1e6,
                    **measured,
                    "rows_per_s": rows / wall,
                    "mb_per_s": source.stat().st_size / 1e6 / wall,
                }
            )

    document = {
        "rows": args.rows,
        "file_mb": size / 1e6,
        "columns": 10,
        "machine": {
            "python": platform.python_version(),
            "cpus": _cpus(),
            "platform": platform.platform(),
        },
        "versions": {"pandas": pd.__version__, "numpy": np.__version__},
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(
        f"{'competitor':<18}{'wall s':>9}{'cpu s':>8}{'rows/s':>12}{'MB/s':>9}{'peak RSS MB':>13}"
    )
    for row in results:
        if "wall_s" in row:
            print(
                f"{row['competitor']:<18}{row['wall_s']:>9.2f}{row['cpu_s']:>8.2f}"
                f"{row['rows_per_s']:>12,.0f}{row['mb_per_s']:>9.1f}{row['peak_rss_mb']:>13.0f}"
            )
        else:
            print(f"{row['competitor']:<18}  {row.get('skipped') or row.get('error', '')[:60]}")
    args.output.with_suffix(".md").write_text(_markdown(document), encoding="utf-8")
    print(f"written to {args.output} and {args.output.with_suffix('.md')}")
    return 0


def _markdown(document: dict[str, Any]) -> str:
    lines = [
        f"{document['rows']:,} rows, {document['file_mb']:.1f} MB, "
        f"{document['machine']['cpus']} CPUs (whole process per competitor)",
        "",
        "| competitor | wall s | cpu s | MB/s | peak RSS MB |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in document["results"]:
        if "wall_s" in row:
            lines.append(
                f"| {row['competitor']} | {row['wall_s']:.2f} | {row['cpu_s']:.2f} "
                f"| {row['mb_per_s']:.1f} | {row['peak_rss_mb']:.0f} |"
            )
        else:
            reason = row.get("skipped") or row.get("error", "")[:60]
            lines.append(f"| {row['competitor']} | {reason} | | | |")
    return "\n".join(lines) + "\n"


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


if __name__ == "__main__":
    raise SystemExit(main())
