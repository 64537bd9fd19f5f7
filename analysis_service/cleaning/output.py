"""What every cleaning agent's result tree shares (contract §6.6-6.13):
retention rates, the weighted score with its status, the executive card,
the log lines from the chain's tally and the first-N row list; and for the
agents' ``output.py``: the reduction rate, the retention part of a score's
``metrics``, the reduction + retention score (:func:`retention_score`),
the alerts / issues / recommendations of an agent's rule tables
(:func:`rule_findings`) and its :class:`Findings` (:func:`findings`).

An agent's ``output.py`` builds its own ``data`` tree with these, so the
same number is computed one way in all eight agents. Scores follow the
shared scoring helper (:mod:`analysis_service.findings.scoring`): weights
are normalised, the status comes from the agent's ``excellent_threshold`` /
``good_threshold`` (">="), and a component is a percentage 0-100.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from analysis_service.agents.base import Findings
from analysis_service.agents.rules import (
    evaluate_alerts,
    evaluate_issues,
    evaluate_recommendations,
)
from analysis_service.cleaning.model import AgentTally
from analysis_service.findings import (
    Alert,
    Card,
    CardStatus,
    IdSequence,
    Issue,
    Recommendation,
    RowEvidence,
    StatusBands,
    collect_row_issues,
    weighted_score,
)
from analysis_service.findings.scoring import clamp

T = TypeVar("T")

#: How many entries a result tree's own row list holds (upstream's "first 100").
FIRST_ROWS = 100


def percent(part: float, whole: float, *, empty: float = 100.0) -> float:
    """``part / whole`` in percent, rounded to 2 places (``empty`` when whole is 0)."""
    if whole <= 0:
        return empty
    return round(100.0 * part / whole, 2)


@dataclass(frozen=True)
class Retention:
    """Rows and columns into and out of one agent (its writing pass)."""

    rows_in: int
    rows_out: int
    columns_in: int
    columns_out: int

    @classmethod
    def of(cls, tally: AgentTally | None, columns_in: Sequence[str]) -> Retention:
        if tally is None:
            return cls(0, 0, len(columns_in), len(columns_in))
        return cls(tally.rows_in, tally.rows_out, len(tally.columns_in), len(tally.columns_out))

    @property
    def data_retention_rate(self) -> float:
        return percent(self.rows_out, self.rows_in)

    @property
    def column_retention_rate(self) -> float:
        return percent(self.columns_out, self.columns_in)


@dataclass(frozen=True)
class Score:
    overall_score: float
    status: str


def score(
    components: Mapping[str, float],
    weights: Mapping[str, float],
    params: Any,
    *,
    below: str = "needs_improvement",
    excellent: str = "excellent",
    good: str = "good",
) -> Score:
    """Weighted score (0-100, 2 places) and its status from ``params``'
    ``excellent_threshold`` / ``good_threshold``. ``weights`` maps the
    component names of ``components`` to their weight parameters' values."""
    value = round(clamp(weighted_score(components, weights)), 2)
    bands = StatusBands.of(
        [(params.excellent_threshold, excellent), (params.good_threshold, good)], below
    )
    return Score(value, bands.status(value))


def card(summary_id: str, title: str, result: Score, description: str) -> Card:
    """The agent's executive card: the score as its value, the status as
    the card's status (a status the card vocabulary lacks reads as info)."""
    try:
        status = CardStatus(result.status)
    except ValueError:
        status = CardStatus.INFO
    return Card(
        summary_id=summary_id,
        title=title,
        value=f"{result.overall_score:.1f}",
        status=status,
        description=description,
    )


def log_lines(tally: AgentTally | None) -> list[str]:
    """One line per (rule, column) of what the writing pass really did."""
    if tally is None:
        return []
    lines = []
    for t in tally.rules.values():
        where = f" in '{t.column}'" if t.column else ""
        if t.column:
            lines.append(f"{t.rule}{where}: {t.cells} cell(s) changed")
        else:
            lines.append(f"{t.rule}: {t.rows} row(s) moved to quarantine")
    return lines


def first(items: Sequence[T], limit: int = FIRST_ROWS) -> list[T]:
    return list(items[:limit])


# --- shared by the agents' output.py (null-handler, outlier-remover, ...) ---


def reduction_rate(original: int, remaining: int) -> float:
    """Percent of ``original`` problems no longer present (100 when there
    were none)."""
    return percent(max(original - remaining, 0), original)


def retention_metrics(r: Retention) -> dict[str, Any]:
    """The retention part of a score's ``metrics`` block."""
    return {
        "data_retention_rate": r.data_retention_rate,
        "column_retention_rate": r.column_retention_rate,
        "original_rows": r.rows_in,
        "cleaned_rows": r.rows_out,
        "original_columns": r.columns_in,
        "cleaned_columns": r.columns_out,
    }


def retention_score(
    reduction: float, r: Retention, reduction_weight: float, params: Any, **statuses: str
) -> Score:
    """The cleaning agents' score: reduction, row and column retention,
    weighted by ``reduction_weight`` and the params' ``data_retention_weight``
    / ``column_retention_weight``."""
    return score(
        {
            "reduction": reduction,
            "data_retention": r.data_retention_rate,
            "column_retention": r.column_retention_rate,
        },
        {
            "reduction": reduction_weight,
            "data_retention": params.data_retention_weight,
            "column_retention": params.column_retention_weight,
        },
        params,
        **statuses,
    )


def rule_findings(
    key: str,
    agent_id: str,
    rules: Any,
    fields: Sequence[Any],
    dataset: Any,
    params: Any,
    *,
    issue_limit: int = FIRST_ROWS,
) -> tuple[tuple[Alert, ...], tuple[Issue, ...], tuple[Recommendation, ...]]:
    """Alerts, issues and recommendations of an agent's rule tables
    (``rules.ALERTS``, ``rules.ISSUES``, ``rules.RECOMMENDATIONS``), ids
    ``alert_<key>_...``, ``issue_<key>_...``, ``rec_<key>_...``."""
    ids = IdSequence(key)
    return (
        tuple(evaluate_alerts(rules.ALERTS, fields, dataset, params, ids, agent_id)),
        tuple(evaluate_issues(rules.ISSUES, fields, params, ids, agent_id, limit=issue_limit)),
        tuple(
            evaluate_recommendations(rules.RECOMMENDATIONS, fields, dataset, params, ids, agent_id)
        ),
    )


def findings(
    rule_items: tuple[tuple[Alert, ...], tuple[Issue, ...], tuple[Recommendation, ...]],
    the_card: Card,
    evidence: Sequence[RowEvidence],
    *,
    seeded: bool = False,
) -> Findings:
    """The agent's findings: the rule tables' items, its one card, and the
    row-level issues collected fairly from ``evidence`` (summary ``seeded``
    or dynamic)."""
    rows, summary = collect_row_issues(evidence, seeded=seeded)
    alerts, issues, recommendations = rule_items
    return Findings(
        alerts=alerts,
        issues=issues,
        recommendations=recommendations,
        cards=(the_card,),
        row_issues=rows,
        row_summary=summary,
    )
