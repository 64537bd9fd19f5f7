"""cleanse-writeback's findings: alerts and recommendations from the rule
tables (:mod:`.rules`), one issue and one row-level issue per failure of a
check (column named, or "global") and per agent that did not succeed.

Row-level issues sit at row_index 0 (the contract: the cleaned file has no
original row numbers to point at), ``issue_type`` ``integrity_violation``
(a failed check), ``rollback_needed`` (the row accounting failed: the
written files must not be used) or ``writeback_failed`` (an agent before
the writeback did not succeed). The summary is seeded and its
``affected_rows`` ignores row 0.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from analysis_service.agents.base import Findings
from analysis_service.agents.rules import evaluate_alerts, evaluate_recommendations
from analysis_service.cleaning.agents.cleanse_writeback.check_model import Check
from analysis_service.cleaning.agents.cleanse_writeback.params import WritebackParams
from analysis_service.cleaning.agents.cleanse_writeback.rules import (
    ADVICE,
    ALERTS,
    RECOMMENDATIONS,
    Named,
    WritebackFacts,
    advice_values,
)
from analysis_service.findings import (
    Card,
    IdSequence,
    Issue,
    RowEvidence,
    RowIssue,
    RowSeverity,
    Severity,
    collect_row_issues,
)

KEY = "writeback"
_ROW_EXTRAS = ("null_percentage", "duplicate_count", "original_count", "final_count")


def _row_issues(
    agent_id: str, failed: Sequence[Check], agents: Sequence[tuple[str, str]]
) -> list[RowEvidence]:
    evidence = []
    for check in failed:
        kind = "rollback_needed" if check.key == "accounting" else "integrity_violation"
        items = [
            RowIssue(
                row_index=0,
                column=f.column,
                issue_type=kind,
                severity=RowSeverity.CRITICAL,
                message=f.details,
                extras={
                    "check_name": check.name,
                    **{k: f.extras[k] for k in _ROW_EXTRAS if k in f.extras},
                },
            )
            for f in check.failures
        ]
        evidence.append(RowEvidence(kind, RowSeverity.CRITICAL, len(items), items))
    failed_agents = [
        RowIssue(
            row_index=0,
            column="global",
            issue_type="writeback_failed",
            severity=RowSeverity.WARNING,
            message=f"{a} did not succeed: {error}",
            extras={"agent_id": a, "upstream_error": error},
        )
        for a, error in agents
    ]
    if failed_agents:
        evidence.append(
            RowEvidence("writeback_failed", RowSeverity.WARNING, len(failed_agents), failed_agents)
        )
    return evidence


def integrity_issues(failed: Sequence[Check]) -> list[dict[str, Any]]:
    """``data.integrity_issues``: one per failure of a check."""
    return [
        {
            "issue_type": "integrity_verification_failure",
            "check_name": check.name,
            "severity": "high",
            "message": f.details,
            "details": f.to_dict(),
        }
        for check in failed
        for f in check.failures
    ]


def analysis_recommendations(
    facts: WritebackFacts, params: WritebackParams
) -> list[dict[str, Any]]:
    """``writeback_analysis.recommendations`` from the same table."""
    values = advice_values(facts)
    out = []
    for a in ADVICE:
        if not a.holds(facts, params):
            continue
        entry: dict[str, Any] = {
            "priority": a.priority.value,
            "action": a.action,
            "reason": a.reason.format(**values),
            "impact": a.impact,
        }
        if a.lists_failed_checks:
            entry["failed_checks"] = list(facts.failed_checks)
        out.append(entry)
    return out


def findings(
    agent_id: str,
    params: WritebackParams,
    facts: WritebackFacts,
    failed: Sequence[Check],
    agents: Sequence[tuple[str, str]],
    card: Card,
) -> Findings:
    ids = IdSequence(KEY)
    columns = dict.fromkeys(
        fl.column for check in failed for fl in check.failures if fl.column != "global"
    )
    alerts = evaluate_alerts(ALERTS, [Named(c) for c in columns], facts, params, ids, agent_id)
    recommendations = evaluate_recommendations(RECOMMENDATIONS, [], facts, params, ids, agent_id)
    issues = [
        Issue(
            issue_id=ids.issue("integrity_verification_failure", f.column),
            agent_id=agent_id,
            field_name=f.column,
            issue_type="integrity_verification_failure",
            severity=Severity.CRITICAL if check.key == "accounting" else Severity.HIGH,
            message=f.details,
            extras={"check_name": check.name, "check": check.key},
        )
        for check in failed
        for f in check.failures
    ]
    issues += [
        Issue(
            issue_id=ids.issue("upstream_error", a),
            agent_id=agent_id,
            field_name="global",
            issue_type="upstream_error",
            severity=Severity.HIGH,
            message=f"{a} did not succeed: {error}",
            extras={"upstream_agent": a},
        )
        for a, error in agents
    ]
    rows, summary = collect_row_issues(_row_issues(agent_id, failed, agents), seeded=True)
    summary = dataclasses.replace(
        summary, affected_rows=len({r.row_index for r in rows if r.row_index != 0})
    )
    return Findings(
        alerts=tuple(alerts),
        issues=tuple(issues),
        recommendations=tuple(recommendations),
        cards=(card,),
        row_issues=rows,
        row_summary=summary,
    )
