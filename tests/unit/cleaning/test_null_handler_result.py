"""null-handler's result tree (contract §6.11): keys and types, counts that
match the cells, row-level evidence, ids and the card's vocabulary."""

from __future__ import annotations

from typing import Any

from analysis_service.cleaning.agents.null_handler import NullHandler
from analysis_service.cleaning.agents.null_handler.params import NullParams
from tests.unit.cleaning.agent_run import run_agent

# row 2 is 4 of 5 cells null (80 %: critical null_pattern); row 1 is 1 of 5 (20 %: warning)
DATA = b"a,b,c,d,e\n1,x,p,-,u\n2,,q,-,v\n,,,?,w\n4,y,r,-,u\n5,x,s,-,v\n"


def _types(tree: dict[str, Any], spec: dict[str, Any]) -> None:
    for key, kind in spec.items():
        assert key in tree, key
        assert isinstance(tree[key], kind), (key, tree[key])


def test_the_tree_per_contract() -> None:
    params = NullParams(column_strategies={"a": "median", "b": "mode"})
    ran = run_agent(NullHandler(), params, DATA, overrides={"column_strategies": {"a": "median"}})
    assert ran.column("a") == ["1", "2", "3", "4", "5"]  # median of 1, 2, 4, 5
    assert ran.column("b") == ["x", "x", "x", "y", "x"]
    assert ran.column("d") == ["-", "-", "?", "-", "-"]  # dashes are this column's data
    result = ran.result
    m = result["summary_metrics"]
    # a 1, b 2, c 1 (no strategy) -> 4 nulls, 3 filled
    assert m["original_nulls"] == 4 and m["nulls_handled"] == 3 and m["remaining_nulls"] == 1
    assert m["total_rows_processed"] == 5
    data = result["data"]
    assert "issue_summary" not in data
    score = data["cleaning_score"]
    _types(score, {"overall_score": float, "metrics": dict})
    metrics = score["metrics"]
    for key in ("null_reduction_rate", "data_retention_rate", "column_retention_rate"):
        assert isinstance(metrics[key], float), key
    for key in (
        "original_nulls",
        "nulls_handled",
        "remaining_nulls",
        "original_rows",
        "cleaned_rows",
        "original_columns",
        "cleaned_columns",
    ):
        assert isinstance(metrics[key], int) and not isinstance(metrics[key], bool), key
    assert metrics["null_reduction_rate"] == 75.0
    # 0.5 * 75 + 0.3 * 100 + 0.2 * 100
    assert score["overall_score"] == 87.5
    assert data["quality_status"] == "good"
    analysis = data["null_analysis"]
    _types(
        analysis,
        {
            "total_rows": int,
            "total_columns": int,
            "columns_with_nulls": list,
            "total_nulls_detected": int,
            "null_summary": dict,
            "recommendations": list,
        },
    )
    assert analysis["columns_with_nulls"] == ["a", "b", "c"]
    assert analysis["total_nulls_detected"] == 4
    entry = analysis["null_summary"]["a"]
    _types(
        entry,
        {
            "null_count": int,
            "null_percentage": float,
            "data_type": str,
            "non_null_count": int,
            "suggested_strategy": str,
        },
    )
    assert entry["data_type"] == "Int64" and entry["non_null_count"] == 4
    assert analysis["null_summary"]["c"]["status"] == "not handled"
    for rec in analysis["recommendations"]:
        _types(rec, {"column": str, "action": str, "reason": str, "priority": str})
    _types(data, {"imputation_log": list, "summary": str, "row_level_issues": list})
    assert "impute_median in 'a': 1 cell(s) changed" in data["imputation_log"]
    assert set(data["parameters"]) == set(NullParams().to_dict())
    assert data["overrides"]["column_strategies"] == {"a": "median"}
    assert data["overrides"]["knn_neighbors"] is None
    rows = data["row_level_issues"]
    nulls = [(r["row_index"], r["column"]) for r in rows if r["issue_type"] == "null"]
    assert nulls == [(1, "b"), (2, "a"), (2, "b"), (2, "c")]
    patterns = {r["row_index"]: r for r in rows if r["issue_type"] == "null_pattern"}
    assert patterns[2]["severity"] == "critical" and patterns[2]["null_count"] == 3
    assert patterns[2]["null_ratio"] == 0.6
    assert patterns[1]["severity"] == "warning"
    assert all(r["value"] is None for r in rows)
    assert all(a["alert_id"].startswith("alert_nulls_") for a in result["alerts"])
    assert "alert_nulls_pattern_clustering" in {a["alert_id"] for a in result["alerts"]}
    assert all(r["recommendation_id"].startswith("rec_nulls_") for r in result["recommendations"])
    (card,) = result["executive_summary"]
    assert card["summary_id"] == "exec_null_handling"
    assert card["title"] == "Null Handling Status" and card["status"] == "good"
    assert result["issue_summary"]["by_type"] == {"null": 4, "null_pattern": 2}


def test_the_card_says_fair_where_the_status_says_needs_improvement() -> None:
    ran = run_agent(NullHandler(), NullParams(), DATA)
    result = ran.result
    assert result["data"]["quality_status"] == "needs_improvement"  # 0.5 * 0 + 50
    assert result["executive_summary"][0]["status"] == "fair"
    assert result["summary_metrics"]["nulls_handled"] == 0
    assert ran.cleaned[1:] == [r.split(",") for r in DATA.decode().splitlines()[1:]]
