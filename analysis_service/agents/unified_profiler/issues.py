"""unified-profiler's issues (one per field and kind, upstream's types
first) and recommendations (one per theme, upstream's ids), as tables."""

from __future__ import annotations

from analysis_service.agents.rules import IssueRule, RecommendationRule
from analysis_service.agents.unified_profiler.facts import DatasetFacts, FieldFacts
from analysis_service.agents.unified_profiler.params import ProfilerParams
from analysis_service.agents.unified_profiler.rules import (
    DUPLICATES_HIGH_PCT,
    FAIR_QUALITY,
    GOOD_QUALITY,
    critical_nulls,
    date_severity,
    day_month_dates,
    imbalanced,
    low_quality,
    many_outliers,
    pii_severity,
    skewed,
    warning_nulls,
)
from analysis_service.findings import Priority, Severity


def _mismatch_severity(f: FieldFacts, p: ProfilerParams) -> Severity:
    if not f.type_conflict:
        return Severity.LOW
    return Severity.HIGH if f.mixed else Severity.MEDIUM


ISSUES: tuple[IssueRule[FieldFacts, ProfilerParams], ...] = (
    IssueRule(
        "low_quality_score",
        when=low_quality,
        severity=lambda f, p: Severity.HIGH if f.quality < FAIR_QUALITY else Severity.MEDIUM,
        message="Quality score of {column} is {f.quality:.1f}/100",
        extras=lambda f, p: {
            "quality_score": round(f.quality, 2),
            "remediation_priority": "immediate" if f.quality < FAIR_QUALITY else "high",
        },
    ),
    IssueRule(
        "high_null_percentage",
        when=lambda f, p: critical_nulls(f, p) or warning_nulls(f, p),
        severity=lambda f, p: Severity.HIGH if critical_nulls(f, p) else Severity.MEDIUM,
        message="{column} is {f.null_pct:.1f}% null ({f.column.null_count:,} of {f.rows:,} rows)",
        extras=lambda f, p: {
            "null_percentage": round(f.null_pct, 2),
            "remediation_priority": "immediate" if critical_nulls(f, p) else "high",
        },
    ),
    IssueRule(
        "high_outlier_percentage",
        when=many_outliers,
        severity=lambda f, p: (
            Severity.HIGH if f.outlier_pct > 2 * p.outlier_alert_threshold else Severity.MEDIUM
        ),
        message="{column} has {f.outliers.count:,} IQR outliers ({f.outlier_pct:.1f}%) outside "
        "[{f.outliers.lower:.6g}, {f.outliers.upper:.6g}]",
        extras=lambda f, p: {
            "outlier_count": f.outliers.count if f.outliers else 0,
            "outlier_percentage": round(f.outlier_pct, 2),
            "outlier_count_exact": f.outliers.exact if f.outliers else True,
        },
    ),
    IssueRule(
        "type_mismatch",
        when=lambda f, p: f.mismatch_count > 0,
        severity=_mismatch_severity,
        message="{f.mismatch_count:,} value(s) of {column} ({f.mismatch_pct:.2f}%) are not "
        "{f.expected_type}",
        extras=lambda f, p: {
            "declared_type": f.expected_type,
            "actual_type": ", ".join(f.mismatch_kinds),
            "mismatch_count": f.mismatch_count,
            "mismatch_percentage": round(f.mismatch_pct, 4),
        },
    ),
    IssueRule(
        "pii",
        when=lambda f, p: f.pii is not None,
        issue_type=lambda f, p: f"pii_{f.pii.pii_type}" if f.pii else "pii",
        severity=lambda f, p: (
            Severity.CRITICAL
            if f.pii is not None and f.pii.sensitivity == "critical"
            else Severity.HIGH
        ),
        message="{column} appears to contain personal data ({f.pii.pii_type}; "
        "{f.pii.match_share:.0%} of sampled values match)",
        extras=lambda f, p: {
            "pii_type": f.pii.pii_type if f.pii else None,
            "sensitivity_level": f.pii.sensitivity if f.pii else None,
        },
    ),
    IssueRule(
        "low_cardinality",
        when=lambda f, p: f.low_cardinality,
        severity=Severity.LOW,
        message="{column} has only {f.distinct_count:,} distinct values",
        extras=lambda f, p: {"unique_percentage": round(f.unique_pct, 2)},
    ),
    IssueRule(
        "high_cardinality",
        when=lambda f, p: f.high_cardinality,
        severity=Severity.LOW,
        message="{column} is {f.unique_pct:.1f}% distinct (identifier or free text)",
        extras=lambda f, p: {"unique_percentage": round(f.unique_pct, 2)},
    ),
    IssueRule(
        "constant_column",
        when=lambda f, p: f.constant,
        severity=Severity.LOW,
        message="{column} holds a single distinct value",
    ),
    IssueRule(
        "infinite_values",
        when=lambda f, p: f.column.infinite_count > 0,
        severity=Severity.MEDIUM,
        message="{column} has {f.column.infinite_count:,} infinite value(s) "
        "({f.infinite_pct:.2f}% of its numbers)",
        extras=lambda f, p: {
            "infinite_count": f.column.infinite_count,
            "infinite_percentage": round(f.infinite_pct, 4),
        },
    ),
    IssueRule(
        "date_format",
        when=day_month_dates,
        severity=lambda f, p: (
            Severity.HIGH
            if f.date_order == "mixed"
            else Severity.MEDIUM
            if f.date_order == "ambiguous"
            else Severity.LOW
        ),
        message="{column} holds {f.day_month_dates:,} day/month date(s) ({f.date_order})",
        extras=lambda f, p: {"date_order": f.date_order, **f.column.date_counts},
    ),
    IssueRule(
        "skewed_distribution",
        when=skewed,
        severity=Severity.LOW,
        message="{column} is extremely skewed (skewness {f.skewness:.1f})",
        extras=lambda f, p: {"skewness": f.skewness},
    ),
    IssueRule(
        "imbalanced_distribution",
        when=imbalanced,
        severity=Severity.LOW,
        message="{column}'s categories are imbalanced (imbalance {f.imbalance:.2f})",
        extras=lambda f, p: {"imbalance": f.imbalance},
    ),
)

RECOMMENDATIONS: tuple[RecommendationRule[FieldFacts, DatasetFacts, ProfilerParams], ...] = (
    RecommendationRule(
        "critical_nulls",
        selects=critical_nulls,
        priority=Priority.HIGH,
        text="Investigate the missing values of {names} (more than "
        "{params.null_alert_threshold:g}% null): fix the capture, or impute or drop the fields",
        timeline="1-2 weeks",
        effort_hours=4,
        owner="data_engineering",
    ),
    RecommendationRule(
        "missing_data_strategy",
        selects=warning_nulls,
        priority=Priority.MEDIUM,
        text="Choose a missing-data strategy for {names} and add a completeness check",
        timeline="1 month",
        effort_hours=2,
        owner="data_engineering",
    ),
    RecommendationRule(
        "quality_improvement",
        selects=low_quality,
        priority=lambda s: (
            Priority.HIGH if s.dataset.overall_score < GOOD_QUALITY else Priority.MEDIUM
        ),
        text=f"Raise the quality of {{names}} (scores below {GOOD_QUALITY:g}) and monitor data "
        "quality for this dataset",
        timeline="1 month",
        effort_hours=8,
        owner="data_governance",
    ),
    RecommendationRule(
        "type_resolution",
        selects=lambda f, p: f.type_conflict or f.column.infinite_count > 0,
        priority=Priority.HIGH,
        text="Give {names} one consistent type; clean-my-data's type-fixer can convert them",
        timeline="1-2 weeks",
        effort_hours=3,
        owner="data_engineering",
    ),
    RecommendationRule(
        "outlier_handling",
        selects=many_outliers,
        priority=Priority.MEDIUM,
        text="Review the outliers of {names}; decide whether to cap, correct or keep them",
        timeline="1-2 weeks",
        effort_hours=3,
        owner="data_analysis",
    ),
    RecommendationRule(
        "distribution_analysis",
        selects=lambda f, p: skewed(f, p) or imbalanced(f, p),
        priority=Priority.LOW,
        text="Look at the distributions of {names} before modelling or averaging them",
        timeline="2-3 weeks",
        effort_hours=2,
        owner="data_analysis",
    ),
    RecommendationRule(
        "pii_protection",
        selects=lambda f, p: f.pii is not None,
        priority=lambda s: (
            Priority.CRITICAL if pii_severity(s) is Severity.CRITICAL else Priority.HIGH
        ),
        text="Protect {names}: mask or tokenise the personal data and restrict access",
        timeline="immediate",
        effort_hours=4,
        owner="data_governance",
    ),
    RecommendationRule(
        "cardinality_review",
        selects=lambda f, p: f.low_cardinality or f.high_cardinality or f.constant,
        priority=Priority.LOW,
        text="Review the cardinality of {names}: drop constants, type codes as categories, keep "
        "identifiers out of aggregations",
        timeline="1 month",
        effort_hours=1,
        owner="data_analysis",
    ),
    RecommendationRule(
        "date_standardization",
        selects=day_month_dates,
        priority=lambda s: Priority.HIGH if date_severity(s) is Severity.HIGH else Priority.MEDIUM,
        text="Write the dates of {names} as ISO 8601 (YYYY-MM-DD), deciding the day/month order "
        "with the data's owner where it is ambiguous; clean-my-data's field-standardization "
        "rewrites dates",
        timeline="1-2 weeks",
        effort_hours=2,
        owner="data_engineering",
    ),
    RecommendationRule(
        "duplicate_rows",
        holds=lambda d, p: d.duplicate_rows > 0,
        priority=lambda s: (
            Priority.HIGH if s.dataset.duplicate_pct > DUPLICATES_HIGH_PCT else Priority.MEDIUM
        ),
        text="Remove the {dataset.duplicate_rows:,} duplicate row(s) with clean-my-data's "
        "duplicate-resolver, and find where they come from",
        timeline="1 week",
        effort_hours=2,
        owner="data_engineering",
    ),
)
