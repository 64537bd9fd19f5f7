from dataclasses import replace

import pytest

from analysis_service.cleaning.agents.duplicate_resolver.logic import (
    DedupConfig,
    DuplicateIndex,
    Group,
    KeyIndex,
    reason,
)

COLS = ("id", "name", "email")
ROWS: list[list[str | None]] = [
    ["1", "Ann", "ann@x.org"],
    ["2", "Bob", "bob@x.org"],
    ["1", "Ann", "ann@x.org"],  # exact duplicate of row 0
    ["3", " ann ", "ANN@x.org"],  # near duplicate on name+email
    ["4", None, "c@x.org"],
    ["5", None, "c@x.org"],
]


def _run(config: DedupConfig, index: KeyIndex | None = None) -> list[tuple[str, int]]:
    dup = DuplicateIndex(config, index)
    for i, r in enumerate(ROWS):
        dup.add(i, r)
    return [dup.decide(i, r)[:2] for i, r in enumerate(ROWS)]


def test_exact_keep_first_and_accounting() -> None:
    out = _run(DedupConfig(COLS, (), normalised=False))
    assert [a for a, _ in out] == ["keep", "keep", "remove", "keep", "keep", "keep"]
    assert out[2] == ("remove", 0)
    assert sum(a == "keep" for a, _ in out) + sum(a == "remove" for a, _ in out) == len(ROWS)


def test_normalised_key_keep_last_and_nulls() -> None:
    cfg = DedupConfig(COLS, ("name", "email"), ("email",), conflict_resolution="keep_last")
    out = _run(cfg)
    assert out[0] == ("remove", 3) and out[2] == ("remove", 3) and out[3] == ("keep", 3)
    assert out[4][0] == "keep" and out[5][0] == "keep"  # ignore_nulls: null never matches
    out = _run(DedupConfig(COLS, ("name", "email"), match_nulls=True))
    assert out[5] == ("remove", 4)


def test_key_conflict_names_fields_and_merge_fills_nulls() -> None:
    cfg = DedupConfig(COLS, ("name", "email"), ("email",))
    dup = DuplicateIndex(cfg)
    for i, r in enumerate(ROWS):
        dup.add(i, r)
    action, survivor, group = dup.decide(3, ROWS[3])
    assert action == "remove" and survivor == 0 and group is not None
    assert group.differing == {"id"}
    assert dup.compare(ROWS[3], group) == ("key_conflict", ["id"])
    assert reason(survivor, ["id"]) == "duplicate of row 1; differing fields: id"
    assert dup.compare(ROWS[2], group) == ("duplicate_row", [])
    assert dup.compare(["1", "ANN", "ann@x.org"], group) == ("partial_duplicate", [])


def test_spill_gives_the_same_answer() -> None:
    cfg = DedupConfig(COLS, (), normalised=False)
    index = KeyIndex(memory_limit=1)
    assert _run(cfg, index) == _run(cfg)
    assert index.spilled


def test_method_counts_survive_spilling() -> None:
    cfg = DedupConfig(
        COLS,
        ("name", "email"),
        ("email",),
        match_nulls=True,
        detection_types=("exact", "case_variations", "email_case", "conflicting"),
    )

    def counts(limit: int) -> dict[str, tuple[int, list[int]]]:
        dup = DuplicateIndex(cfg, KeyIndex(memory_limit=limit))
        dup._own = {m: (matcher, type(seen)(limit)) for m, (matcher, seen) in dup._own.items()}
        for i, r in enumerate(ROWS):
            dup.add(i, r)
        dup.settle()
        assert dup.spilled is (limit < len(ROWS))
        return {m: (t.count, t.affected) for m, t in dup.methods.items()}

    big = counts(1_000)
    assert big == counts(1)
    assert big["exact"] == (1, [2])
    assert big["case_variations"] == (3, [2, 3, 5])
    assert big["conflicting"] == (2, [3, 5])


def test_spilled_index_returns_the_rows_it_was_given() -> None:
    """A group of one row goes to disk as its packed text, or as a whole
    group when its cells could not be packed (a tuple); both come back."""
    index = KeyIndex(memory_limit=1, overflow=False)
    rest = index.add_new([b"a", b"b", b"a"], [0, 1, 2], ["x\x1fy", ("p\x1fq", None), "x\x1fy"])
    assert index.spilled
    assert rest == [2]
    a, b = index.get(b"a"), index.get(b"b")
    assert a is not None and (a.first, a.count, a.values) == (0, 1, ["x", "y"])
    assert b is not None and (b.first, b.count, b.values) == (1, 1, ["p\x1fq", None])
    assert index.add_new([b"b", b"c"], [3, 4], ["z", "w"]) == [0]
    assert sorted(g.first for g in index.groups()) == [0, 1, 4]
    assert index.duplicates([b"a", b"c", None]) == [None, None, None]


@pytest.mark.parametrize("limit", [20, 16])
def test_a_settled_spilled_index_answers_as_the_disk_does(limit: int) -> None:
    """settle() reads the multi-row groups back (when at most a quarter of
    the limit); the answers are the on-disk ones either way, and a change
    after it goes back to the disk."""
    index = KeyIndex(memory_limit=limit, overflow=False)
    keys = [bytes([i % 5]) for i in range(12)] + [b"s%d" % i for i in range(20)]
    for r, k in enumerate(keys):
        g = index.get(k)
        index.put(k, Group(r, r, 1, ["v"], ["v"]) if g is None else replace(g, count=g.count + 1))
    assert index.spilled  # 25 keys
    asked = [b"\x00", b"\x03", b"s1", None, b"q"]
    before = [g if g is None else g.count for g in index.duplicates(asked)]
    assert before == [3, 2, None, None, None]
    index.settle()
    assert (index._settled is not None) == (limit == 20)  # 5 groups of 2+ <= 20 // 4
    assert [g if g is None else g.count for g in index.duplicates(asked)] == before
    index.put(b"s1", Group(13, 40, 2, ["v"], ["v"]))
    assert index._settled is None
    assert [g if g is None else g.count for g in index.duplicates(asked)] == [3, 2, 2, None, None]
