"""cleanse-previewer (AgentKind.PREVIEW): writes nothing. When it is
selected the chain's applications are a dry run (``run_chain(...,
preview=True)``): the last agent's output is spooled too, and the cleaned
CSV is written from that spool only after the prediction is fixed; the
runner gives ``ctx.preview`` = {agent_id: AgentTally} of the dry run, and ``finalize``
reports it as contract §6.6 (:mod:`.output`), with the user's preview
rules simulated where that is exact (:mod:`.simulate`).

Memory: nothing per row; the result is bounded by the number of selected
agents, preview rules and columns.
"""

from __future__ import annotations

from analysis_service.agents.base import AgentOutput
from analysis_service.cleaning.agents.cleanse_previewer.output import build
from analysis_service.cleaning.agents.cleanse_previewer.params import PreviewParams
from analysis_service.cleaning.model import AgentKind, CleanContext, CleaningAgent


class CleansePreviewer(CleaningAgent[PreviewParams]):
    agent_id = "cleanse-previewer"
    agent_name = "Cleanse Previewer"
    params_type = PreviewParams
    kind = AgentKind.PREVIEW

    def finalize(self, ctx: CleanContext[PreviewParams]) -> AgentOutput:
        return build(ctx, self.agent_name)
