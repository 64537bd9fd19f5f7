"""type-fixer's statistics pass: bounded evidence per column over the WHOLE
column (every value, not a head sample).

Memory per column, whatever the number of rows: counters per (class,
grouped) key, the day/month :class:`~analysis_service.cleaning.dates.DateEvidence`,
the first :data:`SAMPLES` values, the first :data:`EXAMPLES` (row, value)
pairs per key (at most 10 keys), at most ``CATEGORY_MAX_DISTINCT + 1``
distinct values and a memo of 256 readings: about 150 KB at most.
Time per row: canonical integers and decimals of up to 15 digits are
counted vectorised (pyarrow regex over the batch); the other values are
factorised per batch and their distinct values sorted by the tiers of
:mod:`.columnar` (text, plain numbers, canonical dates: read vectorised);
only the rest is read in Python, once per distinct value of a batch
(memoised across batches), a few microseconds each. The applier does the
same, so a column of numbers, dates or text costs little in both passes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis_service.cleaning.agents.type_fixer.columnar import (
    CLASSES,
    CODE,
    classify,
    factorize,
)
from analysis_service.cleaning.agents.type_fixer.inference import (
    FAST_LONG,
    Cls,
    Reader,
    fast_numbers,
    text_array,
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

#: Every target, in the order _TARGETS_OF lists them.
_TARGET_ORDER = ("integer", "float", "boolean", "datetime")

#: (class, written with thousands separators)
Key = tuple[Cls, bool]


def _key(code: int) -> Key:
    return CLASSES[code // 2], bool(code % 2)


def _key_code(key: Key) -> int:
    return CODE[key[0]] * 2 + int(key[1])


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
        if slow.any():
            self._slow(text_array(series).filter(pa.array(slow)), rows[slow])

    def _slow(self, present: pa.Array, rows: npt.NDArray[np.int64]) -> None:
        """The values the fast patterns leave, per distinct value: the
        text and number tiers of :mod:`.columnar` vectorised, the rest read."""
        f = factorize(present)
        tiers = classify(f.uniques)
        m = len(f.texts)
        cls, grouped = tiers.cls.copy(), np.zeros(m, dtype=bool)
        code_like, long_plain = tiers.code_like.copy(), tiers.long_plain.copy()
        imprecise = tiers.imprecise.copy()
        differs = {t: np.zeros(m, dtype=bool) for t in _TARGET_ORDER}
        differs["integer"] |= tiers.int_differs
        dates = np.zeros((m, 4), dtype=np.int64)  # non_null, dates, day_first, month_first
        dates[tiers.date] = (1, 1, 0, 0)  # year first: a date, no day/month evidence
        for k in np.flatnonzero(tiers.slow).tolist():
            value = f.texts[k]
            r = self.reader(value)
            cls[k], grouped[k] = CODE[r.cls], r.grouped
            code_like[k], long_plain[k], imprecise[k] = r.code_like, r.long_plain, r.imprecise
            if r.cls in (Cls.DATE, Cls.DATE_DM):
                one = DateEvidence()
                one.add(r.date_part)
                dates[k] = (1, one.dates, one.day_first, one.month_first)
            if r.grouped or r.cls is Cls.DATE_DM:
                continue  # these always change when converted
            for target in _TARGETS_OF.get(r.cls, ()):
                text = r.canonical(target, None)
                differs[target][k] = text is not None and text != value
        n = f.counts
        key_codes = cls * 2 + grouped
        found, first = np.unique(key_codes, return_index=True)
        keys = [_key(int(c)) for c in found[np.argsort(first)]]  # first appearance first
        for key in keys:
            self.counts[key] += int(n[key_codes == _key_code(key)].sum())
        self.code_like += int(n[code_like].sum())
        self.long_plain += int(n[long_plain].sum())
        self.imprecise += int(n[imprecise].sum())
        d = (dates * n[:, None]).sum(axis=0).tolist()
        self.dates.non_null += d[0]
        self.dates.dates += d[1]
        self.dates.day_first += d[2]
        self.dates.month_first += d[3]
        firsts = [(int(np.argmax(w)), i, t) for i, (t, w) in enumerate(differs.items()) if w.any()]
        for _, _, target in sorted(firsts):  # as value by value: first differing value first
            self.differs[target] += int(n[differs[target]].sum())
        per_cell = key_codes[f.codes]
        for key in keys:
            where = np.flatnonzero(per_cell == _key_code(key))[:EXAMPLES]
            self._examples(key, [(int(rows[p]), f.texts[f.codes[p]]) for p in where])

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
        uniques = pc.unique(text_array(series))
        self.distinct.update(uniques[: CATEGORY_MAX_DISTINCT + 1].to_pylist())
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
