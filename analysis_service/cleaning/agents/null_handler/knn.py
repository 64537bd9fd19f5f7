"""KNN imputation on a bounded sample of complete rows (numpy only).

Statistics pass (:class:`KnnSample`): the candidate columns are the strictly
numeric ones (every cell that is neither null nor a sentinel spelling is a
number); a column that shows a text value leaves the set for good. A row
whose candidate cells are all numbers is *complete*; ``seen`` counts them
and a seeded reservoir keeps at most ``sample_size`` of them (8 bytes per
cell). A row read before a column left the set is judged on the set as it
was then (a row lacking only that column is not counted later).

Imputation (:class:`KnnImputer`): a missing cell of column c gets the mean
of c over the ``k`` sample rows nearest on the row's other numeric cells
(each column standardised by the sample's standard deviation; ties keep
sample order). A row with no other numeric cell, or an empty sample, gets
the sample median of c (reported as the fallback rule).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from analysis_service.cleaning.agents.null_handler.logic import NUMBER, is_sentinel


def number(value: str | None) -> float | None:
    """The float of a numeric cell, None for anything else."""
    if value is None:
        return None
    v = value.strip()
    if not NUMBER.match(v):
        return None
    x = float(v)
    return x if math.isfinite(x) else None


@dataclass
class KnnSample:
    columns: tuple[str, ...]
    sample_size: int = 10_000
    seed: int = 0
    rows: list[list[float]] = field(default_factory=list)
    seen: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self.active = list(self.columns)

    def add_row(self, cells: Sequence[str | None]) -> None:
        """One row's cells of ``columns`` (in that order)."""
        values: list[float] = []
        complete = True
        for c, cell in zip(self.columns, cells, strict=True):
            if c not in self.active:
                continue
            x = number(cell)
            if x is not None:
                values.append(x)
            elif cell is not None and not is_sentinel(cell):
                self._drop(c)  # text: not a numeric column, the row may still be complete
            else:
                complete = False
        if complete:
            self._add(values)

    def _drop(self, column: str) -> None:
        pos = self.active.index(column)
        self.active.pop(pos)
        for r in self.rows:
            r.pop(pos)

    def _add(self, values: list[float]) -> None:
        if len(values) != len(self.active):
            return  # a column left the set within this row
        self.seen += 1
        if len(self.rows) < self.sample_size:
            self.rows.append(values)
        else:
            j = self._rng.randrange(self.seen)
            if j < self.sample_size:
                self.rows[j] = values


@dataclass(frozen=True)
class KnnImputer:
    """The sample as a matrix over ``columns`` (the strictly numeric ones)."""

    columns: tuple[str, ...]
    data: np.ndarray
    sd: np.ndarray
    medians: np.ndarray
    complete_rows: int

    @classmethod
    def of(cls, sample: KnnSample) -> KnnImputer:
        cols = tuple(sample.active)
        data = np.asarray(sample.rows, dtype=float).reshape(len(sample.rows), len(cols))
        if len(data):
            sd = data.std(axis=0)
            medians = np.median(data, axis=0)
        else:
            sd = np.ones(len(cols))
            medians = np.full(len(cols), np.nan)
        sd[sd == 0] = 1.0
        return cls(cols, data, sd, medians, sample.seen)

    @property
    def sample_rows(self) -> int:
        return len(self.data)

    def impute(self, row: Sequence[float | None], column: str, k: int) -> tuple[float, bool] | None:
        """(value, used_neighbours) for ``column`` of ``row`` (values in the
        order of ``columns``); None when nothing can be said."""
        j = self.columns.index(column)
        have = [i for i, v in enumerate(row) if v is not None and i != j]
        if not len(self.data):
            return None
        if not have:
            median = float(self.medians[j])
            return (median, False) if math.isfinite(median) else None
        target = np.asarray([row[i] for i in have], dtype=float)
        diff = (self.data[:, have] - target) / self.sd[have]
        dist = (diff * diff).sum(axis=1)
        nearest = np.argsort(dist, kind="stable")[:k]
        return float(self.data[nearest, j].mean()), True
