"""The chain runner: statistics passes, the writing pass, the accounting
(contract in :mod:`analysis_service.cleaning.model`)."""

from __future__ import annotations

import copy
import csv
import hashlib
import heapq
import tempfile
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
from analysis_service.cleaning.spool import BatchSpool, RemovalLog
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


def _cancelled(cancel: Callable[[], bool] | None) -> None:
    if cancel is not None and cancel():
        from analysis_service.domain.errors import AnalysisCancelled

        raise AnalysisCancelled()


#: ``progress(pass_index, passes_expected, fraction_of_this_pass)``; pass 0
#: (reading the source) reports no fraction (the caller knows the bytes).
ProgressHook = Callable[[int, int, float], None]


class _Meter:
    """Progress over the passes after the first, by rows."""

    def __init__(self, hook: ProgressHook | None, expected: int) -> None:
        self.hook = hook
        self.expected = expected
        self.index = 0
        self.rows_total = 0
        self._done = 0

    def next_pass(self) -> None:
        self.index += 1
        self._done = 0

    def rows(self, n: int) -> None:
        self._done += n
        if self.hook is not None and self.rows_total:
            self.hook(self.index, self.expected, min(1.0, self._done / self.rows_total))


def _run_pass(
    batches: Iterable[CleanBatch],
    steps: Sequence[Step],
    sink: Callable[[CleanBatch], None],
    on_removed: Callable[[str, BatchResult], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    meter: _Meter | None = None,
) -> dict[str, AgentTally]:
    run = _Pass(steps, sink, on_removed)
    if meter is not None:
        meter.next_pass()
    for batch in batches:
        _cancelled(cancel)
        run.feed(batch)
        if meter is not None:
            meter.rows(batch.num_rows)
    run.finish()
    return run.tallies


class CsvOut:
    """csv.writer with the chain's dialect, that never lets a carriage return
    split a row: Python's writer (QUOTE_MINIMAL) quotes only the characters
    of its lineterminator, so with "\\n" a lone "\\r" in a cell would end the
    row for every reader. A batch holding one is written with every field
    quoted (the same values when read back)."""

    def __init__(self, fh: TextIO, options: Mapping[str, Any]) -> None:
        self._plain = csv.writer(fh, **options)
        self._quoted = csv.writer(fh, **{**options, "quoting": csv.QUOTE_ALL})
        self._unsafe = "\r" not in str(options.get("lineterminator", "\r\n"))

    def writerow(self, row: Sequence[Any]) -> None:
        self._plain.writerow(row)

    def writerows(self, rows: Iterable[Sequence[Any]], *, carriage_return: bool) -> None:
        """``carriage_return``: some cell of ``rows`` holds a "\\r"."""
        (self._quoted if carriage_return and self._unsafe else self._plain).writerows(rows)


def _has_cr(frame: pd.DataFrame) -> bool:
    return any(bool(frame[c].str.contains("\r", regex=False).any()) for c in frame.columns)


def _column_values(frame: pd.DataFrame) -> list[Any]:
    """Each column as a list of cell texts ("" for null), for csv.writerows."""
    return [frame[c].to_numpy(dtype=object, na_value="") for c in frame.columns]


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
            raise _agent_failed(step.agent.agent_id, exc) from exc


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
        raise _agent_failed(step.agent.agent_id, exc) from exc


def _start(step: Step, columns: tuple[str, ...]) -> None:
    """The agent's observer over its input (``columns``)."""
    step.columns_in = columns
    try:
        step.observer = step.agent.observer(step.params, columns)
    except Exception as exc:
        raise _agent_failed(step.agent.agent_id, exc) from exc


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
    meter = _Meter(progress, expected)
    with tempfile.TemporaryDirectory(prefix="chain-", dir=work_dir) as tmp:
        spools = Path(tmp)
        original = BatchSpool(spools / "input.arrow", columns)
        first = transforms[0] if transforms else None
        if first is not None:
            _start(first, columns)
        for raw, batch in _clean_batches(opened.batches):
            _cancelled(cancel)
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

            tally = _run_pass(
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
                rows = zip(*_column_values(frame), strict=True)
                cw.writerows(rows, carriage_return=_has_cr(frame))
            run.rows_cleaned += batch.num_rows

        if transforms:
            last = transforms[-1]
            logs.append(RemovalLog(spools / "removed-last.csv", last.agent.agent_id))
            # With the previewer, the last agent's output is held in a spool
            # (the dry run is complete before the cleaned CSV gets a row).
            held = BatchSpool(spools / "after-last.arrow", out_columns) if preview else None
            run.tallies.update(
                _run_pass(
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
                    _cancelled(cancel)
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
    meter: _Meter,
) -> None:
    """Every removed row with its ORIGINAL values, in file order, then
    ``_row_number``, ``_agent``, ``_rule``, ``_reason``."""
    writer.writerow([*run.columns, *QUARANTINE_COLUMNS])
    records = heapq.merge(*(log.records() for log in logs), key=lambda r: r[0])
    pending = next(records, None)
    if pending is None:
        return
    for batch in original.batches():
        _cancelled(cancel)
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
        values = _column_values(rows)
        cr = _has_cr(rows) or any("\r" in f"{rule}{reason}" for _, _, rule, reason in mine)
        writer.writerows(
            (
                [*cells, row + 1, agent, rule, reason]
                for cells, (row, agent, rule, reason) in zip(
                    zip(*values, strict=True) if values else ([] for _ in mine), mine, strict=True
                )
            ),
            carriage_return=cr,
        )
        run.rows_quarantined += len(mine)
    if pending is not None:
        raise RowsLost(f"row {pending[0] + 1} was removed but is not in the input")


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
