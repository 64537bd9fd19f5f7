"""Runs one cleaning agent over a hand-built CSV through the real chain."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from analysis_service.agents.base import AgentOutput
from analysis_service.cleaning.chain import ChainRun, Step, run_chain
from analysis_service.cleaning.model import CleanContext, CleaningAgent
from analysis_service.domain.sources import open_table


@dataclass
class Ran:
    run: ChainRun
    cleaned: list[list[str]]
    quarantine: list[list[str]]
    output: AgentOutput

    @property
    def result(self) -> dict[str, Any]:
        return self.output.to_dict()

    def column(self, name: str) -> list[str]:
        pos = self.cleaned[0].index(name)
        return [r[pos] for r in self.cleaned[1:]]


def run_agent(
    agent: CleaningAgent[Any],
    params: Any,
    data: bytes,
    *,
    batch_rows: int = 2,
    overrides: dict[str, Any] | None = None,
) -> Ran:
    def source() -> Any:
        table = open_table([data], batch_rows=batch_rows)
        return table.columns, table

    cleaned, quarantine = io.StringIO(), io.StringIO()
    step = Step(agent, params, overrides)
    run = run_chain(source, [step], cleaned, quarantine)
    output = agent.finalize(
        CleanContext(
            params=params,
            columns_in=step.columns_in,
            overrides=overrides,
            plan=step.plan,
            observer=step.observer,
            tally=run.tallies[agent.agent_id],
        )
    )
    return Ran(
        run,
        list(csv.reader(io.StringIO(cleaned.getvalue()))),
        list(csv.reader(io.StringIO(quarantine.getvalue()))),
        output,
    )
