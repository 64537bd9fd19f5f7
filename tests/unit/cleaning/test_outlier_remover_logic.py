from collections.abc import Sequence

from analysis_service.cleaning.agents.outlier_remover.logic import (
    ColumnValues,
    fences,
    inlier_imputation,
)


def _col(values: Sequence[str | None]) -> ColumnValues:
    c = ColumnValues()
    for v in values:
        c.add(v)
    return c


AMOUNTS = ["10", "11", "12", "10", "11", "12", "10", "11", "500", "-400", None, "n/a"]


def test_every_outlier_is_found_not_a_sample() -> None:
    values = [str(10 + i % 3) for i in range(200)] + ["1000"] * 120
    col = _col(values[:200])
    f = fences(col, "iqr")
    flagged = [v for v in values if f.is_outlier(float(v))]
    assert len(flagged) == 120  # upstream stopped at 50


def test_iqr_fences_and_inlier_imputation() -> None:
    col = _col(AMOUNTS)
    f = fences(col, "iqr")
    outliers = [v for v in AMOUNTS if v not in (None, "n/a") and f.is_outlier(float(v))]
    assert outliers == ["500", "-400"]
    assert f.severity(500.0) == "critical"
    assert inlier_imputation(col, f, "impute_mean") == 87 / 8  # outliers left out
    assert inlier_imputation(col, f, "impute_median") == 11.0


def test_z_score_and_percentile() -> None:
    col = _col([str(x) for x in [1] * 30 + [100]])
    f = fences(col, "z_score", z_threshold=3)
    assert f.is_outlier(100.0) and not f.is_outlier(1.0)
    col = _col([str(x) for x in range(1, 101)])
    p = fences(col, "percentile", lower_percentile=5, upper_percentile=95)
    assert p.is_outlier(1.0) and p.is_outlier(100.0) and not p.is_outlier(50.0)


def test_identifier_like_columns() -> None:
    assert _col([str(i) for i in range(1, 50)]).identifier_like()
    assert _col(["00123", "00456", "00123"]).identifier_like()  # codes with leading zeros
    assert not _col(AMOUNTS).identifier_like()
    assert not _col(["1.5", "2.5", "3.5"]).identifier_like()
