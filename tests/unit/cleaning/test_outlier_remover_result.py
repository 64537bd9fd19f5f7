"""outlier-remover's result tree (contract §6.12) through the real chain:
totals over the whole file, capped lists, identifier columns skipped unless
listed, remaining outliers measured against the writing pass."""

from __future__ import annotations

from typing import Any

from analysis_service.cleaning.agents.outlier_remover import OutlierRemover
from analysis_service.cleaning.agents.outlier_remover.params import OutlierParams
from tests.unit.cleaning.agent_run import run_agent

# id: a row id sequence; code: codes with leading zeros; amount: 10..12 with
# 120 outliers (1000) after 1000 inliers; qty: one outlier (-400).
ROWS = [(i, f"{i % 7:03d}", 10 + i % 3, 5 if i != 17 else -400) for i in range(1000)]
ROWS += [(1000 + i, f"{i % 7:03d}", 1000, 5) for i in range(120)]
DATA = ("id,code,amount,qty\n" + "".join(f"{a},{b},{c},{d}\n" for a, b, c, d in ROWS)).encode()


def _types(tree: dict[str, Any], spec: dict[str, type | tuple[type, ...]]) -> None:
    for key, kind in spec.items():
        assert key in tree, key
        assert isinstance(tree[key], kind), (key, tree[key])


def test_remove_every_outlier_and_the_tree_per_contract() -> None:
    ran = run_agent(OutlierRemover(), OutlierParams(), DATA, batch_rows=64)
    result = ran.result
    assert ran.run.rows_in == 1120 == ran.run.rows_cleaned + ran.run.rows_quarantined
    assert ran.run.rows_quarantined == 121  # all 120 + the qty row, never a capped 50
    assert sorted(int(r[-4]) - 1 for r in ran.quarantine[1:])[:2] == [17, 1000]
    m = result["summary_metrics"]
    assert m == {
        "total_rows_processed": 1120,
        "outliers_handled": 121,
        "original_outliers": 121,
        "remaining_outliers": 0,
        "total_issues": 121,
    }
    data = result["data"]
    score = data["outlier_score"]
    _types(score, {"overall_score": float, "metrics": dict})
    _types(
        score["metrics"],
        {
            "outlier_reduction_rate": float,
            "data_retention_rate": float,
            "column_retention_rate": float,
            "original_outliers": int,
            "original_rows": int,
            "cleaned_rows": int,
            "original_columns": int,
            "cleaned_columns": int,
        },
    )
    assert score["metrics"]["cleaned_rows"] == 999
    assert data["quality_status"] in ("excellent", "good", "needs_improvement")
    analysis = data["outlier_analysis"]
    assert analysis["numeric_columns"] == ["amount", "qty"]
    assert analysis["skipped_identifier_columns"] == ["id", "code"]
    amount = analysis["outlier_summary"]["amount"]
    _types(
        amount,
        {
            "outlier_count": int,
            "outlier_percentage": float,
            "data_type": str,
            "total_values": int,
            "method_used": str,
            "outliers": list,
        },
    )
    assert amount["outlier_count"] == 120 and amount["total_values"] == 1120
    assert len(amount["outliers"]) == 50
    first = amount["outliers"][0]
    assert first["row_index"] == 1000 and first["value"] == 1000.0
    assert set(first) == {"row_index", "value", "severity", "method", "lower_bound", "upper_bound"}
    qty = analysis["outlier_summary"]["qty"]["outliers"]
    assert [(o["row_index"], o["value"]) for o in qty] == [(17, -400.0)]
    for rec in analysis["recommendations"]:
        _types(rec, {"column": str, "action": str, "reason": str, "priority": str})
    _types(data, {"removal_log": list, "summary": str, "row_level_issues": list})
    assert "id, code" in data["summary"]
    rows = data["row_level_issues"]
    assert len(rows) == 100 and rows[0]["row_index"] == 17
    assert set(rows[0]) == {
        "row_index",
        "column",
        "issue_type",
        "description",
        "severity",
        "value",
        "action_taken",
    }
    assert rows[0]["issue_type"] == "outlier_removed" and rows[0]["action_taken"] == "removed"
    assert set(data["parameters"]) == set(OutlierParams().to_dict())
    assert {"defaults", "overrides", "parameters"} <= set(data)
    assert all(a["alert_id"].startswith("alert_outliers_") for a in result["alerts"])
    assert all(
        r["recommendation_id"].startswith("rec_outliers_") for r in result["recommendations"]
    )
    (card,) = result["executive_summary"]
    assert card["summary_id"] == "exec_outlier_removal"
    assert card["title"] == "Outlier Removal Status"
    assert card["status"] in ("excellent", "good", "needs_improvement")
    top = result["row_level_issues"]
    assert {r["issue_type"] for r in top} <= {"outlier", "extreme_value"}
    assert all("bounds" in r and isinstance(r["value"], float) for r in top)
    assert result["issue_summary"]["total_issues"] == 121


def test_listed_identifier_column_is_checked_and_impute_keeps_rows() -> None:
    data = b"id,amount\n" + b"".join(
        f"{i},{v}\n".encode() for i, v in enumerate([10, 11, 12, 10, 11, 12, 10, 11, 500])
    )
    params = OutlierParams(removal_strategy="impute_median", target_columns=("amount",))
    ran = run_agent(OutlierRemover(), params, data, batch_rows=4)
    assert ran.column("amount") == ["10", "11", "12", "10", "11", "12", "10", "11", "11"]
    assert ran.run.rows_quarantined == 0 and ran.run.rows_cleaned == 9
    analysis = ran.result["data"]["outlier_analysis"]
    assert analysis["numeric_columns"] == ["amount"]
    assert analysis["skipped_identifier_columns"] == []
    assert analysis["outlier_summary"]["amount"]["imputation_value"] == 11.0
    m = ran.result["summary_metrics"]
    assert m["original_outliers"] == 1 == m["outliers_handled"] and m["remaining_outliers"] == 0
    rows = ran.result["data"]["row_level_issues"]
    assert rows[0]["action_taken"] == "impute_median"
    # listed: an identifier-like column is checked too
    ran = run_agent(OutlierRemover(), OutlierParams(target_columns=("id", "nope")), data)
    analysis = ran.result["data"]["outlier_analysis"]
    assert analysis["numeric_columns"] == ["id"]
    assert analysis["unchecked_target_columns"] == {"nope": "not in the input"}


def test_z_score_entries_carry_the_z_score() -> None:
    data = ("v\n" + "".join(f"{x}\n" for x in [1, 2] * 15 + [100])).encode()
    ran = run_agent(OutlierRemover(), OutlierParams(detection_method="z_score"), data)
    (entry,) = ran.result["data"]["outlier_analysis"]["outlier_summary"]["v"]["outliers"]
    assert entry["row_index"] == 30 and entry["z_score"] > 3
    assert "lower_bound" not in entry
    assert "z_score" in ran.result["row_level_issues"][0]
