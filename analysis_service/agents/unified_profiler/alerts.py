"""unified-profiler's alerts, as one table (upstream's ids first, then
ydata-profiling's kinds and ours)."""

from __future__ import annotations

from analysis_service.agents.rules import AlertRule
from analysis_service.agents.unified_profiler.facts import DatasetFacts, FieldFacts
from analysis_service.agents.unified_profiler.params import ProfilerParams
from analysis_service.agents.unified_profiler.rules import (
    CRITICAL_NULL_AVERAGE,
    EXCELLENT_QUALITY,
    FAIR_QUALITY,
    GOOD_QUALITY,
    MISSING_PCT,
    QUALITY_SEVERITY,
    SKEWNESS_LIMIT,
    ZEROS_PCT,
    average,
    critical_nulls,
    date_detail,
    date_severity,
    day_month_dates,
    duplicate_severity,
    imbalanced,
    many_outliers,
    mismatch_detail,
    outlier_severity,
    pii_severity,
    skewed,
    some_missing,
)
from analysis_service.findings import Severity

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
            if average([f.null_pct for f in s.fields]) > CRITICAL_NULL_AVERAGE
            else Severity.HIGH
        ),
        values=lambda s: {"average": average([f.null_pct for f in s.fields])},
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
        values=lambda s: {"detail": mismatch_detail(s)},
        message="{n} field(s) hold values that do not fit their type: {detail}",
        recommendation="Fix the listed values or the producing system; see the type_mismatch "
        "row-level issues",
    ),
    AlertRule(
        "pii_detected",
        selects=lambda f, p: f.pii is not None,
        category="pii",
        severity=pii_severity,
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
        severity=outlier_severity,
        values=lambda s: {"average": average([f.outlier_pct for f in s.fields])},
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
        "formula_like_cells",
        selects=lambda f, p: f.column.formula_like_count > 0,
        category="security",
        severity=Severity.MEDIUM,
        message="{n} field(s) hold text starting with =, +, - or @, which a spreadsheet "
        "program may run as a formula when the file is opened: {names}",
        recommendation="Keep the values as data, but open the file as text or prefix such "
        "cells with an apostrophe before sharing it; our workbook writes them as text",
    ),
    AlertRule(
        "date_formats",
        selects=day_month_dates,
        category="format",
        severity=date_severity,
        values=lambda s: {"detail": date_detail(s)},
        message="{n} date field(s) are written day/month rather than ISO 8601: {detail}",
        recommendation="Write dates as YYYY-MM-DD; decide the day/month order where it is "
        "ambiguous",
    ),
    AlertRule(
        "duplicate_rows",
        holds=lambda d, p: d.duplicate_rows > 0,
        category="duplicates",
        severity=duplicate_severity,
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
        message="The file is not UTF-8; it was read as {dataset.encoding} "
        "({dataset.encoding_evidence})",
        recommendation="Prefer UTF-8 exports so that every tool reads the text the same way",
        dataset_wide=False,
    ),
    AlertRule(
        "source_changes",
        holds=lambda d, p: bool(d.source_changes),
        category="source",
        severity=lambda s: Severity.MEDIUM if s.dataset.renamed_columns else Severity.LOW,
        message="{dataset.source_changes}",
        recommendation="Give every column a unique, non-empty name in the source",
        dataset_wide=False,
    ),
)
