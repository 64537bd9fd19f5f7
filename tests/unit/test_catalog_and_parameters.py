"""The tool catalog against the frontend's parameter catalogue, and
parameter validation (shared by TaskService and AnalysisService)."""

from __future__ import annotations

import json

import pytest

from dqcommon.tools import ParameterError, ParamType, default_catalog, validate_parameters
from dqcommon.tools.parameters import MAX_ITEMS, MAX_VIOLATIONS
from tests.contract_catalogue import (
    ADDED_ALLOWED,
    ALLOWED,
    CATALOGUE,
    CHANGED_DEFAULTS,
    COLUMN_SELECTION,
    OURS,
    SHOWN,
    TIGHTER,
    form_values,
)

pytestmark = pytest.mark.unit

CATALOG = default_catalog()
PROFILE = CATALOG.tool("profile-my-data")
CLEAN = CATALOG.tool("clean-my-data")


def violations(tool, agents, raw):
    with pytest.raises(ParameterError) as info:
        validate_parameters(tool, agents, raw)
    return {v.field: v.description for v in info.value.violations}


def all_agents():
    return [(tool, agent) for tool in CATALOG.tools for agent in tool.agents]


def test_both_tools_and_their_agents_in_declared_order():
    assert [a.agent_id for a in PROFILE.agents] == [
        "unified-profiler",
        "drift-detector",
        "score-risk",
        "test-coverage-agent",
        "readiness-rater",
    ]
    assert [a.agent_id for a in CLEAN.agents] == [
        "cleanse-previewer",
        "quarantine-agent",
        "type-fixer",
        "field-standardization",
        "duplicate-resolver",
        "null-handler",
        "outlier-remover",
        "cleanse-writeback",
    ]
    assert [s.slot for s in PROFILE.files] == ["primary", "baseline"]
    assert [s.slot for s in CLEAN.files] == ["primary"]


@pytest.mark.parametrize(("tool", "agent"), all_agents(), ids=lambda x: getattr(x, "agent_id", ""))
def test_parameters_match_the_contract_catalogue(tool, agent):
    expected = CATALOGUE[agent.agent_id]
    ours = OURS.get(agent.agent_id, {})
    assert {p.name for p in agent.parameters} == {name for name, *_ in expected} | set(ours)
    for name, (kind, default) in ours.items():
        assert agent.parameter(name).type.value == kind, name
        assert agent.parameter(name).default == default, name
    for name, kind, default, lo, hi in expected:
        spec = agent.parameter(name)
        assert spec.type.value == kind, name
        assert spec.default == CHANGED_DEFAULTS.get((agent.agent_id, name), default), name
        # Bounds as the contract's; a tighter one of ours is documented.
        bounds = TIGHTER.get((agent.agent_id, name), (lo, hi))
        assert (spec.minimum, spec.maximum) == (
            bounds[0] if bounds[0] is not None else lo,
            bounds[1],
        ), name
        assert spec.show == (name in SHOWN.get(agent.agent_id, set())), name
        assert spec.column_selection == ((agent.agent_id, name) in COLUMN_SELECTION), name
        if (agent.agent_id, name) in ALLOWED:
            added = ADDED_ALLOWED.get((agent.agent_id, name), set())
            assert set(spec.allowed) == ALLOWED[(agent.agent_id, name)] | added, name
        if kind == "array":
            assert spec.items in ("string", "object"), name


def test_the_frontends_form_values_are_accepted_for_every_agent():
    for tool, agent in all_agents():
        form = {a.agent_id: form_values(a.agent_id) for a in tool.agents}
        result = validate_parameters(tool, [agent.agent_id], form)
        assert result.by_agent[agent.agent_id] == {
            **agent.defaults(),
            **{k: v for k, v in form[agent.agent_id].items() if v is not None},
        }


def test_every_default_satisfies_its_own_schema():
    for tool, agent in all_agents():
        explicit = {agent.agent_id: agent.defaults()}
        result = validate_parameters(tool, [agent.agent_id], explicit)
        assert result.by_agent[agent.agent_id] == agent.defaults()


def test_defaults_fill_omitted_parameters_and_other_agents_are_ignored():
    result = validate_parameters(
        PROFILE,
        ["unified-profiler"],
        {
            "unified-profiler": {"top_n_values": 5},
            "score-risk": {"pii_sample_size": "not even a number"},
            "not-an-agent": ["whatever"],
        },
    )
    assert set(result.by_agent) == {"unified-profiler"}
    params = result.by_agent["unified-profiler"]
    assert params["top_n_values"] == 5
    assert params["outlier_iqr_multiplier"] == 1.5
    assert params["null_alert_threshold"] == 50


def test_null_means_the_default_and_stays_null_where_the_default_is_null():
    result = validate_parameters(
        CLEAN,
        ["cleanse-writeback"],
        {"cleanse-writeback": {"original_row_count": None, "integrity_weight": None}},
    )
    params = result.by_agent["cleanse-writeback"]
    assert params["original_row_count"] is None and params["integrity_weight"] == 0.4
    assert validate_parameters(CLEAN, ["cleanse-writeback"], {"cleanse-writeback": None})
    result = validate_parameters(
        CLEAN, ["cleanse-writeback"], {"cleanse-writeback": {"original_row_count": 1200}}
    )
    assert result.by_agent["cleanse-writeback"]["original_row_count"] == 1200


def test_whole_floats_become_integers_and_integers_floats_where_declared():
    result = validate_parameters(
        PROFILE,
        ["unified-profiler"],
        {"unified-profiler": {"top_n_values": 7.0, "outlier_iqr_multiplier": 2}},
    )
    values = result.by_agent["unified-profiler"]
    assert values["top_n_values"] == 7 and isinstance(values["top_n_values"], int)
    assert values["outlier_iqr_multiplier"] == 2.0 and isinstance(
        values["outlier_iqr_multiplier"], float
    )


def test_bounds_are_no_tighter_than_the_contract():
    # No maximum in the contract: large values are accepted.
    result = validate_parameters(
        PROFILE,
        ["unified-profiler"],
        {"unified-profiler": {"categorical_threshold": 10**6, "outlier_iqr_multiplier": 50}},
    )
    assert result.by_agent["unified-profiler"]["categorical_threshold"] == 10**6
    # Thresholds in any order (the contract does not order them).
    validate_parameters(
        PROFILE,
        ["score-risk"],
        {"score-risk": {"medium_risk_threshold": 80, "high_risk_threshold": 70}},
    )


def test_every_violation_is_reported_at_once():
    found = violations(
        PROFILE,
        ["unified-profiler", "score-risk"],
        {
            "unified-profiler": {
                "top_n_values": 0,
                "outlier_iqr_multiplier": "wide",
                "null_alert_threshold": 101,
                "categorical_threshold": 2.5,
                "bogus": 1,
            },
            "score-risk": {"pii_detection_enabled": "yes"},
        },
    )
    assert set(found) == {
        "parameters.unified-profiler.top_n_values",
        "parameters.unified-profiler.outlier_iqr_multiplier",
        "parameters.unified-profiler.null_alert_threshold",
        "parameters.unified-profiler.categorical_threshold",
        "parameters.unified-profiler.bogus",
        "parameters.score-risk.pii_detection_enabled",
    }
    assert found["parameters.unified-profiler.top_n_values"] == "must be at least 1 (got 0)"
    assert found["parameters.unified-profiler.outlier_iqr_multiplier"] == "must be a number"
    assert found["parameters.unified-profiler.null_alert_threshold"] == (
        "must be at most 100 (got 101)"
    )
    assert found["parameters.unified-profiler.categorical_threshold"] == "must be a whole number"
    assert found["parameters.score-risk.pii_detection_enabled"] == "must be true or false"
    assert "unknown parameter" in found["parameters.unified-profiler.bogus"]


@pytest.mark.parametrize(
    ("raw", "field", "expected"),
    [
        (
            {"drift-detector": {"statistical_test": "t-test"}},
            "parameters.drift-detector.statistical_test",
            "must be one of",
        ),
        (
            {"test-coverage-agent": {"unique_columns": [1, 2]}},
            "parameters.test-coverage-agent.unique_columns",
            "must be a list of strings",
        ),
        (
            {"test-coverage-agent": {"unique_columns": "id"}},
            "parameters.test-coverage-agent.unique_columns",
            "must be a JSON array",
        ),
        (
            {"test-coverage-agent": {"range_tests": []}},
            "parameters.test-coverage-agent.range_tests",
            "must be a JSON object",
        ),
        ({"unified-profiler": []}, "parameters.unified-profiler", "must be a JSON object"),
        (
            {"unified-profiler": {"top_n_values": True}},
            "parameters.unified-profiler.top_n_values",
            "must be a number",
        ),
        (
            {"unified-profiler": {"outlier_iqr_multiplier": float("nan")}},
            "parameters.unified-profiler.outlier_iqr_multiplier",
            "must be a number",
        ),
        (
            {"unified-profiler": {"top_n_values": 1001}},
            "parameters.unified-profiler.top_n_values",
            "must be at most 1000",
        ),
    ],
)
def test_type_range_and_choice_violations(raw, field, expected):
    found = violations(PROFILE, list(raw), raw)
    assert expected in found[field]


def test_clean_tool_lists_and_objects():
    found = violations(
        CLEAN,
        ["duplicate-resolver", "cleanse-previewer"],
        {
            "duplicate-resolver": {"detection_types": ["exact", "fuzzy"]},
            "cleanse-previewer": {"preview_rules": [{"type": "drop_nulls"}, "oops"]},
        },
    )
    assert "unknown values fuzzy" in found["parameters.duplicate-resolver.detection_types"]
    assert "list of JSON objects" in found["parameters.cleanse-previewer.preview_rules"]


def test_arrays_and_objects_may_come_as_json_encoded_strings():
    result = validate_parameters(
        PROFILE,
        ["test-coverage-agent"],
        {
            "test-coverage-agent": {
                "unique_columns": '["id", "email"]',
                "range_tests": json.dumps({"age": {"min": 0}}),
            }
        },
    )
    values = result.by_agent["test-coverage-agent"]
    assert values["unique_columns"] == ["id", "email"]
    assert values["range_tests"] == {"age": {"min": 0}}
    found = violations(
        PROFILE, ["test-coverage-agent"], {"test-coverage-agent": {"range_tests": "{oops"}}
    )
    assert "JSON object" in found["parameters.test-coverage-agent.range_tests"]
    deep = "[" * 100_000 + "]" * 100_000
    found = violations(
        PROFILE, ["test-coverage-agent"], {"test-coverage-agent": {"unique_columns": deep}}
    )
    assert "JSON array" in found["parameters.test-coverage-agent.unique_columns"]


def test_values_are_bounded_and_the_report_of_problems_too():
    found = violations(
        PROFILE,
        ["test-coverage-agent"],
        {"test-coverage-agent": {"unique_columns": ["c"] * (MAX_ITEMS + 1)}},
    )
    assert "at most" in found["parameters.test-coverage-agent.unique_columns"]

    many = {f"unknown_{i}": 1 for i in range(50_000)}
    with pytest.raises(ParameterError) as info:
        validate_parameters(PROFILE, ["unified-profiler"], {"unified-profiler": many})
    assert len(info.value.violations) == MAX_VIOLATIONS
    assert info.value.omitted == 50_000 - MAX_VIOLATIONS


def test_parameters_must_be_an_object():
    assert violations(PROFILE, ["unified-profiler"], ["x"]) == {
        "parameters": "must be a JSON object keyed by agent id"
    }


def test_required_slots_follow_the_selected_agents():
    assert PROFILE.required_slots(["unified-profiler"]) == ("primary",)
    assert PROFILE.required_slots(["unified-profiler", "drift-detector"]) == ("primary", "baseline")


def test_every_parameter_is_described():
    for _tool, agent in all_agents():
        assert agent.description and agent.features and agent.icon
        for param in agent.parameters:
            assert param.description, (agent.agent_id, param.name)
            assert isinstance(param.type, ParamType)


def test_slots_declare_the_formats_the_frontend_offers():
    assert {s.slot: s.formats for s in PROFILE.files if s.slot != "parameters"} == {
        "primary": ("csv", "json", "xlsx"),
        "baseline": ("csv", "json", "xlsx"),
    }
    primary = CLEAN.slot("primary")
    assert primary.formats == ("csv", "xlsx")
    assert "application/json" not in primary.content_types
    assert "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" in (
        primary.content_types
    )


def test_file_options_are_validated_and_passed_to_the_analysis():
    raw = {"unified-profiler": {"top_n_values": 3}, "files": {"primary": {"sheet": "Sales"}}}
    validated = validate_parameters(PROFILE, ["unified-profiler"], raw)
    assert validated.files == {"primary": {"sheet": "Sales"}}
    assert validated.for_analysis()["files"] == {"primary": {"sheet": "Sales"}}
    assert validated.for_analysis()["unified-profiler"]["top_n_values"] == 3
    assert "files" not in validate_parameters(PROFILE, ["unified-profiler"], {}).for_analysis()
    assert violations(
        PROFILE,
        ["unified-profiler"],
        {"files": {"secondary": {}, "primary": {"sheet": "", "tab": "x"}, "baseline": 3}},
    ) == {
        "parameters.files.secondary": "is not a data file slot of profile-my-data "
        "(slots: primary, baseline)",
        "parameters.files.primary.sheet": "must be the name of a worksheet of an Excel file "
        "(1 to 31 characters)",
        "parameters.files.primary.tab": "unknown file option (sheet)",
        "parameters.files.baseline": "must be a JSON object of file options",
    }
    assert violations(PROFILE, ["unified-profiler"], {"files": []}) == {
        "parameters.files": "must be a JSON object keyed by file slot"
    }


def test_quarantine_constraints_are_checked_at_creation():
    found = violations(
        CLEAN,
        ["quarantine-agent"],
        {
            "quarantine-agent": {
                "format_constraints": {"email": "(", "ok": "^a$"},
                "range_constraints": {"age": {"min": 5, "max": 1}, "n": {"min": "x"}},
                "expected_schema": {"age": "integer", "when": "timestamp"},
            }
        },
    )
    assert set(found) == {
        "parameters.quarantine-agent.format_constraints.email",
        "parameters.quarantine-agent.range_constraints.age",
        "parameters.quarantine-agent.range_constraints.n",
        "parameters.quarantine-agent.expected_schema.when",
    }
    assert (
        "invalid regular expression"
        in found["parameters.quarantine-agent.format_constraints.email"]
    )
