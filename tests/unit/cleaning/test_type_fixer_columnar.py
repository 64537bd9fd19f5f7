"""type-fixer's vectorised tiers agree with reading values one by one: each
tier's verdict is :func:`read`'s, the fast patterns are the pandas ones they
replace, and a whole run gives the same result, file and report with the
tiers switched off (every value read in Python)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis_service.cleaning.agents import type_fixer as agent_module
from analysis_service.cleaning.agents.type_fixer import evidence
from analysis_service.cleaning.agents.type_fixer.columnar import CLASSES, Tiers, classify
from analysis_service.cleaning.agents.type_fixer.inference import (
    FAST_FLOAT,
    FAST_FLOAT_DIGITS,
    FAST_INT,
    NA_SPELLINGS,
    Cls,
    fast_numbers,
    read,
)
from analysis_service.cleaning.agents.type_fixer.params import TypeFixerParams
from tests.unit.cleaning.test_type_fixer_agent import csv_bytes, run

pytestmark = pytest.mark.unit

TRICKY = [
    "",
    " ",
    "42",
    "-0",
    "+5",
    "007",
    "+4179123",
    "+417912",
    "1.0",
    "-0.0",
    "00.50",
    ".5",
    "5.",
    "-.5",
    "1234.5",
    "0.1234567890123456789",
    "-1.5745996024600089",
    "123456789012345.0",
    "1234567890123456",
    "1e3",
    "1,234",
    " 42",
    "\u0663",
    "true",
    " YES",
    "no\u3000",
    "ye\u017f",
    "\u017f",
    "Kelvin",
    "\u212a",
    "2024-01-05",
    "2024-02-29",
    "2023-04-31",
    "2024-12-31",
    "0999-01-01",
    "2024-1-5",
    "05/01/2024",
    "2024-01-05T10:00",
    "user@example.com",
    "note 41059",
    "e",
    "T",
    "Z",
    "-",
    "1.2.3",
    *sorted(NA_SPELLINGS),
    " NA ",
    "N/A\u00a0",
]
value = st.one_of(
    st.sampled_from(TRICKY),
    st.text(alphabet="-+0123456789.,eETZ:/ \u00a0aNyes", min_size=1, max_size=14),
    st.from_regex(r"[+-]?\d{0,17}(\.\d{0,19})?", fullmatch=True),
)


def _arr(values: list[str]) -> pa.Array:
    return pa.array(values, type=pa.large_string())


@settings(max_examples=400, deadline=None)
@given(st.lists(value, min_size=1, max_size=30))
def test_each_tier_is_what_read_says(values: list[str]) -> None:
    tiers = classify(_arr(values))
    for k, v in enumerate(values):
        r = read(v)
        assert int(tiers.text[k]) + int(tiers.number[k]) + int(tiers.date[k]) <= 1
        if tiers.text[k]:
            assert r.cls is Cls.OTHER
        if tiers.date[k]:
            assert r.cls is Cls.DATE and r.date_text == v and not r.grouped
        if tiers.number[k]:
            assert r.cls is CLASSES[int(tiers.cls[k])] and not r.grouped
            assert (r.code_like, r.long_plain, r.imprecise) == (
                tiers.code_like[k],
                tiers.long_plain[k],
                tiers.imprecise[k],
            )
            assert r.canonical("float", None) == v
            int_text = r.canonical("integer", None)
            assert bool(tiers.int_differs[k]) == (int_text is not None and int_text != v)


def test_tiers_take_most_plain_values() -> None:
    values = ["user@example.com", "note 1", "-1.5745996024600089", "0.5", "2024-01-05"]
    tiers = classify(_arr(values))
    assert tiers.text.tolist() == [True, True, False, False, False]
    assert tiers.number.tolist() == [False, False, True, True, False]
    assert tiers.date.tolist() == [False, False, False, False, True]
    assert not tiers.slow.any()


def _fast_numbers_pandas(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The pandas version fast_numbers replaced."""
    text = values.str
    ints = text.fullmatch(FAST_INT).to_numpy(dtype=bool, na_value=False)
    floats = text.fullmatch(FAST_FLOAT).to_numpy(dtype=bool, na_value=False)
    if floats.any():
        floats &= text.count(r"[0-9]").to_numpy(dtype=np.int64, na_value=0) <= FAST_FLOAT_DIGITS
    return ints, floats


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), value), max_size=30))
def test_fast_numbers_as_pandas_matched_them(values: list[str | None]) -> None:
    series = pd.Series(values, dtype="string")
    got, want = fast_numbers(series), _fast_numbers_pandas(series)
    assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist()


def _all_slow(values: pa.Array) -> Tiers:
    tiers = classify(values)
    none = np.zeros(len(values), dtype=bool)
    return replace(tiers, text=none, number=none, date=none)


def _scrub(tree: Any) -> Any:
    if isinstance(tree, dict):
        return {k: _scrub(v) for k, v in tree.items() if k != "execution_time_ms"}
    if isinstance(tree, list):
        return [_scrub(v) for v in tree]
    return tree


def _outcome(params: TypeFixerParams, data: bytes) -> tuple[Any, ...]:
    chain, cleaned, quarantine, tree = run(params, data, batch_rows=5)
    return cleaned, quarantine, _scrub(tree), chain.tallies["type-fixer"].counts()


cell = st.sampled_from([v for v in TRICKY if v.strip() and "\n" not in v])
column = st.sampled_from(
    [
        ["42", "7", "007", "+5", "1.0", "x"],
        ["1.5", "-1.5745996024600089", "0.25", "3", "12.0", "n/a"],
        ["2024-01-05", "2024-12-31", "05/01/2024", "2024-02-29", "2024-1-5", "?"],
        ["true", "no", "YES", "False", "maybe"],
    ]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(column, st.integers(0, 99), cell), min_size=1, max_size=30),
    st.booleans(),
)
def test_a_run_is_the_same_with_every_value_read(
    monkeypatch: pytest.MonkeyPatch, rows: list[tuple[list[str], int, str]], strict: bool
) -> None:
    body = [[pool[i % len(pool)], pool[(i * 7) % len(pool)], extra] for pool, i, extra in rows]
    data = csv_bytes(["a", "b", "c"], body)
    params = TypeFixerParams(strict_types=strict)
    fast = _outcome(params, data)
    with monkeypatch.context() as m:
        m.setattr(evidence, "classify", _all_slow)
        m.setattr(agent_module, "classify", _all_slow)
        slow = _outcome(params, data)
    assert fast == slow
