"""What an analysis is given and gives back, shared by the profile and
the cleaning pipelines: the job, its verified inputs, progress and agent
events, the written outputs, the StorageService port, the tunables, and the
small translations both pipelines need (parameter overrides, reader
options, reader errors, agent outcomes, declared order, throttled
progress)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import grpc

from analysis_service.agents.base import AgentOutput, AgentStatus
from analysis_service.domain.errors import InputError, TooManyColumnsError
from analysis_service.domain.sources import FORMATS, ReaderLimits, SourceOptions
from dataquality.storage.v1 import storage_service_pb2 as storage_pb
from dqcommon.errors import ServiceError
from dqcommon.naming import output_object_name
from dqcommon.tools import FILE_OPTIONS_KEY, Catalog, ToolDef


@dataclass(frozen=True)
class InputRef:
    """One verified input."""

    slot: str
    ref: storage_pb.ObjectRef
    etag: str
    size_bytes: int
    original_filename: str


@dataclass(frozen=True)
class Job:
    """What to run."""

    task_id: str
    user_id: str
    tool_id: str
    agents: tuple[str, ...]
    parameters: Mapping[str, Mapping[str, Any]]
    inputs: Mapping[str, InputRef]
    attempt: int = 1


@dataclass(frozen=True)
class Progress:
    """The analysis moved."""

    percent: int
    stage: str
    current_agent: str
    agents_total: int
    agents_completed: int


@dataclass(frozen=True)
class AgentFinished:
    """One agent's outcome."""

    agent_id: str
    succeeded: bool
    error_code: str
    error_message: str
    execution_time_ms: int
    skipped: bool = False


@dataclass(frozen=True)
class Output:
    """One file written to the task's outputs."""

    ref: storage_pb.ObjectRef
    filename: str
    type: str
    format: str
    mime_type: str
    size_bytes: int
    description: str


@dataclass(frozen=True)
class Result:
    """What a successful analysis produced."""

    outputs: tuple[Output, ...]
    agents: tuple[AgentFinished, ...]
    execution_time_ms: int


Event = Progress | AgentFinished


class Storage(Protocol):
    """What the pipeline needs from StorageService."""

    def iter_chunks(
        self, ref: storage_pb.ObjectRef, *, etag: str = "", cancelled: Callable[[], bool] = ...
    ) -> Any: ...

    def write_file(
        self,
        ref: storage_pb.ObjectRef,
        path: Path,
        content_type: str,
        *,
        cancelled: Callable[[], bool] = ...,
    ) -> Any: ...


@dataclass(frozen=True)
class PipelineConfig:
    """Tunables (from settings)."""

    batch_rows: int = 50_000
    progress_interval_seconds: float = 0.25
    work_dir: Path | None = None
    limits: ReaderLimits = field(default_factory=ReaderLimits)


def source_options(
    job: Job, item: InputRef, catalog: Catalog, config: PipelineConfig
) -> SourceOptions:
    """How to read one input: the formats its slot accepts, its file
    options (``parameters["files"][slot]``, e.g. the sheet), the limits."""
    tool = catalog.tool(job.tool_id)
    spec = tool.slot(item.slot) if tool else None
    formats = tuple(f for f in spec.formats if f in FORMATS) if spec else FORMATS
    options = dict(job.parameters.get(FILE_OPTIONS_KEY, {}).get(item.slot) or {})
    sheet = options.get("sheet")
    return SourceOptions(
        slot=item.slot,
        name=item.original_filename or item.ref.name,
        formats=formats or FORMATS,
        sheet=sheet if isinstance(sheet, str) and sheet else None,
        limits=config.limits,
        work_dir=config.work_dir,
    )


def input_error(job: Job, exc: InputError) -> ServiceError:
    """A file that cannot be read fails the task with the reader's code."""
    slot = exc.slot or "primary"
    item = job.inputs.get(slot)
    name = f" '{item.original_filename}'" if item is not None and item.original_filename else ""
    metadata = {"slot": slot}
    if exc.row is not None:
        metadata["row"] = str(exc.row)
    if isinstance(exc, TooManyColumnsError):
        metadata.update(columns=str(exc.columns), limit=str(exc.limit))
    return ServiceError(
        grpc.StatusCode.INVALID_ARGUMENT,
        exc.code,
        f"The {slot} file{name} cannot be analysed: {exc}",
        metadata=metadata,
    )


def declared_order(tool: ToolDef, agents: Sequence[str]) -> tuple[str, ...]:
    """``agents`` without repeats, in the tool's declared order (agents the
    tool does not declare keep their relative order, after the others)."""
    declared = [a.agent_id for a in tool.agents]
    unique = list(dict.fromkeys(agents))
    return tuple(
        sorted(unique, key=lambda a: declared.index(a) if a in declared else len(declared))
    )


def finished(output: AgentOutput) -> AgentFinished:
    return AgentFinished(
        agent_id=output.agent_id,
        succeeded=output.ok,
        error_code=output.error.code if output.error else "",
        error_message=output.error.message if output.error else "",
        execution_time_ms=output.execution_time_ms,
        skipped=output.status is AgentStatus.SKIPPED,
    )


def overrides(
    catalog: Catalog, tool_id: str, agent_id: str, effective: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The parameters that differ from the agent's defaults."""
    tool = catalog.tool(tool_id)
    agent = tool.agent(agent_id) if tool else None
    if agent is None:
        return None
    defaults = agent.defaults()
    changed = {k: v for k, v in effective.items() if defaults.get(k) != v}
    return changed or None


class ProgressReporter:
    """Emits progress at most every ``interval`` seconds (forced events always)."""

    def __init__(self, emit: Callable[[Event], None], interval: float, total: int) -> None:
        self._emit = emit
        self._interval = interval
        self._total = total
        self._last = 0.0
        self._last_percent = -1

    def maybe(self, percent: int, stage: str, agent: str) -> None:
        now = time.monotonic()
        if percent != self._last_percent and now - self._last >= self._interval:
            self.force(percent, stage, agent)

    def force(self, percent: int, stage: str, agent: str, completed: int = 0) -> None:
        self._last = time.monotonic()
        self._last_percent = percent
        self._emit(
            Progress(
                percent=min(100, max(0, percent)),
                stage=stage,
                current_agent=agent,
                agents_total=self._total,
                agents_completed=completed,
            )
        )


def all_agents_failed(outcomes: Sequence[AgentFinished]) -> ServiceError | None:
    """ALL_AGENTS_FAILED naming the first real failure, or None if one succeeded."""
    if any(o.succeeded for o in outcomes):
        return None
    first = next((o for o in outcomes if not o.skipped), outcomes[0])
    return ServiceError(
        grpc.StatusCode.FAILED_PRECONDITION,
        "ALL_AGENTS_FAILED",
        f"No agent succeeded; {first.agent_id} failed with {first.error_code}: "
        f"{first.error_message}",
        metadata={"agents": ",".join(o.agent_id for o in outcomes)},
    )


def store_output(
    storage: Storage,
    job: Job,
    path: Path,
    *,
    filename: str,
    kind: str,
    fmt: str,
    mime: str,
    description: str,
    cancelled: Callable[[], bool],
) -> Output:
    """Writes one local file to the task's outputs (this attempt's name)
    through StorageService's write stream."""
    ref = storage_pb.ObjectRef(
        user_id=job.user_id,
        task_id=job.task_id,
        area=storage_pb.ObjectRef.AREA_OUTPUTS,
        name=output_object_name(job.attempt, filename),
    )
    stored = storage.write_file(ref, path, mime, cancelled=cancelled)
    return Output(
        ref=ref,
        filename=filename,
        type=kind,
        format=fmt,
        mime_type=mime,
        size_bytes=stored.size_bytes,
        description=description,
    )
