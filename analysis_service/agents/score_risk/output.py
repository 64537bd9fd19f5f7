"""score-risk's result tree: upstream's keys (``frontend-contract.md`` §6.3)
and ours beside them (the PII evidence: sampled and validated counts,
subtypes, context words, lost precision, compliance notes by framework)."""

from __future__ import annotations

from typing import Any

from analysis_service.agents.score_risk.rules import DatasetRisk, FieldRisk
from analysis_service.findings import Card, CardStatus, RowIssue, RowSeverity
from analysis_service.findings.rows import RowEvidence

EFFORT = {"high": "high", "medium": "medium", "low": "low"}


def _factor(f: Any) -> dict[str, Any]:
    tree: dict[str, Any] = {"factor": f.factor, "confidence": float(f.confidence)}
    if f.pii_type is not None:
        tree["pii_type"] = f.pii_type
    tree["points"] = float(f.points)
    return tree


def field_tree(f: FieldRisk) -> dict[str, Any]:
    a = f.assessment
    detection = a.detection if a is not None else None
    tree: dict[str, Any] = {
        "field_id": f.name,
        "field_name": f.name,
        "risk_score": f.score,
        "risk_level": f.level,
        "risk_factors": [_factor(x) for x in f.factors],
        "compliance_issues": [n.text for n in f.notes]
        + (["Missing encryption for sensitive data"] if f.governance_gap else []),
        "remediation_priority": f.level,
        "remediation_effort": EFFORT[f.level],
        "pii_detected": f.pii_type is not None,
        "pii_type": f.pii_type,
        "sensitivity_level": detection.sensitivity.value if detection is not None else None,
        "sensitive_name_category": f.sensitive.category if f.sensitive is not None else None,
        "compliance_frameworks": list(f.frameworks),
        "governance_gap": f.governance_gap,
        "values_sampled": a.sampled if a is not None else 0,
        "non_null_values": f.non_null,
    }
    if detection is not None:
        ev = detection.evidence
        tree["pii_evidence"] = {
            "sampled": ev.sampled,
            "validated": ev.validated,
            "strong": ev.strong,
            "share": ev.share,
            "context": list(ev.context),
            "subtypes": dict(ev.subtypes),
            "rows": list(ev.rows),
        }
    lost = a.lost_precision if a is not None else None
    tree["lost_precision"] = (
        None
        if lost is None
        else {
            "sampled": lost.sampled,
            "affected": lost.affected,
            "share": lost.share,
            "original_digits": lost.original_digits,
            "rows": list(lost.rows),
            "suggests": [e.value for e in lost.suggests],
        }
    )
    return tree


def risk_summary(d: DatasetRisk) -> dict[str, Any]:
    return {
        "overall_risk_score": float(d.overall),
        "overall_risk_level": d.level,
        "critical_issues": sum(
            1
            for f in d.fields
            if f.assessment is not None
            and f.assessment.detection is not None
            and f.assessment.detection.sensitivity.value == "critical"
        ),
        "high_priority_issues": d.count("high"),
        "compliance_frameworks_impacted": d.frameworks,
        "estimated_remediation_time_hours": d.remediation_hours,
        "lost_precision_fields": [f.name for f in d.fields if f.lost_precision],
    }


def summary_metrics(d: DatasetRisk) -> dict[str, Any]:
    return {
        "total_fields_analyzed": len(d.fields),
        "fields_with_high_risk": d.count("high"),
        "fields_with_medium_risk": d.count("medium"),
        "fields_with_low_risk": d.count("low"),
        "pii_fields_detected": len(d.pii),
        "sensitive_fields_detected": len(d.sensitive),
        "governance_gaps": d.gaps,
    }


def card(d: DatasetRisk) -> Card:
    status = {"high": CardStatus.HIGH, "medium": CardStatus.MEDIUM}.get(d.level, CardStatus.LOW)
    return Card(
        summary_id="exec_risk",
        title="Risk Level",
        value=f"{d.overall:.1f}",
        status=status,
        description=f"{len(d.pii)} PII field(s), {d.count('high')} high-risk field(s)",
    )


def row_evidence(d: DatasetRisk) -> list[RowEvidence]:
    """Sampled rows that validated as PII in high-risk columns (``risk_high``),
    compliance rows of the other PII columns, lost-precision rows. Totals
    are what the sample shows (``exact`` when the sample was the column)."""
    out: list[RowEvidence] = []
    for f in d.fields:
        a = f.assessment
        if a is None:
            continue
        det = a.detection
        exact = a.sampled >= f.non_null
        if det is not None:
            high = f.level == "high"
            kind = "risk_high" if high else "compliance_violation"
            severity = (
                RowSeverity.CRITICAL
                if high or {"GDPR", "HIPAA"} & set(f.frameworks)
                else RowSeverity.WARNING
            )
            extras: dict[str, Any] = (
                {"pii_types": [det.entity.value]} if high else {"frameworks": list(f.frameworks)}
            )
            items = [
                RowIssue(
                    row_index=row,
                    column=f.name,
                    issue_type=kind,
                    severity=severity,
                    message=f"{det.label} in {f.name}",
                    extras=extras,
                )
                for row in det.evidence.rows
            ]
            total = det.evidence.validated if exact else round(det.evidence.share * f.non_null)
            out.append(RowEvidence(kind, severity, total, items, exact))
        lost = a.lost_precision
        if lost is not None:
            items = [
                RowIssue(
                    row_index=row,
                    column=f.name,
                    issue_type="lost_precision",
                    severity=RowSeverity.WARNING,
                    message=f"Number in scientific notation lost digits in {f.name}",
                    extras={"original_digits": lost.original_digits},
                )
                for row in lost.rows
            ]
            total = lost.affected if exact else round(lost.share * f.non_null)
            out.append(RowEvidence("lost_precision", RowSeverity.WARNING, total, items, exact))
    return out


def analysis_text(d: DatasetRisk) -> str:
    return (
        f"Overall risk {d.overall:.1f} ({d.level}): {len(d.pii)} PII field(s), "
        f"{len(d.sensitive)} sensitive field(s), {d.gaps} governance gap(s); "
        f"frameworks: {', '.join(d.frameworks) or 'none'}."
    )
