"""drift-detector's findings, as data: alert, issue and recommendation
tables over :class:`FieldFacts` (one compared column) and
:class:`DatasetFacts` (the dataset verdict).

Cut-offs that are not catalog parameters come from the domain's
:class:`~analysis_service.domain.drift.DriftRules` (PSI bands, z rule) and
the relative shift bands below (upstream's: mean shift 10/25/50 %, std shift
20/50 %, systematic drift at 30 % of the fields)."""

from __future__ import annotations

from dataclasses import dataclass

from analysis_service.agents.drift_detector.params import DriftParams
from analysis_service.agents.rules import AlertRule, IssueRule, RecommendationRule, Scope
from analysis_service.domain.drift import (
    ColumnDrift,
    ColumnKind,
    ColumnStatus,
    DatasetDrift,
    DriftRules,
    Severity,
)
from analysis_service.findings import Priority
from analysis_service.findings import Severity as FindingSeverity


@dataclass(frozen=True)
class ShiftBands:
    """Relative mean / std shift cut-offs (fractions of the baseline's)."""

    mean_issue: float = 0.10
    mean_high: float = 0.25
    mean_critical: float = 0.50
    std_issue: float = 0.20
    std_high: float = 0.50
    systematic_share: float = 0.30
    tiny_p: float = 0.001
    wasserstein_high: float = 1.0


BANDS = ShiftBands()
RULES = DriftRules()


@dataclass(frozen=True)
class FieldFacts:
    """One common column, as the rules read it."""

    column: ColumnDrift

    @property
    def name(self) -> str:
        return self.column.name

    @property
    def compared(self) -> bool:
        return self.column.status is ColumnStatus.COMPARED

    @property
    def drifted(self) -> bool:
        return self.column.drift_detected

    @property
    def severity(self) -> Severity:
        return self.column.severity

    @property
    def mean_shift(self) -> float | None:
        """|change in mean| over |baseline mean| (None when undefined)."""
        n = self.column.numeric
        if n is None or n.baseline.mean == 0:
            return None
        return abs(n.change_in_mean) / abs(n.baseline.mean)

    @property
    def std_shift(self) -> float | None:
        n = self.column.numeric
        if n is None or n.change_in_std is None or not n.baseline.std:
            return None
        return abs(n.change_in_std) / n.baseline.std

    @property
    def p_upper(self) -> float | None:
        d = self.column.decision
        return None if d is None or d.p_value is None else d.p_value.upper

    @property
    def wasserstein(self) -> float | None:
        n = self.column.numeric
        return None if n is None else n.wasserstein.value

    @property
    def new_share(self) -> float:
        c = self.column.categorical
        if c is None:
            return 0.0
        return c.new_category_share if c.new_category_share is not None else 0.0


@dataclass(frozen=True)
class DatasetFacts:
    drift: DatasetDrift
    fields: tuple[FieldFacts, ...]

    @property
    def drifted(self) -> list[FieldFacts]:
        return [f for f in self.fields if f.drifted]

    @property
    def max_psi(self) -> float:
        return max((f.column.psi or 0.0 for f in self.fields), default=0.0)


S = Scope[FieldFacts, DatasetFacts, DriftParams]


def _high(f: FieldFacts, _p: DriftParams) -> bool:
    return f.drifted and f.severity is Severity.HIGH


def _medium(f: FieldFacts, _p: DriftParams) -> bool:
    return f.drifted and f.severity is Severity.MEDIUM


def _mean_shifted(f: FieldFacts, _p: DriftParams) -> bool:
    return f.compared and f.mean_shift is not None and f.mean_shift > BANDS.mean_issue


def _std_shifted(f: FieldFacts, _p: DriftParams) -> bool:
    return f.compared and f.std_shift is not None and f.std_shift > BANDS.std_issue


def _mean_severity(f: FieldFacts, _p: DriftParams) -> FindingSeverity:
    shift = f.mean_shift or 0.0
    if shift > BANDS.mean_critical:
        return FindingSeverity.CRITICAL
    return FindingSeverity.HIGH if shift > BANDS.mean_high else FindingSeverity.MEDIUM


def _drift_severity(f: FieldFacts, _p: DriftParams) -> FindingSeverity:
    return {
        Severity.HIGH: FindingSeverity.HIGH,
        Severity.MEDIUM: FindingSeverity.MEDIUM,
    }.get(f.severity, FindingSeverity.LOW)


def _overall_severity(scope: S) -> FindingSeverity:
    d = scope.dataset
    if any(f.severity is Severity.HIGH for f in d.drifted):
        return FindingSeverity.HIGH
    return FindingSeverity.MEDIUM


ALERTS: tuple[AlertRule[FieldFacts, DatasetFacts, DriftParams], ...] = (
    AlertRule(
        name="001_overall",
        holds=lambda d, _p: d.drift.drift_detected,
        category="data_drift",
        severity=_overall_severity,
        message="{drifted} of {compared} common fields drifted ({share:.1%}); dataset verdict: "
        "drift ({verdict})",
        recommendation="Investigate the drifted fields before reusing models or reports "
        "built on the baseline",
        values=lambda s: {
            "drifted": s.dataset.drift.drifted,
            "compared": s.dataset.drift.compared,
            "share": s.dataset.drift.drifted_share,
            "verdict": (
                f"Benjamini-Hochberg at FDR {s.dataset.drift.multiple_testing.level:g}"
                if s.dataset.drift.multiple_testing is not None
                else "effect size"
            ),
        },
    ),
    AlertRule(
        name="high_severity",
        selects=_high,
        category="data_drift",
        severity=FindingSeverity.CRITICAL,
        message="{n} field(s) drifted with PSI above {psi_high:g}: {names}",
        recommendation="Review the sources of these fields",
        values=lambda _s: {"psi_high": RULES.psi_high},
    ),
    AlertRule(
        name="psi_critical",
        holds=lambda d, _p: (d.drift.average_psi or 0.0) > RULES.psi_high,
        category="data_drift",
        severity=FindingSeverity.CRITICAL,
        message="Average PSI {avg:.3f} is above {psi_high:g}",
        recommendation="Treat the current file as a different population",
        values=lambda s: {"avg": s.dataset.drift.average_psi or 0.0, "psi_high": RULES.psi_high},
    ),
    AlertRule(
        name="medium_severity",
        selects=_medium,
        category="data_drift",
        severity=FindingSeverity.MEDIUM,
        message="{n} field(s) drifted moderately: {names}",
        recommendation="Monitor these fields",
    ),
    AlertRule(
        name="missing_columns",
        holds=lambda d, _p: bool(d.drift.missing_columns),
        category="schema_drift",
        severity=FindingSeverity.CRITICAL,
        message="{k} baseline column(s) missing from the current file: {cols}",
        recommendation="Restore the columns or update the consumers",
        dataset_wide=False,
        values=lambda s: {
            "k": len(s.dataset.drift.missing_columns),
            "cols": ", ".join(s.dataset.drift.missing_columns[:5]),
        },
    ),
    AlertRule(
        name="new_columns",
        holds=lambda d, _p: bool(d.drift.new_columns),
        category="schema_drift",
        severity=FindingSeverity.MEDIUM,
        message="{k} new column(s) not in the baseline: {cols}",
        recommendation="Document the new columns",
        dataset_wide=False,
        values=lambda s: {
            "k": len(s.dataset.drift.new_columns),
            "cols": ", ".join(s.dataset.drift.new_columns[:5]),
        },
    ),
    AlertRule(
        name="mean_shift",
        selects=lambda f, _p: f.mean_shift is not None and f.mean_shift > BANDS.mean_high,
        category="data_drift",
        severity=FindingSeverity.HIGH,
        message="Mean moved by more than {pct:.0%} in {n} field(s): {names}",
        recommendation="Check units and upstream calculations of these fields",
        values=lambda _s: {"pct": BANDS.mean_high},
    ),
    AlertRule(
        name="variance_shift",
        selects=lambda f, _p: f.std_shift is not None and f.std_shift > BANDS.std_high,
        category="data_drift",
        severity=FindingSeverity.HIGH,
        message="Spread moved by more than {pct:.0%} in {n} field(s): {names}",
        recommendation="Check for new outliers or a changed population",
        values=lambda _s: {"pct": BANDS.std_high},
    ),
    AlertRule(
        name="systematic",
        holds=lambda d, _p: (
            d.drift.compared > 0 and d.drift.drifted_share >= BANDS.systematic_share
        ),
        category="data_drift",
        severity=FindingSeverity.HIGH,
        message="Systematic drift: {share:.0%} of the compared fields drifted",
        recommendation="Look for a change in the data source or pipeline",
        values=lambda s: {"share": s.dataset.drift.drifted_share},
    ),
    AlertRule(
        name="stable",
        holds=lambda d, _p: not d.drift.drift_detected and d.drift.compared > 0,
        category="data_drift",
        severity=FindingSeverity.LOW,
        message="No drift across {compared} compared fields",
        recommendation="Keep monitoring",
        values=lambda s: {"compared": s.dataset.drift.compared},
    ),
)

ISSUES: tuple[IssueRule[FieldFacts, DriftParams], ...] = (
    IssueRule(
        kind="distribution_drift",
        when=lambda f, _p: f.drifted,
        severity=_drift_severity,
        message="{column}: distribution drifted ({f.column.reason})",
        extras=lambda f, _p: {"psi_score": f.column.psi or 0.0},
    ),
    IssueRule(
        kind="mean_shift",
        when=_mean_shifted,
        severity=_mean_severity,
        message="{column}: mean moved by {f.mean_shift:.1%} of the baseline mean",
    ),
    IssueRule(
        kind="variance_shift",
        when=_std_shifted,
        severity=lambda f, _p: (
            FindingSeverity.HIGH
            if (f.std_shift or 0.0) > BANDS.std_high
            else FindingSeverity.MEDIUM
        ),
        message="{column}: standard deviation moved by {f.std_shift:.1%}",
    ),
    IssueRule(
        kind="statistical_significance",
        when=lambda f, _p: f.drifted and f.p_upper is not None and f.p_upper < BANDS.tiny_p,
        severity=FindingSeverity.CRITICAL,
        message="{column}: p-value below 0.001 under {params.statistical_test}",
    ),
    IssueRule(
        kind="wasserstein_distance",
        when=lambda f, _p: f.wasserstein is not None and f.wasserstein > BANDS.wasserstein_high,
        severity=FindingSeverity.HIGH,
        message="{column}: Wasserstein distance {f.wasserstein:.3f} above 1",
    ),
    IssueRule(
        kind="new_categories",
        when=lambda f, _p: f.compared and f.new_share > 0,
        severity=FindingSeverity.MEDIUM,
        message="{column}: {f.new_share:.1%} of current rows are in categories the baseline "
        "never had",
    ),
    IssueRule(
        kind="type_changed",
        when=lambda f, _p: f.column.status is ColumnStatus.TYPE_CHANGED,
        severity=FindingSeverity.HIGH,
        message="{column}: numeric on one side only ({f.column.reason})",
    ),
)

RECOMMENDATIONS: tuple[RecommendationRule[FieldFacts, DatasetFacts, DriftParams], ...] = (
    RecommendationRule(
        name="retrain_models",
        holds=lambda d, _p: d.drift.drift_detected,
        priority=Priority.HIGH,
        text="Retrain or recalibrate models that use the {k} drifted field(s)",
        timeline="1-2 weeks",
        effort_hours=8,
        owner="Data Science",
        values=lambda s: {"k": s.dataset.drift.drifted},
    ),
    RecommendationRule(
        name="investigate_high_fields",
        selects=_high,
        priority=Priority.HIGH,
        text="Find the cause of the strong drift in {names}",
        timeline="1 week",
        effort_hours=4,
        owner="Data Engineering",
    ),
    RecommendationRule(
        name="source_validation",
        holds=lambda d, _p: (
            d.drift.compared > 0 and d.drift.drifted_share >= BANDS.systematic_share
        ),
        priority=Priority.MEDIUM,
        text="Validate the data source: many fields changed together",
        timeline="1 week",
        effort_hours=4,
        owner="Data Engineering",
    ),
    RecommendationRule(
        name="missing_columns",
        holds=lambda d, _p: bool(d.drift.missing_columns),
        priority=Priority.CRITICAL,
        text="Align the schema: {k} baseline column(s) are missing",
        timeline="immediate",
        effort_hours=2,
        owner="Data Engineering",
        values=lambda s: {"k": len(s.dataset.drift.missing_columns)},
    ),
    RecommendationRule(
        name="new_columns_review",
        holds=lambda d, _p: bool(d.drift.new_columns),
        priority=Priority.LOW,
        text="Review and document the {k} new column(s)",
        timeline="1 week",
        effort_hours=1,
        owner="Data Governance",
        values=lambda s: {"k": len(s.dataset.drift.new_columns)},
    ),
    RecommendationRule(
        name="mean_shift_analysis",
        selects=_mean_shifted,
        priority=Priority.MEDIUM,
        text="Analyse the mean shift of {names}",
        timeline="1 week",
        effort_hours=2,
        owner="Data Analysis",
    ),
    RecommendationRule(
        name="variance_shift_analysis",
        selects=_std_shifted,
        priority=Priority.MEDIUM,
        text="Analyse the change of spread of {names}",
        timeline="1 week",
        effort_hours=2,
        owner="Data Analysis",
    ),
    RecommendationRule(
        name="continuous_monitoring",
        holds=lambda d, _p: d.drift.compared > 0,
        priority=Priority.LOW,
        text="Compare each new file with this baseline automatically",
        timeline="ongoing",
        effort_hours=4,
        owner="Data Engineering",
    ),
)

NUMERIC = ColumnKind.NUMERIC
