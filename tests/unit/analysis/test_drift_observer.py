"""The primary-pass observer: row numbers of the file, exact counts, caps,
merging, numeric parsing identical to the profile's, bounded state."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analysis_service.domain.drift import (
    DriftObserver,
    DriftReference,
    DriftRules,
    EvidenceRule,
    NumericReference,
    detect_drift,
)
from analysis_service.domain.drift.observer import (
    CategoricalObservation,
    NumericObservation,
    parse_numbers,
)
from tests.unit.analysis.drift_support import header, profile, run_drift, to_csv

pytestmark = pytest.mark.unit


@pytest.fixture
def frames(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    baseline = pd.DataFrame(
        {
            "x": rng.normal(100, 10, 3_000),
            "c": rng.choice(["red", "green", "blue"], 3_000),
        }
    )
    x = rng.normal(104, 12, 4_000).astype(object)
    x[rng.random(4_000) < 0.05] = None  # nulls shift "filtered" row numbers
    x[[7, 8, 9]] = ["n/a", "unknown", "?"]  # so do cells that are not numbers
    x[[11, 2_500, 3_999]] = [500.0, -400.0, 1e6]  # far outside the baseline's range
    c = rng.choice(["red", "green", "blue", "pink"], 4_000, p=[0.3, 0.3, 0.3, 0.1]).astype(object)
    c[rng.random(4_000) < 0.05] = None
    return baseline, pd.DataFrame({"x": x, "c": c})


def current_numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(frame[column], errors="coerce").dropna()


def test_evidence_rows_are_rows_of_the_file(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    baseline, current = frames
    run = run_drift(baseline, current, rules=DriftRules(evidence_per_rule=1_000))
    ref = run.reference.columns["x"]
    assert isinstance(ref, NumericReference)
    values = current_numbers(current, "x")
    mean, std = baseline["x"].mean(), baseline["x"].std()
    expected = {
        EvidenceRule.OUT_OF_RANGE: values[
            (values < baseline["x"].min()) | (values > baseline["x"].max())
        ],
        EvidenceRule.Z_SCORE: values[((values - mean) / std).abs() > 3],
        EvidenceRule.ABOVE_SHIFT_BAND: values[values > mean + 1.5 * std],
        EvidenceRule.BELOW_SHIFT_BAND: values[values < mean - 1.5 * std],
    }
    evidence = {e.rule: e for e in run.result.column("x").evidence}
    assert set(evidence) == set(expected)
    for rule, rows in expected.items():
        found = evidence[rule]
        assert found.count == len(rows)
        assert list(found.rows) == rows.index.tolist()  # index = 0-based data row
        assert list(found.values) == pytest.approx(rows.tolist(), rel=1e-12)
    z = evidence[EvidenceRule.Z_SCORE]
    assert z.z_scores == pytest.approx(((np.array(z.values) - mean) / std).tolist(), rel=1e-9)
    assert {11, 2_500, 3_999} <= set(evidence[EvidenceRule.OUT_OF_RANGE].rows)

    new = next(e for e in run.result.column("c").evidence if e.rule is EvidenceRule.NEW_CATEGORY)
    pink = current.index[current["c"] == "pink"]
    assert new.count == len(pink) and list(new.rows) == pink.tolist()[: len(new.rows)]
    assert set(new.values) == {"pink"}


def test_evidence_keeps_the_first_rows_and_exact_counts(
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    baseline, current = frames
    run = run_drift(baseline, current, rules=DriftRules(evidence_per_rule=5), batch_rows=400)
    values = current_numbers(current, "x")
    above = values[values > baseline["x"].mean() + 1.5 * baseline["x"].std()]
    found = next(
        e for e in run.result.column("x").evidence if e.rule is EvidenceRule.ABOVE_SHIFT_BAND
    )
    assert found.count == len(above) > 5
    assert list(found.rows) == above.index[:5].tolist()


def test_merged_observers_equal_one_pass(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    single = run_drift(*frames, batch_rows=300)
    split = run_drift(*frames, batch_rows=300, observers=3)
    assert split.observer.rows == single.observer.rows == len(frames[1])
    for name in ("x", "c"):
        a, b = single.observer.observation(name), split.observer.observation(name)
        if isinstance(a, NumericObservation):
            assert isinstance(b, NumericObservation)
            assert a.bin_counts.tolist() == b.bin_counts.tolist()
        else:
            assert isinstance(a, CategoricalObservation) and isinstance(b, CategoricalObservation)
            assert a.counts.tolist() == b.counts.tolist() and a.unmatched == b.unmatched
        assert a is not None and b is not None
        for rule, evidence in a.evidence.items():
            assert evidence.items() == b.evidence[rule].items()
            assert evidence.count == b.evidence[rule].count
    assert split.result == single.result


def test_numbers_are_parsed_exactly_as_the_profile_does() -> None:
    tricky = [
        "1", " 2 ", "+3", "-.5", "5.", "1e3", "1E-2", "0005", "1.e5", "inf", "-Infinity",
        "1e999", "0x10", "1,5", "abc", "  ", "\u0663", "1_0", "--1", "1e", "NaN", "nan", "7",
        "5 ", "\t5", "\u00a05",
    ]  # fmt: skip
    baseline = pd.DataFrame({"v": np.arange(200, dtype=float), "w": "a"})
    current = pd.DataFrame({"v": tricky * 20, "w": "a"})
    run = run_drift(baseline, current)
    observation = run.observer.observation("v")
    assert isinstance(observation, NumericObservation)
    column = run.current.column("v")
    # The profile counts infinities (inf, -Infinity, 1e999) as numbers of their
    # own kind, outside moments and quantiles; drift compares finite values.
    assert column.infinite_count == 3 * 20
    assert observation.total == column.numeric_count - column.infinite_count == 13 * 20

    positions, values = parse_numbers(pa.array(["1", "2.5", None, "-3e2"], pa.large_string()))
    assert positions.tolist() == [0, 1, 3] and values.tolist() == [1.0, 2.5, -300.0]  # fast path
    positions, values = parse_numbers(pa.array(["x", " 4 ", "inf", "5"], pa.large_string()))
    assert positions.tolist() == [1, 3] and values.tolist() == [4.0, 5.0]  # pattern path


def test_observers_of_different_baselines_do_not_mix(rng: np.random.Generator) -> None:
    data = to_csv(pd.DataFrame({"x": rng.normal(0, 1, 500)}))
    other = to_csv(pd.DataFrame({"x": rng.normal(5, 1, 500)}))
    first = DriftReference.from_profile(profile(data))
    second = DriftReference.from_profile(profile(other))
    a, b = DriftObserver(first, ["x"]), DriftObserver(second, ["x"])
    with pytest.raises(ValueError, match="different baselines"):
        a.merge(b)
    with pytest.raises(ValueError, match="another baseline"):
        detect_drift(first, profile(other, observers=[b]), b)
    same = DriftObserver(DriftReference.from_profile(profile(data)), ["x"])
    a.merge(same)  # an equal reference built again is the same baseline


def test_state_stays_bounded_however_many_rows(rng: np.random.Generator) -> None:
    baseline = to_csv(
        pd.DataFrame({"x": rng.normal(0, 1, 1_000), "c": rng.choice(["a", "b"], 1_000)})
    )
    rules = DriftRules(evidence_per_rule=20, new_category_cap=50)
    reference = DriftReference.from_profile(profile(baseline), rules)

    def observed(rows: int) -> DriftObserver:
        current = pd.DataFrame(
            {
                "x": rng.normal(3, 2, rows),  # plenty of out-of-range and |z| > 3 rows
                "c": [f"new{i}" for i in range(rows)],  # every row a new category
            }
        )
        data = to_csv(current)
        observer = DriftObserver(reference, header(data))
        profile(data, observers=[observer], batch_rows=2_000)
        return observer

    small, large = observed(5_000), observed(20_000)
    for observer, rows in ((small, 5_000), (large, 20_000)):
        numeric = observer.observation("x")
        categorical = observer.observation("c")
        assert isinstance(numeric, NumericObservation)
        assert isinstance(categorical, CategoricalObservation)
        assert numeric.bin_counts.size == reference.columns["x"].bins.count  # type: ignore[union-attr]
        assert all(len(e.rows) <= 20 for e in numeric.evidence.values())
        assert categorical.unmatched == rows
        assert categorical.evidence[EvidenceRule.NEW_CATEGORY].count == rows
        assert len(categorical.evidence[EvidenceRule.NEW_CATEGORY].rows) == 20
        assert categorical.unmatched_values is not None
        assert categorical.unmatched_values.counters() <= 50
        assert not categorical.unmatched_values.is_exact
