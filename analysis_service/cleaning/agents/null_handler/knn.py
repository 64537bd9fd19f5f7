"""KNN imputation on a bounded sample of complete rows (numpy only).

Statistics pass (:class:`KnnSample`): the candidate columns are the strictly
numeric ones (every cell that is neither null nor a sentinel spelling is a
number); a column that shows a text value leaves the set for good. A row
whose candidate cells are all numbers is *complete*; ``seen`` counts them
and a seeded reservoir keeps at most ``sample_size`` of them (8 bytes per
cell). A row read before a column left the set is judged on the set as it
was then (a row lacking only that column is not counted later).

Identifier-like columns (integers rising strictly in file order: row ids,
sequence numbers) are left out of the distances, unless imputed themselves:
a row id says nothing about a row's other values.

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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis_service.cleaning.agents.null_handler.logic import SENTINELS
from analysis_service.cleaning.numbers import numeric_cells


class KnnSample:
    """The complete-row reservoir (see the module docstring)."""

    def __init__(self, columns: Sequence[str], sample_size: int = 10_000, seed: int = 0) -> None:
        self.columns = tuple(columns)
        self.sample_size = sample_size
        self.rows: list[list[float]] = []
        self.seen = 0
        self.active = list(self.columns)
        self.rising: set[str] = set(self.columns)
        self._last: dict[str, float] = {}
        self._rng = random.Random(seed)

    def add_row(self, cells: Sequence[str | None]) -> None:
        """One row's cells of ``columns`` (in that order)."""
        frame = pd.DataFrame(
            {c: pd.array([v], dtype="string") for c, v in zip(self.columns, cells, strict=True)}
        )
        self.add_batch(frame)

    def add_batch(self, frame: pd.DataFrame) -> None:
        matrix = []
        for c in list(self.active):
            col = frame[c]
            mask, values, text = numeric_cells(col)
            sentinel = col.isna().to_numpy(dtype=bool) | (
                text.str.lower().isin(SENTINELS) | (text == "")
            ).fillna(False).to_numpy(bool)
            if (~mask & ~sentinel).any():
                self._drop(c)  # text: not a numeric column (rows of this batch judged without it)
                continue
            self._order(c, values)
            full = np.full(len(col), np.nan)
            full[mask] = values
            matrix.append(full)
        if not matrix:
            return
        data = np.column_stack(matrix)
        for row in data[np.isfinite(data).all(axis=1)].tolist():
            self._add(row)

    def _order(self, column: str, values: np.ndarray) -> None:
        if column not in self.rising or not len(values):
            return
        last = self._last.get(column)
        seq = values if last is None else np.concatenate([[last], values])
        if not (np.all(values == np.floor(values)) and np.all(np.diff(seq) > 0)):
            self.rising.discard(column)
        self._last[column] = float(values[-1])

    def _drop(self, column: str) -> None:
        pos = self.active.index(column)
        self.active.pop(pos)
        self.rising.discard(column)
        for r in self.rows:
            r.pop(pos)

    def _add(self, values: list[float]) -> None:
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
    #: identifier-like columns left out of the distances
    identifiers: tuple[str, ...] = ()

    @classmethod
    def of(cls, sample: KnnSample, targets: Sequence[str] = ()) -> KnnImputer:
        cols = tuple(sample.active)
        data = np.asarray(sample.rows, dtype=float).reshape(len(sample.rows), len(cols))
        if len(data):
            sd = data.std(axis=0)
            medians = np.median(data, axis=0)
        else:
            sd = np.ones(len(cols))
            medians = np.full(len(cols), np.nan)
        sd[sd == 0] = 1.0
        ids = tuple(c for c in cols if c in sample.rising and c not in targets)
        return cls(cols, data, sd, medians, sample.seen, ids)

    @property
    def sample_rows(self) -> int:
        return len(self.data)

    def impute(self, row: Sequence[float | None], column: str, k: int) -> tuple[float, bool] | None:
        """(value, used_neighbours) for ``column`` of ``row`` (values in the
        order of ``columns``); None when nothing can be said."""
        j = self.columns.index(column)
        have = [
            i
            for i, v in enumerate(row)
            if v is not None and i != j and self.columns[i] not in self.identifiers
        ]
        if not len(self.data):
            return None
        if not have:
            median = float(self.medians[j])
            return (median, False) if math.isfinite(median) else None
        target = np.asarray([row[i] for i in have], dtype=float)
        diff = (self.data[:, have] - target) / self.sd[have]
        dist = (diff * diff).sum(axis=1)
        k = min(k, len(dist))
        # the k smallest, ties broken by sample order: every row within the
        # k-th distance, sorted stably (exactly argsort's first k, faster)
        kth = np.partition(dist, k - 1)[k - 1]
        within = np.flatnonzero(dist <= kth)
        nearest = within[np.argsort(dist[within], kind="stable")[:k]]
        return float(self.data[nearest, j].mean()), True
