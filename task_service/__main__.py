"""``python -m task_service``: runs TaskService until SIGTERM."""

from __future__ import annotations

import asyncio
from pathlib import Path

from dqcommon.logging import configure_logging
from task_service.config import TaskSettings
from task_service.server import create_app


async def _serve(settings: TaskSettings) -> None:
    app = await create_app(settings)
    await app.run_until_terminated()


def main() -> None:
    settings = TaskSettings()
    configure_logging("task-service", settings.log_level)
    if settings.database_url.startswith("sqlite:///"):
        # A relative SQLite path needs its folder.
        path = Path(settings.database_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(_serve(settings))


if __name__ == "__main__":
    main()
