"""clean-my-data: its files, agents and parameters (contract §4.3-§4.6)."""

from __future__ import annotations

from dqcommon.tools.builders import (
    boolean,
    choice,
    columns,
    date_convention,
    integer,
    mapping,
    number,
    retention_weights,
    table_slot,
    text,
    thresholds,
    weight,
)
from dqcommon.tools.model import AgentDef, ParamDef, ParamType, ToolDef
from dqcommon.tools.null_strategies import NULL_STRATEGIES

CLEANSE_PREVIEWER = AgentDef(
    agent_id="cleanse-previewer",
    name="Cleanse Previewer",
    description="Simulates cleaning rules and reports their impact without changing data.",
    available=True,
    icon="👁️",
    features=("Rule simulation", "Impact per rule", "Before/after statistics", "Safety check"),
    parameters=(
        ParamDef(
            "preview_rules",
            ParamType.ARRAY,
            [],
            'Rules to simulate: {"type": drop_nulls|impute_nulls|remove_outliers|'
            'drop_duplicates|drop_columns|convert_types, "target_columns": [...], '
            '"description": text, "rule_id" (optional), and per type "strategy", '
            '"fill_value", "method", "iqr_multiplier", "z_threshold" or "target_type"}.',
            items="object",
            show=True,
            example=[{"type": "drop_nulls", "target_columns": ["email"], "description": "..."}],
        ),
        number("impact_threshold_high", 10, "Row change % at which impact is high.", 0, 100),
        number("impact_threshold_medium", 5, "Row change % at which impact is medium.", 0, 100),
        number("confidence_level", 0.95, "Confidence level of estimates.", 0.8, 0.99),
        boolean("calculate_distributions", True, "Add skewness and kurtosis."),
        boolean("compare_statistics", True, "Compare statistics before and after."),
        boolean("analyze_correlations", False, "Compare correlations before and after."),
        weight("accuracy_weight", 0.4, "simulation accuracy"),
        weight("safety_weight", 0.3, "safety"),
        weight("completeness_weight", 0.3, "completeness"),
        *thresholds(),
    ),
)

QUARANTINE_AGENT = AgentDef(
    agent_id="quarantine-agent",
    name="Quarantine Agent",
    description="Moves invalid rows to a quarantine file, each with its reasons.",
    available=True,
    icon="🚧",
    features=(
        "Missing required fields",
        "Type mismatches",
        "Out-of-range values",
        "Invalid formats",
        "Broken records",
    ),
    parameters=(
        columns("required_fields", "Columns that must not be empty."),
        mapping(
            "range_constraints",
            'Column -> {"min": number, "max": number}.',
            {"age": {"min": 0, "max": 120}},
            show=True,
        ),
        mapping(
            "format_constraints",
            "Column -> regular expression (full match).",
            {"email": "^[^@]+@[^@]+$"},
            show=True,
        ),
        boolean("detect_missing_fields", True, "Quarantine rows missing required fields."),
        boolean("detect_type_mismatches", True, "Quarantine values of the wrong type."),
        boolean("detect_out_of_range", True, "Quarantine values outside their range."),
        boolean("detect_invalid_formats", True, "Quarantine values not matching formats."),
        boolean("detect_broken_records", True, "Quarantine empty or malformed rows."),
        boolean("detect_schema_mismatches", True, "Report missing expected columns."),
        mapping("expected_schema", "Column -> integer|float|numeric|boolean|datetime|string."),
        weight("quarantine_reduction_weight", 0.5, "data integrity after quarantine"),
        weight("data_integrity_weight", 0.3, "data integrity"),
        weight("processing_efficiency_weight", 0.2, "processing efficiency"),
        *thresholds(),
    ),
)

TYPE_FIXER = AgentDef(
    agent_id="type-fixer",
    name="Type Fixer",
    description="Detects columns stored with the wrong type and converts them.",
    available=True,
    icon="🔧",
    features=("Numeric conversion", "Date conversion", "Categories", "Mixed-type detection"),
    parameters=(
        boolean("auto_convert_numeric", True, "Convert numeric-looking text columns."),
        boolean("auto_convert_datetime", True, "Convert date-looking text columns."),
        boolean("auto_convert_category", True, "Mark low-cardinality text as category."),
        boolean("preserve_mixed_types", False, "Leave columns with mixed types unchanged."),
        boolean(
            "strict_types",
            False,
            "Quarantine rows whose value cannot be converted to its column's type (otherwise "
            "the value stays as it was and is reported).",
        ),
        date_convention(),
        weight("type_reduction_weight", 0.5, "type issue reduction"),
        *retention_weights(),
        *thresholds(),
    ),
)

FIELD_STANDARDIZATION = AgentDef(
    agent_id="field-standardization",
    name="Field Standardization",
    description="Trims, normalises case and spacing, applies synonyms, units and dates.",
    available=True,
    icon="📏",
    features=("Case and whitespace", "Synonyms", "Units", "Date formats"),
    parameters=(
        choice(
            "case_strategy",
            "most_frequent",
            ("most_frequent", "lowercase", "uppercase", "titlecase", "none"),
            "Case applied to text values. most_frequent (default) only unifies spellings of "
            "the same value that differ in case or spacing, to the column's most frequent "
            "spelling; none leaves case alone.",
            show=True,
        ),
        mapping(
            "synonym_mappings",
            "Column -> {variant: standard value}.",
            {"country": {"USA": "United States"}},
            show=True,
        ),
        mapping(
            "unit_mappings",
            'Column -> {unit: {"factor": number, "target_unit": string}}.',
            {"weight": {"lb": {"factor": 0.4536, "target_unit": "kg"}}},
            show=True,
        ),
        text(
            "target_date_format",
            "%Y-%m-%d",
            "strftime pattern for standardised dates.",
            show=True,
        ),
        columns("target_columns", "Only these columns (empty: every text column)."),
        columns("preserve_columns", "Columns never touched."),
        boolean("trim_whitespace", True, "Strip leading and trailing whitespace."),
        boolean("normalize_internal_spacing", True, "Collapse runs of whitespace."),
        boolean("apply_synonyms", True, "Apply synonym_mappings."),
        boolean("unit_standardization", False, "Apply unit_mappings."),
        boolean("date_standardization", True, "Rewrite dates in target_date_format."),
        date_convention(),
        weight("standardization_effectiveness_weight", 0.5, "standardisation effectiveness"),
        *retention_weights(),
        *thresholds(),
    ),
)

DETECTION_TYPES = ("exact", "case_variations", "email_case", "missing_values", "conflicting")

DUPLICATE_RESOLVER = AgentDef(
    agent_id="duplicate-resolver",
    name="Duplicate Resolver",
    description="Finds exact, case-variant and conflicting duplicates and resolves them.",
    available=True,
    icon="👯",
    features=("Exact duplicates", "Case variations", "E-mail case", "Conflicting records"),
    parameters=(
        choice(
            "merge_strategy",
            "remove_duplicates",
            ("remove_duplicates", "merge_smart"),
            "How duplicates are resolved.",
            show=True,
        ),
        columns("email_columns", "E-mail columns (empty: detected)."),
        columns("key_columns", "Columns identifying a record (empty: all columns)."),
        ParamDef(
            "detection_types",
            ParamType.ARRAY,
            list(DETECTION_TYPES),
            "Duplicate kinds to detect.",
            allowed=DETECTION_TYPES,
            items="string",
        ),
        choice(
            "null_handling",
            "ignore_nulls",
            ("ignore_nulls", "match_nulls"),
            "Whether nulls match each other.",
        ),
        choice(
            "conflict_resolution",
            "keep_first",
            ("keep_first", "keep_last", "merge_smart"),
            "Which record wins a conflict.",
        ),
        weight("dedup_reduction_weight", 0.5, "duplicate reduction"),
        *retention_weights(),
        *thresholds(),
    ),
)

NULL_HANDLER = AgentDef(
    agent_id="null-handler",
    name="Null Handler",
    description="Imputes or drops missing values per column.",
    available=True,
    icon="🕳️",
    features=("Drop rows", "Mean, median, mode", "Forward and backward fill", "KNN imputation"),
    parameters=(
        choice(
            "global_strategy",
            "column_specific",
            ("drop_rows", "column_specific"),
            "Drop every row with a null, or apply column_strategies.",
            show=True,
        ),
        mapping(
            "column_strategies",
            f"Column -> {'|'.join(NULL_STRATEGIES)}.",
            {"age": "median"},
        ),
        mapping("fill_values", "Column -> constant used by the constant strategy."),
        integer("knn_neighbors", 5, "Neighbours for KNN imputation.", 1, 20),
        weight("null_reduction_weight", 0.5, "null reduction"),
        *retention_weights(),
        *thresholds(),
    ),
)

OUTLIER_REMOVER = AgentDef(
    agent_id="outlier-remover",
    name="Outlier Remover",
    description="Detects outliers (IQR, z-score, percentiles) and removes or imputes them.",
    available=True,
    icon="📉",
    features=("IQR fences", "Z-score", "Percentile fences", "Remove or impute"),
    parameters=(
        choice(
            "detection_method",
            "iqr",
            ("z_score", "iqr", "percentile"),
            "How outliers are detected.",
            show=True,
        ),
        choice(
            "removal_strategy",
            "remove",
            ("remove", "impute_mean", "impute_median"),
            "What happens to outliers.",
            show=True,
        ),
        number("z_threshold", 3.0, "|z| above which a value is an outlier.", 1, 5),
        number("iqr_multiplier", 1.5, "k in the IQR fences.", 0.5, 3),
        number("lower_percentile", 1.0, "Lower percentile fence.", 0, 10),
        number("upper_percentile", 99.0, "Upper percentile fence.", 90, 100),
        columns(
            "target_columns",
            "Only these numeric columns (empty: every numeric column that is not "
            "identifier-like; a listed identifier-like column is checked too).",
            show=False,
        ),
        weight("outlier_reduction_weight", 0.5, "outlier reduction"),
        *retention_weights(),
        *thresholds(),
    ),
)

CLEANSE_WRITEBACK = AgentDef(
    agent_id="cleanse-writeback",
    name="Cleanse Writeback",
    description="Verifies the cleaned data and writes the audit manifest.",
    available=True,
    icon="💾",
    features=("Integrity checks", "Retention check", "Audit manifest", "Transformation summary"),
    parameters=(
        boolean("verify_numeric_types", True, "No NaN or infinity in numeric columns."),
        boolean("verify_datetime_types", True, "Datetime columns parse."),
        boolean("verify_no_new_nulls", True, "Cleaning added no nulls."),
        boolean("verify_no_duplicates", True, "No full-row duplicates remain."),
        boolean("verify_data_retention", True, "Enough rows and columns remain."),
        boolean("generate_comprehensive_manifest", True, "Write the full manifest."),
        boolean("include_transformation_summary", True, "Summarise transformations."),
        mapping("agent_manifests", "Agent id -> that agent's result (filled by the pipeline)."),
        integer(
            "original_row_count", None, "Row count before cleaning (null: taken from the input)."
        ),
        integer(
            "original_column_count",
            None,
            "Column count before cleaning (null: taken from the input).",
        ),
        weight("integrity_weight", 0.4, "integrity checks"),
        weight("completeness_weight", 0.3, "manifest completeness"),
        weight("auditability_weight", 0.3, "auditability"),
        *thresholds(95, 85),
    ),
)

CLEAN_TOOL = ToolDef(
    tool_id="clean-my-data",
    name="Clean My Data",
    description="Cleans a dataset in a chain of agents and writes the cleaned CSV, with every "
    "removed row accounted for.",
    version="1.0.0",
    category="shape",
    icon="✨",
    tags=("DATA, OPS & ENGINEERING",),
    report_prefix="clean_my_data",
    files=(
        table_slot(
            "primary",
            True,
            "The dataset to clean: CSV with a header row or Excel (.xlsx, first sheet unless "
            "the file option 'sheet' names one).",
            formats=("csv", "xlsx"),
        ),
    ),
    agents=(
        CLEANSE_PREVIEWER,
        QUARANTINE_AGENT,
        TYPE_FIXER,
        FIELD_STANDARDIZATION,
        DUPLICATE_RESOLVER,
        NULL_HANDLER,
        OUTLIER_REMOVER,
        CLEANSE_WRITEBACK,
    ),
)
