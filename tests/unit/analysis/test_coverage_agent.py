"""test-coverage-agent: every test over every row, Great Expectations'
result fields computed independently with pandas on a generated file,
the upstream keys and JSON types (frontend-contract §6.4), not_configured,
tests on absent columns, exact uniqueness past the memory bound (spilled
to disk), and RE2 on a pattern that backtracks catastrophically elsewhere."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analysis_service.agents.runner import AgentRequest, run_profile_agents
from analysis_service.agents.test_coverage_agent.observer import INDEX_CAP, PARTIAL_VALUES
from analysis_service.agents.test_coverage_agent.params import CoverageParams
from analysis_service.agents.test_coverage_agent.uniques import UniqueState
from tests.unit.analysis.conftest import chunked

pytestmark = pytest.mark.unit

EMAIL = r"[a-z]+@[a-z]+\.com"
TESTS = {
    "unique_columns": ["id", "code"],
    "range_tests": {"age": {"min": 0, "max": 120}, "score": {"min": 0.5}},
    "format_tests": {"email": EMAIL, "code": {"pattern": "C[0-9]{4}", "description": "code"}},
}


def generated(rng: np.random.Generator, n: int = 3_000) -> bytes:
    ids = np.arange(n).astype(str).astype(object)
    ids[rng.choice(n, 40, replace=False)] = "7"  # one value repeated
    ids[rng.choice(n, 30, replace=False)] = None
    age = rng.integers(-5, 130, n).astype(str).astype(object)
    age[rng.choice(n, 25, replace=False)] = "n/a!"
    age[rng.choice(n, 25, replace=False)] = None
    names = np.array(["ann", "bob", "Eve", "x y"])[rng.integers(0, 4, n)]
    email = np.char.add(names.astype(str), "@mail.com").astype(object)
    email[rng.choice(n, 20, replace=False)] = None
    code = np.char.add("C", rng.integers(0, 12_000, n).astype(str)).astype(object)
    score = np.round(rng.normal(1, 1, n), 3)
    frame = pd.DataFrame({"id": ids, "age": age, "email": email, "code": code, "score": score})
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def run(data: bytes, params: dict[str, Any], batch_rows: int = 700) -> dict[str, Any]:
    request = AgentRequest("test-coverage-agent", CoverageParams.from_mapping(params).to_dict())
    result = run_profile_agents(chunked(data, 8192), [request], batch_rows=batch_rows)
    out = result.outputs[0].to_dict()
    assert out["status"] == "success", out
    return json.loads(json.dumps(out, allow_nan=False))


def expected(values: pd.Series, unexpected: pd.Series) -> dict[str, Any]:
    """GE's fields from pandas: ``unexpected`` a boolean mask over the non-null values."""
    present = values.dropna()
    bad = present[unexpected]
    return {
        "element_count": len(values),
        "missing_count": int(values.isna().sum()),
        "unexpected_count": len(bad),
        "unexpected_percent": 100.0 * len(bad) / len(present),
        "partial_unexpected_list": bad.tolist()[:PARTIAL_VALUES],
        "unexpected_index_list": bad.index.tolist()[:INDEX_CAP],
    }


@pytest.fixture(scope="module")
def data() -> bytes:
    return generated(np.random.default_rng(11))


@pytest.fixture(scope="module")
def result(data: bytes) -> dict[str, Any]:
    return run(data, TESTS)


def assert_same(got: dict[str, Any], want: dict[str, Any]) -> None:
    assert got["unexpected_percent"] == pytest.approx(want.pop("unexpected_percent"))
    assert {k: got[k] for k in want} == want


def by_test(result: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(t["test_type"], t["column"]): t for t in result["data"]["tests"]}


def test_ge_fields_equal_pandas(data: bytes, result: dict[str, Any]) -> None:
    frame = pd.read_csv(io.BytesIO(data), dtype=str)
    tests = by_test(result)
    for column in ("id", "code"):
        present = frame[column].dropna()
        want = expected(frame[column], present.duplicated(keep=False))
        got = tests[("uniqueness", column)]
        assert_same(got, want)
        assert got["duplicate_count"] == int(present.duplicated().sum())
    for column, bounds in TESTS["range_tests"].items():
        present = frame[column].dropna()
        numbers = pd.to_numeric(present.str.strip(), errors="coerce")
        bad = numbers.isna()
        if "min" in bounds:
            bad |= numbers < bounds["min"]
        if "max" in bounds:
            bad |= numbers > bounds["max"]
        got = tests[("range", column)]
        assert_same(got, expected(frame[column], bad))
        assert got["non_numeric_count"] == int(numbers.isna().sum())
    for column, spec in TESTS["format_tests"].items():
        pattern = spec if isinstance(spec, str) else spec["pattern"]
        present = frame[column].dropna()
        bad = ~present.map(lambda v, p=pattern: re.fullmatch(p, v) is not None).astype(bool)
        want = expected(frame[column], bad)
        got = tests[("format", column)]
        assert want["unexpected_count"] > 0
        assert_same(got, want)


def test_upstream_keys_and_json_types(result: dict[str, Any]) -> None:
    metrics = result["summary_metrics"]
    assert {k: type(v) for k, v in metrics.items()} == {
        "total_records": int,
        "total_fields": int,
        "test_coverage_score": float,
        "coverage_status": str,
        "issues_found": int,
    }
    data = result["data"]
    assert set(data["test_coverage_scores"]) >= {"overall", "uniqueness", "range", "format"}
    assert all(isinstance(v, float) for v in data["test_coverage_scores"].values())
    assert data["coverage_status"] in ("excellent", "good", "needs_improvement")
    assert data["total_records"] == 3_000
    assert data["fields_analyzed"] == ["id", "age", "email", "code", "score"]
    for item in data["test_coverage_issues"]:
        assert {"type", "field", "severity", "message"} <= set(item)
        assert item["severity"] in ("critical", "warning")
        if item["type"] == "uniqueness_violation":
            assert isinstance(item["duplicate_count"], int)
        if item["type"] in ("range_violation", "format_violation"):
            assert isinstance(item["violations"], int)
    assert len(data["row_level_issues"]) <= 100
    for row in data["row_level_issues"]:
        assert isinstance(row["row_index"], int) and isinstance(row["validation_type"], str)
        assert row["issue_type"] == "test_coverage_gap"
    assert set(data["issue_summary"]) >= {
        "total_issues",
        "by_type",
        "by_severity",
        "affected_rows",
        "affected_columns",
    }
    for echo in ("defaults", "overrides", "parameters"):
        assert set(data[echo]) == {
            "uniqueness_weight",
            "range_weight",
            "format_weight",
            "excellent_threshold",
            "good_threshold",
        }
    (card,) = result["executive_summary"]
    assert card["summary_id"] == "exec_test_coverage" and card["title"] == "Test Coverage"


def test_row_issues_point_at_rows_of_the_file(data: bytes, result: dict[str, Any]) -> None:
    frame = pd.read_csv(io.BytesIO(data), dtype=str)
    for row in result["row_level_issues"]:
        assert frame.at[row["row_index"], row["column"]] == row["value"]


def test_no_tests_is_not_configured(data: bytes) -> None:
    out = run(data, {})
    assert out["summary_metrics"]["coverage_status"] == "not_configured"
    assert out["data"]["tests"] == [] and out["data"]["tests_configured"] == 0
    assert out["executive_summary"][0]["status"] != "excellent"


def test_a_test_on_an_absent_column_is_reported(data: bytes) -> None:
    out = run(data, {"unique_columns": ["nope"], "format_tests": {"missing": "x"}})
    kinds = {(i["type"], i["field"]) for i in out["data"]["test_coverage_issues"]}
    assert kinds == {("missing_unique_column", "nope"), ("missing_format_column", "missing")}
    message = next(i["message"] for i in out["issues"] if i["field_name"] == "nope")
    assert "'nope'" in message and "not in the file" in message and "email" in message
    assert any("not in the file" in a["message"] for a in out["alerts"])
    assert out["data"]["test_coverage_scores"]["overall"] == 0.0


def test_weights_and_thresholds_change_the_verdict(data: bytes) -> None:
    only = {"unique_columns": ["score"], "format_tests": {"email": EMAIL}}
    format_heavy = run(data, {**only, "uniqueness_weight": 0.0, "format_weight": 1.0})
    scores = format_heavy["data"]["test_coverage_scores"]
    assert scores["overall"] == pytest.approx(scores["format"])
    lenient = run(data, {**only, "excellent_threshold": 1, "good_threshold": 0})
    assert lenient["data"]["coverage_status"] == "excellent"


def test_uniqueness_stays_exact_when_it_spills_to_disk(rng: np.random.Generator) -> None:
    values = rng.integers(0, 50_000, 60_000).astype(str).astype(object)
    values[rng.choice(len(values), 500, replace=False)] = None
    spilling, memory = UniqueState(memory_cells=4_000), UniqueState()
    for start in range(0, len(values), 7_000):
        piece = pa.array(values[start : start + 7_000], type=pa.large_string(), from_pandas=True)
        spilling.consume(piece, start)
        memory.consume(piece, start)
    a, b = spilling.result(), memory.result()
    spilling.close()
    present = pd.Series(values).dropna()
    mask = present.duplicated(keep=False)
    assert a.spilled and not b.spilled
    assert a.unexpected_count == b.unexpected_count == int(mask.sum())
    assert a.duplicate_count == int(present.duplicated().sum())
    assert a.unexpected_rows == b.unexpected_rows == present.index[mask].tolist()[:100]
    assert a.unexpected_values[:20] == present[mask].tolist()[:20]


def test_unique_states_merge(rng: np.random.Generator) -> None:
    values = rng.integers(0, 300, 1_000).astype(str)
    left, right, whole = UniqueState(memory_cells=100), UniqueState(), UniqueState()
    left.consume(pa.array(values[:600]), 0)
    right.consume(pa.array(values[600:]), 600)
    whole.consume(pa.array(values), 0)
    left.merge(right)
    merged, single = left.result(), whole.result()
    assert (merged.unexpected_count, merged.unexpected_rows) == (
        single.unexpected_count,
        single.unexpected_rows,
    )


def test_catastrophic_pattern_on_long_input_finishes() -> None:
    long_value = "a" * 200_000 + "b"
    data = ("v\n" + "\n".join([long_value, "aaa", long_value]) + "\n").encode()
    out = run(data, {"format_tests": {"v": "(a+)+$"}}, batch_rows=2)
    (test,) = out["data"]["tests"]
    assert test["unexpected_count"] == 2 and test["unexpected_index_list"] == [0, 2]


def test_range_reads_a_decimal_comma_as_the_profile_does() -> None:
    data = b"v;w\n1,5;a\n2,5;b\n9,75;c\n-inf;d\n"
    out = run(data, {"range_tests": {"v": {"min": 0, "max": 3}}})
    (test,) = out["data"]["tests"]
    assert test["non_numeric_count"] == 0
    assert test["unexpected_index_list"] == [2, 3]


def test_full_match_semantics() -> None:
    data = b'"v"\n"ab"\n"a"\n"b\n"\n"b"\n'
    out = run(data, {"format_tests": {"v": "a|b"}})
    (test,) = out["data"]["tests"]
    # "ab" and "b<newline>" do not match a|b in full; "a" and "b" do
    assert test["unexpected_index_list"] == [0, 2]
    assert test["partial_unexpected_list"] == ["ab", "b\n"]


def test_an_open_quote_is_an_invalid_pattern() -> None:
    from dqcommon.tools.patterns import format_test_problems

    assert format_test_problems({"v": r"\Qa.b", "w": r"\Qa.b\E+", "x": r"\\Q"}) == [
        ("v", "invalid regular expression: \\Q quote without its closing \\E")
    ]
