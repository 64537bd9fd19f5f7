"""Runs the selected profile agents over ONE streaming pass of each input.

This is the use case the pipeline calls from a worker thread: it hands in
the chunk iterators (from StorageService.ReadObject), the selected agents
with their validated parameters, a ``cancel`` hook and a ``progress``
callback, and gets back every agent's output, failed ones included.

Order of work
    1. Each request is resolved to an agent and its typed parameters.
    2. If a selected agent uses the baseline and one was given, the baseline
       is read first: shared profile + those agents' baseline observers.
    3. The primary is read once: shared profile + every agent's observer,
       created before the first batch with the finished baseline.
    4. Agents are finalized in request order; each sees the published
       results of the agents finalized before it.

Reading happens in one place (:func:`_read`), the only user of the
reader factory :func:`~analysis_service.domain.sources.open_table` (CSV,
JSON or XLSX, decided by content).

An agent's ``execution_time_ms`` is the wall time its result needed: the
shared pass(es) it used, plus its own observers and ``finalize`` (the shared
part is counted for every agent; the task's total is measured separately).

Failure policy: a primary that cannot be read as a table raises an
:class:`~analysis_service.domain.errors.InputError` (no agent can run),
cancellation raises :class:`~analysis_service.domain.errors.AnalysisCancelled`.
A baseline that cannot be read fails only the agents that need it
(``INVALID_BASELINE``, with the reader's reason). An agent that fails (unknown id, parameters its
dataclass refuses, missing baseline, an exception in its observer or in
``finalize``) yields an error output; the others still run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from analysis_service.agents.base import (
    AgentContext,
    AgentError,
    AgentOutput,
    Baseline,
    BaselineUse,
    Observer,
    ProfileAgent,
    Published,
)
from analysis_service.agents.params import AgentParams, ParameterMismatch
from analysis_service.agents.registry import implemented_agents
from analysis_service.domain.errors import InputError
from analysis_service.domain.profile import DatasetProfile, DatasetProfiler, ProfileConfig
from analysis_service.domain.sources import SourceOptions, open_table

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class AgentRequest:
    """One selected agent: effective parameters and the user's overrides."""

    agent_id: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    overrides: Mapping[str, Any] | None = None


@dataclass
class ProfileRun:
    """Outputs in request order, the profiles, and the passes' wall time."""

    outputs: list[AgentOutput]
    primary: DatasetProfile
    baseline: DatasetProfile | None
    execution_time_ms: int


@dataclass
class _Selected:
    request: AgentRequest
    agent: ProfileAgent[Any]
    params: AgentParams
    baseline_observer: Observer | None = None
    observer: Observer | None = None


def _agent_error(exc: Exception) -> AgentError:
    return AgentError("AGENT_FAILED", str(exc) or repr(exc))


def _read(
    chunks: Iterable[bytes],
    *,
    config: ProfileConfig,
    batch_rows: int,
    cancel: Callable[[], bool] | None,
    make_observers: Callable[[list[str]], dict[str, Observer]],
    errors: dict[str, AgentError],
    progress: Callable[[int, int], None] | None,
    own_seconds: dict[str, float],
    source: SourceOptions | None = None,
) -> tuple[DatasetProfile, float]:
    """One pass over one file: the shared profile plus the observers made
    from its column names (an observer that raises is dropped and its
    agent fails). Returns the profile and the pass's seconds without the
    observers (which go to ``own_seconds`` by agent)."""
    started = time.perf_counter()
    # Releases its spool file when iterated to the end or garbage-collected.
    reader = open_table(chunks, options=source, batch_rows=batch_rows, cancel=cancel)
    profiler = DatasetProfiler(reader.columns, config)
    observers = make_observers(list(reader.columns))
    spent = 0.0
    for batch in reader:
        profiler.consume(batch)
        for agent_id, observer in list(observers.items()):
            began = time.perf_counter()
            try:
                observer.consume(batch)
            except Exception as exc:  # noqa: BLE001 - an agent's bug must not stop the pass
                errors[agent_id] = _agent_error(exc)
                del observers[agent_id]
            took = time.perf_counter() - began
            own_seconds[agent_id] = own_seconds.get(agent_id, 0.0) + took
            spent += took
        if progress is not None:
            progress(batch.stats.rows, batch.bytes_read)
    profiler.set_source(reader.stats)
    profile = profiler.finish()
    return profile, time.perf_counter() - started - spent


def _resolve(
    requests: Sequence[AgentRequest],
    agents: Mapping[str, ProfileAgent[Any]],
    errors: dict[str, AgentError],
) -> list[_Selected]:
    selected = []
    for request in requests:
        agent = agents.get(request.agent_id)
        if agent is None:
            errors[request.agent_id] = AgentError(
                "AGENT_NOT_IMPLEMENTED", f"Agent {request.agent_id} is not available yet"
            )
            continue
        try:
            params = agent.parse_params(request.parameters)
        except ParameterMismatch as exc:
            errors[request.agent_id] = AgentError(
                "AGENT_PARAMETERS_INVALID", f"Parameters of {request.agent_id}: {exc}"
            )
            continue
        selected.append(_Selected(request, agent, params))
    return selected


def _observers(
    selected: Sequence[_Selected],
    errors: dict[str, AgentError],
    make: Callable[[_Selected], Observer | None],
    keep: Callable[[_Selected, Observer], None],
) -> dict[str, Observer]:
    made: dict[str, Observer] = {}
    for item in selected:
        agent_id = item.request.agent_id
        if agent_id in errors:
            continue
        try:
            observer = make(item)
        except Exception as exc:  # noqa: BLE001 - becomes this agent's error result
            errors[agent_id] = _agent_error(exc)
            continue
        if observer is not None:
            made[agent_id] = observer
            keep(item, observer)
    return made


def uses_baseline(
    agent_ids: Sequence[str], agents: Mapping[str, ProfileAgent[Any]] | None = None
) -> bool:
    """Whether any of these agents reads the baseline (so it is worth streaming)."""
    agents = agents if agents is not None else implemented_agents()
    return any(
        (agent := agents.get(a)) is not None and agent.baseline is not BaselineUse.NONE
        for a in agent_ids
    )


def run_profile_agents(
    primary: Iterable[bytes],
    requests: Sequence[AgentRequest],
    *,
    baseline: Iterable[bytes] | None = None,
    config: ProfileConfig | None = None,
    batch_rows: int = 50_000,
    cancel: Callable[[], bool] | None = None,
    progress: Progress | None = None,
    agents: Mapping[str, ProfileAgent[Any]] | None = None,
    primary_source: SourceOptions | None = None,
    baseline_source: SourceOptions | None = None,
) -> ProfileRun:
    """Profiles the baseline (if an agent uses it) and then ``primary``,
    once each, and finalizes every requested agent.

    ``progress(rows, bytes)`` is called after each batch, with the rows of
    the file being read and the bytes read so far over both files (baseline
    first). ``agents`` defaults to every implemented one.
    ``primary_source``/``baseline_source`` say how to read each file (slot,
    name, accepted formats, sheet, limits); any CSV, JSON or XLSX by default.
    """
    started = time.perf_counter()
    config = config or ProfileConfig()
    agents = dict(agents) if agents is not None else implemented_agents()
    errors: dict[str, AgentError] = {}
    selected = _resolve(requests, agents, errors)
    users = [s for s in selected if s.agent.baseline is not BaselineUse.NONE]
    for item in users:
        if item.agent.baseline is BaselineUse.REQUIRED and baseline is None:
            errors[item.request.agent_id] = AgentError(
                "BASELINE_REQUIRED", f"{item.agent.agent_name} needs a baseline file"
            )

    baseline_profile: DatasetProfile | None = None
    baseline_bytes = 0
    baseline_seconds = 0.0
    own_seconds: dict[str, float] = {}
    wanted = [s for s in users if s.request.agent_id not in errors]
    if baseline is not None and wanted:

        def baseline_progress(rows: int, bytes_read: int) -> None:
            nonlocal baseline_bytes
            baseline_bytes = bytes_read
            if progress is not None:
                progress(rows, bytes_read)

        try:
            baseline_profile, baseline_seconds = _read(
                baseline,
                config=config,
                batch_rows=batch_rows,
                cancel=cancel,
                make_observers=lambda columns: _observers(
                    wanted,
                    errors,
                    lambda s: s.agent.baseline_observer(s.params, columns),
                    lambda s, o: setattr(s, "baseline_observer", o),
                ),
                errors=errors,
                progress=baseline_progress,
                own_seconds=own_seconds,
                source=baseline_source or SourceOptions(slot="baseline"),
            )
        except InputError as exc:
            for item in wanted:
                errors.setdefault(
                    item.request.agent_id,
                    AgentError(
                        "INVALID_BASELINE", f"The baseline file cannot be read ({exc.code}): {exc}"
                    ),
                )

    def baseline_for(item: _Selected) -> Baseline | None:
        if baseline_profile is None or item.agent.baseline is BaselineUse.NONE:
            return None
        return Baseline(baseline_profile, item.baseline_observer)

    def primary_progress(rows: int, bytes_read: int) -> None:
        if progress is not None:
            progress(rows, baseline_bytes + bytes_read)

    primary_profile, primary_seconds = _read(
        primary,
        config=config,
        batch_rows=batch_rows,
        cancel=cancel,
        make_observers=lambda columns: _observers(
            selected,
            errors,
            lambda s: s.agent.observer(s.params, columns, baseline_for(s)),
            lambda s, o: setattr(s, "observer", o),
        ),
        errors=errors,
        progress=primary_progress,
        own_seconds=own_seconds,
        source=primary_source,
    )

    by_id = {s.request.agent_id: s for s in selected}
    outputs: list[AgentOutput] = []
    published: dict[str, Published] = {}
    for request in requests:
        found = by_id.get(request.agent_id)
        name = found.agent.agent_name if found is not None else request.agent_id
        if request.agent_id in errors or found is None:
            error = errors.get(request.agent_id) or AgentError("AGENT_FAILED", "not run")
            if error.code == "BASELINE_REQUIRED":  # no baseline given: not a failure
                outputs.append(AgentOutput.skipped(request.agent_id, name, error))
                continue
            outputs.append(AgentOutput.failed(request.agent_id, name, error))
            continue
        item = found
        shared = primary_seconds + (baseline_seconds if baseline_for(item) else 0.0)
        outputs.append(
            _finalize(
                item,
                shared + own_seconds.get(request.agent_id, 0.0),
                AgentContext(
                    params=item.params,
                    primary=primary_profile,
                    overrides=request.overrides,
                    baseline=baseline_for(item),
                    observer=item.observer,
                    earlier=dict(published),
                ),
            )
        )
        published[request.agent_id] = outputs[-1].published()
    return ProfileRun(
        outputs=outputs,
        primary=primary_profile,
        baseline=baseline_profile,
        execution_time_ms=round((time.perf_counter() - started) * 1000),
    )


def _finalize(item: _Selected, seconds_before: float, ctx: AgentContext[Any]) -> AgentOutput:
    started = time.perf_counter()
    try:
        output = item.agent.finalize(ctx)
    except Exception as exc:  # noqa: BLE001 - isolate agents from each other
        elapsed = round((seconds_before + time.perf_counter() - started) * 1000)
        return AgentOutput.failed(
            item.request.agent_id, item.agent.agent_name, _agent_error(exc), elapsed
        )
    elapsed = round((seconds_before + time.perf_counter() - started) * 1000)
    return replace(output, execution_time_ms=elapsed)
