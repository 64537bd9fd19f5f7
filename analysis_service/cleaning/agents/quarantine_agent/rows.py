"""quarantine-agent's row-level evidence (top-level ``row_level_issues``):
copies of the quarantine issues, rows with several issues, quarantined rows;
totals over the whole file, examples bounded by the statistics pass."""

from __future__ import annotations

from analysis_service.cleaning.agents.quarantine_agent.rules import (
    CORRUPTED_RECORD,
    EXAMPLES_PER_RULE,
    ROW_RULES,
)
from analysis_service.cleaning.agents.quarantine_agent.stats import QuarantineStats
from analysis_service.findings import (
    RowEvidence,
    RowIssue,
    RowIssueSummary,
    RowSeverity,
    Severity,
    collect_row_issues,
)

_ROW_SEVERITY = {
    Severity.CRITICAL: RowSeverity.CRITICAL,
    Severity.HIGH: RowSeverity.WARNING,
    Severity.MEDIUM: RowSeverity.WARNING,
    Severity.LOW: RowSeverity.INFO,
}


def row_findings(stats: QuarantineStats) -> tuple[tuple[RowIssue, ...], RowIssueSummary]:
    """Copied quarantine issues (``quarantine_flagged`` for corrupted
    records, ``detection_method`` = the rule), ``suspicious_row`` (2+
    issues) and ``data_anomaly`` (quarantined rows); seeded summary.
    Row severities are critical / warning / info: high and medium read
    warning, the rule's own severity is kept as ``severity_level``."""
    evidence = []
    for r in ROW_RULES:
        issue_type = "quarantine_flagged" if r.rule_id == CORRUPTED_RECORD else r.rule_id
        sev = _ROW_SEVERITY[r.severity]
        total = sum(k for (rule, _), k in stats.hits.items() if rule == r.rule_id)
        items = [
            RowIssue(
                h.row_index,
                h.column,
                issue_type,
                sev,
                h.description,
                None,
                {"detection_method": r.rule_id, "severity_level": r.severity.value},
            )
            for h in stats.examples.get(r.rule_id, [])[:EXAMPLES_PER_RULE]
        ]
        evidence.append(RowEvidence(issue_type, sev, total, items))
    evidence.append(
        RowEvidence(
            "suspicious_row",
            RowSeverity.WARNING,
            stats.suspicious_rows,
            [
                RowIssue(
                    row,
                    "global",
                    "suspicious_row",
                    RowSeverity.WARNING,
                    f"{k} issues in one row",
                    None,
                    {"issue_count": k},
                )
                for row, k in stats.suspicious
            ],
        )
    )
    evidence.append(
        RowEvidence(
            "data_anomaly",
            RowSeverity.INFO,
            stats.rows_quarantined,
            [
                RowIssue(
                    row,
                    "global",
                    "data_anomaly",
                    RowSeverity.INFO,
                    f"quarantined ({rule}): {reason}",
                    None,
                    {"quarantined": True, "rule": rule},
                )
                for row, rule, reason in stats.quarantined
            ],
        )
    )
    return collect_row_issues(evidence, seeded=True)
