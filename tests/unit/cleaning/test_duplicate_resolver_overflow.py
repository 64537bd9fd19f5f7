"""duplicate-resolver's overflow: rows past the index's memory come back,
after the pass, exactly when their key repeats, in file order, with their
cells; and a whole run gives the same answers whatever the memory limit."""

from __future__ import annotations

import hashlib
import random

import pytest

from analysis_service.cleaning.agents.duplicate_resolver.logic import (
    DedupConfig,
    DuplicateIndex,
    KeyIndex,
)
from analysis_service.cleaning.agents.duplicate_resolver.overflow import PARTITIONS, Overflow


def _key(i: int) -> bytes:
    return hashlib.blake2b(str(i).encode(), digest_size=16).digest()


def test_only_repeated_keys_come_back_in_file_order_with_their_cells() -> None:
    rng = random.Random(7)
    overflow = Overflow()
    expected: dict[int, list[int]] = {}
    cells = {}
    row = 0
    for _ in range(30):  # batches
        keys, rows, packed = [], [], []
        for _ in range(rng.randint(0, 200)):
            k = rng.randint(0, 1500)
            keys.append(_key(k))
            rows.append(row)
            # a packed string, or a tuple of cells that could not be packed
            cells[row] = f"v{row}\x1f\u00e9" if row % 3 else ("a\x1fb", None, f"{row}")
            packed.append(cells[row])
            expected.setdefault(k, []).append(row)
            row += 1
        overflow.add(keys, rows, packed)
    assert overflow.rows == row
    back = list(overflow.repeated())
    want = sorted(r for members in expected.values() if len(members) > 1 for r in members)
    assert [r for r, _, _ in back] == want
    owner = {r: k for k, members in expected.items() for r in members}
    for r, key, value in back:
        assert key == _key(owner[r])
        assert value == cells[r]
    overflow.close()


def test_partitions_split_by_the_digest_top_bits() -> None:
    overflow = Overflow()
    keys = [bytes([p << 2]) + bytes(15) for p in range(PARTITIONS)] * 2
    overflow.add(keys, list(range(len(keys))), ["x"] * len(keys))
    sizes = [fh.tell() for fh in overflow._parts]
    assert len(set(sizes)) == 1 and sizes[0] > 0  # every partition got its two rows
    assert [r for r, _, _ in overflow.repeated()] == list(range(2 * PARTITIONS))
    overflow.close()


COLS = ("id", "name", "email")


def _rows(n: int, seed: int) -> list[list[str | None]]:
    rng = random.Random(seed)
    names = ["Ann", "ann ", "Bob", "BOB", "Cid", None]
    return [
        [str(rng.randint(0, n // 3)), rng.choice(names), rng.choice(["a@x", "A@x", "b@x", None])]
        for _ in range(n)
    ]


@pytest.mark.parametrize("limit", [1, 7, 50, 100_000])
@pytest.mark.parametrize("resolution", ["keep_first", "keep_last", "merge_smart"])
def test_any_memory_limit_gives_the_same_index(limit: int, resolution: str) -> None:
    cfg = DedupConfig(
        COLS,
        ("name", "email"),
        ("email",),
        conflict_resolution=resolution,
        match_nulls=True,
        detection_types=("exact", "case_variations", "email_case", "conflicting"),
    )
    rows = _rows(400, 3)

    def run(limit: int) -> tuple[object, ...]:
        dup = DuplicateIndex(cfg, KeyIndex(limit))
        for i, r in enumerate(rows):
            dup.add(i, r)
        dup.settle()
        decisions = [dup.decide(i, r) for i, r in enumerate(rows)]
        groups = sorted(
            (g.first, g.last, g.count, g.merged, sorted(g.differing), g.exact_all)
            for g in dup.index.groups(min_count=2)
        )
        methods = {m: (t.count, t.affected) for m, t in dup.methods.items()}
        sample = [(r, g.first, v) for r, g, v in dup.removed_sample()]
        return decisions, groups, methods, sample, dup.spilled

    *answers, spilled = run(limit)
    *reference, _ = run(1_000_000)
    assert answers == reference
    assert spilled is (limit < 400)
