"""The transform agents' parameter dataclasses match the catalog entries
(same names, same defaults), so no catalog parameter is silently ignored."""

from __future__ import annotations

import pytest

from analysis_service.agents.params import AgentParams
from analysis_service.cleaning.agents.duplicate_resolver.params import DedupParams
from analysis_service.cleaning.agents.field_standardization.params import StandardizationParams
from analysis_service.cleaning.agents.null_handler.params import NullParams
from analysis_service.cleaning.agents.outlier_remover.params import OutlierParams
from analysis_service.cleaning.agents.quarantine_agent.params import QuarantineParams
from analysis_service.cleaning.agents.type_fixer.params import TypeFixerParams
from dqcommon.tools.clean_tool import (
    DUPLICATE_RESOLVER,
    FIELD_STANDARDIZATION,
    NULL_HANDLER,
    OUTLIER_REMOVER,
    QUARANTINE_AGENT,
    TYPE_FIXER,
)
from dqcommon.tools.model import AgentDef


@pytest.mark.parametrize(
    ("agent", "params"),
    [
        (DUPLICATE_RESOLVER, DedupParams),
        (NULL_HANDLER, NullParams),
        (OUTLIER_REMOVER, OutlierParams),
        (QUARANTINE_AGENT, QuarantineParams),
        (FIELD_STANDARDIZATION, StandardizationParams),
        (TYPE_FIXER, TypeFixerParams),
    ],
)
def test_params_match_catalog(agent: AgentDef, params: type[AgentParams]) -> None:
    assert params.defaults() == agent.defaults()
    assert params.from_mapping(agent.defaults()) == params()
