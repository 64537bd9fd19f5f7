"""cleanse-writeback (AgentKind.VERIFY): after the chain has written the
cleaned and quarantine CSVs, re-reads the REAL files (streamed with the
csv module, bounded memory) and verifies them: the row accounting, new
nulls per column against the input and the agents' tallies, types that
round-trip, full-row duplicates, retention against the real input counts.
Then writes the audit manifest of the agents that really ran.

``verify`` (re-read + checks), ``checks`` (one function per check),
``reread`` / ``values`` / ``duplicates`` (the streaming scan),
``manifest`` (pipeline), ``output`` (result tree), ``findings``, ``rules``.

Memory per row of the cleaned file: 16 bytes for its duplicate digest
(sorted runs of 1,000,000 rows spill to a temporary file, about 72 MB peak
while a run is sorted); per input row: 1 bit (quarantine row numbers);
everything else is per column.
"""

from __future__ import annotations

from typing import ClassVar

from analysis_service.agents.base import AgentOutput
from analysis_service.cleaning.agents.cleanse_writeback import output
from analysis_service.cleaning.agents.cleanse_writeback.params import WritebackParams
from analysis_service.cleaning.agents.cleanse_writeback.verify import verify
from analysis_service.cleaning.model import AgentKind, CleanContext, CleaningAgent


class CleanseWriteback(CleaningAgent[WritebackParams]):
    agent_id = "cleanse-writeback"
    agent_name = "Cleanse Writeback"
    params_type = WritebackParams
    kind: ClassVar[AgentKind] = AgentKind.VERIFY

    def finalize(self, ctx: CleanContext[WritebackParams]) -> AgentOutput:
        return output.build(self.agent_id, self.agent_name, ctx, verify(ctx))
