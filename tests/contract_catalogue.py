"""The parameter catalogue of the frontend contract (frontend-contract.md
§4.6), transcribed: for each agent, (name, type, default, min, max). The
tests check the tool catalog against it: same names, types and defaults,
bounds never tighter (except the documented ones), the same form flags."""

from __future__ import annotations

from typing import Any

I, F, B, S, A, O = "integer", "float", "boolean", "string", "array", "object"  # noqa: E741

Param = tuple[str, str, Any, float | None, float | None]


def _w(name: str, default: float) -> Param:
    return (name, F, default, 0, 1)


def _t(excellent: int = 90, good: int = 75) -> list[Param]:
    return [("excellent_threshold", I, excellent, 0, 100), ("good_threshold", I, good, 0, 100)]


_RETENTION = [_w("data_retention_weight", 0.3), _w("column_retention_weight", 0.2)]

CATALOGUE: dict[str, list[Param]] = {
    "unified-profiler": [
        ("null_alert_threshold", I, 50, 0, 100),
        ("categorical_threshold", I, 20, 1, None),
        ("categorical_ratio_threshold", F, 0.05, 0, 1),
        ("top_n_values", I, 10, 1, None),
        ("outlier_iqr_multiplier", F, 1.5, 0.5, None),
        ("outlier_alert_threshold", I, 5, 0, 100),
    ],
    "drift-detector": [
        ("statistical_test", S, "kolmogorov_smirnov", None, None),
        ("significance_level", F, 0.05, 0, 1),
        ("min_sample_size", I, 100, 10, None),
    ],
    "score-risk": [
        ("pii_sample_size", I, 100, 10, None),
        ("high_risk_threshold", I, 70, 0, 100),
        ("medium_risk_threshold", I, 40, 0, 100),
        ("pii_detection_enabled", B, True, None, None),
        ("sensitive_field_detection_enabled", B, True, None, None),
        ("governance_check_enabled", B, True, None, None),
    ],
    "test-coverage-agent": [
        ("unique_columns", A, [], None, None),
        ("range_tests", O, {}, None, None),
        ("format_tests", O, {}, None, None),
        _w("uniqueness_weight", 0.4),
        _w("range_weight", 0.3),
        _w("format_weight", 0.3),
        *_t(),
    ],
    "readiness-rater": [
        ("ready_threshold", I, 80, 0, 100),
        ("needs_review_threshold", I, 50, 0, 100),
        _w("completeness_weight", 0.3),
        _w("consistency_weight", 0.3),
        _w("schema_health_weight", 0.4),
    ],
    "cleanse-previewer": [
        ("preview_rules", A, [], None, None),
        ("impact_threshold_high", F, 10, 0, 100),
        ("impact_threshold_medium", F, 5, 0, 100),
        ("confidence_level", F, 0.95, 0.8, 0.99),
        ("calculate_distributions", B, True, None, None),
        ("compare_statistics", B, True, None, None),
        ("analyze_correlations", B, False, None, None),
        _w("accuracy_weight", 0.4),
        _w("safety_weight", 0.3),
        _w("completeness_weight", 0.3),
        *_t(),
    ],
    "quarantine-agent": [
        ("required_fields", A, [], None, None),
        ("range_constraints", O, {}, None, None),
        ("format_constraints", O, {}, None, None),
        *[
            (f"detect_{kind}", B, True, None, None)
            for kind in (
                "missing_fields",
                "type_mismatches",
                "out_of_range",
                "invalid_formats",
                "broken_records",
                "schema_mismatches",
            )
        ],
        ("expected_schema", O, {}, None, None),
        _w("quarantine_reduction_weight", 0.5),
        _w("data_integrity_weight", 0.3),
        _w("processing_efficiency_weight", 0.2),
        *_t(),
    ],
    "type-fixer": [
        ("auto_convert_numeric", B, True, None, None),
        ("auto_convert_datetime", B, True, None, None),
        ("auto_convert_category", B, True, None, None),
        ("preserve_mixed_types", B, False, None, None),
        _w("type_reduction_weight", 0.5),
        *_RETENTION,
        *_t(),
    ],
    "field-standardization": [
        ("case_strategy", S, "lowercase", None, None),
        ("synonym_mappings", O, {}, None, None),
        ("unit_mappings", O, {}, None, None),
        ("target_date_format", S, "%Y-%m-%d", None, None),
        ("target_columns", A, [], None, None),
        ("preserve_columns", A, [], None, None),
        ("trim_whitespace", B, True, None, None),
        ("normalize_internal_spacing", B, True, None, None),
        ("apply_synonyms", B, True, None, None),
        ("unit_standardization", B, False, None, None),
        ("date_standardization", B, True, None, None),
        _w("standardization_effectiveness_weight", 0.5),
        *_RETENTION,
        *_t(),
    ],
    "duplicate-resolver": [
        ("merge_strategy", S, "remove_duplicates", None, None),
        ("email_columns", A, [], None, None),
        ("key_columns", A, [], None, None),
        (
            "detection_types",
            A,
            ["exact", "case_variations", "email_case", "missing_values", "conflicting"],
            None,
            None,
        ),
        ("null_handling", S, "ignore_nulls", None, None),
        ("conflict_resolution", S, "keep_first", None, None),
        _w("dedup_reduction_weight", 0.5),
        *_RETENTION,
        *_t(),
    ],
    "null-handler": [
        ("global_strategy", S, "column_specific", None, None),
        ("column_strategies", O, {}, None, None),
        ("fill_values", O, {}, None, None),
        ("knn_neighbors", I, 5, 1, 20),
        _w("null_reduction_weight", 0.5),
        *_RETENTION,
        *_t(),
    ],
    "outlier-remover": [
        ("detection_method", S, "iqr", None, None),
        ("removal_strategy", S, "remove", None, None),
        ("z_threshold", F, 3.0, 1, 5),
        ("iqr_multiplier", F, 1.5, 0.5, 3),
        ("lower_percentile", F, 1.0, 0, 10),
        ("upper_percentile", F, 99.0, 90, 100),
        _w("outlier_reduction_weight", 0.5),
        *_RETENTION,
        *_t(),
    ],
    "cleanse-writeback": [
        *[
            (name, B, True, None, None)
            for name in (
                "verify_numeric_types",
                "verify_datetime_types",
                "verify_no_new_nulls",
                "verify_no_duplicates",
                "verify_data_retention",
                "generate_comprehensive_manifest",
                "include_transformation_summary",
            )
        ],
        ("agent_manifests", O, {}, None, None),
        ("original_row_count", I, None, None, None),
        ("original_column_count", I, None, None, None),
        _w("integrity_weight", 0.4),
        _w("completeness_weight", 0.3),
        _w("auditability_weight", 0.3),
        *_t(95, 85),
    ],
}

#: Parameters the form shows (show: true); every other one is hidden.
SHOWN = {
    "test-coverage-agent": {"unique_columns", "range_tests", "format_tests"},
    "cleanse-previewer": {"preview_rules"},
    "quarantine-agent": {"required_fields", "range_constraints", "format_constraints"},
    "field-standardization": {
        "case_strategy",
        "synonym_mappings",
        "unit_mappings",
        "target_date_format",
        "target_columns",
        "preserve_columns",
    },
    "duplicate-resolver": {"merge_strategy", "email_columns", "key_columns"},
    "null-handler": {"global_strategy"},
    "outlier-remover": {"detection_method", "removal_strategy"},
}

#: Arrays with a column picker.
COLUMN_SELECTION = {
    ("test-coverage-agent", "unique_columns"),
    ("quarantine-agent", "required_fields"),
    ("field-standardization", "target_columns"),
    ("field-standardization", "preserve_columns"),
    ("duplicate-resolver", "email_columns"),
    ("duplicate-resolver", "key_columns"),
}

#: Allowed values of the enums.
ALLOWED = {
    ("drift-detector", "statistical_test"): {"kolmogorov_smirnov", "chi2", "wasserstein"},
    ("field-standardization", "case_strategy"): {"lowercase", "uppercase", "titlecase", "none"},
    ("duplicate-resolver", "merge_strategy"): {"remove_duplicates", "merge_smart"},
    ("duplicate-resolver", "detection_types"): {
        "exact",
        "case_variations",
        "email_case",
        "missing_values",
        "conflicting",
    },
    ("duplicate-resolver", "null_handling"): {"ignore_nulls", "match_nulls"},
    ("duplicate-resolver", "conflict_resolution"): {"keep_first", "keep_last", "merge_smart"},
    ("null-handler", "global_strategy"): {"drop_rows", "column_specific"},
    ("outlier-remover", "detection_method"): {"z_score", "iqr", "percentile"},
    ("outlier-remover", "removal_strategy"): {"remove", "impute_mean", "impute_median"},
}

#: Parameters of ours beside the contract's (README "Parameters"): the
#: frontend never sends them, so their defaults are what it gets.
OURS: dict[str, dict[str, tuple[str, Any]]] = {
    "type-fixer": {"strict_types": (B, False), "date_convention": (S, "auto")},
    "field-standardization": {"date_convention": (S, "auto")},
    "outlier-remover": {"target_columns": (A, [])},
}

#: Defaults of ours that differ from the contract's, deliberately (README
#: "Parameters"): field-standardization must not lowercase by default.
CHANGED_DEFAULTS = {("field-standardization", "case_strategy"): "most_frequent"}

#: Allowed values we add to the contract's enums.
ADDED_ALLOWED = {("field-standardization", "case_strategy"): {"most_frequent"}}

#: Our bounds that are tighter than the contract's (README "Parameters").
TIGHTER = {("unified-profiler", "top_n_values"): (None, 1000)}


def form_values(agent_id: str) -> dict[str, Any]:
    """parameters.json values for one agent as the frontend's form builds
    them: every parameter, at its contract default."""
    return {name: default for name, _type, default, _lo, _hi in CATALOGUE[agent_id]}
