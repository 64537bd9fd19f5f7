"""One pass of batches through the appliers of some chain steps, with
what it did (:class:`AgentTally` per agent, rows kept and removed checked)
and its progress; the chain's errors."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analysis_service.cleaning.model import (
    MAX_EXAMPLES,
    AgentTally,
    BatchResult,
    CleanBatch,
    CleaningAgent,
)


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


def agent_failed(agent_id: str, exc: Exception) -> ChainError:
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


class ApplyPass:
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
                raise agent_failed(self.steps[k].agent.agent_id, exc) from exc
            self._record(k, given, res)
            batch = res.kept
        self.sink(batch)

    def finish(self) -> None:
        for k, applier in enumerate(self.appliers):
            try:
                res = applier.flush()
            except Exception as exc:
                raise agent_failed(self.steps[k].agent.agent_id, exc) from exc
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


def cancelled(cancel: Callable[[], bool] | None) -> None:
    if cancel is not None and cancel():
        from analysis_service.domain.errors import AnalysisCancelled

        raise AnalysisCancelled()


#: ``progress(pass_index, passes_expected, fraction_of_this_pass)``; pass 0
#: (reading the source) reports no fraction (the caller knows the bytes).
ProgressHook = Callable[[int, int, float], None]


class Meter:
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


def run_pass(
    batches: Iterable[CleanBatch],
    steps: Sequence[Step],
    sink: Callable[[CleanBatch], None],
    on_removed: Callable[[str, BatchResult], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    meter: Meter | None = None,
) -> dict[str, AgentTally]:
    run = ApplyPass(steps, sink, on_removed)
    if meter is not None:
        meter.next_pass()
    for batch in batches:
        cancelled(cancel)
        run.feed(batch)
        if meter is not None:
            meter.rows(batch.num_rows)
    run.finish()
    return run.tallies
