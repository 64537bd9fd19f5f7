"""test-coverage-agent's findings: alerts, issues, recommendations, the
card and row-level evidence, from the test results and scores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analysis_service.agents.test_coverage_agent.output import NOT_CONFIGURED, Scores, TestResult
from analysis_service.agents.test_coverage_agent.params import CoverageParams
from analysis_service.findings import (
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
)

AGENT_ID = "test-coverage-agent"
_CARD_STATUS = {
    "excellent": CardStatus.EXCELLENT,
    "good": CardStatus.GOOD,
    "needs_improvement": CardStatus.NEEDS_IMPROVEMENT,
    NOT_CONFIGURED: CardStatus.INFO,
}


def issues(coverage: Sequence[dict[str, Any]], ids: IdSequence) -> list[Issue]:
    out = []
    for item in coverage:
        extras = {
            k: v for k, v in item.items() if k not in ("type", "field", "severity", "message")
        }
        extras["test_category"] = item["test_type"]
        extras["remediation_priority"] = "high" if item["severity"] == "critical" else "medium"
        out.append(
            Issue(
                issue_id=ids.issue(item["type"], item["field"]),
                agent_id=AGENT_ID,
                field_name=item["field"],
                issue_type=item["type"],
                severity=Severity.CRITICAL if item["severity"] == "critical" else Severity.MEDIUM,
                message=item["message"],
                extras=extras,
            )
        )
    return out


def alerts(
    params: CoverageParams, s: Scores, results: Sequence[TestResult], ids: IdSequence
) -> list[Alert]:
    out = []
    if s.status == NOT_CONFIGURED:
        out.append(
            Alert(
                ids.exact("alert_test_coverage_001_overall"),
                AGENT_ID,
                Severity.LOW,
                "test_coverage",
                "No tests are configured: nothing was tested",
                "Name unique columns, range tests or format tests to test the data",
                affected_fields_count=0,
            )
        )
        return out
    if s.status != "excellent":
        out.append(
            Alert(
                ids.exact("alert_test_coverage_001_overall"),
                AGENT_ID,
                Severity.HIGH if s.status == "needs_improvement" else Severity.MEDIUM,
                "test_coverage",
                f"Test coverage score {s.overall:.1f} is {s.status.replace('_', ' ')} "
                f"(excellent from {params.excellent_threshold}, good from {params.good_threshold})",
                "Fix the failing values listed in the row-level issues",
                affected_fields=tuple(r.column for r in results if not r.success),
            )
        )
    missing = [r for r in results if not r.present]
    if missing:
        out.append(
            Alert(
                ids.exact("alert_test_missing_columns"),
                AGENT_ID,
                Severity.HIGH,
                "test_configuration",
                f"{len(missing)} test(s) name columns that are not in the file: "
                + ", ".join(f"{r.test_type} on '{r.column}'" for r in missing[:10]),
                "Correct the column names in the test parameters",
                affected_fields=tuple(r.column for r in missing),
            )
        )
    for dim in ("uniqueness", "range", "format"):
        score = s.dimensions.get(dim)
        if score is not None and score < params.good_threshold:
            failing = [r.column for r in results if r.test_type == dim and not r.success]
            out.append(
                Alert(
                    ids.exact(f"alert_test_{dim}_coverage"),
                    AGENT_ID,
                    Severity.HIGH if dim == "uniqueness" else Severity.MEDIUM,
                    f"{dim}_tests",
                    f"{dim.capitalize()} tests score {score:.1f}, below {params.good_threshold}",
                    f"Review the {dim} failures in: " + ", ".join(failing[:5]),
                    affected_fields=tuple(failing),
                )
            )
    return out


def recommendations(results: Sequence[TestResult], ids: IdSequence) -> list[Recommendation]:
    out = []
    for dim in ("uniqueness", "range", "format"):
        failing = [r.column for r in results if r.test_type == dim and r.present and not r.success]
        if failing:
            out.append(
                Recommendation(
                    ids.exact(f"rec_test_{dim}_priority"),
                    AGENT_ID,
                    ", ".join(failing),
                    Priority.HIGH if dim == "uniqueness" else Priority.MEDIUM,
                    f"Correct the values failing the {dim} tests of {', '.join(failing[:5])} "
                    "(rows listed in unexpected_index_list)",
                    "1 week",
                    extras={"estimated_effort_hours": 2 * len(failing), "owner": "data_engineer"},
                )
            )
    return out


def card(s: Scores, results: Sequence[TestResult]) -> Card:
    if s.status == NOT_CONFIGURED:
        value, description = "not configured", "No tests configured"
    else:
        passed = sum(1 for r in results if r.success)
        value = f"{s.overall:.1f}"
        description = f"{passed} of {len(results)} tests passed"
    return Card("exec_test_coverage", "Test Coverage", value, _CARD_STATUS[s.status], description)


def row_evidence(results: Sequence[TestResult]) -> list[RowEvidence]:
    out = []
    for r in results:
        if not r.present or not r.unexpected_count:
            continue
        severity = RowSeverity.CRITICAL if r.test_type == "uniqueness" else RowSeverity.WARNING
        items = []
        for row, value in zip(r.rows, r.values, strict=True):
            extras: dict[str, Any] = {"validation_type": r.test_type}
            if r.test_type == "range":
                extras["bounds"] = r.extras["bounds"]
                message = f"{value!r} is outside the range or not a number"
            elif r.test_type == "format":
                extras["expected_format"] = r.extras["pattern"]
                message = f"{value!r} does not match /{r.extras['pattern']}/"
            else:
                message = "Value occurs in more than one row of a unique column"
            items.append(
                RowIssue(row, r.column, "test_coverage_gap", severity, message, value, extras)
            )
        out.append(RowEvidence("test_coverage_gap", severity, r.unexpected_count, items))
    return out
