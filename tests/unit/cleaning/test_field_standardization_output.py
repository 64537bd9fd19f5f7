"""field-standardization's result tree against frontend-contract §6.9 (every
key, JSON types), its findings' ids, and the "Field Standardization" sheet
opened with openpyxl and compared to the JSON."""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl
import pytest

from analysis_service.findings import ISSUE_TYPES
from analysis_service.report import build_report, write_workbook
from analysis_service.report.sheets.registry import agent_sheets
from tests.unit.cleaning.fs_helpers import Result, run_fs

DATA = (
    b"city,name,when,weight\n"
    b"New York,Anna Smith,2024-01-05,150 lb\n"
    b"new york,anna smith,03/04/2024,2 kg\n"
    b" NEW  YORK,Anna Smith,05/06/2024,heavy\n"
    b"Paris,McDonald,2024/2/1,10 lb\n"
    b"paris,McDonald,x,\n"
)
RAW = {
    "unit_standardization": True,
    "unit_mappings": {"weight": {"lb": {"factor": 0.4536, "target_unit": "kg"}}},
    "synonym_mappings": {"ghost": {"a": "b"}},
}

INT, FLOAT, STR, BOOL, LIST, DICT = int, float, str, bool, list, dict
SIDE = {
    "column_analysis": DICT,
    "total_variations": INT,
    "columns_needing_standardization": INT,
}
COLUMN_SIDE = {
    "total_unique_values": INT,
    "total_non_null_values": INT,
    "variation_score": FLOAT,
    "case_variations": INT,
    "whitespace_issues": INT,
    "needs_standardization": BOOL,
}
DATA_KEYS: dict[str, Any] = {
    "standardization_score": {
        "overall_score": FLOAT,
        "metrics": {
            "standardization_effectiveness": FLOAT,
            "data_retention_rate": FLOAT,
            "column_retention_rate": FLOAT,
            "variations_before": INT,
            "variations_after": INT,
            "variations_reduced": INT,
            "original_rows": INT,
            "standardized_rows": INT,
            "original_columns": INT,
            "standardized_columns": INT,
        },
    },
    "quality_status": STR,
    "standardization_analysis": {
        "columns_standardized": INT,
        "total_columns": INT,
        "pre_standardization": SIDE,
        "post_standardization": SIDE,
        "standardization_operations": dict.fromkeys(
            (
                "case_normalization",
                "whitespace_trimming",
                "internal_spacing_normalized",
                "synonyms_applied",
                "units_aligned",
                "dates_standardized",
            ),
            BOOL,
        ),
        "improvements": {
            "total_variations_reduced": INT,
            "total_values_standardized": INT,
            "column_improvements": DICT,
        },
        "recommendations": LIST,
    },
    "standardization_log": LIST,
    "summary": STR,
    "row_level_issues": LIST,
    "issue_summary": {
        "total_issues": INT,
        "by_type": DICT,
        "by_severity": DICT,
        "affected_rows": INT,
        "affected_columns": LIST,
    },
    "ambiguous_dates": DICT,
    "saturated_columns": LIST,
    "defaults": DICT,
    "overrides": DICT,
    "parameters": DICT,
}


def check(tree: dict[str, Any], spec: dict[str, Any], where: str = "data") -> None:
    for key, kind in spec.items():
        assert key in tree, f"{where}.{key} missing"
        value = tree[key]
        if isinstance(kind, dict):
            check(value, kind, f"{where}.{key}")
        elif kind is FLOAT:
            assert isinstance(value, int | float) and not isinstance(value, bool), where + key
        elif kind is INT:
            assert isinstance(value, int) and not isinstance(value, bool), f"{where}.{key}"
        else:
            assert isinstance(value, kind), f"{where}.{key}: {type(value).__name__}"


@pytest.fixture(scope="module")
def result() -> Result:
    return run_fs(DATA, **RAW)


def test_tree_has_every_contract_key_with_its_type(result: Result) -> None:
    tree = json.loads(json.dumps(result.tree))
    assert tree["agent_name"] == "Field Standardization"
    check(tree["summary_metrics"], dict.fromkeys(
        ("total_rows_processed", "columns_standardized", "values_changed",
         "variations_reduced", "total_issues"), INT), "summary_metrics")  # fmt: skip
    data = tree["data"]
    check(data, DATA_KEYS)
    assert list(data)[-3:] == ["defaults", "overrides", "parameters"]
    assert set(data["parameters"]) == set(data["defaults"]) == set(data["overrides"])
    assert data["overrides"]["unit_standardization"] is True
    assert data["overrides"]["case_strategy"] is None
    analysis = data["standardization_analysis"]
    for side in ("pre_standardization", "post_standardization"):
        for column, facts in analysis[side]["column_analysis"].items():
            check(facts, COLUMN_SIDE, f"{side}.{column}")
    for column, imp in analysis["improvements"]["column_improvements"].items():
        check(
            imp,
            {
                "unique_values_reduced": INT,
                "case_variations_fixed": INT,
                "whitespace_issues_fixed": INT,
                "improvement_percentage": FLOAT,
            },
            column,
        )
    for rec in analysis["recommendations"]:
        check(rec, {"column": STR, "action": STR, "reason": STR, "priority": STR})
    for line in data["standardization_log"]:
        assert isinstance(line, str)
    assert len(data["row_level_issues"]) <= 100
    for issue in data["row_level_issues"]:
        check(issue, {"row_index": INT, "column": STR, "issue_type": STR, "severity": STR,
                      "message": STR, "value": STR})  # fmt: skip
        if issue["issue_type"] == "inconsistent_format":
            assert isinstance(issue["standardized_value"], str)
            assert issue["severity"] == "info"
    assert data["ambiguous_dates"]["when"]["count"] == 2
    assert analysis["ignored_parameters"] == {"synonym_mappings": ["ghost"]}


def test_findings_ids_and_card(result: Result) -> None:
    tree = result.tree
    assert tree["executive_summary"] == [
        {
            "summary_id": "exec_field_standardization",
            "title": "Field Standardization Status",
            "value": f"{tree['data']['standardization_score']['overall_score']:.1f}",
            "status": tree["data"]["quality_status"],
            "description": tree["executive_summary"][0]["description"],
        }
    ]
    assert tree["alerts"] and all(
        a["alert_id"].startswith("alert_standardization_") for a in tree["alerts"]
    )
    assert tree["recommendations"] and all(
        r["recommendation_id"].startswith("rec_standardization_") for r in tree["recommendations"]
    )
    for item in tree["issues"] + tree["row_level_issues"]:
        assert item["issue_type"] in ISSUE_TYPES
    rec_ids = [r["recommendation_id"] for r in tree["recommendations"]]
    assert len(rec_ids) == len(set(rec_ids))
    recs = {r["recommendation_id"]: r for r in tree["recommendations"]}
    when = recs["rec_standardization_when"]
    assert when["priority"] == "high" and when["actions"] == ["decide_date_order", "review_dates"]
    summary = tree["issue_summary"]
    assert summary["total_issues"] == tree["summary_metrics"]["total_issues"]
    assert summary["by_severity"] == {"info": summary["total_issues"] - 2, "warning": 2}


def test_no_lowercasing_and_ambiguous_dates_left(result: Result) -> None:
    assert result.column("name") == ["Anna Smith"] * 3 + ["McDonald"] * 2
    assert result.column("city") == ["New York"] * 3 + ["Paris"] * 2
    assert result.column("when") == ["2024-01-05", "03/04/2024", "05/06/2024", "2024-02-01", "x"]
    assert result.column("weight") == ["68.04 kg", "2 kg", "heavy", "4.536 kg", ""]


def _book(result: Result) -> openpyxl.Workbook:
    report = build_report(
        tool_id="clean-my-data",
        analysis_id="fs",
        outputs=[result.output],
        execution_time_ms=1,
        files={"primary": {"name": "x.csv", "size_bytes": len(DATA)}},
    )
    buffer = io.BytesIO()
    write_workbook(report, buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def test_sheet_matches_the_json(result: Result) -> None:
    assert agent_sheets()["field-standardization"].order == 150
    sheet = _book(result)["Field Standardization"]
    header = [c.value for c in sheet[1]]
    upstream = ["Column", "Unique Values Reduced", "Case Variations Fixed", "Whitespace Fixed",
                "Improvement %"]  # fmt: skip
    assert header[:5] == upstream
    width = header.index(None) if None in header else len(header)
    data = result.data
    improvements = data["standardization_analysis"]["improvements"]["column_improvements"]
    pre = data["standardization_analysis"]["pre_standardization"]["column_analysis"]
    rows = list(sheet.iter_rows(min_row=2, max_row=1 + len(improvements), max_col=width))
    assert [r[0].value for r in rows] == list(improvements)
    for r in rows:
        cells = dict(zip(header[:width], r, strict=True))
        imp = improvements[cells["Column"].value]
        assert cells["Unique Values Reduced"].value == imp["unique_values_reduced"]
        assert cells["Case Variations Fixed"].value == imp["case_variations_fixed"]
        assert cells["Whitespace Fixed"].value == imp["whitespace_issues_fixed"]
        assert cells["Improvement %"].value == pytest.approx(imp["improvement_percentage"] / 100)
        assert cells["Improvement %"].number_format == "0.00%"
        assert cells["Unique Before"].value == pre[cells["Column"].value]["total_unique_values"]
        assert all(c.value is not None for c in r)  # every cell filled
    side = {
        r[0].value: r[1].value
        for r in sheet.iter_rows(min_col=width + 2, max_col=width + 3)
        if r[0].value is not None
    }
    score = data["standardization_score"]
    assert side["Overall Score"] == pytest.approx(score["overall_score"])
    assert side["Values Changed"] == result.tree["summary_metrics"]["values_changed"]
    assert side["Variations Before"] == score["metrics"]["variations_before"]
    assert side["Standardization Effectiveness"] == pytest.approx(
        score["metrics"]["standardization_effectiveness"] / 100
    )
    assert side["Quality Status"] == data["quality_status"]


def test_thresholds_come_from_the_parameters() -> None:
    lazy = {"case_strategy": "none", "trim_whitespace": False, "normalize_internal_spacing": False}
    ids = {a["alert_id"] for a in run_fs(DATA, **lazy).tree["alerts"]}
    assert {"alert_standardization_low_improvement", "alert_standardization_quality"} <= ids
    lenient = run_fs(DATA, good_threshold=0, excellent_threshold=0, **lazy).tree
    ids = {a["alert_id"] for a in lenient["alerts"]}
    assert not {"alert_standardization_low_improvement", "alert_standardization_quality"} & ids
    assert lenient["data"]["quality_status"] == "excellent"
    weighted = run_fs(DATA, data_retention_weight=0, column_retention_weight=0, **lazy).tree
    assert weighted["data"]["standardization_score"]["overall_score"] == 0.0
