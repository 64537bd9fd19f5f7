"""profile-my-data: its files, agents and parameters (contract §4.3-§4.6).

Parameter names, types, defaults and bounds follow the frontend's tool
definition; bounds of ours that are tighter are explained in the README
("Parameters").
"""

from __future__ import annotations

from dqcommon.tools.builders import (
    boolean,
    choice,
    columns,
    integer,
    mapping,
    number,
    table_slot,
    thresholds,
    weight,
)
from dqcommon.tools.model import AgentDef, ToolDef

UNIFIED_PROFILER = AgentDef(
    agent_id="unified-profiler",
    name="Unified Profiler",
    description=(
        "Per-column statistics in one streaming pass: inferred type, nulls, distinct values, "
        "top values, min/max/mean/std, quantiles, skewness, kurtosis, IQR outliers, string "
        "lengths, PII hints and quality scores with a grade."
    ),
    available=True,
    icon="🔍",
    accuracy="99%",
    features=(
        "Column types and statistics",
        "Null and distinct counts",
        "Top values",
        "Quantiles, skewness, kurtosis",
        "IQR outliers",
        "Quality score and grade",
    ),
    parameters=(
        integer(
            "null_alert_threshold",
            50,
            "Null percentage above which a column is critical and raises an alert.",
            0,
            100,
        ),
        integer(
            "categorical_threshold",
            20,
            "A text column with at most this many distinct values is reported as categorical.",
            1,
        ),
        number(
            "categorical_ratio_threshold",
            0.05,
            "A text column whose distinct/non-null ratio is at most this is categorical.",
            0,
            1,
        ),
        # Our limit (README "Parameters"): the one-pass profile keeps 1,024
        # frequency counters per column, enough for 1,000 top values.
        integer("top_n_values", 10, "Number of most frequent values reported per column.", 1, 1000),
        number("outlier_iqr_multiplier", 1.5, "k in the IQR fences [Q1 - k*IQR, Q3 + k*IQR].", 0.5),
        integer(
            "outlier_alert_threshold",
            5,
            "Outlier percentage above which a numeric column raises an alert.",
            0,
            100,
        ),
    ),
)

DRIFT_DETECTOR = AgentDef(
    agent_id="drift-detector",
    name="Drift Detector",
    description="Compares the primary file with a baseline: distribution tests, PSI, "
    "missing and new columns.",
    available=True,
    icon="📈",
    features=(
        "Distribution tests",
        "Population stability index",
        "Missing and new columns",
        "Mean and variance shifts",
    ),
    input_slots=("primary", "baseline"),
    parameters=(
        choice(
            "statistical_test",
            "kolmogorov_smirnov",
            ("kolmogorov_smirnov", "chi2", "wasserstein"),
            "Test used on numeric columns.",
        ),
        number("significance_level", 0.05, "p-value below which drift is reported.", 0, 1),
        integer(
            "min_sample_size",
            100,
            "Columns with fewer non-null values on either side are skipped.",
            10,
        ),
    ),
)

RISK_SCORER = AgentDef(
    agent_id="score-risk",
    name="Risk Scorer",
    description="Finds PII and sensitive fields and scores compliance risk (GDPR, CCPA, HIPAA).",
    available=True,
    icon="🛡️",
    features=(
        "PII detection",
        "Sensitive field detection",
        "Compliance risk (GDPR, CCPA, HIPAA)",
        "Governance gaps",
    ),
    parameters=(
        integer("pii_sample_size", 100, "Values sampled per column for PII patterns.", 10),
        integer("high_risk_threshold", 70, "Risk score at or above which a field is high.", 0, 100),
        integer(
            "medium_risk_threshold", 40, "Risk score at or above which a field is medium.", 0, 100
        ),
        boolean("pii_detection_enabled", True, "Detect PII from values."),
        boolean("sensitive_field_detection_enabled", True, "Detect sensitive fields from names."),
        boolean("governance_check_enabled", True, "Report governance gaps."),
    ),
)

TEST_COVERAGE = AgentDef(
    agent_id="test-coverage-agent",
    name="Test Coverage",
    description="Runs user-defined uniqueness, range and format tests.",
    available=True,
    icon="✅",
    features=("Uniqueness tests", "Range tests", "Format tests", "Coverage score"),
    parameters=(
        columns("unique_columns", "Columns whose values must be unique."),
        mapping(
            "range_tests",
            'Column -> {"min": number, "max": number}; either bound may be omitted.',
            {"age": {"min": 0, "max": 120}},
            show=True,
        ),
        mapping(
            "format_tests",
            'Column -> regular expression (or {"pattern": regex, "description": text}) that '
            "every value must match in full.",
            {"email": "^[^@]+@[^@]+$"},
            show=True,
        ),
        weight("uniqueness_weight", 0.4, "uniqueness tests"),
        weight("range_weight", 0.3, "range tests"),
        weight("format_weight", 0.3, "format tests"),
        *thresholds(90, 75),
    ),
)

READINESS_RATER = AgentDef(
    agent_id="readiness-rater",
    name="Readiness Rater",
    description="Scores completeness, consistency and schema health into a readiness verdict.",
    available=True,
    icon="🚦",
    features=("Completeness", "Consistency", "Schema health", "Readiness verdict"),
    parameters=(
        integer("ready_threshold", 80, "Score at or above which data is ready.", 0, 100),
        integer(
            "needs_review_threshold",
            50,
            "Score at or above which data needs review (below: not ready).",
            0,
            100,
        ),
        weight("completeness_weight", 0.3, "completeness"),
        weight("consistency_weight", 0.3, "consistency"),
        weight("schema_health_weight", 0.4, "schema health"),
    ),
)

PROFILE_TOOL = ToolDef(
    tool_id="profile-my-data",
    name="Profile My Data",
    description="Profiles a dataset: statistics, drift against a baseline, PII risk, "
    "user-defined tests and a readiness score.",
    version="2.0.0",
    category="source",
    icon="📊",
    tags=("DATA, OPS & ENGINEERING",),
    report_prefix="profile_my_data",
    files=(
        table_slot(
            "primary",
            True,
            "The dataset to profile: CSV with a header row, JSON (an array of objects or "
            "JSON Lines) or Excel (.xlsx, first sheet unless the file option 'sheet' names one).",
        ),
        table_slot(
            "baseline",
            False,
            "Reference dataset for drift detection (same columns as primary; CSV, JSON or Excel).",
            required_by=("drift-detector",),
        ),
    ),
    agents=(UNIFIED_PROFILER, DRIFT_DETECTOR, RISK_SCORER, TEST_COVERAGE, READINESS_RATER),
)
