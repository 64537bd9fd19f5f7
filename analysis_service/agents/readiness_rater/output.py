"""readiness-rater's components, deductions and verdict.

Components (from the shared profile, 0-100):

* completeness: 100 * cells that hold a value / all cells (nulls and
  whitespace-only cells are missing; 0 for a file without data rows);
* consistency: 100 * classified cells that fit their column's inferred
  type / classified cells (the profiler's whole-column type inference);
* schema_health: 100 * healthy columns / columns, a column being unhealthy
  when it is entirely empty, unnamed (blank or pandas' ``Unnamed: n``) or
  a repeated name.

Score = weighted mean of the components (normalised weights) minus the
deductions (:mod:`.rules`), clamped to 0-100.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analysis_service.agents.base import AgentStatus, Published
from analysis_service.agents.readiness_rater import rules
from analysis_service.agents.readiness_rater.params import ReadinessParams
from analysis_service.domain.profile import DatasetProfile
from analysis_service.findings import StatusBands, normalise_weights, weighted_score

COMPONENTS = ("completeness", "consistency", "schema_health")


@dataclass(frozen=True)
class Component:
    component: str
    weight: float
    score: float
    status: str
    description: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "weight": self.weight,
            "score": self.score,
            "status": self.status,
            "description": self.description,
        }


@dataclass(frozen=True)
class Deduction:
    reason: str
    fields: tuple[str, ...]
    amount: float
    severity: str
    remediation: str
    source: str
    findings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "deduction_reason": self.reason,
            "fields_affected": list(self.fields),
            "deduction_amount": self.amount,
            "severity": self.severity,
            "remediation": self.remediation,
            "source_agent": self.source,
            "finding_ids": list(self.findings),
        }


def unhealthy_columns(profile: DatasetProfile) -> dict[str, str]:
    """Column name -> why it is unhealthy."""
    seen: set[str] = set()
    out: dict[str, str] = {}
    for c in profile.columns:
        name = c.name
        if not name.strip() or name.startswith("Unnamed"):
            out[name] = "unnamed"
        elif name in seen:
            out[name] = "repeated name"
        elif profile.rows and c.non_null_count - c.empty_count <= 0:
            out[name] = "empty"
        seen.add(name)
    return out


def component_bands(params: ReadinessParams) -> StatusBands[str]:
    """excellent from midway between ready_threshold and 100, good from
    ready_threshold, fair from needs_review_threshold, else poor."""
    ready = float(params.ready_threshold)
    review = min(float(params.needs_review_threshold), ready)
    return StatusBands.of(
        [((ready + 100.0) / 2, "excellent"), (ready, "good"), (review, "fair")], "poor"
    )


def components(params: ReadinessParams, profile: DatasetProfile) -> list[Component]:
    cells = profile.rows * len(profile.columns)
    missing = sum(c.null_count + c.empty_count for c in profile.columns)
    classified = sum(c.classified_count for c in profile.columns)
    mismatched = sum(c.type_mismatch_count for c in profile.columns)
    bad = unhealthy_columns(profile)
    n = len(profile.columns)
    scores = {
        # a file without data rows is not ready, whatever its header says
        "completeness": 100.0 * (cells - missing) / cells if cells else 0.0,
        "consistency": 100.0 * (classified - mismatched) / classified if classified else 100.0,
        "schema_health": 100.0 * (n - len(bad)) / n if n else 0.0,
    }
    descriptions = {
        "completeness": f"{cells - missing} of {cells} cells hold a value",
        "consistency": f"{classified - mismatched} of {classified} values fit their "
        "column's inferred type",
        "schema_health": f"{n - len(bad)} of {n} columns are named, non-empty and unique"
        + (
            f" (problems: {', '.join(f'{k or repr(k)}: {v}' for k, v in bad.items())})"
            if bad
            else ""
        ),
    }
    weights = weights_of(params)
    bands = component_bands(params)
    return [
        Component(name, weights[name], scores[name], bands.status(scores[name]), descriptions[name])
        for name in COMPONENTS
    ]


def weights_of(params: ReadinessParams) -> dict[str, float]:
    return normalise_weights(
        {
            "completeness": params.completeness_weight,
            "consistency": params.consistency_weight,
            "schema_health": params.schema_health_weight,
        }
    )


def deductions(profile: DatasetProfile, earlier: Mapping[str, Published]) -> list[Deduction]:
    out: list[Deduction] = []
    dup = profile.duplicates
    if dup is not None and dup.duplicate_rows and profile.rows:
        pct = 100.0 * dup.duplicate_rows / profile.rows
        amount = min(pct * rules.DUPLICATE_POINTS_PER_PERCENT, rules.DUPLICATE_CAP)
        out.append(
            Deduction(
                f"{dup.duplicate_rows} duplicate rows ({pct:.2f}% of {profile.rows})"
                + ("" if dup.exact else " (estimated)"),
                ("all",),
                amount,
                "high" if amount >= rules.DUPLICATE_CAP / 2 else "medium",
                "Remove the repeated rows (duplicate-resolver)",
                "readiness-rater",
            )
        )
    for agent_id, published in earlier.items():
        if published.status is not AgentStatus.SUCCESS:
            continue
        counted = [
            a
            for a in published.findings.alerts
            if rules.SEVERITY_POINTS[a.severity] > 0
            and not any(word in a.category.lower() for word in rules.COUNTED_BY_COMPONENTS)
        ]
        if not counted:
            continue
        raw = sum(rules.SEVERITY_POINTS[a.severity] for a in counted)
        amount = min(raw, rules.AGENT_CAP)
        worst = min(counted, key=lambda a: a.severity.rank)
        fields = tuple(dict.fromkeys(f for a in counted for f in a.affected_fields))
        by_severity: dict[str, int] = {}
        for a in counted:
            by_severity[a.severity.value] = by_severity.get(a.severity.value, 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in by_severity.items())
        out.append(
            Deduction(
                f"{agent_id}: {len(counted)} alert(s) ({summary}); worst: {worst.message}"
                + (f" (capped at {rules.AGENT_CAP:g} of {raw:g} points)" if raw > amount else ""),
                fields,
                amount,
                worst.severity.value,
                rules.REMEDIATION.get(agent_id, f"Review the findings of {agent_id}"),
                agent_id,
                tuple(a.alert_id for a in counted),
            )
        )
    return out


@dataclass(frozen=True)
class Verdict:
    base_score: float
    score: float
    status: str


def verdict(
    params: ReadinessParams, parts: Sequence[Component], taken: Sequence[Deduction]
) -> Verdict:
    base = weighted_score(
        {c.component: c.score for c in parts}, {c.component: c.weight for c in parts}
    )
    score = max(0.0, min(100.0, base - sum(d.amount for d in taken)))
    review = min(params.needs_review_threshold, params.ready_threshold)
    bands = StatusBands.of(
        [(params.ready_threshold, "ready"), (review, "needs_review")], "not_ready"
    )
    return Verdict(base, score, bands.status(score))


DESCRIPTIONS = {
    "ready": (
        "The data meets the readiness threshold",
        "Proceed; keep monitoring the data's quality",
    ),
    "needs_review": (
        "The data needs review before production use",
        "Address the deductions and weak components listed below",
    ),
    "not_ready": (
        "The data is not ready for production use",
        "Fix the critical problems before using the data",
    ),
}
