"""The clean-my-data steps as a pandas user would write them: the whole
file in memory (read as the tool reads it: only an empty cell is null, "NA"
and "n/a" stay text), one vectorised step per agent, the cleaned CSV and
the quarantine CSV (original values + row number, agent, rule, reason)
written at the end. The benchmark runs the steps of the agents our tool
ran, in the same order, with the same parameters (bench/clean_params.py);
tests/unit/test_clean_bench.py checks that each step removes the same rows
and changes the same cells as its agent on a small dirty file.

* quarantine-agent: a blank required field, a number outside its range, a
  non-blank value that does not fully match its format, an all-blank row,
  an injection shape (the agent's own patterns, imported: rules as data);
* type-fixer, field-standardization: bench/pandas_types.py;
* duplicate-resolver: the agent's default detection (``case_variations``
  and ``email_case``): every column trimmed, spacing collapsed and
  lowercased (the agent casefolds: the same on this ASCII file), the first
  of each group kept, a row with a null never matches;
* null-handler: a sentinel (``NA``, ``n/a``, ``-``, ``?``, ``missing``...)
  is a placeholder in a column of >= 90 % numbers or dates, or when rare
  (<= 20 % of the cells; a punctuation spelling only in a column without
  other punctuation); nulls and placeholders filled with the median
  (rounded in an integer column) or the most frequent value;
* outlier-remover: IQR fences (k = 1.5) on every column of >= 90 % numbers
  that is not an identifier (distinct integers in order or dense in their
  range, codes with a leading zero); rows outside go;
* cleanse-previewer: nothing (pandas has its counts in memory; ours pays a
  counting pass of every agent over the input); cleanse-writeback: only
  cheap checks on the frame in memory (ours re-reads both written CSVs and
  proves the accounting): both are the tool's extra work.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis_service.cleaning.agents.quarantine_agent.rules import INJECTION, INJECTION_PREFILTER
from bench.clean_params import BENCH_PARAMS
from bench.pandas_types import standardise, type_fix

NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
SENTINELS = ("na", "n/a", "null", "none", "nan", "-", "?", "missing", "undefined", "empty", "--")
TYPED_SHARE = 0.9
RARE_SHARE = 0.2


@dataclass
class _State:
    frame: pd.DataFrame
    removed: list[tuple[pd.Index, str, str, str]] = field(default_factory=list)
    cells_changed: dict[str, int] = field(default_factory=dict)
    agent: str = ""

    def remove(self, mask: pd.Series, agent: str, rule: str, reason: str) -> None:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            self.removed.append((self.frame.index[mask.to_numpy()], agent, rule, reason))
            self.frame = self.frame[~mask.to_numpy()]

    def set(self, column: str, values: pd.Series) -> None:
        changed = int((self.frame[column].fillna("\0") != values.fillna("\0")).sum())
        self.cells_changed[self.agent] = self.cells_changed.get(self.agent, 0) + changed
        if changed:
            self.frame[column] = values


def numbers(s: pd.Series) -> pd.Series:
    """The finite number of each cell that is one (trimmed), else NaN."""
    t = s.str.strip()
    x = pd.to_numeric(t.where(t.str.fullmatch(NUMBER)), errors="coerce")
    return x.where(np.isfinite(x))


def _blank(s: pd.Series) -> pd.Series:
    return s.isna() | (s.str.strip() == "")


def quarantine(st: _State) -> None:
    p = BENCH_PARAMS["quarantine-agent"]
    f = st.frame
    agent = "quarantine-agent"
    hits: list[tuple[str, pd.Series]] = []
    corrupted = f.apply(_blank).all(axis=1)
    for column in f.columns:
        s = f[column]
        candidates = s.str.contains(INJECTION_PREFILTER, flags=re.IGNORECASE).fillna(False)
        if candidates.any():
            found = s[candidates].map(lambda v: INJECTION.search(v) is not None)
            corrupted |= found.reindex(s.index, fill_value=False).astype(bool)
    hits.append(("corrupted_record", corrupted))
    missing = pd.Series(False, index=f.index)
    for column in p.get("required_fields", []):
        missing |= _blank(f[column])
    hits.append(("missing_required_field", missing))
    outside = pd.Series(False, index=f.index)
    for column, bounds in p.get("range_constraints", {}).items():
        x = numbers(f[column])
        outside |= (x < bounds.get("min", -np.inf)) | (x > bounds.get("max", np.inf))
    hits.append(("out_of_range", outside))
    invalid = pd.Series(False, index=f.index)
    for column, pattern in p.get("format_constraints", {}).items():
        ok = f[column].str.fullmatch(pattern).fillna(True).astype(bool)
        invalid |= ~ok & ~_blank(f[column])
    hits.append(("invalid_format", invalid))
    taken = pd.Series(False, index=f.index)
    for rule, mask in hits:  # each row once, under its first (most severe) rule
        st.remove((mask & ~taken).reindex(st.frame.index), agent, rule, rule)
        taken |= mask


def deduplicate(st: _State) -> None:
    f = st.frame
    key = pd.DataFrame(
        {c: f[c].str.strip().str.replace(r"\s+", " ", regex=True).str.lower() for c in f.columns}
    )
    duplicate = key.duplicated(keep="first") & key.notna().all(axis=1)
    st.remove(duplicate, "duplicate-resolver", "duplicate_row", "duplicate")


def placeholders(s: pd.Series) -> list[str]:
    """The sentinel spellings of ``s`` that are placeholders (module docstring)."""
    present = s.dropna()
    t = present.str.strip()
    sentinel = t.str.lower().isin(SENTINELS) | (t == "")
    spellings = present[sentinel].value_counts()
    others = len(present) - int(sentinel.sum())
    if others <= 0:
        return []
    numeric = numbers(present).notna() & ~sentinel
    rest = t[~numeric & ~sentinel]
    dates = rest.str.match(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
    bools = rest.str.lower().isin(["true", "false", "yes", "no"])
    punct = rest.str.fullmatch(r"[^\w\s]+") & ~dates & ~bools
    if int(numeric.sum()) + int(dates.sum()) >= TYPED_SHARE * others:
        return spellings.index.tolist()
    return [
        v
        for v, n in spellings.items()
        if n <= RARE_SHARE * len(present)
        and not (re.fullmatch(r"[^\w\s]+", v.strip()) and punct.any())
    ]


def _fmt(x: float) -> str:
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(round(x, 10))


def fill_nulls(st: _State) -> None:
    strategies = BENCH_PARAMS["null-handler"]["column_strategies"]
    for column, strategy in strategies.items():
        s = st.frame[column]
        spelled = placeholders(s)
        missing = s.isna() | s.isin(spelled)
        value: str | None = None
        if strategy in ("mean", "median"):
            sentinel = s.str.strip().str.lower().isin(SENTINELS) | (s.str.strip() == "")
            present = s.notna() & ~sentinel
            x = numbers(s)
            if x.notna().sum() < TYPED_SHARE * present.sum() or not x.notna().any():
                continue  # not a numeric column: the agent leaves it
            stat = x.median() if strategy == "median" else x.mean()
            integral = s[x.notna()].str.strip().str.fullmatch(r"[+-]?[0-9]+").all()
            value = _fmt(float(round(stat)) if integral else stat)
        elif strategy == "mode":
            counts = s.dropna().value_counts()
            counts = counts[~counts.index.isin(spelled)]
            value = str(counts.index[0]) if len(counts) else None
        if value is not None:
            st.set(column, s.mask(missing, value))


def remove_outliers(st: _State) -> None:
    outlier = pd.Series(False, index=st.frame.index)
    for column in st.frame.columns:
        s = st.frame[column]
        x = numbers(s)
        values = x.dropna()
        if not len(values) or len(values) < TYPED_SHARE * s.notna().sum():
            continue
        text = s[x.notna()].str.strip()
        digits = text.str.fullmatch(r"\d+")
        lengths = text.str.len()
        same_length = lengths.nunique() == 1 and (lengths > 1).all()
        if digits.all() and same_length and text.str[0].eq("0").any():
            continue  # a code with leading zeros
        if text.str.fullmatch(r"[+-]?[0-9]+").all() and len(values) > 2 and values.is_unique:
            steps = np.diff(values.to_numpy())
            dense = values.max() - values.min() + 1 <= 2 * len(values)
            if (steps > 0).all() or (steps < 0).all() or dense:
                continue  # an identifier
        q1, q3 = np.percentile(values.to_numpy(), [25, 75])
        k = 1.5 * (q3 - q1)
        outlier |= (x < q1 - k) | (x > q3 + k)
    st.remove(outlier, "outlier-remover", "outlier_removed", "outside the IQR fences")


def verify(st: _State) -> None:
    f = st.frame
    f.duplicated().any()
    f.isna().sum()
    for column in f.columns:
        np.isfinite(numbers(f[column]).dropna().to_numpy()).all()


STEPS: dict[str, Callable[[_State], None]] = {
    "quarantine-agent": quarantine,
    "type-fixer": lambda st: type_fix(st.frame, st.set),
    "field-standardization": lambda st: standardise(st.frame, st.set),
    "duplicate-resolver": deduplicate,
    "null-handler": fill_nulls,
    "outlier-remover": remove_outliers,
    "cleanse-writeback": verify,
}


def clean(path: Path, agents: Sequence[str], out_dir: Path) -> dict[str, Any]:
    """Runs the steps of ``agents`` (declared order) on ``path`` and writes
    ``cleaned.csv`` and ``quarantine.csv`` into ``out_dir``."""
    original = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    st = _State(original.copy(deep=False))
    for agent in agents:
        if agent in STEPS:
            st.agent = agent
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
        "cells_by_agent": st.cells_changed,
        "cells_changed": sum(st.cells_changed.values()),
        "passes": 1,
    }
