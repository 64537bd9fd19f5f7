"""What the drift observer adds to the primary pass, and that its state stays bounded.

Usage::

    .venv/bin/python -m bench.drift_bench --rows 1000000

Generates a baseline and a primary file with the generator of
``bench/profile_bench.py`` (same columns and distributions, different seeds,
so the primary has sampling differences and no real drift), profiles the
baseline, builds the :class:`~analysis_service.domain.drift.DriftReference`
and then streams the primary once through the real path (1 MiB chunks,
pyarrow streaming parser, 50,000-row batches), timing per batch the profile's
``consume`` and the drift observer's ``consume`` separately. It then times
``detect_drift`` and measures the observer's retained state after a quarter
of the rows and after all of them (it must not grow with the file).

Results go to ``bench/results/drift_bench.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from analysis_service.domain.csv_source import CsvStreamReader
from analysis_service.domain.drift import (
    DriftObserver,
    DriftParameters,
    DriftReference,
    detect_drift,
)
from analysis_service.domain.drift.observer import CategoricalObservation, NumericObservation
from analysis_service.domain.profile import DatasetProfile, DatasetProfiler
from bench.profile_bench import generate_csv

RESULTS = Path(__file__).resolve().parent / "results" / "drift_bench.json"
CHUNK = 1 << 20
BATCH_ROWS = 50_000


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def _profile(path: Path) -> DatasetProfile:
    reader = CsvStreamReader(_chunks(path), batch_rows=BATCH_ROWS)
    profiler = DatasetProfiler(reader.columns)
    for batch in reader:
        profiler.consume(batch)
    profiler.set_source(reader.stats)
    return profiler.finish()


def observer_state_bytes(observer: DriftObserver) -> int:
    """What the observer retains (arrays, evidence lists, new-category
    summaries), excluding the shared reference."""
    total = 0
    for observation in observer.observations.values():
        for evidence in observation.evidence.values():
            total += 16 * (len(evidence.rows) + len(evidence.values))
            total += sum(len(v) for v in evidence.values if isinstance(v, str))
        if isinstance(observation, NumericObservation):
            total += observation.bin_counts.nbytes
        elif isinstance(observation, CategoricalObservation):
            total += observation.counts.nbytes
            if observation.unmatched_values is not None:
                total += 64 * observation.unmatched_values.counters()
    return total


def _ms(seconds: list[float]) -> dict[str, float]:
    return {
        "total_s": round(sum(seconds), 3),
        "mean_ms": round(1000 * statistics.fmean(seconds), 2),
        "median_ms": round(1000 * statistics.median(seconds), 2),
        "max_ms": round(1000 * max(seconds), 2),
    }


def run(rows: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="drift-bench-") as tmp:
        baseline_path, primary_path = Path(tmp) / "baseline.csv", Path(tmp) / "primary.csv"
        generate_csv(baseline_path, rows, seed=42)
        generate_csv(primary_path, rows, seed=43)
        size_mb = primary_path.stat().st_size / 1e6

        started = time.perf_counter()
        baseline = _profile(baseline_path)
        baseline_s = time.perf_counter() - started
        started = time.perf_counter()
        reference = DriftReference.from_profile(baseline)
        reference_s = time.perf_counter() - started

        reader = CsvStreamReader(_chunks(primary_path), batch_rows=BATCH_ROWS)
        profiler = DatasetProfiler(reader.columns)
        observer = DriftObserver(reference, reader.columns)
        profile_times: list[float] = []
        observer_times: list[float] = []
        state_at_quarter = 0
        started = time.perf_counter()
        for batch in reader:
            t0 = time.perf_counter()
            profiler.consume(batch)
            t1 = time.perf_counter()
            observer.consume(batch)
            t2 = time.perf_counter()
            profile_times.append(t1 - t0)
            observer_times.append(t2 - t1)
            if not state_at_quarter and observer.rows >= rows // 4:
                state_at_quarter = observer_state_bytes(observer)
        pass_s = time.perf_counter() - started
        profiler.set_source(reader.stats)
        current = profiler.finish()

        started = time.perf_counter()
        result = detect_drift(reference, current, observer, DriftParameters())
        detect_s = time.perf_counter() - started

        # Peak Python-heap use of the observer alone over one batch (numpy
        # and Arrow temporaries included): a per-batch constant.
        reader = CsvStreamReader(_chunks(primary_path), batch_rows=BATCH_ROWS)
        batch = next(iter(reader))
        probe = DriftObserver(reference, reader.columns)
        tracemalloc.start()
        probe.consume(batch)
        batch_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

    observer_total = sum(observer_times)
    profile_total = sum(profile_times)
    return {
        "rows": rows,
        "columns": len(current.columns),
        "primary_mb": round(size_mb, 1),
        "batches": len(observer_times),
        "batch_rows": BATCH_ROWS,
        "baseline_profile_s": round(baseline_s, 2),
        "reference_s": round(reference_s, 3),
        "primary_pass_s": round(pass_s, 2),
        "profile_consume": _ms(profile_times),
        "observer_consume": _ms(observer_times),
        "observer_share_of_profile": round(observer_total / profile_total, 3),
        "observer_ms_per_batch_per_column": round(
            1000 * observer_total / len(observer_times) / len(reference.columns), 2
        ),
        "detect_drift_s": round(detect_s, 3),
        "observer_state_bytes_at_quarter": state_at_quarter,
        "observer_state_bytes_at_end": observer_state_bytes(observer),
        "observer_batch_peak_mb": round(batch_peak / 1e6, 1),
        "verdict": {
            "drift_detected": result.drift_detected,
            "drifted": result.drifted,
            "compared": result.compared,
            "columns": {
                c.name: {
                    "status": c.status.value,
                    "drift": c.drift_detected,
                    "psi": None if c.psi is None else round(c.psi, 5),
                    "exact": None
                    if c.decision is None or c.decision.p_value is None
                    else c.decision.p_value.exact,
                }
                for c in result.columns
            },
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    measured = run(args.rows)
    measured["machine"] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "numpy": np.__version__,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(measured, indent=2) + "\n")
    p, o = measured["profile_consume"], measured["observer_consume"]
    print(f"{measured['rows']:,} rows, {measured['primary_mb']} MB, {measured['batches']} batches")
    print(f"{'per batch':<22}{'mean ms':>10}{'median ms':>11}{'max ms':>9}{'total s':>9}")
    for name, row in (("profile consume", p), ("drift observer", o)):
        print(
            f"{name:<22}{row['mean_ms']:>10}{row['median_ms']:>11}"
            f"{row['max_ms']:>9}{row['total_s']:>9}"
        )
    print(f"observer / profile: {measured['observer_share_of_profile']:.1%}")
    print(
        f"observer state: {measured['observer_state_bytes_at_quarter']:,} B at 1/4, "
        f"{measured['observer_state_bytes_at_end']:,} B at the end; "
        f"per-batch peak {measured['observer_batch_peak_mb']} MB"
    )
    print(f"detect_drift: {measured['detect_drift_s']} s; results in {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
