"""Re-reads the real outputs once each and runs the checks
(:mod:`.checks`): the row accounting always, the others when their
``verify_*`` flag is on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from analysis_service.cleaning.agents.cleanse_writeback import checks
from analysis_service.cleaning.agents.cleanse_writeback.check_model import Check, TypeTargets
from analysis_service.cleaning.agents.cleanse_writeback.params import WritebackParams
from analysis_service.cleaning.agents.cleanse_writeback.reread import (
    CleanedScan,
    QuarantineScan,
    scan_cleaned,
    scan_quarantine,
)
from analysis_service.cleaning.agents.cleanse_writeback.values import (
    DATETIME_TARGETS,
    NUMERIC_TARGETS,
)
from analysis_service.cleaning.model import AgentTally, ChainOutputs, CleanContext

TYPE_FIXER = "type-fixer"


@dataclass(frozen=True)
class Verification:
    outputs: ChainOutputs
    manifests: Mapping[str, Any]
    tallies: tuple[AgentTally, ...]
    cleaned: CleanedScan
    quarantine: QuarantineScan
    checks: tuple[Check, ...]  # accounting first, then the flagged checks
    original_rows: int
    original_columns: int
    dropped: tuple[str, ...]

    @property
    def flagged(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.key != "accounting")

    @property
    def accounting(self) -> Check:
        return self.checks[0]

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)


def type_targets(manifests: Mapping[str, Any]) -> TypeTargets:
    """type-fixer's converted columns from its manifest
    (``data.type_analysis.type_summary[col].target_type``); its per-column
    ``remaining_issues`` when given, else its ``remaining_type_issues`` as
    one pool."""
    fixer = manifests.get(TYPE_FIXER)
    if not isinstance(fixer, Mapping) or fixer.get("status", "success") != "success":
        return TypeTargets({}, {}, 0, "inferred")
    summary = ((fixer.get("data") or {}).get("type_analysis") or {}).get("type_summary") or {}
    targets: dict[str, str] = {}
    allowed: dict[str, int] = {}
    for column, entry in summary.items():
        if not isinstance(entry, Mapping):
            continue
        target = entry.get("target_type")
        if target in NUMERIC_TARGETS + DATETIME_TARGETS:
            targets[str(column)] = str(target)
            remaining = entry.get("remaining_issues")
            if isinstance(remaining, int) and not isinstance(remaining, bool):
                allowed[str(column)] = remaining
    pooled = (fixer.get("summary_metrics") or {}).get("remaining_type_issues") or 0
    return TypeTargets(targets, allowed, int(pooled), TYPE_FIXER)


def ordered_tallies(ctx: CleanContext[WritebackParams]) -> tuple[AgentTally, ...]:
    ids = [a for a in ctx.executed if a in ctx.tallies]
    ids += [a for a in ctx.tallies if a not in ids]
    return tuple(ctx.tallies[a] for a in ids)


def verify(ctx: CleanContext[WritebackParams]) -> Verification:
    if ctx.outputs is None:
        raise ValueError("cleanse-writeback needs the written cleaned and quarantine files")
    params, outputs = ctx.params, ctx.outputs
    manifests: Mapping[str, Any] = ctx.manifests or params.agent_manifests
    tallies = ordered_tallies(ctx)
    types = type_targets(manifests)
    cleaned = scan_cleaned(
        outputs.cleaned_csv,
        outputs.cleaned_columns,
        types.targets,
        count_duplicates=params.verify_no_duplicates,
    )
    quarantine = scan_quarantine(outputs.quarantine_csv, outputs.original_columns, ctx.input_rows)
    dropped = tuple(
        dict.fromkeys(c for t in tallies for c in t.columns_in if c not in t.columns_out)
    )
    original_rows = (
        int(params.original_row_count) if params.original_row_count is not None else ctx.input_rows
    )
    original_columns = (
        int(params.original_column_count)
        if params.original_column_count is not None
        else ctx.input_columns or len(outputs.original_columns)
    )
    found = [
        checks.accounting(ctx.input_rows, cleaned, quarantine, tallies, outputs.cleaned_columns)
    ]
    if params.verify_numeric_types:
        found.append(checks.numeric_type_integrity(cleaned, types))
    if params.verify_datetime_types:
        found.append(checks.datetime_type_integrity(cleaned, types))
    if params.verify_no_new_nulls:
        found.append(checks.no_new_nulls(cleaned, ctx.input_nulls, ctx.quarantined_nulls, tallies))
    if params.verify_no_duplicates:
        found.append(checks.no_new_duplicates(cleaned))
    if params.verify_data_retention:
        found.append(
            checks.data_retention(
                cleaned, original_rows, original_columns, outputs.original_columns, dropped
            )
        )
    return Verification(
        outputs,
        manifests,
        tallies,
        cleaned,
        quarantine,
        tuple(found),
        original_rows,
        original_columns,
        dropped,
    )
