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
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import grpc

from analysis_service.agents.base import ProfileAgent
from analysis_service.agents.runner import AgentRequest, run_profile_agents, uses_baseline
from analysis_service.clean_pipeline import CLEANING_TOOLS, run_clean_job
from analysis_service.domain.errors import AnalysisCancelled, InputError
from analysis_service.job import (
    AgentFinished,
    Event,
    InputRef,
    Job,
    Output,
    PipelineConfig,
    Progress,
    ProgressReporter,
    Result,
    Storage,
    all_agents_failed,
    declared_order,
    finished,
    input_error,
    overrides,
    source_options,
    store_output,
)
from analysis_service.report import build_report, json_bytes, write_workbook
from dqcommon.errors import ServiceError
from dqcommon.tools import Catalog

__all__ = [
    "AgentFinished",
    "Event",
    "InputRef",
    "Job",
    "Output",
    "PipelineConfig",
    "Progress",
    "Result",
    "Storage",
    "declared_order",
    "run_job",
]

log = logging.getLogger(__name__)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    if job.tool_id in CLEANING_TOOLS:
        return run_clean_job(
            job,
            tool,
            ordered,
            storage=storage,
            catalog=catalog,
            config=config,
            emit=emit,
            cancelled=cancelled,
        )
    total = len(ordered)
    baseline = job.inputs.get("baseline")
    if baseline is not None and not uses_baseline(ordered, agents):
        baseline = None  # uploaded, but no selected agent reads it: not streamed
    total_bytes = max(1, primary.size_bytes + (baseline.size_bytes if baseline else 0))
    reporter = ProgressReporter(emit, config.progress_interval_seconds, total)
    reporter.force(0, "reading", "")

    def on_batch(rows: int, bytes_read: int) -> None:
        reporter.maybe(bytes_read * _READ_END // total_bytes, "profiling", ",".join(ordered))

    requests = [
        AgentRequest(
            agent_id=agent_id,
            parameters=dict(job.parameters.get(agent_id, {})),
            overrides=overrides(catalog, job.tool_id, agent_id, job.parameters.get(agent_id, {})),
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
            primary_source=source_options(job, primary, catalog, config),
            baseline_source=source_options(job, baseline, catalog, config) if baseline else None,
        )
    except InputError as exc:
        if cancelled():  # a stream cut short by the cancellation is not the file's fault
            raise AnalysisCancelled() from None
        raise input_error(job, exc) from None
    if cancelled():
        raise AnalysisCancelled()

    outcomes = tuple(finished(o) for o in run.outputs)
    for index, outcome in enumerate(outcomes, start=1):
        emit(outcome)
        reporter.force(
            _READ_END + (_AGENTS_END - _READ_END) * index // max(1, total),
            "finalizing",
            outcome.agent_id,
            completed=index,
        )
    failure = all_agents_failed(outcomes)
    if failure is not None:
        raise failure

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
            outputs.append(
                store_output(
                    storage,
                    job,
                    path,
                    filename=path.name,
                    kind="report",
                    fmt=fmt,
                    mime=mime,
                    description=description,
                    cancelled=cancelled,
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
    return Result(outputs=tuple(outputs), agents=outcomes, execution_time_ms=elapsed)
