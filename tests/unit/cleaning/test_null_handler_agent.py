"""null-handler through the real chain, cell by cell."""

from __future__ import annotations

import csv
import io
from typing import Any

from analysis_service.cleaning.agents.null_handler import NullHandler
from analysis_service.cleaning.agents.null_handler.params import NullParams
from analysis_service.cleaning.chain import Step, run_chain
from analysis_service.domain.sources import open_table

DATA = b"age,city,note,junk\n10,Rome,-,x\nNA,,-,\n30,Oslo,ok,\n?,Rome,-,\n"


def _run(params: NullParams) -> tuple[Any, list[list[str]], list[list[str]]]:
    def source() -> Any:
        table = open_table([DATA], batch_rows=2)
        return table.columns, table

    cleaned, quarantine = io.StringIO(), io.StringIO()
    run = run_chain(source, [Step(NullHandler(), params)], cleaned, quarantine)
    return (
        run,
        list(csv.reader(io.StringIO(cleaned.getvalue()))),
        list(csv.reader(io.StringIO(quarantine.getvalue()))),
    )


def test_strategies_cell_by_cell() -> None:
    params = NullParams(
        column_strategies={"age": "mean", "city": "forward_fill", "junk": "drop_column"}
    )
    run, cleaned, quarantine = _run(params)
    assert cleaned == [
        ["age", "city", "note"],
        ["10", "Rome", "-"],
        ["20", "Rome", "-"],  # "NA" is a placeholder in a numeric column; "-" in note is data
        ["30", "Oslo", "ok"],
        ["20", "Rome", "-"],
    ]
    assert len(quarantine) == 1
    assert run.rows_in == 4 == run.rows_cleaned + run.rows_quarantined


def test_drop_rows_quarantines_rows_with_nulls() -> None:
    run, cleaned, quarantine = _run(NullParams(global_strategy="drop_rows"))
    assert [r[4] for r in quarantine[1:]] == ["2", "3", "4"]
    assert cleaned[1:] == [["10", "Rome", "-", "x"]]
    assert run.rows_in == run.rows_cleaned + run.rows_quarantined
