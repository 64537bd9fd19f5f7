"""The row checks of quarantine-agent, compiled once from the parameters
and the file's columns (:func:`compile_rules`) and evaluated batch by batch
(:func:`evaluate`), the same way in the statistics pass and in every
applier pass.

Value conventions
    * blank = null, empty or whitespace-only; a blank value is only ever a
      missing required field (type, range and format checks skip it);
    * type and range checks read the value with surrounding whitespace
      stripped; format constraints are a FULL match of the value as it is,
      on RE2 (validated with :func:`dqcommon.tools.patterns.compile_pattern`,
      run anchored ``^(?:pattern)$`` by Arrow's RE2 kernels, exactly as
      test-coverage-agent does);
    * integer: signed digits with an optional ``.0``; float / numeric: a
      decimal or scientific number that is finite; boolean: true false 1 0
      yes no y n t f (any case); datetime: a date :mod:`cleaning.dates`
      reads (either day/month order) or an ISO date-time; string: anything;
    * range bounds are inclusive and apply to values that are numbers. A
      non-number in a range column is a ``type_mismatch`` when
      expected_schema gives the column a numeric type (the type rule reports
      it), otherwise a ``non_numeric_range_value`` finding that does not
      quarantine the row;
    * injection shapes (:data:`rules.INJECTION_SHAPES`): an RE2 prefilter
      finds the few candidate values vectorised, Python's ``re`` confirms.

Cost: the checks are vectorised per batch and column (Arrow compute);
only datetime values and injection candidates are tested one by one
(once per distinct value of the batch).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis_service.cleaning.agents.quarantine_agent.params import QuarantineParams
from analysis_service.cleaning.agents.quarantine_agent.rules import (
    CORRUPTED_RECORD,
    INJECTION,
    INJECTION_PREFILTER,
    INJECTION_SHAPES,
    INVALID_FORMAT,
    MISSING_REQUIRED_FIELD,
    NON_NUMERIC_RANGE_VALUE,
    NUMERIC_TYPES,
    OUT_OF_RANGE,
    ROW_RULES,
    RULES_BY_ID,
    TYPE_MISMATCH,
)
from analysis_service.cleaning.agents.quarantine_agent.values import (
    Mask,
    View,
    as_number,
    fmt_number,
    quote,
    type_hits,
)
from dqcommon.tools.patterns import (
    SCHEMA_TYPES,
    PatternError,
    compile_pattern,
    pattern_of,
    range_test_problems,
)

_LABELS = {s.name: s.label for s in INJECTION_SHAPES}


@dataclass(frozen=True)
class Check:
    """One (rule, column) check: ``hits`` marks the rows it hits, ``describe``
    says why for one row (column "all": the whole record)."""

    rule: str
    column: str
    hits: Callable[[View], Mask]
    describe: Callable[[View, int], str]

    @property
    def quarantines(self) -> bool:
        return RULES_BY_ID[self.rule].quarantines


@dataclass(frozen=True)
class Refused:
    rule: str
    column: str
    reason: str


@dataclass(frozen=True)
class RuleSet:
    checks: tuple[Check, ...]
    #: expected columns (schema, required, range, format) absent from the file
    missing_columns: tuple[str, ...]
    #: constraints that could not run (missing column included)
    refused: tuple[Refused, ...]
    configured: int
    expected_columns: int
    columns: tuple[str, ...] = field(default=())

    @property
    def applied(self) -> int:
        return self.configured - len(self.refused)


def _required(column: str) -> Check:
    return Check(
        MISSING_REQUIRED_FIELD,
        column,
        lambda v: v.blank(column),
        lambda v, i: f"missing required field '{column}'",
    )


def _typed(column: str, kind: str) -> Check:
    return Check(
        TYPE_MISMATCH,
        column,
        lambda v: type_hits(v, column, kind),
        lambda v, i: f"'{column}'={quote(v.text(column, i))} is not a valid {kind}",
    )


def _out_of_range(column: str, lo: float | None, hi: float | None) -> Check:
    def outside(v: View) -> Mask:
        ok, x = v.numbers(column)
        with np.errstate(invalid="ignore"):
            low = x < lo if lo is not None else np.zeros(v.n, dtype=bool)
            high = x > hi if hi is not None else np.zeros(v.n, dtype=bool)
        return ok & (low | high)

    def why(v: View, i: int) -> str:
        text = v.text(column, i).strip()
        n = as_number(text)
        if n is not None and lo is not None and n < lo:
            return f"'{column}'={text} below min {fmt_number(lo)}"
        return f"'{column}'={text} above max {fmt_number(hi if hi is not None else math.inf)}"

    return Check(OUT_OF_RANGE, column, outside, why)


def _non_numeric(column: str) -> Check:
    return Check(
        NON_NUMERIC_RANGE_VALUE,
        column,
        lambda v: ~v.blank(column) & ~v.numbers(column)[0],
        lambda v, i: (
            f"'{column}'={quote(v.text(column, i))} is not a number: range not checked "
            "(not quarantined)"
        ),
    )


def _format(column: str, pattern: str) -> Check:
    # Arrow's kernels run RE2 too: anchored, this is RE2's full match of the
    # value as it is ("$" without the multi-line flag is the end of the text).
    anchored = f"^(?:{pattern})$"
    return Check(
        INVALID_FORMAT,
        column,
        lambda v: ~v.blank(column) & ~v.matches(column, anchored, trimmed=False),
        lambda v, i: f"'{column}'={quote(v.text(column, i))} does not fully match {pattern}",
    )


def _all_blank(columns: Sequence[str]) -> Check:
    def hits(v: View) -> Mask:
        out = np.ones(v.n, dtype=bool)
        for c in columns:
            out &= v.blank(c)
        return out

    return Check(CORRUPTED_RECORD, "all", hits, lambda v, i: "empty record (every cell empty)")


def _injection(column: str) -> Check:
    def hits(v: View) -> Mask:
        candidates = v.matches(column, INJECTION_PREFILTER, trimmed=False, ignore_case=True)
        return v.each_of(column, candidates, lambda x: INJECTION.search(x) is not None)

    def why(v: View, i: int) -> str:
        text = v.text(column, i)
        m = INJECTION.search(text)
        label = "injection"
        for name, value in (m.groupdict() if m else {}).items():
            if value is not None and name in _LABELS:
                label = _LABELS[name]
                break
        return f"suspicious content in '{column}' ({label}): {quote(text)}"

    return Check(CORRUPTED_RECORD, column, hits, why)


def _bounds(spec: Any) -> tuple[float | None, float | None]:
    lo, hi = spec.get("min"), spec.get("max")
    return (None if lo is None else float(lo)), (None if hi is None else float(hi))


def compile_rules(params: QuarantineParams, columns: Sequence[str]) -> RuleSet:
    """The checks of the enabled rules, in rule order then file order."""
    present = set(columns)
    schema = {str(c): str(t).strip().lower() for c, t in params.expected_schema.items()}
    expected = list(
        dict.fromkeys(
            [
                *schema,
                *params.required_fields,
                *params.range_constraints,
                *params.format_constraints,
            ]
        )
    )
    missing = tuple(c for c in expected if c not in present)
    refused: list[Refused] = []
    configured = 0
    by_rule: dict[str, list[Check]] = {r.rule_id: [] for r in ROW_RULES}

    def wanted(switch: str, rule: str, column: str) -> bool:
        nonlocal configured
        if not getattr(params, switch):
            return False
        configured += 1
        if column not in present:
            refused.append(Refused(rule, column, "column not in the file"))
            return False
        return True

    if params.detect_broken_records and columns:
        by_rule[CORRUPTED_RECORD].append(_all_blank(columns))
        by_rule[CORRUPTED_RECORD].extend(_injection(c) for c in columns)
    for c in dict.fromkeys(params.required_fields):
        if wanted("detect_missing_fields", MISSING_REQUIRED_FIELD, c):
            by_rule[MISSING_REQUIRED_FIELD].append(_required(c))
    for c, kind in schema.items():
        if not wanted("detect_type_mismatches", TYPE_MISMATCH, c):
            continue
        if kind not in SCHEMA_TYPES:
            refused.append(
                Refused(TYPE_MISMATCH, c, f"unknown type '{kind}' ({'|'.join(SCHEMA_TYPES)})")
            )
        elif kind != "string":
            by_rule[TYPE_MISMATCH].append(_typed(c, kind))
    for c, spec in params.range_constraints.items():
        if not wanted("detect_out_of_range", OUT_OF_RANGE, c):
            continue
        problems = range_test_problems({c: spec})
        if problems:
            refused.append(Refused(OUT_OF_RANGE, c, problems[0][1]))
            continue
        lo, hi = _bounds(spec)
        by_rule[OUT_OF_RANGE].append(_out_of_range(c, lo, hi))
        if schema.get(c) not in NUMERIC_TYPES:
            by_rule[NON_NUMERIC_RANGE_VALUE].append(_non_numeric(c))
    for c, spec in params.format_constraints.items():
        if not wanted("detect_invalid_formats", INVALID_FORMAT, c):
            continue
        parsed = pattern_of(spec)
        if parsed is None:
            refused.append(Refused(INVALID_FORMAT, c, 'must be a regex or {"pattern": regex}'))
            continue
        try:
            compile_pattern(parsed[0])
        except PatternError as exc:
            refused.append(Refused(INVALID_FORMAT, c, f"invalid regular expression: {exc}"))
            continue
        by_rule[INVALID_FORMAT].append(_format(c, parsed[0]))
    order = {c: i for i, c in enumerate(columns)}
    checks = tuple(
        chk
        for r in ROW_RULES
        for chk in sorted(by_rule[r.rule_id], key=lambda k: order.get(k.column, -1))
    )
    return RuleSet(checks, missing, tuple(refused), configured, len(expected), tuple(columns))


@dataclass
class BatchHits:
    """Which checks hit which rows of one batch (checks without hits left out)."""

    view: View
    hits: list[tuple[Check, Mask]]

    def _any(self, quarantining: bool | None) -> Mask:
        out = np.zeros(self.view.n, dtype=bool)
        for check, mask in self.hits:
            if quarantining is None or check.quarantines is quarantining:
                out |= mask
        return out

    def quarantined(self) -> Mask:
        return self._any(True)

    def with_issue(self) -> Mask:
        return self._any(None)

    def counts(self) -> npt.NDArray[np.int64]:
        out = np.zeros(self.view.n, dtype=np.int64)
        for _, mask in self.hits:
            out += mask
        return out

    def top_rules(self) -> npt.NDArray[np.object_]:
        """Per row: its most severe quarantining rule ("" when none)."""
        out = np.full(self.view.n, "", dtype=object)
        for check, mask in reversed(self.hits):
            if check.quarantines:
                out[mask] = check.rule
        return out

    def at(self, pos: int) -> list[Check]:
        return [check for check, mask in self.hits if mask[pos]]

    def removal(self, pos: int) -> tuple[str, str]:
        """(rule, reason) of a quarantined row: the most severe rule, every hit."""
        hits = [c for c in self.at(pos) if c.quarantines]
        return hits[0].rule, "; ".join(c.describe(self.view, pos) for c in hits)


def evaluate(rules: RuleSet, frame: pd.DataFrame) -> BatchHits:
    view = View(frame)
    hits = []
    for check in rules.checks:
        mask = check.hits(view)
        if mask.any():
            hits.append((check, mask))
    return BatchHits(view, hits)
