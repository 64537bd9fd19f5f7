"""field-standardization: the value functions (pure, no pandas).

Spellings: values that differ only in case (once the whitespace steps the
parameters ask for have run) share a key; :class:`SpellingTable` counts the
spellings of a column and :meth:`SpellingTable.canonical` maps every other
spelling of a key to the key's most frequent spelling (ties: the first
seen), as OpenRefine's fingerprint clustering does, without lowercasing
anything. The table is bounded: at most ``max_spellings`` distinct
spellings per column; a spelling first seen past the cap is not recorded
(``saturated``) and is never rewritten.

Units: a whole value "<number> <unit>" (spaces optional, unit matched
case-insensitively) becomes "<number x factor> <target_unit>"; the product
is exact decimal arithmetic (150 lb x 0.4536 = 68.04, never 68.03999...).

Dates: :mod:`analysis_service.cleaning.dates` (one convention shared with
type-fixer).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import itemgetter

from analysis_service.cleaning.dates import DateEvidence, DateResult, standardize_date

__all__ = [
    "DateEvidence",
    "DateResult",
    "SpellingTable",
    "UnitRule",
    "apply_case",
    "code_like",
    "collapse_spacing",
    "convert_unit",
    "fingerprint",
    "has_whitespace_issue",
    "standardize_date",
    "ws_normal",
]

#: a run of whitespace that is not exactly one plain space
_IRREGULAR_SPACE = re.compile(r"\s{2,}|[^\S ]")
_NUMBER_UNIT = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(\D.*?)\s*$", re.DOTALL)


def ws_normal(value: str) -> str:
    """Trimmed, whitespace runs collapsed to one space."""
    return " ".join(value.split())


def fingerprint(value: str) -> str:
    """Key shared by spellings that differ only in case or spacing."""
    return ws_normal(value).casefold()


def collapse_spacing(value: str) -> str:
    """Every whitespace run that is not one plain space becomes one space."""
    return _IRREGULAR_SPACE.sub(" ", value)


def has_whitespace_issue(value: str) -> bool:
    """Leading or trailing whitespace, or an irregular run inside."""
    return value != " ".join(value.split())


def code_like(value: str) -> bool:
    """One token of letters and digits in mixed case (``dQw4w9WgXcQ``):
    such values are usually case-sensitive identifiers."""
    return (
        not any(c.isspace() for c in value)
        and any(c.isdigit() for c in value)
        and value != value.lower()
        and value != value.upper()
    )


def apply_case(value: str, strategy: str) -> str:
    if strategy == "lowercase":
        return value.lower()
    if strategy == "uppercase":
        return value.upper()
    if strategy == "titlecase":
        return _WORD.sub(_title_word, value)
    return value


#: a word: letters and digits, with inner apostrophes (o'brien, don't)
_CONTRACTIONS = frozenset({"m", "ll", "ve", "re", "d", "s", "t"})
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


def _title_word(m: re.Match[str]) -> str:
    """First letter up, the rest down; after an apostrophe that follows a
    single letter too (O'Brien, D'Angelo) but not otherwise (Don't, and
    "3rd" stays "3rd", unlike str.title's "Don'T" and "3Rd")."""
    word = m.group(0)
    head, tail = word[:2], word[2:]
    if (
        len(word) > 2
        and head[1] in "'\u2019"
        and head[0].isalpha()
        and tail.casefold() not in _CONTRACTIONS
    ):
        return head[0].upper() + head[1] + tail[:1].upper() + tail[1:].lower()
    return word[:1].upper() + word[1:].lower()


@dataclass
class SpellingTable:
    """Bounded count table: spelling -> cells, grouped by ``key``."""

    max_spellings: int = 100_000
    key: Callable[[str], str] = fingerprint
    counts: dict[str, int] = field(default_factory=dict)
    saturated: bool = False
    #: cells whose spelling was first seen past the cap (not recorded)
    unrecorded: int = 0
    #: keys not unified because their spellings look case-sensitive
    kept_apart: int = 0

    def add(self, value: str, n: int = 1) -> bool:
        """Counts ``n`` cells of ``value``; False when it is not recorded."""
        if value in self.counts:
            self.counts[value] += n
            return True
        if len(self.counts) >= self.max_spellings:
            self.saturated = True
            self.unrecorded += n
            return False
        self.counts[value] = n
        return True

    def add_many(self, values: Sequence[str], cells: Sequence[int]) -> None:
        """:meth:`add` of each value with its cells, in order."""
        counts = self.counts
        batch = dict(zip(values, cells, strict=True))
        if len(batch) < len(values):  # a value twice: one by one
            for value, n in zip(values, cells, strict=True):
                self.add(value, n)
            return
        for value in counts.keys() & batch.keys():  # known: counted, take no room
            counts[value] += batch.pop(value)
        room = max(self.max_spellings - len(counts), 0)
        if len(batch) <= room:
            counts.update(batch)
            return
        new = list(batch.items())  # first seen first: the first ``room`` are recorded
        counts.update(new[:room])
        self.saturated = True
        self.unrecorded += sum(map(itemgetter(1), new[room:]))

    def groups(self) -> dict[str, dict[str, int]]:
        """key -> {spelling: cells}, spellings in first-seen order."""
        out: dict[str, dict[str, int]] = {}
        for spelling, n in self.counts.items():
            out.setdefault(self.key(spelling), {})[spelling] = n
        return out

    def _shared_groups(self) -> dict[str, dict[str, int]]:
        """:meth:`groups` of the keys with two or more spellings (same order)."""
        spellings = list(self.counts)
        keys = list(map(self.key, spellings))
        shared = {k for k, n in Counter(keys).items() if n > 1}
        out: dict[str, dict[str, int]] = {}
        if shared:
            for spelling, k in zip(spellings, keys, strict=True):
                if k in shared:
                    out.setdefault(k, {})[spelling] = self.counts[spelling]
        return out

    def canonical(self) -> dict[str, str]:
        """Spelling -> most frequent spelling of its key (only spellings
        that change; ties go to the first seen). A key with two or more
        code-like spellings (``aB3x`` / ``Ab3X``: case-sensitive
        identifiers, not one value typed twice) is left apart and counted
        in ``kept_apart``."""
        out: dict[str, str] = {}
        self.kept_apart = 0
        for spellings in self._shared_groups().values():
            if len(spellings) < 2:
                continue
            if sum(1 for s in spellings if code_like(s)) >= 2:
                self.kept_apart += 1
                continue
            best = max(spellings.items(), key=lambda kv: kv[1])[0]  # first max wins
            for s in spellings:
                if s != best:
                    out[s] = best
        return out


@dataclass(frozen=True)
class UnitRule:
    factor: Decimal
    target_unit: str


def unit_key(unit: str) -> str:
    return ws_normal(unit).casefold()


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "+0", "") else text


def convert_unit(
    value: str, rules: Mapping[str, UnitRule], targets: frozenset[str]
) -> tuple[str, str]:
    """(new value, status): ``converted``, ``unchanged`` (already in a
    target unit, or the conversion writes the same text) or ``unmatched``."""
    m = _NUMBER_UNIT.match(value)
    if m is None:
        return value, "unmatched"
    unit = unit_key(m.group(2))
    rule = rules.get(unit)
    if rule is None:
        return value, "unchanged" if unit in targets else "unmatched"
    try:
        number = Decimal(m.group(1)) * rule.factor
    except InvalidOperation:  # pragma: no cover - the regex admits only decimals
        return value, "unmatched"
    out = f"{_plain(number)} {rule.target_unit}"
    return out, "unchanged" if out == value else "converted"
