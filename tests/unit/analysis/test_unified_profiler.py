"""unified-profiler: the upstream result tree, the alert kinds, every
parameter's effect, and row numbers of the original file."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analysis_service.agents.base import AgentOutput
from analysis_service.agents.runner import AgentRequest, run_profile_agents
from analysis_service.agents.unified_profiler.params import ProfilerParams
from tests.unit.analysis.conftest import chunked
from tests.unit.analysis.profiler_data import alert_kinds_frame, to_csv, with_duplicates

pytestmark = pytest.mark.unit

DEFAULTS = ProfilerParams().to_dict()


def profile(data: bytes, **params: Any) -> AgentOutput:
    run = run_profile_agents(
        chunked(data, 4096),
        [AgentRequest("unified-profiler", {**DEFAULTS, **params}, params or None)],
        batch_rows=700,
    )
    output = run.outputs[0]
    assert output.ok, output.error
    return output


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return with_duplicates(alert_kinds_frame(np.random.default_rng(11)), [1, 2, 3])


@pytest.fixture(scope="module")
def data(frame: pd.DataFrame) -> bytes:
    return to_csv(frame)


@pytest.fixture(scope="module")
def out(data: bytes) -> AgentOutput:
    return profile(data)


# -- the upstream tree (frontend-contract.md §6.1): keys and JSON types --------

FIELD_KEYS = {
    "field_id": str,
    "field_name": str,
    "data_type": str,
    "semantic_type": str,
    "properties": dict,
    "quality_score": float,
    "quality_indicators": dict,
    "distribution": dict,
}
PROPERTIES = {
    "null_count": int,
    "null_percentage": float,
    "unique_count": int,
    "unique_percentage": float,
    "is_primary_key": bool,
    "is_foreign_key": bool,
    "estimated_pii_type": (str, type(None)),
    "estimated_sensitivity_level": str,
}
NUMERIC = {
    "type": str,
    "count": int,
    **dict.fromkeys(
        [
            "min",
            "max",
            "mean",
            "median",
            "stddev",
            "variance",
            "p25",
            "p50",
            "p75",
            "skewness",
            "kurtosis",
            "outlier_percentage",
            "entropy",
        ],
        float,
    ),
    "outlier_count": int,
}
TEXT = {
    "type": str,
    "min_length": int,
    "max_length": int,
    "avg_length": float,
    "entropy": float,
    "charset_diversity": list,
}
QUALITY_SUMMARY = {
    "overall_quality_score": float,
    "quality_grade": str,
    "completeness_score": float,
    "validity_score": float,
    "consistency_score": float,
    "accuracy_score": float,
    "fields_requiring_attention": int,
    "critical_issues": int,
    "warnings": int,
    "info_messages": int,
}


def check_types(tree: dict[str, Any], spec: dict[str, Any], where: str) -> None:
    for key, types in spec.items():
        assert key in tree, f"{where}.{key} missing"
        value = tree[key]
        if types is float:  # a JSON number (Python may give an int for 100)
            assert type(value) in (float, int) and type(value) is not bool, (where, key, value)
        else:
            assert isinstance(value, types), (where, key, value)


def test_the_upstream_tree(out: AgentOutput, frame: pd.DataFrame) -> None:
    envelope = out.to_dict()
    assert envelope["agent_name"] == "UnifiedProfiler"
    assert set(envelope) >= {
        "status",
        "agent_id",
        "agent_name",
        "execution_time_ms",
        "summary_metrics",
        "data",
        "alerts",
        "issues",
        "recommendations",
        "executive_summary",
        "ai_analysis_text",
        "row_level_issues",
        "issue_summary",
    }
    metrics = envelope["summary_metrics"]
    assert metrics["total_rows"] == len(frame) and metrics["total_columns"] == frame.shape[1]
    assert 0 < metrics["columns_with_issues"] <= frame.shape[1]
    data = envelope["data"]
    assert [f["field_name"] for f in data["fields"]] == list(frame.columns)
    for field in data["fields"]:
        name = field["field_name"]
        check_types(field, FIELD_KEYS, name)
        assert field["field_id"] == name and field["semantic_type"] == field["data_type"]
        assert field["data_type"] in ("string", "integer", "float", "datetime", "boolean")
        check_types(field["properties"], PROPERTIES, f"{name}.properties")
        check_types(
            field["quality_indicators"],
            dict.fromkeys(
                ["completeness_score", "uniqueness_score", "validity_score", "consistency_score"],
                float,
            ),
            f"{name}.quality_indicators",
        )
        stats = field["statistics"]
        check_types(stats, NUMERIC if stats["type"] == "numeric" else TEXT, f"{name}.statistics")
        assert stats["type"] == (
            "numeric" if field["data_type"] in ("integer", "float") else "string"
        )
        distribution = field["distribution"]
        assert distribution["type"] in ("uniform", "non_uniform")
        for top in distribution["top_values"]:
            check_types(top, {"value": str, "count": int, "percentage": float}, name)
    check_types(data["quality_summary"], QUALITY_SUMMARY, "quality_summary")
    assert data["quality_summary"]["quality_grade"] in "ABCDF"
    assert (
        set(data["defaults"]) == set(data["parameters"]) == set(data["overrides"]) == set(DEFAULTS)
    )
    card = envelope["executive_summary"][0]
    assert card["summary_id"] == "exec_quality" and card["title"] == "Overall Data Quality Score"
    assert card["status"] in ("excellent", "good", "fair") and isinstance(card["value"], str)
    assert float(card["value"]) == pytest.approx(
        data["quality_summary"]["overall_quality_score"], abs=0.05
    )
    assert set(envelope["issue_summary"]) >= {
        "total_issues",
        "by_type",
        "by_severity",
        "affected_rows",
        "affected_columns",
    }
    assert envelope["issue_summary"]["affected_columns"] == sorted(
        envelope["issue_summary"]["affected_columns"]
    )


def test_ours_beside_upstream(out: AgentOutput) -> None:
    fields = {f["field_name"]: f for f in out.to_dict()["data"]["fields"]}
    mixed = fields["mixed"]
    assert mixed["data_type"] == "integer"
    assert mixed["inferred_type"]["mismatch_count"] == 3
    assert mixed["inferred_type"]["confidence"] == pytest.approx(1 - 3 / 2003)
    assert mixed["exactness"]["quantiles"] is True
    assert fields["amount"]["histogram"]["exact"] is True
    assert sum(fields["amount"]["histogram"]["counts"]) == 2003
    assert fields["id"]["properties"]["is_primary_key"] is False  # duplicated rows repeat ids
    assert fields["constant"]["statistics"]["type"] == "string"
    assert fields["skewed"]["statistics"]["undefined"] == []


def test_alert_kinds_fire(out: AgentOutput) -> None:
    alerts = {a.alert_id: a for a in out.findings.alerts}
    expected = {
        "alert_profile_high_nulls": ["mostly_null"],
        "alert_profile_missing_values": ["some_null"],
        "alert_profile_constant": ["constant", "mostly_null"],  # one value besides nulls
        "alert_profile_zeros": ["zeros"],
        "alert_profile_infinite": ["infinite"],
        "alert_profile_distribution_anomalies": ["skewed"],
        "alert_profile_imbalance": ["category"],
        "alert_profile_high_cardinality": ["free_text", "email"],
        "alert_profile_type_conflicts": ["mixed"],
        "alert_profile_pii_detected": ["email"],
    }
    for alert_id, fields in expected.items():
        assert alert_id in alerts, sorted(alerts)
        assert list(alerts[alert_id].affected_fields) == fields, alert_id
    duplicates = alerts["alert_profile_duplicate_rows"]
    assert duplicates.message.startswith("3 row(s)")
    conflict = alerts["alert_profile_type_conflicts"].message
    assert "mixed: 3 of 2,003 values (0.15%) are not integer" in conflict
    assert {a.severity.value for a in alerts.values()} <= {"critical", "high", "medium", "low"}
    issue_types = {(i.field_name, i.issue_type) for i in out.findings.issues}
    assert {
        ("email", "pii_email_address"),
        ("mixed", "type_mismatch"),
        ("mostly_null", "high_null_percentage"),
        ("constant", "constant_column"),
        ("infinite", "infinite_values"),
        ("skewed", "skewed_distribution"),
        ("category", "imbalanced_distribution"),
    } <= issue_types
    mismatch = next(i for i in out.findings.issues if i.issue_type == "type_mismatch")
    assert mismatch.issue_id == "issue_profile_type_mismatch_mixed"
    assert mismatch.extras["declared_type"] == "integer"
    recs = {r.recommendation_id for r in out.findings.recommendations}
    assert {
        "rec_profile_pii_protection",
        "rec_profile_type_resolution",
        "rec_profile_critical_nulls",
    } <= recs


def test_unique_and_primary_key(rng: np.random.Generator) -> None:
    frame = pd.DataFrame({"key": np.arange(500), "v": rng.integers(0, 3, 500)})
    out = profile(to_csv(frame))
    alerts = {a.alert_id: a for a in out.findings.alerts}
    assert list(alerts["alert_profile_unique"].affected_fields) == ["key"]
    key = out.to_dict()["data"]["fields"][0]
    assert key["properties"]["is_primary_key"] is True
    assert key["properties"]["unique_count"] == 500
    assert "alert_profile_duplicate_rows" not in alerts


def test_row_index_is_the_data_row_of_the_original_file(
    out: AgentOutput, frame: pd.DataFrame
) -> None:
    rows = out.findings.row_issues
    mismatch = sorted(r.row_index for r in rows if r.issue_type == "type_mismatch")
    assert mismatch == [10, 20, 1_500]  # across batches of 700 rows
    assert {r.value for r in rows if r.issue_type == "type_mismatch"} == {"unknown", "lots", "?x"}
    nulls = {r.row_index for r in rows if r.issue_type == "null" and r.column == "mostly_null"}
    assert 5 in nulls and nulls <= set(np.flatnonzero(frame["mostly_null"].isna()))
    duplicates = [r for r in rows if r.issue_type == "duplicate_row"]
    assert [(r.row_index, r.extras["duplicate_of_row"]) for r in duplicates] == [
        (2000, 1),
        (2001, 2),
        (2002, 3),
    ]
    infinite = sorted(r.row_index for r in rows if r.issue_type == "infinite_value")
    assert infinite == [3, 4, 2002]  # row 2002 repeats row 3
    outliers = [r for r in rows if r.issue_type == "outlier"]
    assert outliers and all(type(r.value) is float for r in outliers)
    for r in outliers:
        assert float(frame.loc[r.row_index, r.column]) == pytest.approx(r.value)
    summary = out.findings.row_summary
    assert summary.by_type["null"] == int(frame.isna().sum().sum())
    assert summary.by_type["duplicate_row"] == 3


def test_every_parameter_has_an_effect(data: bytes, out: AgentOutput) -> None:
    def alert_ids(o: AgentOutput) -> set[str]:
        return {a.alert_id for a in o.findings.alerts}

    def field(o: AgentOutput, name: str) -> dict[str, Any]:
        return next(f for f in o.to_dict()["data"]["fields"] if f["field_name"] == name)

    relaxed = profile(data, null_alert_threshold=70)
    assert "alert_profile_high_nulls" in alert_ids(out)
    assert "alert_profile_high_nulls" not in alert_ids(relaxed)
    assert relaxed.to_dict()["data"]["quality_summary"]["critical_issues"] == (
        out.to_dict()["data"]["quality_summary"]["critical_issues"] - 1
    )

    narrow = profile(data, categorical_threshold=1, categorical_ratio_threshold=0.0001)
    assert field(out, "category")["categorical"] is True
    assert field(narrow, "category")["categorical"] is False
    assert "alert_profile_imbalance" not in alert_ids(narrow)
    # high cardinality = distinct ratio >= 1 - ratio threshold: 2,000 of 2,003 is not >= 0.9999
    assert "alert_profile_high_cardinality" not in alert_ids(narrow)
    assert "alert_profile_low_cardinality" in alert_ids(profile(data, categorical_threshold=600))

    top = profile(data, top_n_values=3)
    assert len(field(top, "zeros")["distribution"]["top_values"]) == 3
    assert len(field(out, "zeros")["distribution"]["top_values"]) == 9  # 0..8

    loose = profile(data, outlier_iqr_multiplier=6.0)
    tight, base = field(loose, "amount")["statistics"], field(out, "amount")["statistics"]
    assert tight["outlier_count"] < base["outlier_count"]
    assert tight["upper_fence"] > base["upper_fence"]

    assert "alert_profile_outliers_detected" in alert_ids(profile(data, outlier_alert_threshold=0))
    assert "alert_profile_outliers_detected" not in alert_ids(
        profile(data, outlier_alert_threshold=100)
    )
    echo = profile(data, top_n_values=3).to_dict()["data"]
    assert echo["parameters"]["top_n_values"] == 3 and echo["defaults"]["top_n_values"] == 10
    assert (
        echo["overrides"]["top_n_values"] == 3 and echo["overrides"]["null_alert_threshold"] is None
    )


def test_pii_is_estimated_and_alerted(rng: np.random.Generator) -> None:
    frame = pd.DataFrame(
        {
            "contactEmail": [f"u{i}@example.org" for i in range(200)],
            "full_name": rng.choice(["Alice Smith", "Bruno Diaz", "Chloé Martin"], 200),
            "user_name": rng.choice(["alice", "bob"], 200),
            "card": ["4111 1111 1111 1111"] * 200,
        }
    )
    out = profile(to_csv(frame))
    fields = {f["field_name"]: f["properties"] for f in out.to_dict()["data"]["fields"]}
    assert fields["contactEmail"]["estimated_pii_type"] == "email_address"
    assert fields["full_name"]["estimated_pii_type"] == "name"
    assert fields["user_name"]["estimated_pii_type"] is None
    assert fields["card"]["estimated_sensitivity_level"] == "critical"
    pii = next(a for a in out.findings.alerts if a.alert_id == "alert_profile_pii_detected")
    assert pii.severity.value == "critical" and pii.field_count == 3


def test_airport_names_under_name_are_not_people() -> None:
    """The profiler uses domain/pii (one detector): the ``name`` column of an
    airports file holds airport names, not persons' names."""
    from faker import Faker

    from tests.unit.analysis.pii.generators import airport

    fake = Faker("en_US")
    Faker.seed(3)
    frame = pd.DataFrame({"name": [airport(fake) for _ in range(200)], "iata": ["ABC"] * 200})
    fields = {
        f["field_name"]: f["properties"] for f in profile(to_csv(frame)).to_dict()["data"]["fields"]
    }
    assert fields["name"]["estimated_pii_type"] is None


def test_empty_and_header_only_files() -> None:
    out = profile(b"a,b\n")
    data = out.to_dict()["data"]
    assert [f["field_name"] for f in data["fields"]] == ["a", "b"]
    assert all("statistics" not in f for f in data["fields"])
    assert out.to_dict()["summary_metrics"]["total_rows"] == 0
    assert profile(b"a\n,\n".replace(b",", b"")).ok


def test_datetime_and_boolean_columns() -> None:
    frame = pd.DataFrame(
        {
            "day": pd.date_range("2024-01-01", periods=300, freq="D").strftime("%Y-%m-%d"),
            "flag": ["yes", "no", "yes"] * 100,
        }
    )
    out = profile(to_csv(frame))
    fields = {f["field_name"]: f for f in out.to_dict()["data"]["fields"]}
    assert fields["day"]["data_type"] == "datetime"
    assert fields["day"]["datetime"]["min"] == "2024-01-01"
    assert fields["day"]["datetime"]["max"] == "2024-10-26"
    assert fields["flag"]["data_type"] == "boolean"
    assert fields["flag"]["boolean"] == {"true_count": 200, "false_count": 100}
    assert fields["flag"]["categorical"] is True


def test_statistics_read_back_with_pandas(data: bytes, out: AgentOutput) -> None:
    frame = pd.read_csv(io.BytesIO(data))
    stats = {f["field_name"]: f for f in out.to_dict()["data"]["fields"]}
    amount = stats["amount"]["statistics"]
    assert amount["mean"] == pytest.approx(frame["amount"].mean(), rel=1e-12)
    assert amount["stddev"] == pytest.approx(frame["amount"].std(), rel=1e-12)


def test_day_month_dates_are_decided_by_the_whole_column(rng: np.random.Generator) -> None:
    days = pd.Series(pd.to_datetime("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, 400), "D"))
    early = days.where(days.dt.day <= 12, days - pd.to_timedelta(days.dt.day - 1, "D"))
    frame = pd.DataFrame(
        {
            "dmy": days.dt.strftime("%d/%m/%Y"),
            "mdy": days.dt.strftime("%m-%d-%Y"),
            "ambiguous": early.dt.strftime("%d.%m.%Y"),
            "iso": days.dt.strftime("%Y-%m-%d"),
        }
    )
    mixed = frame["dmy"].copy()
    mixed.iloc[0] = "12/31/2023"  # month first, among day-first values
    frame["mixed"] = mixed
    out = profile(to_csv(frame))
    fields = {f["field_name"]: f for f in out.to_dict()["data"]["fields"]}
    for name in frame.columns:
        assert fields[name]["data_type"] == "datetime", name
    parsed = pd.to_datetime(frame["dmy"], format="%d/%m/%Y")
    for name, order in (("dmy", "day_first"), ("mdy", "month_first")):
        dates = fields[name]["datetime"]
        assert dates["day_month_order"] == order
        assert (dates["min"], dates["max"]) == (
            parsed.min().strftime("%Y-%m-%d"),
            parsed.max().strftime("%Y-%m-%d"),
        )
    ambiguous = fields["ambiguous"]["datetime"]
    assert ambiguous["day_month_order"] == "ambiguous"
    assert ambiguous["min"] is None and ambiguous["forms"]["either_order"] == 400
    assert fields["iso"]["datetime"]["day_month_order"] is None
    assert fields["mixed"]["datetime"]["day_month_order"] == "mixed"
    alert = next(a for a in out.findings.alerts if a.alert_id == "alert_profile_date_formats")
    assert list(alert.affected_fields) == ["dmy", "mdy", "ambiguous", "mixed"]
    assert alert.severity.value == "high"  # one column needs both orders
    issues = {i.field_name: i for i in out.findings.issues if i.issue_type == "date_format"}
    assert issues["ambiguous"].severity.value == "medium"
    assert issues["dmy"].extras["date_order"] == "day_first"
    assert "rec_profile_date_standardization" in {
        r.recommendation_id for r in out.findings.recommendations
    }
