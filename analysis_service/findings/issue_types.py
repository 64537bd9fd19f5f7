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
    # --- c8-dedup-preview: duplicate-resolver (issues and row-level issues) ---
    IssueType(
        "duplicate_exact",
        "Exact duplicate rows",
        "Remove the repeated rows; find why the source writes them twice",
        "duplicate-resolver",
    ),
    IssueType(
        "duplicate_case_variations",
        "Duplicates differing only in case or spaces",
        "Remove the variants; store values trimmed and in one case",
        "duplicate-resolver",
    ),
    IssueType(
        "duplicate_email_case",
        "Duplicates differing only in e-mail case",
        "Store e-mail addresses lowercased",
        "duplicate-resolver",
    ),
    IssueType(
        "duplicate_conflicting",
        "Records sharing a key with different values",
        "Decide which record is right before removing the others",
        "duplicate-resolver",
    ),
    IssueType(
        "key_conflict",
        "Duplicate key with differing fields",
        "Check the differing fields: the removed row names its survivor",
        "duplicate-resolver",
    ),
    IssueType(
        "partial_duplicate",
        "Duplicate after normalisation",
        "Remove the variant (its survivor is named); store values in one form",
        "duplicate-resolver",
    ),
    # --- c8-dedup-preview: cleanse-previewer (it fixes nothing) ---
    IssueType(
        "high_impact_operation",
        "High-impact cleaning step",
        "Review the step's predicted changes before running the chain",
    ),
    IssueType(
        "risk_detected",
        "Risky cleaning step",
        "Back up the data and check the step's parameters",
    ),
    IssueType(
        "simulation_error",
        "Preview rule not simulated",
        "Express the rule as an agent's parameters, or fix the rule",
    ),
    # --- cleanse-writeback (clean-my-data; no cleaning agent fixes these: the chain or
    # the data owner must, so fixed_by is None) ---
    IssueType(
        "integrity_violation",
        "Written file fails an integrity check",
        "Do not use the cleaned file; find the agent or step that broke the check and rerun",
    ),
    IssueType(
        "rollback_needed",
        "Row accounting broken",
        "Discard the written files and rerun the cleaning: rows are missing or repeated",
    ),
    IssueType(
        "writeback_failed",
        "Agent failed before the writeback",
        "Fix the failed agent and rerun the cleaning",
    ),
    IssueType(
        "integrity_verification_failure",
        "Integrity check failed",
        "Resolve the failed check before using the cleaned file",
    ),
    IssueType("upstream_error", "Earlier agent failed", "Fix the failed agent and rerun"),
    # --- quarantine-agent (branch c8-quarantine): row rules, aggregates, row-level kinds.
    # type_mismatch is the profiler's row above (fixed_by type-fixer).
    IssueType(
        "missing_required_field",
        "Required field empty",
        "Fill the field at the source; the row is in the quarantine file",
        "quarantine-agent",
    ),
    IssueType(
        "out_of_range",
        "Value outside its allowed range",
        "Correct the value at the source; the row is in the quarantine file",
        "quarantine-agent",
    ),
    IssueType(
        "invalid_format",
        "Value not matching its format",
        "Correct the value to the format (full match); the row is in the quarantine file",
        "quarantine-agent",
    ),
    IssueType(
        "corrupted_record",
        "Corrupted record (empty or injection-shaped)",
        "Find where the record entered the data and block it",
        "quarantine-agent",
    ),
    IssueType(
        "non_numeric_range_value",
        "Non-number in a range-checked column",
        "Give the column a numeric expected type or clean the value",
    ),
    IssueType(
        "schema_mismatch",
        "Expected column missing",
        "Restore the column in the export or update the expected schema",
    ),
    IssueType(
        "invalid_constraint",
        "Quarantine constraint that cannot run",
        "Correct the constraint (regex, bounds or type name)",
    ),
    IssueType(
        "quarantine_flagged",
        "Quarantined as corrupted",
        "Inspect the quarantined row before reloading it",
        "quarantine-agent",
    ),
    IssueType(
        "suspicious_row",
        "Row with several issues",
        "Review the whole row at the source",
        "quarantine-agent",
    ),
    IssueType(
        "data_anomaly",
        "Quarantined row",
        "Review the row in the quarantine file (_reason says why)",
        "quarantine-agent",
    ),
    *(
        IssueType(
            f"{kind}_pattern",
            f"Systematic: {label}",
            "Fix the producing system rather than single rows",
        )
        for kind, label in (
            ("corrupted_record", "corrupted records"),
            ("missing_required_field", "required fields empty"),
            ("type_mismatch", "values of the wrong type"),
            ("out_of_range", "values out of range"),
            ("invalid_format", "values not matching their format"),
            ("non_numeric_range_value", "non-numbers in range columns"),
            ("schema_mismatch", "expected columns missing"),
        )
    ),
    # --- end quarantine-agent
    # --- field-standardization (clean-my-data) ---
    IssueType(
        "inconsistent_format",
        "Value spelled or formatted unlike its column's standard",
        "Use the standardised value (case, spacing, synonym, unit or date format)",
        "field-standardization",
    ),
    IssueType(
        "ambiguous_date",
        "Date whose day/month order cannot be decided",
        "Find the source's date order and set date_convention to dmy or mdy",
        "field-standardization",
    ),
    IssueType(
        "field_standardized",
        "Values standardised",
        "Check the rewritten values; fix the spellings at the source",
        "field-standardization",
    ),
    IssueType(
        "high_variation",
        "Many case or whitespace variations",
        "Standardise the spellings where the data is entered",
        "field-standardization",
    ),
    IssueType(
        "case_variations_remaining",
        "Values still spelled in several cases",
        "Run field-standardization with case_strategy most_frequent",
        "field-standardization",
    ),
    IssueType(
        "whitespace_remaining",
        "Values still with extra whitespace",
        "Run field-standardization with trim_whitespace and normalize_internal_spacing",
        "field-standardization",
    ),
    IssueType(
        "standardization_saturated",
        "Too many distinct spellings to unify all",
        "Standardise this high-cardinality column at the source",
    ),
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
    # --- c8-typefixer: type-fixer (issues and row-level issues) ---
    IssueType(
        "incorrect_datatype",
        "Typed values stored as text in several forms",
        "Let type-fixer rewrite them in the column type's canonical form",
        "type-fixer",
    ),
    IssueType(
        "conversion_failure",
        "Values that do not convert to the column's type",
        "Correct the listed values, or quarantine their rows with strict_types",
        "type-fixer",
    ),
    IssueType(
        "type_conflict",
        "Value of another type in a mixed column",
        "Decide the column's type; split the column or correct the value",
        "type-fixer",
    ),
    # ambiguous_date: field-standardization's row above (both agents read dates alike)
    # --- end type-fixer
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
