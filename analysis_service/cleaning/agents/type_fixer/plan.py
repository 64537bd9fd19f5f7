"""type-fixer's plan: each column's type decided from its whole-column
evidence (the cut-offs are in :mod:`.rules`), with the exact numbers the
writing pass will produce (cells to rewrite, values that do not convert,
ambiguous dates) and bounded examples for the row-level issues."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from analysis_service.cleaning.agents.type_fixer.evidence import ColumnEvidence, Key
from analysis_service.cleaning.agents.type_fixer.inference import Cls
from analysis_service.cleaning.agents.type_fixer.params import TypeFixerParams
from analysis_service.cleaning.agents.type_fixer.rules import (
    CATEGORY_MAX_DISTINCT,
    CATEGORY_MAX_RATIO,
    CATEGORY_MIN_VALUES,
    EXAMPLES,
    GATES,
    MIXED_SHARE,
    SUGGESTED_NAMES,
    TYPE_SHARE,
)

#: The value classes that convert to each type.
CONVERTIBLE: dict[str, tuple[Cls, ...]] = {
    "integer": (Cls.INT, Cls.INTEGRAL),
    "float": (Cls.INT, Cls.INTEGRAL, Cls.FLOAT),
    "boolean": (Cls.BOOL,),
    "datetime": (Cls.DATE, Cls.DATE_DM),
}


class Status(StrEnum):
    CONVERTED = "converted"
    PRESERVED = "preserved_mixed"  # mixed evidence, preserve_mixed_types
    GATED = "not_converted"  # the type's auto_convert_* switch is off
    CODE = "kept_as_code"  # leading-zero digit strings
    CATEGORY = "category"  # low-cardinality text, marked only
    TEXT = "text"
    EMPTY = "empty"


TYPED = (Status.CONVERTED, Status.PRESERVED, Status.GATED)


@dataclass(frozen=True)
class ColumnPlan:
    name: str
    status: Status
    suggested: str  # integer | float | boolean | datetime | category | string
    non_null: int = 0  # non-null values other than missing-value placeholders
    placeholders: int = 0  # "NA", "N/A", "null" ... (left for null-handler)
    support: int = 0
    order: str | None = None  # day/month order of a datetime column
    grouping: bool = True  # thousands separators read as numbers
    grouping_inconsistent: bool = False
    changes: int = 0  # cells whose text the conversion rewrites
    mismatches: int = 0  # values that do not convert
    ambiguous: int = 0  # day/month dates the evidence cannot decide
    imprecise: int = 0
    code_like: int = 0
    distinct: int | None = None
    contradictory_dates: bool = False
    strict: bool = False
    samples: tuple[str, ...] = ()
    mismatch_examples: tuple[tuple[int, str], ...] = ()
    ambiguous_examples: tuple[tuple[int, str], ...] = ()

    @property
    def typed(self) -> bool:
        return self.status in TYPED

    @property
    def converted(self) -> bool:
        return self.status is Status.CONVERTED

    @property
    def mixed(self) -> bool:
        return self.typed and self.share < TYPE_SHARE

    @property
    def quarantines(self) -> bool:
        """strict_types quarantines the rows of this column's failed values:
        only in a confidently typed column (a mixed column's type is too
        uncertain to throw rows away for it)."""
        return self.converted and self.strict and not self.mixed

    @property
    def target(self) -> str | None:
        return self.suggested if self.converted else None

    @property
    def gate(self) -> str:
        return GATES.get(self.suggested, "")

    @property
    def label(self) -> str:
        """The ``suggested_type`` of the result."""
        return SUGGESTED_NAMES.get(self.suggested, self.suggested)

    @property
    def share(self) -> float:
        return self.support / self.non_null if self.non_null else 0.0

    @property
    def found(self) -> int:
        """Type issues in the input: cells to rewrite, values that do not
        convert, ambiguous dates (0 for a column that is not typed)."""
        return self.changes + self.mismatches + self.ambiguous if self.typed else 0

    @property
    def remaining(self) -> int:
        if not self.converted:
            return self.found
        return self.ambiguous + (0 if self.quarantines else self.mismatches)

    @property
    def fixed(self) -> int:
        return self.found - self.remaining


@dataclass(frozen=True)
class TypePlan:
    params: TypeFixerParams
    columns: Mapping[str, ColumnPlan]
    rows: int

    def converted(self) -> list[ColumnPlan]:
        return [c for c in self.columns.values() if c.converted]


def _support(ev: ColumnEvidence, target: str, grouping: bool) -> int:
    classes = CONVERTIBLE[target]
    plain = ev.count(classes, grouped=False)
    return plain + (ev.count(classes, grouped=True) if grouping else 0)


def _examples(ev: ColumnEvidence, keys: list[Key]) -> tuple[tuple[int, str], ...]:
    merged = sorted(item for key in keys for item in ev.examples.get(key, []))
    return tuple(merged[:EXAMPLES])


def _is_category(ev: ColumnEvidence) -> bool:
    distinct = ev.distinct_count
    return (
        ev.non_null >= CATEGORY_MIN_VALUES
        and distinct is not None
        and distinct <= CATEGORY_MAX_DISTINCT
        and distinct <= CATEGORY_MAX_RATIO * ev.non_null
    )


def decide(name: str, ev: ColumnEvidence, params: TypeFixerParams) -> ColumnPlan:
    """The plan of one column (see :mod:`.rules` for the decision)."""
    placeholders = ev.count((Cls.NA,))
    n = ev.non_null - placeholders
    samples = tuple(ev.samples)
    if n == 0:
        return ColumnPlan(name, Status.EMPTY, "string", placeholders=placeholders, samples=samples)
    grouping = ev.grouped == 0 or ev.long_plain == 0
    floats = ev.count((Cls.FLOAT,), grouped=False) + (
        ev.count((Cls.FLOAT,), grouped=True) if grouping else 0
    )
    numeric = "float" if floats else "integer"
    candidates = ([] if ev.code_like else [numeric]) + ["datetime", "boolean"]
    best = max(candidates, key=lambda t: _support(ev, t, grouping))
    support = _support(ev, best, grouping)
    base = ColumnPlan(
        name,
        Status.TEXT,
        "string",
        non_null=n,
        placeholders=placeholders,
        support=support,
        code_like=ev.code_like,
        distinct=ev.distinct_count,
        samples=samples,
        strict=params.strict_types,
    )
    if support < MIXED_SHARE * n:
        if ev.code_like and _support(ev, numeric, grouping) >= MIXED_SHARE * n:
            status, suggested = Status.CODE, "string"
        else:
            status, suggested = Status.TEXT, "string"
        if params.auto_convert_category and _is_category(ev):
            status, suggested = Status.CATEGORY, "category"
        return replace(base, status=status, suggested=suggested)
    mixed = support < TYPE_SHARE * n
    if mixed and params.preserve_mixed_types:
        status = Status.PRESERVED
    elif not getattr(params, GATES[best]):
        status = Status.GATED
    else:
        status = Status.CONVERTED
    order = ev.dates.order(params.date_convention) if best == "datetime" else None
    day_month = ev.count((Cls.DATE_DM,)) if best == "datetime" else 0
    changes = ev.differs[best]
    if best in ("integer", "float") and grouping:
        changes += ev.count(CONVERTIBLE[best], grouped=True)
    if order is not None:
        changes += day_month
    ambiguous = day_month if order is None else 0
    convertible = set(CONVERTIBLE[best])
    bad = [
        k
        for k in ev.counts
        if k[0] is not Cls.NA and (k[0] not in convertible or (k[1] and not grouping))
    ]
    return replace(
        base,
        status=status,
        suggested=best,
        order=order,
        grouping=grouping,
        grouping_inconsistent=not grouping,
        changes=changes,
        mismatches=n - support,
        ambiguous=ambiguous,
        imprecise=ev.imprecise if best in ("integer", "float") else 0,
        contradictory_dates=bool(
            best == "datetime"
            and params.date_convention == "auto"
            and ev.dates.day_first
            and ev.dates.month_first
        ),
        mismatch_examples=_examples(ev, bad),
        ambiguous_examples=_examples(ev, [(Cls.DATE_DM, False)]) if ambiguous else (),
    )


def plan_columns(
    evidence: Mapping[str, ColumnEvidence], params: TypeFixerParams, rows: int
) -> TypePlan:
    return TypePlan(params, {c: decide(c, ev, params) for c, ev in evidence.items()}, rows)
