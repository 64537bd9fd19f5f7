"""field-standardization's rules as data: the rule ids written in
``Change.rule`` (one per step, in the order the steps run), the row-level
issue kinds, and the cut-offs the alert / issue / recommendation tables
(:mod:`.findings`) use. Messages format these constants or the parameters,
never literals."""

from __future__ import annotations

from analysis_service.findings import RowSeverity

#: Change.rule per step, in step order
RULE_TRIM = "trim_whitespace"
RULE_SPACING = "internal_spacing"
RULE_CASE_UNIFIED = "case_unified"  # case_strategy most_frequent
RULE_CASE = "case_{strategy}"  # case_lowercase, case_uppercase, case_titlecase
RULE_SYNONYM = "synonym"
RULE_UNIT = "unit"
RULE_DATE = "date_standardized"


def case_rule(strategy: str) -> str:
    return RULE_CASE_UNIFIED if strategy == "most_frequent" else RULE_CASE.format(strategy=strategy)


#: row-level issue kinds: (issue_type, severity, what the note means)
CHANGED = "inconsistent_format"  # a value rewritten (value = original, standardized_value)
AMBIGUOUS_DATE = "ambiguous_date"  # left as it is: day/month order undecidable
FORMAT_VIOLATION = "format_violation"  # left as it is: not a date / invalid date / no unit
ROW_KINDS: dict[str, tuple[str, RowSeverity]] = {
    "changed": (CHANGED, RowSeverity.INFO),
    "ambiguous_date": (AMBIGUOUS_DATE, RowSeverity.WARNING),
    "invalid_date": (FORMAT_VIOLATION, RowSeverity.INFO),
    "not_a_date": (FORMAT_VIOLATION, RowSeverity.INFO),
    "unit_unmatched": (FORMAT_VIOLATION, RowSeverity.INFO),
}
NOTE_MESSAGES = {
    "ambiguous_date": "Date left as it is: day and month cannot be told apart under "
    "date_convention {convention} (readings: {readings})",
    "invalid_date": "Not a valid calendar date; left as it is",
    "not_a_date": "Not a date in a date column; left as it is",
    "unit_unmatched": "Not '<number> <unit>' with a unit of unit_mappings; left as it is",
}

#: spellings recorded per column, and over all target columns together
MAX_SPELLINGS_PER_COLUMN = 100_000
MAX_SPELLINGS_TOTAL = 500_000
#: distinct values counted exactly per column (then HyperLogLog, about 1.6 %)
EXACT_DISTINCT = 10_000
#: examples kept per (column, kind) during a pass
EXAMPLES_PER_SOURCE = 200
#: spelling clusters listed per column in the result tree
LISTED_CLUSTERS = 50
#: a column whose case variations + whitespace issues reach this share of
#: its values (percent) has high variation
HIGH_VARIATION_PCT = 10.0
#: at most this many field-level issues
MAX_ISSUES = 100
