"""field-standardization: spelling unification and one date convention.

Default (no case strategy asked): values that differ only in case or spacing
share a fingerprint key (whitespace collapsed, casefolded); each key with
several spellings is rewritten to the column's most frequent spelling (ties:
the first seen). The count table is bounded: at most ``max_keys`` keys per
column; values of keys first seen past the cap are left unchanged and the
column is reported as saturated.

Dates: :mod:`analysis_service.cleaning.dates` (one convention shared with
type-fixer).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from analysis_service.cleaning.dates import DateEvidence, DateResult, standardize_date

__all__ = [
    "DateEvidence",
    "DateResult",
    "SpellingTable",
    "apply_case",
    "fingerprint",
    "standardize_date",
]

_SPACES = re.compile(r"\s+")


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
