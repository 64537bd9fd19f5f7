"""score-risk's scoring and findings, as data.

A field's score is the largest of its factors' points (capped at 100):
PII found in the values scores by the entity's sensitivity times the
detection's confidence; a sensitive name without PII by the name rule's
sensitivity; numbers a spreadsheet turned into ``5.5E+15`` add
``LOST_PRECISION_POINTS`` (their digits are gone: an identifier can no
longer be checked nor joined). Levels come from the parameters."""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis_service.agents.rules import AlertRule, IssueRule, RecommendationRule
from analysis_service.agents.score_risk.params import RiskParams
from analysis_service.domain.pii import (
    ColumnAssessment,
    ComplianceNote,
    SensitiveNameRule,
    Sensitivity,
    compliance_notes,
    tokens,
)
from analysis_service.findings import Priority, Severity

#: Points of PII of each sensitivity (times the detection's confidence).
PII_POINTS: dict[Sensitivity, float] = {
    Sensitivity.CRITICAL: 100.0,
    Sensitivity.HIGH: 90.0,
    Sensitivity.MEDIUM: 60.0,
    Sensitivity.LOW: 30.0,
}
#: Points of a sensitive name whose values hold no PII.
NAME_POINTS: dict[Sensitivity, float] = {
    Sensitivity.CRITICAL: 85.0,
    Sensitivity.HIGH: 60.0,
    Sensitivity.MEDIUM: 45.0,
    Sensitivity.LOW: 20.0,
}
LOST_PRECISION_POINTS = 25.0
#: Name words that say a field is protected (no governance gap).
PROTECTED_WORDS = frozenset(
    {"encrypted", "masked", "hashed", "hash", "tokenized", "tokenised", "redacted"}
)
#: Remediation hours by level (upstream: 2 per high, 1 per medium field).
REMEDIATION_HOURS = {"high": 2, "medium": 1, "low": 0}


@dataclass(frozen=True)
class Factor:
    factor: str
    confidence: float
    points: float
    pii_type: str | None = None


@dataclass(frozen=True)
class FieldRisk:
    """One column, as the rules read it."""

    name: str
    assessment: ColumnAssessment | None
    sensitive: SensitiveNameRule | None
    factors: tuple[Factor, ...]
    score: int
    level: str
    governance_gap: bool
    notes: tuple[ComplianceNote, ...] = field(default=())
    non_null: int = 0

    @property
    def pii_type(self) -> str | None:
        a = self.assessment
        return a.entity.value if a is not None and a.entity is not None else None

    @property
    def frameworks(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n.framework.value for n in self.notes))

    @property
    def lost_precision(self) -> bool:
        return self.assessment is not None and self.assessment.lost_precision is not None


def protected(name: str) -> bool:
    return bool(tokens(name).has(PROTECTED_WORDS))


def score_field(
    name: str,
    assessment: ColumnAssessment | None,
    sensitive: SensitiveNameRule | None,
    params: RiskParams,
    non_null: int,
) -> FieldRisk:
    factors: list[Factor] = []
    notes: list[ComplianceNote] = []
    detection = assessment.detection if assessment is not None else None
    if detection is not None:
        factors.append(
            Factor(
                "pii_detected",
                detection.confidence,
                PII_POINTS[detection.sensitivity] * detection.confidence,
                detection.entity.value,
            )
        )
        notes.extend(compliance_notes(detection.entity))
    if sensitive is not None and detection is None:
        factors.append(
            Factor("contains_personal_identifier", 0.75, NAME_POINTS[sensitive.sensitivity])
        )
        notes.extend(
            ComplianceNote(f, f"{f.value}: {sensitive.label} needs documented protection")
            for f in sensitive.frameworks
        )
    if assessment is not None and assessment.lost_precision is not None:
        lost = assessment.lost_precision
        factors.append(Factor("lost_precision", lost.share, LOST_PRECISION_POINTS))
    score = min(100, round(sum(f.points for f in factors))) if factors else 0
    if not factors:
        factors.append(Factor("no_risk_detected", 1.0, 0.0))
    gap = params.governance_check_enabled and score > 0 and not protected(name)
    return FieldRisk(
        name=name,
        assessment=assessment,
        sensitive=sensitive,
        factors=tuple(factors),
        score=score,
        level=params.level(score),
        governance_gap=gap,
        notes=tuple(notes),
        non_null=non_null,
    )


@dataclass(frozen=True)
class DatasetRisk:
    fields: tuple[FieldRisk, ...]
    params: RiskParams

    @property
    def overall(self) -> float:
        return (
            round(sum(f.score for f in self.fields) / len(self.fields), 2) if self.fields else 0.0
        )

    @property
    def level(self) -> str:
        return self.params.level(self.overall)

    def count(self, level: str) -> int:
        return sum(1 for f in self.fields if f.level == level)

    @property
    def pii(self) -> list[FieldRisk]:
        return [f for f in self.fields if f.pii_type is not None]

    @property
    def sensitive(self) -> list[FieldRisk]:
        return [f for f in self.fields if f.sensitive is not None and f.pii_type is None]

    @property
    def gaps(self) -> int:
        return sum(1 for f in self.fields if f.governance_gap)

    @property
    def frameworks(self) -> list[str]:
        return list(dict.fromkeys(fw for f in self.fields for fw in f.frameworks))

    def has_framework(self, name: str) -> bool:
        return name in self.frameworks

    @property
    def remediation_hours(self) -> int:
        high, medium = self.count("high"), self.count("medium")
        return sum(REMEDIATION_HOURS[f.level] for f in self.fields) + max(
            0, self.gaps - (high + medium)
        )


def _risky(f: FieldRisk, _p: RiskParams) -> bool:
    return f.level in ("high", "medium")


ALERTS: tuple[AlertRule[FieldRisk, DatasetRisk, RiskParams], ...] = (
    AlertRule(
        name="risk_001_overall_critical",
        holds=lambda d, _p: d.level == "high",
        category="risk",
        severity=Severity.CRITICAL,
        message="Overall risk score {score:.1f} is at or above {t}",
        recommendation="Protect the high-risk fields before sharing the data",
        values=lambda s: {"score": s.dataset.overall, "t": s.params.high_risk_threshold},
    ),
    AlertRule(
        name="risk_002_overall_high",
        holds=lambda d, _p: d.level == "medium",
        category="risk",
        severity=Severity.HIGH,
        message="Overall risk score {score:.1f} is at or above {t}",
        recommendation="Review the medium- and high-risk fields",
        values=lambda s: {"score": s.dataset.overall, "t": s.params.medium_risk_threshold},
    ),
    AlertRule(
        name="risk_003_overall_low",
        holds=lambda d, _p: d.level == "low",
        category="risk",
        severity=Severity.LOW,
        message="Overall risk score {score:.1f} is low",
        recommendation="Keep the classification up to date",
        values=lambda s: {"score": s.dataset.overall},
    ),
    AlertRule(
        name="pii_001_detected_critical",
        selects=lambda f, _p: f.pii_type is not None,
        category="pii",
        severity=Severity.CRITICAL,
        message="PII found in {n} field(s): {names}",
        recommendation="Mask, tokenise or restrict access to these fields",
    ),
    AlertRule(
        name="risk_high_volume",
        selects=lambda f, _p: f.level == "high",
        category="risk",
        severity=lambda s: Severity.CRITICAL if len(s.fields) > 5 else Severity.HIGH,
        message="{n} high-risk field(s): {names}",
        recommendation="Encrypt or mask these fields",
    ),
    AlertRule(
        name="risk_medium_volume",
        selects=lambda f, _p: f.level == "medium",
        category="risk",
        severity=Severity.MEDIUM,
        message="{n} medium-risk field(s): {names}",
        recommendation="Review access to these fields",
    ),
    AlertRule(
        name="sensitive_001_high",
        selects=lambda f, _p: f.sensitive is not None and f.pii_type is None,
        category="sensitive_data",
        severity=Severity.HIGH,
        message="{n} field(s) named as sensitive data: {names}",
        recommendation="Restrict access and document why the fields are kept",
    ),
    AlertRule(
        name="governance_gaps_001",
        selects=lambda f, _p: f.governance_gap,
        category="governance",
        severity=Severity.HIGH,
        message="{n} risky field(s) without a protection marker: {names}",
        recommendation="Encrypt, mask or tokenise them and record it in the catalogue",
    ),
    AlertRule(
        name="compliance_gdpr_critical",
        selects=lambda f, _p: "GDPR" in f.frameworks,
        category="compliance",
        severity=Severity.CRITICAL,
        message="GDPR applies to {n} field(s): {names}",
        recommendation="Document the lawful basis and protect the fields",
    ),
    AlertRule(
        name="compliance_hipaa_critical",
        selects=lambda f, _p: "HIPAA" in f.frameworks,
        category="compliance",
        severity=Severity.CRITICAL,
        message="HIPAA may apply to {n} field(s): {names}",
        recommendation="Encrypt the fields if they relate to health records",
    ),
    AlertRule(
        name="compliance_ccpa_high",
        selects=lambda f, _p: "CCPA" in f.frameworks,
        category="compliance",
        severity=Severity.HIGH,
        message="CCPA applies to {n} field(s): {names}",
        recommendation="Honour access and deletion requests for these fields",
    ),
    AlertRule(
        name="compliance_pci_critical",
        selects=lambda f, _p: "PCI DSS" in f.frameworks,
        category="compliance",
        severity=Severity.CRITICAL,
        message="PCI DSS applies to {n} field(s) holding card numbers: {names}",
        recommendation="Never store full card numbers unprotected",
    ),
    AlertRule(
        name="encryption_missing",
        selects=lambda f, _p: f.governance_gap and f.level == "high",
        category="governance",
        severity=Severity.CRITICAL,
        message="{n} high-risk field(s) appear unencrypted: {names}",
        recommendation="Encrypt them at rest",
    ),
    AlertRule(
        name="multiple_compliance_critical",
        holds=lambda d, _p: len(d.frameworks) >= 2,
        category="compliance",
        severity=Severity.CRITICAL,
        message="Several frameworks apply: {fw}",
        recommendation="Coordinate one compliance review",
        values=lambda s: {"fw": ", ".join(s.dataset.frameworks)},
    ),
    AlertRule(
        name="lost_precision",
        selects=lambda f, _p: f.lost_precision,
        category="data_quality",
        severity=Severity.HIGH,
        message="Numbers in scientific notation (e.g. 5.5E+15) lost digits in {n} field(s): "
        "{names}",
        recommendation="Re-export the file with the columns formatted as text",
    ),
)

ISSUES: tuple[IssueRule[FieldRisk, RiskParams], ...] = (
    IssueRule(
        kind="pii_or_sensitive_data",
        when=_risky,
        severity=lambda f, _p: Severity.HIGH if f.level == "high" else Severity.MEDIUM,
        message="{column}: risk score {f.score} ({f.level})",
        extras=lambda f, _p: {"risk_score": f.score, "remediation_time_hours": 2},
    ),
    IssueRule(
        kind="pii_",
        when=lambda f, _p: f.pii_type is not None,
        severity=Severity.HIGH,
        message="{column}: values hold PII ({f.pii_type})",
        issue_type=lambda f, _p: f"pii_{f.pii_type}",
        extras=lambda f, _p: {
            "pii_category": f.pii_type,
            "confidence_score": f.factors[0].confidence,
            "remediation_time_hours": 2,
        },
    ),
    IssueRule(
        kind="sensitive_personal_data",
        when=lambda f, _p: f.sensitive is not None and f.pii_type is None,
        severity=Severity.MEDIUM,
        message="{column}: the name says it holds sensitive data",
        extras=lambda f, _p: {
            "category": f.sensitive.category if f.sensitive else "",
            "remediation_time_hours": 1,
        },
    ),
    IssueRule(
        kind="governance_gap",
        when=lambda f, _p: f.governance_gap and _risky(f, _p),
        severity=Severity.MEDIUM,
        message="{column}: no sign of encryption or masking",
        extras=lambda _f, _p: {"remediation_time_hours": 1},
    ),
    IssueRule(
        kind="lost_precision",
        when=lambda f, _p: f.lost_precision,
        severity=Severity.HIGH,
        message="{column}: numbers written like 5.5E+15 lost their last digits",
        extras=lambda f, _p: {
            "affected_share": f.assessment.lost_precision.share
            if f.assessment and f.assessment.lost_precision
            else 0.0,
            "remediation_time_hours": 1,
        },
    ),
)

RECOMMENDATIONS: tuple[RecommendationRule[FieldRisk, DatasetRisk, RiskParams], ...] = (
    RecommendationRule(
        name="pii_handling",
        selects=lambda f, _p: f.pii_type is not None,
        priority=Priority.HIGH,
        text="Mask or tokenise the PII fields: {names}",
        timeline="1 week",
        effort_hours=lambda s: 2 * len(s.fields),
        owner="Data Protection",
    ),
    RecommendationRule(
        name="governance_gaps",
        selects=lambda f, _p: f.governance_gap,
        priority=Priority.MEDIUM,
        text="Record protection and ownership of {names} in the data catalogue",
        timeline="2-3 weeks",
        effort_hours=lambda s: len(s.fields),
        owner="Data Governance",
    ),
    RecommendationRule(
        name="gdpr_compliance",
        holds=lambda d, _p: d.has_framework("GDPR"),
        priority=Priority.HIGH,
        text="Document the lawful basis and retention of the personal data",
        timeline="1 month",
        effort_hours=8,
        owner="Legal",
    ),
    RecommendationRule(
        name="hipaa_compliance",
        holds=lambda d, _p: d.has_framework("HIPAA"),
        priority=Priority.HIGH,
        text="Check whether the data are protected health information; encrypt if so",
        timeline="1 month",
        effort_hours=8,
        owner="Legal",
    ),
    RecommendationRule(
        name="ccpa_compliance",
        holds=lambda d, _p: d.has_framework("CCPA"),
        priority=Priority.MEDIUM,
        text="Make the personal information reachable for access and deletion requests",
        timeline="1 month",
        effort_hours=4,
        owner="Legal",
    ),
    RecommendationRule(
        name="audit_logging",
        holds=lambda _d, _p: True,
        priority=Priority.LOW,
        text="Log access to the dataset",
        timeline="ongoing",
        effort_hours=4,
        owner="Security",
    ),
)
