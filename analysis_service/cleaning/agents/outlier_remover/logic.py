"""outlier-remover: fences from the whole column, every outlier handled.

Statistics (:class:`ColumnValues`): the numeric values of a column, exact up
to ``cap`` values (8 bytes each), then a uniform reservoir of ``cap``
values (fences flagged approximate); the mean and std are exact
(streaming sums). Identifier-like columns are skipped unless listed:
all integers and all distinct (tracked exactly while the values are held),
or codes (digit strings of one length with a leading zero).
Imputation values (mean / median) are computed on the inliers only.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field

import numpy as np

_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_INT = re.compile(r"^[+-]?\d+$")


@dataclass
class ColumnValues:
    cap: int = 1_000_000
    values: list[float] = field(default_factory=list)
    seen: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    all_int: bool = True
    code_length: int | None = None
    leading_zero: bool = False
    codes: bool = True

    def add(self, value: str | None) -> None:
        if value is None:
            return
        v = value.strip()
        if not _NUMBER.match(v):
            return
        x = float(v)
        self.seen += 1
        self.total += x
        self.total_sq += x * x
        self.all_int = self.all_int and bool(_INT.match(v))
        if v.isdigit():
            self.code_length = len(v) if self.code_length is None else self.code_length
            self.codes = self.codes and len(v) == self.code_length
            self.leading_zero = self.leading_zero or (len(v) > 1 and v[0] == "0")
        else:
            self.codes = False
        if len(self.values) < self.cap:
            self.values.append(x)
        else:
            j = random.Random(self.seen).randrange(self.seen)  # seeded: same run, same sample
            if j < self.cap:
                self.values[j] = x

    @property
    def exact(self) -> bool:
        return self.seen <= self.cap

    def identifier_like(self) -> bool:
        if self.seen == 0:
            return False
        if self.codes and self.leading_zero:
            return True
        return self.all_int and self.exact and len(set(self.values)) == self.seen and self.seen > 2

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

    def is_outlier(self, x: float) -> bool:
        if self.method == "z_score":
            return self.std > 0 and abs(x - self.mean) / self.std > self.z_threshold
        return x < self.lower or x > self.upper

    def severity(self, x: float) -> str:
        if self.method == "z_score":
            return "critical" if self.std > 0 and abs(x - self.mean) / self.std > 4 else "warning"
        return "critical" if x < self.critical_lower or x > self.critical_upper else "warning"


def fences(
    col: ColumnValues,
    method: str,
    *,
    iqr_multiplier: float = 1.5,
    z_threshold: float = 3.0,
    lower_percentile: float = 1.0,
    upper_percentile: float = 99.0,
) -> Fences:
    data = np.asarray(col.values)
    if method == "z_score":
        mean, std = col.mean_std()
        return Fences("z_score", -math.inf, math.inf, mean, std, z_threshold)
    if method == "iqr":
        q1, q3 = np.percentile(data, [25, 75])
        iqr = q3 - q1
        lo, hi = q1 - iqr_multiplier * iqr, q3 + iqr_multiplier * iqr
        return Fences("iqr", lo, hi, critical_lower=lo - 3 * iqr, critical_upper=hi + 3 * iqr)
    lo, hi = np.percentile(data, [lower_percentile, upper_percentile])
    clo, chi = np.percentile(data, [0.1, 99.9])
    return Fences("percentile", float(lo), float(hi), critical_lower=clo, critical_upper=chi)


def inlier_imputation(col: ColumnValues, f: Fences, how: str) -> float:
    """Mean or median of the values that are NOT outliers."""
    inliers = [x for x in col.values if not f.is_outlier(x)]
    if not inliers:
        inliers = col.values
    return float(np.mean(inliers) if how == "impute_mean" else np.median(inliers))
