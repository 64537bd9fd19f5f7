"""outlier-remover's rules as data: rule ids (``Change.rule`` /
``Removed.rule``), bounds, and the alert / issue / recommendation tables.
Cut-offs without a parameter are named constants, put into the messages
by the templates."""

from __future__ import annotations

from dataclasses import dataclass

from analysis_service.agents.rules import AlertRule, IssueRule, RecommendationRule
from analysis_service.cleaning.agents.outlier_remover.params import OutlierParams
from analysis_service.findings import Priority, Severity

RULE_REMOVED = "outlier_removed"
RULE_IMPUTED = "outlier_imputed"
#: A column is numeric when at least this share of its non-null cells are numbers.
NUMERIC_SHARE = 0.9
#: Outliers kept per column as examples (the summary lists the first 50).
EXAMPLES = 200
LISTED_OUTLIERS = 50
#: Percent cut-offs of the alerts.
HIGH_VOLUME_PCT = 5.0
MEDIUM_VOLUME_PCT = 1.0
COLUMN_CRITICAL_PCT = 10.0
DATA_LOSS_PCT = 10.0
EXCESSIVE_REMOVAL_PCT = 20.0
#: |mean - median| / std above which a column is called skewed.
SKEW = 0.5

C = {
    "HIGH_VOLUME_PCT": HIGH_VOLUME_PCT,
    "MEDIUM_VOLUME_PCT": MEDIUM_VOLUME_PCT,
    "COLUMN_CRITICAL_PCT": COLUMN_CRITICAL_PCT,
    "DATA_LOSS_PCT": DATA_LOSS_PCT,
    "EXCESSIVE_REMOVAL_PCT": EXCESSIVE_REMOVAL_PCT,
}


@dataclass(frozen=True)
class ColumnFacts:
    name: str
    outliers: int
    pct: float
    critical: int
    skewed: bool
    action: str


@dataclass(frozen=True)
class DatasetFacts:
    rows: int
    numeric_columns: int
    skipped: int
    outliers: int
    pct: float
    rows_removed: int
    removed_pct: float
    data_retention_rate: float
    remaining: int
    score: float
    strategy: str


def _c(_scope: object) -> dict[str, object]:
    return dict(C)


ALERTS: tuple[AlertRule[ColumnFacts, DatasetFacts, OutlierParams], ...] = (
    AlertRule(
        "high_volume",
        holds=lambda d, p: d.pct > HIGH_VOLUME_PCT,
        values=_c,
        category="outliers",
        severity=Severity.HIGH,
        message="{dataset.outliers} outlier value(s): {dataset.pct:.2f}% of the numeric "
        "values, above {HIGH_VOLUME_PCT:g}%",
        recommendation="Check the method and the thresholds before removing this many values",
    ),
    AlertRule(
        "medium_volume",
        holds=lambda d, p: MEDIUM_VOLUME_PCT < d.pct <= HIGH_VOLUME_PCT,
        values=_c,
        category="outliers",
        severity=Severity.MEDIUM,
        message="{dataset.outliers} outlier value(s): {dataset.pct:.2f}% of the numeric values",
        recommendation="Review the outliers per column",
    ),
    AlertRule(
        "low_detection",
        holds=lambda d, p: d.numeric_columns > 0 and d.outliers == 0,
        category="outliers",
        severity=Severity.LOW,
        message="No outlier found in {dataset.numeric_columns} numeric column(s) "
        "({params.detection_method})",
        recommendation="Nothing to do, or tighten the thresholds if outliers are expected",
    ),
    AlertRule(
        "column_critical",
        selects=lambda f, p: f.pct > COLUMN_CRITICAL_PCT,
        values=_c,
        category="outliers",
        severity=Severity.HIGH,
        message="{n} column(s) with more than {COLUMN_CRITICAL_PCT:g}% outliers: {names}",
        recommendation="Check these columns for unit errors or a mixed population",
    ),
    AlertRule(
        "data_loss",
        holds=lambda d, p: d.rows_removed > 0 and 100 - d.data_retention_rate > DATA_LOSS_PCT,
        values=_c,
        category="data_loss",
        severity=Severity.HIGH,
        message="{dataset.rows_removed} row(s) quarantined: only "
        "{dataset.data_retention_rate:.1f}% of the rows remain (more than {DATA_LOSS_PCT:g}% lost)",
        recommendation="Impute the outliers (impute_median) instead of removing their rows",
    ),
    AlertRule(
        "excessive_removal",
        holds=lambda d, p: d.removed_pct > EXCESSIVE_REMOVAL_PCT,
        values=_c,
        category="data_loss",
        severity=Severity.CRITICAL,
        message="{dataset.removed_pct:.1f}% of the rows were removed "
        "(above {EXCESSIVE_REMOVAL_PCT:g}%)",
        recommendation="Restore the quarantined rows and loosen the thresholds",
    ),
    AlertRule(
        "skewed_distribution",
        selects=lambda f, p: f.skewed and f.outliers > 0,
        category="distribution",
        severity=Severity.MEDIUM,
        message="{n} skewed column(s) with outliers: {names}",
        recommendation="A skewed column has many 'outliers' by nature: consider a log "
        "transform or the percentile method",
    ),
    AlertRule(
        "quality",
        holds=lambda d, p: d.score < p.good_threshold,
        category="quality",
        severity=Severity.MEDIUM,
        message="Outlier removal score {dataset.score:.1f} is below the good threshold "
        "({params.good_threshold})",
        recommendation="Review the rows lost and the remaining outliers",
    ),
)

ISSUES: tuple[IssueRule[ColumnFacts, OutlierParams], ...] = (
    IssueRule(
        "outlier_removed",
        when=lambda f, p: f.outliers > 0 and f.action == "removed",
        severity=Severity.MEDIUM,
        message="{f.name}: {f.outliers} outlier(s) ({f.pct:.2f}%); their rows were quarantined",
        extras=lambda f, p: {"outlier_count": f.outliers, "outlier_percentage": f.pct},
    ),
    IssueRule(
        "outlier_imputed",
        when=lambda f, p: f.outliers > 0 and f.action != "removed",
        severity=Severity.LOW,
        message="{f.name}: {f.outliers} outlier(s) ({f.pct:.2f}%) replaced ({f.action})",
        extras=lambda f, p: {"outlier_count": f.outliers, "outlier_percentage": f.pct},
    ),
    IssueRule(
        "extreme_outliers",
        when=lambda f, p: f.critical > 0,
        severity=Severity.HIGH,
        message="{f.name}: {f.critical} extreme value(s)",
        extras=lambda f, p: {"critical_count": f.critical},
    ),
)

RECOMMENDATIONS: tuple[RecommendationRule[ColumnFacts, DatasetFacts, OutlierParams], ...] = (
    RecommendationRule(
        "column_review",
        selects=lambda f, p: f.pct > COLUMN_CRITICAL_PCT,
        priority=Priority.HIGH,
        text="Review {n} column(s) with many outliers: {names}",
        timeline="1 week",
    ),
    RecommendationRule(
        "imputation",
        holds=lambda d, p: d.strategy == "remove" and d.rows_removed > 0,
        priority=Priority.MEDIUM,
        text="{dataset.rows_removed} row(s) were quarantined for one outlier cell or more; "
        "impute_median keeps the rows",
        timeline="1 week",
    ),
    RecommendationRule(
        "distribution_transform",
        selects=lambda f, p: f.skewed and f.outliers > 0,
        priority=Priority.MEDIUM,
        text="Transform the skewed column(s) {names} (log) before detecting outliers",
        timeline="2-3 weeks",
    ),
    RecommendationRule(
        "validation",
        holds=lambda d, p: d.outliers > 0,
        priority=Priority.MEDIUM,
        text="Check a sample of the outliers against their source before discarding them",
        timeline="1 week",
    ),
    RecommendationRule(
        "monitoring",
        holds=lambda d, p: d.numeric_columns > 0,
        priority=Priority.LOW,
        text="Track the outlier share per column in every new file",
        timeline="ongoing",
    ),
    RecommendationRule(
        "documentation",
        holds=lambda d, p: d.outliers > 0,
        priority=Priority.LOW,
        text="Record the method ({params.detection_method}) and what was done with the outliers",
        timeline="1 week",
    ),
)
