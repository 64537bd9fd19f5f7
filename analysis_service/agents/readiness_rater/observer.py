"""readiness-rater's streaming state: rows that are mostly empty.

Upstream lists rows with more than 30 % empty cells as ``readiness_low``
(critical above 50 %). The share is per row, so it is counted in the pass:
exact totals over every row, and the first rows found kept as examples
(the row-level list is capped anyway). Mergeable like every observer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from analysis_service.agents.readiness_rater.rules import (
    LOW_ROW_CRITICAL_SHARE,
    LOW_ROW_EXAMPLES,
    LOW_ROW_SHARE,
)
from analysis_service.domain.csv_source import CsvBatch


@dataclass
class SparseRows:
    """Rows whose share of empty cells (null or blank) exceeds ``LOW_ROW_SHARE``."""

    count: int = 0
    critical: int = 0
    #: (row_index of the original file, share of empty cells), first by row
    examples: list[tuple[int, float]] = field(default_factory=list)

    def consume(self, batch: CsvBatch) -> None:
        frame = batch.frame
        if frame.shape[1] == 0 or len(frame) == 0:
            return
        empty = frame.isna().to_numpy() | (frame == "").to_numpy()
        share = empty.mean(axis=1)
        sparse = np.flatnonzero(share > LOW_ROW_SHARE)
        self.count += int(sparse.size)
        self.critical += int((share[sparse] > LOW_ROW_CRITICAL_SHARE).sum())
        room = LOW_ROW_EXAMPLES - len(self.examples)
        for position in sparse[: max(room, 0)]:
            self.examples.append((batch.first_row + int(position), float(share[position])))

    def merge(self, other: SparseRows) -> None:
        self.count += other.count
        self.critical += other.critical
        self.examples = sorted([*self.examples, *other.examples])[:LOW_ROW_EXAMPLES]
