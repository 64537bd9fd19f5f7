"""null-handler's rules as data: rule ids (``Change.rule`` /
``Removed.rule``), bounds, and the alert / issue / recommendation tables.

Cut-offs that have no parameter are named constants here and reach the
messages through the templates (``{HIGH_VOLUME_PCT}`` ...), never as
literals in a message.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis_service.agents.rules import AlertRule, IssueRule, RecommendationRule
from analysis_service.cleaning.agents.null_handler.params import NullParams
from analysis_service.findings import Priority, Severity

RULE_DROP_ROW = "drop_rows"
RULE_FILL = "impute_{strategy}"
RULE_KNN_FALLBACK = "impute_knn_fallback_median"

#: Rows backward fill may hold back after a batch (see fill.py).
BACKWARD_FILL_MAX_HELD = 10_000
#: Complete rows the KNN reservoir keeps.
KNN_SAMPLE_ROWS = 10_000
#: Values kept per column for the suggested strategy (median) only.
SUGGESTION_SAMPLE = 10_000
#: Row-level: a row more than this share null is a null_pattern (warning),
#: critical above the second share (upstream's 15 % and 30 %).
NULL_ROW_WARNING = 0.15
NULL_ROW_CRITICAL = 0.30
#: Dataset and column cut-offs of the alerts (percent).
HIGH_VOLUME_PCT = 20.0
MODERATE_VOLUME_PCT = 5.0
HIGH_NULL_COLUMN_PCT = 50.0
DROP_SUGGESTED_PCT = 70.0
DATA_LOSS_PCT = 10.0
LOW_EFFECTIVENESS_PCT = 50.0
WIDESPREAD_COLUMN_SHARE = 0.5

C = {
    "HIGH_VOLUME_PCT": HIGH_VOLUME_PCT,
    "MODERATE_VOLUME_PCT": MODERATE_VOLUME_PCT,
    "HIGH_NULL_COLUMN_PCT": HIGH_NULL_COLUMN_PCT,
    "DROP_SUGGESTED_PCT": DROP_SUGGESTED_PCT,
    "DATA_LOSS_PCT": DATA_LOSS_PCT,
    "LOW_EFFECTIVENESS_PCT": LOW_EFFECTIVENESS_PCT,
    "NULL_ROW_CRITICAL_PCT": 100 * NULL_ROW_CRITICAL,
}


@dataclass(frozen=True)
class ColumnFacts:
    """One column with nulls, as the rules read it."""

    name: str
    null_count: int
    null_pct: float
    data_type: str
    suggested: str
    strategy: str | None
    filled: int
    remaining: int
    dropped: bool
    applied: bool
    note: str


@dataclass(frozen=True)
class DatasetFacts:
    rows: int
    columns: int
    total_nulls: int
    null_pct: float
    remaining: int
    reduction_rate: float
    data_retention_rate: float
    column_retention_rate: float
    rows_removed: int
    pattern_rows: int
    critical_rows: int
    score: float
    columns_with_nulls: int


def _fmt(**values: object) -> dict[str, object]:
    return {**C, **values}


ALERTS: tuple[AlertRule[ColumnFacts, DatasetFacts, NullParams], ...] = (
    AlertRule(
        "high_volume",
        holds=lambda d, p: d.null_pct > HIGH_VOLUME_PCT,
        values=lambda s: _fmt(),
        category="missing_data",
        severity=Severity.HIGH,
        message="{dataset.null_pct:.1f}% of all cells are null ({dataset.total_nulls} cells), "
        "above {HIGH_VOLUME_PCT:g}%",
        recommendation="Find why values are missing at the source before imputing",
    ),
    AlertRule(
        "moderate_volume",
        holds=lambda d, p: MODERATE_VOLUME_PCT < d.null_pct <= HIGH_VOLUME_PCT,
        values=lambda s: _fmt(),
        category="missing_data",
        severity=Severity.MEDIUM,
        message="{dataset.null_pct:.1f}% of all cells are null ({dataset.total_nulls} cells)",
        recommendation="Review the per-column strategies",
    ),
    AlertRule(
        "column_critical",
        selects=lambda f, p: f.null_pct > HIGH_NULL_COLUMN_PCT,
        values=lambda s: _fmt(),
        category="missing_data",
        severity=Severity.HIGH,
        message="{n} column(s) more than {HIGH_NULL_COLUMN_PCT:g}% null: {names}",
        recommendation="Drop these columns or impute them with a model (knn_imputation)",
    ),
    AlertRule(
        "column_retention",
        selects=lambda f, p: f.dropped,
        category="data_loss",
        severity=Severity.MEDIUM,
        message="{n} column(s) dropped (drop_column): {names}",
        recommendation="Confirm that no consumer needs the dropped columns",
    ),
    AlertRule(
        "data_loss",
        holds=lambda d, p: d.rows_removed > 0 and 100 - d.data_retention_rate > DATA_LOSS_PCT,
        values=lambda s: _fmt(),
        category="data_loss",
        severity=Severity.HIGH,
        message="{dataset.rows_removed} row(s) quarantined by drop_rows: only "
        "{dataset.data_retention_rate:.1f}% of the rows remain (more than {DATA_LOSS_PCT:g}% lost)",
        recommendation="Impute per column instead of dropping every row with a null",
    ),
    AlertRule(
        "pattern_clustering",
        holds=lambda d, p: d.critical_rows > 0,
        values=lambda s: _fmt(),
        category="missing_data",
        severity=Severity.MEDIUM,
        message="{dataset.critical_rows} row(s) are more than {NULL_ROW_CRITICAL_PCT:g}% null",
        recommendation="Check these rows at the source: they may be broken records",
    ),
    AlertRule(
        "imputation_effectiveness",
        holds=lambda d, p: d.total_nulls > 0 and d.reduction_rate < LOW_EFFECTIVENESS_PCT,
        values=lambda s: _fmt(),
        category="imputation",
        severity=Severity.MEDIUM,
        message="Only {dataset.reduction_rate:.1f}% of the nulls were handled "
        "({dataset.remaining} remain; below {LOW_EFFECTIVENESS_PCT:g}%)",
        recommendation="Give the columns with nulls a strategy in column_strategies",
    ),
    AlertRule(
        "quality",
        holds=lambda d, p: d.score < p.good_threshold,
        category="quality",
        severity=Severity.MEDIUM,
        message="Null handling score {dataset.score:.1f} is below the good threshold "
        "({params.good_threshold})",
        recommendation="Review the strategies and the rows lost",
    ),
    AlertRule(
        "widespread_issues",
        holds=lambda d, p: (
            d.columns > 0 and d.columns_with_nulls > WIDESPREAD_COLUMN_SHARE * d.columns
        ),
        category="missing_data",
        severity=Severity.MEDIUM,
        message="{dataset.columns_with_nulls} of {dataset.columns} columns have nulls",
        recommendation="Improve collection at the source rather than column by column",
    ),
)

ISSUES: tuple[IssueRule[ColumnFacts, NullParams], ...] = (
    IssueRule(
        "high_null_column",
        when=lambda f, p: f.null_pct > HIGH_NULL_COLUMN_PCT,
        severity=Severity.HIGH,
        message="{f.name}: {f.null_count} nulls ({f.null_pct:.1f}%)",
        extras=lambda f, p: {"null_count": f.null_count, "null_percentage": f.null_pct},
    ),
    IssueRule(
        "null",
        when=lambda f, p: f.null_pct <= HIGH_NULL_COLUMN_PCT,
        severity=Severity.LOW,
        message="{f.name}: {f.null_count} nulls ({f.null_pct:.1f}%)",
        extras=lambda f, p: {"null_count": f.null_count, "null_percentage": f.null_pct},
    ),
    IssueRule(
        "imputation_failure",
        when=lambda f, p: f.strategy is not None and not f.dropped and f.remaining > 0,
        severity=Severity.MEDIUM,
        message="{f.name}: {f.remaining} null(s) left by {f.strategy} ({f.note})",
        extras=lambda f, p: {"strategy": f.strategy, "remaining_nulls": f.remaining},
    ),
)

RECOMMENDATIONS: tuple[RecommendationRule[ColumnFacts, DatasetFacts, NullParams], ...] = (
    RecommendationRule(
        "strategy_review",
        selects=lambda f, p: f.strategy is None and p.global_strategy != "drop_rows",
        priority=Priority.HIGH,
        text="Choose a strategy for {n} column(s) with nulls and none configured: {names} "
        "(the suggested strategies are in null_summary)",
        timeline="immediate",
    ),
    RecommendationRule(
        "drop_columns",
        selects=lambda f, p: f.null_pct > DROP_SUGGESTED_PCT and not f.dropped,
        values=lambda s: _fmt(),
        priority=Priority.MEDIUM,
        text="Consider dropping {n} column(s) more than {DROP_SUGGESTED_PCT:g}% null: {names}",
        timeline="1 week",
    ),
    RecommendationRule(
        "advanced_imputation",
        selects=lambda f, p: (
            HIGH_NULL_COLUMN_PCT < f.null_pct <= DROP_SUGGESTED_PCT
            and f.strategy != "knn_imputation"
        ),
        values=lambda s: _fmt(),
        priority=Priority.MEDIUM,
        text="Impute {n} heavily null column(s) from the other columns (knn_imputation): {names}",
        timeline="1-2 weeks",
    ),
    RecommendationRule(
        "source_quality",
        holds=lambda d, p: d.null_pct > MODERATE_VOLUME_PCT,
        priority=Priority.HIGH,
        text="Fix data collection at the source: {dataset.null_pct:.1f}% of the cells are null",
        timeline="1 month",
    ),
    RecommendationRule(
        "validation",
        holds=lambda d, p: d.total_nulls > 0,
        priority=Priority.MEDIUM,
        text="Check the imputed values against known records before using them",
        timeline="1 week",
    ),
    RecommendationRule(
        "monitoring",
        holds=lambda d, p: d.total_nulls > 0,
        priority=Priority.LOW,
        text="Track the null share per column in every new file",
        timeline="ongoing",
    ),
    RecommendationRule(
        "documentation",
        holds=lambda d, p: d.total_nulls > 0,
        priority=Priority.LOW,
        text="Record which columns were imputed and how, for the data's users",
        timeline="1 week",
    ),
)
