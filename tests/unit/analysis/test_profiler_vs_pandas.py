"""The profiler's published statistics against pandas and scipy computed
independently on the same file: exact statistics equal, approximate ones
within the error bound the report states for them."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from analysis_service.agents.runner import AgentRequest, run_profile_agents
from analysis_service.agents.unified_profiler.params import ProfilerParams
from analysis_service.domain.profile import ProfileConfig
from tests.unit.analysis.conftest import chunked

pytestmark = pytest.mark.unit

N = 20_000
SMALL_CAPS = ProfileConfig(
    exact_quantile_limit=2_000,
    exact_distinct_limit=500,
    top_k_cap=64,
    duplicate_row_cap=2_000,
    extremes_k=50,
)


def make_csv(rng: np.random.Generator) -> bytes:
    frame = pd.DataFrame(
        {
            "normal": rng.normal(50, 10, N).round(6),
            "lognormal": rng.lognormal(2, 1.1, N).round(4),
            "count": rng.poisson(3, N),
            "category": rng.choice(
                ["alpha", "beta", "gamma", "delta"], N, p=[0.6, 0.2, 0.15, 0.05]
            ),
            "many": rng.zipf(1.6, N) % 5_000,
            "text": [f"item {i % 100} {'x' * (i % 7)}" for i in range(N)],
        }
    )
    frame.loc[rng.random(N) < 0.07, "normal"] = np.nan
    frame.loc[rng.random(N) < 0.02, "category"] = np.nan
    frame["normal"] = frame["normal"].astype(object)
    frame.loc[[11, 222], "normal"] = ["inf", "-inf"]
    # every 4th row repeats an earlier row in full (a quarter of the file)
    repeat = np.arange(N) % 4 == 3
    frame.loc[repeat] = frame.iloc[np.flatnonzero(repeat) // 2].to_numpy()
    return frame.to_csv(index=False).encode()


@pytest.fixture(scope="module")
def data() -> bytes:
    return make_csv(np.random.default_rng(77))


@pytest.fixture(scope="module")
def frame(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data))


def fields(
    data: bytes, config: ProfileConfig | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    run = run_profile_agents(
        chunked(data, 65_536),
        [AgentRequest("unified-profiler", ProfilerParams().to_dict())],
        batch_rows=3_000,
        config=config,
    )
    out = run.outputs[0]
    assert out.ok, out.error
    tree = out.to_dict()["data"]
    return {f["field_name"]: f for f in tree["fields"]}, tree


@pytest.fixture(scope="module")
def exact(data: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    return fields(data)


@pytest.fixture(scope="module")
def approximate(data: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    return fields(data, SMALL_CAPS)


def finite(series: pd.Series) -> pd.Series:
    values = series.dropna().astype(float)
    return values[np.isfinite(values)]


def iqr_outliers(values: pd.Series, lower: float, upper: float) -> int:
    return int(((values < lower) | (values > upper)).sum())


@pytest.mark.parametrize("name", ["normal", "lognormal", "count", "many"])
def test_exact_numeric_statistics(name: str, exact: Any, frame: pd.DataFrame) -> None:
    field = exact[0][name]
    s = field["statistics"]
    values = finite(frame[name])
    assert field["exactness"]["quantiles"] is True
    assert field["properties"]["null_count"] == int(frame[name].isna().sum())
    assert s["count"] == len(values)
    assert (s["min"], s["max"]) == (values.min(), values.max())
    assert s["mean"] == pytest.approx(values.mean(), rel=1e-12)
    assert s["stddev"] == pytest.approx(values.std(), rel=1e-12)
    assert s["variance"] == pytest.approx(values.var(), rel=1e-12)
    assert s["skewness"] == pytest.approx(values.skew(), rel=1e-9)
    assert s["kurtosis"] == pytest.approx(values.kurt(), rel=1e-9)
    assert s["skewness"] == pytest.approx(sps.skew(values, bias=False), rel=1e-9)
    assert [s["p25"], s["p50"], s["p75"]] == values.quantile([0.25, 0.5, 0.75]).tolist()
    assert s["median"] == values.median()
    q1, q3 = values.quantile([0.25, 0.75])
    lower, upper = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
    assert (s["lower_fence"], s["upper_fence"]) == pytest.approx((lower, upper))
    assert s["outlier_count"] == iqr_outliers(values, lower, upper)
    assert s["zero_count"] == int((values == 0).sum())
    histogram = field["histogram"]
    counts, _ = np.histogram(values, bins=20, range=(values.min(), values.max()))
    assert histogram["exact"] is True and histogram["counts"] == counts.tolist()
    nunique = frame[name].nunique() + (1 if name == "normal" else 0)  # "inf" and "-inf"
    if field["exactness"]["unique_count"]:
        assert field["distinct_count"] == nunique
    else:  # more than 10,000 distinct values: HyperLogLog, within its stated bounds
        lower, upper = field["exactness"]["unique_count_bounds"]
        assert lower <= nunique <= upper


def test_infinite_values_are_counted_apart(exact: Any, frame: pd.DataFrame) -> None:
    s = exact[0]["normal"]["statistics"]
    assert s["infinite_count"] == int(np.isinf(frame["normal"].astype(float)).sum()) > 0


def test_exact_counts_text_and_entropy(exact: Any, frame: pd.DataFrame) -> None:
    for name in ("category", "text", "count"):
        field = exact[0][name]
        counts = frame[name].value_counts()
        assert field["exactness"]["top_values"] is True
        top = {
            t["value"]: t["count"]
            for t in field["distribution"]["top_values"]
            if t["value"] != "None"
        }
        for value, count in top.items():
            key = int(value) if frame[name].dtype.kind == "i" else value
            assert counts[key] == count
        assert field["statistics"]["entropy"] == pytest.approx(
            sps.entropy(counts.to_numpy()), rel=1e-9
        )
    category = exact[0]["category"]
    assert category["properties"]["unique_count"] == frame["category"].nunique() + 1  # null counts
    lengths = frame["text"].str.len()
    text = exact[0]["text"]["statistics"]
    assert (text["min_length"], text["max_length"]) == (lengths.min(), lengths.max())
    assert text["avg_length"] == pytest.approx(lengths.mean(), rel=1e-12)


def test_exact_duplicate_rows(exact: Any, frame: pd.DataFrame) -> None:
    tree = exact[1]
    expected = int(frame.duplicated().sum())
    assert tree["dataset"]["duplicate_rows"]["exact"] is True
    assert tree["quality_summary"]["duplicate_rows"] == expected


def test_approximate_quantiles_within_their_rank_error(
    approximate: Any, frame: pd.DataFrame
) -> None:
    for name in ("normal", "lognormal"):
        field = approximate[0][name]
        bound = field["exactness"]["quantile_rank_error"]
        assert field["exactness"]["quantiles"] is False and 0 < bound < 0.05
        values = np.sort(finite(frame[name]).to_numpy())
        n = len(values)
        for key, q in (("p25", 0.25), ("p50", 0.5), ("p75", 0.75)):
            got = field["statistics"][key]
            low = np.searchsorted(values, got, side="left") / n
            high = np.searchsorted(values, got, side="right") / n
            assert low - bound - 1 / n <= q <= high + bound + 1 / n, (name, key)
        # the exact statistics stay exact past the caps
        assert field["statistics"]["mean"] == pytest.approx(values.mean(), rel=1e-12)
        assert field["statistics"]["min"] == values.min()


def test_approximate_counts_within_their_bounds(approximate: Any, frame: pd.DataFrame) -> None:
    many = approximate[0]["many"]
    truth = frame["many"].nunique()
    lower, upper = many["exactness"]["unique_count_bounds"]
    assert many["exactness"]["unique_count"] is False and lower <= truth <= upper
    bound = many["exactness"]["top_values_count_error_bound"]
    counts = frame["many"].value_counts()
    assert many["exactness"]["top_values"] is False and bound > 0
    for top in many["distribution"]["top_values"]:
        true = counts[int(top["value"])]
        assert top["count"] <= true <= top["count"] + bound
    lognormal = approximate[0]["lognormal"]
    s = lognormal["statistics"]
    values = finite(frame["lognormal"])
    truth_out = iqr_outliers(values, s["lower_fence"], s["upper_fence"])
    error = lognormal["exactness"]["outlier_count_error_bound"]
    assert abs(s["outlier_count"] - truth_out) <= error
    histogram = lognormal["histogram"]
    counts, _ = np.histogram(values, bins=np.asarray(histogram["edges"]))
    assert histogram["exact"] is False
    for got, true in zip(histogram["counts"], counts, strict=True):
        assert abs(got - true) <= histogram["count_error_bound"]


def test_duplicate_rows_past_the_cap_are_estimated(approximate: Any, frame: pd.DataFrame) -> None:
    duplicates = approximate[1]["dataset"]["duplicate_rows"]
    truth = int(frame.duplicated().sum())
    assert duplicates["exact"] is False and 0 < duplicates["sample_rate"] < 1
    assert duplicates["count"] == pytest.approx(truth, rel=0.15)
