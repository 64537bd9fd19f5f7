"""The same data as CSV, JSON (array and lines) and XLSX gives the same
profile: every format feeds the agents the same batches."""

from __future__ import annotations

import datetime as dt
import io
import json
import math

import numpy as np
import openpyxl
import pytest

from analysis_service.domain.profile import DatasetProfile, DatasetProfiler
from analysis_service.domain.sources import SourceOptions, open_table
from tests.unit.analysis.conftest import chunked

pytestmark = pytest.mark.unit

ROWS = 3_000


def records(rng: np.random.Generator) -> list[dict[str, object]]:
    start = dt.datetime(2023, 1, 1)
    out: list[dict[str, object]] = []
    for i in range(ROWS):
        out.append(
            {
                "id": i,
                # Never integral: 3.0 is the number 3 in a workbook (Excel has one number type).
                "amount": None if i % 17 == 1 else int(rng.integers(0, 900)) + 0.25,
                # 12 decimals: openpyxl writes floats with 16 significant digits only.
                "score": round(float(rng.normal()), 12),
                "qty": int(rng.integers(0, 50)),
                "segment": ["retail", "corporate", "public"][i % 3],
                "active": bool(i % 4),
                "signup": (start + dt.timedelta(days=int(rng.integers(0, 700)))).date(),
                "seen": start + dt.timedelta(minutes=int(rng.integers(0, 10**6))),
                "note": None if i % 5 == 1 else f"note {i % 40} é",
            }
        )
    return out


def as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def as_csv(rows: list[dict[str, object]]) -> bytes:
    lines = [",".join(rows[0])]
    lines += [",".join(as_text(v) for v in row.values()) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def as_json(rows: list[dict[str, object]], lines: bool) -> bytes:
    """Array: explicit nulls; lines: missing keys (a missing key is a null
    too; the first record has every key, so the column order is the same)."""

    def plain(row: dict[str, object]) -> dict[str, object]:
        return {
            k: (as_text(v) if isinstance(v, dt.date) else v)
            for k, v in row.items()
            if v is not None or not lines
        }

    if lines:
        return ("\n".join(json.dumps(plain(r)) for r in rows) + "\n").encode()
    return json.dumps([plain(r) for r in rows], indent=1).encode()


def as_xlsx(rows: list[dict[str, object]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Data")
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))  # dates as date cells, date-times as date-time cells
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def profile(data: bytes, name: str) -> DatasetProfile:
    with open_table(
        chunked(data, 64 * 1024), options=SourceOptions(name=name), batch_rows=700
    ) as reader:
        profiler = DatasetProfiler(reader.columns)
        for batch in reader:
            profiler.consume(batch)
        profiler.set_source(reader.stats)
    return profiler.finish()


def summary(profile: DatasetProfile) -> dict[str, object]:
    out: dict[str, object] = {"rows": profile.rows, "columns": profile.column_names}
    for column in profile.columns:
        quantiles = column.quantiles([0.1, 0.5, 0.9])
        out[column.name] = {
            "type": column.inferred_type.value,
            "nulls": column.null_count,
            "distinct": column.distinct().value,
            "top": [(t.value, t.count) for t in column.top_values(5)],
            "mean": column.moments.mean if column.moments.count else None,
            "std": column.moments.std,
            "quantiles": quantiles,
            "min_date": column.datetime_min,
            "max_date": column.datetime_max,
            "true": column.true_count,
            "mismatches": column.type_mismatch_count,
            "lengths": (column.lengths.min, column.lengths.max),
        }
    return out


def close(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    return a == b


def test_csv_json_and_xlsx_profiles_agree(rng: np.random.Generator) -> None:
    rows = records(rng)
    expected = summary(profile(as_csv(rows), "data.csv"))
    assert expected["amount"]["type"] == "float"  # type: ignore[index]
    assert expected["signup"]["type"] == "datetime"  # type: ignore[index]
    assert expected["active"]["type"] == "boolean"  # type: ignore[index]
    for data, name in (
        (as_json(rows, lines=False), "data.json"),
        (as_json(rows, lines=True), "data.jsonl"),
        (as_xlsx(rows), "data.xlsx"),
    ):
        got = summary(profile(data, name))
        for key in expected:
            assert close(got[key], expected[key]), (name, key, got[key], expected[key])


def test_sources_say_what_they_read(rng: np.random.Generator) -> None:
    rows = records(rng)[:10]
    assert profile(as_csv(rows), "d.csv").source.format == "csv"
    json_source = profile(as_json(rows, lines=True), "d.json").source
    assert (json_source.format, json_source.json_layout) == ("json", "lines")
    xlsx_source = profile(as_xlsx(rows), "d.xlsx").source
    assert (xlsx_source.format, xlsx_source.sheet, xlsx_source.sheets) == (
        "xlsx",
        "Data",
        ("Data",),
    )
