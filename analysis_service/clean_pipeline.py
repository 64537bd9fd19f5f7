"""clean-my-data, end to end: the chain over the primary (fetched from
StorageService once and spooled locally, see cleaning/chain.py), then the
four outputs written back through StorageService's write stream:

* the cleaned CSV ``<stem>_cleaned_<UTC YYYYMMDD_HHMMSS>.csv`` (type
  ``cleaned_data``), in the input's CSV dialect, encoded as UTF-8;
* the quarantine CSV ``<stem>_quarantine_<same stamp>.csv`` (``quarantine``):
  every row that is not in the cleaned file, with its original values and
  ``_row_number, _agent, _rule, _reason``;
* the JSON report and the xlsx workbook in the profile tool's envelope
  (``report``);
* the manifest ``clean_my_data_manifest.json`` (``manifest``): every
  transformation and the SHA-256 of each of the other outputs.

The CSVs are written to the work directory first (bounded memory, disk of
the size of the outputs), so cleanse-writeback re-reads exactly the bytes
that are then stored; the manifest's hashes prove it.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import Any

import grpc

from analysis_service.cleaning.chain import ChainError
from analysis_service.cleaning.files import manifest, sha256_of
from analysis_service.cleaning.runner import CleanRequest, CleanRun, run_clean_agents
from analysis_service.cleaning.source import TableSource
from analysis_service.domain.errors import AnalysisCancelled, InputError
from analysis_service.domain.sources import TableBatch
from analysis_service.job import (
    Event,
    Job,
    PipelineConfig,
    ProgressReporter,
    Result,
    Storage,
    all_agents_failed,
    finished,
    input_error,
    overrides,
    source_options,
    store_output,
)
from analysis_service.report import build_report, json_bytes, write_workbook
from dqcommon.errors import ServiceError
from dqcommon.tools import Catalog, ToolDef

log = logging.getLogger(__name__)

#: Tools whose agents change data (run by this module, not the profile pass).
CLEANING_TOOLS = frozenset({"clean-my-data"})

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CSV = "text/csv"
_JSON = "application/json"

# Progress budget (percent of the analysis).
_CHAIN_END = 85
_FINAL_END = 90
_RENDER_END = 95


def stamp(now: datetime | None = None) -> str:
    """UTC ``YYYYMMDD_HHMMSS`` as the frontend knows it from the file names."""
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%d_%H%M%S")


def output_names(original_filename: str, when: str) -> tuple[str, str]:
    """Download names of the cleaned and the quarantine CSV."""
    stem = PurePath(original_filename or "data.csv").stem or "data"
    return f"{stem}_cleaned_{when}.csv", f"{stem}_quarantine_{when}.csv"


def run_clean_job(
    job: Job,
    tool: ToolDef,
    ordered: Sequence[str],
    *,
    storage: Storage,
    catalog: Catalog,
    config: PipelineConfig,
    emit: Callable[[Event], None],
    cancelled: Callable[[], bool],
) -> Result:
    """Runs a clean-my-data job whose agents are ``ordered`` (declared
    order, no repeats); raises :class:`ServiceError` with the task's error
    code when no trustworthy cleaned file can be written."""
    started = time.perf_counter()
    primary = job.inputs["primary"]
    total = len(ordered)
    reporter = ProgressReporter(emit, config.progress_interval_seconds, total)
    reporter.force(0, "reading", "")
    transforms = sum(1 for a in ordered if a not in ("cleanse-previewer", "cleanse-writeback"))
    # Passes: the source (by bytes), one per data-changing agent, the
    # preview, the quarantine file (by rows; the chain reports them).
    expected = transforms + 2 + (1 if "cleanse-previewer" in ordered else 0)
    size = max(1, primary.size_bytes)
    stage = ",".join(ordered)

    def on_batch(batch: TableBatch) -> None:
        fraction = min(1.0, source.bytes_read / size)
        reporter.maybe(int(_CHAIN_END * fraction / expected), "cleaning", stage)

    def on_pass(index: int, passes: int, fraction: float) -> None:
        reporter.maybe(int(_CHAIN_END * (index + fraction) / max(passes, 1)), "cleaning", stage)

    source = TableSource(
        lambda: storage.iter_chunks(primary.ref, etag=primary.etag, cancelled=cancelled),
        options=source_options(job, primary, catalog, config),
        batch_rows=config.batch_rows,
        cancel=cancelled,
        on_batch=on_batch,
    )
    requests = [
        CleanRequest(
            a,
            dict(job.parameters.get(a, {})),
            overrides(catalog, job.tool_id, a, job.parameters.get(a, {})),
        )
        for a in ordered
    ]
    when = stamp()
    cleaned_name, quarantine_name = output_names(primary.original_filename, when)
    with tempfile.TemporaryDirectory(prefix="cleaning-", dir=config.work_dir) as tmp:
        work = Path(tmp)
        try:
            run = run_clean_agents(
                source,
                requests,
                work_dir=work,
                dialect=lambda: _dialect(source),
                source_name=primary.original_filename,
                cancel=cancelled,
                progress=on_pass,
            )
        except InputError as exc:
            if cancelled():
                raise AnalysisCancelled() from None
            raise input_error(job, exc) from None
        except ChainError as exc:
            if cancelled():
                raise AnalysisCancelled() from None
            raise ServiceError(
                grpc.StatusCode.FAILED_PRECONDITION,
                exc.code,
                f"The data could not be cleaned: {exc}",
                metadata={"agent_id": exc.agent_id} if exc.agent_id else {},
            ) from None
        if cancelled():
            raise AnalysisCancelled()
        outcomes = tuple(finished(o) for o in run.outputs)
        failure = all_agents_failed(outcomes)
        if failure is not None:
            raise failure
        for index, outcome in enumerate(outcomes, start=1):
            emit(outcome)
            reporter.force(
                _CHAIN_END + (_FINAL_END - _CHAIN_END) * index // max(1, total),
                "finalizing",
                outcome.agent_id,
                completed=index,
            )
        reporter.force(_FINAL_END, "rendering", "", completed=total)
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
        report["cleaning"] = _cleaning_summary(run, cleaned_name, quarantine_name, source)
        prefix = tool.report_prefix or job.tool_id.replace("-", "_")
        json_path = work / f"{prefix}_analysis.json"
        json_path.write_bytes(json_bytes(report))
        xlsx_path = work / f"{prefix}_analysis.xlsx"
        write_workbook(report, xlsx_path)
        files_out = [
            (run.cleaned_csv, cleaned_name, "csv", _CSV, "cleaned_data", "Cleaned data (CSV)"),
            (
                run.quarantine_csv,
                quarantine_name,
                "csv",
                _CSV,
                "quarantine",
                "Rows moved out of the cleaned data, each with its agent, rule and reason (CSV)",
            ),
            (
                xlsx_path,
                xlsx_path.name,
                "xlsx",
                _XLSX,
                "report",
                f"{tool.name} - Complete Analysis Report (Excel)",
            ),
            (json_path, json_path.name, "json", _JSON, "report", f"{tool.name} - JSON Report"),
        ]
        hashes = {name: sha256_of(path) for path, name, *_ in files_out}
        document = manifest(run.chain, run.executed, hashes)
        document.update(
            task_id=job.task_id,
            source_file=primary.original_filename,
            created_at=datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            outputs=[
                {"name": name, "type": kind, "sha256": hashes[name], "bytes": path.stat().st_size}
                for path, name, _fmt, _mime, kind, _d in files_out
            ],
        )
        manifest_path = work / f"{prefix}_manifest.json"
        manifest_path.write_text(json.dumps(document, indent=2, ensure_ascii=False))
        files_out.append(
            (
                manifest_path,
                manifest_path.name,
                "json",
                _JSON,
                "manifest",
                "Audit manifest: every transformation and the SHA-256 of each output",
            )
        )
        if cancelled():
            raise AnalysisCancelled()
        reporter.force(_RENDER_END, "uploading_results", "", completed=total)
        outputs = []
        for path, name, fmt, mime, kind, description in files_out:
            outputs.append(
                store_output(
                    storage,
                    job,
                    path,
                    filename=name,
                    kind=kind,
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
        "cleaning finished",
        extra={
            "execution_time_ms": elapsed,
            "rows_in": run.chain.rows_in,
            "rows_cleaned": run.chain.rows_cleaned,
            "rows_quarantined": run.chain.rows_quarantined,
            "passes": run.chain.passes,
        },
    )
    return Result(outputs=tuple(outputs), agents=outcomes, execution_time_ms=elapsed)


def _dialect(source: TableSource) -> dict[str, Any] | None:
    """The input's CSV dialect (known after the first opening); None for
    XLSX (the writer's default: comma, "\\n")."""
    stats = source.stats
    if stats is None or stats.dialect is None:
        return None
    return stats.dialect.writer_options()


def _cleaning_summary(
    run: CleanRun, cleaned_name: str, quarantine_name: str, source: TableSource
) -> dict[str, Any]:
    """The report's own block: the accounting and the order that ran."""
    chain = run.chain
    return {
        "agents_executed": list(run.executed),
        "rows_in": chain.rows_in,
        "rows_cleaned": chain.rows_cleaned,
        "rows_quarantined": chain.rows_quarantined,
        "accounting_holds": chain.rows_in == chain.rows_cleaned + chain.rows_quarantined,
        "columns_in": len(chain.columns),
        "columns_out": len(chain.cleaned_columns),
        "passes_over_input": chain.passes,
        "cleaned_file": cleaned_name,
        "quarantine_file": quarantine_name,
        "input_format": source.stats.format if source.stats else None,
        "input_encoding": source.stats.encoding if source.stats else None,
        "output_encoding": "utf-8",
    }
