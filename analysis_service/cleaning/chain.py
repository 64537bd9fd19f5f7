"""The chain runner: statistics passes, the writing pass, the accounting
(contract in :mod:`analysis_service.cleaning.model`)."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from analysis_service.cleaning.model import (
    MAX_EXAMPLES,
    QUARANTINE_COLUMNS,
    AgentKind,
    AgentTally,
    BatchResult,
    CleanBatch,
    CleaningAgent,
)
from analysis_service.domain.sources import TableBatch


class ChainError(RuntimeError):
    """The chain cannot write a trustworthy result; ``code`` is the
    ErrorReason name to put on the task."""

    def __init__(self, message: str, *, code: str, agent_id: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.agent_id = agent_id


class RowsLost(ChainError):
    """An applier returned fewer or more rows than it was given."""

    def __init__(self, message: str, agent_id: str = "") -> None:
        super().__init__(message, code="CLEANING_ROWS_LOST", agent_id=agent_id)


def _agent_failed(agent_id: str, exc: Exception) -> ChainError:
    return ChainError(
        f"cleaning agent {agent_id} failed: {type(exc).__name__}: {exc}",
        code="CLEANING_AGENT_FAILED",
        agent_id=agent_id,
    )


@dataclass
class Step:
    """One selected agent with its typed parameters."""

    agent: CleaningAgent[Any]
    params: Any
    overrides: Mapping[str, Any] | None = None
    plan: Any = None
    observer: Any = None
    columns_in: tuple[str, ...] = ()
    columns_out: tuple[str, ...] = ()


@dataclass
class ChainRun:
    """What the writing pass did."""

    columns: tuple[str, ...]
    cleaned_columns: tuple[str, ...]
    rows_in: int = 0
    rows_cleaned: int = 0
    rows_quarantined: int = 0
    passes: int = 0
    tallies: dict[str, AgentTally] = field(default_factory=dict)
    preview: dict[str, AgentTally] = field(default_factory=dict)
    #: Nulls per original column: in the whole input, and in the original
    #: values of the rows written to quarantine.
    input_nulls: dict[str, int] = field(default_factory=dict)
    quarantined_nulls: dict[str, int] = field(default_factory=dict)


Source = Callable[[], tuple[Sequence[str], Iterable[TableBatch]]]


def _clean_batches(batches: Iterable[TableBatch]) -> Iterator[tuple[TableBatch, CleanBatch]]:
    for b in batches:
        index = np.arange(b.first_row, b.first_row + b.num_rows, dtype=np.int64)
        frame = b.frame.astype("string").reset_index(drop=True)
        yield b, CleanBatch(frame, index)


class _Pass:
    """One pass of the source through the appliers of ``steps``."""

    def __init__(
        self,
        steps: Sequence[Step],
        sink: Callable[[CleanBatch], None],
        on_removed: Callable[[str, BatchResult], None] | None,
    ) -> None:
        self.steps = steps
        self.appliers = [s.agent.applier(s.plan) for s in steps]
        self.tallies = {
            s.agent.agent_id: AgentTally(
                s.agent.agent_id, columns_in=s.columns_in, columns_out=s.columns_out
            )
            for s in steps
        }
        self.sink = sink
        self.on_removed = on_removed

    def _record(self, k: int, given: int, res: BatchResult) -> None:
        tally = self.tallies[self.steps[k].agent.agent_id]
        tally.rows_in += given
        tally.rows_out += res.kept.num_rows
        changed_rows: set[int] = set()
        for change in res.changes:
            rule = tally.rule(change.rule, change.column)
            rule.cells += change.cells
            rule.rows += change.cells
            for b, a in zip(change.before, change.after, strict=True):
                if a is None and b is not None:
                    rule.nulled += 1
                elif b is None and a is not None:
                    rule.filled += 1
            tally.cells_changed += change.cells
            changed_rows.update(int(r) for r in change.row_index)
            for i in range(min(change.cells, MAX_EXAMPLES - len(rule.examples))):
                rule.examples.append(
                    {
                        "row_index": int(change.row_index[i]),
                        "before": change.before[i],
                        "after": change.after[i],
                    }
                )
        tally.rows_changed += len(changed_rows)
        for removed in res.removed:
            rule = tally.rule(removed.rule, "")
            rule.rows += removed.rows
            tally.rows_removed += removed.rows
            for i in range(min(removed.rows, MAX_EXAMPLES - len(rule.examples))):
                rule.examples.append(
                    {"row_index": int(removed.row_index[i]), "reason": removed.reasons[i]}
                )
        if self.on_removed is not None and res.removed:
            self.on_removed(self.steps[k].agent.agent_id, res)

    def feed(self, batch: CleanBatch, start: int = 0) -> None:
        for k in range(start, len(self.steps)):
            given = batch.num_rows
            try:
                res = self.appliers[k].apply(batch)
            except Exception as exc:
                raise _agent_failed(self.steps[k].agent.agent_id, exc) from exc
            self._record(k, given, res)
            batch = res.kept
        self.sink(batch)

    def finish(self) -> None:
        for k, applier in enumerate(self.appliers):
            try:
                res = applier.flush()
            except Exception as exc:
                raise _agent_failed(self.steps[k].agent.agent_id, exc) from exc
            if res is None:
                continue
            self._record(k, 0, res)
            if res.kept.num_rows:
                self.feed(res.kept, k + 1)
        for tally in self.tallies.values():
            if tally.rows_in != tally.rows_out + tally.rows_removed:
                raise RowsLost(
                    f"{tally.agent} was given {tally.rows_in} rows but returned "
                    f"{tally.rows_out} kept and {tally.rows_removed} removed",
                    tally.agent,
                )


def _run_pass(
    source: Source,
    steps: Sequence[Step],
    sink: Callable[[CleanBatch], None],
    on_removed: Callable[[str, BatchResult], None] | None = None,
    on_source: Callable[[TableBatch], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> dict[str, AgentTally]:
    _, batches = source()
    run = _Pass(steps, sink, on_removed)
    for raw, batch in _clean_batches(batches):
        if cancel is not None and cancel():
            from analysis_service.domain.errors import AnalysisCancelled

            raise AnalysisCancelled()
        if on_source is not None:
            on_source(raw)
        run.feed(batch)
    run.finish()
    return run.tallies


def _cell(value: Any) -> str:
    return (
        ""
        if value is None or value is pd.NA or (isinstance(value, float) and value != value)
        else str(value)
    )


class _Originals:
    """The original values of rows not yet accounted for (bounded by the
    batches in flight)."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._frames: dict[int, list[Any]] = {}

    def add(self, batch: TableBatch) -> None:
        self._starts.append(batch.first_row)
        self._frames[batch.first_row] = [batch.frame, batch.num_rows]

    def _batches_of(self, rows: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
        """(batch start, positions in ``rows``) for every batch ``rows`` touch."""
        starts = np.asarray(self._starts, dtype=np.int64)
        which = np.searchsorted(starts, rows, side="right") - 1
        for pos in np.unique(which).tolist():
            yield int(starts[pos]), np.flatnonzero(which == pos)

    def take(self, rows: np.ndarray) -> pd.DataFrame:
        """The original rows ``rows`` (in that order), then accounted for."""
        rows = np.asarray(rows, dtype=np.int64)
        pieces = []
        for start, where in self._batches_of(rows):
            frame = self._frames[start][0]
            piece = frame.iloc[rows[where] - start]
            pieces.append(piece.set_axis(where, axis=0))
        self.account(rows)
        if not pieces:
            return pd.DataFrame()
        return pd.concat(pieces).sort_index() if len(pieces) > 1 else pieces[0]

    def account(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return
        for start, where in list(self._batches_of(rows)):
            entry = self._frames[start]
            entry[1] -= len(where)
            if entry[1] <= 0:
                del self._frames[start]
                self._starts.remove(start)


def _texts(frame: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """Rows of ``frame`` as the CSV cells :func:`_cell` gives, whole columns
    at a time (text columns: null -> ""; other columns value by value)."""
    columns = []
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_string_dtype(col.dtype) and not pd.api.types.is_object_dtype(col.dtype):
            columns.append(col.fillna("").tolist())
        else:
            columns.append([_cell(v) for v in col.tolist()])
    return zip(*columns, strict=True) if columns else iter(())


class _Reopen:
    """The source, opened once up front for its column names; that first
    opening serves the first pass, later passes open it again."""

    def __init__(self, source: Source) -> None:
        self._source = source
        columns, batches = source()
        self.columns = tuple(columns)
        self._first: Iterable[TableBatch] | None = batches

    def __call__(self) -> tuple[Sequence[str], Iterable[TableBatch]]:
        if self._first is not None:
            first, self._first = self._first, None
            return self.columns, first
        return self._source()


def _plan_steps(source: _Reopen, steps: Sequence[Step], cancel: Callable[[], bool] | None) -> int:
    """Statistics pass per agent that wants one; returns the passes made."""
    current = source.columns
    passes = 0
    for k, step in enumerate(steps):
        step.columns_in = current
        agent_id = step.agent.agent_id
        try:
            step.observer = step.agent.observer(step.params, current)
            if step.observer is not None:
                _run_pass(source, steps[:k], step.observer.consume, cancel=cancel)
                passes += 1
            step.plan = step.agent.plan(step.params, current, step.observer)
            step.columns_out = tuple(step.agent.output_columns(step.plan, current))
        except ChainError:
            raise
        except Exception as exc:
            if type(exc).__name__ == "AnalysisCancelled":
                raise
            raise _agent_failed(agent_id, exc) from exc
        current = step.columns_out
    return passes


def run_chain(
    source: Source,
    steps: Sequence[Step],
    cleaned: TextIO,
    quarantine: TextIO,
    *,
    dialect: Mapping[str, Any] | None = None,
    preview: bool = False,
    cancel: Callable[[], bool] | None = None,
) -> ChainRun:
    """Runs the TRANSFORM ``steps`` (already in declared order) over
    ``source`` and writes the cleaned and quarantine CSVs. ``source()``
    re-opens the input each call (columns, batches)."""
    transforms = [s for s in steps if s.agent.kind is AgentKind.TRANSFORM]
    source = _Reopen(source)
    columns = source.columns
    passes = _plan_steps(source, transforms, cancel)
    out_columns = transforms[-1].columns_out if transforms else columns
    run = ChainRun(columns=columns, cleaned_columns=out_columns, passes=passes)
    if preview:
        run.preview = _run_pass(source, transforms, lambda b: None, cancel=cancel)
        run.passes += 1
    options = dict(dialect or {"lineterminator": "\n"})
    cw = csv.writer(cleaned, **options)
    qw = csv.writer(quarantine, **options)
    cw.writerow(out_columns)
    qw.writerow([*columns, *QUARANTINE_COLUMNS])
    originals = _Originals()

    run.input_nulls = dict.fromkeys(columns, 0)
    run.quarantined_nulls = dict.fromkeys(columns, 0)

    def on_source(raw: TableBatch) -> None:
        originals.add(raw)
        run.rows_in += raw.num_rows
        for c, n in raw.frame.isna().sum().items():
            run.input_nulls[str(c)] += int(n)

    def sink(batch: CleanBatch) -> None:
        frame = batch.frame[list(out_columns)] if out_columns else batch.frame
        cw.writerows(_texts(frame))
        run.rows_cleaned += batch.num_rows
        originals.account(batch.row_index)

    def on_removed(agent_id: str, res: BatchResult) -> None:
        for removed in res.removed:
            if not removed.rows:
                continue
            values = originals.take(removed.row_index)
            for c, n in values.isna().sum().items():
                run.quarantined_nulls[str(c)] += int(n)
            qw.writerows(
                (*cells, int(row) + 1, agent_id, removed.rule, reason)
                for cells, row, reason in zip(
                    _texts(values), removed.row_index, removed.reasons, strict=True
                )
            )
            run.rows_quarantined += removed.rows

    run.tallies = _run_pass(source, transforms, sink, on_removed, on_source, cancel)
    run.passes += 1
    if run.rows_in != run.rows_cleaned + run.rows_quarantined:
        raise RowsLost(
            f"{run.rows_in} rows in, {run.rows_cleaned} cleaned + "
            f"{run.rows_quarantined} quarantined"
        )
    return run


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest(run: ChainRun, executed: Sequence[str], hashes: Mapping[str, str]) -> dict[str, Any]:
    """Every transformation and the content hash of each output."""
    return {
        "agents_executed": list(executed),
        "rows_in": run.rows_in,
        "rows_cleaned": run.rows_cleaned,
        "rows_quarantined": run.rows_quarantined,
        "accounting_holds": run.rows_in == run.rows_cleaned + run.rows_quarantined,
        "columns_in": len(run.columns),
        "columns_out": len(run.cleaned_columns),
        "passes": run.passes,
        "agents": [t.to_dict() for t in run.tallies.values()],
        "transformations": [r.to_dict() for t in run.tallies.values() for r in t.rules.values()],
        "outputs": [{"name": n, "sha256": h} for n, h in hashes.items()],
    }
