"""ONE table of issue types, for issues and row-level issues of every agent.

Each type has a label (for people and the workbook), the suggested action
shown next to every occurrence, and the clean-my-data agent that fixes it
(None when no cleaning agent does: the data owner must act). The report's
routing suggestion and the workbook's "Suggested Action" column read this
table; an agent that adds a type adds one row here.

Families: ``pii_<kind>`` issue types (``pii_email_address`` ...) share the
``pii_`` row.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IssueType:
    key: str
    label: str
    suggested_action: str
    fixed_by: str | None = None


_TYPES = (
    # unified-profiler, field level (upstream keys)
    IssueType(
        "low_quality_score",
        "Low field quality score",
        "Review the field's missing values, type mismatches and outliers",
    ),
    IssueType(
        "high_null_percentage",
        "Many missing values",
        "Find why values are missing at the source; impute or drop them",
        "null-handler",
    ),
    IssueType(
        "high_outlier_percentage",
        "Many outliers",
        "Check the outlying values; correct, cap or remove them deliberately",
        "outlier-remover",
    ),
    IssueType(
        "low_cardinality",
        "Few distinct values",
        "Check whether the numeric field is really a category code",
    ),
    IssueType(
        "high_cardinality",
        "Almost every value distinct",
        "Treat the field as an identifier or free text, not as a category",
    ),
    IssueType(
        "type_mismatch",
        "Values that do not fit the column's type",
        "Correct the listed values or convert the column to one type",
        "type-fixer",
    ),
    IssueType(
        "pii_",
        "Personal data",
        "Mask, tokenise or restrict access to the field before sharing the data",
    ),
    IssueType(
        "sensitive_data",
        "Sensitive data",
        "Restrict access to the field and document why it is kept",
    ),
    # unified-profiler, field level (ours: ydata-profiling's alert kinds)
    IssueType(
        "constant_column",
        "Constant column",
        "Drop the column if it carries no information",
    ),
    IssueType(
        "infinite_values",
        "Infinite numbers",
        "Replace the infinite values by real measurements or by missing values",
        "null-handler",
    ),
    IssueType(
        "skewed_distribution",
        "Strongly skewed distribution",
        "Use the median and quantiles rather than the mean; consider a log transform",
    ),
    IssueType(
        "imbalanced_distribution",
        "Imbalanced categories",
        "Check whether the rare categories are errors; rebalance before modelling",
        "field-standardization",
    ),
    IssueType(
        "date_format",
        "Dates written day/month",
        "Rewrite the dates as YYYY-MM-DD, deciding the day/month order where it is ambiguous",
        "field-standardization",
    ),
    IssueType(
        "duplicate_rows",
        "Duplicate rows",
        "Remove the repeated rows or find why they are produced twice",
        "duplicate-resolver",
    ),
    # test-coverage-agent (upstream keys) and readiness-rater
    *(
        IssueType(
            f"missing_{kind}_column",
            f"{label} test on an absent column",
            "Correct the column name in the test parameters",
        )
        for kind, label in (("unique", "Uniqueness"), ("range", "Range"), ("format", "Format"))
    ),
    IssueType(
        "uniqueness_violation",
        "Repeated values in a unique column",
        "Remove or correct the rows that repeat a key value",
        "duplicate-resolver",
    ),
    IssueType(
        "range_violation",
        "Values outside the allowed range",
        "Correct the values or widen the range deliberately",
        "outlier-remover",
    ),
    IssueType(
        "format_violation",
        "Values not in the expected format",
        "Rewrite the values in the expected format",
        "field-standardization",
    ),
    IssueType(
        "test_coverage_gap",
        "Value failing a configured test",
        "Correct the value so that it passes the test",
    ),
    IssueType("empty_column", "Empty column", "Drop the column or fill it at the source"),
    IssueType("unnamed_column", "Unnamed column", "Give the column a name in the source"),
    IssueType("repeated_column", "Repeated column name", "Rename one of the columns"),
    # row level (upstream keys, then ours)
    IssueType(
        "null",
        "Missing value",
        "Fill in the missing value or confirm it is legitimately empty",
        "null-handler",
    ),
    IssueType(
        "outlier",
        "Outlier",
        "Verify the value; correct, cap or keep it deliberately",
        "outlier-remover",
    ),
    IssueType(
        "distribution_anomaly",
        "Extreme value",
        "Verify this unusually extreme value",
        "outlier-remover",
    ),
    IssueType(
        "duplicate_row",
        "Duplicate row",
        "Remove the repeated row (its first occurrence is named)",
        "duplicate-resolver",
    ),
    IssueType(
        "infinite_value",
        "Infinite number",
        "Replace the infinite value by a real measurement or leave it empty",
        "null-handler",
    ),
    IssueType(
        "formula_like_value",
        "Formula-like text",
        "Keep the value; open the CSV as text (or prefix an apostrophe) before sharing it",
    ),
    # drift-detector
    IssueType("distribution_drift", "Distribution drift", "Find what changed at the source"),
    IssueType("mean_shift", "Mean shift", "Check units and upstream calculations"),
    IssueType("variance_shift", "Spread changed", "Look for new outliers or a new population"),
    IssueType("statistical_significance", "Highly significant drift", "Investigate first"),
    IssueType("wasserstein_distance", "Large distribution distance", "Compare both files"),
    IssueType("new_categories", "New categories", "Map the new categories or document them"),
    IssueType("type_changed", "Column type changed", "Restore the type or update consumers"),
    IssueType("missing_column", "Missing column", "Restore the column or update consumers"),
    IssueType("new_column", "New column", "Document the new column"),
    IssueType("distribution_shift", "Value far from the baseline", "Verify the value"),
    IssueType("value_range_change", "Value outside the baseline's range", "Verify the value"),
    # score-risk
    IssueType("pii_or_sensitive_data", "Risky field", "Encrypt, mask or restrict the field"),
    IssueType("sensitive_personal_data", "Sensitive field", "Restrict access to the field"),
    IssueType("governance_gap", "Governance gap", "Record protection and ownership"),
    IssueType("lost_precision", "Digits lost (5.5E+15)", "Re-export the column formatted as text"),
    IssueType("risk_high", "PII in a high-risk field", "Mask or tokenise the value"),
    IssueType("compliance_violation", "Value under a compliance framework", "Protect it"),
    # --- null-handler and outlier-remover (branch c8-nullout) ---
    IssueType(
        "null_pattern",
        "Row with many missing values",
        "Check the row at the source: it may be a broken record",
        "null-handler",
    ),
    IssueType(
        "high_null_column",
        "Mostly empty column",
        "Drop the column or impute it from the other columns",
        "null-handler",
    ),
    IssueType(
        "imputation_failure",
        "Nulls the configured strategy left",
        "Choose a strategy that fits the column (a numeric one for mean/median)",
        "null-handler",
    ),
    IssueType(
        "outlier_removed",
        "Rows quarantined for outliers",
        "Check the quarantined rows; restore those whose values are real",
        "outlier-remover",
    ),
    IssueType(
        "outlier_imputed",
        "Outliers replaced by the inliers' mean or median",
        "Check that the replaced values were errors, not real extremes",
        "outlier-remover",
    ),
    IssueType(
        "extreme_outliers",
        "Extreme values in a column",
        "Verify the extreme values: unit errors or typing mistakes are common",
        "outlier-remover",
    ),
    IssueType(
        "extreme_value",
        "Extreme value",
        "Verify this value far outside the column's fences",
        "outlier-remover",
    ),
)

ISSUE_TYPES: dict[str, IssueType] = {t.key: t for t in _TYPES}

_UNKNOWN = IssueType("", "Other finding", "Review the value")


def issue_type(key: str) -> IssueType:
    """The table row of ``key`` (family rows match by prefix); unknown keys
    get a generic row rather than an error, so a report always renders."""
    if key in ISSUE_TYPES:
        return ISSUE_TYPES[key]
    for family, row in ISSUE_TYPES.items():
        if family.endswith("_") and key.startswith(family):
            return row
    return IssueType(key, key.replace("_", " ").capitalize(), _UNKNOWN.suggested_action)
