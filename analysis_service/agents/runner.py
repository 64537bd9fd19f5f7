"""Runs the selected profile agents over ONE streaming pass of the input.

This is the use case the gRPC servicer calls from a worker thread: it hands
in the chunk iterators (from StorageService.ReadObject), the selected agents
with their validated parameters, a ``cancel`` hook and a ``progress``
callback, and gets back every agent's output, failed ones included.

Failure policy: a file that cannot be read as a table raises an
:class:`~analysis_service.domain.errors.InputError` (no agent can run),
cancellation raises :class:`~analysis_service.domain.errors.AnalysisCancelled`.
An agent that fails (unknown id, missing baseline, an exception in its
observer or ``finalize``) yields an error output; the others still run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from analysis_service.agents.base import (
    AgentContext,
    AgentError,
    AgentOutput,
    BatchObserver,
    ProfileAgent,
)
from analysis_service.agents.registry import implemented_agents
from analysis_service.domain.profile import DatasetProfile, DatasetProfiler, ProfileConfig
from analysis_service.domain.sources import SourceOptions, open_table


@dataclass(frozen=True)
class AgentRequest:
    """One selected agent: effective parameters and the user's overrides."""

    agent_id: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    overrides: Mapping[str, Any] | None = None


@dataclass
class ProfileRun:
    """Outputs in request order, the profiles, and the pass's wall time."""

    outputs: list[AgentOutput]
    primary: DatasetProfile
    baseline: DatasetProfile | None
    execution_time_ms: int


def _profile_stream(
    chunks: Iterable[bytes],
    *,
    config: ProfileConfig,
    batch_rows: int,
    cancel: Callable[[], bool] | None,
    make_observers: Callable[[list[str]], None],
    observers: dict[str, BatchObserver],
    observer_errors: dict[str, AgentError],
    progress: Callable[[int, int], None] | None,
    source: SourceOptions | None = None,
) -> DatasetProfile:
    # Releases its spool file when iterated to the end or garbage-collected.
    reader = open_table(chunks, options=source, batch_rows=batch_rows, cancel=cancel)
    profiler = DatasetProfiler(reader.columns, config)
    make_observers(reader.columns)
    for batch in reader:
        profiler.consume(batch)
        for agent_id, observer in list(observers.items()):
            try:
                observer.consume(batch)
            except Exception as exc:  # noqa: BLE001 - an agent's bug must not stop the pass
                observer_errors[agent_id] = AgentError("AGENT_FAILED", str(exc) or repr(exc))
                del observers[agent_id]
        if progress is not None:
            progress(batch.stats.rows, batch.bytes_read)
    profiler.set_source(reader.stats)
    return profiler.finish()


def run_profile_agents(
    primary: Iterable[bytes],
    requests: Sequence[AgentRequest],
    *,
    baseline: Iterable[bytes] | None = None,
    config: ProfileConfig | None = None,
    batch_rows: int = 50_000,
    cancel: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
    agents: Mapping[str, ProfileAgent] | None = None,
    primary_source: SourceOptions | None = None,
    baseline_source: SourceOptions | None = None,
) -> ProfileRun:
    """Profiles ``primary`` once (and ``baseline`` if an agent needs it) and
    finalizes every requested agent. ``progress(rows, bytes_read)`` is called
    after each primary batch. ``agents`` defaults to every implemented one.
    ``primary_source``/``baseline_source`` say how to read each file (slot,
    name, accepted formats, sheet, limits); any CSV, JSON or XLSX by default."""
    started = time.perf_counter()
    config = config or ProfileConfig()
    agents = dict(agents) if agents is not None else implemented_agents()
    errors: dict[str, AgentError] = {}
    observers: dict[str, BatchObserver] = {}
    for request in requests:
        agent = agents.get(request.agent_id)
        if agent is None:
            errors[request.agent_id] = AgentError(
                "AGENT_NOT_IMPLEMENTED", f"Agent {request.agent_id} is not available yet"
            )
            continue
        if agent.needs_baseline and baseline is None:
            errors[request.agent_id] = AgentError(
                "BASELINE_REQUIRED", f"{agent.agent_name} needs a baseline file"
            )

    def make_observers(columns: list[str]) -> None:
        for request in requests:
            agent = agents.get(request.agent_id)
            if agent is None or request.agent_id in errors:
                continue
            try:
                observer = agent.observer(request.parameters, columns)
            except Exception as exc:  # noqa: BLE001 - becomes this agent's error result
                errors[request.agent_id] = AgentError("AGENT_FAILED", str(exc) or repr(exc))
                continue
            if observer is not None:
                observers[request.agent_id] = observer

    primary_profile = _profile_stream(
        primary,
        config=config,
        batch_rows=batch_rows,
        cancel=cancel,
        make_observers=make_observers,
        observers=observers,
        observer_errors=errors,
        progress=progress,
        source=primary_source,
    )
    baseline_profile = None
    wants_baseline = any(
        (a := agents.get(r.agent_id)) is not None and a.needs_baseline for r in requests
    )
    if baseline is not None and wants_baseline:
        baseline_profile = _profile_stream(
            baseline,
            config=config,
            batch_rows=batch_rows,
            cancel=cancel,
            make_observers=lambda _columns: None,
            observers={},
            observer_errors={},
            progress=None,
            source=baseline_source or SourceOptions(slot="baseline"),
        )

    outputs: list[AgentOutput] = []
    for request in requests:
        agent = agents.get(request.agent_id)
        name = agent.agent_name if agent is not None else request.agent_id
        if request.agent_id in errors:
            outputs.append(AgentOutput.failed(request.agent_id, name, errors[request.agent_id]))
            continue
        assert agent is not None
        agent_started = time.perf_counter()
        try:
            output = agent.finalize(
                AgentContext(
                    primary=primary_profile,
                    parameters=request.parameters,
                    overrides=request.overrides,
                    baseline=baseline_profile,
                    observer=observers.get(request.agent_id),
                )
            )
        except Exception as exc:  # noqa: BLE001 - isolate agents from each other
            elapsed = round((time.perf_counter() - agent_started) * 1000)
            output = AgentOutput.failed(
                request.agent_id,
                name,
                AgentError("AGENT_FAILED", str(exc) or repr(exc)),
                elapsed,
            )
        outputs.append(output)
    return ProfileRun(
        outputs=outputs,
        primary=primary_profile,
        baseline=baseline_profile,
        execution_time_ms=round((time.perf_counter() - started) * 1000),
    )
