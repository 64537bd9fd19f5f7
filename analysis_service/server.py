"""The AnalysisService server factory."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc

from analysis_service.adapters.storage import InputStorage
from analysis_service.agents.base import ProfileAgent
from analysis_service.config import AnalysisSettings
from analysis_service.domain.errors import AnalysisCancelled
from analysis_service.domain.sources import ReaderLimits
from analysis_service.pipeline import Event, Job, PipelineConfig, Result, run_job
from analysis_service.servicer import AnalysisServicer, Capacity
from dataquality.analysis.v1 import analysis_service_pb2, analysis_service_pb2_grpc
from dqcommon.errors import ServiceError
from dqcommon.grpc_server import GrpcApp, insecure_sync_channel
from dqcommon.tools import Catalog, default_catalog

log = logging.getLogger(__name__)

SERVICE_NAME = analysis_service_pb2.DESCRIPTOR.services_by_name["AnalysisService"].full_name


async def create_app(
    settings: AnalysisSettings,
    *,
    catalog: Catalog | None = None,
    agents: Mapping[str, ProfileAgent[Any]] | None = None,
) -> GrpcApp:
    """Builds AnalysisService. Must run inside the event loop that serves it."""
    catalog = catalog or default_catalog()
    channel = insecure_sync_channel(settings.storage_target)
    storage = InputStorage(channel, chunk_bytes=settings.read_chunk_bytes)
    config = PipelineConfig(
        batch_rows=settings.csv_batch_rows,
        progress_interval_seconds=settings.progress_interval_seconds,
        work_dir=settings.work_dir,
        limits=ReaderLimits(
            max_columns=settings.max_columns,
            batch_cells=settings.batch_cells,
            max_record_bytes=settings.max_record_bytes,
            spool_max_bytes=settings.spool_max_bytes,
            json_max_depth=settings.json_max_depth,
            xlsx_max_uncompressed_bytes=settings.xlsx_max_uncompressed_bytes,
            xlsx_max_compression_ratio=settings.xlsx_max_compression_ratio,
            xlsx_max_loaded_part_bytes=settings.xlsx_max_loaded_part_bytes,
        ),
    )
    executor = ThreadPoolExecutor(
        max_workers=settings.max_concurrent, thread_name_prefix="analysis"
    )

    def run(job: Job, emit: Callable[[Event], None], cancelled: Callable[[], bool]) -> Result:
        try:
            return run_job(
                job,
                storage=storage,
                catalog=catalog,
                config=config,
                emit=emit,
                cancelled=cancelled,
                agents=agents,
            )
        except (ServiceError, AnalysisCancelled):
            raise
        except Exception:
            log.exception("analysis failed unexpectedly")
            raise ServiceError(
                grpc.StatusCode.INTERNAL,
                "PROCESSING_ERROR",
                "The analysis failed unexpectedly; it has been logged.",
            ) from None

    app = GrpcApp(
        name="analysis-service",
        address=settings.grpc_address,
        grace_seconds=settings.shutdown_grace_seconds,
    )
    capacity = Capacity(settings.max_concurrent)
    app.add_service(
        SERVICE_NAME,
        analysis_service_pb2_grpc.add_AnalysisServiceServicer_to_server,
        AnalysisServicer(run, executor, capacity),
    )

    async def close() -> None:
        await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
        channel.close()

    app.after_stop(close)
    app.capacity = capacity  # type: ignore[attr-defined]  # for tests and diagnostics
    return app
