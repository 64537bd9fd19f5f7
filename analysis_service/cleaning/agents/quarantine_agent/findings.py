"""quarantine-agent's findings as rule tables: alerts (contract ids
``alert_quarantine_001_volume_critical`` ... ``008``), issues per (rule,
column) plus ``<rule>_pattern`` aggregates, recommendations
``rec_quarantine_*``, and the row-level evidence. Cut-offs come from
:mod:`.rules`, never literals in messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from analysis_service.agents.rules import (
    AlertRule,
    IssueRule,
    RecommendationRule,
    evaluate_alerts,
    evaluate_issues,
    evaluate_recommendations,
    short_list,
)
from analysis_service.cleaning.agents.quarantine_agent.params import QuarantineParams
from analysis_service.cleaning.agents.quarantine_agent.rules import (
    CORRUPTED_RECORD,
    HIGH_ISSUES_SHARE,
    INTEGRITY_ALERT,
    INVALID_CONSTRAINT,
    INVALID_FORMAT,
    MISSING_REQUIRED_FIELD,
    OUT_OF_RANGE,
    PATTERN_SHARE,
    ROW_RULES,
    SCHEMA_MISMATCH,
    SCHEMA_PATTERN_SHARE,
    SCHEMA_SEVERITY,
    TYPE_MISMATCH,
    VOLUME_CRITICAL,
    VOLUME_HIGH,
    VOLUME_MEDIUM,
)
from analysis_service.cleaning.agents.quarantine_agent.stats import QuarantineStats
from analysis_service.findings import (
    Alert,
    IdSequence,
    Issue,
    Priority,
    Recommendation,
    Severity,
)


@dataclass(frozen=True)
class ColumnFacts:
    name: str
    hits: Mapping[str, int] = field(default_factory=dict)
    missing: bool = False
    refused: tuple[str, ...] = ()

    @property
    def refused_text(self) -> str:
        return "; ".join(self.refused)


@dataclass(frozen=True)
class Facts:
    rows: int
    quarantined: int
    quarantine_pct: float
    integrity: float
    efficiency: int
    by_type: Mapping[str, int]
    by_severity: Mapping[str, int]
    rows_by_rule: Mapping[str, int]
    missing_columns: tuple[str, ...]
    expected_columns: int
    refused: int  # constraints refused for another reason than a missing column
    configured: int
    high_row_hits: int = 0  # high-severity hits in rows (type, range), schema findings apart

    def share(self, n: int) -> float:
        return 100.0 * n / self.rows if self.rows else 0.0

    @property
    def high_pct(self) -> float:
        return self.share(self.high_row_hits)

    @property
    def invalid_values(self) -> int:
        return sum(self.by_type.get(t, 0) for t in (CORRUPTED_RECORD, OUT_OF_RANGE, INVALID_FORMAT))


A = AlertRule[ColumnFacts, Facts, QuarantineParams]
R = RecommendationRule[ColumnFacts, Facts, QuarantineParams]
I = IssueRule[ColumnFacts, QuarantineParams]  # noqa: E741


def _volume(name: str, sev: Severity, lo: float, hi: float | None) -> A:
    return A(
        name,
        holds=lambda d, p: d.quarantine_pct > lo and (hi is None or d.quarantine_pct <= hi),
        category="quarantine_volume",
        severity=sev,
        message="{dataset.quarantine_pct:.2f}% of the rows ({dataset.quarantined} of "
        "{dataset.rows}) were quarantined, above {limit:g}%",
        recommendation="Review the quarantine file and fix the source before relying on the data",
        values=lambda s: {"limit": lo},
        dataset_wide=False,
    )


def _hit(rule: str) -> Any:
    return lambda f, p: f.hits.get(rule, 0) > 0


ALERTS: tuple[A, ...] = (
    _volume("001_volume_critical", Severity.CRITICAL, VOLUME_CRITICAL, None),
    _volume("001_volume_high", Severity.HIGH, VOLUME_HIGH, VOLUME_CRITICAL),
    _volume("001_volume_medium", Severity.MEDIUM, VOLUME_MEDIUM, VOLUME_HIGH),
    A(
        "002_critical_severity",
        holds=lambda d, p: d.by_severity.get("critical", 0) > 0,
        category="data_integrity",
        severity=Severity.CRITICAL,
        message="{dataset.by_severity[critical]} critical issue(s): missing required fields "
        "or corrupted records",
        recommendation="Fix the critical rows at the source first",
        dataset_wide=False,
    ),
    A(
        "003_high_severity",
        holds=lambda d, p: d.high_pct > HIGH_ISSUES_SHARE,
        category="data_integrity",
        severity=Severity.HIGH,
        message="{dataset.high_row_hits} high-severity issue(s) in rows (type or range), "
        "{dataset.high_pct:.2f}% of the rows, above {limit:g}%",
        recommendation="Check the producing system's types and value ranges",
        dataset_wide=False,
        values=lambda s: {"limit": HIGH_ISSUES_SHARE},
    ),
    A(
        "004_integrity_score",
        holds=lambda d, p: d.integrity < INTEGRITY_ALERT,
        category="data_integrity",
        severity=Severity.HIGH,
        message="Only {dataset.integrity:.2f}% of the rows have no issue (below {limit:g}%)",
        recommendation="Review the issue types below and tighten validation at the source",
        dataset_wide=False,
        values=lambda s: {"limit": INTEGRITY_ALERT},
    ),
    A(
        "005_missing_fields",
        selects=_hit(MISSING_REQUIRED_FIELD),
        category="completeness",
        severity=Severity.CRITICAL,
        message="Required field(s) missing in {n} column(s): {names}",
        recommendation="Make the fields mandatory where the data is entered",
    ),
    A(
        "006_type_mismatches",
        selects=_hit(TYPE_MISMATCH),
        category="data_types",
        severity=Severity.HIGH,
        message="Values of the wrong type in {n} column(s): {names}",
        recommendation="Validate types where the data is produced",
    ),
    A(
        "007_schema_mismatch",
        selects=lambda f, p: f.missing and p.detect_schema_mismatches,
        category="schema",
        severity=SCHEMA_SEVERITY,
        message="{n} expected column(s) not in the file: {names} (their constraints were not "
        "applied; no row was quarantined for it)",
        recommendation="Restore the columns in the export or update the expected schema",
    ),
    A(
        "008_corrupted_invalid",
        holds=lambda d, p: d.invalid_values > 0,
        category="data_corruption",
        severity=Severity.HIGH,
        message="{dataset.invalid_values} corrupted, out-of-range or badly formatted value(s)",
        recommendation="Inspect the quarantined rows' _reason column",
        dataset_wide=False,
    ),
)

_ISSUE_TEXT = {
    CORRUPTED_RECORD: "record(s) corrupted (empty, or injection-shaped content)",
    MISSING_REQUIRED_FIELD: "row(s) with the required field empty",
    TYPE_MISMATCH: "value(s) not of the expected type",
    OUT_OF_RANGE: "value(s) outside the allowed range",
    INVALID_FORMAT: "value(s) not fully matching the format",
}


def _issue_rule(rule: str, sev: Severity, quarantines: bool, label: str) -> I:
    text = _ISSUE_TEXT.get(rule, "non-number(s) in a range column (range not checked)")
    action = "quarantined" if quarantines else "reported, not quarantined"

    def extras(f: ColumnFacts, p: QuarantineParams) -> Mapping[str, Any]:
        return {"count": f.hits.get(rule, 0), "quarantined": quarantines}

    return I(
        kind=rule,
        when=_hit(rule),
        severity=sev,
        message=f"'{{column}}': {{f.hits[{rule}]}} {text}; {action}",
        extras=extras,
    )


ISSUES: tuple[I, ...] = (
    *(_issue_rule(r.rule_id, r.severity, r.quarantines, r.label) for r in ROW_RULES),
    I(
        kind=SCHEMA_MISMATCH,
        when=lambda f, p: f.missing and p.detect_schema_mismatches,
        severity=SCHEMA_SEVERITY,
        message="Expected column '{column}' is not in the file; its constraints were not applied",
    ),
    I(
        kind=INVALID_CONSTRAINT,
        when=lambda f, p: bool(f.refused),
        severity=Severity.MEDIUM,
        message="Constraint on '{column}' not applied: {f.refused_text}",
    ),
)

_REC_TEXT = {
    CORRUPTED_RECORD: "Find where empty or injected records enter the data and block them",
    MISSING_REQUIRED_FIELD: "Make the required fields mandatory in the producing system",
    TYPE_MISMATCH: "Enforce the expected types at entry or export",
    OUT_OF_RANGE: "Validate value ranges where the data is entered",
    INVALID_FORMAT: "Validate formats (full match) where the data is entered",
}


def _rec_for(rule: str, label: str) -> R:
    return R(
        f"issue_{rule}",
        holds=lambda d, p: d.rows_by_rule.get(rule, 0) > 0,
        priority=Priority.HIGH
        if rule in (CORRUPTED_RECORD, MISSING_REQUIRED_FIELD)
        else (Priority.MEDIUM),
        text=f"{label}: {{n_rows}} row(s). "
        + _REC_TEXT.get(rule, "Give the column a numeric expected type or clean the values"),
        timeline="1-2 weeks",
        effort_hours=4,
        owner="data_engineering",
        values=lambda s: {"n_rows": s.dataset.rows_by_rule.get(rule, 0)},
    )


RECOMMENDATIONS: tuple[R, ...] = (
    R(
        "review",
        holds=lambda d, p: d.quarantined > 0,
        priority=Priority.HIGH,
        text="Review the {dataset.quarantined} quarantined row(s) in the quarantine file "
        "(original values with _row_number, _rule and _reason); correct and reload them or "
        "confirm their removal",
        timeline="1 week",
        effort_hours=2,
        owner="data_steward",
    ),
    R(
        "critical",
        holds=lambda d, p: d.by_severity.get("critical", 0) > 0,
        priority=Priority.CRITICAL,
        text="Resolve the {dataset.by_severity[critical]} critical issue(s) before using the data",
        timeline="immediate",
        effort_hours=2,
        owner="data_engineering",
    ),
    R(
        "source",
        holds=lambda d, p: d.quarantine_pct > VOLUME_MEDIUM,
        priority=Priority.HIGH,
        text="{dataset.quarantine_pct:.2f}% of the rows were quarantined (above {limit:g}%): "
        "fix the producing system rather than each load",
        timeline="2-3 weeks",
        effort_hours=8,
        owner="data_engineering",
        values=lambda s: {"limit": VOLUME_MEDIUM},
    ),
    R(
        "schema",
        selects=lambda f, p: f.missing and p.detect_schema_mismatches,
        priority=Priority.MEDIUM,
        text="Restore the expected column(s) {names} or update the constraints",
        timeline="1 week",
        effort_hours=2,
        owner="data_engineering",
    ),
    R(
        "rules",
        holds=lambda d, p: d.refused > 0 or d.configured == 0,
        priority=Priority.MEDIUM,
        text="{what}",
        timeline="1 week",
        effort_hours=1,
        owner="data_steward",
        values=lambda s: {
            "what": (
                f"Correct the {s.dataset.refused} constraint(s) that could not run "
                "(see the invalid_constraint issues)"
                if s.dataset.refused
                else "No constraint is configured: set required_fields, expected_schema, "
                "range_constraints or format_constraints to check more than broken records"
            )
        },
    ),
    R(
        "monitoring",
        holds=lambda d, p: d.quarantined > 0,
        priority=Priority.LOW,
        text="Track the quarantine rate of every load; act when it passes {limit:g}%",
        timeline="ongoing",
        effort_hours=2,
        owner="data_steward",
        values=lambda s: {"limit": VOLUME_MEDIUM},
    ),
    *(_rec_for(r.rule_id, r.label) for r in ROW_RULES),
)


def pattern_issues(facts: Facts, stats: QuarantineStats, ids: IdSequence) -> list[Issue]:
    """``<rule>_pattern``: a rule hitting PATTERN_SHARE % of the rows or more;
    ``schema_mismatch_pattern``: SCHEMA_PATTERN_SHARE % of the expected columns missing."""
    out = []
    for r in ROW_RULES:
        n = facts.rows_by_rule.get(r.rule_id, 0)
        if n == 0 or facts.share(n) < PATTERN_SHARE:
            continue
        cols = [c for (rule, c), k in stats.hits.items() if rule == r.rule_id and k]
        kind = f"{r.rule_id}_pattern"
        out.append(
            Issue(
                ids.issue(kind),
                "quarantine-agent",
                ", ".join(cols),
                kind,
                r.severity,
                f"{r.label} in {facts.share(n):.2f}% of the rows ({n} of {facts.rows}, at least "
                f"{PATTERN_SHARE:g}%): a systematic problem in {short_list(cols)}",
                {"rows_affected": n},
            )
        )
    missing = facts.missing_columns
    share = 100.0 * len(missing) / facts.expected_columns if facts.expected_columns else 0.0
    if missing and share >= SCHEMA_PATTERN_SHARE:
        out.append(
            Issue(
                ids.issue("schema_mismatch_pattern"),
                "quarantine-agent",
                ", ".join(missing),
                "schema_mismatch_pattern",
                SCHEMA_SEVERITY,
                f"{len(missing)} of {facts.expected_columns} expected columns ({share:.2f}%, at "
                f"least {SCHEMA_PATTERN_SHARE:g}%) are missing: is this the right file? No row "
                "was quarantined for it",
                {"missing_columns": list(missing)},
            )
        )
    return out


def findings(
    facts: Facts,
    columns: Sequence[ColumnFacts],
    stats: QuarantineStats,
    params: QuarantineParams,
    agent_id: str,
) -> tuple[list[Alert], list[Issue], list[Recommendation]]:
    ids = IdSequence("quarantine")
    alerts = evaluate_alerts(ALERTS, columns, facts, params, ids, agent_id)
    issues = evaluate_issues(ISSUES, columns, params, ids, agent_id, limit=1000)
    issues += pattern_issues(facts, stats, ids)
    recs = evaluate_recommendations(RECOMMENDATIONS, columns, facts, params, ids, agent_id)
    return alerts, issues, recs
