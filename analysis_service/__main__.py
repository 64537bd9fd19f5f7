"""``python -m analysis_service``: runs AnalysisService until SIGTERM."""

from __future__ import annotations

import asyncio

from analysis_service.config import AnalysisSettings
from analysis_service.server import create_app
from dqcommon.logging import configure_logging


async def _serve(settings: AnalysisSettings) -> None:
    app = await create_app(settings)
    await app.run_until_terminated()


def main() -> None:
    settings = AnalysisSettings()
    configure_logging("analysis-service", settings.log_level)
    asyncio.run(_serve(settings))


if __name__ == "__main__":
    main()
