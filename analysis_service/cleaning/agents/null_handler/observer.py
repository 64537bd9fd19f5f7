"""null-handler's statistics pass over its own input.

Per column: :class:`~.logic.ColumnEvidence` (a dozen counters), the real
null count, :class:`~.logic.NumericStats` (sums; values exact up to 10^6 for
a median or KNN column, else a 10,000-value reservoir; spelling counts only
for a mode column), the first :data:`CELL_EXAMPLES` null cells and the first
of each sentinel spelling (row numbers), and for fill columns the runs at the
column's edges (:class:`~.fill.Edges`). Per row pattern (how many real nulls,
which columns hold a sentinel spelling; only rows that could be more than
``NULL_ROW_WARNING`` null): a count and the first rows, at most
:data:`MAX_PATTERNS` patterns. With ``knn_imputation``: the complete-row
reservoir (:class:`~.knn.KnnSample`, 10,000 rows).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis_service.cleaning.agents.null_handler.fill import Edges
from analysis_service.cleaning.agents.null_handler.knn import KnnSample
from analysis_service.cleaning.agents.null_handler.logic import (
    SENTINELS,
    ColumnEvidence,
    NumericStats,
)
from analysis_service.cleaning.agents.null_handler.params import NullParams
from analysis_service.cleaning.agents.null_handler.rules import (
    KNN_SAMPLE_ROWS,
    NULL_ROW_WARNING,
    SUGGESTION_SAMPLE,
)
from analysis_service.cleaning.model import CleanBatch
from analysis_service.cleaning.numbers import numeric_cells

CELL_EXAMPLES = 200
MAX_PATTERNS = 10_000
PATTERN_EXAMPLES = 1_000
_SENTINELS = frozenset(SENTINELS)

#: (real nulls, ((column position, sentinel spelling), ...)) of one row
Pattern = tuple[int, tuple[tuple[int, str], ...]]


def _edge_kinds(
    col: pd.Series, na: np.ndarray, sent: np.ndarray, started: bool
) -> list[str | None]:
    """The cells :meth:`~.fill.Edges.add_many` looks at, in order ("" for a
    null, the spelling for a sentinel, None for a value): every cell when
    the batch has no value, else the cells before its first value (only
    while the column has not started), one None, and the cells after its
    last value."""
    blank = na | sent
    if not blank.any():
        return [None]
    values = np.flatnonzero(~blank)

    def kinds(lo: int, hi: int) -> list[str | None]:
        part = col.iloc[lo:hi].tolist()
        return ["" if na[lo + i] else str(v) for i, v in enumerate(part)]

    if not len(values):
        return kinds(0, len(col))
    head = kinds(0, int(values[0])) if not started else []
    return [*head, None, *kinds(int(values[-1]) + 1, len(col))]


class NullObserver:
    def __init__(self, params: NullParams, columns: Sequence[str]) -> None:
        self.columns = tuple(columns)
        strategies = {c: str(s) for c, s in params.column_strategies.items()}
        self.rows = 0
        self.evidence = {c: ColumnEvidence() for c in columns}
        self.na = dict.fromkeys(columns, 0)
        self.stats = {
            c: NumericStats(
                cap=1_000_000
                if strategies.get(c) in ("median", "knn_imputation")
                else SUGGESTION_SAMPLE,
                keep_counts=strategies.get(c) == "mode",
            )
            for c in columns
        }
        self.edges = {
            c: Edges() for c in columns if strategies.get(c) in ("forward_fill", "backward_fill")
        }
        self.na_rows: dict[str, list[int]] = {c: [] for c in columns}
        self.sentinel_rows: dict[str, dict[str, list[int]]] = {c: {} for c in columns}
        self.patterns: Counter[Pattern] = Counter()
        self.pattern_rows: dict[Pattern, list[int]] = {}
        self.patterns_exact = True
        self._examples = 0
        knn = [c for c, s in strategies.items() if s == "knn_imputation" and c in columns]
        self.knn = KnnSample(self.columns, sample_size=KNN_SAMPLE_ROWS) if knn else None

    def consume(self, batch: CleanBatch) -> None:
        n = batch.num_rows
        self.rows += n
        rows = batch.row_index
        na_per_row = np.zeros(n, dtype=np.int64)
        sentinel_at: list[np.ndarray] = []
        for c in self.columns:
            col = batch.frame[c]
            na = col.isna().to_numpy(dtype=bool)
            na_per_row += na
            self.na[c] += int(na.sum())
            mask, numbers, text = numeric_cells(col)
            sent = (
                (text.str.lower().isin(_SENTINELS) | (text == ""))
                .fillna(False)
                .to_numpy(dtype=bool)
            )
            sentinel_at.append(sent)
            room = CELL_EXAMPLES - len(self.na_rows[c])
            if room > 0 and na.any():
                self.na_rows[c].extend(rows[na][:room].tolist())
            if sent.any():
                self._sentinels(c, col, sent, rows)
            present = ~na
            self.evidence[c].add_many(
                col[present], mask[present], text=text[present], sent=sent[present]
            )
            self.stats[c].add_many(col[present], numbers)
            edges = self.edges.get(c)
            if edges is not None:
                edges.add_many(_edge_kinds(col, na, sent, edges.started))
        self._rows(rows, na_per_row, sentinel_at, batch.frame)
        if self.knn is not None:
            self.knn.add_batch(batch.frame)

    def _sentinels(self, c: str, col: pd.Series, sent: np.ndarray, rows: np.ndarray) -> None:
        spelled = col[sent]
        at = rows[sent]
        for spelling in spelled.unique().tolist():
            kept = self.sentinel_rows[c].setdefault(str(spelling), [])
            room = CELL_EXAMPLES - len(kept)
            if room > 0:
                kept.extend(at[(spelled == spelling).to_numpy(dtype=bool)][:room].tolist())

    def _rows(
        self,
        rows: np.ndarray,
        na_per_row: np.ndarray,
        sentinel_at: list[np.ndarray],
        frame: pd.DataFrame,
    ) -> None:
        width = len(self.columns)
        if not width:
            return
        sent = np.column_stack(sentinel_at) if sentinel_at else np.zeros((len(rows), 0), bool)
        candidates = (na_per_row + sent.sum(axis=1)) > NULL_ROW_WARNING * width
        for i in np.flatnonzero(candidates).tolist():
            spelled = tuple((j, str(frame.iat[i, j])) for j in np.flatnonzero(sent[i]).tolist())
            key: Pattern = (int(na_per_row[i]), spelled)
            if key not in self.patterns and len(self.patterns) >= MAX_PATTERNS:
                self.patterns_exact = False
                continue
            self.patterns[key] += 1
            if self._examples < PATTERN_EXAMPLES:
                self.pattern_rows.setdefault(key, []).append(int(rows[i]))
                self._examples += 1
