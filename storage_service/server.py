"""Builds the StorageService's gRPC application from its settings."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from dataquality.storage.v1 import storage_service_pb2, storage_service_pb2_grpc
from dqcommon.grpc_server import GrpcApp
from storage_service.adapters.s3 import S3ObjectStore
from storage_service.config import StorageSettings
from storage_service.servicer import StorageServicer

log = logging.getLogger(__name__)

SERVICE_NAME = storage_service_pb2.DESCRIPTOR.services_by_name["StorageService"].full_name


async def create_app(settings: StorageSettings) -> GrpcApp:
    """The StorageService app: the servicer under its full name, readiness
    that follows the bucket's reachability, and shutdown hooks that close the
    HTTP pools and the I/O threads. With ``create_bucket`` set, a missing
    bucket is created first (the embedded SeaweedFS)."""
    loop = asyncio.get_running_loop()
    executor = ThreadPoolExecutor(max_workers=settings.io_threads, thread_name_prefix="storage-io")
    try:
        # Building boto3 clients reads the service model from disk.
        store = await loop.run_in_executor(executor, S3ObjectStore, settings)
        if settings.create_bucket:
            await loop.run_in_executor(executor, store.ensure_bucket)
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise

    app = GrpcApp(
        name="storage-service",
        address=settings.grpc_address,
        grace_seconds=settings.shutdown_grace_seconds,
    )
    servicer = StorageServicer(store, executor, read_chunk_bytes=settings.read_chunk_bytes)
    app.add_service(
        SERVICE_NAME, storage_service_pb2_grpc.add_StorageServiceServicer_to_server, servicer
    )

    async def bucket_reachable() -> bool:
        return await loop.run_in_executor(executor, store.is_reachable)

    async def close() -> None:
        # Queued jobs still run: they include the aborts of cancelled writes.
        await asyncio.to_thread(executor.shutdown, wait=True)
        store.close()

    app.set_readiness_check(bucket_reachable, interval_seconds=settings.readiness_interval_seconds)
    app.after_stop(close)
    log.info(
        "storage configured",
        extra={
            "bucket": settings.bucket,
            "endpoint": settings.endpoint_url or "aws-default",
            "part_bytes": settings.multipart_part_bytes,
        },
    )
    return app
