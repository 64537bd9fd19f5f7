"""Runs the drift core end to end on in-memory frames, as the agent will.

The baseline and the primary are written as CSV, streamed through the real
reader in small chunks and batches, profiled, and the primary's batches are
fed to the observer too; the raw values for scipy are read back with pandas
from the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd

from analysis_service.domain.csv_source import iter_csv_batches
from analysis_service.domain.drift import (
    DatasetDrift,
    DriftObserver,
    DriftParameters,
    DriftReference,
    DriftRules,
    detect_drift,
)
from analysis_service.domain.profile import DatasetProfile, DatasetProfiler, ProfileConfig
from tests.unit.analysis.conftest import chunked

#: Small caps so that a few thousand rows already exercise the sketches.
SKETCH_CONFIG = ProfileConfig(exact_quantile_limit=2_000, top_k_cap=16)


def to_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def profile(
    data: bytes,
    config: ProfileConfig | None = None,
    observers: list[DriftObserver] | None = None,
    batch_rows: int = 997,
) -> DatasetProfile:
    """Profiles ``data``; batches go round-robin to ``observers`` (so that
    several observers see disjoint batches, as parallel readers would)."""
    profiler: DatasetProfiler | None = None
    for i, batch in enumerate(iter_csv_batches(chunked(data, 65_536), batch_rows=batch_rows)):
        if profiler is None:
            profiler = DatasetProfiler(list(batch.frame.columns), config)
        profiler.consume(batch)
        if observers:
            observers[i % len(observers)].consume(batch)
    assert profiler is not None
    return profiler.finish()


def header(data: bytes) -> list[str]:
    return next(iter_csv_batches(iter([data]))).frame.columns.tolist()


@dataclass
class DriftRun:
    baseline_bytes: bytes
    current_bytes: bytes
    baseline: DatasetProfile
    current: DatasetProfile
    reference: DriftReference
    observer: DriftObserver
    result: DatasetDrift
    frames: dict[str, pd.DataFrame | None]

    def raw(self, side: str, column: str) -> pd.Series:
        """The column's cells as strings (None for nulls): from the frame
        that was written, or as pandas reads the bytes. (Not pandas alone: a
        whitespace-only line of a one-column file is a value for our reader
        and a blank line pandas skips.)"""
        frame = self.frames[side]
        if frame is None:
            data = self.baseline_bytes if side == "baseline" else self.current_bytes
            return pd.read_csv(io.BytesIO(data), dtype=str)[column]
        series = frame[column]
        return (
            series.astype(object)
            .where(series.notna(), None)
            .map(
                lambda v: (
                    v
                    if v is None or isinstance(v, str)
                    else repr(v)
                    if isinstance(v, float)
                    else str(v)
                )
            )
        )

    def numbers(self, side: str, column: str) -> np.ndarray:
        values = pd.to_numeric(self.raw(side, column).str.strip(), errors="coerce")
        return values[np.isfinite(values)].to_numpy(dtype=np.float64)


def run_drift(
    baseline: pd.DataFrame | bytes,
    current: pd.DataFrame | bytes,
    params: DriftParameters | None = None,
    *,
    rules: DriftRules | None = None,
    config: ProfileConfig | None = None,
    observers: int = 1,
    batch_rows: int = 997,
) -> DriftRun:
    base_bytes = baseline if isinstance(baseline, bytes) else to_csv(baseline)
    cur_bytes = current if isinstance(current, bytes) else to_csv(current)
    base_profile = profile(base_bytes, config, batch_rows=batch_rows)
    reference = DriftReference.from_profile(base_profile, rules)
    columns = header(cur_bytes)
    parts = [DriftObserver(reference, columns) for _ in range(observers)]
    cur_profile = profile(cur_bytes, config, parts, batch_rows=batch_rows)
    observer = parts[0]
    for other in parts[1:]:
        observer.merge(other)
    result = detect_drift(reference, cur_profile, observer, params)
    frames = {
        "baseline": None if isinstance(baseline, bytes) else baseline,
        "current": None if isinstance(current, bytes) else current,
    }
    return DriftRun(
        base_bytes, cur_bytes, base_profile, cur_profile, reference, observer, result, frames
    )


def walk_numbers(value: Any, path: str = "result") -> Iterator[tuple[str, float]]:
    """Every float/int inside a result (dataclasses, tuples, dicts)."""
    if isinstance(value, bool | Enum | str) or value is None:
        return
    if isinstance(value, int | float | np.floating | np.integer):
        yield path, float(value)
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            yield from walk_numbers(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from walk_numbers(item, f"{path}[{key!r}]")
    elif isinstance(value, tuple | list):
        for i, item in enumerate(value):
            yield from walk_numbers(item, f"{path}[{i}]")


def assert_all_finite(result: DatasetDrift) -> None:
    bad = [(path, v) for path, v in walk_numbers(result) if not np.isfinite(v)]
    assert not bad, bad
