"""A small real chain (duplicate-resolver, null-handler, outlier-remover
through run_chain) written to real files, and the CleanContext the runner
gives cleanse-writeback afterwards."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis_service.cleaning.agents.cleanse_writeback import CleanseWriteback
from analysis_service.cleaning.agents.cleanse_writeback.params import WritebackParams
from analysis_service.cleaning.agents.duplicate_resolver import DuplicateResolver
from analysis_service.cleaning.agents.duplicate_resolver.params import DedupParams
from analysis_service.cleaning.agents.null_handler import NullHandler
from analysis_service.cleaning.agents.null_handler.params import NullParams
from analysis_service.cleaning.agents.outlier_remover import OutlierRemover
from analysis_service.cleaning.agents.outlier_remover.params import OutlierParams
from analysis_service.cleaning.chain import ChainRun, Step, run_chain
from analysis_service.cleaning.model import ChainOutputs, CleanContext
from analysis_service.domain.sources import open_table


def _rows() -> list[list[str]]:
    rows = []
    for i in range(1, 25):
        age = "" if i in (3, 9) else str(20 + i % 7)
        city = "" if i in (5, 11) else ("Rome", "Oslo", "Lima")[i % 3]
        amount = str(10 + i % 4)
        rows.append([f"u{i}", age, city, amount, f"2024-01-{i:02d}"])
    rows.append(["u4", "24", "Oslo", "10", "2024-01-04"])  # a duplicate of u4 (removed)
    rows.append(["u30", "", "Rome", "900", "2024-02-01"])  # age filled, then removed (outlier)
    rows.append(["u31", "24", "Oslo", "11.5", "2024-02-02"])
    return rows


HEADER = ["id", "age", "city", "amount", "joined"]
ROWS = _rows()


def csv_bytes(header: Sequence[str] = HEADER, rows: Sequence[Sequence[str]] = ROWS) -> bytes:
    lines = [",".join(header), *(",".join(r) for r in rows)]
    return ("\n".join(lines) + "\n").encode()


@dataclass
class Chain:
    run: ChainRun
    steps: list[Step]
    outputs: ChainOutputs
    manifests: dict[str, Any]
    source_name: str = "people.csv"

    def context(
        self,
        params: WritebackParams | None = None,
        manifests: Mapping[str, Any] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> CleanContext[WritebackParams]:
        used = dict(self.manifests if manifests is None else manifests)
        return CleanContext(
            params=params or WritebackParams(),
            columns_in=self.run.cleaned_columns,
            overrides=overrides,
            outputs=self.outputs,
            input_rows=self.run.rows_in,
            input_columns=len(self.run.columns),
            executed=tuple(s.agent.agent_id for s in self.steps),
            tallies=self.run.tallies,
            input_nulls=self.run.input_nulls,
            quarantined_nulls=self.run.quarantined_nulls,
            manifests=used,
            source_name=self.source_name,
        )

    def verify(self, **kwargs: Any) -> dict[str, Any]:
        return CleanseWriteback().finalize(self.context(**kwargs)).to_dict()


def default_steps() -> list[Step]:
    return [
        Step(DuplicateResolver(), DedupParams()),
        Step(NullHandler(), NullParams(column_strategies={"age": "median"})),
        Step(OutlierRemover(), OutlierParams(target_columns=("amount",))),
    ]


def run(tmp: Path, data: bytes | None = None, steps: list[Step] | None = None) -> Chain:
    data = data if data is not None else csv_bytes()
    steps = steps if steps is not None else default_steps()

    def source() -> Any:
        table = open_table([data], batch_rows=4)
        return table.columns, table

    cleaned, quarantine = tmp / "cleaned.csv", tmp / "quarantine.csv"
    with (
        cleaned.open("w", newline="", encoding="utf-8") as c,
        quarantine.open("w", newline="", encoding="utf-8") as q,
    ):
        result = run_chain(source, steps, c, q)
    manifests = {}
    for step in steps:
        ctx: CleanContext[Any] = CleanContext(
            params=step.params,
            columns_in=step.columns_in,
            plan=step.plan,
            observer=step.observer,
            tally=result.tallies[step.agent.agent_id],
        )
        manifests[step.agent.agent_id] = step.agent.finalize(ctx).to_dict()
    outputs = ChainOutputs(cleaned, quarantine, result.cleaned_columns, result.columns)
    return Chain(result, steps, outputs, manifests)


def read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def write(path: Path, rows: Sequence[Sequence[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def checks(result: Mapping[str, Any]) -> dict[str, Any]:
    verification = result["data"]["writeback_analysis"]["integrity_verification"]
    return {"accounting": verification["accounting"], **verification["checks"]}


def failed(result: Mapping[str, Any]) -> set[str]:
    return {k for k, c in checks(result).items() if not c["passed"]}
