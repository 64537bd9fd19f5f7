"""cleanse-writeback's rules as data: check names, cut-offs that are not
catalog parameters, the action name of each agent's transformations, and
the alert and recommendation tables over :class:`WritebackFacts`.
Thresholds come from the parameters (``params.good_threshold``) or the
constants here, never literals in messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from analysis_service.agents.rules import AlertRule, RecommendationRule
from analysis_service.cleaning.agents.cleanse_writeback.params import WritebackParams
from analysis_service.findings import Priority, Severity

#: upstream's retention floor: fewer rows than this share (percent) fails
MIN_ROW_RETENTION = 70.0
MANIFEST_VERSION = "1.0"
MANIFEST_TYPE = "cleanse_writeback"

CHECK_NAMES = {
    "accounting": "Row Accounting",
    "numeric_type_integrity": "Numeric Type Integrity",
    "datetime_type_integrity": "Datetime Type Integrity",
    "no_new_nulls": "No New Nulls",
    "no_new_duplicates": "No New Duplicates",
    "data_retention": "Data Retention",
}
#: check key -> the parameter that switches it on (accounting always runs)
CHECK_FLAGS = {
    "numeric_type_integrity": "verify_numeric_types",
    "datetime_type_integrity": "verify_datetime_types",
    "no_new_nulls": "verify_no_new_nulls",
    "no_new_duplicates": "verify_no_duplicates",
    "data_retention": "verify_data_retention",
}
#: the contract's transformation action per agent
ACTIONS = {
    "null-handler": "null_imputation",
    "outlier-remover": "outlier_removal",
    "type-fixer": "type_conversion",
    "duplicate-resolver": "duplicate_resolution",
    "field-standardization": "field_standardization",
    "quarantine-agent": "record_quarantine",
}
#: auditability parts (upstream's)
AUDIT_MANIFEST, AUDIT_PIPELINE, AUDIT_INTEGRITY = 40.0, 40.0, 20.0


@dataclass(frozen=True)
class WritebackFacts:
    """What the rules read (names of failing checks, agents, columns)."""

    checks_total: int
    failed_checks: tuple[str, ...]
    accounting_failed: bool
    failed_agents: tuple[str, ...]
    unlogged_agents: tuple[str, ...]  # ran, but no manifest
    pipeline_empty: bool
    row_retention: float
    missing_columns: tuple[str, ...]
    header_drift: bool
    score: float
    components: tuple[tuple[str, float], ...]
    ready: bool


@dataclass(frozen=True)
class Named:
    """A column a failed check names (the alerts' affected fields)."""

    name: str


def _names(values: tuple[str, ...]) -> str:
    return ", ".join(values)


ALERTS: tuple[AlertRule[Named, WritebackFacts, WritebackParams], ...] = (
    AlertRule(
        name="integrity_failure",
        holds=lambda d, _p: bool(d.failed_checks),
        category="data_integrity",
        severity=lambda s: Severity.CRITICAL if s.dataset.accounting_failed else Severity.HIGH,
        message="{failed} of {total} integrity check(s) failed on the written files: {names}",
        recommendation="Do not use the cleaned file until the failed checks are resolved",
        values=lambda s: {
            "failed": len(s.dataset.failed_checks),
            "total": s.dataset.checks_total,
            "names": _names(s.dataset.failed_checks),
        },
    ),
    AlertRule(
        name="schema_drift",
        holds=lambda d, _p: bool(d.missing_columns) or d.header_drift,
        category="schema",
        severity=Severity.HIGH,
        message="The cleaned file's columns differ from what the chain declared{missing}",
        recommendation="Find the agent that changed the columns; restore them or ask for the drop",
        values=lambda s: {
            "missing": (
                f" (missing: {_names(s.dataset.missing_columns)})"
                if s.dataset.missing_columns
                else ""
            )
        },
        dataset_wide=False,
    ),
    AlertRule(
        name="agent_failure",
        holds=lambda d, _p: bool(d.failed_agents),
        category="pipeline",
        severity=Severity.HIGH,
        message="Agent(s) that did not succeed: {agents}",
        recommendation="Fix the failed agents and run the cleaning again",
        values=lambda s: {"agents": _names(s.dataset.failed_agents)},
        dataset_wide=False,
    ),
    AlertRule(
        name="manifest_incomplete",
        holds=lambda d, _p: bool(d.unlogged_agents) or d.pipeline_empty,
        category="auditability",
        severity=Severity.MEDIUM,
        message="The manifest is incomplete: {what}",
        recommendation="Run the cleaning agents through the chain so each one is logged",
        values=lambda s: {
            "what": (
                f"no result for {_names(s.dataset.unlogged_agents)}"
                if s.dataset.unlogged_agents
                else "no cleaning agent ran before the writeback"
            )
        },
        dataset_wide=False,
    ),
    AlertRule(
        name="data_loss",
        holds=lambda d, _p: d.row_retention < MIN_ROW_RETENTION,
        category="data_retention",
        severity=Severity.HIGH,
        message="Only {retention}% of the original rows remain (floor {floor:g}%)",
        recommendation="Review the rules that quarantined the most rows",
        values=lambda s: {"retention": s.dataset.row_retention, "floor": MIN_ROW_RETENTION},
        dataset_wide=False,
    ),
    AlertRule(
        name="quality",
        holds=lambda d, p: d.score < p.good_threshold,
        category="quality",
        severity=Severity.MEDIUM,
        message="Writeback score {score:.1f} is below {params.good_threshold} ({parts})",
        recommendation="Raise the weakest component: failed checks lower integrity, agents "
        "without a logged result lower completeness and auditability",
        values=lambda s: {
            "score": s.dataset.score,
            "parts": ", ".join(f"{k} {v:g}" for k, v in s.dataset.components),
        },
        dataset_wide=False,
    ),
    AlertRule(
        name="success",
        holds=lambda d, _p: d.ready,
        category="data_integrity",
        severity=Severity.LOW,
        message="All {total} integrity checks passed; the cleaned file is ready",
        recommendation="Proceed with the cleaned file and keep the manifest beside it",
        values=lambda s: {"total": s.dataset.checks_total},
        dataset_wide=False,
    ),
)


@dataclass(frozen=True)
class Advice:
    """One recommendation: in the findings and in writeback_analysis."""

    name: str
    holds: Callable[[WritebackFacts, WritebackParams], bool]
    priority: Priority
    action: str
    reason: str
    impact: str
    timeline: str
    lists_failed_checks: bool = False


ADVICE: tuple[Advice, ...] = (
    Advice(
        "integrity_failures",
        lambda d, _p: bool(d.failed_checks),
        Priority.CRITICAL,
        "Resolve the failed integrity checks",
        "Failed: {failed}",
        "The cleaned file cannot be trusted until they pass",
        "immediate",
        lists_failed_checks=True,
    ),
    Advice(
        "fix_agents",
        lambda d, _p: bool(d.failed_agents),
        Priority.HIGH,
        "Fix the failed agents and rerun the cleaning",
        "Not successful: {agents}",
        "Their transformations are missing from the cleaned file",
        "immediate",
    ),
    Advice(
        "manifest",
        lambda d, _p: bool(d.unlogged_agents) or d.pipeline_empty,
        Priority.MEDIUM,
        "Complete the transformation manifest",
        "Agents without a logged result: {unlogged}",
        "The audit trail does not show every change",
        "1 week",
    ),
    Advice(
        "retention",
        lambda d, _p: d.row_retention < MIN_ROW_RETENTION or bool(d.missing_columns),
        Priority.HIGH,
        "Review the data loss",
        "{retention}% of the rows remain; missing columns: {missing}",
        "Analyses on the cleaned file may be biased",
        "1 week",
    ),
    Advice(
        "proceed",
        lambda d, _p: d.ready,
        Priority.LOW,
        "Proceed with the cleaned file",
        "All integrity checks passed on the written files",
        "The data is ready for the next tool",
        "immediate",
    ),
    Advice(
        "review",
        lambda d, _p: not d.ready,
        Priority.HIGH,
        "Review the cleaned file before using it",
        "It is not ready: {failed}",
        "Using it now may propagate errors",
        "immediate",
    ),
    Advice(
        "audit",
        lambda _d, _p: True,
        Priority.LOW,
        "Keep the manifest with the cleaned and quarantine files",
        "It records every transformation and the checks that verified them",
        "Later audits can replay what happened to each row",
        "ongoing",
    ),
)


def advice_values(d: WritebackFacts) -> dict[str, str]:
    return {
        "failed": _names(d.failed_checks) or "none",
        "agents": _names(d.failed_agents) or "none",
        "unlogged": _names(d.unlogged_agents) or "none (no agent ran)",
        "retention": f"{d.row_retention}",
        "missing": _names(d.missing_columns) or "none",
    }


RECOMMENDATIONS: tuple[RecommendationRule[Named, WritebackFacts, WritebackParams], ...] = tuple(
    RecommendationRule(
        name=a.name,
        holds=a.holds,
        priority=a.priority,
        text=f"{a.action}. {a.reason}.",
        timeline=a.timeline,
        values=lambda s: advice_values(s.dataset),
    )
    for a in ADVICE
)
