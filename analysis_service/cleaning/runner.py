"""Runs the selected clean-my-data agents: the chain of data-changing agents
over the re-openable source, then every agent's result.

This is the use case the pipeline calls from a worker thread (and the
bench calls on a local file). Order of work:

1. Each request is resolved to its agent and typed parameters, in the
   tool's declared order (the pipeline orders and de-duplicates them). An
   unknown agent or parameters its dataclass refuses fail the whole run: a
   chain with a hole would write a file nobody asked for.
2. :func:`~analysis_service.cleaning.chain.run_chain` runs the
   data-changing agents (statistics pass per agent over its own input, a
   dry run when cleanse-previewer is selected, the writing pass) and
   writes the cleaned and quarantine CSVs into ``work_dir``.
3. The data-changing agents are finalized in order, each seeing the
   published results of the agents before it; then cleanse-previewer with
   the predicted tallies; then cleanse-writeback with the real outputs, the
   input's counts and every earlier result (its ``agent_manifests`` and
   original counts are filled from the run unless the user gave them).

A failure while finalizing one agent (its report cannot be built) gives
that agent an error result; the files are already right, so the others
still report. An agent's ``execution_time_ms`` is the chain's wall time
(shared by every data-changing agent, as the profile runner counts its
shared pass) plus its own ``finalize``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis_service.agents.base import AgentError, AgentOutput, Published
from analysis_service.agents.params import ParameterMismatch
from analysis_service.cleaning.chain import (
    ChainError,
    ChainRun,
    ProgressHook,
    Source,
    Step,
    run_chain,
)
from analysis_service.cleaning.model import AgentKind, ChainOutputs, CleanContext, CleaningAgent
from analysis_service.cleaning.registry import cleaning_agents

#: Names of the two CSVs in ``work_dir``.
CLEANED_NAME = "cleaned.csv"
QUARANTINE_NAME = "quarantine.csv"

#: Parameters of cleanse-writeback the runner fills from the run.
_FILLED = ("agent_manifests", "original_row_count", "original_column_count")


@dataclass(frozen=True)
class CleanRequest:
    """One selected agent: effective parameters and the user's overrides."""

    agent_id: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    overrides: Mapping[str, Any] | None = None


@dataclass
class CleanRun:
    """What the run produced: results in declared order, the chain's
    accounting and the local paths of the two CSVs."""

    outputs: list[AgentOutput]
    chain: ChainRun
    executed: tuple[str, ...]
    cleaned_csv: Path
    quarantine_csv: Path
    execution_time_ms: int


@dataclass
class _Selected:
    request: CleanRequest
    agent: CleaningAgent[Any]
    params: Any


def _resolve(
    requests: Sequence[CleanRequest], agents: Mapping[str, CleaningAgent[Any]]
) -> list[_Selected]:
    selected = []
    for request in requests:
        agent = agents.get(request.agent_id)
        if agent is None:
            raise ChainError(
                f"Agent {request.agent_id} is not available",
                code="AGENT_NOT_AVAILABLE",
                agent_id=request.agent_id,
            )
        raw = dict(request.parameters)
        if agent.kind is AgentKind.VERIFY:
            raw = {k: v for k, v in raw.items() if k not in _FILLED or v not in (None, {})}
        try:
            params = agent.parse_params(raw)
        except ParameterMismatch as exc:
            raise ChainError(
                f"Parameters of {request.agent_id}: {exc}",
                code="AGENT_PARAMETERS_INVALID",
                agent_id=request.agent_id,
            ) from exc
        selected.append(_Selected(request, agent, params))
    return selected


def _finalize(item: _Selected, ctx: CleanContext[Any], shared_ms: int) -> tuple[AgentOutput, float]:
    began = time.perf_counter()
    try:
        out = item.agent.finalize(ctx)
    except Exception as exc:  # noqa: BLE001 - one agent's report must not sink the others
        took = time.perf_counter() - began
        return (
            AgentOutput.failed(
                item.agent.agent_id,
                item.agent.agent_name,
                AgentError("AGENT_FAILED", f"{type(exc).__name__}: {exc}"),
                shared_ms + round(took * 1000),
            ),
            took,
        )
    took = time.perf_counter() - began
    return _timed(out, shared_ms + round(took * 1000)), took


def _timed(out: AgentOutput, ms: int) -> AgentOutput:
    return replace(out, execution_time_ms=ms)


def _fill_writeback(item: _Selected, run: ChainRun, manifests: Mapping[str, Any]) -> Any:
    """The writeback's params with what only the run knows (unless given)."""
    names = {f.name for f in fields(item.params)}
    given = item.request.parameters
    updates: dict[str, Any] = {}
    if "agent_manifests" in names and not given.get("agent_manifests"):
        updates["agent_manifests"] = dict(manifests)
    if "original_row_count" in names and given.get("original_row_count") is None:
        updates["original_row_count"] = run.rows_in
    if "original_column_count" in names and given.get("original_column_count") is None:
        updates["original_column_count"] = len(run.columns)
    return replace(item.params, **updates) if updates else item.params


def run_clean_agents(
    source: Source,
    requests: Sequence[CleanRequest],
    *,
    work_dir: Path,
    dialect: Mapping[str, Any] | Callable[[], Mapping[str, Any] | None] | None = None,
    encoding: str = "utf-8",
    source_name: str = "",
    cancel: Callable[[], bool] | None = None,
    agents: Mapping[str, CleaningAgent[Any]] | None = None,
    progress: ProgressHook | None = None,
) -> CleanRun:
    """Runs ``requests`` (declared order, no repeats) over ``source``;
    raises :class:`ChainError` when no trustworthy file can be written."""
    started = time.perf_counter()
    registry = agents if agents is not None else cleaning_agents()
    selected = _resolve(requests, registry)
    steps = [
        Step(s.agent, s.params, s.request.overrides)
        for s in selected
        if s.agent.kind is AgentKind.TRANSFORM
    ]
    preview = any(s.agent.kind is AgentKind.PREVIEW for s in selected)
    cleaned_csv = work_dir / CLEANED_NAME
    quarantine_csv = work_dir / QUARANTINE_NAME
    with (
        cleaned_csv.open("w", encoding=encoding, newline="") as cleaned,
        quarantine_csv.open("w", encoding=encoding, newline="") as quarantine,
    ):
        run = run_chain(
            source,
            steps,
            cleaned,
            quarantine,
            dialect=dialect,
            preview=preview,
            cancel=cancel,
            work_dir=work_dir,
            progress=progress,
        )
    shared_ms = round((time.perf_counter() - started) * 1000)
    executed = tuple(s.agent.agent_id for s in selected)
    by_step = {s.agent.agent_id: s for s in steps}
    results: dict[str, AgentOutput] = {}
    published: dict[str, Published] = {}
    manifests: dict[str, Any] = {}

    def context(item: _Selected, **extra: Any) -> CleanContext[Any]:
        return CleanContext(
            params=extra.pop("params", item.params),
            columns_in=extra.pop("columns_in", run.columns),
            overrides=item.request.overrides,
            earlier=dict(published),
            input_rows=run.rows_in,
            input_columns=len(run.columns),
            executed=executed,
            tallies=run.tallies,
            source_name=source_name,
            input_nulls=run.input_nulls,
            quarantined_nulls=run.quarantined_nulls,
            **extra,
        )

    def keep(out: AgentOutput) -> None:
        results[out.agent_id] = out
        published[out.agent_id] = out.published()
        when = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        manifests[out.agent_id] = {**out.to_dict(), "timestamp": when}

    for item in selected:
        if item.agent.kind is not AgentKind.TRANSFORM:
            continue
        step = by_step[item.agent.agent_id]
        ctx = context(
            item,
            columns_in=step.columns_in,
            plan=step.plan,
            observer=step.observer,
            tally=run.tallies.get(item.agent.agent_id),
        )
        keep(_finalize(item, ctx, shared_ms)[0])
    for step in steps:  # reported: their statistics (a duplicate index...) can go
        step.plan = step.observer = None
    for item in selected:
        if item.agent.kind is AgentKind.PREVIEW:
            keep(_finalize(item, context(item, preview=run.preview), shared_ms)[0])
    outputs = ChainOutputs(
        cleaned_csv=cleaned_csv,
        quarantine_csv=quarantine_csv,
        cleaned_columns=run.cleaned_columns,
        original_columns=run.columns,
    )
    for item in selected:
        if item.agent.kind is AgentKind.VERIFY:
            ctx = context(
                item,
                params=_fill_writeback(item, run, manifests),
                outputs=outputs,
                manifests=dict(manifests),
            )
            keep(_finalize(item, ctx, shared_ms)[0])
    return CleanRun(
        outputs=[results[a] for a in executed],
        chain=run,
        executed=executed,
        cleaned_csv=cleaned_csv,
        quarantine_csv=quarantine_csv,
        execution_time_ms=round((time.perf_counter() - started) * 1000),
    )
