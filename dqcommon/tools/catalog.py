"""The tool catalog: tools, their file slots, agents and parameter schemas.

This is the product's shared vocabulary. TaskService validates tasks and
serves ``GET /tools`` from it; AnalysisService runs the agents it names.
An agent is ``available`` only when AnalysisService implements it (a test
keeps the two in step); unavailable agents are listed so the frontend can
show them, and refused at task creation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

MIB = 1024 * 1024


class ParamType(Enum):
    """Value type of a parameter (mirrors ``ParameterSpec.Type``)."""

    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    STRING = "string"
    STRING_LIST = "string_list"
    OBJECT = "object"
    OBJECT_LIST = "object_list"


@dataclass(frozen=True)
class ParamDef:
    """One agent parameter."""

    name: str
    type: ParamType
    default: Any
    description: str
    minimum: float | None = None
    maximum: float | None = None
    allowed: tuple[str, ...] = ()
    column_selection: bool = False


@dataclass(frozen=True)
class AgentDef:
    """One agent of a tool."""

    agent_id: str
    name: str
    description: str
    available: bool
    input_slots: tuple[str, ...] = ("primary",)
    parameters: tuple[ParamDef, ...] = ()
    # Pairs (low, high) of parameter names where low must not exceed high.
    orderings: tuple[tuple[str, str], ...] = ()

    def parameter(self, name: str) -> ParamDef | None:
        return next((p for p in self.parameters if p.name == name), None)

    def defaults(self) -> dict[str, Any]:
        return {p.name: _copy(p.default) for p in self.parameters}


@dataclass(frozen=True)
class FileSlotDef:
    """One input file a tool accepts."""

    slot: str
    required: bool
    formats: tuple[str, ...]
    content_types: tuple[str, ...]
    max_size_bytes: int
    description: str
    required_by_agents: tuple[str, ...] = ()


@dataclass(frozen=True)
class ToolDef:
    """One tool."""

    tool_id: str
    name: str
    description: str
    version: str
    category: str
    files: tuple[FileSlotDef, ...]
    agents: tuple[AgentDef, ...]
    # Base of the report file names: "<prefix>_analysis.xlsx" / ".json".
    report_prefix: str = field(default="")

    def agent(self, agent_id: str) -> AgentDef | None:
        return next((a for a in self.agents if a.agent_id == agent_id), None)

    def slot(self, name: str) -> FileSlotDef | None:
        return next((s for s in self.files if s.slot == name), None)

    def available_agents(self) -> tuple[str, ...]:
        return tuple(a.agent_id for a in self.agents if a.available)

    def required_slots(self, agents: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """Slots that must be uploaded for a task running ``agents``."""
        chosen = set(agents)
        return tuple(
            s.slot for s in self.files if s.required or chosen.intersection(s.required_by_agents)
        )


@dataclass(frozen=True)
class Catalog:
    """Every tool, by id."""

    tools: tuple[ToolDef, ...]

    def tool(self, tool_id: str) -> ToolDef | None:
        return next((t for t in self.tools if t.tool_id == tool_id), None)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


# --- the definitions ---------------------------------------------------------

PARAMETERS_SLOT = "parameters"
PARAMETERS_FILENAME = "parameters.json"

CSV_CONTENT_TYPES = (
    "text/csv",
    "application/csv",
    "text/plain",
    # What browsers on Windows report for .csv files.
    "application/vnd.ms-excel",
)


JSON_CONTENT_TYPES = ("application/json", "application/x-ndjson", "application/jsonl")
XLSX_CONTENT_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    # What some browsers and tools send for a file they do not know.
    "application/octet-stream",
)
_CONTENT_TYPES = {"csv": CSV_CONTENT_TYPES, "json": JSON_CONTENT_TYPES, "xlsx": XLSX_CONTENT_TYPES}

#: Key of the parameters object that holds per-file options, beside the
#: agent ids: ``{"files": {"primary": {"sheet": "Sales"}}}``.
FILE_OPTIONS_KEY = "files"


def _table_slot(
    slot: str,
    required: bool,
    description: str,
    required_by: tuple[str, ...] = (),
    formats: tuple[str, ...] = ("csv", "json", "xlsx"),
) -> FileSlotDef:
    """A slot for a data table. The analysis reads the content (not the
    extension), so any declared content type of the accepted formats is
    fine for any of their extensions."""
    return FileSlotDef(
        slot=slot,
        required=required,
        formats=formats,
        content_types=tuple(dict.fromkeys(t for f in formats for t in _CONTENT_TYPES[f])),
        max_size_bytes=500 * MIB,
        description=description,
        required_by_agents=required_by,
    )


_PARAMETERS_FILE = FileSlotDef(
    slot=PARAMETERS_SLOT,
    required=False,
    formats=("json",),
    content_types=("application/json",),
    max_size_bytes=1 * MIB,
    description=(
        "Optional parameters.json: one object keyed by agent id, each value that agent's "
        "parameters. Replaces parameters given when the task was created; validated when "
        "processing is requested."
    ),
)


def _int(
    name: str, default: int, description: str, lo: float | None = None, hi: float | None = None
) -> ParamDef:
    return ParamDef(name, ParamType.INTEGER, default, description, lo, hi)


def _num(
    name: str, default: float, description: str, lo: float | None = None, hi: float | None = None
) -> ParamDef:
    return ParamDef(name, ParamType.NUMBER, default, description, lo, hi)


def _bool(name: str, default: bool, description: str) -> ParamDef:
    return ParamDef(name, ParamType.BOOLEAN, default, description)


def _choice(name: str, default: str, allowed: tuple[str, ...], description: str) -> ParamDef:
    return ParamDef(name, ParamType.STRING, default, description, allowed=allowed)


def _columns(name: str, description: str) -> ParamDef:
    return ParamDef(name, ParamType.STRING_LIST, [], description, column_selection=True)


def _object(name: str, description: str) -> ParamDef:
    return ParamDef(name, ParamType.OBJECT, {}, description)


def _weight(name: str, default: float, what: str) -> ParamDef:
    return _num(
        name, default, f"Weight of {what} in the agent's score (weights are normalised).", 0.0, 1.0
    )


def _thresholds(excellent: int = 90, good: int = 75) -> tuple[ParamDef, ...]:
    return (
        _int(
            "excellent_threshold",
            excellent,
            "Score at or above which the status is excellent.",
            0,
            100,
        ),
        _int("good_threshold", good, "Score at or above which the status is good.", 0, 100),
    )


_THRESHOLD_ORDER = (("good_threshold", "excellent_threshold"),)


UNIFIED_PROFILER = AgentDef(
    agent_id="unified-profiler",
    name="Unified Profiler",
    description=(
        "Per-column statistics in one streaming pass: inferred type, nulls, distinct values, "
        "top values, min/max/mean/std, quantiles, skewness, kurtosis, IQR outliers, string "
        "lengths, PII hints and quality scores with a grade."
    ),
    available=True,
    parameters=(
        _int(
            "null_alert_threshold",
            50,
            "Null percentage above which a column is critical and raises an alert.",
            0,
            100,
        ),
        _int(
            "categorical_threshold",
            20,
            "A text column with at most this many distinct values is reported as categorical.",
            1,
            100_000,
        ),
        _num(
            "categorical_ratio_threshold",
            0.05,
            "A text column whose distinct/non-null ratio is at most this is categorical.",
            0.0,
            1.0,
        ),
        _int("top_n_values", 10, "Number of most frequent values reported per column.", 1, 100),
        _num(
            "outlier_iqr_multiplier",
            1.5,
            "k in the IQR fences [Q1 - k*IQR, Q3 + k*IQR].",
            0.5,
            10.0,
        ),
        _int(
            "outlier_alert_threshold",
            5,
            "Outlier percentage above which a numeric column raises an alert.",
            0,
            100,
        ),
    ),
)

PROFILE_TOOL = ToolDef(
    tool_id="profile-my-data",
    name="Profile My Data",
    description="Profiles a dataset: statistics, drift against a baseline, PII risk, "
    "user-defined tests and a readiness score.",
    version="2.0.0",
    category="source",
    report_prefix="profile_my_data",
    files=(
        _table_slot(
            "primary",
            True,
            "The dataset to profile: CSV with a header row, JSON (an array of objects or "
            "JSON Lines) or Excel (.xlsx, first sheet unless the file option 'sheet' names one).",
        ),
        _table_slot(
            "baseline",
            False,
            "Reference dataset for drift detection (same columns as primary; CSV, JSON or Excel).",
            required_by=("drift-detector",),
        ),
        _PARAMETERS_FILE,
    ),
    agents=(
        UNIFIED_PROFILER,
        AgentDef(
            agent_id="drift-detector",
            name="Drift Detector",
            description="Compares the primary file with a baseline: distribution tests, PSI, "
            "missing and new columns.",
            available=False,
            input_slots=("primary", "baseline"),
            parameters=(
                _choice(
                    "statistical_test",
                    "kolmogorov_smirnov",
                    ("kolmogorov_smirnov", "chi2", "wasserstein"),
                    "Test used on numeric columns.",
                ),
                _num(
                    "significance_level", 0.05, "p-value below which drift is reported.", 0.0, 1.0
                ),
                _int(
                    "min_sample_size",
                    100,
                    "Columns with fewer non-null values on either side are skipped.",
                    10,
                    None,
                ),
            ),
        ),
        AgentDef(
            agent_id="score-risk",
            name="Risk Scorer",
            description="Finds PII and sensitive fields and scores compliance risk "
            "(GDPR, CCPA, HIPAA).",
            available=False,
            parameters=(
                _int(
                    "pii_sample_size",
                    100,
                    "Values sampled per column for PII patterns.",
                    10,
                    100_000,
                ),
                _int(
                    "high_risk_threshold",
                    70,
                    "Risk score at or above which a field is high.",
                    0,
                    100,
                ),
                _int(
                    "medium_risk_threshold",
                    40,
                    "Risk score at or above which a field is medium.",
                    0,
                    100,
                ),
                _bool("pii_detection_enabled", True, "Detect PII from values."),
                _bool(
                    "sensitive_field_detection_enabled", True, "Detect sensitive fields from names."
                ),
                _bool("governance_check_enabled", True, "Report governance gaps."),
            ),
            orderings=(("medium_risk_threshold", "high_risk_threshold"),),
        ),
        AgentDef(
            agent_id="test-coverage-agent",
            name="Test Coverage",
            description="Runs user-defined uniqueness, range and format tests.",
            available=False,
            parameters=(
                _weight("uniqueness_weight", 0.4, "uniqueness tests"),
                _weight("range_weight", 0.3, "range tests"),
                _weight("format_weight", 0.3, "format tests"),
                *_thresholds(90, 75),
                _columns("unique_columns", "Columns whose values must be unique."),
                _object(
                    "range_tests",
                    'Column -> {"min": number, "max": number}; either bound may be omitted.',
                ),
                _object(
                    "format_tests",
                    "Column -> regular expression that every value must match in full.",
                ),
            ),
            orderings=_THRESHOLD_ORDER,
        ),
        AgentDef(
            agent_id="readiness-rater",
            name="Readiness Rater",
            description="Scores completeness, consistency and schema health into a readiness "
            "verdict.",
            available=False,
            parameters=(
                _int("ready_threshold", 80, "Score at or above which data is ready.", 0, 100),
                _int(
                    "needs_review_threshold",
                    50,
                    "Score at or above which data needs review (below: not ready).",
                    0,
                    100,
                ),
                _weight("completeness_weight", 0.3, "completeness"),
                _weight("consistency_weight", 0.3, "consistency"),
                _weight("schema_health_weight", 0.4, "schema health"),
            ),
            orderings=(("needs_review_threshold", "ready_threshold"),),
        ),
    ),
)

_RETENTION = (
    _weight("data_retention_weight", 0.3, "row retention"),
    _weight("column_retention_weight", 0.2, "column retention"),
)

CLEAN_TOOL = ToolDef(
    tool_id="clean-my-data",
    name="Clean My Data",
    description="Cleans a dataset in a chain of agents and writes the cleaned CSV, with every "
    "removed row accounted for.",
    version="1.0.0",
    category="shape",
    report_prefix="clean_my_data",
    files=(
        _table_slot(
            "primary",
            True,
            "The dataset to clean: CSV with a header row or Excel (.xlsx, first sheet unless "
            "the file option 'sheet' names one).",
            formats=("csv", "xlsx"),
        ),
        _PARAMETERS_FILE,
    ),
    agents=(
        AgentDef(
            agent_id="cleanse-previewer",
            name="Cleanse Previewer",
            description="Simulates cleaning rules and reports their impact without changing data.",
            available=False,
            parameters=(
                ParamDef(
                    "preview_rules",
                    ParamType.OBJECT_LIST,
                    [],
                    'Rules to simulate: {"type": drop_nulls|impute_nulls|remove_outliers|'
                    'drop_duplicates|drop_columns|convert_types, "target_columns": [...], '
                    "...}.",
                ),
                _num("impact_threshold_high", 10, "Row change % at which impact is high.", 0, 100),
                _num(
                    "impact_threshold_medium", 5, "Row change % at which impact is medium.", 0, 100
                ),
                _num("confidence_level", 0.95, "Confidence level of estimates.", 0.0, 1.0),
                _bool("calculate_distributions", True, "Add skewness and kurtosis."),
                _bool("compare_statistics", True, "Compare statistics before and after."),
                _bool("analyze_correlations", False, "Compare correlations before and after."),
                _weight("accuracy_weight", 0.4, "simulation accuracy"),
                _weight("safety_weight", 0.3, "safety"),
                _weight("completeness_weight", 0.3, "completeness"),
                *_thresholds(),
            ),
            orderings=(*_THRESHOLD_ORDER, ("impact_threshold_medium", "impact_threshold_high")),
        ),
        AgentDef(
            agent_id="quarantine-agent",
            name="Quarantine Agent",
            description="Moves invalid rows to a quarantine file, each with its reasons.",
            available=False,
            parameters=(
                _bool("detect_missing_fields", True, "Quarantine rows missing required fields."),
                _bool("detect_type_mismatches", True, "Quarantine values of the wrong type."),
                _bool("detect_out_of_range", True, "Quarantine values outside their range."),
                _bool("detect_invalid_formats", True, "Quarantine values not matching formats."),
                _bool("detect_broken_records", True, "Quarantine empty or malformed rows."),
                _bool("detect_schema_mismatches", True, "Report missing expected columns."),
                _columns("required_fields", "Columns that must not be empty."),
                _object("range_constraints", 'Column -> {"min": number, "max": number}.'),
                _object("format_constraints", "Column -> regular expression (full match)."),
                _object(
                    "expected_schema", "Column -> integer|float|numeric|boolean|datetime|string."
                ),
                _weight("quarantine_reduction_weight", 0.5, "data integrity after quarantine"),
                _weight("data_integrity_weight", 0.3, "data integrity"),
                _weight("processing_efficiency_weight", 0.2, "processing efficiency"),
                *_thresholds(),
            ),
            orderings=_THRESHOLD_ORDER,
        ),
        AgentDef(
            agent_id="type-fixer",
            name="Type Fixer",
            description="Detects columns stored with the wrong type and converts them.",
            available=False,
            parameters=(
                _bool("auto_convert_numeric", True, "Convert numeric-looking text columns."),
                _bool("auto_convert_datetime", True, "Convert date-looking text columns."),
                _bool("auto_convert_category", True, "Mark low-cardinality text as category."),
                _bool("preserve_mixed_types", False, "Leave columns with mixed types unchanged."),
                _weight("type_reduction_weight", 0.5, "type issue reduction"),
                *_RETENTION,
                *_thresholds(),
            ),
            orderings=_THRESHOLD_ORDER,
        ),
        AgentDef(
            agent_id="field-standardization",
            name="Field Standardization",
            description="Trims, normalises case and spacing, applies synonyms, units and dates.",
            available=False,
            parameters=(
                _choice(
                    "case_strategy",
                    "lowercase",
                    ("lowercase", "uppercase", "titlecase", "none"),
                    "Case applied to text values.",
                ),
                _bool("trim_whitespace", True, "Strip leading and trailing whitespace."),
                _bool("normalize_internal_spacing", True, "Collapse runs of whitespace."),
                _bool("apply_synonyms", True, "Apply synonym_mappings."),
                _object("synonym_mappings", "Column -> {variant: standard value}."),
                _bool("unit_standardization", False, "Apply unit_mappings."),
                _object(
                    "unit_mappings", 'Column -> {unit: {"factor": number, "target_unit": string}}.'
                ),
                _bool("date_standardization", True, "Rewrite dates in target_date_format."),
                ParamDef(
                    "target_date_format",
                    ParamType.STRING,
                    "%Y-%m-%d",
                    "strftime pattern for standardised dates.",
                ),
                _columns("target_columns", "Only these columns (empty: every text column)."),
                _columns("preserve_columns", "Columns never touched."),
                _weight("effectiveness_weight", 0.5, "standardisation effectiveness"),
                *_RETENTION,
                *_thresholds(),
            ),
            orderings=_THRESHOLD_ORDER,
        ),
        AgentDef(
            agent_id="duplicate-resolver",
            name="Duplicate Resolver",
            description="Finds exact, case-variant and conflicting duplicates and resolves them.",
            available=False,
            parameters=(
                ParamDef(
                    "detection_types",
                    ParamType.STRING_LIST,
                    ["exact", "case_variations", "email_case", "missing_values", "conflicting"],
                    "Duplicate kinds to detect.",
                    allowed=(
                        "exact",
                        "case_variations",
                        "email_case",
                        "missing_values",
                        "conflicting",
                    ),
                ),
                _choice(
                    "merge_strategy",
                    "remove_duplicates",
                    ("remove_duplicates", "merge_smart"),
                    "How duplicates are resolved.",
                ),
                _columns("email_columns", "E-mail columns (empty: detected)."),
                _columns("key_columns", "Columns identifying a record (empty: all columns)."),
                _choice(
                    "null_handling",
                    "ignore_nulls",
                    ("ignore_nulls", "match_nulls"),
                    "Whether nulls match each other.",
                ),
                _choice(
                    "conflict_resolution",
                    "keep_first",
                    ("keep_first", "keep_last", "merge_smart"),
                    "Which record wins a conflict.",
                ),
                _weight("dedup_reduction_weight", 0.5, "duplicate reduction"),
                *_RETENTION,
                *_thresholds(),
            ),
            orderings=_THRESHOLD_ORDER,
        ),
        AgentDef(
            agent_id="null-handler",
            name="Null Handler",
            description="Imputes or drops missing values per column.",
            available=False,
            parameters=(
                _choice(
                    "global_strategy",
                    "column_specific",
                    ("drop_rows", "column_specific"),
                    "Drop every row with a null, or apply column_strategies.",
                ),
                _object(
                    "column_strategies",
                    "Column -> mean|median|mode|forward_fill|backward_fill|constant|"
                    "knn_imputation|drop_column.",
                ),
                _object("fill_values", "Column -> constant used by the constant strategy."),
                _int("knn_neighbors", 5, "Neighbours for KNN imputation.", 1, 20),
                _weight("null_reduction_weight", 0.5, "null reduction"),
                *_RETENTION,
                *_thresholds(),
            ),
            orderings=_THRESHOLD_ORDER,
        ),
        AgentDef(
            agent_id="outlier-remover",
            name="Outlier Remover",
            description="Detects outliers (IQR, z-score, percentiles) and removes or imputes them.",
            available=False,
            parameters=(
                _choice(
                    "detection_method",
                    "iqr",
                    ("iqr", "z_score", "percentile"),
                    "How outliers are detected.",
                ),
                _choice(
                    "removal_strategy",
                    "remove",
                    ("remove", "impute_mean", "impute_median"),
                    "What happens to outliers.",
                ),
                _num("z_threshold", 3.0, "|z| above which a value is an outlier.", 1.0, 5.0),
                _num("iqr_multiplier", 1.5, "k in the IQR fences.", 0.5, 3.0),
                _num("lower_percentile", 1.0, "Lower percentile fence.", 0.0, 10.0),
                _num("upper_percentile", 99.0, "Upper percentile fence.", 90.0, 100.0),
                _weight("outlier_reduction_weight", 0.5, "outlier reduction"),
                *_RETENTION,
                *_thresholds(),
            ),
            orderings=_THRESHOLD_ORDER,
        ),
        AgentDef(
            agent_id="cleanse-writeback",
            name="Cleanse Writeback",
            description="Verifies the cleaned data and writes the audit manifest.",
            available=False,
            parameters=(
                _bool("verify_numeric_types", True, "No NaN or infinity in numeric columns."),
                _bool("verify_datetime_types", True, "Datetime columns parse."),
                _bool("verify_no_new_nulls", True, "Cleaning added no nulls."),
                _bool("verify_no_duplicates", True, "No full-row duplicates remain."),
                _bool("verify_data_retention", True, "Enough rows and columns remain."),
                _bool("generate_comprehensive_manifest", True, "Write the full manifest."),
                _bool("include_transformation_summary", True, "Summarise transformations."),
                _weight("integrity_weight", 0.4, "integrity checks"),
                _weight("completeness_weight", 0.3, "manifest completeness"),
                _weight("auditability_weight", 0.3, "auditability"),
                *_thresholds(95, 85),
            ),
            orderings=_THRESHOLD_ORDER,
        ),
    ),
)


def default_catalog() -> Catalog:
    """The catalog this version ships."""
    return Catalog(tools=(PROFILE_TOOL, CLEAN_TOOL))
