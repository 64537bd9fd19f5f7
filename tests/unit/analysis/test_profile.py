"""The one-pass profiler against pandas on the same data, and merge invariance."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from analysis_service.domain.csv_source import iter_csv_batches
from analysis_service.domain.profile import (
    DatasetProfile,
    DatasetProfiler,
    InferredType,
    Kind,
    ProfileConfig,
)
from tests.unit.analysis.conftest import chunked

pytestmark = pytest.mark.unit


def profile_csv(
    data: bytes, config: ProfileConfig | None = None, batch_rows: int = 997
) -> DatasetProfile:
    batches = iter_csv_batches(chunked(data, 65_536), batch_rows=batch_rows)
    first = next(batches)
    profiler = DatasetProfiler(list(first.frame.columns), config)
    profiler.consume(first)
    for batch in batches:
        profiler.consume(batch)
    return profiler.finish()


def mixed_frame(rng: np.random.Generator, n: int = 6_000) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "normal": rng.normal(50, 10, n),
            "skewed": rng.lognormal(1, 1.2, n),
            "count": rng.poisson(4, n),
            "flag": rng.choice(["true", "False", "YES", "n"], n),
            "when": pd.to_datetime(rng.integers(1.5e9, 1.7e9, n), unit="s").strftime(
                "%Y-%m-%dT%H:%M:%S"
            ),
            "city": rng.choice(["Paris", "Zürich", "New York", "São Paulo", "Oslo"], n),
            "zip_or_text": rng.integers(10_000, 99_999, n).astype(str),
        }
    )
    frame.loc[rng.random(n) < 0.1, "normal"] = np.nan
    frame.loc[rng.random(n) < 0.02, "city"] = np.nan
    frame.loc[[5, 77, 4_000], "zip_or_text"] = ["unknown", "n/a?", "ZIP"]
    return frame


def to_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def test_numeric_statistics_match_pandas(rng: np.random.Generator) -> None:
    frame = mixed_frame(rng)
    data = to_csv(frame)
    profile = profile_csv(data)
    reread = pd.read_csv(io.BytesIO(data))
    for name in ("normal", "skewed", "count"):
        column = profile.column(name)
        series = reread[name].dropna()
        m = column.moments
        assert column.null_count == reread[name].isna().sum()
        assert m.count == len(series)
        assert m.mean == pytest.approx(series.mean(), rel=1e-9)
        assert m.std == pytest.approx(series.std(), rel=1e-9)
        assert m.variance == pytest.approx(series.var(), rel=1e-9)
        assert m.skewness == pytest.approx(series.skew(), rel=1e-9)
        assert m.kurtosis == pytest.approx(series.kurt(), rel=1e-9)
        assert (m.min, m.max) == (series.min(), series.max())
        assert column.quantile_state.is_exact
        assert column.quantiles([0.25, 0.5, 0.75]) == series.quantile([0.25, 0.5, 0.75]).tolist()
        q1, q3 = series.quantile([0.25, 0.75])
        lo, hi = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
        outliers = column.iqr_outliers(1.5)
        assert outliers is not None and outliers.exact
        assert outliers.count == int(((series < lo) | (series > hi)).sum())
        expected_rows = set(series[(series < lo) | (series > hi)].index)
        assert {row for row, _ in outliers.examples} <= expected_rows
        assert len(outliers.examples) == min(len(expected_rows), 2 * profile.config.extremes_k)


def test_type_inference(rng: np.random.Generator) -> None:
    profile = profile_csv(to_csv(mixed_frame(rng)))
    types = {c.name: c.inferred_type for c in profile.columns}
    assert types == {
        "normal": InferredType.FLOAT,
        "skewed": InferredType.FLOAT,
        "count": InferredType.INTEGER,
        "flag": InferredType.BOOLEAN,
        "when": InferredType.DATETIME,
        "city": InferredType.STRING,
        "zip_or_text": InferredType.INTEGER,  # 3 text values out of 6,000: > 95% numeric
    }
    zip_col = profile.column("zip_or_text")
    assert zip_col.type_mismatch_count == 3
    assert [(row, value) for row, value, _ in zip_col.mismatch_examples()] == [
        (5, "unknown"),
        (77, "n/a?"),
        (4000, "ZIP"),
    ]
    assert zip_col.type_confidence == pytest.approx(5997 / 6000)
    flag = profile.column("flag")
    assert flag.true_count == sum(
        1
        for v in mixed_frame(np.random.default_rng(20240611))["flag"]
        if v.lower() in ("true", "yes")
    )
    when = profile.column("when")
    assert when.has_time and when.datetime_min is not None
    assert profile.column("city").non_ascii


def test_kind_rules_on_tricky_tokens() -> None:
    values = {
        "1": Kind.NUMERIC,
        "-0": Kind.NUMERIC,
        "+3.5": Kind.NUMERIC,
        "1e5": Kind.NUMERIC,
        "2.5E-3": Kind.NUMERIC,
        ".5": Kind.NUMERIC,
        "5.": Kind.NUMERIC,
        " 42 ": Kind.NUMERIC,
        "0": Kind.NUMERIC,
        "1e999": Kind.NUMERIC,  # overflows: infinite, as pandas reads it
        "1,000": Kind.TEXT,
        "$5": Kind.TEXT,
        "inf": Kind.NUMERIC,
        "-Infinity": Kind.NUMERIC,
        "infinite": Kind.TEXT,
        "0x1F": Kind.TEXT,
        "TRUE": Kind.BOOLEAN,
        "no": Kind.BOOLEAN,
        "Y": Kind.BOOLEAN,
        "f": Kind.BOOLEAN,
        "yes please": Kind.TEXT,
        "2024-02-29": Kind.DATETIME,
        "2024-02-30": Kind.TEXT,
        "2024-01-05T10:20:30Z": Kind.DATETIME,
        "2024-01-05 10:20:30.123+02:00": Kind.DATETIME,
        "05/01/2024": Kind.DATETIME,  # day or month first: decided by the column
        "31/02/2024": Kind.TEXT,  # a real date in neither order
        "1/2-2024": Kind.TEXT,  # two different separators
        "2024/02/29": Kind.DATETIME,
        "05/01/24": Kind.TEXT,  # two-digit years are not guessed
        "20240105": Kind.NUMERIC,
    }
    body = "v\n" + "\n".join(f'"{v}"' for v in values) + "\n"
    profile = profile_csv(body.encode())
    column = profile.column("v")
    for kind in Kind:
        got = {value.strip() if value else value for _, value in column.kind_examples(kind)}
        want = {v.strip() for v, k in values.items() if k is kind}
        assert got == want, kind
    assert column.infinite_count == 3
    assert {v for _, v in column.infinite_examples()} == {"1e999", "inf", "-Infinity"}
    assert column.moments.count == column.numeric_count - 3  # moments are over finite values


def test_mixed_and_text_columns() -> None:
    rows = ["a"] * 30 + ["12", "3.5", "2020-01-01"] + ["x y"] * 7
    profile = profile_csv(("t\n" + "\n".join(rows) + "\n").encode())
    column = profile.column("t")
    assert column.inferred_type is InferredType.STRING
    assert column.majority_kind is Kind.TEXT
    assert column.type_mismatch_count == 3  # numbers and the date in a text column
    mixed = ["7"] * 80 + ["oops"] * 20
    column = profile_csv(("m\n" + "\n".join(mixed) + "\n").encode()).column("m")
    assert column.inferred_type is InferredType.STRING  # 80% numeric < 95%
    assert column.majority_kind is Kind.NUMERIC
    assert column.type_mismatch_count == 20


def test_nulls_blanks_and_row_indices() -> None:
    data = b"a,b\n1,x\n,y\n3,  \nNA,z\n5,\n"
    profile = profile_csv(data, batch_rows=2)
    a, b = profile.column("a"), profile.column("b")
    assert a.null_count == 2 and a.null_rows() == [1, 3]
    assert b.null_count == 1 and b.null_rows() == [4]
    assert b.empty_count == 1  # whitespace only: a value, but empty
    assert a.inferred_type is InferredType.INTEGER


def test_distinct_and_top_values_exact_when_small(rng: np.random.Generator) -> None:
    frame = mixed_frame(rng)
    profile = profile_csv(to_csv(frame))
    reread = pd.read_csv(io.BytesIO(to_csv(frame)), dtype=str)
    city = profile.column("city")
    assert city.distinct().exact and city.distinct().value == reread["city"].nunique()
    expected = reread["city"].value_counts()
    assert [(e.value, e.count) for e in city.top_values(5)] == list(expected.items())
    zips = profile.column("zip_or_text")
    assert zips.distinct().value == reread["zip_or_text"].nunique()


def _split_profile(data: bytes, parts: int, config: ProfileConfig) -> DatasetProfile:
    batches = list(iter_csv_batches(chunked(data, 65_536), batch_rows=1000))
    columns = list(batches[0].frame.columns)
    profilers = [DatasetProfiler(columns, config) for _ in range(parts)]
    for i, batch in enumerate(batches):
        profilers[i * parts // len(batches)].consume(batch)
    merged = profilers[0]
    for other in profilers[1:]:
        merged.merge(other)
    return merged.finish()


def _comparable(profile: DatasetProfile) -> dict[str, object]:
    out: dict[str, object] = {"rows": profile.rows}
    for c in profile.columns:
        m = c.moments
        out[c.name] = {
            "type": c.inferred_type,
            "nulls": c.null_count,
            "mismatch": c.type_mismatch_count,
            "kinds": c.kind_counts,
            "count": m.count,
            "min": m.min_or_none(),
            "max": m.max_or_none(),
            "distinct_exact": c.distinct().exact,
            "null_rows": c.null_rows(),
            "mismatch_rows": [r for r, _, _ in c.mismatch_examples()],
            "top_exact": c.top_values_exact,
            "dt": (c.datetime_min, c.datetime_max),
            "lengths": (c.lengths.min, c.lengths.max),
            "q_exact": c.quantile_state.is_exact,
            "low": c.state.extremes.low_values.tolist()[:5],
        }
    return out


@pytest.mark.parametrize(
    "config",
    [
        ProfileConfig(),  # everything exact
        ProfileConfig(
            exact_quantile_limit=500,
            exact_distinct_limit=50,
            top_k_cap=8,
            examples_per_kind=5,
            extremes_k=10,
        ),  # everything a sketch
    ],
    ids=["exact", "sketch"],
)
def test_merge_invariance(rng: np.random.Generator, config: ProfileConfig) -> None:
    data = to_csv(mixed_frame(rng))
    whole = profile_csv(data, config, batch_rows=1000)
    merged = _split_profile(data, 3, config)
    assert _comparable(merged) == _comparable(whole)
    for name in ("normal", "skewed", "count"):
        a, b = whole.column(name), merged.column(name)
        assert a.moments.mean == pytest.approx(b.moments.mean, rel=1e-12)
        assert a.moments.variance == pytest.approx(b.moments.variance, rel=1e-10)
        assert a.moments.skewness == pytest.approx(b.moments.skewness, rel=1e-8)
        assert a.moments.kurtosis == pytest.approx(b.moments.kurtosis, rel=1e-8)
        if a.quantile_state.is_exact:
            assert a.quantiles([0.1, 0.5, 0.9]) == b.quantiles([0.1, 0.5, 0.9])
        else:
            n = a.quantile_state.count
            values = np.sort(pd.read_csv(io.BytesIO(data))[name].dropna().to_numpy())
            eps = b.quantile_state.rank_error + 1 / n
            for q in (0.25, 0.5, 0.75):
                estimate = b.quantile_state.quantile(q)
                # ties (integers): any rank in [#< x, #<= x] / n is right
                low = np.searchsorted(values, estimate, side="left") / n
                high = np.searchsorted(values, estimate, side="right") / n
                assert low - eps <= q <= high + eps
    for name in ("city", "zip_or_text", "when"):
        a, b = whole.column(name).distinct(), merged.column(name).distinct()
        if a.exact:
            assert a.value == b.value
        else:
            assert abs(a.value - b.value) <= 3 * a.relative_standard_error * max(a.value, 1)


def test_outliers_from_extremes_when_sketch(rng: np.random.Generator) -> None:
    """Beyond the exact limit, few outliers are still counted exactly (from
    the kept extremes); many are approximate with a stated bound."""
    values = rng.normal(0, 1, 30_000)
    values[:7] = [50, 60, -70, 80, 90, -100, 110]
    data = ("x\n" + "\n".join(f"{v:.6f}" for v in values) + "\n").encode()
    config = ProfileConfig(exact_quantile_limit=1_000, extremes_k=100)
    column = profile_csv(data, config, batch_rows=5000).column("x")
    assert not column.quantile_state.is_exact
    z = column.z_outliers(10.0)
    assert z is not None and z.exact and z.count == 7
    assert sorted(row for row, _ in z.examples) == list(range(7))
    iqr = column.iqr_outliers(1.5)
    assert iqr is not None
    q1, q3 = np.quantile(values, [0.25, 0.75])
    truth = int(((values < q1 - 1.5 * (q3 - q1)) | (values > q3 + 1.5 * (q3 - q1))).sum())
    if not iqr.exact:
        assert iqr.error_bound > 0
        # fences come from approximate quartiles; allow their rank error too
        assert abs(iqr.count - truth) <= iqr.error_bound + 0.03 * len(values)


def test_header_only_profile() -> None:
    profile = profile_csv(b"a,b\n")
    assert profile.rows == 0
    assert [c.inferred_type for c in profile.columns] == [InferredType.STRING] * 2
    assert profile.column("a").type_confidence is None
