"""cleanse-previewer's rules as data: impact and risk thresholds, the
score's penalties, and the alert / recommendation tables (thresholds from
the parameters or the named constants here, never literals in messages)."""

from __future__ import annotations

from dataclasses import dataclass

from analysis_service.agents.rules import AlertRule, RecommendationRule
from analysis_service.cleaning.agents.cleanse_previewer.params import PreviewParams
from analysis_service.findings import Priority, Severity

#: A step is risky when it loses more than this share of its rows (percent) ...
RISKY_ROW_LOSS_PCT = 20.0
#: ... or drops a column. A mean shift is listed as a factor only (upstream).
#: Safety score penalties (upstream §2.7).
PENALTY_HIGH = 15.0
PENALTY_MEDIUM = 5.0
PENALTY_UNSAFE = 20.0
#: |memory change| (MB, estimated) above which the preview alerts.
MEMORY_ALERT_MB = 50.0


@dataclass(frozen=True)
class StepFacts:
    """One simulated step (a "field" for the rule tables)."""

    name: str  # rule_id
    ok: bool
    impact: str  # high | medium | low | error
    risky: bool
    row_change_pct: float
    rows_removed: int
    columns_removed: int
    memory_change_mb: float
    error: str = ""
    risk_factors: str = ""


@dataclass(frozen=True)
class PreviewFacts:
    total: int
    failed: int
    high: int
    medium: int
    safe: bool
    score: float
    confidence: float
    memory_change_mb: float
    memory_alert_mb: float = MEMORY_ALERT_MB
    risky_pct: float = RISKY_ROW_LOSS_PCT


A = AlertRule[StepFacts, PreviewFacts, PreviewParams]
R = RecommendationRule[StepFacts, PreviewFacts, PreviewParams]

ALERTS: tuple[A, ...] = (
    A(
        "high_impact",
        selects=lambda f, p: f.impact == "high",
        category="impact",
        severity=Severity.HIGH,
        message="{n} step(s) change at least {params.impact_threshold_high:g}% of the rows "
        "or the columns: {names}",
        recommendation="Review the predicted changes of these steps before running the chain",
    ),
    A(
        "unsafe",
        holds=lambda d, p: not d.safe,
        dataset_wide=False,
        category="safety",
        severity=Severity.CRITICAL,
        message="A high-impact step is risky (loses more than {dataset.risky_pct:g}% of its "
        "rows or drops a column)",
        recommendation="Back up the data and check the risky steps' parameters",
    ),
    A(
        "quality",
        holds=lambda d, p: d.score < p.good_threshold,
        dataset_wide=False,
        category="quality",
        severity=Severity.MEDIUM,
        message="Preview score {dataset.score:g} is below {params.good_threshold}",
        recommendation="Review the steps flagged by the preview",
    ),
    A(
        "simulation_failures",
        selects=lambda f, p: not f.ok,
        category="simulation",
        severity=Severity.MEDIUM,
        message="{n} preview rule(s) could not be simulated: {names}",
        recommendation="Express the rules as cleaning agents' parameters to have them predicted",
    ),
    A(
        "memory_change",
        holds=lambda d, p: abs(d.memory_change_mb) > d.memory_alert_mb,
        dataset_wide=False,
        category="resources",
        severity=Severity.LOW,
        message="The estimated memory changes by {dataset.memory_change_mb:g} MB (more than "
        "{dataset.memory_alert_mb:g} MB)",
        recommendation="Expect a smaller or larger cleaned file",
    ),
    A(
        "low_confidence",
        holds=lambda d, p: d.confidence < p.confidence_level,
        dataset_wide=False,
        category="confidence",
        severity=Severity.MEDIUM,
        message="Only {dataset.confidence:.0%} of the steps were predicted exactly (below the "
        "confidence level {params.confidence_level:g})",
        recommendation="Treat the rules that were not simulated as unknown",
    ),
)

RECOMMENDATIONS: tuple[R, ...] = (
    R(
        "safety",
        holds=lambda d, p: not d.safe,
        priority=Priority.HIGH,
        text="Back up the data before running the risky steps",
        timeline="immediate",
    ),
    R(
        "review",
        selects=lambda f, p: f.impact == "high",
        priority=Priority.HIGH,
        text="Review the predicted changes of {names} before running the chain",
        timeline="immediate",
    ),
    R(
        "improve_rules",
        selects=lambda f, p: not f.ok,
        priority=Priority.MEDIUM,
        text="Fix or rephrase the preview rules that were not simulated: {names}",
        timeline="1 week",
    ),
    R(
        "memory_optimization",
        holds=lambda d, p: abs(d.memory_change_mb) > d.memory_alert_mb,
        priority=Priority.LOW,
        text="Plan for the estimated memory change of {dataset.memory_change_mb:g} MB",
        timeline="1 week",
    ),
    R(
        "proceed",
        holds=lambda d, p: d.safe and d.high == 0 and d.failed == 0,
        priority=Priority.LOW,
        text="Proceed: no high-impact or risky step predicted",
        timeline="immediate",
    ),
)

#: Why each recommendation is made (preview_analysis.recommendations[].reason).
REASONS: dict[str, str] = {
    "safety": "a high-impact step loses many rows or drops columns",
    "review": "these steps change at least {params.impact_threshold_high:g}% of the rows",
    "improve_rules": "a rule that is not simulated has no prediction",
    "memory_optimization": "the cleaned data's size changes noticeably",
    "proceed": "every step's impact is within the thresholds",
}
