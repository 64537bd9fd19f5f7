"""Row evidence of drifted columns, as row-level issues (``row_index``: the
0-based data row of the primary file, from the observer)."""

from __future__ import annotations

from analysis_service.agents.drift_detector.rules import FieldFacts
from analysis_service.domain.drift import EvidenceRule
from analysis_service.findings import RowIssue, RowSeverity
from analysis_service.findings.rows import RowEvidence

#: rule -> (issue_type, severity, message)
_KINDS: dict[EvidenceRule, tuple[str, RowSeverity, str]] = {
    EvidenceRule.OUT_OF_RANGE: (
        "value_range_change",
        RowSeverity.WARNING,
        "Value outside the baseline's range",
    ),
    EvidenceRule.Z_SCORE: (
        "distribution_shift",
        RowSeverity.WARNING,
        "Value far from the baseline mean (|z| > 3)",
    ),
    EvidenceRule.ABOVE_SHIFT_BAND: (
        "distribution_shift",
        RowSeverity.INFO,
        "Value above the baseline mean + 1.5 std",
    ),
    EvidenceRule.BELOW_SHIFT_BAND: (
        "distribution_shift",
        RowSeverity.INFO,
        "Value below the baseline mean - 1.5 std",
    ),
    EvidenceRule.NEW_CATEGORY: (
        "distribution_shift",
        RowSeverity.WARNING,
        "Category never seen in the baseline",
    ),
}


def row_evidence(fields: tuple[FieldFacts, ...]) -> list[RowEvidence]:
    out: list[RowEvidence] = []
    for f in fields:
        if not f.drifted:
            continue
        n = f.column.numeric
        for ev in f.column.evidence:
            issue_type, severity, message = _KINDS[ev.rule]
            items = []
            for i, (row, value) in enumerate(zip(ev.rows, ev.values, strict=True)):
                extras: dict[str, object] = {"rule": ev.rule.value}
                if ev.z_scores is not None:
                    extras["z_score"] = ev.z_scores[i]
                if n is not None:
                    extras["bounds"] = {"lower": n.baseline.p5, "upper": n.baseline.p95}
                    extras["baseline_mean"] = n.baseline.mean
                    extras["current_mean"] = n.current.mean
                items.append(
                    RowIssue(
                        row_index=row,
                        column=f.name,
                        issue_type=issue_type,
                        severity=severity,
                        message=f"{message}: {value}",
                        value=value,
                        extras=extras,
                    )
                )
            out.append(RowEvidence(issue_type, severity, ev.count, items))
    return out
