"""One analysis, end to end: stream the inputs from StorageService, run the
agents in one pass, render the reports, write them back. Runs in a worker
thread; reports progress through ``emit`` and stops between chunks when
``cancelled()`` turns true.

Agents run in the tool's declared order whatever order the request lists
(an agent listed twice runs once), so an agent that reads the findings of
the others (readiness-rater) comes after them; the report says which order
ran (``metadata.agents_executed``)."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import grpc

from analysis_service.agents.base import AgentOutput, AgentStatus, ProfileAgent
from analysis_service.agents.runner import AgentRequest, run_profile_agents, uses_baseline
from analysis_service.domain.errors import AnalysisCancelled, InputError, TooManyColumnsError
from analysis_service.domain.sources import FORMATS, ReaderLimits, SourceOptions
from analysis_service.report import build_report, json_bytes, write_workbook
from dataquality.storage.v1 import storage_service_pb2 as storage_pb
from dqcommon.errors import ServiceError
from dqcommon.naming import output_object_name
from dqcommon.tools import FILE_OPTIONS_KEY, Catalog, ToolDef

log = logging.getLogger(__name__)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


# Progress budget of an analysis (percent of the analysis, not of the task).
_READ_END = 85
_AGENTS_END = 90
_RENDER_END = 95


def run_job(
    job: Job,
    *,
    storage: Storage,
    catalog: Catalog,
    config: PipelineConfig,
    emit: Callable[[Event], None],
    cancelled: Callable[[], bool],
    agents: Mapping[str, ProfileAgent[Any]] | None = None,
) -> Result:
    """Runs ``job``; raises :class:`ServiceError` with the error code to put
    on the task when the analysis cannot produce a result."""
    started = time.perf_counter()
    tool = catalog.tool(job.tool_id)
    if tool is None:
        raise ServiceError(
            grpc.StatusCode.INVALID_ARGUMENT, "INVALID_TOOL_ID", f"Unknown tool '{job.tool_id}'."
        )
    primary = job.inputs.get("primary")
    if primary is None:
        raise ServiceError(
            grpc.StatusCode.INVALID_ARGUMENT,
            "FILES_NOT_FOUND",
            "The analysis needs a primary input file.",
            metadata={"missing_files": "primary"},
        )
    ordered = declared_order(tool, job.agents)
    total = len(ordered)
    baseline = job.inputs.get("baseline")
    if baseline is not None and not uses_baseline(ordered, agents):
        baseline = None  # uploaded, but no selected agent reads it: not streamed
    total_bytes = max(1, primary.size_bytes + (baseline.size_bytes if baseline else 0))
    reporter = _ProgressReporter(emit, config.progress_interval_seconds, total)
    reporter.force(0, "reading", "")

    def on_batch(rows: int, bytes_read: int) -> None:
        reporter.maybe(bytes_read * _READ_END // total_bytes, "profiling", ",".join(ordered))

    requests = [
        AgentRequest(
            agent_id=agent_id,
            parameters=dict(job.parameters.get(agent_id, {})),
            overrides=_overrides(catalog, job.tool_id, agent_id, job.parameters.get(agent_id, {})),
        )
        for agent_id in ordered
    ]
    try:
        run = run_profile_agents(
            storage.iter_chunks(primary.ref, etag=primary.etag, cancelled=cancelled),
            requests,
            baseline=(
                storage.iter_chunks(baseline.ref, etag=baseline.etag, cancelled=cancelled)
                if baseline
                else None
            ),
            batch_rows=config.batch_rows,
            cancel=cancelled,
            progress=on_batch,
            agents=agents,
            primary_source=_source_options(job, primary, catalog, config),
            baseline_source=_source_options(job, baseline, catalog, config) if baseline else None,
        )
    except InputError as exc:
        if cancelled():  # a stream cut short by the cancellation is not the file's fault
            raise AnalysisCancelled() from None
        raise _input_error(job, exc) from None
    if cancelled():
        raise AnalysisCancelled()

    finished = tuple(_finished(o) for o in run.outputs)
    for index, outcome in enumerate(finished, start=1):
        emit(outcome)
        reporter.force(
            _READ_END + (_AGENTS_END - _READ_END) * index // max(1, total),
            "finalizing",
            outcome.agent_id,
            completed=index,
        )
    if not any(o.succeeded for o in finished):
        first = next((o for o in finished if not o.skipped), finished[0])
        raise ServiceError(
            grpc.StatusCode.FAILED_PRECONDITION,
            "ALL_AGENTS_FAILED",
            f"No agent succeeded; {first.agent_id} failed with {first.error_code}: "
            f"{first.error_message}",
            metadata={"agents": ",".join(o.agent_id for o in finished)},
        )

    reporter.force(_AGENTS_END, "rendering", "", completed=total)
    files = {
        slot: {"name": i.original_filename, "size_bytes": i.size_bytes}
        for slot, i in job.inputs.items()
    }
    report = build_report(
        tool_id=job.tool_id,
        analysis_id=job.task_id,
        outputs=run.outputs,
        execution_time_ms=round((time.perf_counter() - started) * 1000),
        files=files,
        catalog=catalog,
    )
    prefix = tool.report_prefix or job.tool_id.replace("-", "_")
    outputs: list[Output] = []
    with tempfile.TemporaryDirectory(prefix="analysis-", dir=config.work_dir) as tmp:
        work = Path(tmp)
        json_path = work / f"{prefix}_analysis.json"
        json_path.write_bytes(json_bytes(report))
        xlsx_path = work / f"{prefix}_analysis.xlsx"
        write_workbook(report, xlsx_path)
        if cancelled():
            raise AnalysisCancelled()
        reporter.force(_RENDER_END, "uploading_results", "", completed=total)
        for path, fmt, mime, description in (
            (xlsx_path, "xlsx", XLSX_MIME, f"{tool.name} - Complete Analysis Report (Excel)"),
            (json_path, "json", "application/json", f"{tool.name} - JSON Report"),
        ):
            ref = storage_pb.ObjectRef(
                user_id=job.user_id,
                task_id=job.task_id,
                area=storage_pb.ObjectRef.AREA_OUTPUTS,
                name=output_object_name(job.attempt, path.name),
            )
            stored = storage.write_file(ref, path, mime, cancelled=cancelled)
            outputs.append(
                Output(
                    ref=ref,
                    filename=path.name,
                    type="report",
                    format=fmt,
                    mime_type=mime,
                    size_bytes=stored.size_bytes,
                    description=description,
                )
            )
            if cancelled():
                raise AnalysisCancelled()
    elapsed = round((time.perf_counter() - started) * 1000)
    log.info(
        "analysis finished",
        extra={
            "execution_time_ms": elapsed,
            "rows": run.primary.rows,
            "columns": len(run.primary.columns),
        },
    )
    return Result(outputs=tuple(outputs), agents=finished, execution_time_ms=elapsed)


def _source_options(
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


def _input_error(job: Job, exc: InputError) -> ServiceError:
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


def _finished(output: AgentOutput) -> AgentFinished:
    return AgentFinished(
        agent_id=output.agent_id,
        succeeded=output.ok,
        error_code=output.error.code if output.error else "",
        error_message=output.error.message if output.error else "",
        execution_time_ms=output.execution_time_ms,
        skipped=output.status is AgentStatus.SKIPPED,
    )


def _overrides(
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


class _ProgressReporter:
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
