"""One date convention for every cleaning agent (type-fixer and
field-standardization read dates the same way).

``date_convention`` is ``auto`` (default), ``dmy`` or ``mdy``. Year-first
values (2024-03-04, 2024/3/4) are always year-month-day. For day/month
values (03/04/2024, 3-4-2024, 03.04.2024) a part above 12 decides the
reading of that value; otherwise under ``auto`` the column's evidence
decides (some values with a first part above 12 and none with a second part
above 12: day-first, and the other way round), and a value whose reading the
evidence cannot decide (03/04/2024 in a column with no telling value) is
reported as ``ambiguous`` and left as it is, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

#: The values ``date_convention`` takes.
DATE_CONVENTIONS = ("auto", "dmy", "mdy")

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DM = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$")


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
