"""outlier-remover: fences from the whole column, every outlier handled.

Statistics (:class:`ColumnValues`): the numeric values of a column with the
original row of each, exact up to ``cap`` values (16 bytes each:
``array('d')`` + ``array('q')``), then a seeded uniform reservoir of ``cap``
values (fences and counts flagged approximate); the mean and std are exact
(streaming sums). Identifier-like columns are skipped unless listed: distinct
integers that run in order or fill their range densely (row ids, sequence
numbers), or codes (digit strings of one length with a leading zero).
Imputation values (mean / median) are computed on the inliers only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis_service.cleaning.numbers import INTEGER, Reservoir, numeric_cells

#: Distinct integers whose range is at most this many times their count
#: fill it densely (an id sequence with gaps).
DENSE_RANGE = 2.0
#: z-score and fence multiples beyond which an outlier is "critical".
CRITICAL_Z = 4.0
CRITICAL_IQR = 3.0


class ColumnValues:
    """The numeric cells of one column (see the module docstring)."""

    def __init__(self, cap: int = 1_000_000, seed: int = 0) -> None:
        self.sample = Reservoir(cap, seed, with_rows=True)
        self.total = 0.0
        self.total_sq = 0.0
        self.all_int = True
        self.increasing = True
        self.decreasing = True
        self.last: float | None = None
        self.code_length: int | None = None
        self.leading_zero = False
        self.codes = True

    @property
    def seen(self) -> int:
        return self.sample.seen

    def add(self, value: str | None, row: int = -1) -> None:
        if value is not None:
            self.add_many(pd.Series([value], dtype="string"), np.asarray([row], dtype=np.int64))

    def add_many(self, column: pd.Series, rows: npt.NDArray[np.int64]) -> None:
        """Cells of the column (nulls and text are skipped) with their rows."""
        mask, x, text = numeric_cells(column)
        if not len(x):
            return
        digits = text[mask]
        self.total += float(x.sum())
        self.total_sq += float((x * x).sum())
        self.all_int = self.all_int and bool(digits.str.fullmatch(INTEGER).all())
        seq = x if self.last is None else np.concatenate([[self.last], x])
        steps = np.diff(seq)
        self.increasing = self.increasing and bool((steps > 0).all())
        self.decreasing = self.decreasing and bool((steps < 0).all())
        self.last = float(x[-1])
        plain = digits.str.isdigit().to_numpy(dtype=bool)
        if not plain.all():
            self.codes = False
        elif self.codes:
            lengths = digits.str.len().to_numpy()
            if self.code_length is None:
                self.code_length = int(lengths[0])
            self.codes = bool((lengths == self.code_length).all())
            self.leading_zero = self.leading_zero or bool(
                ((lengths > 1) & digits.str.startswith("0").to_numpy(dtype=bool)).any()
            )
        self.sample.extend(x, rows[mask])

    @property
    def exact(self) -> bool:
        return self.sample.exact

    def array(self) -> npt.NDArray[np.float64]:
        return self.sample.array()

    def row_array(self) -> npt.NDArray[np.int64]:
        return self.sample.row_array()

    def identifier_like(self) -> bool:
        if self.seen == 0:
            return False
        if self.codes and self.leading_zero:
            return True
        if not (self.all_int and self.exact and self.seen > 2):
            return False
        data = self.array()
        if len(np.unique(data)) != self.seen:
            return False
        dense = (data.max() - data.min() + 1) <= DENSE_RANGE * self.seen
        return self.increasing or self.decreasing or bool(dense)

    def mean_std(self) -> tuple[float, float]:
        mean = self.total / self.seen
        var = max(self.total_sq / self.seen - mean * mean, 0.0)
        return mean, math.sqrt(var)


@dataclass(frozen=True)
class Fences:
    method: str
    lower: float
    upper: float
    mean: float = 0.0
    std: float = 0.0
    z_threshold: float = 3.0
    critical_lower: float = -math.inf
    critical_upper: float = math.inf

    def z(self, x: float) -> float:
        return (x - self.mean) / self.std if self.std > 0 else 0.0

    def mask(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        if self.method == "z_score":
            if self.std <= 0:
                return np.zeros(len(x), dtype=bool)
            return np.asarray(np.abs(x - self.mean) / self.std > self.z_threshold)
        return np.asarray((x < self.lower) | (x > self.upper))

    def is_outlier(self, x: float) -> bool:
        return bool(self.mask(np.asarray([x], dtype=float))[0])

    def severity(self, x: float) -> str:
        if self.method == "z_score":
            return "critical" if abs(self.z(x)) > CRITICAL_Z else "warning"
        return "critical" if x < self.critical_lower or x > self.critical_upper else "warning"

    def threshold(self) -> str:
        """The fence as people read it."""
        if self.method == "z_score":
            return f"|z| > {self.z_threshold:g}"
        return f"outside [{fmt(self.lower)}, {fmt(self.upper)}]"

    def why(self, x: float) -> str:
        if self.method == "z_score":
            return f"|z| = {abs(self.z(x)):.2f} > {self.z_threshold:g}"
        return f"outside [{fmt(self.lower)}, {fmt(self.upper)}]"

    def detail(self, x: float) -> dict[str, float]:
        """The contract's bounds (iqr, percentile) or z_score."""
        if self.method == "z_score":
            return {"z_score": round(self.z(x), 4)}
        return {"lower_bound": self.lower, "upper_bound": self.upper}


def fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(round(float(x), 10))


def fences(
    col: ColumnValues,
    method: str,
    *,
    iqr_multiplier: float = 1.5,
    z_threshold: float = 3.0,
    lower_percentile: float = 1.0,
    upper_percentile: float = 99.0,
) -> Fences:
    data = col.array()
    if method == "z_score":
        mean, std = col.mean_std()
        return Fences("z_score", -math.inf, math.inf, mean, std, z_threshold)
    if method == "iqr":
        q1, q3 = (float(q) for q in np.percentile(data, [25, 75]))
        iqr = q3 - q1
        lo, hi = q1 - iqr_multiplier * iqr, q3 + iqr_multiplier * iqr
        return Fences(
            "iqr",
            lo,
            hi,
            critical_lower=lo - CRITICAL_IQR * iqr,
            critical_upper=hi + CRITICAL_IQR * iqr,
        )
    lo, hi = (float(q) for q in np.percentile(data, [lower_percentile, upper_percentile]))
    clo, chi = (float(q) for q in np.percentile(data, [0.1, 99.9]))
    return Fences("percentile", lo, hi, critical_lower=clo, critical_upper=chi)


def inlier_imputation(col: ColumnValues, f: Fences, how: str) -> float:
    """Mean or median of the values that are NOT outliers."""
    data = col.array()
    inliers = data[~f.mask(data)]
    if not len(inliers):
        inliers = data
    return float(np.mean(inliers) if how == "impute_mean" else np.median(inliers))
