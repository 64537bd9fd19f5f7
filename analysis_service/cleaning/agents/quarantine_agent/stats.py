"""The statistics pass of quarantine-agent: exact whole-file counts and
bounded example lists, from the same checks the applier runs.

Memory: counters per (rule, column) (bounded by the constraints and the
columns), the first :data:`FIRST_ISSUES` issues, at most
:data:`EXAMPLES_PER_RULE` examples per rule, :data:`SUSPICIOUS_EXAMPLES`
rows with two or more issues and :data:`QUARANTINED_EXAMPLES` quarantined
rows (each a row number and a short text). Nothing grows with the file;
the cost per row is the checks' work, no storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from analysis_service.cleaning.agents.quarantine_agent.checks import (
    BatchHits,
    Check,
    RuleSet,
    evaluate,
)
from analysis_service.cleaning.agents.quarantine_agent.rules import (
    EXAMPLES_PER_RULE,
    FIRST_ISSUES,
    QUARANTINED_EXAMPLES,
    RULES_BY_ID,
    SUSPICIOUS_EXAMPLES,
)
from analysis_service.cleaning.model import CleanBatch


@dataclass(frozen=True)
class Hit:
    """One issue of one row (``column`` "all" for a whole empty record)."""

    row_index: int
    column: str
    rule: str
    description: str

    @property
    def severity(self) -> str:
        return RULES_BY_ID[self.rule].severity.value

    def to_dict(self) -> dict[str, object]:
        return {
            "row_index": self.row_index,
            "column": self.column,
            "issue_type": self.rule,
            "severity": self.severity,
            "description": self.description,
        }


@dataclass
class QuarantineStats:
    rules: RuleSet
    rows: int = 0
    rows_with_issues: int = 0
    rows_quarantined: int = 0
    suspicious_rows: int = 0
    #: hits (cells, or records for column "all") per (rule, column)
    hits: dict[tuple[str, str], int] = field(default_factory=dict)
    #: rows hit per rule
    rows_by_rule: dict[str, int] = field(default_factory=dict)
    #: quarantined rows by their Removed.rule (the most severe hit)
    removed_by_rule: dict[str, int] = field(default_factory=dict)
    first_issues: list[Hit] = field(default_factory=list)
    examples: dict[str, list[Hit]] = field(default_factory=dict)
    suspicious: list[tuple[int, int]] = field(default_factory=list)
    quarantined: list[tuple[int, str, str]] = field(default_factory=list)

    def consume(self, batch: CleanBatch) -> None:
        found = evaluate(self.rules, batch.frame)
        index = batch.row_index
        self.rows += batch.num_rows
        self.rows_with_issues += int(found.with_issue().sum())
        removed = found.quarantined()
        self.rows_quarantined += int(removed.sum())
        counts = found.counts()
        self.suspicious_rows += int((counts >= 2).sum())
        by_rule: dict[str, np.ndarray] = {}
        for check, mask in found.hits:
            key = (check.rule, check.column)
            self.hits[key] = self.hits.get(key, 0) + int(mask.sum())
            by_rule[check.rule] = by_rule.get(check.rule, np.zeros_like(mask)) | mask
        for rule, mask in by_rule.items():
            self.rows_by_rule[rule] = self.rows_by_rule.get(rule, 0) + int(mask.sum())
        self._examples(found, index)
        top = found.top_rules()
        for rule, n in zip(*np.unique(top[removed].astype(str), return_counts=True), strict=True):
            self.removed_by_rule[str(rule)] = self.removed_by_rule.get(str(rule), 0) + int(n)
        for pos in np.flatnonzero(removed)[: QUARANTINED_EXAMPLES - len(self.quarantined)]:
            rule, reason = found.removal(int(pos))
            self.quarantined.append((int(index[pos]), rule, reason))
        for pos in np.flatnonzero(counts >= 2)[: SUSPICIOUS_EXAMPLES - len(self.suspicious)]:
            self.suspicious.append((int(index[pos]), int(counts[pos])))

    def _hit(self, found: BatchHits, check: Check, pos: int, row: int) -> Hit:
        return Hit(row, check.column, check.rule, check.describe(found.view, pos))

    def _examples(self, found: BatchHits, index: np.ndarray) -> None:
        if len(self.first_issues) < FIRST_ISSUES:
            for pos in np.flatnonzero(found.with_issue()):
                for check in found.at(int(pos)):
                    if len(self.first_issues) >= FIRST_ISSUES:
                        return self._per_rule(found, index)
                    self.first_issues.append(self._hit(found, check, int(pos), int(index[pos])))
        self._per_rule(found, index)

    def _per_rule(self, found: BatchHits, index: np.ndarray) -> None:
        pending: dict[str, list[tuple[int, int, Check]]] = {}
        for order, (check, mask) in enumerate(found.hits):
            room = EXAMPLES_PER_RULE - len(self.examples.get(check.rule, []))
            if room <= 0:
                continue
            pending.setdefault(check.rule, []).extend(
                (int(p), order, check) for p in np.flatnonzero(mask)[:room]
            )
        for rule, items in pending.items():
            listed = self.examples.setdefault(rule, [])
            for pos, _, check in sorted(items, key=lambda t: (t[0], t[1])):
                if len(listed) >= EXAMPLES_PER_RULE:
                    break
                listed.append(self._hit(found, check, pos, int(index[pos])))

    @property
    def clean_rows(self) -> int:
        return self.rows - self.rows_with_issues
