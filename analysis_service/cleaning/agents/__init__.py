"""One package per cleaning agent (see cleaning/model.py).

:func:`register_all` adds each agent of this package to the registry once
(called by :func:`analysis_service.cleaning.registry.cleaning_agents`, never
at import)."""

from __future__ import annotations


def register_all() -> None:
    from analysis_service.cleaning.agents.cleanse_previewer import CleansePreviewer
    from analysis_service.cleaning.agents.cleanse_writeback import CleanseWriteback
    from analysis_service.cleaning.agents.duplicate_resolver import DuplicateResolver
    from analysis_service.cleaning.agents.field_standardization import FieldStandardization
    from analysis_service.cleaning.agents.null_handler import NullHandler
    from analysis_service.cleaning.agents.outlier_remover import OutlierRemover
    from analysis_service.cleaning.agents.quarantine_agent import QuarantineAgent
    from analysis_service.cleaning.agents.type_fixer import TypeFixer
    from analysis_service.cleaning.registry import CLEANING_AGENTS, register

    for agent in (
        CleansePreviewer(),
        QuarantineAgent(),
        TypeFixer(),
        FieldStandardization(),
        DuplicateResolver(),
        NullHandler(),
        OutlierRemover(),
        CleanseWriteback(),
    ):
        if agent.agent_id not in CLEANING_AGENTS:
            register(agent)
