"""cleanse-writeback's parts: parameters against the catalog, the exact
duplicate counter with and without spilled runs, value round-trip rules,
dtype names, the dialect and nulls of the re-read file."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis_service.cleaning.agents.cleanse_writeback import CleanseWriteback, arrow_reread
from analysis_service.cleaning.agents.cleanse_writeback.duplicates import (
    DuplicateCounter,
    row_digest,
)
from analysis_service.cleaning.agents.cleanse_writeback.params import WritebackParams
from analysis_service.cleaning.agents.cleanse_writeback.reread import scan_cleaned
from analysis_service.cleaning.agents.cleanse_writeback.values import TypeTracker, problem
from analysis_service.cleaning.model import AgentKind
from dqcommon.tools.clean_tool import CLEANSE_WRITEBACK

pytestmark = pytest.mark.unit


def test_params_match_the_catalog() -> None:
    assert WritebackParams.defaults() == CLEANSE_WRITEBACK.defaults()
    assert WritebackParams.from_mapping(CLEANSE_WRITEBACK.defaults()) == WritebackParams()
    agent = CleanseWriteback()
    assert agent.kind is AgentKind.VERIFY and agent.agent_id == CLEANSE_WRITEBACK.agent_id


def _expected(rows: list[tuple[str, str]]) -> tuple[int, list[tuple[int, int]]]:
    first: dict[tuple[str, str], int] = {}
    dups = []
    for i, r in enumerate(rows):
        if r in first:
            dups.append((i, first[r]))
        else:
            first[r] = i
    return len(dups), dups


cell = st.sampled_from(["a", "b", "", "a,b", "x\x1fy"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(cell, cell), max_size=40), st.integers(1, 9))
def test_duplicate_count_is_exact_with_spilled_runs(
    rows: list[tuple[str, str]], run_rows: int
) -> None:
    counter = DuplicateCounter(run_rows=run_rows)
    for r in rows:
        counter.add(row_digest(r))
    result = counter.finish()
    count, dups = _expected(rows)
    assert result.rows == len(rows) and result.duplicates == count
    assert set(result.examples) <= set(dups)
    assert len(result.examples) == min(count, 5)
    if len(rows) > run_rows:
        assert result.spilled_runs >= 1


def test_digest_separates_fields() -> None:
    assert row_digest(["a", "bc"]) != row_digest(["ab", "c"])
    assert row_digest(["", "x"]) != row_digest(["x", ""])


@pytest.mark.parametrize(
    ("target", "text", "ok"),
    [
        ("integer", "12", True),
        ("integer", "-3", True),
        ("integer", "1.5", False),
        ("integer", "9" * 30, False),
        ("float", "1.5e3", True),
        ("float", "nan", False),
        ("float", "-inf", False),
        ("float", "1_000", False),
        ("float", "abc", False),
        ("boolean", "Yes", True),
        ("boolean", "maybe", False),
        ("datetime", "2024-03-04", True),
        ("datetime", "2024-03-04T10:20:00", True),
        ("datetime", "31/12/2024", True),
        ("datetime", "2024-02-30", False),
        ("datetime", "soon", False),
    ],
)
def test_round_trip_rules(target: str, text: str, ok: bool) -> None:
    assert (problem(target, text) is None) is ok


def test_dtype_names() -> None:
    for values, dtype in [
        (["1", "2"], "Int64"),
        (["1", "2.5"], "Float64"),
        (["true", "False"], "Boolean"),
        (["2024-01-01"], "Date"),
        (["2024-01-01 10:00:00"], "Datetime"),
        (["a", "1"], "String"),
        ([], "String"),
    ]:
        tracker = TypeTracker()
        for v in values:
            tracker.add(v)
        assert tracker.dtype == dtype


def test_reread_finds_the_dialect_and_nulls(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text('a;b\n1;"x;y"\n;NA\n2;z\n', encoding="utf-8")
    scan = scan_cleaned(path, ["a", "b"], {}, count_duplicates=True)
    assert scan.header_matches and scan.rows == 3 and scan.ragged_rows == 0
    assert scan.columns["a"].nulls == 1 and scan.columns["b"].nulls == 1
    assert scan.dtypes == {"a": "Int64", "b": "String"}
    assert scan.duplicates is not None and scan.duplicates.duplicates == 0


def test_big_cells_reread(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("a\n" + "x" * 300_000 + "\n", encoding="utf-8")
    scan = scan_cleaned(path, ["a"], {}, count_duplicates=False)
    assert scan.rows == 1 and scan.duplicates is None


def _peak(path: Path, rows: int, use_arrow: bool) -> int:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("id,v,d\n")
        for i in range(rows):
            fh.write(f"r{i},{i * 0.5},2024-01-{i % 28 + 1:02d}\n")
    tracemalloc.start()
    pool = pa.default_memory_pool()
    before = pool.bytes_allocated()
    try:
        scan = scan_cleaned(
            path, ["id", "v", "d"], {"v": "float"}, count_duplicates=False, use_arrow=use_arrow
        )
        assert scan.reader == ("arrow" if use_arrow else "csv")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        assert pool.bytes_allocated() <= before + 1024  # Arrow's blocks are all released


@pytest.mark.parametrize("use_arrow", [True, False])
def test_reread_memory_does_not_grow_with_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_arrow: bool
) -> None:
    """Python's memory is a block of the file (64 KiB here) whatever its size."""
    monkeypatch.setattr(arrow_reread, "BLOCK_BYTES", 1 << 16)
    small = _peak(tmp_path / "s.csv", 10_000, use_arrow)
    large = _peak(tmp_path / "l.csv", 40_000, use_arrow)
    assert large < 3 * 1024 * 1024
    assert large < small * 1.5
