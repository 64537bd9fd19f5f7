"""The chain runner with two hand-built agents: a rule that quarantines
rows whose ``qty`` is not an integer, and an exact-duplicate remover (its
plan comes from a statistics pass over ITS input, i.e. after the first
agent), with a per-pass buffering applier to prove held-back rows are
accounted for."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis_service.agents.base import AgentOutput
from analysis_service.agents.params import AgentParams
from analysis_service.cleaning.agents.cleanse_writeback.reread import scan_cleaned
from analysis_service.cleaning.agents.duplicate_resolver import DuplicateResolver
from analysis_service.cleaning.agents.duplicate_resolver.params import DedupParams
from analysis_service.cleaning.chain import Step, run_chain
from analysis_service.cleaning.model import (
    BatchResult,
    CleanBatch,
    CleanContext,
    CleaningAgent,
    Removed,
    StatelessApplier,
)
from analysis_service.cleaning.spool import BatchSpool
from analysis_service.domain.sources import open_table


@dataclasses.dataclass(frozen=True)
class _NoParams(AgentParams):
    pass


class _IntApplier(StatelessApplier):
    def apply(self, batch: CleanBatch) -> BatchResult:
        values = batch.frame["qty"].fillna("")
        bad = ~values.str.fullmatch(r"-?\d+").to_numpy(dtype=bool)
        removed = Removed(
            "not_integer", batch.row_index[bad], ["qty is not an integer"] * int(bad.sum())
        )
        return BatchResult(kept=batch.take(~bad), removed=(removed,) if bad.any() else ())


class _IntRule(CleaningAgent[_NoParams]):
    agent_id = "int-rule"
    agent_name = "Int Rule"
    params_type = _NoParams

    def applier(self, plan: Any) -> _IntApplier:
        return _IntApplier()

    def finalize(self, ctx: CleanContext[_NoParams]) -> AgentOutput:
        return AgentOutput(self.agent_id, self.agent_name)


class _Seen:
    def __init__(self) -> None:
        self.first: dict[tuple[Any, ...], int] = {}

    def consume(self, batch: CleanBatch) -> None:
        for key, row in zip(
            batch.frame.itertuples(index=False, name=None), batch.row_index, strict=True
        ):
            self.first.setdefault(tuple("" if v is None or v != v else v for v in key), int(row))


class _DedupApplier:
    """Holds each batch back until the next arrives (a buffering applier)."""

    def __init__(self, first: dict[tuple[Any, ...], int]) -> None:
        self.first = first
        self.held: CleanBatch | None = None

    def _resolve(self, batch: CleanBatch) -> BatchResult:
        keys = [
            tuple("" if v is None or v != v else v for v in t)
            for t in batch.frame.itertuples(index=False, name=None)
        ]
        survivor = np.array([self.first[k] for k in keys], dtype=np.int64)
        dup = survivor != batch.row_index
        reasons = [f"duplicate of row {s + 1}" for s in survivor[dup]]
        removed = (Removed("exact_duplicate", batch.row_index[dup], reasons),) if dup.any() else ()
        return BatchResult(kept=batch.take(~dup), removed=removed)

    def apply(self, batch: CleanBatch) -> BatchResult:
        held, self.held = self.held, batch
        if held is None:
            return BatchResult(kept=CleanBatch.empty(batch.columns))
        return self._resolve(held)

    def flush(self) -> BatchResult | None:
        return self._resolve(self.held) if self.held is not None else None


class _Dedup(CleaningAgent[_NoParams]):
    agent_id = "dedup"
    agent_name = "Dedup"
    params_type = _NoParams

    def observer(self, params: _NoParams, columns: Sequence[str]) -> _Seen:
        return _Seen()

    def plan(self, params: _NoParams, columns: Sequence[str], observer: Any) -> Any:
        return observer.first

    def applier(self, plan: Any) -> _DedupApplier:
        return _DedupApplier(plan)

    def finalize(self, ctx: CleanContext[_NoParams]) -> AgentOutput:
        return AgentOutput(self.agent_id, self.agent_name)


def _run(
    data: bytes, batch_rows: int = 2, preview: bool = False
) -> tuple[Any, list[list[str]], list[list[str]]]:
    def source() -> Any:
        table = open_table([data], batch_rows=batch_rows)
        return table.columns, table

    steps = [Step(_IntRule(), _NoParams()), Step(_Dedup(), _NoParams())]
    cleaned, quarantine = io.StringIO(), io.StringIO()
    run = run_chain(source, steps, cleaned, quarantine, preview=preview)
    return (
        run,
        list(csv.reader(io.StringIO(cleaned.getvalue()))),
        list(csv.reader(io.StringIO(quarantine.getvalue()))),
    )


DATA = b"id,qty\na,1\nb,x\na,1\nc,2\nb,x\nc,2\nd,3\n"


def test_known_answer_cell_by_cell() -> None:
    run, cleaned, quarantine = _run(DATA, preview=True)
    assert cleaned == [["id", "qty"], ["a", "1"], ["c", "2"], ["d", "3"]]
    assert quarantine == [
        ["id", "qty", "_row_number", "_agent", "_rule", "_reason"],
        # in file order, whichever agent removed them
        ["b", "x", "2", "int-rule", "not_integer", "qty is not an integer"],
        ["a", "1", "3", "dedup", "exact_duplicate", "duplicate of row 1"],
        ["b", "x", "5", "int-rule", "not_integer", "qty is not an integer"],
        ["c", "2", "6", "dedup", "exact_duplicate", "duplicate of row 4"],
    ]
    assert run.rows_in == 7 == run.rows_cleaned + run.rows_quarantined
    # the input read once (spooled), int-rule applied once while dedup
    # gathers its statistics, the preview, dedup applied into the cleaned
    # file, the quarantine written from the spooled originals
    assert run.passes == 5
    assert {k: t.counts() for k, t in run.preview.items()} == {
        k: t.counts() for k, t in run.tallies.items()
    }
    assert run.tallies["dedup"].rows_in == 5  # its input is int-rule's output


cell = st.sampled_from(["1", "2", "x", "", "a b", '"q"'])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(cell, cell), min_size=1, max_size=30), st.integers(1, 7))
def test_random_csv_never_loses_a_row(rows: list[tuple[str, str]], batch_rows: int) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["id", "qty"])
    writer.writerows([[f"r{i}-{a}", b] for i, (a, b) in enumerate(rows)] + [["dup", "1"]] * 2)
    run, cleaned, quarantine = _run(buf.getvalue().encode(), batch_rows)
    n = len(rows) + 2
    assert run.rows_in == n == run.rows_cleaned + run.rows_quarantined
    numbers = [int(r[2]) for r in quarantine[1:]]
    kept_ids = [r[0] for r in cleaned[1:]]
    all_ids = [f"r{i}-{a}" for i, (a, _) in enumerate(rows)]
    kept_numbers = [all_ids.index(k) + 1 for k in kept_ids if k != "dup"] + [
        n - 1
    ] * kept_ids.count("dup")
    assert sorted(numbers + kept_numbers) == list(range(1, n + 1))


class _Loses(_IntRule):
    agent_id = "loses"

    def applier(self, plan: Any) -> Any:
        class _A(StatelessApplier):
            def apply(self, batch: CleanBatch) -> BatchResult:
                return BatchResult(kept=batch.take(np.arange(batch.num_rows) > 0))

        return _A()


def test_an_applier_that_drops_a_row_silently_fails_the_chain() -> None:
    import pytest

    from analysis_service.cleaning.chain import ChainError

    def source() -> Any:
        table = open_table([DATA], batch_rows=3)
        return table.columns, table

    with pytest.raises(ChainError) as caught:
        run_chain(source, [Step(_Loses(), _NoParams())], io.StringIO(), io.StringIO())
    assert caught.value.code == "CLEANING_ROWS_LOST"
    assert caught.value.agent_id == "loses"


def test_formula_like_cells_stay_data_in_the_cleaned_csv() -> None:
    from tests.support.bad_files import CORPUS, FORMULA_CELLS

    data = next(b for b in CORPUS if b.key == "formula-cells").make()

    def source() -> Any:
        table = open_table([data], batch_rows=2)
        return table.columns, table

    cleaned, quarantine = io.StringIO(), io.StringIO()
    run = run_chain(source, [], cleaned, quarantine)
    rows = list(csv.reader(io.StringIO(cleaned.getvalue())))
    assert rows[0][0] == "=cmd|' /C calc'!A0"  # the header too, unchanged
    assert [r[0] for r in rows[1:]] == FORMULA_CELLS  # no quote prefix, no change
    assert run.rows_in == len(FORMULA_CELLS) == run.rows_cleaned


def test_progress_is_reported_per_pass_and_only_grows() -> None:
    seen: list[tuple[int, int, float]] = []

    def source() -> Any:
        table = open_table([DATA], batch_rows=2)
        return table.columns, table

    steps = [Step(_IntRule(), _NoParams()), Step(_Dedup(), _NoParams())]
    run = run_chain(
        source,
        steps,
        io.StringIO(),
        io.StringIO(),
        preview=True,
        progress=lambda i, n, f: seen.append((i, n, f)),
    )
    overall = [(i + f) / n for i, n, f in seen]
    assert overall == sorted(overall) and overall[-1] == (run.passes) / run.passes
    assert {n for _, n, _ in seen} == {run.passes}


def test_a_spool_gives_back_one_batch_per_batch_written(tmp_path: Path) -> None:
    """A column read from CSV is chunked by the reader's blocks; the spool
    still returns each written batch whole (not one batch per chunk)."""
    spool = BatchSpool(tmp_path / "s.arrow", ["a", "b"])
    sizes = (7, 5)
    start = 0
    for size in sizes:
        chunks = [pa.array([str(start + j)]) for j in range(size)]
        column = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, pa.string())))
        frame = pd.DataFrame({"a": column, "b": column.str.upper()})
        spool.write(CleanBatch(frame, np.arange(start, start + size, dtype=np.int64)))
        start += size
    back = list(spool.batches())
    assert [b.num_rows for b in back] == list(sizes)
    assert back[1].frame["a"].tolist() == [str(7 + i) for i in range(5)]
    assert back[1].row_index.tolist() == list(range(7, 12))


def test_a_carriage_return_in_a_cell_never_splits_a_row(tmp_path: Path) -> None:
    """csv.writer with a "\\n" lineterminator does not quote a lone "\\r";
    the chain quotes such a batch whole, so the cleaned and quarantine CSVs
    read back with the same rows and values (and the writeback's re-read
    finds no ragged row)."""
    data = b'id,text\n1,"a\rb"\n2,plain\n1,"a\rb"\n'

    def source() -> Any:
        t = open_table([data], batch_rows=2)
        return t.columns, t

    cleaned, quarantine = io.StringIO(), io.StringIO()
    run = run_chain(source, [Step(DuplicateResolver(), DedupParams())], cleaned, quarantine)
    assert (run.rows_cleaned, run.rows_quarantined) == (2, 1)
    rows = list(csv.reader(io.StringIO(cleaned.getvalue())))
    assert rows == [["id", "text"], ["1", "a\rb"], ["2", "plain"]]
    gone = list(csv.reader(io.StringIO(quarantine.getvalue())))
    assert [r[:3] for r in gone] == [["id", "text", "_row_number"], ["1", "a\rb", "3"]]
    path = tmp_path / "cleaned.csv"
    path.write_text(cleaned.getvalue(), encoding="utf-8", newline="")
    for use_arrow in (True, False):
        scan = scan_cleaned(path, ["id", "text"], {}, count_duplicates=True, use_arrow=use_arrow)
        assert scan.rows == 2 and scan.ragged_rows == 0
