"""The pandas version of type-fixer and field-standardization (see
bench/pandas_clean.py): vectorised string operations on whole columns,
the same decisions as the agents for the value forms the bench file has.

type-fixer, per column (surrounding spaces ignored, pandas' missing-value
spellings left alone): the share of values that are integers (``5``,
``5.0``), floats, booleans (true/false/yes/no, any case) or dates (year
first, or day/month with the column's order told by a part above 12);
the best type (numbers first, then dates, then booleans) converts when it
holds at least half of the values, unless a digit string with a leading
zero makes the column a code column. Converted values get the canonical
text (``5.0`` -> ``5``, ``Yes`` -> ``true``, ``19/08/2018`` ->
``2018-08-19``); the others stay as they are. Not done here (the bench
file has none): thousands separators, exponents, times of day.

field-standardization (defaults: every column): trim, collapse inner
spacing, every spelling of a value (case ignored) to the column's most
frequent spelling (ties: the first seen; two or more mixed-case
letter-digit spellings are left apart), then year-first and day/month
dates to ISO in a column that is mostly dates. Each step is counted as
the agent counts it (a cell changed by two steps counts twice).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from analysis_service.domain.sources import NA_TOKENS

NA_SPELLINGS = [t for t in NA_TOKENS if t]
MIXED_SHARE = 0.5
_BOOL = {"true": "true", "yes": "true", "false": "false", "no": "false"}
_ISO = r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
_DM = r"(\d{1,2})([-/.])(\d{1,2})([-/.])(\d{4})"

SetColumn = Callable[[str, pd.Series], None]


def date_parts(t: pd.Series) -> pd.DataFrame:
    """kind ('iso' / 'dm' / NaN), a, b, year of each trimmed value (the
    regex extraction, Python per value, only on the date-shaped values that
    Arrow's vectorised match finds)."""
    shaped = t.str.fullmatch(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}").fillna(False).astype(bool)
    cand = t[shaped]
    iso = cand.str.extract(f"^{_ISO}$").reindex(t.index)
    dm = cand.str.extract(f"^{_DM}$").reindex(t.index)
    dm_ok = dm[0].notna() & (dm[1] == dm[3])
    out = pd.DataFrame(index=t.index)
    kind = pd.Series(None, index=t.index, dtype=object)
    kind[dm_ok] = "dm"
    kind[iso[0].notna()] = "iso"
    out["kind"] = kind
    out["a"] = pd.to_numeric(iso[1].fillna(dm[0].where(dm_ok)))
    out["b"] = pd.to_numeric(iso[2].fillna(dm[2].where(dm_ok)))
    out["year"] = pd.to_numeric(iso[0].fillna(dm[4].where(dm_ok)))
    return out


def date_order(p: pd.DataFrame) -> str | None:
    """'dmy' / 'mdy' when the day/month values tell (one way only)."""
    dm = p["kind"] == "dm"
    day_first = bool((dm & (p["a"] > 12) & (p["b"] <= 12)).any())
    month_first = bool((dm & (p["b"] > 12) & (p["a"] <= 12)).any())
    if day_first != month_first:
        return "dmy" if day_first else "mdy"
    return None


def iso_dates(p: pd.DataFrame, order: str | None) -> tuple[pd.Series, pd.Series]:
    """(ISO text of the values whose reading is certain, the day/month values
    left ambiguous); invalid dates (31/02) are not dates."""
    iso, dm = p["kind"] == "iso", p["kind"] == "dm"
    a, b = p["a"], p["b"]
    day_first = dm & ((a > 12) & (b <= 12) | (a == b) | ((a <= 12) & (b <= 12) & (order == "dmy")))
    month_first = dm & ~day_first & ((b > 12) & (a <= 12) | (order == "mdy"))
    ambiguous = dm & ~day_first & ~month_first
    month = a.where(iso | month_first, b)
    day = b.where(iso | month_first, a)
    known = iso | day_first | month_first
    parsed = pd.to_datetime(
        pd.DataFrame({"year": p["year"], "month": month, "day": day}).where(known),
        errors="coerce",
    )
    return parsed.dt.strftime("%Y-%m-%d"), ambiguous


def _integer_text(t: pd.Series) -> pd.Series:
    parts = t.str.extract(r"^([+-]?)0*(\d*)(?:\.0*)?$")
    digits = parts[1].where(parts[1] != "", "0")
    sign = parts[0].where((parts[0] == "-") & (digits != "0"), "")
    return sign + digits


def type_fix(frame: pd.DataFrame, set_column: SetColumn) -> None:
    for column in frame.columns:
        s = frame[column]
        t = s.str.strip()
        value = s.notna() & ~t.isin(NA_SPELLINGS)
        n = int(value.sum())
        if not n:
            continue
        integer = value & t.str.fullmatch(r"[+-]?\d+|[+-]?(?:\d+\.0*)")
        decimal = value & t.str.fullmatch(r"[+-]?(?:\d+\.\d*|\.\d+)") & ~integer
        number = integer | decimal
        whole = t[number].str.extract(r"^[+-]?(\d*)")[0].reindex(t.index)
        code = number & (whole.str.len() > 1) & whole.str.startswith("0")
        code |= value & t.str.fullmatch(r"\+\d{7,}")
        boolean = value & t.str.lower().isin(list(_BOOL))
        p = date_parts(t.where(value))
        order = date_order(p)
        dates, ambiguous = iso_dates(p, order)
        is_date = dates.notna() | ambiguous
        numeric = "float" if decimal.any() else "integer"
        support = {
            numeric: int((integer | decimal).sum() if numeric == "float" else integer.sum()),
            "datetime": int(is_date.sum()),
            "boolean": int(boolean.sum()),
        }
        if code.any():
            del support[numeric]
        best = max(support, key=lambda k: support[k])  # ties: the first
        if support[best] < MIXED_SHARE * n:
            continue
        if best == "integer":
            new = _integer_text(t[integer]).reindex(t.index).where(integer, s)
        elif best == "float":
            new = t.where(integer | decimal, s)
        elif best == "boolean":
            new = t.str.lower().map(_BOOL).where(boolean, s)
        else:
            new = dates.where(dates.notna(), s)
        set_column(column, new)


def _whitespace(s: pd.Series, set_column: SetColumn, column: str) -> pd.Series:
    filled = s.notna() & (s.str.strip() != "")
    trimmed = s.str.strip().where(filled, s)
    set_column(column, trimmed)
    spaced = trimmed.str.replace(r"\s+", " ", regex=True).where(filled, s)
    set_column(column, spaced)
    return spaced


def _code_like(values: pd.Series) -> pd.Series:
    return (
        ~values.str.contains(r"\s")
        & values.str.contains(r"\d")
        & (values != values.str.lower())
        & (values != values.str.upper())
    )


def _most_frequent(s: pd.Series) -> pd.Series:
    """Each spelling -> its key's most frequent spelling (ties: first seen)."""
    counts = s.value_counts(sort=False, dropna=True)  # first-seen order
    table = pd.DataFrame({"spelling": counts.index, "n": counts.to_numpy()})
    table["key"] = table["spelling"].str.lower()
    table["code"] = _code_like(table["spelling"])
    group = table.groupby("key", sort=False)
    best = table.loc[group["n"].idxmax(), ["key", "spelling"]].set_index("key")["spelling"]
    keep = (group["spelling"].transform("size") > 1) & (group["code"].transform("sum") < 2)
    table = table[keep]
    return pd.Series(table["key"].map(best).to_numpy(), index=table["spelling"].to_numpy())


def standardise(frame: pd.DataFrame, set_column: SetColumn) -> None:
    for column in list(frame.columns):
        spaced = _whitespace(frame[column], set_column, column)
        mapping = _most_frequent(spaced)
        if len(mapping):
            set_column(column, spaced.map(mapping).where(spaced.isin(mapping.index), spaced))
        s = frame[column]
        p = date_parts(s)
        non_null = int(s.notna().sum())
        if non_null and 2 * int(p["kind"].notna().sum()) > non_null:
            dates, _ = iso_dates(p, date_order(p))
            set_column(column, dates.where(dates.notna(), s))
