"""Running field-standardization through the real chain (shared by its tests)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from analysis_service.agents.base import AgentOutput
from analysis_service.cleaning.agents.field_standardization import FieldStandardization
from analysis_service.cleaning.chain import ChainRun, Step, run_chain
from analysis_service.cleaning.model import CleanContext
from analysis_service.domain.sources import open_table


@dataclass
class Result:
    run: ChainRun
    cleaned_text: str
    cleaned: list[list[str]]
    quarantine: list[list[str]]
    output: AgentOutput

    @property
    def tree(self) -> dict[str, Any]:
        return self.output.to_dict()

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.tree["data"]
        return data

    def column(self, name: str) -> list[str]:
        i = self.cleaned[0].index(name)
        return [row[i] for row in self.cleaned[1:]]

    def cells(self, rule: str, column: str) -> int:
        t = self.run.tallies["field-standardization"].rules.get((rule, column))
        return t.cells if t else 0


def run_fs(data: bytes, batch_rows: int = 2, preview: bool = False, **raw: Any) -> Result:
    agent = FieldStandardization()
    params = agent.parse_params(raw)

    def source() -> Any:
        table = open_table([data], batch_rows=batch_rows)
        return table.columns, table

    cleaned, quarantine = io.StringIO(), io.StringIO()
    step = Step(agent, params, overrides=raw)
    run = run_chain(source, [step], cleaned, quarantine, preview=preview)
    ctx = CleanContext(
        params=params,
        columns_in=step.columns_in,
        overrides=raw,
        plan=step.plan,
        observer=step.observer,
        tally=run.tallies[agent.agent_id],
    )
    output = agent.finalize(ctx)
    text = cleaned.getvalue()
    return Result(
        run,
        text,
        list(csv.reader(io.StringIO(text))),
        list(csv.reader(io.StringIO(quarantine.getvalue()))),
        output,
    )
