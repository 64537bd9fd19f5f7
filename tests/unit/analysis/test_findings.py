"""The shared findings vocabulary: shapes, ids, issue types, scoring, the
JSON sanitiser and the fair row-level budget."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from analysis_service.findings import (
    ISSUE_TYPES,
    Alert,
    Card,
    CardStatus,
    IdSequence,
    Issue,
    Priority,
    Recommendation,
    RowEvidence,
    RowIssue,
    RowSeverity,
    Severity,
    StatusBands,
    collect_row_issues,
    fair_quotas,
    grade,
    issue_type,
    json_bytes,
    json_number,
    jsonable,
    normalise_weights,
    weighted_score,
)
from dqcommon.tools.catalog import default_catalog

pytestmark = pytest.mark.unit


def test_items_have_the_contract_shapes() -> None:
    alert = Alert("alert_x_a", "x", Severity.HIGH, "cat", "msg", "do it", ("a", "b"))
    assert alert.to_dict() == {
        "alert_id": "alert_x_a",
        "severity": "high",
        "category": "cat",
        "message": "msg",
        "affected_fields_count": 2,
        "recommendation": "do it",
        "agent_id": "x",
        "affected_fields": ["a", "b"],
    }
    issue = Issue("i1", "x", "col", "type_mismatch", Severity.LOW, "m", {"n": np.int64(3)})
    assert issue.to_dict() == {
        "issue_id": "i1",
        "agent_id": "x",
        "field_name": "col",
        "issue_type": "type_mismatch",
        "severity": "low",
        "message": "m",
        "n": 3,
    }
    assert type(issue.to_dict()["n"]) is int
    rec = Recommendation("r1", "x", "col", Priority.CRITICAL, "text", "immediate", {"owner": "o"})
    assert rec.to_dict()["priority"] == "critical" and rec.to_dict()["owner"] == "o"
    row = RowIssue(4, "col", "outlier", RowSeverity.WARNING, "m", np.float64(2.5), {"b": 1})
    assert row.to_dict() == {
        "row_index": 4,
        "column": "col",
        "issue_type": "outlier",
        "severity": "warning",
        "message": "m",
        "value": 2.5,
        "b": 1,
    }
    card = Card("exec_quality", "T", "87.3", CardStatus.GOOD, "d")
    assert card.to_dict() == {
        "summary_id": "exec_quality",
        "title": "T",
        "value": "87.3",
        "status": "good",
        "description": "d",
    }
    with pytest.raises(AttributeError):
        card.value = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        issue.extras["n"] = 4  # type: ignore[index]


def test_severity_ranks() -> None:
    assert sorted(Severity, key=lambda s: s.rank) == [
        Severity.CRITICAL,
        Severity.HIGH,
        Severity.MEDIUM,
        Severity.LOW,
    ]
    assert Priority.CRITICAL.rank < Priority.LOW.rank
    assert {s.value for s in RowSeverity} == {"critical", "warning", "info"}


def test_id_sequences_follow_upstream_patterns_and_never_repeat() -> None:
    ids = IdSequence("profile")
    assert ids.alert("high_nulls") == "alert_profile_high_nulls"
    assert ids.issue("type_mismatch", "qty") == "issue_profile_type_mismatch_qty"
    assert ids.recommendation("pii_protection") == "rec_profile_pii_protection"
    assert ids.issue("type_mismatch", "qty") == "issue_profile_type_mismatch_qty_2"
    assert ids.exact("issue_profile_type_mismatch_qty_2") == "issue_profile_type_mismatch_qty_2_2"
    assert ids.exact("alert_pii_001_detected_critical") == "alert_pii_001_detected_critical"


def test_issue_type_table() -> None:
    assert issue_type("high_null_percentage").fixed_by == "null-handler"
    assert issue_type("pii_email_address") is ISSUE_TYPES["pii_"]
    unknown = issue_type("something_new")
    assert unknown.label == "Something new" and unknown.suggested_action
    clean = default_catalog().tool("clean-my-data")
    assert clean is not None
    for row in ISSUE_TYPES.values():
        assert row.label and row.suggested_action
        assert row.fixed_by is None or clean.agent(row.fixed_by) is not None, row.key


def test_scoring() -> None:
    assert normalise_weights({"a": 0.4, "b": 0.3, "c": 0.3}) == pytest.approx(
        {"a": 0.4, "b": 0.3, "c": 0.3}
    )
    assert normalise_weights({"a": 2, "b": 2}) == {"a": 0.5, "b": 0.5}
    assert normalise_weights({"a": 0, "b": 0}) == {"a": 0.5, "b": 0.5}
    with pytest.raises(ValueError):
        normalise_weights({"a": -1})
    assert weighted_score({"a": 100, "b": 50}, {"a": 3, "b": 1}) == pytest.approx(87.5)
    with pytest.raises(KeyError):
        weighted_score({"a": 1}, {"a": 1, "b": 1})
    bands = StatusBands.of([(90, "excellent"), (75, "good")], "needs_improvement")
    assert [bands.status(s) for s in (95, 90, 89.9, 75, 10)] == [
        "excellent",
        "excellent",
        "good",
        "good",
        "needs_improvement",
    ]
    with pytest.raises(ValueError):
        StatusBands.of([(75, "good"), (90, "excellent")], "x")


@pytest.mark.parametrize(
    ("score", "letter"), [(95, "A"), (90, "A"), (85, "B"), (72, "C"), (60, "D"), (59.9, "F")]
)
def test_grade(score: float, letter: str) -> None:
    assert grade(score) == letter


def test_json_sanitiser() -> None:
    value = {
        "a": np.float64("nan"),
        "b": [np.int32(2), np.bool_(True), math.inf],
        "c": (1.5, None),
        3: Severity.HIGH,
        "d": np.array([1, 2]),
    }
    clean = jsonable(value)
    assert clean == {"a": None, "b": [2, True, None], "c": [1.5, None], "3": "high", "d": [1, 2]}
    assert type(clean["b"][1]) is bool and type(clean["b"][0]) is int
    assert json.loads(json_bytes(clean)) == clean
    with pytest.raises(ValueError):
        json_bytes({"x": float("nan")})
    assert json_number(2.345, 2) == 2.35
    assert json_number(None, default=0.0) == 0.0
    assert json_number(float("inf"), default=0.0) == 0.0


def test_fair_quotas() -> None:
    assert fair_quotas([900, 50, 700], 1000) == [475, 50, 475]
    assert fair_quotas([900], 1000) == [900]
    assert fair_quotas([], 10) == []
    assert sum(fair_quotas([5, 5, 5], 7)) == 7


def test_collect_row_issues_counts_everything_and_lists_fairly() -> None:
    def items(column: str, n: int, kind: str = "null") -> list[RowIssue]:
        return [RowIssue(i, column, kind, RowSeverity.WARNING, "m") for i in range(n)]

    evidence = [
        RowEvidence("null", RowSeverity.WARNING, 5_000, items("a", 100)),
        RowEvidence("outlier", RowSeverity.WARNING, 3, items("b", 3, "outlier"), exact=False),
        RowEvidence("null", RowSeverity.WARNING, 40, items("global", 40)),
    ]
    listed, summary = collect_row_issues(evidence, budget=60)
    assert len(listed) == 60
    assert [i.row_index for i in listed] == sorted(i.row_index for i in listed)
    assert sum(1 for i in listed if i.column == "b") == 3
    assert summary.total_issues == 5_043
    assert summary.by_type == {"null": 5_040, "outlier": 3}
    assert summary.by_severity == {"warning": 5_043}
    assert "global" not in summary.affected_columns and not summary.exact
    _, seeded = collect_row_issues(evidence, seeded=True)
    assert set(seeded.by_severity) == {"critical", "warning", "info"}
