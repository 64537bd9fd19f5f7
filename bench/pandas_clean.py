"""The clean-my-data steps as a plain pandas user would write them: the
whole file in memory, one vectorised step per agent, the cleaned CSV and the
quarantine CSV (original values + row number, agent, rule, reason) written
at the end. The benchmark runs the steps of the agents our tool ran, in the
same order, with the same parameters (bench/clean_params.py).

What each step does (ours in brackets where it differs):

* quarantine-agent: rows missing a required field, outside a range or not
  matching a format go to quarantine;
* type-fixer: numeric-looking text ("5.0", "$12.50") rewritten as numbers,
  dates as ISO dates, in mostly-typed columns [an approximation until the
  agent lands];
* field-standardization: trimmed, spaces collapsed, every spelling of a
  value (case, spacing) rewritten to its most frequent one, dates as ISO;
* duplicate-resolver: duplicates after whitespace collapse and lower-casing
  (the agent's default detection; it casefolds and collapses Unicode
  whitespace, the same on this ASCII file), first kept, rows with a null
  never match;
* null-handler: pandas' NA tokens (read as NA) and ``-``, ``?``,
  ``missing`` in the numeric columns are nulls; numeric columns filled with
  the median, text columns with the mode;
* outlier-remover: IQR fences (k = 1.5) on every mostly-numeric column that
  is not an identifier (all distinct integers); rows outside go;
* cleanse-previewer: nothing (pandas has the counts of its in-memory run;
  ours pays a counting pass); cleanse-writeback: duplicate, null and numeric
  checks on the cleaned frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.clean_params import FORMATS, NUMERIC, RANGES, REQUIRED, TEXT
from bench.dirty_data import NUMERIC_SENTINELS

NUMERIC_SHARE = 0.9
_SPACES = "[ \t\n\r\f\v]+"


@dataclass
class _State:
    frame: pd.DataFrame
    removed: list[tuple[pd.Index, str, str, str]] = field(default_factory=list)
    cells_changed: int = 0

    def remove(self, mask: pd.Series, agent: str, rule: str, reason: str) -> None:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            self.removed.append((self.frame.index[mask.to_numpy()], agent, rule, reason))
            self.frame = self.frame[~mask]

    def set(self, column: str, values: pd.Series) -> None:
        old = self.frame[column]
        self.cells_changed += int((old.fillna("\0") != values.fillna("\0")).sum())
        self.frame[column] = values


def _numbers(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


def _mostly_numeric(s: pd.Series, num: pd.Series) -> bool:
    return num.notna().sum() > 0 and num.notna().sum() >= NUMERIC_SHARE * s.notna().sum()


def _fmt(x: float) -> str:
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(round(x, 10))


def quarantine(st: _State) -> None:
    f = st.frame
    st.remove(f[list(REQUIRED)].isna().any(axis=1), "quarantine-agent", "missing", "required")
    for column, bounds in RANGES.items():
        num = _numbers(st.frame[column])
        outside = (num < bounds["min"]) | (num > bounds["max"])
        st.remove(outside, "quarantine-agent", "range", column)
    for column, pattern in FORMATS.items():
        ok = st.frame[column].str.fullmatch(pattern.strip("^$"))
        st.remove(~ok.fillna(True).astype(bool), "quarantine-agent", "format", column)


def _iso_dates(s: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(s, format="mixed", errors="coerce")
    return parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), s)


def type_fix(st: _State) -> None:
    for column in st.frame.columns:
        s = st.frame[column]
        cleaned = s.str.replace(r"^\$|,", "", regex=True)
        num = _numbers(cleaned)
        if _mostly_numeric(s, num) and (num.notna() & _numbers(s).isna()).any():
            st.set(column, num.map(_fmt, na_action="ignore").where(num.notna(), s))
    st.set("signup", _iso_dates(st.frame["signup"]))


def standardise(st: _State) -> None:
    for column in st.frame.columns:
        s = st.frame[column]
        if _mostly_numeric(s, _numbers(s)):
            continue
        spaced = s.str.strip().str.replace(_SPACES, " ", regex=True)
        key = spaced.str.lower()
        counts = pd.DataFrame({"key": key, "value": spaced}).value_counts()
        best = counts.reset_index().drop_duplicates("key").set_index("key")["value"]
        st.set(column, key.map(best).where(s.notna(), s))
    st.set("signup", _iso_dates(st.frame["signup"]))


def deduplicate(st: _State) -> None:
    f = st.frame
    # lower() and ASCII whitespace run in pyarrow (casefold and \s would fall
    # back to Python's re in pandas 3); the same keys on this ASCII file
    key = pd.DataFrame(
        {c: f[c].str.lower().str.strip().str.replace(_SPACES, " ", regex=True) for c in f.columns}
    )
    duplicate = key.duplicated(keep="first") & key.notna().all(axis=1)
    st.remove(duplicate, "duplicate-resolver", "duplicate_row", "duplicate")


def fill_nulls(st: _State) -> None:
    for column in NUMERIC:
        s = st.frame[column]
        s = s.mask(s.str.strip().isin(NUMERIC_SENTINELS))
        median = _numbers(s).median()
        if not math.isnan(median):
            st.set(column, s.fillna(_fmt(median)))
    for column in TEXT:
        s = st.frame[column]
        mode = s.mode()
        if len(mode):
            st.set(column, s.fillna(mode.iloc[0]))


def remove_outliers(st: _State) -> None:
    outlier = pd.Series(False, index=st.frame.index)
    for column in st.frame.columns:
        s = st.frame[column]
        num = _numbers(s)
        if not _mostly_numeric(s, num):
            continue
        values = num.dropna()
        integral = bool(s[num.notna()].str.fullmatch(r"[+-]?\d+").all())
        if integral and values.is_unique:
            continue  # an identifier
        q1, q3 = values.quantile([0.25, 0.75])
        k = 1.5 * (q3 - q1)
        outlier |= (num < q1 - k) | (num > q3 + k)
    st.remove(outlier, "outlier-remover", "outlier_removed", "outside the IQR fences")


def verify(st: _State) -> None:
    f = st.frame
    f.duplicated().any()
    f.isna().sum()
    for column in NUMERIC:
        np.isfinite(_numbers(f[column]).dropna().to_numpy()).all()


STEPS: dict[str, Callable[[_State], None]] = {
    "quarantine-agent": quarantine,
    "type-fixer": type_fix,
    "field-standardization": standardise,
    "duplicate-resolver": deduplicate,
    "null-handler": fill_nulls,
    "outlier-remover": remove_outliers,
    "cleanse-writeback": verify,
}


def clean(path: Path, agents: Sequence[str], out_dir: Path) -> dict[str, Any]:
    """Runs the steps of ``agents`` (declared order) on ``path`` and writes
    ``cleaned.csv`` and ``quarantine.csv`` into ``out_dir``."""
    original = pd.read_csv(path, dtype=str)
    st = _State(original.copy(deep=False))
    for agent in agents:
        if agent in STEPS:
            STEPS[agent](st)
    st.frame.to_csv(out_dir / "cleaned.csv", index=False)
    parts = [
        original.loc[index].assign(_row_number=index + 1, _agent=agent, _rule=rule, _reason=reason)
        for index, agent, rule, reason in st.removed
    ]
    quarantined = pd.concat(parts) if parts else original.iloc[:0]
    quarantined.to_csv(out_dir / "quarantine.csv", index=False)
    by_agent: dict[str, int] = {}
    for index, agent, _, _ in st.removed:
        by_agent[agent] = by_agent.get(agent, 0) + len(index)
    return {
        "rows": len(original),
        "rows_cleaned": len(st.frame),
        "rows_quarantined": len(quarantined),
        "removed_by_agent": by_agent,
        "cells_changed": st.cells_changed,
        "passes": 1,
    }
