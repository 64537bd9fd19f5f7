"""drift-detector through the runner on generated files: the result tree
(frontend-contract.md §6.2 keys and JSON types), statistics against scipy on
the same bytes, every statistical_test value deciding, defined results for
degenerate columns, row indices of the original file, and "skipped"
without a baseline."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from analysis_service.agents.base import AgentStatus
from analysis_service.agents.runner import AgentRequest, ProfileRun, run_profile_agents
from analysis_service.report import build_report, json_bytes
from tests.unit.analysis.conftest import chunked
from tests.unit.analysis.test_report import walk_plain

pytestmark = pytest.mark.unit


def frames(n: int = 3000) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(11)
    base = pd.DataFrame(
        {
            "amount": rng.normal(100, 15, n).round(3),
            "stable": rng.normal(0, 1, n).round(4),
            "city": rng.choice(["Oslo", "Rome", "Lima"], n, p=[0.5, 0.3, 0.2]),
            "constant": np.full(n, 7),
            "empty": [""] * n,
            "single": ["x"] * n,
            "gone": rng.integers(0, 9, n),
        }
    )
    cur = pd.DataFrame(
        {
            "amount": rng.normal(120, 25, n).round(3),
            "stable": rng.normal(0, 1, n).round(4),
            "city": rng.choice(["Oslo", "Rome", "Lima", "Kyiv"], n, p=[0.3, 0.3, 0.2, 0.2]),
            "constant": np.full(n, 7),
            "empty": [""] * n,
            "single": ["x"] * n,
            "fresh": rng.integers(0, 9, n),
        }
    )
    return base, cur


def to_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def run(primary: bytes, baseline: bytes | None, **params: Any) -> ProfileRun:
    request = AgentRequest("drift-detector", params)
    return run_profile_agents(
        chunked(primary, 8192),
        [request],
        baseline=chunked(baseline, 8192) if baseline is not None else None,
        batch_rows=700,
    )


@pytest.fixture(scope="module")
def data() -> tuple[bytes, bytes]:
    base, cur = frames()
    return to_bytes(base), to_bytes(cur)


@pytest.fixture(scope="module")
def result(data: tuple[bytes, bytes]) -> dict[str, Any]:
    base, cur = data
    out = run(cur, base).outputs[0]
    assert out.status is AgentStatus.SUCCESS, out.error
    return json.loads(json_bytes(out.to_dict()))


def by_name(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["field_name"]: f for f in result["data"]["fields"]}


def test_tree_keys_and_types(result: dict[str, Any]) -> None:
    walk_plain(result)
    m = result["summary_metrics"]
    for key in (
        "fields_analyzed",
        "drift_detected_count",
        "drift_severity_high",
        "drift_severity_medium",
        "drift_severity_low",
    ):
        assert type(m[key]) is int, key
    assert type(m["average_psi_score"]) is float
    summary = result["data"]["drift_summary"]
    assert type(summary["overall_drift_score"]) is float
    assert type(summary["drift_percentage"]) is float
    assert type(summary["fields_with_drift"]) is int
    assert summary["dataset_stability"] in ("stable", "warning")
    for key in ("defaults", "overrides", "parameters"):
        assert set(result["data"][key]) == {
            "statistical_test",
            "significance_level",
            "min_sample_size",
        }
    amount = by_name(result)["amount"]
    assert {
        "field_id",
        "field_name",
        "baseline_statistics",
        "current_statistics",
        "drift_analysis",
        "drift_interpretation",
        "issue_severity",
    } <= set(amount)
    for side in ("baseline_statistics", "current_statistics"):
        for key in ("mean", "median", "stddev", "min", "max"):
            assert type(amount[side][key]) is float
        assert amount[side]["distribution"] == "normal"
    a = amount["drift_analysis"]
    assert type(a["drift_detected"]) is bool
    assert a["drift_type"] == "distribution_shift"
    assert a["severity"] in ("high", "medium", "low")
    assert a["statistical_test"] == "kolmogorov_smirnov"
    for key in (
        "psi_score",
        "p_value",
        "js_divergence",
        "wasserstein_distance",
        "change_in_mean",
        "change_in_variance",
        "change_in_median",
    ):
        assert type(a[key]) is float, key
    assert set(amount["drift_interpretation"]) == {"message", "explanation", "business_impact"}
    city = by_name(result)["city"]
    assert type(city["baseline_statistics"]["unique_values"]) is int
    assert city["baseline_statistics"]["distribution"] == "categorical"


def test_verdicts_missing_and_new_columns(result: dict[str, Any]) -> None:
    fields = by_name(result)
    assert fields["amount"]["drift_analysis"]["drift_detected"] is True
    assert fields["city"]["drift_analysis"]["drift_detected"] is True
    assert fields["stable"]["drift_analysis"]["drift_detected"] is False
    assert fields["constant"]["drift_analysis"]["drift_detected"] is False
    assert fields["empty"]["drift_analysis"]["status"] == "insufficient_data"
    for degenerate in ("constant", "single"):  # defined results, never NaN
        a = fields[degenerate]["drift_analysis"]
        assert a["status"] == "compared" and a["drift_detected"] is False
        assert a["psi_score"] == 0.0
    summary = result["data"]["drift_summary"]
    assert summary["missing_columns"] == ["gone"] and summary["new_columns"] == ["fresh"]
    assert summary["multiple_testing"]["method"]
    assert summary["drift_detected"] is True
    ids = {a["alert_id"] for a in result["alerts"]}
    assert {
        "alert_drift_001_overall",
        "alert_drift_missing_columns",
        "alert_drift_new_columns",
    } <= ids
    types = {i["issue_type"] for i in result["issues"]}
    assert {"distribution_drift", "missing_column", "new_column"} <= types
    assert result["executive_summary"][0]["summary_id"] == "exec_drift"


def test_statistics_equal_scipy(data: tuple[bytes, bytes], result: dict[str, Any]) -> None:
    base = pd.read_csv(io.BytesIO(data[0]))
    cur = pd.read_csv(io.BytesIO(data[1]))
    a = by_name(result)["amount"]["drift_analysis"]
    ks = stats.ks_2samp(base["amount"], cur["amount"])
    assert a["ks_statistic"]["exact"] is True
    assert a["ks_statistic"]["value"] == pytest.approx(ks.statistic, abs=1e-12)
    assert a["ks_p_value"]["value"] == pytest.approx(ks.pvalue, rel=1e-6, abs=1e-300)
    w = stats.wasserstein_distance(base["amount"], cur["amount"])
    assert a["wasserstein_distance"] == pytest.approx(w, rel=1e-9)
    assert a["wasserstein_normalised"]["value"] == pytest.approx(
        w / base["amount"].std(ddof=1), rel=1e-3
    )
    # JS distance over the agent's own bins (baseline quantiles + edge bins)
    bins = a["bins"]
    p = np.array([b["baseline_share"] for b in bins])
    q = np.array([b["current_share"] for b in bins])
    assert a["js_divergence"] == pytest.approx(jensenshannon(p, q, base=2), abs=1e-9)
    assert sum(b["current_count"] for b in bins) == len(cur)  # nothing dropped
    # the chi2 rule's binned test: homogeneity over the same bins (empty ones left out)
    base_counts = [round(b["baseline_share"] * len(base)) for b in bins]
    cur_counts = [b["current_count"] for b in bins]
    kept = [(x, y) for x, y in zip(base_counts, cur_counts, strict=True) if x + y > 0]
    binned = stats.chi2_contingency(np.array(kept).T, correction=False)
    assert a["binned_chi2"]["statistic"]["value"] == pytest.approx(binned[0], rel=1e-9)
    assert a["binned_chi2"]["dof"] == binned[2]
    # chi-square of homogeneity over the union of categories
    cats = sorted(set(base["city"]) | set(cur["city"]))
    table = np.array(
        [
            [int((base["city"] == c).sum()) for c in cats],
            [int((cur["city"] == c).sum()) for c in cats],
        ]
    )
    chi2, pval, dof, _ = stats.chi2_contingency(table, correction=False)
    c = by_name(result)["city"]["drift_analysis"]
    assert c["chi2"]["statistic"]["value"] == pytest.approx(chi2, rel=1e-9)
    assert c["chi2"]["dof"] == dof
    assert c["p_value"] == pytest.approx(pval, rel=1e-6, abs=1e-300)
    assert c["new_category_share"] == pytest.approx((cur["city"] == "Kyiv").mean())


@pytest.mark.parametrize("test", ["kolmogorov_smirnov", "chi2", "wasserstein"])
def test_every_statistical_test_decides(data: tuple[bytes, bytes], test: str) -> None:
    base, cur = data
    out = run(cur, base, statistical_test=test).outputs[0].to_dict()
    fields = {f["field_name"]: f for f in out["data"]["fields"]}
    assert fields["amount"]["drift_analysis"]["drift_detected"] is True
    assert fields["stable"]["drift_analysis"]["drift_detected"] is False
    assert fields["amount"]["drift_analysis"]["statistical_test"] == test
    assert fields["amount"]["drift_analysis"]["decision"]["rule"]


def test_row_indices_are_rows_of_the_file(
    data: tuple[bytes, bytes], result: dict[str, Any]
) -> None:
    cur = pd.read_csv(io.BytesIO(data[1]))
    rows = [r for r in result["row_level_issues"] if r["column"] == "city"]
    assert rows
    for r in rows:
        assert cur["city"].iloc[r["row_index"]] == r["value"] == "Kyiv"
    for r in (r for r in result["row_level_issues"] if r["column"] == "amount"):
        assert cur["amount"].iloc[r["row_index"]] == pytest.approx(float(r["value"]))


def test_skipped_without_baseline(data: tuple[bytes, bytes]) -> None:
    out = run(data[1], None).outputs[0]
    assert out.status is AgentStatus.SKIPPED
    body = out.to_dict()
    assert body["status"] == "skipped" and body["error_code"] == "BASELINE_REQUIRED"
    both = run_profile_agents(
        chunked(data[1], 8192), [AgentRequest("unified-profiler"), AgentRequest("drift-detector")]
    ).outputs
    report = build_report(
        tool_id="profile-my-data", analysis_id="a", outputs=both, execution_time_ms=1
    )
    walk_plain(json.loads(json_bytes(report)))
    assert report["status"] == "success"  # a skipped agent is not a failure
    assert report["agent_results"]["drift-detector"]["status"] == "skipped"
    assert report["metadata"]["agents_failed"] == []
    assert report["metadata"]["agents_skipped"] == ["drift-detector"]


@pytest.mark.parametrize("alpha", [0, 1])
def test_significance_level_at_the_catalog_bounds_is_refused_clearly(
    data: tuple[bytes, bytes], alpha: float
) -> None:
    out = run(data[1], data[0], significance_level=alpha).outputs[0]
    assert out.status is AgentStatus.ERROR and out.error is not None
    assert out.error.code == "AGENT_PARAMETERS_INVALID"
    assert "strictly between 0 and 1" in out.error.message
