"""cleanse-previewer: the chain's dry run predicts exactly what the written
files hold (duplicate-resolver, null-handler, outlier-remover on a
hand-built file), the result tree has the keys and types of contract §6.6,
user preview rules are simulated or refused in the error form, and the
"Cleanse Preview" sheet matches the JSON."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest

from analysis_service.cleaning.agents.cleanse_previewer import CleansePreviewer
from analysis_service.cleaning.agents.cleanse_previewer.params import PreviewParams
from analysis_service.cleaning.agents.duplicate_resolver import DuplicateResolver
from analysis_service.cleaning.agents.duplicate_resolver.params import DedupParams
from analysis_service.cleaning.agents.null_handler import NullHandler
from analysis_service.cleaning.agents.null_handler.params import NullParams
from analysis_service.cleaning.agents.outlier_remover import OutlierRemover
from analysis_service.cleaning.agents.outlier_remover.params import OutlierParams
from analysis_service.cleaning.chain import ChainRun, Step, run_chain
from analysis_service.cleaning.model import CleanContext
from analysis_service.domain.sources import open_table
from analysis_service.report.sheets import cleanse_preview
from dqcommon.tools.clean_tool import CLEANSE_PREVIEWER
from tests.unit.analysis.test_workbook import side, table

DATA = (
    b"id,name,age,city,score,junk\n"
    b"1,Ann,30,Rome,10,x\n"
    b"2,Bob,,Oslo,11,\n"
    b"1,Ann,30,Rome,10,x\n"  # duplicate of row 1
    b"3,Cid,40,,12,\n"
    b"4,Dan,35,Lima,13,\n"
    b"5,Eve,,,9,\n"
    b"6,Fay,50,Pisa,1000,\n"  # outlier
    b"7,Gus,45,Rome,12,\n"
    b"8,Hal,38,Oslo,11,\n"
    b"9,Ivy,33,Lima,10,\n"
)
AGENTS = ("duplicate-resolver", "null-handler", "outlier-remover")


def _source() -> Any:
    t = open_table([DATA], batch_rows=3)
    return t.columns, t


def _chain(
    preview: bool = True,
    files: tuple[io.StringIO, io.StringIO] | None = None,
    **null: Any,
) -> ChainRun:
    strategies = null or {"age": "median", "city": "forward_fill", "junk": "drop_column"}
    steps = [
        Step(DuplicateResolver(), DedupParams()),
        Step(NullHandler(), NullParams(column_strategies=strategies)),
        Step(OutlierRemover(), OutlierParams(target_columns=("score",))),
    ]
    cleaned, quarantine = files or (io.StringIO(), io.StringIO())
    return run_chain(_source, steps, cleaned, quarantine, preview=preview)


def _preview(run: ChainRun, params: PreviewParams | None = None) -> dict[str, Any]:
    params = params or PreviewParams()
    ctx = CleanContext(
        params=params,
        columns_in=run.columns,
        overrides=params.to_dict(),
        preview=run.preview,
        tallies=run.tallies,
        input_rows=run.rows_in,
        input_columns=len(run.columns),
        input_nulls=run.input_nulls,
        executed=("cleanse-previewer", *AGENTS),
    )
    return CleansePreviewer().finalize(ctx).to_dict()


@pytest.fixture(scope="module")
def run() -> ChainRun:
    return _chain()


def test_preview_equals_the_writing_pass(run: ChainRun) -> None:
    assert list(run.preview) == list(AGENTS)
    for agent in AGENTS:
        assert run.preview[agent].counts() == run.tallies[agent].counts(), agent
    assert run.tallies["duplicate-resolver"].rows_removed == 1
    assert run.tallies["outlier-remover"].rows_removed == 1
    assert run.tallies["null-handler"].cells_changed == 4  # 2 ages, 2 cities
    result = _preview(run)
    assert result["data"]["predicted"] == {a: run.tallies[a].counts() for a in AGENTS}


def test_the_written_files_hold_what_was_predicted() -> None:
    files = io.StringIO(), io.StringIO()
    run = _chain(files=files)
    cleaned = list(csv.reader(io.StringIO(files[0].getvalue())))
    quarantine = list(csv.DictReader(io.StringIO(files[1].getvalue())))
    assert len(cleaned) - 1 == run.preview["outlier-remover"].rows_out
    assert cleaned[0] == ["id", "name", "age", "city", "score"]  # junk dropped, as predicted
    for agent in AGENTS:
        removed = sum(1 for r in quarantine if r["_agent"] == agent)
        assert removed == run.preview[agent].rows_removed, agent
    # the same files as a run without the previewer (the dry run changes nothing)
    plain = io.StringIO(), io.StringIO()
    _chain(preview=False, files=plain)
    assert [f.getvalue() for f in plain] == [f.getvalue() for f in files]


def test_simulated_results_per_agent(run: ChainRun) -> None:
    data = _preview(run)["data"]
    results = {r["rule_id"]: r for r in data["preview_analysis"]["simulated_results"]}
    assert list(results) == list(AGENTS)
    dedup = results["duplicate-resolver"]
    assert dedup["rule_type"] == "duplicate-resolver"
    assert dedup["changes"]["row_change"] == -1
    assert dedup["changes"]["row_change_percentage"] == -10.0
    assert dedup["impact_level"] == "high"  # 10 % >= impact_threshold_high
    nulls = results["null-handler"]
    assert nulls["target_columns"] == ["age", "city", "junk"]
    levels = nulls["changes"]["column_level_changes"]
    assert levels["junk"] == {"status": "removed"}
    assert levels["age"]["null_count_change"] == -2
    assert levels["city"]["null_count_change"] == -2
    assert levels["age"]["unique_count_change"] is None
    assert nulls["changes"]["column_change"] == -1
    assert nulls["risk_assessment"]["is_risky"] is True
    assert nulls["risk_assessment"]["risk_level"] == "high"
    outliers = results["outlier-remover"]
    assert outliers["original_metrics"]["total_rows"] == 9
    assert outliers["preview_metrics"]["total_rows"] == 8
    assert outliers["original_metrics"]["total_columns"] == 5
    analysis = data["preview_analysis"]
    assert analysis["execution_safety"] == "CAUTION"
    assert analysis["overall_impact"]["safe_to_execute"] is False


def test_result_tree_keys_and_types(run: ChainRun) -> None:
    result = _preview(run)
    metrics = result["summary_metrics"]
    assert metrics == {
        "total_rows_analyzed": 10,
        "total_rules_previewed": 3,
        "high_impact_rules": 3,
        "medium_impact_rules": 0,
        "low_impact_rules": 0,
        "safe_to_execute": False,
        "total_warnings": metrics["total_warnings"],
    }
    data = result["data"]
    score = data["preview_score"]
    assert isinstance(score["overall_score"], float)
    m = score["metrics"]
    for key in ("safety_score", "completeness_score", "successful_simulations"):
        assert isinstance(m[key], int), key
    assert isinstance(m["total_simulations"], int) and isinstance(m["high_impact_operations"], int)
    assert m["completeness_score"] == 100 and m["accuracy_score"] == 100.0
    assert m["safety_score"] == 100 - 3 * 15 - 20
    assert data["quality_status"] in ("excellent", "good", "needs_review")
    profile = data["preview_analysis"]["original_profile"]
    assert (profile["row_count"], profile["column_count"]) == (10, 6)
    assert isinstance(profile["memory_usage_mb"], float)
    age = profile["columns"]["age"]
    assert age["dtype"] == "String" and age["null_count"] == 2
    assert age["null_percentage"] == 20.0 and age["unique_count"] is None
    assert any("unique" in n for n in profile["notes"])
    for r in data["preview_analysis"]["simulated_results"]:
        for key in ("total_rows", "total_columns", "memory_mb"):
            assert key in r["original_metrics"] and key in r["preview_metrics"]
        assert set(r["changes"]) >= {
            "row_change",
            "row_change_percentage",
            "column_change",
            "memory_change_mb",
            "column_level_changes",
        }
        assert r["memory_is_estimate"] is True
        assert isinstance(r["simulation_log"], list) and r["simulation_log"]
        for rec in r["recommendations"]:
            assert set(rec) == {"priority", "action", "reason"}
    analysis = data["preview_analysis"]
    assert isinstance(analysis["statistical_confidence"], float)
    for rec in analysis["recommendations"]:
        assert {"priority", "action", "reason"} <= set(rec)
    assert isinstance(data["summary"], str)
    assert all(
        {"issue_type", "rule_id", "severity", "description"} <= set(i)
        for i in data["impact_issues"]
    )
    assert list(data)[-3:] == ["defaults", "overrides", "parameters"]
    assert "preview_rules" not in data["defaults"] and len(data["defaults"]) == 11
    assert set(data["parameters"]) == set(CLEANSE_PREVIEWER.defaults())
    (card,) = result["executive_summary"]
    assert card["summary_id"] == "exec_cleanse_preview"
    assert card["title"] == "Cleanse Preview Status"
    assert card["status"] in ("excellent", "good", "needs_review")
    ids = {a["alert_id"] for a in result["alerts"]}
    assert {"alert_preview_high_impact", "alert_preview_unsafe"} <= ids
    assert all(r["recommendation_id"].startswith("rec_preview_") for r in result["recommendations"])
    assert result["row_level_issues"] == []


def test_low_impact_chain_is_safe() -> None:
    run = _chain(age="median")
    params = PreviewParams()
    data = _preview(run, params)["data"]
    nulls = next(
        r for r in data["preview_analysis"]["simulated_results"] if r["rule_id"] == "null-handler"
    )
    assert nulls["impact_level"] == "low" and nulls["risk_assessment"]["is_risky"] is False


def test_nothing_to_preview_is_not_complete() -> None:
    run = run_chain(_source, [], io.StringIO(), io.StringIO(), preview=True)
    data = _preview(run)["data"]
    assert data["preview_score"]["metrics"]["completeness_score"] == 0
    assert data["quality_status"] == "needs_review"


def test_user_rules_simulated_or_refused(run: ChainRun) -> None:
    rules = [
        {"type": "drop_columns", "target_columns": ["junk"], "description": "drop junk"},
        {"type": "drop_nulls", "target_columns": ["age"], "rule_id": "ages"},
        {"type": "impute_nulls", "target_columns": ["city"], "strategy": "constant",
         "fill_value": "?"},
        {"type": "drop_nulls", "target_columns": ["age", "city"]},
        {"type": "convert_types", "target_columns": ["age"], "target_type": "numeric"},
        {"type": "drop_columns", "target_columns": ["nope"]},
    ]  # fmt: skip
    data = _preview(run, PreviewParams.from_mapping({"preview_rules": rules}))["data"]
    results = data["preview_analysis"]["simulated_results"][len(AGENTS) :]
    assert [r["rule_id"] for r in results] == ["rule_1", "ages", "rule_3", "rule_4", "rule_5",
                                               "rule_6"]  # fmt: skip
    drop_cols, drop_nulls, impute, multi, convert, missing = results
    assert drop_cols["changes"]["column_change"] == -1 and drop_cols["impact_level"] == "high"
    assert drop_nulls["changes"]["row_change"] == -2
    assert drop_nulls["target_columns"] == ["age"]
    assert drop_nulls["changes"]["column_level_changes"]["age"]["null_count_change"] == -2
    assert impute["changes"]["row_change"] == 0
    assert impute["changes"]["column_level_changes"]["city"]["null_count_change"] == -2
    for err in (multi, convert, missing):
        assert err["status"] == "error" and set(err) >= {"rule_id", "rule_description", "error"}
    assert "not simulated" in multi["error"] and "not simulated" in convert["error"]
    assert "nope" in missing["error"]
    score = data["preview_score"]["metrics"]
    assert score["total_simulations"] == 9 and score["successful_simulations"] == 6
    assert score["accuracy_score"] == pytest.approx(66.67)
    assert data["parameters"]["preview_rules"] == rules


def test_cleanse_preview_sheet_matches_the_json(run: ChainRun, tmp_path: Any) -> None:
    rules = [{"type": "convert_types", "target_columns": ["age"]}]
    result = _preview(run, PreviewParams.from_mapping({"preview_rules": rules}))
    book = openpyxl.Workbook(write_only=True)
    cleanse_preview.write(book, result)
    path = tmp_path / "p.xlsx"
    book.save(path)
    sheet = openpyxl.load_workbook(path)[cleanse_preview.TITLE]
    header, rows = table(sheet)
    assert header[:5] == ["Rule ID", "Description", "Impact Level", "Row Change %", "Risk Level"]
    simulated = result["data"]["preview_analysis"]["simulated_results"]
    assert [r["Rule ID"].value for r in rows] == [s["rule_id"] for s in simulated]
    for row, sim in zip(rows, simulated, strict=True):
        assert all(c.value is not None for c in row.values())
        if sim.get("status") == "error":
            assert row["Impact Level"].value == "error"
            continue
        assert row["Impact Level"].value == sim["impact_level"]
        assert row["Risk Level"].value == sim["risk_assessment"]["risk_level"]
        pct = sim["changes"]["row_change_percentage"]
        assert row["Row Change %"].value == pytest.approx(pct / 100)
    block = side(sheet, len(header))
    m = result["summary_metrics"]
    assert block["Rules Previewed"] == m["total_rules_previewed"]
    assert block["Safe To Execute"] is m["safe_to_execute"]
    assert block["Overall Score"] == pytest.approx(result["data"]["preview_score"]["overall_score"])


def test_params_match_the_catalog() -> None:
    assert PreviewParams.defaults() == CLEANSE_PREVIEWER.defaults()
    assert PreviewParams.from_mapping(CLEANSE_PREVIEWER.defaults()) == PreviewParams()
    assert CleansePreviewer.kind.value == "preview"
