"""cleanse-writeback's result tree key by key against frontend-contract
§6.13 (every listed key present, with its JSON type), its manifest built
from the agents that really ran, the parameter echo, and the workbook
sheet "Cleanse Writeback" opened with openpyxl against the JSON."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from analysis_service.agents.base import AgentOutput
from analysis_service.cleaning.agents.cleanse_writeback import CleanseWriteback
from analysis_service.cleaning.agents.cleanse_writeback.output import final_filename
from analysis_service.cleaning.agents.cleanse_writeback.params import WritebackParams
from analysis_service.findings import issue_type, json_bytes
from analysis_service.report import build_report, write_workbook
from analysis_service.report.sheets.cleanse_writeback import TITLE, transformations_text
from dqcommon.tools.clean_tool import CLEANSE_WRITEBACK
from tests.unit.analysis.test_workbook import side, table
from tests.unit.cleaning.writeback_support import Chain, read, run, write

pytestmark = pytest.mark.unit

INT, FLOAT, BOOL, STR, LIST, DICT = int, (int, float), bool, str, list, dict


def _types(tree: dict[str, Any], spec: dict[str, Any], where: str = "") -> None:
    for key, expected in spec.items():
        assert key in tree, f"{where}{key} missing"
        value = tree[key]
        if isinstance(expected, dict):
            assert isinstance(value, dict), f"{where}{key}"
            _types(value, expected, f"{where}{key}.")
        elif expected is INT:
            assert isinstance(value, int) and not isinstance(value, bool), f"{where}{key}"
        else:
            assert isinstance(value, expected), f"{where}{key}: {value!r}"


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Chain:
    return run(tmp_path_factory.mktemp("wb"))


@pytest.fixture(scope="module")
def output(chain: Chain) -> AgentOutput:
    return CleanseWriteback().finalize(chain.context(overrides={"verify_numeric_types": True}))


@pytest.fixture(scope="module")
def result(output: AgentOutput) -> dict[str, Any]:
    return json.loads(json_bytes(output.to_dict()))


def test_summary_metrics(result: dict[str, Any]) -> None:
    _types(
        result["summary_metrics"],
        {
            "total_rows_verified": INT,
            "total_columns_verified": INT,
            "integrity_checks_passed": INT,
            "integrity_checks_failed": INT,
            "agents_in_manifest": INT,
            "data_ready_for_pipeline": BOOL,
            "total_transformations_logged": INT,
        },
    )
    assert result["agent_name"] == "Cleanse Writeback" and "cleaned_file" not in result


def test_data_tree(result: dict[str, Any], chain: Chain) -> None:
    data = result["data"]
    check = {"passed": BOOL, "check_name": STR, "message": STR}
    _types(
        data,
        {
            "writeback_score": {
                "overall_score": FLOAT,
                "metrics": {
                    "integrity_score": FLOAT,
                    "completeness_score": FLOAT,
                    "auditability_score": FLOAT,
                    "checks_passed": INT,
                    "checks_total": INT,
                    "total_transformations": INT,
                    "agents_executed": INT,
                    "data_ready_for_pipeline": BOOL,
                },
            },
            "quality_status": STR,
            "writeback_analysis": {
                "integrity_verification": {
                    "checks_passed": INT,
                    "checks_failed": INT,
                    "all_checks_passed": BOOL,
                    "checks": {
                        "numeric_type_integrity": check
                        | {"columns_checked": INT, "issues_found": INT, "issues": LIST},
                        "datetime_type_integrity": check
                        | {"columns_checked": INT, "issues_found": INT, "issues": LIST},
                        "no_new_nulls": check
                        | {
                            "total_nulls": INT,
                            "null_percentage": FLOAT,
                            "columns_with_high_nulls": LIST,
                        },
                        "no_new_duplicates": check
                        | {
                            "duplicate_count": INT,
                            "duplicate_percentage": FLOAT,
                            "total_rows": INT,
                        },
                        "data_retention": check
                        | {
                            "row_retention_percentage": FLOAT,
                            "column_retention_percentage": FLOAT,
                            "current_rows": INT,
                            "current_columns": INT,
                            "original_rows": INT,
                            "original_columns": INT,
                            "issues": LIST,
                        },
                    },
                    "accounting": {
                        "rows_in": INT,
                        "rows_cleaned": INT,
                        "rows_quarantined": INT,
                        "holds": BOOL,
                    },
                },
                "comprehensive_manifest": {
                    "manifest_version": STR,
                    "manifest_type": STR,
                    "created_at": STR,
                    "source_file": STR,
                    "original_state": {"row_count": INT, "column_count": INT},
                    "final_state": {
                        "row_count": INT,
                        "column_count": INT,
                        "columns": LIST,
                        "dtypes": DICT,
                    },
                    "integrity_verification": {
                        "all_checks_passed": BOOL,
                        "checks_passed": INT,
                        "checks_failed": INT,
                        "verification_timestamp": STR,
                    },
                    "transformation_pipeline": LIST,
                    "total_transformations": INT,
                    "agent_manifests": DICT,
                    "transformation_summary": {
                        "total_agents": INT,
                        "total_actions": INT,
                        "actions_by_type": DICT,
                        "timeline": LIST,
                    },
                },
                "data_packaging": {
                    "format": STR,
                    "original_filename": STR,
                    "final_filename": STR,
                    "row_count": INT,
                    "column_count": INT,
                    "columns": LIST,
                    "data_types": DICT,
                    "manifest_embedded": BOOL,
                    "manifest_summary": {
                        "total_transformations": INT,
                        "agents_executed": INT,
                        "integrity_verified": BOOL,
                    },
                    "ready_for_pipeline": BOOL,
                    "packaging_timestamp": STR,
                },
                "total_agents_processed": INT,
                "final_row_count": INT,
                "final_column_count": INT,
                "data_ready_for_next_tool": BOOL,
                "recommendations": LIST,
            },
            "summary": STR,
            "integrity_issues": LIST,
            "defaults": DICT,
            "overrides": DICT,
            "parameters": DICT,
        },
    )
    assert data["quality_status"] in ("excellent", "good", "needs_review")
    manifest = data["writeback_analysis"]["comprehensive_manifest"]
    assert manifest["created_at"].endswith("Z")
    assert manifest["original_state"] == manifest["original_state"] | {
        "row_count": chain.run.rows_in,
        "column_count": 5,
    }
    assert manifest["final_state"]["dtypes"] == {
        "id": "String",
        "age": "Int64",
        "city": "String",
        "amount": "Float64",
        "joined": "Date",
    }
    assert set(manifest["agent_manifests"]) == set(chain.manifests)
    for rec in data["writeback_analysis"]["recommendations"]:
        _types(rec, {"priority": STR, "action": STR, "reason": STR, "impact": STR})
    packaging = data["writeback_analysis"]["data_packaging"]
    assert packaging["final_filename"] == "cleaned_people.csv"


def test_pipeline_from_the_agents_that_ran(result: dict[str, Any], chain: Chain) -> None:
    manifest = result["data"]["writeback_analysis"]["comprehensive_manifest"]
    pipeline = manifest["transformation_pipeline"]
    assert [e["agent_id"] for e in pipeline] == [s.agent.agent_id for s in chain.steps]
    for entry in pipeline:
        _types(
            entry,
            {
                "agent_id": STR,
                "agent_name": STR,
                "executed_at": STR,
                "execution_time_ms": INT,
                "status": STR,
                "transformations_applied": LIST,
            },
        )
        tally = chain.run.tallies[entry["agent_id"]]
        assert len(entry["transformations_applied"]) == len(tally.rules)
    actions = {e["agent_id"]: {t["action"] for t in e["transformations_applied"]} for e in pipeline}
    assert actions == {
        "duplicate-resolver": {"duplicate_resolution"},
        "null-handler": {"null_imputation"},
        "outlier-remover": {"outlier_removal"},
    }
    imputed = pipeline[1]["transformations_applied"][0]
    assert imputed["column"] == "age" and imputed["cells_filled"] == 3
    rules = sum(len(t.rules) for t in chain.run.tallies.values())
    assert manifest["total_transformations"] == rules
    assert manifest["transformation_summary"]["actions_by_type"] == {
        "duplicate_resolution": 1,
        "null_imputation": 1,
        "outlier_removal": 1,
    }


def test_parameter_echo(result: dict[str, Any], chain: Chain) -> None:
    data = result["data"]
    assert list(data)[-4:] == ["agent_manifests_echo", "defaults", "overrides", "parameters"]
    assert data["agent_manifests_echo"] == "summary"
    expected = CLEANSE_WRITEBACK.defaults()
    expected.pop("agent_manifests")
    assert data["defaults"] == expected
    assert set(data["overrides"]) == set(data["parameters"]) == set(expected) | {"agent_manifests"}
    assert data["overrides"]["verify_numeric_types"] is True
    assert data["overrides"]["agent_manifests"] is None
    echo = data["parameters"]["agent_manifests"]
    assert set(echo) == set(chain.manifests)
    for agent_id, entry in echo.items():
        assert set(entry) == {"agent_name", "status", "summary_metrics"}
        assert entry["summary_metrics"] == chain.manifests[agent_id]["summary_metrics"]


def test_score_from_the_real_manifest(result: dict[str, Any], chain: Chain) -> None:
    metrics = result["data"]["writeback_score"]["metrics"]
    assert metrics["integrity_score"] == 100.0
    # every agent that ran is logged and succeeded: complete (upstream's
    # 10 points per agent would give an honest 3-agent run 31.5)
    assert len(chain.manifests) == 3
    assert metrics["completeness_score"] == 100.0
    assert metrics["auditability_score"] == 100.0
    assert result["data"]["writeback_score"]["overall_score"] == pytest.approx(100.0, abs=0.01)
    assert result["data"]["quality_status"] == "excellent"


def test_findings_ids_card_and_issue_types(result: dict[str, Any], tmp_path: Path) -> None:
    (card,) = result["executive_summary"]
    assert card["summary_id"] == "exec_cleanse_writeback"
    assert card["title"] == "Cleanse Writeback Status"
    assert card["status"] == result["data"]["quality_status"]
    assert all(a["alert_id"].startswith("alert_writeback_") for a in result["alerts"])
    recs = result["recommendations"]
    assert all(r["recommendation_id"].startswith("rec_writeback_") for r in recs)
    assert result["issue_summary"]["by_severity"] == {"critical": 0, "warning": 0, "info": 0}
    chain = run(tmp_path)
    rows = read(chain.outputs.cleaned_csv)
    rows[3][2] = ""
    write(chain.outputs.cleaned_csv, rows[:2] + rows[3:])
    bad = chain.verify()
    kinds = {r["issue_type"] for r in bad["row_level_issues"]}
    assert kinds == {"rollback_needed", "integrity_violation"}
    assert all(r["row_index"] == 0 for r in bad["row_level_issues"])
    assert bad["issue_summary"]["affected_rows"] == 0
    assert bad["issue_summary"]["by_severity"]["critical"] == len(bad["row_level_issues"])
    for kind in kinds | {i["issue_type"] for i in bad["issues"]}:
        assert issue_type(kind).key == kind  # a row in the shared table
    for issue in bad["data"]["integrity_issues"]:
        assert issue["issue_type"] == "integrity_verification_failure"
        assert issue["severity"] == "high" and isinstance(issue["check_name"], str)
    assert {a["alert_id"] for a in bad["alerts"]} >= {"alert_writeback_integrity_failure"}
    rec_ids = {r["recommendation_id"] for r in bad["recommendations"]}
    assert {"rec_writeback_integrity_failures", "rec_writeback_review"} <= rec_ids


def test_manifest_switches(chain: Chain) -> None:
    data = chain.verify(params=WritebackParams(include_transformation_summary=False))["data"]
    assert "transformation_summary" not in data["writeback_analysis"]["comprehensive_manifest"]
    data = chain.verify(params=WritebackParams(generate_comprehensive_manifest=False))["data"]
    assert "comprehensive_manifest" not in data["writeback_analysis"]
    assert data["writeback_analysis"]["data_packaging"]["manifest_embedded"] is False


def test_final_filename() -> None:
    assert final_filename("people.csv") == "cleaned_people.csv"
    assert final_filename("in/sales.xlsx") == "cleaned_sales.csv"
    assert final_filename("") == "cleaned_data.csv"


def test_sheet_matches_the_json(output: AgentOutput) -> None:
    report = build_report(
        tool_id="clean-my-data",
        analysis_id="wb",
        outputs=[output],
        execution_time_ms=5,
        files={"primary": {"name": "people.csv", "size_bytes": 1}},
    )
    buffer = io.BytesIO()
    write_workbook(report, buffer)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    assert TITLE in book.sheetnames
    sheet = book[TITLE]
    header, rows = table(sheet)
    assert header == ["Check Name", "Status", "Details", "Message"]
    data = report["agent_results"]["cleanse-writeback"]["data"]
    verification = data["writeback_analysis"]["integrity_verification"]
    checks = [verification["accounting"], *verification["checks"].values()]
    assert len(rows) == len(checks)
    for row, check in zip(rows, checks, strict=True):
        assert row["Check Name"].value == check["check_name"]
        assert row["Status"].value == ("PASSED" if check["passed"] else "FAILED")
        assert row["Details"].value == check["details"]
        assert row["Message"].value == check["message"]
    block = side(sheet, len(header))
    metrics = report["agent_results"]["cleanse-writeback"]["summary_metrics"]
    assert block["Rows Verified"] == metrics["total_rows_verified"]
    assert block["Checks Passed"] == metrics["integrity_checks_passed"]
    assert block["Ready for Pipeline"] is metrics["data_ready_for_pipeline"]
    assert block["Overall Score"] == pytest.approx(data["writeback_score"]["overall_score"])
    assert block["Integrity"] == pytest.approx(
        data["writeback_score"]["metrics"]["integrity_score"] / 100
    )
    manifest = data["writeback_analysis"]["comprehensive_manifest"]
    assert block["Manifest Version"] == manifest["manifest_version"]
    assert block["Original Rows"] == manifest["original_state"]["row_count"]
    assert block["Final Rows"] == manifest["final_state"]["row_count"]
    values = [[c.value for c in r] for r in sheet.iter_rows(max_col=4)]
    start = next(i for i, r in enumerate(values) if r[0] == "Agent Name")
    assert values[start] == ["Agent Name", "Executed At", "Status", "Transformations Applied"]
    pipeline = manifest["transformation_pipeline"]
    for row, entry in zip(values[start + 1 :], pipeline, strict=False):
        assert row == [
            entry["agent_name"],
            entry["executed_at"],
            entry["status"],
            transformations_text(entry),
        ]
    recs = next(i for i, r in enumerate(values) if r[0] == "Priority")
    advice = data["writeback_analysis"]["recommendations"]
    assert [r[1] for r in values[recs + 1 : recs + 1 + len(advice)]] == [
        a["action"] for a in advice
    ]
    for r in values[start + 1 : start + 1 + len(pipeline)]:
        assert all(v not in (None, "") for v in r)  # every cell filled


def test_a_failed_or_unlogged_agent_is_reported(chain: Chain) -> None:
    manifests = dict(chain.manifests)
    manifests["null-handler"] = {
        "status": "error",
        "agent_id": "null-handler",
        "agent_name": "Null Handler",
        "error": "boom",
    }
    del manifests["outlier-remover"]
    result = chain.verify(manifests=manifests)
    alerts = {a["alert_id"] for a in result["alerts"]}
    assert {"alert_writeback_agent_failure", "alert_writeback_manifest_incomplete"} <= alerts
    rows = [r for r in result["row_level_issues"] if r["issue_type"] == "writeback_failed"]
    assert rows == [rows[0] | {"agent_id": "null-handler", "upstream_error": "boom"}]
    assert [i["issue_type"] for i in result["issues"]] == ["upstream_error"]
    assert result["summary_metrics"]["data_ready_for_pipeline"] is False
    pipeline = result["data"]["writeback_analysis"]["comprehensive_manifest"][
        "transformation_pipeline"
    ]
    assert [(e["agent_id"], e["status"]) for e in pipeline] == [
        ("duplicate-resolver", "success"),
        ("null-handler", "error"),
        ("outlier-remover", "success"),  # ran (its tally), but left no result
    ]
    recs = {r["recommendation_id"] for r in result["recommendations"]}
    assert {"rec_writeback_fix_agents", "rec_writeback_manifest"} <= recs
