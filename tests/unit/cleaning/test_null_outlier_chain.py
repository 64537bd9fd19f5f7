"""null-handler then outlier-remover on one chain: rows named by their
original row everywhere, every row accounted for, and the preview pass
(fresh appliers, backward fill holding rows) predicting the writing pass."""

from __future__ import annotations

import csv
import io
from typing import Any

from analysis_service.cleaning.agents.null_handler import NullHandler
from analysis_service.cleaning.agents.null_handler.params import NullParams
from analysis_service.cleaning.agents.outlier_remover import OutlierRemover
from analysis_service.cleaning.agents.outlier_remover.params import OutlierParams
from analysis_service.cleaning.chain import Step, run_chain
from analysis_service.cleaning.model import CleanContext
from analysis_service.domain.sources import open_table

# row 1 has a null in k (filled with the mode); row 7 holds the outlier (900)
DATA = b"k,v,b\na,10,1\n,11,\nc,12,\nd,10,2\ne,11,\nf,12,3\ng,10,\nh,900,4\ni,11,5\n"


def test_two_agents_original_rows_and_preview() -> None:
    def source() -> Any:
        table = open_table([DATA], batch_rows=2)
        return table.columns, table

    nulls = NullHandler()
    outliers = OutlierRemover()
    steps = [
        Step(nulls, NullParams(column_strategies={"k": "mode", "b": "backward_fill"})),
        Step(outliers, OutlierParams(target_columns=("v",))),
    ]
    cleaned, quarantine = io.StringIO(), io.StringIO()
    run = run_chain(source, steps, cleaned, quarantine, preview=True)
    for agent_id, tally in run.tallies.items():
        assert run.preview[agent_id].counts() == tally.counts(), agent_id
    assert run.rows_in == 9 == run.rows_cleaned + run.rows_quarantined
    rows = list(csv.reader(io.StringIO(cleaned.getvalue())))
    assert [r[2] for r in rows[1:]] == ["1", "2", "2", "2", "3", "3", "4", "5"]
    q = list(csv.reader(io.StringIO(quarantine.getvalue())))
    assert [(r[1], r[3], r[4]) for r in q[1:]] == [("900", "8", "outlier-remover")]
    out = outliers.finalize(
        CleanContext(
            params=steps[1].params,
            columns_in=steps[1].columns_in,
            plan=steps[1].plan,
            tally=run.tallies["outlier-remover"],
        )
    )
    (entry,) = out.data["outlier_analysis"]["outlier_summary"]["v"]["outliers"]
    assert entry["row_index"] == 7 and entry["value"] == 900.0


def test_a_header_only_file_gives_defined_results() -> None:
    from tests.unit.cleaning.agent_run import run_agent

    data = b"a,b\n"
    params = NullParams(column_strategies={"a": "knn_imputation", "b": "backward_fill"})
    nulls = run_agent(NullHandler(), params, data).result
    assert nulls["summary_metrics"]["original_nulls"] == 0
    assert nulls["data"]["cleaning_score"]["overall_score"] == 100.0
    outliers = run_agent(OutlierRemover(), OutlierParams(), data).result
    assert outliers["summary_metrics"]["original_outliers"] == 0
    assert outliers["data"]["outlier_analysis"]["numeric_columns"] == []
