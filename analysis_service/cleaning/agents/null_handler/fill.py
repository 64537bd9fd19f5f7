"""Forward and backward fill across the batches of one pass, and the
null runs at the edges of a column that neither can fill.

Backward fill holds rows back until the next value of every backward-fill
column has arrived. Bound: at most ``limit`` rows are held after a batch has
been applied (plus the batch itself while it is being applied). When a run of
nulls outlasts the limit, the oldest rows are released with the nulls they
cannot fill left as they are (counted in the report as "no value within the
bound"); the held rows that remain are filled when the value comes. Every row
comes back exactly once, in file order; :meth:`BackwardFill.flush` returns
the rows still held at the end (the nulls after a column's last value stay).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis_service.cleaning.model import Change, CleanBatch

#: One run-length entry: ("", n) for n real nulls, (spelling, n) for a
#: sentinel spelling repeated n times.
Run = list[tuple[str, int]]
#: Runs kept per edge; past it the edge count is a lower bound (flagged).
MAX_RUNS = 64


def missing_mask(column: pd.Series, placeholders: frozenset[str]) -> np.ndarray:
    mask = column.isna().to_numpy(dtype=bool).copy()
    if placeholders:
        mask |= column.isin(list(placeholders)).fillna(False).to_numpy(dtype=bool)
    return mask


class ForwardFill:
    """Carries the last value across batches of one pass."""

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


@dataclass
class Edges:
    """The null-or-sentinel cells before a column's first other value and
    after its last one, run-length encoded (bounded by :data:`MAX_RUNS`),
    so the plan can count the leading and trailing nulls once it knows
    which spellings are placeholders."""

    lead: Run = field(default_factory=list)
    tail: Run = field(default_factory=list)
    started: bool = False
    lead_exact: bool = True
    tail_exact: bool = True

    @staticmethod
    def _push(runs: Run, kind: str) -> bool:
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, runs[-1][1] + 1)
            return True
        if len(runs) >= MAX_RUNS:
            return False
        runs.append((kind, 1))
        return True

    def add(self, kind: str | None) -> None:
        """``kind``: "" for a null, the spelling for a sentinel, None for a value."""
        if kind is None:
            self.started = True
            self.tail = []
            self.tail_exact = True
            return
        if not self.started and not self._push(self.lead, kind):
            self.lead_exact = False
        if not self._push(self.tail, kind):
            self.tail = self.tail[1:]
            self.tail_exact = False
            self._push(self.tail, kind)

    def add_many(self, kinds: list[str | None]) -> None:
        """A batch of cells in order; only the cells before the column's
        first value and after its last one are looked at."""
        values = [i for i, k in enumerate(kinds) if k is None]
        if not values:
            for k in kinds:
                self.add(k)
            return
        if not self.started:
            for k in kinds[: values[0]]:
                self.add(k)
        self.add(None)
        for k in kinds[values[-1] + 1 :]:
            self.add(k)

    @staticmethod
    def _count(runs: Run, placeholders: frozenset[str]) -> int:
        n = 0
        for kind, count in runs:
            if kind and kind not in placeholders:
                break
            n += count
        return n

    def leading(self, placeholders: frozenset[str]) -> int:
        return self._count(self.lead, placeholders)

    def trailing(self, placeholders: frozenset[str]) -> int:
        return self._count(self.tail[::-1], placeholders)


def _text(v: object) -> str | None:
    return None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v)


class BackwardFill:
    """Backward fill of ``columns`` (column -> placeholder spellings) over
    one pass, holding at most ``limit`` rows (see the module docstring)."""

    def __init__(self, columns: Mapping[str, frozenset[str]], rule: str, limit: int) -> None:
        self.columns = dict(columns)
        self.rule = rule
        self.limit = limit
        self.held: CleanBatch | None = None

    @property
    def held_rows(self) -> int:
        return self.held.num_rows if self.held is not None else 0

    def push(self, batch: CleanBatch) -> tuple[CleanBatch, list[Change]]:
        if self.held is not None and self.held.num_rows:
            frame = pd.concat([self.held.frame, batch.frame], ignore_index=True)
            index = np.concatenate([self.held.row_index, batch.row_index])
            batch = CleanBatch(frame, index)
        return self._release(batch, final=False)

    def flush(self) -> tuple[CleanBatch, list[Change]] | None:
        if self.held is None or not self.held.num_rows:
            return None
        batch, self.held = self.held, None
        return self._release(batch, final=True)

    def _release(self, batch: CleanBatch, *, final: bool) -> tuple[CleanBatch, list[Change]]:
        n = batch.num_rows
        upto = n
        masks = {}
        for c, placeholders in self.columns.items():
            m = missing_mask(batch.frame[c], placeholders)
            masks[c] = m
            known = np.flatnonzero(~m)
            upto = min(upto, int(known[-1]) + 1 if len(known) else 0)
        if final:
            upto = n
        upto = max(upto, n - self.limit)
        frame = batch.frame.iloc[:upto].copy()
        changes = []
        for c, m in masks.items():
            text = [_text(v) for v in batch.frame[c].tolist()]
            filled = pd.Series(
                [None if m[i] else v for i, v in enumerate(text)], dtype=object
            ).bfill()
            after_all = [_text(v) for v in filled.tolist()]
            rows = [i for i in np.flatnonzero(m[:upto]).tolist() if after_all[i] is not None]
            if not rows:
                continue
            before = [text[i] for i in rows]
            after = [after_all[i] for i in rows]
            values = text[:upto]
            for i, a in zip(rows, after, strict=True):
                values[i] = a
            frame[c] = pd.array(values, dtype="string")
            changes.append(Change(self.rule, c, batch.row_index[rows], before, after))
        rest = CleanBatch(batch.frame.iloc[upto:].reset_index(drop=True), batch.row_index[upto:])
        self.held = rest if rest.num_rows else None
        return CleanBatch(frame.reset_index(drop=True), batch.row_index[:upto]), changes
