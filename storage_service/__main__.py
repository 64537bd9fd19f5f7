"""``python -m storage_service`` (or ``dq-storage-service``): settings from
the environment, JSON logs, serve until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging
import sys

from pydantic import ValidationError

from dqcommon.logging import configure_logging
from storage_service.config import StorageSettings
from storage_service.server import create_app

log = logging.getLogger("storage_service")


async def serve(settings: StorageSettings) -> None:
    app = await create_app(settings)
    await app.run_until_terminated()


def main() -> None:
    try:
        settings = StorageSettings()
    except ValidationError as exc:
        configure_logging("storage-service")
        # Field names and messages only: never echo values (secrets).
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        log.error("invalid configuration", extra={"problems": problems})
        sys.exit(2)
    configure_logging("storage-service", settings.log_level)
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
