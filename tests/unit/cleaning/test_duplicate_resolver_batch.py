"""duplicate-resolver's batch path gives exactly the per-row answers: the
same digests as logic.digest/normalise (Unicode spaces, full case folding,
NUL, the separator), the same method counts as an eager digest set per
method, and the same cleaned / quarantined rows with or without the
multi-row-member shortcut of the applier."""

from __future__ import annotations

import csv
import io
import random
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from analysis_service.cleaning.agents.duplicate_resolver import DuplicateResolver, logic
from analysis_service.cleaning.agents.duplicate_resolver.keys import BatchCells, _rebased, unpack
from analysis_service.cleaning.agents.duplicate_resolver.logic import (
    ALL,
    EMAILS,
    EXACT,
    DedupConfig,
    DuplicateIndex,
    KeyIndex,
    _Matcher,
)
from analysis_service.cleaning.agents.duplicate_resolver.params import DedupParams
from analysis_service.cleaning.chain import Step, run_chain
from analysis_service.domain.sources import open_table

COLS = ("id", "name", "email")
CELLS = [
    "Ann", " ann", "ANN ", "a  b", "a b", "a\tb", "A\nB", "ß", "SS", "ss", "İ", "i̇",
    "ﬁ", "FI", "\u00a0x", "x\u2003", "X", "\x1c", "a\x00b", "ab", "a\x1fb", "", None,
    "É", "é", "Mail@X.org", "mail@x.org", " mail@x.org ", "\u03a3", "\u03c2", "\u03c3",
    "K", "\u212a",
]  # fmt: skip


def _rows(n: int, seed: int) -> list[list[str | None]]:
    rnd = random.Random(seed)
    return [[rnd.choice([*CELLS[:8], None]), *rnd.choices(CELLS, k=2)] for _ in range(n)]


def _frame(rows: list[list[str | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.array([r[j] for r in rows], dtype="string") for j, c in enumerate(COLS)}
    )


def _batches(rows: list[list[str | None]], size: int) -> list[tuple[list[int], BatchCells]]:
    # slices of one frame, as the reader hands them out (offsets not starting at 0)
    whole = _frame(rows)
    out = []
    for at in range(0, len(rows), size):
        part = whole.iloc[at : at + size].reset_index(drop=True)
        out.append((list(range(at, at + len(part))), BatchCells.of(part)))
    return out


@pytest.mark.parametrize("mode", [EXACT, ALL, EMAILS])
@pytest.mark.parametrize("match_nulls", [False, True])
def test_batch_keys_are_the_per_row_digests(mode: str, match_nulls: bool) -> None:
    rows = _rows(400, 1) + [[c, c, c] for c in CELLS]
    cfg = DedupConfig(COLS, (), ("email",), match_nulls=match_nulls)
    for positions in ([0, 1, 2], [1, 2], [2]):
        matcher = _Matcher(cfg, positions, mode)
        for index, batch in _batches(rows, 37):
            assert matcher.keys(batch) == [matcher.key(rows[i]) for i in index]


def test_packed_rows_unpack_to_the_values() -> None:
    rows = _rows(300, 2) + [[c, c, c] for c in CELLS] + [[None, None, None], ["", "", ""]]
    for index, batch in _batches(rows, 41):
        assert [unpack(p) for p in batch.packed()] == [rows[i] for i in index]
        some = [0, 3, batch.rows - 1]
        assert [unpack(p) for p in batch.packed(some)] == [rows[index[p]] for p in some]


def test_rebased_slice_is_valid_for_pyarrow_kernels() -> None:
    arr = pa.array(["Ann", None, "BOB", "x"], pa.large_string()).slice(1, 3)
    whole = pa.Table.from_pydict({"a": pa.array(["Q", "Ann", "BOB"], pa.large_string())})
    tail = whole.slice(1).column(0).combine_chunks()
    for a in (arr, tail):
        out = pc.ascii_lower(_rebased(a))
        out.validate(full=True)
        assert out.to_pylist() == [None if v is None else v.lower() for v in a.to_pylist()]


def _eager_counts(cfg: DedupConfig, rows: list[list[str | None]]) -> dict[str, Any]:
    """The method counts as the per-row code computed them: one digest set
    per own method, every row's digest added as it comes."""
    dup = DuplicateIndex(cfg)
    out = {}
    for method, (matcher, _) in dup._own.items():
        seen: set[bytes] = set()
        hits = []
        for i, r in enumerate(rows):
            k = matcher.key(r)
            if k is not None:
                if k in seen:
                    hits.append(i)
                seen.add(k)
        out[method] = (len(hits), hits[: logic.MAX_AFFECTED])
    return out


CONFIGS = [
    DedupConfig(COLS, (), ("email",), detection_types=("exact", "case_variations", "email_case")),
    DedupConfig(
        COLS,
        ("name", "email"),
        ("email",),
        match_nulls=True,
        conflict_resolution="keep_last",
        detection_types=("exact", "case_variations", "email_case", "conflicting"),
    ),
    DedupConfig(
        COLS,
        ("email",),
        ("email",),
        normalised=False,
        normalise_emails=True,
        conflict_resolution="merge_smart",
        detection_types=("exact", "email_case", "conflicting"),
    ),
    DedupConfig(COLS, ("name",), normalised=False, detection_types=("exact", "conflicting")),
]


@pytest.mark.parametrize("cfg", CONFIGS)
@pytest.mark.parametrize("limit", [1_000_000, 3])
def test_batch_index_matches_the_per_row_index(cfg: DedupConfig, limit: int) -> None:
    rows = _rows(600, 3)
    per_row = DuplicateIndex(cfg, KeyIndex(limit))
    for i, r in enumerate(rows):
        per_row.add(i, r)
    batched = DuplicateIndex(cfg, KeyIndex(limit))
    for index, batch in _batches(rows, 53):
        batched.add_batch(index, batch)
    batched.settle()
    per_row.settle()
    assert batched.spilled is per_row.spilled is (limit == 3)
    counts = {m: (t.count, t.affected) for m, t in batched.methods.items()}
    assert counts == {m: (t.count, t.affected) for m, t in per_row.methods.items()}
    eager = _eager_counts(cfg, rows)
    assert {m: counts[m] for m in eager} == eager
    assert [batched.decide(i, r) for i, r in enumerate(rows)] == [
        per_row.decide(i, r) for i, r in enumerate(rows)
    ]
    members = {i for i, r in enumerate(rows) if (g := per_row.decide(i, r)[2]) and g.count > 1}
    for index, _ in _batches(rows, 53):
        at = batched.candidates(pd.Series(index).to_numpy())
        assert at is not None and {index[p] for p in at} == {i for i in index if i in members}


DATA = (
    b"id,name,email,city\n"
    b"1,Ann,ann@x.org,Rome\n"
    b"2,Bob,bob@x.org,\n"
    b"1,Ann,ann@x.org,Rome\n"
    b"3,ann ,ANN@x.org,Oslo\n"
    b"4,Bob,bob@x.org,Lima\n"
    b"5,\xc3\x9f,SS@x.org,\n"
    b"6,SS,ss@x.org,Rome\n"
    b"2,Bob,bob@x.org,\n"
)


def _chain(params: DedupParams) -> tuple[str, str]:
    def source() -> Any:
        table = open_table([DATA], batch_rows=3)
        return table.columns, table

    cleaned, quarantine = io.StringIO(), io.StringIO()
    run = run_chain(source, [Step(DuplicateResolver(), params)], cleaned, quarantine)
    assert run.rows_in == run.rows_cleaned + run.rows_quarantined
    return cleaned.getvalue(), quarantine.getvalue()


@pytest.mark.parametrize(
    "params",
    [
        DedupParams(),
        DedupParams(key_columns=("name", "email"), conflict_resolution="keep_last"),
        DedupParams(key_columns=("name", "email"), merge_strategy="merge_smart"),
        DedupParams(detection_types=("exact", "email_case"), key_columns=("email",)),
    ],
)
def test_applier_shortcut_changes_nothing(
    params: DedupParams, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _chain(params)
    monkeypatch.setattr(logic, "MAX_MEMBERS", -1)  # every row's key looked up
    assert _chain(params) == fast
    assert len(list(csv.reader(io.StringIO(fast[1])))) > 1
