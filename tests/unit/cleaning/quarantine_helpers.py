"""Running quarantine-agent through the real chain on a hand-built CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from analysis_service.agents.base import AgentOutput
from analysis_service.cleaning.agents.quarantine_agent import QuarantineAgent
from analysis_service.cleaning.agents.quarantine_agent.params import QuarantineParams
from analysis_service.cleaning.chain import ChainRun, Step, run_chain
from analysis_service.cleaning.model import CleanContext
from analysis_service.domain.sources import open_table


@dataclass
class Result:
    run: ChainRun
    cleaned: list[list[str]]
    quarantine: list[dict[str, str]]
    output: AgentOutput

    @property
    def tree(self) -> dict[str, Any]:
        return self.output.to_dict()

    def reasons(self) -> dict[int, tuple[str, str]]:
        """_row_number -> (_rule, _reason)."""
        return {int(r["_row_number"]): (r["_rule"], r["_reason"]) for r in self.quarantine}


def run_quarantine(
    data: bytes, raw: dict[str, Any] | None = None, *, batch_rows: int = 3
) -> Result:
    agent = QuarantineAgent()
    params = agent.parse_params(raw)
    assert isinstance(params, QuarantineParams)

    def source() -> Any:
        table = open_table([data], batch_rows=batch_rows)
        return table.columns, table

    step = Step(agent, params, overrides=raw)
    cleaned, quarantine = io.StringIO(), io.StringIO()
    run = run_chain(source, [step], cleaned, quarantine, preview=True)
    output = agent.finalize(
        CleanContext(
            params=params,
            columns_in=step.columns_in,
            overrides=raw,
            plan=step.plan,
            observer=step.observer,
            tally=run.tallies[agent.agent_id],
        )
    )
    return Result(
        run,
        list(csv.reader(io.StringIO(cleaned.getvalue()))),
        list(csv.DictReader(io.StringIO(quarantine.getvalue()))),
        output,
    )
