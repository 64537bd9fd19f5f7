import pytest

from analysis_service.cleaning.agents.null_handler.logic import (
    ColumnEvidence,
    ForwardFill,
    KnnSample,
    NumericStats,
    backward_fill,
    validate_strategies,
)


def _evidence(values: list[str | None]) -> ColumnEvidence:
    ev = ColumnEvidence()
    for v in values:
        ev.add(v)
    return ev


def test_sentinels_are_placeholders_only_where_evidence_says_so() -> None:
    assert _evidence(["1", "2", "NA", "-", "3.5", "?", "4"]).placeholders() == {"NA", "-", "?"}
    # a text column of dashes: "-" is data
    assert _evidence(["--x", "-", "-", "+", "*"]).placeholders() == set()
    # text column, "missing" rare -> placeholder; "-" with other punctuation-only values -> data
    ev = _evidence(["Ann", "Bob", "Cid", "Dan", "Eve", "missing", "-", "/", "Fay", "Gus"])
    assert ev.placeholders() == {"missing"}


def test_unknown_strategy_and_constant_without_value_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown null strategy"):
        validate_strategies({"age": "average"}, {})
    with pytest.raises(ValueError, match="fill_values"):
        validate_strategies({"age": "constant"}, {})
    validate_strategies({"age": "median", "c": "constant"}, {"c": 0})


def test_stats_fills_and_knn() -> None:
    st = NumericStats()
    for v in ["1", "2", "3", "100", None, "x"]:
        st.add(v)
    assert st.mean() == 26.5 and st.median() == 2.5 and st.exact
    ff = ForwardFill()
    assert ff.fill(["a", None]) == ["a", "a"] and ff.fill([None, "b"]) == ["a", "b"]
    assert backward_fill([None, "x", None], "y") == ["x", "x", "y"]
    knn = KnnSample(("a", "b"), sample_size=3)
    rows: list[list[float | None]] = [[1.0, 10.0], [2.0, 20.0], [100.0, 1000.0], [3.0, None]]
    rows.append([4.0, 40.0])
    for r in rows:
        knn.add(r)
    assert len(knn.rows) == 3 and knn.seen == 4
    out = knn.impute([1.5, None], k=1)
    assert out[0] == 1.5 and out[1] in (10.0, 20.0, 40.0)
