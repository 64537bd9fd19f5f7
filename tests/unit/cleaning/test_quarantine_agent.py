"""quarantine-agent through the real chain on a hand-built CSV whose answer
is known cell by cell: which rows go to quarantine, with which rule and
reason; accounting; whole-file totals; missing columns are findings."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.cleaning.quarantine_helpers import Result, run_quarantine

pytestmark = pytest.mark.unit

CSV = b"""id,email,age,score,active,joined,comment
1,a@x.com,30,1.5,true,2024-01-05,hello
2,,40,2,yes,05/01/2024,fine
3,b@x.com,150,3,no,2024-01-05,update your records please
4,c@x.com,-1,x,Y,2024-13-45,select your plan
5,d@x.com junk,20,4,f,2024-01-05T10:00:00,drop me a line
6,e@x.com,abc,5,n,2024-01-05,ok
,,,,,,
8,f@x.com,50,6,1,2024-01-05,x' OR 1=1 --
9,g@x.com,60,7.0,0,2024-01-05,<script>alert(1)</script>
10.0,h@x.com,70,1e3,T,2024-01-05,Trade Union Select Committee
"1,000",i@x.com,80,8,false,2024-01-05,JavaScript: The Good Parts
12,j@x.com,90,inf,true,2024-01-05,a'; DROP TABLE users; --
"""
EMAIL = r"[^@]+@[^@]+\.[a-z]+"  # no anchors: full match is the agent's, not the pattern's
PARAMS = {
    "required_fields": ["email"],
    "range_constraints": {"age": {"min": 0, "max": 120}},
    "format_constraints": {"email": EMAIL},
    "expected_schema": {
        "id": "integer",
        "score": "float",
        "active": "boolean",
        "joined": "datetime",
    },
}
EXPECTED = {  # _row_number -> (rule, reason)
    2: ("missing_required_field", "missing required field 'email'"),
    3: ("out_of_range", "'age'=150 above max 120"),
    4: (
        "type_mismatch",
        "'score'='x' is not a valid float; 'joined'='2024-13-45' is not a valid datetime; "
        "'age'=-1 below min 0",
    ),
    5: ("invalid_format", f"'email'='d@x.com junk' does not fully match {EMAIL}"),
    7: ("corrupted_record", "empty record (every cell empty); missing required field 'email'"),
    8: ("corrupted_record", "suspicious content in 'comment' (OR 1=1 tautology): 'x' OR 1=1 --'"),
    9: (
        "corrupted_record",
        "suspicious content in 'comment' (<script> tag): '<script>alert(1)</script>'",
    ),
    11: ("type_mismatch", "'id'='1,000' is not a valid integer"),
    12: (
        "corrupted_record",
        "suspicious content in 'comment' (SQL statement after ';'): 'a'; DROP TABLE users; --'; "
        "'score'='inf' is not a valid float",
    ),
}


@pytest.fixture(scope="module")
def result() -> Result:
    return run_quarantine(CSV, PARAMS)


def test_every_row_is_kept_or_quarantined_with_its_reason(result: Result) -> None:
    assert result.reasons() == EXPECTED
    assert [int(r["_row_number"]) for r in result.quarantine] == sorted(EXPECTED)  # file order
    assert [r[0] for r in result.cleaned[1:]] == ["1", "6", "10.0"]
    assert result.run.rows_in == 12
    assert result.run.rows_in == result.run.rows_cleaned + result.run.rows_quarantined
    assert result.run.rows_quarantined == len(EXPECTED)
    # the quarantine file keeps the ORIGINAL values of the row
    row4 = next(r for r in result.quarantine if r["_row_number"] == "4")
    assert (row4["age"], row4["score"], row4["comment"]) == ("-1", "x", "select your plan")
    assert all(r["_agent"] == "quarantine-agent" for r in result.quarantine)


def test_preview_predicts_the_writing_pass(result: Result) -> None:
    agent = "quarantine-agent"
    assert result.run.preview[agent].counts() == result.run.tallies[agent].counts()


def test_whole_file_counts_and_score(result: Result) -> None:
    tree = result.tree
    m = tree["summary_metrics"]
    assert m == {
        "total_rows_processed": 12,
        "quarantined_records": 9,
        "clean_records": 3,
        "quarantine_percentage": 75.0,
        "quarantine_issues_found": 14,
    }
    analysis = tree["data"]["quarantine_analysis"]
    assert analysis["issue_types"] == {
        "corrupted_record": 4,
        "missing_required_field": 2,
        "type_mismatch": 4,
        "out_of_range": 2,
        "invalid_format": 1,
        "non_numeric_range_value": 1,
    }
    assert analysis["severity_breakdown"] == {"critical": 6, "high": 6, "medium": 2}
    assert analysis["quarantined_by_rule"] == {
        "missing_required_field": 1,
        "out_of_range": 1,
        "type_mismatch": 2,
        "invalid_format": 1,
        "corrupted_record": 4,
    }
    metrics = tree["data"]["quality_score"]["metrics"]
    # row 6 (age 'abc', no numeric type) is kept but is not issue-free
    assert metrics["quarantine_reduction_rate"] == 25.0
    assert metrics["data_integrity_rate"] == round(100 * 2 / 12, 2)
    assert metrics["processing_efficiency_rate"] == 100
    expected = round(0.5 * 25.0 + 0.3 * round(100 * 2 / 12, 2) + 0.2 * 100, 2)
    assert tree["data"]["quality_score"]["overall_score"] == pytest.approx(expected)
    assert tree["data"]["quality_status"] == "needs_improvement"


def test_row_issues_name_original_rows(result: Result) -> None:
    tree = result.tree
    issues = tree["data"]["quarantine_analysis"]["quarantine_issues"]
    assert [(i["row_index"], i["column"], i["issue_type"]) for i in issues[:3]] == [
        (1, "email", "missing_required_field"),
        (2, "age", "out_of_range"),
        (3, "score", "type_mismatch"),
    ]
    assert {"row_index": 5, "column": "age", "issue_type": "non_numeric_range_value"}.items() <= (
        next(i for i in issues if i["row_index"] == 5).items()
    )
    top = tree["row_level_issues"]
    flagged = [r for r in top if r["issue_type"] == "quarantine_flagged"]
    assert {r["row_index"] for r in flagged} == {6, 7, 8, 11}
    assert all(r["detection_method"] == "corrupted_record" for r in flagged)
    suspicious = {
        r["row_index"]: r["issue_count"] for r in top if r["issue_type"] == "suspicious_row"
    }
    assert suspicious == {3: 3, 6: 2, 11: 2}
    anomalies = [r for r in top if r["issue_type"] == "data_anomaly"]
    assert sorted(r["row_index"] for r in anomalies) == [n - 1 for n in EXPECTED]
    assert all(r["quarantined"] is True and r["value"] is None for r in anomalies)
    summary = tree["issue_summary"]
    assert set(summary["by_severity"]) >= {"critical", "warning", "info"}
    assert summary["by_type"]["data_anomaly"] == 9


def test_findings_ids(result: Result) -> None:
    tree = result.tree
    alerts = {a["alert_id"] for a in tree["alerts"]}
    assert "alert_quarantine_001_volume_critical" in alerts
    assert "alert_quarantine_001_volume_high" not in alerts
    assert {
        "alert_quarantine_002_critical_severity",
        "alert_quarantine_005_missing_fields",
        "alert_quarantine_006_type_mismatches",
        "alert_quarantine_008_corrupted_invalid",
    } <= alerts
    assert "alert_quarantine_007_schema_mismatch" not in alerts
    recs = {r["recommendation_id"] for r in tree["recommendations"]}
    assert {"rec_quarantine_review", "rec_quarantine_critical", "rec_quarantine_source"} <= recs
    assert "rec_quarantine_issue_corrupted_record" in recs
    (card,) = tree["executive_summary"]
    assert card["summary_id"] == "exec_quarantine"
    assert card["title"] == "Data Quarantine Status"
    assert card["status"] == "needs_improvement"
    assert any(i["issue_type"] == "corrupted_record_pattern" for i in tree["issues"])


def test_missing_expected_columns_are_findings_not_mass_quarantine() -> None:
    data = b"id,name\n" + b"".join(f"{i},n{i}\n".encode() for i in range(10))
    params = {
        "expected_schema": {"id": "integer", "gone1": "integer", "gone2": "string"},
        "required_fields": ["gone3"],
    }
    r = run_quarantine(data, params)
    assert r.run.rows_quarantined == 0 and r.run.rows_cleaned == 10
    tree = r.tree
    analysis = tree["data"]["quarantine_analysis"]
    assert analysis["missing_columns"] == ["gone1", "gone2", "gone3"]
    assert analysis["issue_types"] == {"schema_mismatch": 3}
    assert analysis["quarantine_issues"] == []
    alerts = {a["alert_id"] for a in tree["alerts"]}
    assert "alert_quarantine_007_schema_mismatch" in alerts
    assert "alert_quarantine_003_high_severity" not in alerts  # no row has a high issue
    kinds = [i["issue_type"] for i in tree["issues"]]
    assert kinds.count("schema_mismatch") == 3 and "schema_mismatch_pattern" in kinds
    metrics = tree["data"]["quality_score"]["metrics"]
    assert metrics["quarantine_reduction_rate"] == 100.0
    assert metrics["data_integrity_rate"] == 100.0
    assert metrics["processing_efficiency_rate"] == 25  # 1 of 4 constraints could run


def test_invalid_regex_and_bounds_are_refused_not_fatal() -> None:
    data = b"a,b\n1,x\n2,y\n"
    r = run_quarantine(
        data,
        {
            "format_constraints": {"b": "(?<=x)y"},  # look-behind: RE2 refuses it
            "range_constraints": {"a": {"min": 5, "max": 1}},
            "expected_schema": {"a": "money"},
        },
    )
    assert r.run.rows_quarantined == 0
    analysis = r.tree["data"]["quarantine_analysis"]
    assert [(x["rule"], x["column"]) for x in analysis["refused_constraints"]] == [
        ("type_mismatch", "a"),
        ("out_of_range", "a"),
        ("invalid_format", "b"),
    ]
    assert r.tree["data"]["quality_score"]["metrics"]["processing_efficiency_rate"] == 0
    assert {i["issue_type"] for i in r.tree["issues"]} == {"invalid_constraint"}
    assert "rec_quarantine_rules" in {x["recommendation_id"] for x in r.tree["recommendations"]}


def test_totals_are_whole_file_lists_first_100() -> None:
    rows = [f"{i},{'' if i % 2 else 'a@x.com'}\n" for i in range(1000)]
    r = run_quarantine(
        b"id,email\n" + "".join(rows).encode(), {"required_fields": ["email"]}, batch_rows=128
    )
    tree = r.tree
    assert tree["summary_metrics"]["quarantined_records"] == 500 == r.run.rows_quarantined
    analysis = tree["data"]["quarantine_analysis"]
    assert analysis["issue_types"] == {"missing_required_field": 500}
    assert len(analysis["quarantine_issues"]) == 100
    assert analysis["quarantine_issues"][0]["row_index"] == 1
    assert analysis["quarantine_issues"][-1]["row_index"] == 199
    assert tree["data"]["row_level_issues"] == analysis["quarantine_issues"]
    assert tree["issue_summary"]["by_type"]["missing_required_field"] == 500


def test_clean_file_scores_100_and_quarantining_lowers_the_score() -> None:
    clean = b"id,age\n" + b"".join(f"{i},{20 + i}\n".encode() for i in range(20))
    r = run_quarantine(clean, {"range_constraints": {"age": {"min": 0, "max": 120}}})
    assert r.tree["data"]["quality_score"]["overall_score"] == 100.0
    assert r.tree["data"]["quality_status"] == "excellent"
    assert r.tree["alerts"] == []
    worse = clean.replace(b"\n3,23\n", b"\n3,230\n").replace(b"\n4,24\n", b"\n4,240\n")
    w = run_quarantine(worse, {"range_constraints": {"age": {"min": 0, "max": 120}}})
    assert w.run.rows_quarantined == 2
    assert w.tree["data"]["quality_score"]["overall_score"] < 100.0


def test_switches_turn_rules_off() -> None:
    r = run_quarantine(
        CSV,
        {
            **PARAMS,
            "detect_missing_fields": False,
            "detect_type_mismatches": False,
            "detect_out_of_range": False,
            "detect_invalid_formats": False,
            "detect_broken_records": False,
        },
    )
    assert r.run.rows_quarantined == 0 and r.run.rows_cleaned == 12
    assert r.tree["data"]["quarantine_analysis"]["issue_types"] == {}


def test_header_only_file() -> None:
    r = run_quarantine(b"id,email\n", {"required_fields": ["email"]})
    assert r.run.rows_in == 0
    tree = r.tree
    assert tree["summary_metrics"]["quarantine_percentage"] == 0.0
    assert tree["data"]["quality_score"]["overall_score"] == 100.0
    assert tree["data"]["quarantine_analysis"]["quarantine_issues"] == []


_cells = st.sampled_from(
    [
        "",
        " ",
        "0",
        "1",
        "-3",
        "1.0",
        "1e3",
        "inf",
        "abc",
        "x@y.z",
        "x@y.z junk",
        "true",
        "N/A",
        "2024-01-05",
        "31/02/2024",
        "<script>x</script>",
        "x' OR 1=1",
        "select your plan",
        "é",
        "a\nb",
        '"q"',
    ]
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_cells, min_size=3, max_size=3), min_size=1, max_size=25))
def test_every_row_exactly_once_whatever_the_values(rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["a", "b", "c"])
    writer.writerows(rows)
    r = run_quarantine(
        buffer.getvalue().encode(),
        {
            "required_fields": ["a"],
            "expected_schema": {"a": "integer", "b": "datetime"},
            "range_constraints": {"a": {"min": 0, "max": 10}, "c": {"max": 5}},
            "format_constraints": {"c": r"[^@]+@[^@]+"},
        },
        batch_rows=4,
    )
    run = r.run
    assert run.rows_in == run.rows_cleaned + run.rows_quarantined
    assert (
        len(r.quarantine)
        == run.rows_quarantined
        == r.tree["summary_metrics"]["quarantined_records"]
    )
    numbers = [int(q["_row_number"]) for q in r.quarantine]
    assert numbers == sorted(set(numbers)) and all(q["_reason"] for q in r.quarantine)
    stats = r.output.data["quarantine_analysis"]
    assert stats["total_quarantined"] == run.rows_quarantined
