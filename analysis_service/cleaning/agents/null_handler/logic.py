"""null-handler: placeholder evidence, strategies, bounded KNN.

A sentinel spelling becomes null only where the column's evidence says it is
a placeholder: the column's other values are mostly numbers or dates
(``typed_share``), or, in a text column, the spelling is rare (at most
``max_text_share`` of the non-null cells) and, for punctuation spellings
("-", "?"), the column has no other punctuation-only values (a column of
dashes keeps its dashes).

KNN: a bounded reservoir of complete rows (numeric columns only, at most
``sample_size`` rows); a missing numeric cell gets the mean of its k nearest
sample rows on the standardised columns it has. The report says the sample
size used.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

SENTINELS = ("na", "n/a", "null", "none", "nan", "-", "?", "missing", "undefined", "empty", "--")
STRATEGIES = (
    "mean",
    "median",
    "mode",
    "forward_fill",
    "backward_fill",
    "constant",
    "knn_imputation",
    "drop_column",
)
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
_PUNCT = re.compile(r"^[^\w\s]+$")


def validate_strategies(column_strategies: dict[str, str], fill_values: dict[str, object]) -> None:
    """Raises ValueError (a 400 at task creation) for an unknown strategy or
    a constant without a fill value."""
    bad = sorted(c for c, s in column_strategies.items() if s not in STRATEGIES)
    if bad:
        raise ValueError(
            f"unknown null strategy for column(s) {', '.join(bad)}; "
            f"allowed: {', '.join(STRATEGIES)}"
        )
    missing = sorted(
        c for c, s in column_strategies.items() if s == "constant" and c not in fill_values
    )
    if missing:
        raise ValueError(f"constant strategy without fill_values for: {', '.join(missing)}")


@dataclass
class ColumnEvidence:
    non_null: int = 0
    numeric: int = 0
    dates: int = 0
    punctuation_other: int = 0
    sentinels: Counter[str] = field(default_factory=Counter)

    def add(self, value: str | None) -> None:
        if value is None:
            return
        self.non_null += 1
        v = value.strip()
        if v.lower() in SENTINELS or v == "":
            self.sentinels[v] += 1
        elif _NUMBER.match(v):
            self.numeric += 1
        elif _DATE.match(v):
            self.dates += 1
        elif _PUNCT.match(v):
            self.punctuation_other += 1

    def placeholders(self, typed_share: float = 0.9, max_text_share: float = 0.2) -> set[str]:
        others = self.non_null - sum(self.sentinels.values())
        if others <= 0:
            return set()
        if (self.numeric + self.dates) >= typed_share * others:
            return set(self.sentinels)
        out = set()
        for s, n in self.sentinels.items():
            if n > max_text_share * self.non_null:
                continue
            if _PUNCT.match(s) and self.punctuation_other:
                continue
            out.add(s)
        return out


@dataclass
class NumericStats:
    """Exact up to ``cap`` values, then a uniform reservoir (flagged)."""

    cap: int = 1_000_000
    seed: int = 0
    values: list[float] = field(default_factory=list)
    seen: int = 0
    total: float = 0.0
    counts: Counter[str] = field(default_factory=Counter)
    max_distinct: int = 10_000

    def add(self, value: str | None) -> None:
        if value is None:
            return
        if value in self.counts or len(self.counts) < self.max_distinct:
            self.counts[value] += 1
        if not _NUMBER.match(value.strip()):
            return
        x = float(value)
        self.seen += 1
        self.total += x
        if len(self.values) < self.cap:
            self.values.append(x)
        else:
            j = random.Random(self.seed + self.seen).randrange(self.seen)
            if j < self.cap:
                self.values[j] = x

    @property
    def exact(self) -> bool:
        return self.seen <= self.cap

    def mean(self) -> float | None:
        return self.total / self.seen if self.seen else None

    def median(self) -> float | None:
        return float(np.median(self.values)) if self.values else None

    def mode(self) -> str | None:
        return self.counts.most_common(1)[0][0] if self.counts else None


def format_number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(round(x, 10))


class ForwardFill:
    """Carries the last non-null value across batches of one pass."""

    def __init__(self) -> None:
        self.last: str | None = None

    def fill(self, values: list[str | None]) -> list[str | None]:
        out = []
        for v in values:
            if v is None:
                out.append(self.last)
            else:
                self.last = v
                out.append(v)
        return out


def backward_fill(values: list[str | None], next_value: str | None) -> list[str | None]:
    """Backward fill of a held-back run; ``next_value`` = first non-null after it."""
    out: list[str | None] = [None] * len(values)
    carry = next_value
    for i in range(len(values) - 1, -1, -1):
        if values[i] is not None:
            carry = values[i]
        out[i] = carry
    return out


@dataclass
class KnnSample:
    columns: tuple[str, ...]
    sample_size: int = 10_000
    seed: int = 0
    rows: list[list[float]] = field(default_factory=list)
    seen: int = 0

    def add(self, row: list[float | None]) -> None:
        if any(v is None for v in row):
            return
        self.seen += 1
        complete = [float(v) for v in row if v is not None]
        if len(self.rows) < self.sample_size:
            self.rows.append(complete)
        else:
            j = random.Random(self.seed + self.seen).randrange(self.seen)
            if j < self.sample_size:
                self.rows[j] = complete

    def impute(self, row: list[float | None], k: int) -> list[float | None]:
        if not self.rows:
            return row
        data = np.asarray(self.rows)
        sd = data.std(axis=0)
        sd[sd == 0] = 1.0
        have = [i for i, v in enumerate(row) if v is not None]
        if not have:
            return row
        target = np.asarray([row[i] for i in have], dtype=float)
        dist = (((data[:, have] - target) / sd[have]) ** 2).sum(axis=1)
        nearest = data[np.argsort(dist, kind="stable")[:k]].mean(axis=0)
        return [v if v is not None else float(nearest[i]) for i, v in enumerate(row)]
