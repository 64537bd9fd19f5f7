"""null-handler: every strategy on hand-built CSVs, cell by cell, through
the real chain with small batches (fills carried across batch boundaries)."""

from __future__ import annotations

import pytest

from analysis_service.cleaning.agents import null_handler as nh
from analysis_service.cleaning.agents.null_handler import NullHandler
from analysis_service.cleaning.agents.null_handler.params import NullParams
from tests.unit.cleaning.agent_run import Ran, run_agent

STATS = (
    b"age,w,city,code,junk\n10,1,Rome,A,x\nNA,2,,B,\n20,3,Oslo,,\n?,4,Rome,C,\n60,100,Paris,D,\n"
)


def _accounted(ran: Ran) -> None:
    run = ran.run
    assert run.rows_in == run.rows_cleaned + run.rows_quarantined
    assert run.rows_cleaned == len(ran.cleaned) - 1


@pytest.mark.parametrize(("strategy", "value"), [("mean", "30"), ("median", "20")])
def test_mean_median_mode_constant_drop_column(strategy: str, value: str) -> None:
    params = NullParams(
        column_strategies={
            "age": strategy,
            "city": "mode",
            "code": "constant",
            "junk": "drop_column",
        },
        fill_values={"code": "ZZ"},
    )
    ran = run_agent(NullHandler(), params, STATS)
    assert ran.cleaned[0] == ["age", "w", "city", "code"]
    assert ran.column("age") == ["10", value, "20", value, "60"]
    assert ran.column("w") == ["1", "2", "3", "4", "100"]
    assert ran.column("city") == ["Rome", "Rome", "Oslo", "Rome", "Paris"]
    assert ran.column("code") == ["A", "B", "ZZ", "C", "D"]
    _accounted(ran)
    summary = ran.result["data"]["null_analysis"]["null_summary"]
    assert summary["age"]["null_count"] == 2 and summary["age"]["imputation_value"] == value
    assert summary["age"]["placeholders"] == ["?"]  # the reader already reads NA as null
    assert summary["junk"]["status"] == "dropped"
    metrics = ran.result["summary_metrics"]
    # age 2 + city 1 + code 1 + junk 4 (dropped)
    assert metrics["original_nulls"] == 8 == metrics["nulls_handled"]
    assert metrics["remaining_nulls"] == 0


FILLS = b"f,b\n-,?\n1,?\n,\n,7\n5,\n,\n,9\n-,\n"


def test_forward_and_backward_fill_across_batches() -> None:
    params = NullParams(column_strategies={"f": "forward_fill", "b": "backward_fill"})
    for rows in (1, 2, 3, 100):
        ran = run_agent(NullHandler(), params, FILLS, batch_rows=rows)
        assert ran.column("f") == ["-", "1", "1", "1", "5", "5", "5", "5"], rows
        assert ran.column("b") == ["7", "7", "7", "7", "9", "9", "9", ""], rows
        _accounted(ran)
    summary = ran.result["data"]["null_analysis"]["null_summary"]
    assert summary["f"]["remaining_nulls"] == 1
    assert "1 null(s) before the column's first value" in summary["f"]["notes"]
    assert summary["b"]["remaining_nulls"] == 1
    assert "1 null(s) after the column's last value" in summary["b"]["notes"]


def test_backward_fill_past_its_bound_keeps_the_oldest_nulls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(nh, "BACKWARD_FILL_MAX_HELD", 2)
    monkeypatch.setattr(nh.output, "BACKWARD_FILL_MAX_HELD", 2)
    data = b"b,k\n1,a\n,b\n,c\n,d\n,e\n2,f\n"
    ran = run_agent(
        NullHandler(), NullParams(column_strategies={"b": "backward_fill"}), data, batch_rows=2
    )
    assert ran.column("b") == ["1", "", "2", "2", "2", "2"]
    assert ran.column("k") == ["a", "b", "c", "d", "e", "f"]  # file order kept
    _accounted(ran)
    note = ran.result["data"]["null_analysis"]["null_summary"]["b"]["notes"]
    assert "1 null(s) had no value within 2 held rows" in note


KNN = b"id,x,y,z\n1,1,10,a\n2,2,20,b\n3,3,30,c\n4,10,100,d\n5,2,,e\n6,,,f\n"


def test_knn_on_a_small_file_with_a_known_answer() -> None:
    params = NullParams(column_strategies={"y": "knn_imputation"}, knn_neighbors=2)
    ran = run_agent(NullHandler(), params, KNN, batch_rows=2)
    # row 4 (x=2): nearest by x are x=2 (y=20) and x=1 (y=10, first of the tie) -> 15;
    # row 5 has no other number: the sample median of y (10, 20, 30, 100) -> 25
    assert ran.column("y") == ["10", "20", "30", "100", "15", "25"]
    assert ran.column("x") == ["1", "2", "3", "10", "2", ""]
    assert ran.column("id") == ["1", "2", "3", "4", "5", "6"]
    _accounted(ran)
    analysis = ran.result["data"]["null_analysis"]
    assert analysis["knn_sample"] == {
        "sample_rows": 4,
        "complete_rows": 4,
        "columns": ["x", "y"],
        "excluded_identifier_columns": ["id"],  # a row id says nothing about y
        "neighbours": 2,
    }
    note = analysis["null_summary"]["y"]["notes"]
    assert "sample of 4 of 4 complete rows" in note and "1 cell(s) without other numbers" in note


def test_drop_rows_quarantines_every_row_with_a_null() -> None:
    ran = run_agent(NullHandler(), NullParams(global_strategy="drop_rows"), STATS)
    assert [r[-2] for r in ran.quarantine[1:]] == ["drop_rows"] * 4
    assert [int(r[-4]) for r in ran.quarantine[1:]] == [2, 3, 4, 5]
    assert ran.cleaned[1:] == [["10", "1", "Rome", "A", "x"]]
    _accounted(ran)
    assert ran.result["summary_metrics"]["remaining_nulls"] == 0


def test_mean_on_a_text_column_is_not_applied_and_reported() -> None:
    ran = run_agent(NullHandler(), NullParams(column_strategies={"city": "mean"}), STATS)
    assert ran.column("city") == ["Rome", "", "Oslo", "Rome", "Paris"]
    entry = ran.result["data"]["null_analysis"]["null_summary"]["city"]
    assert entry["status"] == "not applied" and "numeric" in entry["notes"]
    assert any(i["issue_type"] == "imputation_failure" for i in ran.result["issues"])
