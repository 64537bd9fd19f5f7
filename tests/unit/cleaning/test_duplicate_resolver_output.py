"""duplicate-resolver's result tree (contract §6.10) on a hand-built file
with known answers: conflict resolutions, null handling, key conflicts with
their differing fields, survivors named, row order kept, per-method counts,
missing_values reported as not supported, the "Duplicates" sheet."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest

from analysis_service.cleaning.agents.duplicate_resolver import DuplicateResolver
from analysis_service.cleaning.agents.duplicate_resolver.params import DedupParams
from analysis_service.cleaning.chain import Step, run_chain
from analysis_service.cleaning.model import CleanContext
from analysis_service.domain.sources import open_table
from analysis_service.report.sheets import duplicates
from tests.unit.analysis.test_workbook import side, table

DATA = (
    b"id,name,email,city\n"
    b"1,Ann,ann@x.org,Rome\n"  # 0
    b"2,Bob,bob@x.org,\n"  # 1
    b"1,Ann,ann@x.org,Rome\n"  # 2 exact copy of 0
    b"3,ann ,ANN@x.org,Oslo\n"  # 3 same name+email as 0 once normalised
    b"4,Bob,bob@x.org,Lima\n"  # 4 same name+email as 1
    b"5,Cid,,Pisa\n"  # 5
    b"5,Cid,,Pisa\n"  # 6 exact copy of 5, with a null
)


def _run(params: DedupParams) -> tuple[dict[str, Any], list[list[str]], list[list[str]]]:
    def source() -> Any:
        table = open_table([DATA], batch_rows=3)
        return table.columns, table

    agent = DuplicateResolver()
    step = Step(agent, params)
    cleaned, quarantine = io.StringIO(), io.StringIO()
    run = run_chain(source, [step], cleaned, quarantine)
    out = agent.finalize(
        CleanContext(
            params=params,
            columns_in=run.columns,
            plan=step.plan,
            observer=step.observer,
            tally=run.tallies[agent.agent_id],
        )
    )
    return (
        out.to_dict(),
        list(csv.reader(io.StringIO(cleaned.getvalue()))),
        list(csv.reader(io.StringIO(quarantine.getvalue()))),
    )


def _reasons(quarantine: list[list[str]]) -> dict[str, str]:
    return {r[4]: r[7] for r in quarantine[1:]}  # _row_number -> _reason


def test_defaults_methods_and_missing_values_not_faked() -> None:
    result, cleaned, quarantine = _run(DedupParams())
    assert [r[0] for r in cleaned[1:]] == ["1", "2", "3", "4", "5", "5"]
    assert _reasons(quarantine) == {"3": "duplicate of row 1"}
    summary = result["data"]["duplicate_analysis"]["duplicate_summary"]
    assert list(summary) == list(DedupParams().detection_types)
    assert summary["exact"]["duplicate_count"] == 1
    assert summary["exact"]["affected_rows"] == [2]
    assert summary["exact"]["duplicate_percentage"] == pytest.approx(100 / 7, abs=0.01)
    assert summary["case_variations"]["duplicate_count"] == 1
    assert summary["email_case"]["duplicate_count"] == 1
    missing = summary["missing_values"]
    assert missing["duplicate_count"] is None and missing["supported"] is False
    assert "bounded memory" in missing["note"]
    assert summary["conflicting"]["duplicate_count"] == 0
    assert "key_columns" in summary["conflicting"]["note"]


def test_match_nulls_matches_null_with_null() -> None:
    _, cleaned, quarantine = _run(DedupParams(null_handling="match_nulls"))
    assert [r[0] for r in cleaned[1:]] == ["1", "2", "3", "4", "5"]
    assert _reasons(quarantine) == {"3": "duplicate of row 1", "7": "duplicate of row 6"}


def test_keep_first_key_conflicts_with_differing_fields() -> None:
    params = DedupParams(key_columns=("name", "email"))
    result, cleaned, quarantine = _run(params)
    assert [r[0] for r in cleaned[1:]] == ["1", "2", "5", "5"]
    assert _reasons(quarantine) == {
        "3": "duplicate of row 1",  # identical to its survivor
        "4": "duplicate of row 1; differing fields: city, id",
        "5": "duplicate of row 2; differing fields: city, id",
    }
    assert [r[6] for r in quarantine[1:]] == ["duplicate_row", "key_conflict", "key_conflict"]
    analysis = result["data"]["duplicate_analysis"]
    assert analysis["duplicate_summary"]["conflicting"]["duplicate_count"] == 2
    assert analysis["duplicate_summary"]["conflicting"]["affected_rows"] == [3, 4]
    assert analysis["key_conflicts"] == [
        {
            "first_row_index": 0,
            "last_row_index": 3,
            "rows_in_group": 3,
            "survivor_row_index": 0,
            "differing_fields": ["city", "id"],
        },
        {
            "first_row_index": 1,
            "last_row_index": 4,
            "rows_in_group": 2,
            "survivor_row_index": 1,
            "differing_fields": ["city", "id"],
        },
    ]
    ids = {a["alert_id"] for a in result["alerts"]}
    assert "alert_duplicates_conflicts" in ids and "alert_duplicates_no_key_columns" not in ids


def test_keep_last_keeps_the_last_member_in_file_order() -> None:
    params = DedupParams(key_columns=("name", "email"), conflict_resolution="keep_last")
    result, cleaned, quarantine = _run(params)
    assert [r[0] for r in cleaned[1:]] == ["3", "4", "5", "5"]  # rows 3, 4, 5, 6 in order
    assert _reasons(quarantine) == {
        "1": "duplicate of row 4; differing fields: city, id",
        "2": "duplicate of row 5; differing fields: city, id",
        "3": "duplicate of row 4; differing fields: city, id",
    }
    rows = result["data"]["row_level_issues"]
    assert [r["row_index"] for r in rows] == [0, 1, 2]
    assert [r["survivor_row_index"] for r in rows] == [3, 4, 3]
    assert [r["survivor_row_number"] for r in rows] == [4, 5, 4]


def test_merge_smart_fills_the_survivors_nulls() -> None:
    params = DedupParams(key_columns=("name", "email"), merge_strategy="merge_smart")
    result, cleaned, _ = _run(params)
    assert cleaned[1:] == [
        ["1", "Ann", "ann@x.org", "Rome"],
        ["2", "Bob", "bob@x.org", "Lima"],
        ["5", "Cid", "", "Pisa"],
        ["5", "Cid", "", "Pisa"],
    ]
    assert any("merge_smart_fill in 'city'" in line for line in result["data"]["resolution_log"])
    same = _run(DedupParams(key_columns=("name", "email"), conflict_resolution="merge_smart"))
    assert same[1] == cleaned


def test_result_tree_keys_and_types() -> None:
    result, _, _ = _run(DedupParams(key_columns=("name", "email")))
    metrics = result["summary_metrics"]
    assert metrics == {
        "total_rows_processed": 7,
        "duplicates_detected": 3,
        "duplicates_resolved": 3,
        "remaining_rows": 4,
        "rows_removed": 3,
        "total_issues": 3,
    }
    data = result["data"]
    assert list(data["dedup_score"]["metrics"]) == [
        "dedup_reduction_rate",
        "data_retention_rate",
        "column_retention_rate",
    ]
    assert isinstance(data["dedup_score"]["overall_score"], float)
    assert data["quality_status"] in ("excellent", "good", "needs_improvement")
    analysis = data["duplicate_analysis"]
    for key, kind in {
        "total_rows": int,
        "total_columns": int,
        "duplicate_summary": dict,
        "total_duplicates": int,
        "detection_methods": list,
        "recommendations": list,
    }.items():
        assert isinstance(analysis[key], kind), key
    for rec in analysis["recommendations"]:
        assert set(rec) == {"action", "reason", "priority"} and rec["reason"]
    for entry in analysis["duplicate_summary"].values():
        assert {"method", "duplicate_count", "duplicate_percentage", "description"} <= set(entry)
        assert len(entry["affected_rows"]) <= 50
    assert isinstance(data["resolution_log"], list) and isinstance(data["summary"], str)
    rows = data["row_level_issues"]
    assert [(r["row_index"], r["issue_type"], r["severity"]) for r in rows] == [
        (2, "duplicate_row", "warning"),
        (3, "key_conflict", "critical"),
        (4, "key_conflict", "critical"),
    ]
    assert [r["differing_fields"] for r in rows] == [[], ["city", "id"], ["city", "id"]]
    for row in rows:
        assert row["column"] == "all" and "value" not in row
        assert isinstance(row["detection_methods"], list)
        assert f"duplicate of row {row['survivor_row_index'] + 1}" in row["message"]
        assert row["row_number"] == row["row_index"] + 1
    assert data["issue_summary"]["affected_columns"] == []
    assert data["issue_summary"]["by_severity"] == {"critical": 2, "warning": 1}  # dynamic
    assert list(data)[-3:] == ["defaults", "overrides", "parameters"]
    assert set(data["defaults"]) == set(DedupParams.defaults())
    (card,) = result["executive_summary"]
    assert card["summary_id"] == "exec_duplicate_resolution"
    assert card["title"] == "Duplicate Resolution Status"
    assert all(a["alert_id"].startswith("alert_duplicates_") for a in result["alerts"])
    assert all(
        r["recommendation_id"].startswith("rec_duplicates_") for r in result["recommendations"]
    )


def test_exact_and_partial_row_issue_types() -> None:
    result, _, _ = _run(DedupParams(null_handling="match_nulls"))
    rows = result["data"]["row_level_issues"]
    assert [(r["row_index"], r["issue_type"], r["severity"]) for r in rows] == [
        (2, "duplicate_row", "warning"),
        (6, "duplicate_row", "warning"),
    ]
    result, _, _ = _run(DedupParams(key_columns=("id",), detection_types=("case_variations",)))
    assert result["data"]["row_level_issues"][0]["issue_type"] == "duplicate_row"
    data = b"a,b\nX,1\nx ,1\n"

    def source() -> Any:
        t = open_table([data])
        return t.columns, t

    agent = DuplicateResolver()
    params = DedupParams()
    step = Step(agent, params)
    run = run_chain(source, [step], io.StringIO(), io.StringIO())
    out = agent.finalize(
        CleanContext(params, run.columns, plan=step.plan, tally=run.tallies[agent.agent_id])
    ).to_dict()
    (row,) = out["data"]["row_level_issues"]
    assert (row["row_index"], row["issue_type"]) == (1, "partial_duplicate")
    assert row["severity"] == "info"
    assert out["data"]["duplicate_analysis"]["duplicate_summary"]["exact"]["duplicate_count"] == 0


def test_duplicates_sheet_matches_the_json(tmp_path: Any) -> None:
    result, _, _ = _run(DedupParams(key_columns=("name", "email")))
    book = openpyxl.Workbook(write_only=True)
    duplicates.write(book, result)
    path = tmp_path / "d.xlsx"
    book.save(path)
    sheet = openpyxl.load_workbook(path)[duplicates.TITLE]
    header, rows = table(sheet)
    assert header[:3] == ["Detection Method", "Count", "Percentage"]
    summary = result["data"]["duplicate_analysis"]["duplicate_summary"]
    assert [r["Detection Method"].value for r in rows] == list(summary)
    for row in rows:
        entry = summary[row["Detection Method"].value]
        if entry["duplicate_count"] is None:
            assert row["Count"].value == "not supported"
        else:
            assert row["Count"].value == entry["duplicate_count"]
            assert row["Percentage"].value == pytest.approx(entry["duplicate_percentage"] / 100)
        assert all(c.value is not None for c in row.values())
    block = side(sheet, len(header))
    m = result["summary_metrics"]
    assert block["Duplicates Detected"] == m["duplicates_detected"]
    assert block["Rows Removed"] == m["rows_removed"]
    assert block["Remaining Rows"] == m["remaining_rows"]
    assert block["Overall Score"] == pytest.approx(result["data"]["dedup_score"]["overall_score"])


def test_spilled_index_gives_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    import analysis_service.cleaning.agents.duplicate_resolver as pkg

    params = DedupParams(key_columns=("name", "email"), conflict_resolution="keep_last")
    expected = _run(params)
    monkeypatch.setattr(pkg, "MEMORY_GROUPS", 1)
    spilled = _run(params)
    assert spilled[1:] == expected[1:]  # cleaned and quarantine CSVs
    analysis = spilled[0]["data"]["duplicate_analysis"]
    assert analysis["index_spilled_to_disk"] is True
    analysis["index_spilled_to_disk"] = False
    assert spilled[0]["data"] == expected[0]["data"]
