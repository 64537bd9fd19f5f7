"""The statistics pass (observer), the plan and the applier of
field-standardization.

Observer, per target column: a :class:`SpellingTable` of the spellings as
the whitespace steps leave them (at most its cap of distinct spellings,
about 100 bytes + the text each), a :class:`DateEvidence` (4 counters), a
distinct count of the raw values (exact up to ``EXACT_DISTINCT``, then a
4 KiB HyperLogLog) and two counters. Per row the cost is constant; memory
does not grow with the file past the caps. Work is done per distinct value
of a batch, not per cell, and vectorised where it can be
(:mod:`.columnar`): only the distinct values whose whitespace, spelling or
date the steps may change are run in Python.

Applier: every pass over the same input makes the same changes, and keeps
the same bounded :class:`PassReport` (changed cells, what was left as it is
and why, the first examples of each, the distinct values written); at the
end of each pass the report is kept on the plan, so ``finalize`` reads the
writing pass's (the last one). The chain's tally counts the cells per rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from analysis_service.cleaning.agents.field_standardization.columnar import (
    add_dates,
    factorize,
    needs_steps,
    whitespace_issue,
)
from analysis_service.cleaning.agents.field_standardization.logic import (
    DateEvidence,
    SpellingTable,
)
from analysis_service.cleaning.agents.field_standardization.params import StandardizationParams
from analysis_service.cleaning.agents.field_standardization.rules import (
    EXACT_DISTINCT,
    EXAMPLES_PER_SOURCE,
    RULE_DATE,
    RULE_SPACING,
    RULE_SYNONYM,
    RULE_TRIM,
    RULE_UNIT,
)
from analysis_service.cleaning.agents.field_standardization.steps import ColumnSteps, Outcome
from analysis_service.cleaning.model import BatchResult, Change, CleanBatch, StatelessApplier
from analysis_service.domain.sketches import DistinctState

_RULE_ORDER = {RULE_TRIM: 0, RULE_SPACING: 1, RULE_SYNONYM: 3, RULE_UNIT: 4, RULE_DATE: 5}


def _rule_rank(rule: str) -> int:
    return _RULE_ORDER.get(rule, 2)  # the case rules run third


@dataclass
class ColumnStats:
    """The statistics pass over one target column."""

    spellings: SpellingTable
    dates: DateEvidence = field(default_factory=DateEvidence)
    distinct: DistinctState = field(default_factory=lambda: DistinctState(EXACT_DISTINCT))
    non_null: int = 0
    whitespace_issues: int = 0


class StandardizationObserver:
    def __init__(
        self, params: StandardizationParams, targets: Sequence[str], cap: int, ws: ColumnSteps
    ) -> None:
        self.params = params
        self.ws = ws
        self.columns = {
            c: ColumnStats(SpellingTable(max_spellings=cap, key=str.casefold)) for c in targets
        }

    def consume(self, batch: CleanBatch) -> None:
        for c, st in self.columns.items():
            f = factorize(batch.frame[c])
            if not len(f.pos):
                continue
            uniques = f.values()
            st.non_null += len(f.pos)
            st.distinct.update(uniques)
            issue = whitespace_issue(f.uniques)
            st.whitespace_issues += int(f.counts[issue].sum())
            spellings = list(uniques)
            for k in np.flatnonzero(issue).tolist():
                spellings[k] = self.ws.whitespace(uniques[k])
            st.spellings.add_many(spellings, f.counts.tolist())
            if self.params.date_standardization:
                add_dates(st.dates, f.uniques, uniques, f.counts)


@dataclass(frozen=True)
class Example:
    row_index: int
    original: str
    final: str
    rules: tuple[str, ...]


@dataclass
class ColumnReport:
    """What one pass did to one column (bounded)."""

    changed: int = 0
    whitespace_issues: int = 0
    distinct: DistinctState = field(default_factory=lambda: DistinctState(EXACT_DISTINCT))
    notes: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[Example]] = field(default_factory=dict)

    def room(self, kind: str) -> bool:
        return len(self.examples.get(kind, ())) < EXAMPLES_PER_SOURCE


@dataclass
class PassReport:
    columns: dict[str, ColumnReport] = field(default_factory=dict)


@dataclass
class StandardizationPlan:
    """Everything apply needs, decided from the whole input; ``report`` is
    the last finished pass's :class:`PassReport`."""

    params: StandardizationParams
    steps: dict[str, ColumnSteps]
    ignored: dict[str, list[str]] = field(default_factory=dict)
    report: PassReport | None = None


def _changes(
    column: str, rows: np.ndarray, codes: np.ndarray, outcomes: Mapping[int, Outcome]
) -> list[Change]:
    by_rule: dict[str, dict[int, tuple[str, str]]] = {}
    for k, o in outcomes.items():
        for rule, before, after in o.steps:
            by_rule.setdefault(rule, {})[k] = (before, after)
    out = []
    for rule in sorted(by_rule, key=_rule_rank):
        steps = by_rule[rule]
        idx = np.flatnonzero(np.isin(codes, list(steps)))
        pairs = [steps[int(codes[i])] for i in idx]
        out.append(Change(rule, column, rows[idx], [b for b, _ in pairs], [a for _, a in pairs]))
    return out


def _examples(
    rep: ColumnReport, rows: np.ndarray, codes: np.ndarray, outcomes: Mapping[int, Outcome]
) -> None:
    kinds = {
        k: (["changed"] if o.changed else []) + list(o.notes)
        for k, o in outcomes.items()
        if o.changed or o.notes
    }
    wanted = [k for k, ks in kinds.items() if any(rep.room(x) for x in ks)]
    if not wanted:
        return
    for i in np.flatnonzero(np.isin(codes, wanted)):
        o = outcomes[int(codes[i])]
        for kind in kinds[int(codes[i])]:
            if rep.room(kind):
                rep.examples.setdefault(kind, []).append(
                    Example(int(rows[i]), o.original, o.final, tuple(s[0] for s in o.steps))
                )


class StandardizationApplier(StatelessApplier):
    def __init__(self, plan: StandardizationPlan) -> None:
        self.plan = plan
        self.report = PassReport({c: ColumnReport() for c in plan.steps})

    def apply(self, batch: CleanBatch) -> BatchResult:
        frame = batch.frame.copy()
        changes: list[Change] = []
        for c, steps in self.plan.steps.items():
            f = factorize(frame[c])
            if not len(f.pos):
                continue
            uniques = f.values()
            # only the values the steps may change are run (the others stay)
            slow = np.flatnonzero(needs_steps(steps, f.uniques)).tolist()
            outcomes = {k: steps.run(uniques[k]) for k in slow}
            finals = list(uniques)
            for k, o in outcomes.items():
                finals[k] = o.final
            rep = self.report.columns[c]
            rep.distinct.update(list(dict.fromkeys(finals)))
            for k, o in outcomes.items():
                n = int(f.counts[k])
                rep.whitespace_issues += n if o.whitespace_issue else 0
                rep.changed += n if o.changed else 0
                for note in o.notes:
                    rep.notes[note] += n
            rows = batch.row_index[f.pos]
            _examples(rep, rows, f.codes, outcomes)
            if not any(o.changed for o in outcomes.values()):
                continue
            changes += _changes(c, rows, f.codes, outcomes)
            frame[c] = f.rewrite(finals)
        return BatchResult(CleanBatch(frame, batch.row_index), tuple(changes))

    def flush(self) -> BatchResult | None:
        self.plan.report = self.report
        return None
