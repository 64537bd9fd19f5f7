"""duplicate-resolver's rules as data: rule ids used in Removed.rule /
Change.rule, and the alert, issue and recommendation tables (thresholds
from the parameters or the named constants here, never literals in
messages)."""

from __future__ import annotations

from dataclasses import dataclass

from analysis_service.agents.rules import AlertRule, IssueRule, RecommendationRule
from analysis_service.cleaning.agents.duplicate_resolver.logic import (
    DUPLICATE_ROW,
    KEY_CONFLICT,
    PARTIAL_DUPLICATE,
)
from analysis_service.cleaning.agents.duplicate_resolver.params import DedupParams
from analysis_service.findings import Priority, Severity

RULE_DUPLICATE = DUPLICATE_ROW
RULE_MERGED = "merge_smart_fill"
#: Removal rules (Removed.rule, the quarantine _rule), one per relation to the survivor.
REMOVAL_RULES = (DUPLICATE_ROW, PARTIAL_DUPLICATE, KEY_CONFLICT)
#: Keys held in memory by the index; a row with a key first seen past them
#: goes to the overflow files (:mod:`.overflow`), grouped after the pass. The
#: overflow is as fast as memory, so this only bounds memory (about 380 bytes
#: per key; 200,000 keys are about 76 MB).
MEMORY_GROUPS = 200_000
#: Digests held in memory by each detection method's own set (rows of
#: multi-row groups only, about 100 bytes each) before it spills to SQLite.
MEMORY_DIGESTS = 1_000_000

#: Duplicate share of the rows (percent) at which the volume is high / medium.
HIGH_VOLUME_PCT = 10.0
MEDIUM_VOLUME_PCT = 5.0
#: Row retention (percent) below which removing duplicates is a data loss.
DATA_LOSS_RETENTION_PCT = 80.0


@dataclass(frozen=True)
class MethodFacts:
    """One requested detection method (a "field" for the rule tables)."""

    name: str
    count: int | None
    percentage: float | None
    description: str


@dataclass(frozen=True)
class DedupFacts:
    rows_in: int
    detected: int
    removed: int
    duplicate_pct: float
    retention: float
    conflict_groups: int
    conflict_rows: int
    methods_with_hits: int
    key_columns: tuple[str, ...]
    email_columns: tuple[str, ...]
    email_hits: int
    score: float
    high_pct: float = HIGH_VOLUME_PCT
    medium_pct: float = MEDIUM_VOLUME_PCT
    loss_pct: float = DATA_LOSS_RETENTION_PCT


A = AlertRule[MethodFacts, DedupFacts, DedupParams]
R = RecommendationRule[MethodFacts, DedupFacts, DedupParams]

ALERTS: tuple[A, ...] = (
    A(
        "high_volume",
        holds=lambda d, p: d.duplicate_pct >= d.high_pct,
        dataset_wide=False,
        category="duplicates",
        severity=Severity.HIGH,
        message="{dataset.detected} duplicate rows ({dataset.duplicate_pct:g}% of "
        "{dataset.rows_in}), at or above {dataset.high_pct:g}%",
        recommendation="Find why the source repeats records before relying on it",
    ),
    A(
        "medium_volume",
        holds=lambda d, p: d.medium_pct <= d.duplicate_pct < d.high_pct,
        dataset_wide=False,
        category="duplicates",
        severity=Severity.MEDIUM,
        message="{dataset.detected} duplicate rows ({dataset.duplicate_pct:g}% of "
        "{dataset.rows_in}), at or above {dataset.medium_pct:g}%",
        recommendation="Review the duplicate groups and their source",
    ),
    A(
        "none_detected",
        holds=lambda d, p: d.detected == 0,
        dataset_wide=False,
        category="duplicates",
        severity=Severity.LOW,
        message="No duplicate rows among {dataset.rows_in} rows",
        recommendation="No action needed",
    ),
    A(
        "data_loss",
        holds=lambda d, p: d.removed > 0 and d.retention < d.loss_pct,
        dataset_wide=False,
        category="data_retention",
        severity=Severity.HIGH,
        message="Removing duplicates keeps {dataset.retention:g}% of the rows, below "
        "{dataset.loss_pct:g}%",
        recommendation="Check the key columns: too few of them make distinct records match",
    ),
    A(
        "conflicts",
        holds=lambda d, p: d.conflict_groups > 0,
        dataset_wide=False,
        category="key_conflicts",
        severity=Severity.HIGH,
        message="{dataset.conflict_groups} key group(s) ({dataset.conflict_rows} rows) share "
        "the key columns but differ in other fields",
        recommendation="Review the key conflicts: the removed rows name their survivor and "
        "the fields that differ",
    ),
    A(
        "quality",
        holds=lambda d, p: d.score < p.good_threshold,
        dataset_wide=False,
        category="quality",
        severity=Severity.MEDIUM,
        message="Deduplication score {dataset.score:g} is below {params.good_threshold}",
        recommendation="Review the detection settings and the removed rows",
    ),
    A(
        "no_key_columns",
        holds=lambda d, p: not d.key_columns,
        dataset_wide=False,
        category="configuration",
        severity=Severity.LOW,
        message="No key columns given: rows are compared on all columns",
        recommendation="Name the columns that identify a record (key_columns)",
    ),
    A(
        "multiple_types",
        holds=lambda d, p: d.methods_with_hits > 1,
        dataset_wide=False,
        category="duplicates",
        severity=Severity.LOW,
        message="{dataset.methods_with_hits} detection methods found duplicates",
        recommendation="Fix the source of each kind of duplicate",
    ),
)

RECOMMENDATIONS: tuple[R, ...] = (
    R(
        "source",
        holds=lambda d, p: d.detected > 0,
        priority=Priority.HIGH,
        text="Find and fix where the {dataset.detected} duplicate rows enter the data",
        timeline="1-2 weeks",
    ),
    R(
        "conflicts",
        holds=lambda d, p: d.conflict_groups > 0,
        priority=Priority.HIGH,
        text="Review the {dataset.conflict_groups} key conflict(s) before trusting the "
        "survivors' values",
        timeline="immediate",
    ),
    R(
        "merge_strategy",
        holds=lambda d, p: d.conflict_groups > 0 and p.merge_strategy != "merge_smart",
        priority=Priority.MEDIUM,
        text="Consider merge_strategy merge_smart to fill the survivors' missing values "
        "from their duplicates",
        timeline="1 week",
    ),
    R(
        "key_columns",
        holds=lambda d, p: not d.key_columns,
        priority=Priority.MEDIUM,
        text="Set key_columns to the columns that identify a record",
        timeline="1 week",
    ),
    R(
        "email_normalization",
        holds=lambda d, p: d.email_hits > 0,
        priority=Priority.MEDIUM,
        text="Store e-mail addresses lowercased at the source ({dataset.email_hits} "
        "duplicate row(s) match once e-mail addresses are lowercased)",
        timeline="2-3 weeks",
    ),
    R(
        "constraints",
        holds=lambda d, p: d.detected > 0,
        priority=Priority.MEDIUM,
        text="Add a uniqueness constraint on the key columns where the data is stored",
        timeline="1 month",
    ),
    R(
        "monitoring",
        holds=lambda d, p: d.detected > 0,
        priority=Priority.LOW,
        text="Monitor the duplicate rate of new files",
        timeline="ongoing",
    ),
)

ISSUES: tuple[IssueRule[MethodFacts, DedupParams], ...] = (
    IssueRule(
        "duplicate_method",
        when=lambda f, p: bool(f.count),
        severity=lambda f, p: Severity.HIGH if f.name == "conflicting" else Severity.MEDIUM,
        message="{f.count} duplicate row(s) ({f.percentage:g}%) by {column}: {f.description}",
        issue_type=lambda f, p: f"duplicate_{f.name}",
    ),
)

#: Why each recommendation is made (duplicate_analysis.recommendations[].reason).
REASONS: dict[str, str] = {
    "source": "{dataset.detected} of {dataset.rows_in} rows repeat an earlier record",
    "conflicts": "{dataset.conflict_rows} rows share key columns but differ in other fields",
    "merge_strategy": "remove_duplicates keeps only the survivor's values",
    "key_columns": "with all columns compared, records that differ in any field never match",
    "email_normalization": "e-mail addresses differing only in case are the same address",
    "constraints": "a constraint stops new duplicates where they are written",
    "monitoring": "duplicates found once tend to come back",
}
