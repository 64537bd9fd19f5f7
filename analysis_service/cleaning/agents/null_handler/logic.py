"""null-handler: placeholder evidence and imputation statistics.

A sentinel spelling becomes null only where the column's evidence says it is
a placeholder: the column's other values are mostly numbers or dates
(``typed_share``), or, in a text column, the spelling is rare (at most
``max_text_share`` of the non-null cells) and, for punctuation spellings
("-", "?"), the column has no other punctuation-only values (a column of
dashes keeps its dashes).

Memory per column: the evidence counters (a dozen integers), the numeric
statistics (exact sums; the values for the median in an ``array('d')``, 8
bytes each, exact up to ``cap`` values then a seeded reservoir; a column
without a median strategy keeps a 10,000-value reservoir for the suggested
strategy only) and at most ``max_distinct`` spellings for the mode.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis_service.cleaning.numbers import INTEGER, NUMBER, Reservoir, numeric_cells
from dqcommon.tools.null_strategies import NULL_STRATEGIES, column_strategy_problems

SENTINELS = ("na", "n/a", "null", "none", "nan", "-", "?", "missing", "undefined", "empty", "--")
STRATEGIES = NULL_STRATEGIES
_NUMBER = re.compile(NUMBER, re.ASCII)
_DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
_PUNCT = re.compile(r"^[^\w\s]+$")
_BOOLS = frozenset({"true", "false", "yes", "no"})
# The same three tests as Arrow regexes, exact for ASCII text (Python's \\d,
# \\w, \\s and "$" spelled out for the ASCII range); other text goes to ``re``.
_ASCII_DATE = r"^[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}"
_ASCII_PUNCT = "^[" + "".join(f"\\x{i:02x}" for i in range(128) if _PUNCT.match(chr(i))) + "]+\\n?$"
_BOOL_SET = pa.array(sorted(_BOOLS))


def validate_strategies(column_strategies: dict[str, str], fill_values: dict[str, object]) -> None:
    """Raises ValueError (the same check as task creation's 400, from
    :mod:`dqcommon.tools.null_strategies`)."""
    problems = column_strategy_problems(column_strategies, fill_values)
    if problems:
        raise ValueError("; ".join(f"{column}: {what}" for column, what in problems))


def number(value: str | None) -> float | None:
    """The float of one numeric cell (the same reading as
    :func:`~analysis_service.cleaning.numbers.numeric_cells`), else None."""
    if value is None:
        return None
    v = value.strip()
    if not _NUMBER.fullmatch(v):
        return None
    x = float(v)
    return x if math.isfinite(x) else None


def is_sentinel(value: str) -> bool:
    v = value.strip()
    return v == "" or v.lower() in SENTINELS


@dataclass
class ColumnEvidence:
    non_null: int = 0
    numeric: int = 0
    integers: int = 0
    dates: int = 0
    booleans: int = 0
    punctuation_other: int = 0
    sentinels: Counter[str] = field(default_factory=Counter)

    def add(self, value: str | None) -> None:
        if value is not None:
            self.add_many(pd.Series([value], dtype="string"))

    def add_many(
        self,
        column: pd.Series,
        numeric: np.ndarray | None = None,
        *,
        text: pd.Series | None = None,
        sent: np.ndarray | None = None,
    ) -> None:
        """The non-null cells of ``column`` (``numeric``: their number mask
        from :func:`~analysis_service.cleaning.numbers.numeric_cells`;
        ``text`` and ``sent``: their trimmed text and sentinel mask, when a
        caller already has them for exactly these cells)."""
        col = column.dropna().astype("string")
        if not len(col):
            return
        self.non_null += len(col)
        if text is None or sent is None or len(text) != len(col):
            text = col.str.strip()
            sent = (text.str.lower().isin(SENTINELS) | (text == "")).to_numpy(dtype=bool)
        if sent.any():
            self.sentinels.update(col[sent].value_counts().to_dict())
        if numeric is None:
            numeric = numeric_cells(col)[0]
        numeric = numeric & ~sent
        self.numeric += int(numeric.sum())
        self.integers += int(text[numeric].str.fullmatch(INTEGER).sum())
        self._kinds(text[~numeric & ~sent])

    def _kinds(self, rest: pd.Series) -> None:
        """Counts the dates, booleans and other punctuation-only values of
        ``rest`` (trimmed, non-null, neither numbers nor sentinels)."""
        if not len(rest):
            return
        arr = pa.array(rest.astype("string[pyarrow]").array)
        ascii_ = pc.string_is_ascii(arr)
        date = pc.and_(ascii_, pc.match_substring_regex(arr, _ASCII_DATE))
        boolean = pc.and_(ascii_, pc.is_in(pc.ascii_lower(arr), value_set=_BOOL_SET))
        punct = pc.and_(ascii_, pc.match_substring_regex(arr, _ASCII_PUNCT))
        boolean = pc.and_not(boolean, date)
        punct = pc.and_not(pc.and_not(punct, date), boolean)
        self.dates += int(pc.sum(date).as_py() or 0)
        self.booleans += int(pc.sum(boolean).as_py() or 0)
        self.punctuation_other += int(pc.sum(punct).as_py() or 0)
        other = rest[~ascii_.to_numpy(zero_copy_only=False)]
        for value, n in other.value_counts().items():
            v = str(value)
            if _DATE.match(v):
                self.dates += int(n)
            elif v.lower() in _BOOLS:
                self.booleans += int(n)
            elif _PUNCT.match(v):
                self.punctuation_other += int(n)

    @property
    def others(self) -> int:
        return self.non_null - sum(self.sentinels.values())

    def placeholders(self, typed_share: float = 0.9, max_text_share: float = 0.2) -> set[str]:
        others = self.others
        if others <= 0:
            return set()
        if (self.numeric + self.dates) >= typed_share * others:
            return set(self.sentinels)
        out = set()
        for s, n in self.sentinels.items():
            if n > max_text_share * self.non_null:
                continue
            if _PUNCT.match(s.strip()) and self.punctuation_other:
                continue
            out.add(s)
        return out

    def is_numeric(self, typed_share: float = 0.9) -> bool:
        return self.others > 0 and self.numeric >= typed_share * self.others

    def data_type(self, typed_share: float = 0.9) -> str:
        """A dtype name as upstream reports it (its readers' names)."""
        others = self.others
        if others <= 0:
            return "Null"
        if self.is_numeric(typed_share):
            return "Int64" if self.integers == self.numeric else "Float64"
        if self.dates >= typed_share * others:
            return "Date"
        if self.booleans >= typed_share * others:
            return "Boolean"
        return "String"


class NumericStats:
    """Exact sums; values exact up to ``cap`` then a seeded reservoir
    (:class:`~analysis_service.cleaning.numbers.Reservoir`); at most
    ``max_distinct`` spellings counted for the mode."""

    def __init__(
        self,
        cap: int = 1_000_000,
        seed: int = 0,
        *,
        keep_counts: bool = True,
        max_distinct: int = 10_000,
    ) -> None:
        self.sample = Reservoir(cap, seed)
        self.keep_counts = keep_counts
        self.max_distinct = max_distinct
        self.total = 0.0
        self.total_sq = 0.0
        self.counts: Counter[str] = Counter()

    @property
    def seen(self) -> int:
        return self.sample.seen

    def add(self, value: str | None) -> None:
        if value is not None:
            self.add_many(pd.Series([value], dtype="string"))

    def add_many(self, column: pd.Series, numbers: np.ndarray | None = None) -> None:
        """The non-null cells of ``column`` (``numbers``: their numeric
        values, when already parsed)."""
        col = column.dropna()
        if self.keep_counts and len(col):
            self._count(col)
        if numbers is None:
            numbers = numeric_cells(col)[1]
        if not len(numbers):
            return
        self.total += float(numbers.sum())
        self.total_sq += float((numbers * numbers).sum())
        self.sample.extend(numbers)

    def _count(self, col: pd.Series) -> None:
        """Adds the spellings of ``col`` in ``value_counts`` order: those
        already counted, and new ones while fewer than ``max_distinct``."""
        vc = col.value_counts()
        keys = pa.array(vc.index.astype(str).astype("string[pyarrow]").array)
        known = pc.is_in(keys, value_set=pa.array(list(self.counts), pa.string()))
        new = np.logical_not(known.to_numpy(zero_copy_only=False))
        room = max(self.max_distinct - len(self.counts), 0)
        take = ~new | (new & (np.cumsum(new) <= room))
        chosen = pc.filter(keys, pa.array(take)).to_pylist()
        for v, n in zip(chosen, vc.to_numpy()[take].tolist(), strict=True):
            self.counts[v] += int(n)

    @property
    def exact(self) -> bool:
        return self.sample.exact

    def mean(self) -> float | None:
        return self.total / self.seen if self.seen else None

    def std(self) -> float | None:
        if not self.seen:
            return None
        m = self.total / self.seen
        return math.sqrt(max(self.total_sq / self.seen - m * m, 0.0))

    def median(self) -> float | None:
        data = self.sample.array()
        return float(np.median(data)) if len(data) else None

    def mode(self, exclude: Collection[str] = ()) -> str | None:
        """The most frequent spelling that is not a placeholder (ties: the
        one seen first)."""
        for value, _ in self.counts.most_common():
            if value not in exclude:
                return value
        return None


def format_number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(round(x, 10))


def suggested_strategy(
    null_pct: float, evidence: ColumnEvidence, stats: NumericStats | None
) -> str:
    """Upstream's suggestion (reported, never applied): more than 70 % null
    -> drop_column, more than 50 % -> knn_imputation, numeric -> median when
    |mean - median| / std > 0.5 else mean, a date column -> forward_fill,
    anything else -> mode."""
    if null_pct > 70:
        return "drop_column"
    if null_pct > 50:
        return "knn_imputation"
    kind = evidence.data_type()
    if kind in ("Int64", "Float64") and stats is not None and stats.seen:
        mean, median, std = stats.mean(), stats.median(), stats.std()
        if mean is not None and median is not None and std and abs(mean - median) / std > 0.5:
            return "median"
        return "mean"
    if kind == "Date":
        return "forward_fill"
    return "mode"
