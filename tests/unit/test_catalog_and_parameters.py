"""The tool catalog and parameter validation (shared by TaskService and
AnalysisService)."""

from __future__ import annotations

import pytest

from dqcommon.tools import ParameterError, ParamType, default_catalog, validate_parameters

pytestmark = pytest.mark.unit

CATALOG = default_catalog()
PROFILE = CATALOG.tool("profile-my-data")
CLEAN = CATALOG.tool("clean-my-data")


def violations(tool, agents, raw):
    with pytest.raises(ParameterError) as info:
        validate_parameters(tool, agents, raw)
    return {v.field: v.description for v in info.value.violations}


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


def test_every_default_satisfies_its_own_schema():
    for tool in CATALOG.tools:
        for agent in tool.agents:
            explicit = {agent.agent_id: agent.defaults()}
            result = validate_parameters(tool, [agent.agent_id], explicit)
            assert result.by_agent[agent.agent_id] == agent.defaults()


def test_defaults_fill_omitted_parameters_and_only_selected_agents_are_returned():
    result = validate_parameters(
        PROFILE,
        ["unified-profiler"],
        {"unified-profiler": {"top_n_values": 5}, "score-risk": {"pii_sample_size": 50}},
    )
    assert set(result.by_agent) == {"unified-profiler"}
    params = result.by_agent["unified-profiler"]
    assert params["top_n_values"] == 5
    assert params["outlier_iqr_multiplier"] == 1.5
    assert params["null_alert_threshold"] == 50


def test_whole_floats_become_integers():
    result = validate_parameters(
        PROFILE, ["unified-profiler"], {"unified-profiler": {"top_n_values": 7.0}}
    )
    value = result.by_agent["unified-profiler"]["top_n_values"]
    assert value == 7 and isinstance(value, int)


def test_every_violation_is_reported_at_once():
    found = violations(
        PROFILE,
        ["unified-profiler"],
        {
            "unified-profiler": {
                "top_n_values": 0,
                "outlier_iqr_multiplier": "wide",
                "null_alert_threshold": 101,
                "categorical_threshold": 2.5,
                "bogus": 1,
            },
            "not-an-agent": {},
            "score-risk": {"pii_detection_enabled": "yes"},
        },
    )
    assert set(found) == {
        "parameters.unified-profiler.top_n_values",
        "parameters.unified-profiler.outlier_iqr_multiplier",
        "parameters.unified-profiler.null_alert_threshold",
        "parameters.unified-profiler.categorical_threshold",
        "parameters.unified-profiler.bogus",
        "parameters.not-an-agent",
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
    assert "is not an agent of profile-my-data" in found["parameters.not-an-agent"]


@pytest.mark.parametrize(
    ("raw", "field", "expected"),
    [
        (
            {"drift-detector": {"statistical_test": "t-test"}},
            "parameters.drift-detector.statistical_test",
            "must be one of",
        ),
        (
            {"test-coverage-agent": {"unique_columns": "id"}},
            "parameters.test-coverage-agent.unique_columns",
            "must be a list of strings",
        ),
        (
            {"test-coverage-agent": {"unique_columns": ["id", "id"]}},
            "parameters.test-coverage-agent.unique_columns",
            "must not repeat",
        ),
        (
            {"test-coverage-agent": {"range_tests": []}},
            "parameters.test-coverage-agent.range_tests",
            "must be a JSON object",
        ),
        (
            {"score-risk": {"medium_risk_threshold": 80, "high_risk_threshold": 70}},
            "parameters.score-risk.medium_risk_threshold",
            "must not exceed high_risk_threshold",
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
    ],
)
def test_type_range_choice_and_ordering_violations(raw, field, expected):
    agents = list(raw)
    found = violations(PROFILE, agents, raw)
    assert expected in found[field]


def test_clean_tool_lists_and_objects():
    found = violations(
        CLEAN,
        ["duplicate-resolver"],
        {
            "duplicate-resolver": {"detection_types": ["exact", "fuzzy"]},
            "cleanse-previewer": {"preview_rules": [{"type": "drop_nulls"}, "oops"]},
        },
    )
    assert "unknown values fuzzy" in found["parameters.duplicate-resolver.detection_types"]
    assert "list of JSON objects" in found["parameters.cleanse-previewer.preview_rules"]


def test_parameters_must_be_an_object():
    assert violations(PROFILE, ["unified-profiler"], ["x"]) == {
        "parameters": "must be a JSON object keyed by agent id"
    }


def test_required_slots_follow_the_selected_agents():
    assert PROFILE.required_slots(["unified-profiler"]) == ("primary",)
    assert PROFILE.required_slots(["unified-profiler", "drift-detector"]) == ("primary", "baseline")


def test_every_parameter_type_is_described():
    for tool in CATALOG.tools:
        for agent in tool.agents:
            assert agent.description
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
        "parameters.files.secondary": "'secondary' is not a data file slot "
        "(slots: primary, baseline)",
        "parameters.files.primary.sheet": "must be the name of a worksheet of an Excel file "
        "(1 to 31 characters)",
        "parameters.files.primary.tab": "unknown file option (sheet)",
        "parameters.files.baseline": "must be a JSON object of file options",
    }
    assert violations(PROFILE, ["unified-profiler"], {"files": []}) == {
        "parameters.files": "must be a JSON object keyed by file slot"
    }
