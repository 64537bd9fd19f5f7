"""type-fixer's statistics pass: bounded evidence per column over the WHOLE
column (every value, not a head sample).

Memory per column, whatever the number of rows: counters per (class,
grouped) key, the day/month :class:`~analysis_service.cleaning.dates.DateEvidence`,
the first :data:`SAMPLES` values, the first :data:`EXAMPLES` (row, value)
pairs per key (at most 10 keys), at most ``CATEGORY_MAX_DISTINCT + 1``
distinct values and a memo of 256 readings: about 150 KB at most.
Time per row: canonical integers and decimals of up to 15 digits are
counted vectorised (pyarrow regex over the batch); every other value is
read once per distinct value of a batch (memoised across batches), a few
microseconds each in CPython. The applier does the same, so a column of
plain numbers costs little in both passes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis_service.cleaning.agents.type_fixer.inference import (
    FAST_LONG,
    Cls,
    Reader,
    Reading,
    fast_numbers,
)
from analysis_service.cleaning.agents.type_fixer.rules import (
    CATEGORY_MAX_DISTINCT,
    EXAMPLES,
    SAMPLES,
)
from analysis_service.cleaning.dates import DateEvidence
from analysis_service.cleaning.model import CleanBatch

#: The targets each class converts to (canonical texts worth comparing).
_TARGETS_OF = {
    Cls.INT: ("integer", "float"),
    Cls.INTEGRAL: ("integer", "float"),
    Cls.FLOAT: ("float",),
    Cls.BOOL: ("boolean",),
    Cls.DATE: ("datetime",),
}

#: (class, written with thousands separators)
Key = tuple[Cls, bool]


@dataclass
class ColumnEvidence:
    non_null: int = 0
    counts: Counter[Key] = field(default_factory=Counter)
    code_like: int = 0
    long_plain: int = 0
    imprecise: int = 0
    #: per target, values (not grouped, not day/month) whose canonical text differs
    differs: Counter[str] = field(default_factory=Counter)
    dates: DateEvidence = field(default_factory=DateEvidence)
    samples: list[str] = field(default_factory=list)
    examples: dict[Key, list[tuple[int, str]]] = field(default_factory=dict)
    distinct: set[str] = field(default_factory=set)
    distinct_overflow: bool = False
    reader: Reader = field(default_factory=Reader, repr=False)

    def count(self, classes: Sequence[Cls], *, grouped: bool | None = None) -> int:
        """Values of ``classes`` (only grouped / only plain ones when given)."""
        return sum(
            n
            for (c, g), n in self.counts.items()
            if c in classes and (grouped is None or g is grouped)
        )

    @property
    def grouped(self) -> int:
        return sum(n for (_, g), n in self.counts.items() if g)

    @property
    def distinct_count(self) -> int | None:
        """Distinct values (None: more than the category bound)."""
        return None if self.distinct_overflow else len(self.distinct)

    def _record(self, value: str, r: Reading, n: int) -> None:
        self.counts[(r.cls, r.grouped)] += n
        self.code_like += n * r.code_like
        self.long_plain += n * r.long_plain
        self.imprecise += n * r.imprecise
        if r.cls in (Cls.DATE, Cls.DATE_DM):
            one = DateEvidence()
            one.add(r.date_part)
            self.dates.non_null += n
            self.dates.dates += n * one.dates
            self.dates.day_first += n * one.day_first
            self.dates.month_first += n * one.month_first
        if r.grouped or r.cls is Cls.DATE_DM:
            return  # these always change when converted
        for target in _TARGETS_OF.get(r.cls, ()):
            text = r.canonical(target, None)
            if text is not None and text != value:
                self.differs[target] += n

    def consume(self, values: pd.Series, rows: npt.NDArray[np.int64]) -> None:
        mask = values.notna().to_numpy(dtype=bool)
        if not mask.any():
            return
        series = values[mask]
        rows = rows[mask]
        self.non_null += len(series)
        if len(self.samples) < SAMPLES:
            self.samples += [str(v) for v in series.iloc[: SAMPLES - len(self.samples)].tolist()]
        if not self.distinct_overflow:
            self._distinct(series)
        ints, floats = fast_numbers(series)
        for cls, fast in ((Cls.INT, ints), (Cls.FLOAT, floats)):
            if fast.any():
                self._fast(cls, fast, series, rows)
        slow = ~(ints | floats)
        if not slow.any():
            return
        present = series.to_numpy(dtype=object)[slow]
        rows = rows[slow]
        codes, uniques = pd.factorize(present)
        counts = np.bincount(codes, minlength=len(uniques))
        keys: list[Key] = []
        for k, unique in enumerate(uniques.tolist()):
            r = self.reader(str(unique))
            keys.append((r.cls, r.grouped))
            self._record(str(unique), r, int(counts[k]))
        key_ids = {key: i for i, key in enumerate(dict.fromkeys(keys))}
        per_value = np.array([key_ids[k] for k in keys], dtype=np.int64)[codes]
        for key, i in key_ids.items():
            where = np.flatnonzero(per_value == i)[:EXAMPLES]
            self._examples(key, [(int(rows[p]), str(present[p])) for p in where])

    def _fast(
        self,
        cls: Cls,
        fast: npt.NDArray[np.bool_],
        series: pd.Series,
        rows: npt.NDArray[np.int64],
    ) -> None:
        chosen = series[fast]
        self.counts[(cls, False)] += len(chosen)
        self.long_plain += int(chosen.str.match(FAST_LONG).sum())
        where = np.flatnonzero(fast)[:EXAMPLES]
        self._examples((cls, False), [(int(rows[p]), str(series.iat[p])) for p in where])

    def _examples(self, key: Key, found: list[tuple[int, str]]) -> None:
        """Keeps the first EXAMPLES (row, value) pairs of ``key`` in row order."""
        listed = self.examples.setdefault(key, [])
        if len(listed) >= EXAMPLES or not found:
            return
        listed += found
        listed.sort()
        del listed[EXAMPLES:]

    def _distinct(self, series: pd.Series) -> None:
        uniques = pd.unique(series.to_numpy(dtype=object))
        self.distinct.update(str(u) for u in uniques[: CATEGORY_MAX_DISTINCT + 1].tolist())
        if len(self.distinct) > CATEGORY_MAX_DISTINCT:
            self.distinct_overflow = True
            self.distinct.clear()


class TypeObserver:
    """The statistics pass: one :class:`ColumnEvidence` per column."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = {c: ColumnEvidence() for c in columns}
        self.rows = 0

    def consume(self, batch: CleanBatch) -> None:
        self.rows += batch.num_rows
        for name, evidence in self.columns.items():
            evidence.consume(batch.frame[name], batch.row_index)
