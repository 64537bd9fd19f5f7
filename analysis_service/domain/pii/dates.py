"""Dates of birth and postal codes: formats that only mean PII in context.

Both validators give weak tiers only (see :mod:`.validators`): a column of
dates is a date of birth only when its name says birth, and five digits are
a ZIP code only when its name says postal code, never by their values
(upstream labelled salaries as ZIP codes).
"""

from __future__ import annotations

import re
from datetime import date

import pyarrow as pa

from analysis_service.domain.pii.validators import WEAK, Validated, _per_value

# --- dates of birth -------------------------------------------------------------

_MIDNIGHT = r"(?:[T ]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:?00)?)?"
_DATE = (
    r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}" + _MIDNIGHT + r"$"
    r"|^\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})$"
    r"|^(?:19|20)\d{6}$"
    r"|^\d{1,2}\.? [A-Za-z]{3,9}\.?,? \d{4}$"
    r"|^[A-Za-z]{3,9}\.? \d{1,2},? \d{4}$"
)
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})\.? ([A-Za-z]{3,9})\.?,? (\d{4})$")
_MONTH_DAY = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
EARLIEST_BIRTH = date(1900, 1, 1)


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _full_year(year: str, today: date) -> int:
    if len(year) == 4:
        return int(year)
    short = int(year)
    return 2000 + short if 2000 + short <= today.year else 1900 + short


def parse_date(value: str, today: date) -> date | None:
    """The date a value writes (ISO, day-first or month-first with ``/ - .``,
    ``YYYYMMDD``, English month names), or None. A value that reads as a
    valid date either day-first or month-first is a date (which one does
    not matter for a birth-date test)."""
    if match := _YMD.match(value):
        return _make(int(match[1]), int(match[2]), int(match[3]))
    if match := _DMY.match(value):
        year = _full_year(match[3], today)
        first, second = int(match[1]), int(match[2])
        return _make(year, second, first) or _make(year, first, second)
    if match := _COMPACT.match(value):
        return _make(int(match[1]), int(match[2]), int(match[3]))
    if match := _DAY_MONTH.match(value):
        month = _MONTHS.get(match[2].lower())
        return _make(int(match[3]), month, int(match[1])) if month else None
    if match := _MONTH_DAY.match(value):
        month = _MONTHS.get(match[1].lower())
        return _make(int(match[3]), month, int(match[2])) if month else None
    return None


def birth_dates(values: pa.Array, today: date) -> Validated:
    """Calendar dates (times only at midnight) between 1900-01-01 and
    ``today``: a birth date is never in the future."""

    def check(value: str) -> tuple[int, str | None]:
        parsed = parse_date(value, today)
        if parsed is None or not EARLIEST_BIRTH <= parsed <= today:
            return 0, None
        return WEAK, None

    return _per_value(values, _DATE, check)


# --- postal codes ---------------------------------------------------------------

_POSTAL_FORMATS: tuple[tuple[str, str], ...] = (
    ("us", r"\d{5}(?:-\d{4})?"),
    ("gb", r"[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}"),
    ("ca", r"[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d"),
    ("nl", r"\d{4} ?[A-Za-z]{2}"),
    ("br", r"\d{5}-?\d{3}"),
    ("jp", r"\d{3}-\d{4}"),
    ("pt", r"\d{4}-\d{3}"),
    ("pl", r"\d{2}-\d{3}"),
    ("numeric", r"\d{4}|\d{6}"),  # AT, AU, BE, CH, DK, NO ... / IN, RU, CN ...
)
_POSTAL = "|".join(f"^(?:{pattern})$" for _, pattern in _POSTAL_FORMATS)
_POSTAL_COMPILED = tuple((name, re.compile(f"^(?:{p})$")) for name, p in _POSTAL_FORMATS)


def _postal(value: str) -> tuple[int, str | None]:
    for name, pattern in _POSTAL_COMPILED:
        if pattern.match(value):
            return WEAK, name
    return 0, None


def postal_codes(values: pa.Array) -> Validated:
    """US ZIP and ZIP+4, UK, Canadian, Dutch, Brazilian, Japanese,
    Portuguese and Polish formats, and 4- or 6-digit codes."""
    return _per_value(values, _POSTAL, _postal)
