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
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis_service.cleaning.agents.quarantine_agent.params import QuarantineParams
from analysis_service.cleaning.agents.quarantine_agent.rules import (
    BOOLEAN_WORDS,
    CORRUPTED_RECORD,
    INJECTION,
    INJECTION_PREFILTER,
    INJECTION_SHAPES,
    INTEGER_TEXT,
    INVALID_FORMAT,
    MISSING_REQUIRED_FIELD,
    NON_NUMERIC_RANGE_VALUE,
    NUMBER_TEXT,
    NUMERIC_TYPES,
    OUT_OF_RANGE,
    QUOTED_CHARS,
    ROW_RULES,
    RULES_BY_ID,
    SCHEMA_TYPES,
    TYPE_MISMATCH,
)
from analysis_service.cleaning.dates import standardize_date
from dqcommon.tools.patterns import PatternError, compile_pattern, pattern_of, range_test_problems

Mask = npt.NDArray[np.bool_]
_LABELS = {s.name: s.label for s in INJECTION_SHAPES}


def quote(value: str) -> str:
    text = value if len(value) <= QUOTED_CHARS else value[: QUOTED_CHARS - 1] + "…"
    return "'" + text.replace("\n", "\\n") + "'"


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def as_number(text: str) -> float | None:
    v = text.strip()
    if not NUMBER_TEXT.fullmatch(v):
        return None
    x = float(v)
    return x if math.isfinite(x) else None


def is_datetime(text: str) -> bool:
    v = text.strip()
    for order in ("dmy", "mdy"):
        if standardize_date(v, order, "%Y-%m-%d").status in ("converted", "unchanged"):
            return True
    try:
        datetime.fromisoformat(v)
    except ValueError:
        return False
    return True


TYPE_TESTS: dict[str, Callable[[str], bool]] = {
    "integer": lambda v: INTEGER_TEXT.fullmatch(v.strip()) is not None,
    "float": lambda v: as_number(v) is not None,
    "numeric": lambda v: as_number(v) is not None,
    "boolean": lambda v: v.strip().lower() in BOOLEAN_WORDS,
    "datetime": is_datetime,
    "string": lambda v: True,
}


class View:
    """One batch's frame, read through Arrow (RE2 regex kernels, vectorised)
    with the blank masks, trimmed text and numbers computed once per column."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.n = len(frame)
        self._arrow: dict[str, pa.Array] = {}
        self._trimmed: dict[str, pa.Array] = {}
        self._blank: dict[str, Mask] = {}
        self._numbers: dict[str, tuple[Mask, npt.NDArray[np.float64]]] = {}

    def arrow(self, column: str) -> pa.Array:
        if column not in self._arrow:
            self._arrow[column] = pa.array(
                self.frame[column], type=pa.large_string(), from_pandas=True
            )
        return self._arrow[column]

    def trimmed(self, column: str) -> pa.Array:
        if column not in self._trimmed:
            self._trimmed[column] = pc.utf8_trim_whitespace(self.arrow(column))
        return self._trimmed[column]

    def blank(self, column: str) -> Mask:
        if column not in self._blank:
            empty = pc.fill_null(pc.equal(self.trimmed(column), ""), True)
            self._blank[column] = np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)
        return self._blank[column]

    def text(self, column: str, pos: int) -> str:
        value = self.arrow(column)[pos].as_py()
        return "" if value is None else str(value)

    def matches(
        self, column: str, pattern: str, *, trimmed: bool, ignore_case: bool = False
    ) -> Mask:
        """Filled values that ``pattern`` (RE2, unanchored) finds a match in."""
        values = self.trimmed(column) if trimmed else self.arrow(column)
        found = pc.match_substring_regex(values, pattern=pattern, ignore_case=ignore_case)
        mask = np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool)
        return mask & ~self.blank(column)

    def numbers(self, column: str) -> tuple[Mask, npt.NDArray[np.float64]]:
        """Which values are finite numbers (see :func:`as_number`), and their values."""
        if column not in self._numbers:
            ok = self.matches(column, f"^(?:{NUMBER_TEXT.pattern})$", trimmed=True)
            values = np.full(self.n, np.nan)
            if ok.any():
                text = self.trimmed(column).filter(pa.array(ok))
                # float() reads every text NUMBER_TEXT accepts (huge ones as inf)
                values[ok] = np.array([float(t) for t in text.to_pylist()], dtype=np.float64)
                ok &= np.isfinite(values)
            self._numbers[column] = (ok, values)
        return self._numbers[column]

    def each_filled(self, column: str, test: Callable[[str], bool]) -> Mask:
        """``test`` over the distinct non-blank values (True where it holds)."""
        return self.each_of(column, ~self.blank(column), test)

    def each_of(self, column: str, rows: Mask, test: Callable[[str], bool]) -> Mask:
        out = np.zeros(self.n, dtype=bool)
        if not rows.any():
            return out
        values = pd.Series(self.arrow(column).filter(pa.array(rows)).to_pylist(), dtype=object)
        verdict = {v: test(v) for v in pd.unique(values)}
        out[rows] = values.map(verdict).to_numpy(dtype=bool)
        return out


def _type_hits(v: View, column: str, kind: str) -> Mask:
    """Filled values that are not of ``kind`` (vectorised :data:`TYPE_TESTS`)."""
    filled = ~v.blank(column)
    if kind == "integer":
        ok = v.matches(column, f"^(?:{INTEGER_TEXT.pattern})$", trimmed=True)
    elif kind in NUMERIC_TYPES:
        ok = v.numbers(column)[0]
    elif kind == "boolean":
        lower = pc.utf8_lower(v.trimmed(column))
        found = pc.is_in(lower, value_set=pa.array(sorted(BOOLEAN_WORDS), type=pa.large_string()))
        ok = np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool)
    else:
        return v.each_filled(column, lambda x: not TYPE_TESTS[kind](x))
    return filled & ~ok


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
        lambda v: _type_hits(v, column, kind),
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
            return f"'{column}'={text} below min {_fmt(lo)}"
        return f"'{column}'={text} above max {_fmt(hi if hi is not None else math.inf)}"

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
