"""The TaskService server factory: wires settings, adapters, use cases, the
dispatcher, the sweeper and the servicer into a
:class:`~dqcommon.grpc_server.GrpcApp`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from dataquality.task.v1 import task_service_pb2, task_service_pb2_grpc
from dqcommon.grpc_server import GrpcApp, insecure_channel, insecure_sync_channel
from dqcommon.tools import Catalog, default_catalog
from task_service.adapters.analysis_client import GrpcAnalysis
from task_service.adapters.db import SqlTaskRepository, create_db_engine
from task_service.adapters.migrate import upgrade
from task_service.adapters.storage_client import GrpcStorage
from task_service.config import TaskSettings
from task_service.domain.dispatcher import Dispatcher, DispatchPolicy
from task_service.domain.limits import UploadLimits
from task_service.domain.ports import Clock
from task_service.domain.service import TaskPolicy, TaskUseCases
from task_service.domain.sweeper import Sweeper, SweepPolicy
from task_service.presentation.rest_errors import error_metadata
from task_service.servicer import TaskServicer, WatchPolicy

SERVICE_NAME = task_service_pb2.DESCRIPTOR.services_by_name["TaskService"].full_name
DAY = 24 * 3600


def utc_now() -> datetime:
    return datetime.now(UTC)


async def create_app(
    settings: TaskSettings, *, clock: Clock = utc_now, catalog: Catalog | None = None
) -> GrpcApp:
    """Builds TaskService. Must run inside the event loop that will serve it."""
    engine = create_db_engine(settings.database_url)
    if settings.db_auto_migrate:
        await asyncio.to_thread(upgrade, engine)
    repo = SqlTaskRepository(engine, clock)

    storage_channel = insecure_sync_channel(settings.storage_target)
    storage = GrpcStorage(storage_channel)
    analysis_channels = [insecure_channel(t) for t in settings.analysis_target_list()]
    dispatcher: Dispatcher | None = None

    def start_processing(task_id: str, timeout: float) -> None:
        # Called from a worker thread: the dispatcher claims at once and
        # waits for the analysis service's answer.
        if dispatcher is not None and settings.dispatcher_enabled:
            dispatcher.start_now(task_id, timeout)

    def abort(task_id: str) -> None:
        if dispatcher is not None:
            dispatcher.abort(task_id)

    use_cases = TaskUseCases(
        repo=repo,
        storage=storage,
        catalog=catalog or default_catalog(),
        clock=clock,
        policy=TaskPolicy(
            upload_url_ttl_seconds=settings.upload_url_ttl_seconds,
            download_url_ttl_seconds=settings.download_url_ttl_seconds,
            delete_wait_seconds=settings.delete_wait_seconds,
            process_start_wait_seconds=settings.process_start_wait_seconds,
            limits=UploadLimits(
                default_max_bytes=settings.upload_max_bytes,
                slot_max_bytes=dict(settings.upload_slot_max_bytes),
                multipart_threshold_bytes=settings.multipart_threshold_bytes,
                multipart_part_bytes=settings.multipart_part_bytes,
            ),
        ),
        start_processing=start_processing,
        abort_analysis=abort,
    )
    dispatcher = Dispatcher(
        repo=repo,
        analyses=[GrpcAnalysis(channel) for channel in analysis_channels],
        storage=storage,
        load_parameters=use_cases.load_parameters,
        clock=clock,
        policy=DispatchPolicy(
            concurrency=settings.dispatch_concurrency,
            poll_interval_seconds=settings.dispatch_poll_interval_seconds,
            lease_seconds=settings.lease_seconds,
            max_attempts=settings.max_attempts,
            retry_backoff_seconds=settings.retry_backoff_seconds,
            busy_retry_seconds=settings.busy_retry_seconds,
            processing_timeout_seconds=settings.processing_timeout_seconds,
            cancel_check_interval_seconds=settings.cancel_check_interval_seconds,
        ),
        owner=settings.instance_id,
    )
    sweeper = Sweeper(
        repo=repo,
        storage=storage,
        clock=clock,
        policy=SweepPolicy(
            interval_seconds=settings.sweep_interval_seconds,
            abandon_after_seconds=settings.abandon_after_seconds,
            inputs_retention_seconds=settings.inputs_retention_days * DAY,
            outputs_retention_seconds=settings.outputs_retention_days * DAY,
        ),
    )

    app = GrpcApp(
        name="task-service",
        address=settings.grpc_address,
        grace_seconds=settings.shutdown_grace_seconds,
        # The REST error body travels with every error, for the gateway.
        error_metadata=error_metadata,
    )
    app.add_service(
        SERVICE_NAME,
        task_service_pb2_grpc.add_TaskServiceServicer_to_server,
        TaskServicer(
            use_cases,
            WatchPolicy(
                poll_interval_seconds=settings.watch_poll_interval_seconds,
                heartbeat_seconds=settings.watch_heartbeat_seconds,
            ),
            call_timeout_seconds=settings.call_timeout_seconds,
        ),
    )

    async def database_reachable() -> bool:
        return await asyncio.to_thread(repo.ping)

    app.set_readiness_check(database_reachable)
    if settings.dispatcher_enabled:
        app.spawn(dispatcher.run(), "dispatcher")
    if settings.sweeper_enabled:
        app.spawn(sweeper.run(), "sweeper")

    async def stop_dispatcher() -> None:
        await dispatcher.stop(settings.shutdown_grace_seconds)

    async def close() -> None:
        for channel in analysis_channels:
            await channel.close()
        storage_channel.close()
        engine.dispose()

    app.before_stop(stop_dispatcher)
    app.after_stop(close)
    # For tests and diagnostics.
    app.dispatcher = dispatcher  # type: ignore[attr-defined]
    app.repository = repo  # type: ignore[attr-defined]
    app.sweeper = sweeper  # type: ignore[attr-defined]
    return app
