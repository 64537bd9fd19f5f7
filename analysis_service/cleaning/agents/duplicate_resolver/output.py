"""duplicate-resolver's result tree (frontend-contract §6.10) and findings.

Counting conventions (said once, used everywhere):
* a detection method's ``duplicate_count`` is the number of redundant rows
  it finds (every member of a group after its first), ``affected_rows``
  their row_index (0-based, original file), first 50;
* ``total_duplicates`` / ``duplicates_detected`` are the redundant rows of
  the resolution key: exactly the rows the writing pass removed;
* a row number in a message ("duplicate of row N") counts from 1, as the
  quarantine file's ``_row_number`` (row_index + 1); row issues carry both.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

from analysis_service.agents.base import AgentOutput, Findings
from analysis_service.agents.rules import (
    evaluate_alerts,
    evaluate_issues,
    evaluate_recommendations,
)
from analysis_service.cleaning.agents.duplicate_resolver.logic import (
    DUPLICATE_ROW,
    KEY_CONFLICT,
    PARTIAL_DUPLICATE,
    DuplicateIndex,
    Group,
    reason,
)
from analysis_service.cleaning.agents.duplicate_resolver.params import DedupParams
from analysis_service.cleaning.agents.duplicate_resolver.rules import (
    ALERTS,
    ISSUES,
    REASONS,
    RECOMMENDATIONS,
    DedupFacts,
    MethodFacts,
)
from analysis_service.cleaning.model import CleanContext
from analysis_service.cleaning.output import (
    FIRST_ROWS,
    Retention,
    card,
    first,
    log_lines,
    percent,
    score,
)
from analysis_service.findings import (
    IdSequence,
    RowEvidence,
    RowIssue,
    RowSeverity,
    collect_row_issues,
)

AGENT_ID = "duplicate-resolver"
MAX_CONFLICTS = 100

DESCRIPTIONS = {
    "exact": "rows identical in every column to an earlier row",
    "case_variations": "rows equal to an earlier row on the key columns (all columns without "
    "keys) after trimming, collapsing spaces and ignoring case",
    "email_case": "rows equal to an earlier row on the key columns once e-mail columns are "
    "lowercased",
    "missing_values": "rows equal to another except where one side is null",
    "conflicting": "rows sharing the key columns with their group's first row but differing "
    "from it in other fields (beyond case and spaces)",
}

#: Row issue type (= the removal rule) -> severity (§6.10).
ROW_TYPES = {
    KEY_CONFLICT: RowSeverity.CRITICAL,
    DUPLICATE_ROW: RowSeverity.WARNING,
    PARTIAL_DUPLICATE: RowSeverity.INFO,
}


def _matching(index: DuplicateIndex) -> str:
    cfg = index.config
    if cfg.normalised:
        return "case_variations"
    return "email_case" if cfg.normalise_emails else "exact"


@dataclass
class _GroupStats:
    groups: int = 0
    detected: int = 0
    conflict_groups: int = 0
    conflict_rows: int = 0


def _scan(index: DuplicateIndex) -> tuple[_GroupStats, list[dict[str, Any]]]:
    """One streamed walk over the groups: totals and the first groups
    whose members differ beyond case and spaces (by first row)."""
    stats = _GroupStats()
    heap: list[tuple[int, Group]] = []
    for g in index.index.groups(min_count=2):
        stats.groups += 1
        stats.detected += g.count - 1
        if g.differing:
            stats.conflict_groups += 1
            stats.conflict_rows += g.count
            item = (-g.first, g)
            if len(heap) < MAX_CONFLICTS:
                heapq.heappush(heap, item)
            elif g.first < -heap[0][0]:
                heapq.heapreplace(heap, item)
    conflicts = [
        {
            "first_row_index": g.first,
            "last_row_index": g.last,
            "rows_in_group": g.count,
            "survivor_row_index": index.survivor(g),
            "differing_fields": sorted(g.differing),
        }
        for g in sorted((g for _, g in heap), key=lambda g: g.first)
    ]
    return stats, conflicts


def _row_issues(index: DuplicateIndex) -> dict[str, list[RowIssue]]:
    items: dict[str, list[RowIssue]] = {k: [] for k in ROW_TYPES}
    matching = _matching(index)
    for ri, g, values in index.removed_sample():
        kind, differing = index.compare(values, g)
        survivor = index.survivor(g)
        methods = [matching, "conflicting"] if differing else [matching]
        items[kind].append(
            RowIssue(
                row_index=ri,
                column="all",
                issue_type=kind,
                severity=ROW_TYPES[kind],
                message=f"Row {ri + 1}: {reason(survivor, differing)} (rows counted from 1, as "
                "_row_number in the quarantine file)",
                extras={
                    "detection_methods": methods,
                    "row_number": ri + 1,
                    "survivor_row_index": survivor,
                    "survivor_row_number": survivor + 1,
                    "differing_fields": differing,
                },
            )
        )
    return items


def _row_dict(issue: RowIssue) -> dict[str, Any]:
    d = issue.to_dict()
    d.pop("value", None)  # §6.10: no value key
    return d


def build(ctx: CleanContext[DedupParams], index: DuplicateIndex, agent_name: str) -> AgentOutput:
    params = ctx.params
    tally = ctx.tally
    retention = Retention.of(tally, ctx.columns_in)
    rows_in = retention.rows_in
    removed = tally.rows_removed if tally else 0
    stats, conflicts = _scan(index)
    by_kind = {
        k: tally.rules[(k, "")].rows if tally and (k, "") in tally.rules else 0 for k in ROW_TYPES
    }

    summary: dict[str, Any] = {}
    methods: list[MethodFacts] = []
    for name in params.detection_types:
        m = index.methods[name]
        count = m.count if m.supported else None
        pct = percent(m.count, rows_in, empty=0.0) if m.supported else None
        entry: dict[str, Any] = {
            "method": name,
            "duplicate_count": count,
            "duplicate_percentage": pct,
            "description": DESCRIPTIONS.get(name, name),
            "affected_rows": list(m.affected),
            "supported": m.supported,
        }
        if m.note:
            entry["note"] = m.note
        summary[name] = entry
        methods.append(MethodFacts(name, count, pct, entry["description"]))

    components = {
        "dedup_reduction": percent(min(removed, stats.detected), stats.detected),
        "data_retention": retention.data_retention_rate,
        "column_retention": retention.column_retention_rate,
    }
    weights = {
        "dedup_reduction": params.dedup_reduction_weight,
        "data_retention": params.data_retention_weight,
        "column_retention": params.column_retention_weight,
    }
    result = score(components, weights, params)
    email = index.methods.get("email_case")
    facts = DedupFacts(
        rows_in=rows_in,
        detected=stats.detected,
        removed=removed,
        duplicate_pct=percent(stats.detected, rows_in, empty=0.0),
        retention=retention.data_retention_rate,
        conflict_groups=stats.conflict_groups,
        conflict_rows=stats.conflict_rows,
        methods_with_hits=sum(1 for f in methods if f.count),
        key_columns=index.config.key_columns,
        email_columns=index.config.email_columns,
        email_hits=email.count if email and email.applicable else 0,
        score=result.overall_score,
    )
    ids = IdSequence("duplicates")
    alerts = evaluate_alerts(ALERTS, methods, facts, params, ids, AGENT_ID)
    recs = evaluate_recommendations(RECOMMENDATIONS, methods, facts, params, ids, AGENT_ID)
    issues = evaluate_issues(ISSUES, methods, params, ids, AGENT_ID, limit=FIRST_ROWS)

    sampled = _row_issues(index)
    evidence = [RowEvidence(k, ROW_TYPES[k], by_kind[k], sampled[k]) for k in ROW_TYPES]
    row_issues, row_summary = collect_row_issues(evidence, FIRST_ROWS)

    survivor_rule = {
        "keep_last": "kept the last row of each group",
        "merge_smart": "kept the first row of each group, its nulls filled from later members",
    }.get(index.config.conflict_resolution, "kept the first row of each group")
    log = [
        f"matching: {_matching(index)} on "
        + (", ".join(index.config.key_columns) or "all columns")
        + f"; null_handling {params.null_handling}",
        f"{stats.groups} duplicate group(s), {stats.detected} redundant row(s); "
        f"{survivor_rule}; row order of the survivors kept",
        *log_lines(tally),
    ]
    remaining = retention.rows_out
    text = (
        f"{stats.detected} duplicate row(s) detected in {rows_in} rows; {removed} removed, "
        f"{remaining} remain; {stats.conflict_groups} key conflict(s). Deduplication score "
        f"{result.overall_score:g} ({result.status})."
    )
    data: dict[str, Any] = {
        "dedup_score": {
            "overall_score": result.overall_score,
            "metrics": {
                "dedup_reduction_rate": components["dedup_reduction"],
                "data_retention_rate": components["data_retention"],
                "column_retention_rate": components["column_retention"],
            },
        },
        "quality_status": result.status,
        "duplicate_analysis": {
            "total_rows": rows_in,
            "total_columns": len(ctx.columns_in),
            "duplicate_summary": summary,
            "total_duplicates": stats.detected,
            "detection_methods": list(params.detection_types),
            "recommendations": [
                {
                    "action": r.recommendation,
                    "reason": REASONS.get(
                        r.recommendation_id.removeprefix("rec_duplicates_"), ""
                    ).format(dataset=facts),
                    "priority": r.priority.value,
                }
                for r in recs
            ],
            "key_conflicts": conflicts,
            "key_conflict_groups": stats.conflict_groups,
            "resolution_matching": _matching(index),
            "index_spilled_to_disk": index.spilled,
        },
        "resolution_log": log,
        "summary": text,
        "row_level_issues": [_row_dict(r) for r in first(row_issues)],
        "issue_summary": {**row_summary.to_dict(), "affected_columns": []},
        **ctx.parameter_echo(),
    }
    return AgentOutput(
        agent_id=AGENT_ID,
        agent_name=agent_name,
        summary_metrics={
            "total_rows_processed": rows_in,
            "duplicates_detected": stats.detected,
            "duplicates_resolved": removed,
            "remaining_rows": remaining,
            "rows_removed": removed,
            "total_issues": row_summary.total_issues,
        },
        data=data,
        findings=Findings(
            alerts=tuple(alerts),
            issues=tuple(issues),
            recommendations=tuple(recs),
            cards=(
                card(
                    "exec_duplicate_resolution",
                    "Duplicate Resolution Status",
                    result,
                    f"{removed} duplicate row(s) removed of {rows_in}",
                ),
            ),
            row_issues=row_issues,
            row_summary=row_summary,
        ),
    )
