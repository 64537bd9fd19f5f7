"""field-standardization: spelling unification and one date convention.

Default (no case strategy asked): values that differ only in case or spacing
share a fingerprint key (whitespace collapsed, casefolded); each key with
several spellings is rewritten to the column's most frequent spelling (ties:
the first seen). The count table is bounded: at most ``max_keys`` keys per
column; values of keys first seen past the cap are left unchanged and the
column is reported as saturated.

Dates: one convention, ``dmy`` / ``mdy`` / ``auto``. Under ``auto`` the
column's evidence decides (a first part above 12 means day-first, a second
part above 12 month-first); a value whose reading the evidence cannot
decide (03/04/2024) is reported as ambiguous and left as it is.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

_SPACES = re.compile(r"\s+")
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DM = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$")


def fingerprint(value: str) -> str:
    """Key shared by spellings that differ only in case or spacing."""
    return _SPACES.sub(" ", value.strip()).casefold()


def apply_case(value: str, strategy: str) -> str:
    if strategy == "lowercase":
        return value.lower()
    if strategy == "uppercase":
        return value.upper()
    if strategy == "titlecase":
        return value.title()
    return value


@dataclass
class SpellingTable:
    """Bounded count table: fingerprint key -> Counter of spellings."""

    max_keys: int = 100_000
    keys: dict[str, Counter[str]] = field(default_factory=dict)
    saturated: bool = False

    def add(self, value: str) -> None:
        key = fingerprint(value)
        spellings = self.keys.get(key)
        if spellings is None:
            if len(self.keys) >= self.max_keys:
                self.saturated = True
                return
            spellings = self.keys[key] = Counter()
        spellings[value] += 1

    def canonical(self) -> dict[str, str]:
        """Spelling -> most frequent spelling of its key (only keys with
        more than one spelling)."""
        out: dict[str, str] = {}
        for spellings in self.keys.values():
            if len(spellings) < 2:
                continue
            best = max(spellings.items(), key=lambda kv: kv[1])[0]  # first seen wins ties
            for s in spellings:
                if s != best:
                    out[s] = best
        return out


def _parts(value: str) -> tuple[str, int, int, int] | None:
    """(kind, a, b, year): kind 'iso' (a=month, b=day) or 'dm' (a, b unknown order)."""
    v = value.strip()
    m = _ISO.match(v)
    if m:
        return "iso", int(m.group(2)), int(m.group(3)), int(m.group(1))
    m = _DM.match(v)
    if m:
        return "dm", int(m.group(1)), int(m.group(3)), int(m.group(4))
    return None


@dataclass
class DateEvidence:
    dates: int = 0
    non_null: int = 0
    day_first: int = 0  # first part > 12
    month_first: int = 0  # second part > 12

    def add(self, value: str) -> None:
        self.non_null += 1
        p = _parts(value)
        if p is None:
            return
        self.dates += 1
        if p[0] == "dm":
            if p[1] > 12 >= p[2]:
                self.day_first += 1
            elif p[2] > 12 >= p[1]:
                self.month_first += 1

    def is_date_column(self) -> bool:
        return self.non_null > 0 and self.dates * 2 > self.non_null

    def order(self, convention: str) -> str | None:
        """'dmy', 'mdy' or None (undecided / contradictory)."""
        if convention in ("dmy", "mdy"):
            return convention
        if self.day_first and not self.month_first:
            return "dmy"
        if self.month_first and not self.day_first:
            return "mdy"
        return None


@dataclass(frozen=True)
class DateResult:
    value: str
    status: str  # "converted" | "unchanged" | "ambiguous" | "invalid" | "not_a_date"


def standardize_date(value: str, order: str | None, target_format: str) -> DateResult:
    p = _parts(value)
    if p is None:
        return DateResult(value, "not_a_date")
    kind, a, b, year = p
    if kind == "iso":
        month, day = a, b
    elif a > 12 >= b:
        day, month = a, b
    elif b > 12 >= a:
        month, day = a, b
    elif a == b:
        day = month = a
    elif order is None:
        return DateResult(value, "ambiguous")
    elif order == "dmy":
        day, month = a, b
    else:
        month, day = a, b
    try:
        out = date(year, month, day).strftime(target_format)
    except ValueError:
        return DateResult(value, "invalid")
    return DateResult(out, "unchanged" if out == value else "converted")
