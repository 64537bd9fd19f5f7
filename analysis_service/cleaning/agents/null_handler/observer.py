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
from typing import Any

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

CELL_EXAMPLES = 200
MAX_PATTERNS = 10_000
PATTERN_EXAMPLES = 1_000
_SENTINELS = frozenset(SENTINELS)

#: (real nulls, ((column position, sentinel spelling), ...)) of one row
Pattern = tuple[int, tuple[tuple[int, str], ...]]


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
        texts: list[list[Any]] = []
        for c in self.columns:
            col = batch.frame[c]
            na = col.isna().to_numpy(dtype=bool)
            na_per_row += na
            self.na[c] += int(na.sum())
            stripped = col.str.strip()
            sent = (
                (stripped.str.lower().isin(_SENTINELS) | (stripped == ""))
                .fillna(False)
                .to_numpy(dtype=bool)
            )
            sentinel_at.append(sent)
            texts.append(col.tolist())
            room = CELL_EXAMPLES - len(self.na_rows[c])
            if room > 0 and na.any():
                self.na_rows[c].extend(rows[na][:room].tolist())
            for i in np.flatnonzero(sent).tolist():
                spelled = self.sentinel_rows[c].setdefault(str(col.iat[i]), [])
                if len(spelled) < CELL_EXAMPLES:
                    spelled.append(int(rows[i]))
            ev, st = self.evidence[c], self.stats[c]
            for v in col.dropna().tolist():
                ev.add(v)
                st.add(v)
            edges = self.edges.get(c)
            if edges is not None:
                for i, v in enumerate(col.tolist()):
                    edges.add("" if na[i] else (str(v) if sent[i] else None))
        self._rows(rows, na_per_row, sentinel_at, texts)
        if self.knn is not None:
            for values in batch.frame.itertuples(index=False, name=None):
                self.knn.add_row([None if v is None or v is pd.NA else str(v) for v in values])

    def _rows(
        self,
        rows: np.ndarray,
        na_per_row: np.ndarray,
        sentinel_at: list[np.ndarray],
        texts: list[list[Any]],
    ) -> None:
        width = len(self.columns)
        if not width:
            return
        sent = np.column_stack(sentinel_at) if sentinel_at else np.zeros((len(rows), 0), bool)
        candidates = (na_per_row + sent.sum(axis=1)) > NULL_ROW_WARNING * width
        for i in np.flatnonzero(candidates).tolist():
            spelled = tuple((j, str(texts[j][i])) for j in np.flatnonzero(sent[i]).tolist())
            key: Pattern = (int(na_per_row[i]), spelled)
            if key not in self.patterns and len(self.patterns) >= MAX_PATTERNS:
                self.patterns_exact = False
                continue
            self.patterns[key] += 1
            if self._examples < PATTERN_EXAMPLES:
                self.pattern_rows.setdefault(key, []).append(int(rows[i]))
                self._examples += 1
