"""field-standardization's vectorised checks agree with the per-value
functions they stand in for: whitespace issues, which values the steps may
change, date evidence, the factorisation's order and the bulk spelling
table."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis_service.cleaning.agents.field_standardization.columnar import (
    PY_WHITESPACE,
    add_dates,
    factorize,
    final_values,
    needs_steps,
    whitespace_issue,
)
from analysis_service.cleaning.agents.field_standardization.facts import case_variations
from analysis_service.cleaning.agents.field_standardization.logic import (
    SpellingTable,
    code_like,
    fingerprint,
    has_whitespace_issue,
    ws_normal,
)
from analysis_service.cleaning.agents.field_standardization.steps import ColumnSteps
from analysis_service.cleaning.dates import DateEvidence

pytestmark = pytest.mark.unit

TRICKY = [
    "",
    " ",
    "a",
    " a",
    "a ",
    "a  b",
    "a b",
    "a\tb",
    "a\u00a0b",
    "\u3000x",
    "x\x1f",
    "x\x85y",
    "a\nb",
    "New York",
    "new york",
    "2024-01-05",
    "2024-02-29",
    "2023-02-29",
    "2024-04-31",
    "2024-12-31",
    "0999-01-01",
    "2024-1-5",
    "05/01/2024",
    "13/01/2024",
    "\u0662\u0660\u0662\u0664-01-05",
    " 2024-01-05",
    "2024-01-05 ",
    "150 lb",
    "Straße",
    "aB3x",
    "Ab3X",
]
text = st.text(alphabet=st.sampled_from("aB3 -/.\t\u00a0\u2003x0129"), max_size=12)


def _arr(values: list[str]) -> pa.Array:
    return pa.array(values, type=pa.large_string())


def test_python_whitespace_spelled_out() -> None:
    found = "".join(chr(i) for i in range(sys.maxunicode + 1) if chr(i).isspace())
    assert found == PY_WHITESPACE


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(text, st.sampled_from(TRICKY)), max_size=30))
def test_whitespace_issue_is_has_whitespace_issue(values: list[str]) -> None:
    got = whitespace_issue(_arr(values)).tolist()
    assert got == [has_whitespace_issue(v) for v in values]


def test_whitespace_issue_every_whitespace_character() -> None:
    values = [f"a{c}b" for c in PY_WHITESPACE] + [f"{c}a" for c in PY_WHITESPACE]
    assert whitespace_issue(_arr(values)).tolist() == [has_whitespace_issue(v) for v in values]


STEPS = [
    ColumnSteps(),
    ColumnSteps(case_map={"new york": "New York", "Ab3X": "aB3x"}),
    ColumnSteps(dates=True),
    ColumnSteps(dates=True, date_order="dmy", case_map={"2024-01-05": "x"}),
    ColumnSteps(trim=False, spacing=False),
    ColumnSteps(dates=True, date_format="%d.%m.%Y"),
    ColumnSteps(case="lowercase"),
    ColumnSteps(synonyms={"new york": "NYC"}),
]


@pytest.mark.parametrize("steps", STEPS)
def test_values_left_out_are_left_as_they_are(steps: ColumnSteps) -> None:
    slow = needs_steps(steps, _arr(TRICKY))
    for value, needed in zip(TRICKY, slow.tolist(), strict=True):
        outcome = steps.run(value)
        if not needed:
            assert outcome.final == value and not outcome.steps and not outcome.notes
            assert not outcome.whitespace_issue
    assert final_values(steps, TRICKY) == [steps.run(v).final for v in TRICKY]


def test_iso_dates_skip_the_date_step() -> None:
    steps = ColumnSteps(dates=True)
    values = ["2024-01-05", "2024-12-31", "2024-04-30", "2024-04-31", "2024-02-29", "0999-01-01"]
    assert needs_steps(steps, _arr(values)).tolist() == [False, False, False, True, True, True]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(text, st.sampled_from(TRICKY)), min_size=1, max_size=30))
def test_add_dates_counts_as_add(values: list[str]) -> None:
    counts = np.arange(1, len(values) + 1, dtype=np.int64)
    want = DateEvidence()
    for v, n in zip(values, counts.tolist(), strict=True):
        for _ in range(n):
            want.add(v)
    got = DateEvidence()
    add_dates(got, _arr(values), values, counts)
    assert got == want


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(TRICKY[:12])), max_size=40))
def test_factorize_matches_pandas(cells: list[str | None]) -> None:
    column = pd.Series(pd.array(cells, dtype="string"))
    f = factorize(column)
    mask = column.notna().to_numpy(dtype=bool)
    codes, uniques = pd.factorize(column.to_numpy(dtype=object)[mask])
    assert f.pos.tolist() == np.flatnonzero(mask).tolist()
    assert f.codes.tolist() == codes.tolist()
    assert f.values() == [str(u) for u in uniques]
    rewritten = f.rewrite([v.upper() for v in f.values()])
    assert rewritten.dtype == column.dtype
    assert [None if pd.isna(v) else v for v in rewritten] == [
        None if c is None else c.upper() for c in cells
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(TRICKY[:10]), max_size=8), max_size=5),
    st.integers(0, 12),
)
def test_add_many_is_add(batches: list[list[str]], cap: int) -> None:
    one, bulk = SpellingTable(max_spellings=cap), SpellingTable(max_spellings=cap)
    for batch in batches:
        cells = [len(v) + 1 for v in batch]
        for v, n in zip(batch, cells, strict=True):
            one.add(v, n)
        bulk.add_many(batch, cells)
    assert list(bulk.counts.items()) == list(one.counts.items())
    assert (bulk.saturated, bulk.unrecorded) == (one.saturated, one.unrecorded)
    assert bulk.canonical() == one.canonical() and bulk.kept_apart == one.kept_apart


def _canonical_reference(table: SpellingTable) -> tuple[dict[str, str], int]:
    """canonical() written over every group, one spelling at a time."""
    out: dict[str, str] = {}
    kept = 0
    for spellings in table.groups().values():
        if len(spellings) < 2:
            continue
        if sum(1 for s in spellings if code_like(s)) >= 2:
            kept += 1
            continue
        best = max(spellings.items(), key=lambda kv: kv[1])[0]
        out.update({s: best for s in spellings if s != best})
    return out, kept


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([*TRICKY, "NEW YORK", "ab3x"]), st.integers(1, 5))))
def test_canonical_is_group_by_group(spellings: list[tuple[str, int]]) -> None:
    table = SpellingTable(key=str.casefold)
    for v, n in spellings:
        table.add(v, n)
    got = table.canonical()
    want, kept = _canonical_reference(table)
    assert list(got.items()) == list(want.items()) and table.kept_apart == kept


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(text, st.sampled_from([*TRICKY, "NEW YORK", "new  york"]))))
def test_case_variations_counts_varied_keys(spellings: list[str]) -> None:
    first: dict[str, str] = {}
    varied: set[str] = set()
    for s in spellings:
        key, norm = fingerprint(s), ws_normal(s)
        if first.setdefault(key, norm) != norm:
            varied.add(key)
    assert case_variations(spellings) == len(varied)
