"""One cell through the steps the parameters ask for, in upstream's order:
trim -> internal spacing -> case -> synonyms -> units -> dates. Each step
that changes the text is one (rule, before, after) entry; a step never
produces an empty value (a whitespace-only cell is left as it is), so no
cell becomes null here.

Also the checks of the mapping parameters (a bad mapping is refused before
any data is written, not silently ignored).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from analysis_service.cleaning.agents.field_standardization.logic import (
    UnitRule,
    apply_case,
    collapse_spacing,
    convert_unit,
    has_whitespace_issue,
    standardize_date,
    unit_key,
)
from analysis_service.cleaning.agents.field_standardization.rules import (
    RULE_DATE,
    RULE_SPACING,
    RULE_SYNONYM,
    RULE_TRIM,
    RULE_UNIT,
    case_rule,
)

Step = tuple[str, str, str]  # (rule, before, after)
_DATE_NOTES = {"ambiguous": "ambiguous_date", "invalid": "invalid_date", "not_a_date": "not_a_date"}


@dataclass(frozen=True)
class Outcome:
    """What the steps make of one value; ``notes`` are the reasons a value
    was left as it is (ambiguous_date, invalid_date, not_a_date,
    unit_unmatched)."""

    original: str
    final: str
    steps: tuple[Step, ...] = ()
    notes: tuple[str, ...] = ()
    #: the final value still has leading, trailing or irregular whitespace
    whitespace_issue: bool = False

    @property
    def changed(self) -> bool:
        return self.final != self.original


@dataclass(frozen=True)
class ColumnSteps:
    """The steps of one target column (decided by the plan)."""

    trim: bool = True
    spacing: bool = True
    case: str = "most_frequent"
    case_map: Mapping[str, str] = field(default_factory=dict)  # most_frequent only
    synonyms: Mapping[str, str] = field(default_factory=dict)  # casefolded variant -> standard
    units: Mapping[str, UnitRule] = field(default_factory=dict)
    unit_targets: frozenset[str] = frozenset()
    dates: bool = False  # the column is a date column and dates are standardised
    date_order: str | None = None
    date_format: str = "%Y-%m-%d"

    def whitespace(self, value: str) -> str:
        if not value.strip():
            return value
        if self.trim:
            value = value.strip()
        if self.spacing:
            value = collapse_spacing(value)
        return value

    @cached_property
    def _only_whitespace_and_map(self) -> bool:
        """No step but whitespace and the spelling map can change a value."""
        return (
            self.case in ("most_frequent", "none")
            and not self.synonyms
            and not self.units
            and not self.dates
        )

    def run(self, value: str) -> Outcome:
        if not value.strip():
            return Outcome(value, value, whitespace_issue=True)
        if (
            self._only_whitespace_and_map
            and value not in self.case_map
            and not has_whitespace_issue(value)
        ):
            return Outcome(value, value)
        steps: list[Step] = []
        notes: list[str] = []
        v = value

        def step(rule: str, after: str) -> None:
            nonlocal v
            if after != v and after:
                steps.append((rule, v, after))
                v = after

        if self.trim:
            step(RULE_TRIM, v.strip())
        if self.spacing:
            step(RULE_SPACING, collapse_spacing(v))
        if self.case == "most_frequent":
            step(case_rule(self.case), self.case_map.get(v, v))
        elif self.case != "none":
            step(case_rule(self.case), apply_case(v, self.case))
        if self.synonyms:
            step(RULE_SYNONYM, self.synonyms.get(v.casefold(), v))
        if self.units:
            converted, status = convert_unit(v, self.units, self.unit_targets)
            if status == "unmatched":
                notes.append("unit_unmatched")
            step(RULE_UNIT, converted)
        if self.dates:
            result = standardize_date(v, self.date_order, self.date_format)
            note = _DATE_NOTES.get(result.status)
            if note:
                notes.append(note)
            step(RULE_DATE, result.value)
        return Outcome(value, v, tuple(steps), tuple(notes), has_whitespace_issue(v))


def date_readings(value: str, target_format: str) -> list[str]:
    """The two readings of an ambiguous day/month value (day-first first)."""
    out = []
    for order in ("dmy", "mdy"):
        result = standardize_date(value, order, target_format)
        if result.status in ("converted", "unchanged"):
            out.append(result.value)
    return out


# --- parameter checks ---------------------------------------------------------


def check_date_format(target_format: str) -> None:
    """Refuses a target format that would lose the date (it would destroy
    data): the text it writes must read back as the same day."""
    samples = (date(2024, 1, 2), date(2024, 12, 31), date(1999, 7, 4))
    try:
        ok = bool(target_format.strip()) and all(
            datetime.strptime(d.strftime(target_format), target_format).date() == d for d in samples
        )
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(
            f"target_date_format {target_format!r} must write day, month and year so that "
            "the date reads back (for example %Y-%m-%d)"
        )


def synonym_table(raw: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """column -> {casefolded variant: standard}; refuses non-text, empty
    standards and variants that differ only in case but map differently."""
    out: dict[str, dict[str, str]] = {}
    for column, pairs in raw.items():
        if not isinstance(pairs, Mapping):
            raise ValueError(f"synonym_mappings[{column!r}] must be an object of variant: standard")
        table: dict[str, str] = {}
        for variant, standard in pairs.items():
            if not isinstance(standard, str) or not standard.strip():
                raise ValueError(
                    f"synonym_mappings[{column!r}][{variant!r}] must be a non-empty text "
                    "(a standard value never empties a cell)"
                )
            key = str(variant).casefold()
            if table.get(key, standard) != standard:
                raise ValueError(
                    f"synonym_mappings[{column!r}] maps {variant!r} to two different values"
                )
            table[key] = standard
        out[str(column)] = table
    return out


def unit_table(raw: Mapping[str, Any]) -> dict[str, tuple[dict[str, UnitRule], frozenset[str]]]:
    """column -> ({unit key: rule}, target unit keys); refuses a factor that
    is not a positive number and an empty target unit."""
    out: dict[str, tuple[dict[str, UnitRule], frozenset[str]]] = {}
    for column, units in raw.items():
        if not isinstance(units, Mapping):
            raise ValueError(f"unit_mappings[{column!r}] must be an object of unit: rule")
        rules: dict[str, UnitRule] = {}
        for unit, spec in units.items():
            where = f"unit_mappings[{column!r}][{unit!r}]"
            if not isinstance(spec, Mapping):
                raise ValueError(f"{where} must be {{'factor': number, 'target_unit': text}}")
            factor, target = spec.get("factor"), spec.get("target_unit")
            if isinstance(factor, bool) or not isinstance(factor, int | float) or factor <= 0:
                raise ValueError(f"{where}.factor must be a positive number")
            if not isinstance(target, str) or not target.strip():
                raise ValueError(f"{where}.target_unit must be a non-empty text")
            if not unit_key(str(unit)):
                raise ValueError(f"unit_mappings[{column!r}] has an empty unit")
            rules[unit_key(str(unit))] = UnitRule(Decimal(str(factor)), target.strip())
        targets = frozenset(unit_key(r.target_unit) for r in rules.values())
        out[str(column)] = (rules, targets)
    return out
