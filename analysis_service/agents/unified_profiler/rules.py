"""unified-profiler's alerts, issues and recommendations, as tables.

Thresholds come from the parameters (``params.*`` in the predicates and
templates). Where no parameter exists, the named constants below are the
one place a cut-off lives; each says where it comes from.
"""

from __future__ import annotations

from collections.abc import Sequence

from analysis_service.agents.rules import AlertRule, IssueRule, RecommendationRule, Scope
from analysis_service.agents.unified_profiler.facts import DatasetFacts, FieldFacts
from analysis_service.agents.unified_profiler.params import ProfilerParams
from analysis_service.findings import Priority, Severity, StatusBands

# -- cut-offs without a parameter ---------------------------------------------
#: Quality bands (upstream): card excellent/good/fair, alerts below "good".
EXCELLENT_QUALITY = 90.0
GOOD_QUALITY = 80.0
FAIR_QUALITY = 60.0
CRITICAL_QUALITY = 50.0
#: Upstream's warning band for nulls (below the critical null_alert_threshold).
WARNING_NULL_PCT = 10.0
#: Upstream: the high-nulls alert is critical when those fields average above this.
CRITICAL_NULL_AVERAGE = 75.0
#: ydata-profiling's MISSING / ZEROS trigger: more than 1% of the values.
MISSING_PCT = 1.0
ZEROS_PCT = 1.0
#: ydata-profiling's SKEWED trigger: |skewness| > 20.
SKEWNESS_LIMIT = 20.0
#: ydata-profiling's IMBALANCE trigger: 1 - H/ln(k) > 0.5.
IMBALANCE_LIMIT = 0.5
#: Duplicate rows: share of the rows above which the alert is high / medium.
DUPLICATES_HIGH_PCT = 10.0
DUPLICATES_MEDIUM_PCT = 1.0

#: The card's status and the quality alert's severity, from the score.
CARD_STATUS = StatusBands.of([(EXCELLENT_QUALITY, "excellent"), (GOOD_QUALITY, "good")], "fair")
QUALITY_SEVERITY = StatusBands.of(
    [(FAIR_QUALITY, Severity.MEDIUM), (CRITICAL_QUALITY, Severity.HIGH)], Severity.CRITICAL
)

Rules = Scope[FieldFacts, DatasetFacts, ProfilerParams]


def _average(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


# -- predicates shared by alerts, issues and recommendations -------------------
def critical_nulls(f: FieldFacts, p: ProfilerParams) -> bool:
    return f.null_pct > p.null_alert_threshold


def warning_nulls(f: FieldFacts, p: ProfilerParams) -> bool:
    return f.null_pct > min(WARNING_NULL_PCT, p.null_alert_threshold) and not critical_nulls(f, p)


def some_missing(f: FieldFacts, p: ProfilerParams) -> bool:
    return MISSING_PCT < f.null_pct <= p.null_alert_threshold


def many_outliers(f: FieldFacts, p: ProfilerParams) -> bool:
    return f.outliers is not None and f.outlier_pct > p.outlier_alert_threshold


def skewed(f: FieldFacts, p: ProfilerParams) -> bool:
    return f.skewness is not None and abs(f.skewness) > SKEWNESS_LIMIT


def imbalanced(f: FieldFacts, p: ProfilerParams) -> bool:
    return f.imbalance is not None and f.imbalance > IMBALANCE_LIMIT


def low_quality(f: FieldFacts, p: ProfilerParams) -> bool:
    return f.quality < GOOD_QUALITY


def _outlier_severity(s: Rules) -> Severity:
    average = _average([f.outlier_pct for f in s.fields])
    return Severity.HIGH if average > 2 * s.params.outlier_alert_threshold else Severity.MEDIUM


def _pii_severity(s: Rules) -> Severity:
    critical = any(f.pii is not None and f.pii.sensitivity == "critical" for f in s.fields)
    return Severity.CRITICAL if critical else Severity.HIGH


def _duplicate_severity(s: Rules) -> Severity:
    share = s.dataset.duplicate_pct
    if share > DUPLICATES_HIGH_PCT:
        return Severity.HIGH
    return Severity.MEDIUM if share > DUPLICATES_MEDIUM_PCT else Severity.LOW


_ORDER_WORDS = {
    "day_first": "DD/MM/YYYY",
    "month_first": "MM/DD/YYYY",
    "ambiguous": "DD/MM or MM/DD (every value fits both; the order is not guessed)",
    "mixed": "both DD/MM and MM/DD (some values only fit one order, others only the other)",
}


def day_month_dates(f: FieldFacts, p: ProfilerParams) -> bool:
    return f.day_month_dates > 0


def _date_severity(s: Rules) -> Severity:
    orders = {f.date_order for f in s.fields}
    if "mixed" in orders:
        return Severity.HIGH
    return Severity.MEDIUM if "ambiguous" in orders else Severity.LOW


def _date_detail(s: Rules) -> str:
    return "; ".join(
        f"{f.name}: {_ORDER_WORDS.get(f.date_order or '', '?')}, {f.day_month_dates:,} value(s)"
        for f in s.fields[:5]
    )


def _mismatch_detail(s: Rules) -> str:
    return "; ".join(
        f"{f.name}: {f.mismatch_count:,} of {f.column.classified_count:,} values "
        f"({f.mismatch_pct:.2f}%) are not {f.expected_type}"
        for f in s.fields[:5]
    )


ALERTS: tuple[AlertRule[FieldFacts, DatasetFacts, ProfilerParams], ...] = (
    AlertRule(
        "quality_overall",
        holds=lambda d, p: d.overall_score < GOOD_QUALITY,
        category="data_quality",
        severity=lambda s: QUALITY_SEVERITY.status(s.dataset.overall_score),
        message="Overall data quality score is {dataset.overall_score:.1f}/100 "
        "(grade {dataset.grade})",
        recommendation="Review the fields with the lowest quality scores first",
    ),
    AlertRule(
        "quality_excellent",
        holds=lambda d, p: d.overall_score >= EXCELLENT_QUALITY,
        category="data_quality",
        severity=Severity.LOW,
        message="Data quality is excellent: {dataset.overall_score:.1f}/100 "
        "(grade {dataset.grade})",
        recommendation="No action needed; keep monitoring",
        dataset_wide=False,
    ),
    AlertRule(
        "high_nulls",
        selects=critical_nulls,
        category="completeness",
        severity=lambda s: (
            Severity.CRITICAL
            if _average([f.null_pct for f in s.fields]) > CRITICAL_NULL_AVERAGE
            else Severity.HIGH
        ),
        values=lambda s: {"average": _average([f.null_pct for f in s.fields])},
        message="{n} field(s) have more than {params.null_alert_threshold:g}% null values "
        "(average {average:.1f}%): {names}",
        recommendation="Find out why these values are missing at the source, or drop or "
        "impute the fields",
    ),
    AlertRule(
        "missing_values",
        selects=some_missing,
        category="completeness",
        severity=Severity.LOW,
        message=f"{{n}} field(s) have missing values (more than {MISSING_PCT:g}%, at most "
        "{params.null_alert_threshold:g}%): {names}",
        recommendation="Decide per field whether missing values are legitimate",
    ),
    AlertRule(
        "completeness_gap",
        holds=lambda d, p: d.completeness < GOOD_QUALITY,
        category="completeness",
        severity=lambda s: (
            Severity.HIGH if s.dataset.completeness < FAIR_QUALITY else Severity.MEDIUM
        ),
        message="Average completeness is {dataset.completeness:.1f}%",
        recommendation="Improve data capture for the least complete fields",
    ),
    AlertRule(
        "type_conflicts",
        selects=lambda f, p: f.type_conflict,
        category="type_consistency",
        severity=lambda s: Severity.HIGH if any(f.mixed for f in s.fields) else Severity.MEDIUM,
        values=lambda s: {"detail": _mismatch_detail(s)},
        message="{n} field(s) hold values that do not fit their type: {detail}",
        recommendation="Fix the listed values or the producing system; see the type_mismatch "
        "row-level issues",
    ),
    AlertRule(
        "pii_detected",
        selects=lambda f, p: f.pii is not None,
        category="pii",
        severity=_pii_severity,
        values=lambda s: {
            "kinds": ", ".join(sorted({f.pii.pii_type for f in s.fields if f.pii is not None}))
        },
        message="{n} field(s) appear to contain personal data ({kinds}): {names}",
        recommendation="Mask, tokenise or restrict access to these fields before sharing the data",
    ),
    AlertRule(
        "outliers_detected",
        selects=many_outliers,
        category="outliers",
        severity=_outlier_severity,
        values=lambda s: {"average": _average([f.outlier_pct for f in s.fields])},
        message="{n} numeric field(s) have more than {params.outlier_alert_threshold:g}% IQR "
        "outliers (k = {params.outlier_iqr_multiplier:g}, average {average:.1f}%): {names}",
        recommendation="Check the outlying values listed in the row-level issues; cap, fix or "
        "keep them deliberately",
    ),
    AlertRule(
        "distribution_anomalies",
        selects=skewed,
        category="distribution",
        severity=Severity.LOW,
        message=f"{{n}} numeric field(s) are extremely skewed (|skewness| > {SKEWNESS_LIMIT:g}): "
        "{names}",
        recommendation="Use the median and quantiles rather than the mean; consider a log "
        "transform",
    ),
    AlertRule(
        "imbalance",
        selects=imbalanced,
        category="distribution",
        severity=Severity.LOW,
        message="{n} categorical field(s) are imbalanced (one or a few categories dominate): "
        "{names}",
        recommendation="Check whether the rare categories are errors or spelling variants",
    ),
    AlertRule(
        "low_cardinality",
        selects=lambda f, p: f.low_cardinality,
        category="cardinality",
        severity=Severity.MEDIUM,
        message="{n} numeric field(s) have few distinct values (at most "
        "{params.categorical_threshold} or {params.categorical_ratio_threshold:.0%} of the "
        "values) and may be category codes: {names}",
        recommendation="Treat them as categories if they are codes",
    ),
    AlertRule(
        "high_cardinality",
        selects=lambda f, p: f.high_cardinality,
        category="cardinality",
        severity=Severity.MEDIUM,
        message="{n} text field(s) are almost all distinct (identifiers or free text): {names}",
        recommendation="Treat them as keys or free text; they are not useful as categories",
    ),
    AlertRule(
        "constant",
        selects=lambda f, p: f.constant,
        category="cardinality",
        severity=Severity.MEDIUM,
        message="{n} field(s) hold a single distinct value: {names}",
        recommendation="Drop constant fields unless the constant itself matters",
    ),
    AlertRule(
        "unique",
        selects=lambda f, p: f.all_distinct,
        category="cardinality",
        severity=Severity.LOW,
        message="{n} field(s) have only distinct values (candidate keys): {names}",
        recommendation="Use them as keys; check that they stay unique",
    ),
    AlertRule(
        "zeros",
        selects=lambda f, p: f.numeric and f.zero_pct > ZEROS_PCT,
        category="distribution",
        severity=Severity.LOW,
        message=f"{{n}} numeric field(s) have more than {ZEROS_PCT:g}% zeros: {{names}}",
        recommendation="Check that zero is a real value and not a placeholder for missing data",
    ),
    AlertRule(
        "infinite",
        selects=lambda f, p: f.column.infinite_count > 0,
        category="validity",
        severity=Severity.MEDIUM,
        message="{n} numeric field(s) contain infinite values: {names}",
        recommendation="Replace infinities by real measurements or by missing values",
    ),
    AlertRule(
        "date_formats",
        selects=day_month_dates,
        category="format",
        severity=_date_severity,
        values=lambda s: {"detail": _date_detail(s)},
        message="{n} date field(s) are written day/month rather than ISO 8601: {detail}",
        recommendation="Write dates as YYYY-MM-DD; decide the day/month order where it is "
        "ambiguous",
    ),
    AlertRule(
        "duplicate_rows",
        holds=lambda d, p: d.duplicate_rows > 0,
        category="duplicates",
        severity=_duplicate_severity,
        values=lambda s: {
            "approx": "" if s.dataset.duplicates is None or s.dataset.duplicates.exact else "about "
        },
        message="{approx}{dataset.duplicate_rows:,} row(s) ({dataset.duplicate_pct:.2f}%) repeat "
        "an earlier row in every column",
        recommendation="Remove the duplicates (clean-my-data's duplicate-resolver) or find why "
        "rows are produced twice",
    ),
    AlertRule(
        "encoding_replacements",
        holds=lambda d, p: d.replaced_characters > 0,
        category="encoding",
        severity=Severity.MEDIUM,
        message="{dataset.replaced_characters:,} invalid byte sequence(s) in the file were "
        "replaced by U+FFFD; values containing them are damaged in the source",
        recommendation="Export the file again as UTF-8",
        dataset_wide=False,
    ),
    AlertRule(
        "encoding_not_utf8",
        holds=lambda d, p: d.encoding != "utf-8",
        category="encoding",
        severity=Severity.LOW,
        message="The file is not UTF-8; it was read as {dataset.encoding}",
        recommendation="Prefer UTF-8 exports so that every tool reads the text the same way",
        dataset_wide=False,
    ),
)


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
            Priority.CRITICAL if _pii_severity(s) is Severity.CRITICAL else Priority.HIGH
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
        priority=lambda s: Priority.HIGH if _date_severity(s) is Severity.HIGH else Priority.MEDIUM,
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
