"""quarantine-agent's rules as data: the row rules (ids used in
``Removed.rule``), their severities and switches, the value types of
``expected_schema``, the injection shapes of ``corrupted_record`` and the
cut-offs of the findings.

A row rule either quarantines the rows it hits or only reports them
(``quarantines``). The table is in severity order: a quarantined row's
``Removed.rule`` is its first hit in this order, its reason lists every hit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analysis_service.findings import Severity

CORRUPTED_RECORD = "corrupted_record"
MISSING_REQUIRED_FIELD = "missing_required_field"
TYPE_MISMATCH = "type_mismatch"
OUT_OF_RANGE = "out_of_range"
INVALID_FORMAT = "invalid_format"
#: A value of a range-checked column that is not a number, where
#: expected_schema gives the column no numeric type: reported, not quarantined.
NON_NUMERIC_RANGE_VALUE = "non_numeric_range_value"
#: An expected column absent from the file: a finding about the file, never
#: a reason to quarantine rows.
SCHEMA_MISMATCH = "schema_mismatch"
#: A constraint that cannot run (bad regex, bad bounds, unknown type name).
INVALID_CONSTRAINT = "invalid_constraint"


@dataclass(frozen=True)
class RowRule:
    rule_id: str
    severity: Severity
    switch: str  # the detect_* parameter that enables it
    quarantines: bool
    label: str


ROW_RULES: tuple[RowRule, ...] = (
    RowRule(CORRUPTED_RECORD, Severity.CRITICAL, "detect_broken_records", True, "Corrupted record"),
    RowRule(
        MISSING_REQUIRED_FIELD,
        Severity.CRITICAL,
        "detect_missing_fields",
        True,
        "Missing required field",
    ),
    RowRule(TYPE_MISMATCH, Severity.HIGH, "detect_type_mismatches", True, "Type mismatch"),
    RowRule(OUT_OF_RANGE, Severity.HIGH, "detect_out_of_range", True, "Out of range"),
    RowRule(INVALID_FORMAT, Severity.MEDIUM, "detect_invalid_formats", True, "Invalid format"),
    RowRule(
        NON_NUMERIC_RANGE_VALUE,
        Severity.MEDIUM,
        "detect_out_of_range",
        False,
        "Range not checkable (not a number)",
    ),
)
RULES_BY_ID = {r.rule_id: r for r in ROW_RULES}
SCHEMA_SEVERITY = Severity.HIGH
SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM)

#: expected_schema's type names (case-insensitive) and what they accept.
NUMERIC_TYPES = frozenset({"integer", "float", "numeric"})
INTEGER_TEXT = re.compile(r"[+-]?[0-9]+(?:\.0+)?")
NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
BOOLEAN_WORDS = frozenset({"true", "false", "1", "0", "yes", "no", "y", "n", "t", "f"})


@dataclass(frozen=True)
class InjectionShape:
    name: str
    label: str
    pattern: str


#: Only real injection shapes (case-insensitive). Ordinary words such as
#: "update", "select" or "drop" are never enough: an SQL keyword counts
#: only inside a statement shape (after a ``;`` break-out, ``UNION SELECT``
#: with a column list, ``SELECT * FROM``, ``UPDATE t SET c=``, or the
#: ``OR 1=1`` tautology).
INJECTION_SHAPES: tuple[InjectionShape, ...] = (
    InjectionShape("script_tag", "<script> tag", r"<\s*script\b"),
    InjectionShape("javascript_url", "javascript: URL", r"\bjavascript\s*:(?!\s)"),
    InjectionShape("event_handler", "HTML event handler", r"<[a-z][^>]*?\son[a-z]+\s*="),
    InjectionShape(
        "sql_breakout",
        "SQL statement after ';'",
        r";\s*(?:drop\s+(?:table|database|schema)|delete\s+from|insert\s+into|"
        r"update\s+\S+\s+set|truncate\s+table|alter\s+table|create\s+table|exec(?:ute)?\s)",
    ),
    InjectionShape(
        "union_select",
        "UNION SELECT",
        r"\bunion\s+(?:all\s+)?select\s+(?:null\b|\*|[0-9]|@@|\w+\s*\(|[\w.]+\s*,)",
    ),
    InjectionShape("select_star", "SELECT * FROM", r"\bselect\s+\*\s+from\b"),
    InjectionShape("update_set", "UPDATE ... SET", r"\bupdate\s+[\w.`\"\[\]]+\s+set\s+[\w.]+\s*="),
    InjectionShape(
        "sql_tautology",
        "OR 1=1 tautology",
        r"\bor\s+(?P<q>['\"]?)(?P<v>\w+)(?P=q)\s*=\s*(?P=q)(?P=v)(?!\w)",
    ),
)
INJECTION = re.compile(
    "|".join(f"(?P<{s.name}>{s.pattern})" for s in INJECTION_SHAPES), re.IGNORECASE
)
#: A superset of every shape above that RE2 can run vectorised (Arrow):
#: only the values it finds are searched with :data:`INJECTION`.
INJECTION_PREFILTER = r"(?s)[<;]|javascript|union|select|update|or.*="

#: Quarantine share (% of rows) above which the volume alert is critical / high / medium.
VOLUME_CRITICAL = 30.0
VOLUME_HIGH = 15.0
VOLUME_MEDIUM = 5.0
#: High-severity hits above this % of rows raise alert 003.
HIGH_ISSUES_SHARE = 5.0
#: data_integrity_rate below this raises alert 004.
INTEGRITY_ALERT = 80.0
#: A rule hitting at least this % of rows is also reported as a ``<rule>_pattern`` issue.
PATTERN_SHARE = 10.0
#: At least this % of the expected columns missing is a ``schema_mismatch_pattern``.
SCHEMA_PATTERN_SHARE = 50.0

#: Bounds of the statistics pass (the result lists, not the counts).
FIRST_ISSUES = 100
EXAMPLES_PER_RULE = 200
SUSPICIOUS_EXAMPLES = 200
QUARANTINED_EXAMPLES = 100
#: Longest value quoted in a reason.
QUOTED_CHARS = 60
