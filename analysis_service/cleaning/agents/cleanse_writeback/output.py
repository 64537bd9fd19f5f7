"""cleanse-writeback's result tree (frontend-contract §6.13) from the
:class:`~.verify.Verification` of the real outputs and the real pipeline.

Score (upstream §2.14's formula, from the real manifest):

* integrity = percent of checks passed (the flagged checks and the row
  accounting, which always runs);
* completeness = percent of the agents that ran before it whose result is
  in the manifest and succeeded (upstream gave 10 points per agent and half
  a point per transformation, so an honest run of three agents could never
  be complete; here a run is complete when every agent that ran is logged);
* auditability = 40 (a comprehensive manifest is generated) + 40 (its
  pipeline is not empty) + 20 (an integrity block exists: always);

weighted by the ``*_weight`` parameters, status excellent / good /
needs_review from ``excellent_threshold`` / ``good_threshold``.

Our additions beside the contract's keys: ``integrity_verification.accounting``
(rows_in, rows_cleaned, rows_quarantined, holds ...), per-check ``details``
and per-column numbers, ``comprehensive_manifest.outputs`` (sha256 and size
of each written file) and ``final_state.column_hashes``, and
``agent_manifests_echo: "summary"`` (the parameter echo shows each agent's
status and summary_metrics only, not its whole result).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from analysis_service.agents.base import AgentOutput
from analysis_service.cleaning.agents.cleanse_writeback import manifest
from analysis_service.cleaning.agents.cleanse_writeback.findings import (
    analysis_recommendations,
    findings,
    integrity_issues,
)
from analysis_service.cleaning.agents.cleanse_writeback.params import WritebackParams
from analysis_service.cleaning.agents.cleanse_writeback.rules import (
    AUDIT_INTEGRITY,
    AUDIT_MANIFEST,
    AUDIT_PIPELINE,
    MANIFEST_TYPE,
    MANIFEST_VERSION,
    WritebackFacts,
)
from analysis_service.cleaning.agents.cleanse_writeback.verify import Verification
from analysis_service.cleaning.files import sha256_of
from analysis_service.cleaning.model import CleanContext
from analysis_service.cleaning.output import card, percent, score
from analysis_service.report.builder import zulu

TITLE = "Cleanse Writeback Status"


def final_filename(source_name: str) -> str:
    name = PurePosixPath(source_name.replace("\\", "/")).name or "data.csv"
    if not name.lower().endswith(".csv"):
        name = f"{PurePosixPath(name).stem or 'data'}.csv"
    return f"cleaned_{name}"


def _file(path: Path, rows: int) -> dict[str, Any]:
    return {"sha256": sha256_of(path), "size_bytes": path.stat().st_size, "rows": rows}


def parameter_echo(ctx: CleanContext[WritebackParams], used: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults without agent_manifests; overrides / parameters with it, cut
    to each agent's status and summary_metrics."""
    defaults = ctx.params.defaults()
    defaults.pop("agent_manifests")
    overrides = {name: (ctx.overrides or {}).get(name) for name in ctx.params.field_names()}
    if isinstance(overrides["agent_manifests"], Mapping):
        overrides["agent_manifests"] = manifest.echo_summary(overrides["agent_manifests"])
    parameters = ctx.params.to_dict()
    parameters["agent_manifests"] = manifest.echo_summary(used)
    return {
        "agent_manifests_echo": "summary",
        "defaults": defaults,
        "overrides": overrides,
        "parameters": parameters,
    }


def build(
    agent_id: str, agent_name: str, ctx: CleanContext[WritebackParams], v: Verification
) -> AgentOutput:
    params, scan = ctx.params, v.cleaned
    now = zulu(datetime.now(UTC))
    ids = manifest.pipeline_ids(agent_id, ctx.executed, v.manifests, ctx.tallies)
    entries = manifest.pipeline(ids, v.manifests, ctx.tallies)
    total_transformations = sum(len(e["transformations_applied"]) for e in entries)
    failed_agents = manifest.failed_agents(v.manifests)
    passed = sum(1 for c in v.checks if c.passed)
    failed = v.failed
    ready = not failed and not failed_agents
    agents_in_manifest = len(v.manifests)
    expected = [a for a in ctx.executed if a != agent_id]
    logged = [a for a in expected if (v.manifests.get(a) or {}).get("status") == "success"]
    components = {
        "integrity": percent(passed, len(v.checks)),
        "completeness": percent(len(logged), len(expected)),
        "auditability": (AUDIT_MANIFEST if params.generate_comprehensive_manifest else 0.0)
        + (AUDIT_PIPELINE if entries else 0.0)
        + AUDIT_INTEGRITY,
    }
    result = score(
        components,
        {
            "integrity": params.integrity_weight,
            "completeness": params.completeness_weight,
            "auditability": params.auditability_weight,
        },
        params,
        below="needs_review",
    )
    retention = percent(scan.rows, v.original_rows)
    missing = tuple(
        c for c in v.outputs.original_columns if c not in scan.columns and c not in v.dropped
    )
    facts = WritebackFacts(
        checks_total=len(v.checks),
        failed_checks=tuple(c.name for c in failed),
        accounting_failed=not v.accounting.passed,
        failed_agents=tuple(a for a, _ in failed_agents),
        unlogged_agents=tuple(a for a in ids if a not in v.manifests),
        pipeline_empty=not entries,
        row_retention=retention,
        missing_columns=missing,
        header_drift=scan.header != list(v.outputs.cleaned_columns),
        score=result.overall_score,
        components=tuple(components.items()),
        ready=ready,
    )
    verification = {
        "checks_passed": passed,
        "checks_failed": len(failed),
        "all_checks_passed": not failed,
        "checks": {c.key: c.to_dict() for c in v.flagged},
        "accounting": v.accounting.to_dict(),
    }
    analysis: dict[str, Any] = {"integrity_verification": verification}
    if params.generate_comprehensive_manifest:
        comprehensive: dict[str, Any] = {
            "manifest_version": MANIFEST_VERSION,
            "manifest_type": MANIFEST_TYPE,
            "created_at": now,
            "source_file": ctx.source_name,
            "original_state": {
                "row_count": v.original_rows,
                "column_count": v.original_columns,
                "columns": list(v.outputs.original_columns),
            },
            "final_state": {
                "row_count": scan.rows,
                "column_count": len(scan.header),
                "columns": list(scan.header),
                "dtypes": scan.dtypes,
                "column_hashes": scan.column_hashes,
            },
            "integrity_verification": {
                "all_checks_passed": not failed,
                "checks_passed": passed,
                "checks_failed": len(failed),
                "verification_timestamp": now,
            },
            "transformation_pipeline": entries,
            "total_transformations": total_transformations,
            "agent_manifests": {str(k): m for k, m in v.manifests.items()},
            "accounting": v.accounting.to_dict(),
            "outputs": {
                "cleaned_csv": _file(v.outputs.cleaned_csv, scan.rows),
                "quarantine_csv": _file(v.outputs.quarantine_csv, v.quarantine.rows),
            },
        }
        if params.include_transformation_summary:
            comprehensive["transformation_summary"] = manifest.summary(entries)
        analysis["comprehensive_manifest"] = comprehensive
    analysis["data_packaging"] = {
        "format": "csv",
        "original_filename": ctx.source_name,
        "final_filename": final_filename(ctx.source_name),
        "row_count": scan.rows,
        "column_count": len(scan.header),
        "columns": list(scan.header),
        "data_types": scan.dtypes,
        "manifest_embedded": params.generate_comprehensive_manifest,
        "manifest_summary": {
            "total_transformations": total_transformations,
            "agents_executed": len(entries),
            "integrity_verified": not failed,
        },
        "ready_for_pipeline": ready,
        "packaging_timestamp": now,
    }
    analysis |= {
        "total_agents_processed": len(entries),
        "final_row_count": scan.rows,
        "final_column_count": len(scan.header),
        "data_ready_for_next_tool": ready,
        "recommendations": analysis_recommendations(facts, params),
    }
    summary = (
        f"Re-read {scan.rows} cleaned row(s) x {len(scan.header)} column(s) and "
        f"{v.quarantine.rows} quarantined row(s): {passed} of {len(v.checks)} check(s) passed"
        + (f" (failed: {', '.join(facts.failed_checks)})" if failed else "")
        + f"; {len(entries)} agent(s) and {total_transformations} transformation(s) in the "
        f"manifest; {'ready' if ready else 'not ready'} for the next tool."
    )
    data = {
        "writeback_score": {
            "overall_score": result.overall_score,
            "metrics": {
                "integrity_score": components["integrity"],
                "completeness_score": components["completeness"],
                "auditability_score": components["auditability"],
                "checks_passed": passed,
                "checks_total": len(v.checks),
                "total_transformations": total_transformations,
                "agents_executed": len(entries),
                "data_ready_for_pipeline": ready,
            },
        },
        "quality_status": result.status,
        "writeback_analysis": analysis,
        "summary": summary,
        "integrity_issues": integrity_issues(failed),
        **parameter_echo(ctx, v.manifests),
    }
    the_card = card(
        "exec_cleanse_writeback",
        TITLE,
        result,
        f"{passed}/{len(v.checks)} integrity checks passed; "
        + ("ready for the next tool" if ready else "review before use"),
    )
    return AgentOutput(
        agent_id=agent_id,
        agent_name=agent_name,
        summary_metrics={
            "total_rows_verified": scan.rows,
            "total_columns_verified": len(scan.header),
            "integrity_checks_passed": passed,
            "integrity_checks_failed": len(failed),
            "agents_in_manifest": agents_in_manifest,
            "data_ready_for_pipeline": ready,
            "total_transformations_logged": total_transformations,
        },
        data=data,
        findings=findings(agent_id, params, facts, failed, failed_agents, the_card),
        ai_analysis_text="\n".join([summary, *(c.message for c in failed)]),
    )
