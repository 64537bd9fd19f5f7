"""outlier-remover through the real chain: every outlier handled, the id
column skipped, impute uses the inliers, accounting identity holds."""

from __future__ import annotations

import csv
import io
from typing import Any

from analysis_service.cleaning.agents.outlier_remover import OutlierRemover
from analysis_service.cleaning.agents.outlier_remover.params import OutlierParams
from analysis_service.cleaning.chain import Step, run_chain
from analysis_service.domain.sources import open_table

ROWS = [(i, 10 + i % 3) for i in range(1, 21)] + [(21, 500), (22, -400)]
DATA = ("id,amount\n" + "".join(f"{i},{a}\n" for i, a in ROWS)).encode()


def _run(params: OutlierParams) -> tuple[Any, list[list[str]], list[list[str]]]:
    def source() -> Any:
        table = open_table([DATA], batch_rows=5)
        return table.columns, table

    cleaned, quarantine = io.StringIO(), io.StringIO()
    run = run_chain(source, [Step(OutlierRemover(), params)], cleaned, quarantine)
    return (
        run,
        list(csv.reader(io.StringIO(cleaned.getvalue()))),
        list(csv.reader(io.StringIO(quarantine.getvalue()))),
    )


def test_remove_quarantines_exactly_the_outlier_rows() -> None:
    run, cleaned, quarantine = _run(OutlierParams())
    assert [r[2] for r in quarantine[1:]] == ["21", "22"]  # _row_number = row_index + 1
    assert quarantine[1][5].startswith("outlier: amount=500")
    assert len(cleaned) - 1 == 20
    assert run.rows_in == 22 == run.rows_cleaned + run.rows_quarantined


def test_impute_median_of_inliers_and_no_row_lost() -> None:
    run, cleaned, quarantine = _run(OutlierParams(removal_strategy="impute_median"))
    assert len(quarantine) == 1 and len(cleaned) == 23
    assert cleaned[21] == ["21", "11"] and cleaned[22] == ["22", "11"]
    assert run.rows_in == run.rows_cleaned + run.rows_quarantined
