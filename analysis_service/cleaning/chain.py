"""The chain runner: statistics passes, the writing pass, the accounting
(contract in :mod:`analysis_service.cleaning.model`)."""

from __future__ import annotations

import copy
import heapq
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from analysis_service.cleaning.files import CsvOut, column_values
from analysis_service.cleaning.model import (
    QUARANTINE_COLUMNS,
    AgentKind,
    AgentTally,
    BatchResult,
    CleanBatch,
)
from analysis_service.cleaning.passes import (
    ChainError,
    Meter,
    ProgressHook,
    RowsLost,
    Step,
    agent_failed,
    cancelled,
    run_pass,
)
from analysis_service.cleaning.spool import BatchSpool, RemovalLog
from analysis_service.domain.sources import TableBatch

__all__ = [
    "ChainError",
    "ChainRun",
    "ProgressHook",
    "RowsLost",
    "Source",
    "Step",
    "run_chain",
]


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


class _Reopen:
    """The source, opened once for its column names and its one pass."""

    def __init__(self, source: Source) -> None:
        columns, batches = source()
        self.columns = tuple(columns)
        self.batches = batches


def _observe(step: Step | None, batch: CleanBatch) -> None:
    if step is not None and step.observer is not None and batch.num_rows:
        try:
            step.observer.consume(batch)
        except Exception as exc:
            raise agent_failed(step.agent.agent_id, exc) from exc


def _plan(step: Step, columns: tuple[str, ...]) -> None:
    """The agent's plan from its finished statistics (its observer)."""
    try:
        step.plan = step.agent.plan(step.params, columns, step.observer)
        step.columns_out = tuple(step.agent.output_columns(step.plan, columns))
    except ChainError:
        raise
    except Exception as exc:
        if type(exc).__name__ == "AnalysisCancelled":
            raise
        raise agent_failed(step.agent.agent_id, exc) from exc


def _start(step: Step, columns: tuple[str, ...]) -> None:
    """The agent's observer over its input (``columns``)."""
    step.columns_in = columns
    try:
        step.observer = step.agent.observer(step.params, columns)
    except Exception as exc:
        raise agent_failed(step.agent.agent_id, exc) from exc


def run_chain(
    source: Source,
    steps: Sequence[Step],
    cleaned: TextIO,
    quarantine: TextIO,
    *,
    dialect: Mapping[str, Any] | Callable[[], Mapping[str, Any] | None] | None = None,
    preview: bool = False,
    cancel: Callable[[], bool] | None = None,
    work_dir: Path | None = None,
    progress: ProgressHook | None = None,
) -> ChainRun:
    """Runs the TRANSFORM ``steps`` (already in declared order) over
    ``source`` and writes the cleaned and quarantine CSVs.

    The source is read once: its batches are spooled (Arrow IPC in a
    temporary directory under ``work_dir``) while the first agent's
    statistics are gathered. Then each agent is applied ONCE, in order, to
    the previous agent's spooled output, its kept rows spooled for the next
    agent while they feed that agent's statistics; the last agent's rows go
    to the cleaned CSV. With cleanse-previewer that chain of applications
    is a dry run: the last agent's rows are spooled too, its tallies are
    the prediction (``run.preview``, fixed before the cleaned CSV gets a
    row), and the cleaned CSV is then written from that spool, so what is
    written is what was predicted. The quarantine CSV is written last from the
    spooled ORIGINAL rows and the agents' removal logs, in file order.
    ``dialect`` (csv.writer options, or a function giving them once the
    source has been opened) is how both CSVs are written."""
    transforms = [s for s in steps if s.agent.kind is AgentKind.TRANSFORM]
    opened = _Reopen(source)
    columns = opened.columns
    run = ChainRun(columns=columns, cleaned_columns=columns)
    run.input_nulls = dict.fromkeys(columns, 0)
    run.quarantined_nulls = dict.fromkeys(columns, 0)
    expected = (len(transforms) + 2 + (1 if preview else 0)) if transforms else 2
    meter = Meter(progress, expected)
    with tempfile.TemporaryDirectory(prefix="chain-", dir=work_dir) as tmp:
        spools = Path(tmp)
        original = BatchSpool(spools / "input.arrow", columns)
        first = transforms[0] if transforms else None
        if first is not None:
            _start(first, columns)
        for raw, batch in _clean_batches(opened.batches):
            cancelled(cancel)
            run.rows_in += raw.num_rows
            for c, n in batch.frame.isna().sum().items():
                run.input_nulls[str(c)] += int(n)
            original.write(batch)
            _observe(first, batch)
        original.close()
        run.passes = 1
        meter.rows_total = run.rows_in
        logs: list[RemovalLog] = []

        def log_removed(agent_id: str, res: BatchResult) -> None:
            logs[-1].add(
                [
                    (int(row), removed.rule, reason)
                    for removed in res.removed
                    for row, reason in zip(removed.row_index, removed.reasons, strict=True)
                ]
            )

        current = original
        for k, step in enumerate(transforms):
            _plan(step, step.columns_in)
            following = transforms[k + 1] if k + 1 < len(transforms) else None
            if following is None:
                break
            _start(following, step.columns_out)
            out = BatchSpool(spools / f"after-{k}.arrow", step.columns_out)
            logs.append(RemovalLog(spools / f"removed-{k}.csv", step.agent.agent_id))

            def spool_and_observe(
                batch: CleanBatch, out: BatchSpool = out, nxt: Step = following
            ) -> None:
                out.write(batch)
                _observe(nxt, batch)

            tally = run_pass(
                current.batches(), [step], spool_and_observe, log_removed, cancel, meter
            )
            run.tallies.update(tally)
            run.passes += 1
            if current is not original:
                current.delete()
            current = out
        out_columns = transforms[-1].columns_out if transforms else columns
        run.cleaned_columns = out_columns
        chosen = dialect() if callable(dialect) else dialect  # known once the source was opened
        options = dict(chosen or {"lineterminator": "\n"})
        cw = CsvOut(cleaned, options)
        cw.writerow(out_columns)

        def write_cleaned(batch: CleanBatch) -> None:
            if batch.num_rows:
                frame = batch.frame[list(out_columns)] if out_columns else batch.frame
                cw.writerows(zip(*column_values(frame), strict=True), frame)
            run.rows_cleaned += batch.num_rows

        if transforms:
            last = transforms[-1]
            logs.append(RemovalLog(spools / "removed-last.csv", last.agent.agent_id))
            # With the previewer, the last agent's output is held in a spool
            # (the dry run is complete before the cleaned CSV gets a row).
            held = BatchSpool(spools / "after-last.arrow", out_columns) if preview else None
            run.tallies.update(
                run_pass(
                    current.batches(),
                    [last],
                    write_cleaned if held is None else held.write,
                    log_removed,
                    cancel,
                    meter,
                )
            )
            run.passes += 1
            if held is not None:
                run.preview = copy.deepcopy(run.tallies)
                meter.next_pass()
                for batch in held.batches():
                    cancelled(cancel)
                    write_cleaned(batch)
                    meter.rows(batch.num_rows)
                held.delete()
                run.passes += 1
        else:
            for batch in original.batches():
                write_cleaned(batch)
        meter.next_pass()
        _write_quarantine(run, original, logs, CsvOut(quarantine, options), cancel, meter)
        if transforms or run.rows_quarantined:
            run.passes += 1
    if run.rows_in != run.rows_cleaned + run.rows_quarantined:
        raise RowsLost(
            f"{run.rows_in} rows in, {run.rows_cleaned} cleaned + "
            f"{run.rows_quarantined} quarantined"
        )
    return run


def _write_quarantine(
    run: ChainRun,
    original: BatchSpool,
    logs: Sequence[RemovalLog],
    writer: CsvOut,
    cancel: Callable[[], bool] | None,
    meter: Meter,
) -> None:
    """Every removed row with its ORIGINAL values, in file order, then
    ``_row_number``, ``_agent``, ``_rule``, ``_reason``."""
    writer.writerow([*run.columns, *QUARANTINE_COLUMNS])
    records = heapq.merge(*(log.records() for log in logs), key=lambda r: r[0])
    pending = next(records, None)
    if pending is None:
        return
    for batch in original.batches():
        cancelled(cancel)
        meter.rows(batch.num_rows)
        if not batch.num_rows:
            continue
        last = int(batch.row_index[-1])
        mine: list[tuple[int, str, str, str]] = []
        while pending is not None and pending[0] <= last:
            mine.append(pending)
            pending = next(records, None)
        if not mine:
            continue
        positions = np.searchsorted(batch.row_index, [r[0] for r in mine])
        if not np.array_equal(batch.row_index[positions], [r[0] for r in mine]):
            raise RowsLost("a removed row is not a row of the input")
        rows = batch.frame.iloc[positions]
        for c, n in rows.isna().sum().items():
            run.quarantined_nulls[str(c)] += int(n)
        values = column_values(rows)
        writer.writerows(
            (
                [*cells, row + 1, agent, rule, reason]
                for cells, (row, agent, rule, reason) in zip(
                    zip(*values, strict=True) if values else ([] for _ in mine), mine, strict=True
                )
            ),
            rows,
            (f"{r[2]}{r[3]}" for r in mine),
        )
        run.rows_quarantined += len(mine)
    if pending is not None:
        raise RowsLost(f"row {pending[0] + 1} was removed but is not in the input")
