import numpy as np
import pandas as pd
import pytest

from analysis_service.cleaning.agents.null_handler.fill import BackwardFill, Edges, ForwardFill
from analysis_service.cleaning.agents.null_handler.knn import KnnImputer, KnnSample
from analysis_service.cleaning.agents.null_handler.logic import (
    ColumnEvidence,
    NumericStats,
    validate_strategies,
)
from analysis_service.cleaning.model import CleanBatch


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
    with pytest.raises(ValueError, match="unknown null strategy 'average'"):
        validate_strategies({"age": "average"}, {})
    with pytest.raises(ValueError, match="fill_values"):
        validate_strategies({"age": "constant"}, {})
    validate_strategies({"age": "median", "c": "constant"}, {"c": 0})


def test_stats_and_forward_fill() -> None:
    st = NumericStats()
    for v in ["1", "2", "3", "100", None, "x"]:
        st.add(v)
    assert st.mean() == 26.5 and st.median() == 2.5 and st.exact
    assert st.mode(exclude={"1"}) == "2"
    ff = ForwardFill()
    assert ff.fill(["a", None]) == ["a", "a"] and ff.fill([None, "b"]) == ["a", "b"]


def _batch(values: list[str | None], first: int) -> CleanBatch:
    frame = pd.DataFrame({"v": pd.array(values, dtype="string")})
    return CleanBatch(frame, np.arange(first, first + len(values), dtype=np.int64))


def test_backward_fill_holds_rows_until_the_value_and_respects_its_bound() -> None:
    bf = BackwardFill({"v": frozenset({"NA"})}, "impute_backward_fill", limit=3)
    kept, changes = bf.push(_batch(["a", None, "NA"], 0))
    assert kept.row_index.tolist() == [0] and bf.held_rows == 2 and not changes
    kept, changes = bf.push(_batch([None, "b", None], 3))
    assert kept.row_index.tolist() == [1, 2, 3, 4]
    assert kept.frame["v"].tolist() == ["b", "b", "b", "b"]
    assert [c.row_index.tolist() for c in changes] == [[1, 2, 3]]
    assert list(changes[0].before) == [None, "NA", None]
    # a run longer than the bound: the oldest rows go out unfilled
    kept, _ = bf.push(_batch([None, None, None, None], 6))
    assert kept.row_index.tolist() == [5, 6] and bf.held_rows == 3
    kept, changes = bf.push(_batch(["c"], 10))
    assert kept.frame["v"].tolist() == ["c", "c", "c", "c"]
    assert changes[0].row_index.tolist() == [7, 8, 9]
    assert bf.flush() is None


def test_edges_count_leading_and_trailing_nulls_once_placeholders_are_known() -> None:
    e = Edges()
    for kind in ["", "-", "", None, "", None, "NA", "", "-"]:
        e.add(kind)
    assert e.leading(frozenset()) == 1 and e.leading(frozenset({"-"})) == 3
    assert e.trailing(frozenset({"NA"})) == 0 and e.trailing(frozenset({"NA", "-"})) == 3


def test_knn_sample_and_imputer() -> None:
    knn = KnnSample(("a", "b"), sample_size=3)
    for r in [["1", "10"], ["2", "20"], ["100", "1000"], ["3", None], ["4", "40"]]:
        knn.add_row(r)
    assert len(knn.rows) == 3 and knn.seen == 4
    imputer = KnnImputer.of(knn)
    value, used = imputer.impute([1.5, None], "b", k=1) or (None, False)
    assert used and value in (10.0, 20.0, 40.0)
    # a text value takes a column out of the candidate set
    knn2 = KnnSample(("a", "t"))
    for r in [["1", "x"], ["2", "3"]]:
        knn2.add_row(r)
    assert knn2.active == ["a"] and knn2.seen == 2 and knn2.rows == [[1.0], [2.0]]
