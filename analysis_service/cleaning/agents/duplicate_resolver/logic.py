"""duplicate-resolver: exact and normalised duplicates over a whole file.

Memory: a row is reduced to a 16-byte blake2b digest of its key (the key
columns, or all columns; normalised = whitespace collapsed and casefolded,
e-mail columns lowercased). The index maps digest -> (first row, last row,
count, first row's values). In memory it holds at most ``memory_limit``
groups (about 200 bytes + the first row's text per group in CPython); past
the limit the whole index spills to an on-disk SQLite table, so the answer
stays exact and memory stays flat. Rows keep their order: survivors stay
where they are, each removed row names its survivor.

null_handling: ``ignore_nulls`` = a null in the key never matches (such a
row is never a duplicate); ``match_nulls`` = null matches null.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

_SPACES = re.compile(r"\s+")
_NULL = "\x00"
_SEP = "\x1f"


def normalise(value: str | None, *, email: bool = False) -> str | None:
    if value is None:
        return None
    v = _SPACES.sub(" ", value.strip())
    return v.lower() if email else v.casefold()


def digest(values: Sequence[str | None]) -> bytes:
    text = _SEP.join(_NULL if v is None else v.replace(_NULL, "") for v in values)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


@dataclass
class Group:
    first: int
    last: int
    count: int
    values: list[str | None]
    merged: list[str | None]
    differing: set[str]


class KeyIndex:
    """digest -> Group, in memory up to ``memory_limit`` groups, then on disk."""

    def __init__(self, memory_limit: int = 1_000_000, spill_path: str = ":memory:") -> None:
        self.memory_limit = memory_limit
        self._mem: dict[bytes, Group] = {}
        self._db: sqlite3.Connection | None = None
        self._spill_path = spill_path

    @property
    def spilled(self) -> bool:
        return self._db is not None

    def get(self, key: bytes) -> Group | None:
        if self._db is None:
            return self._mem.get(key)
        row = self._db.execute("SELECT g FROM idx WHERE k = ?", (key,)).fetchone()
        if row is None:
            return None
        d = json.loads(row[0])
        return Group(d[0], d[1], d[2], d[3], d[4], set(d[5]))

    def put(self, key: bytes, group: Group) -> None:
        if self._db is None:
            self._mem[key] = group
            if len(self._mem) > self.memory_limit:
                self._spill()
            return
        blob = json.dumps(
            [
                group.first,
                group.last,
                group.count,
                group.values,
                group.merged,
                sorted(group.differing),
            ]
        )
        self._db.execute("INSERT OR REPLACE INTO idx (k, g) VALUES (?, ?)", (key, blob))

    def _spill(self) -> None:
        self._db = sqlite3.connect(self._spill_path)
        self._db.execute("CREATE TABLE idx (k BLOB PRIMARY KEY, g TEXT)")
        mem, self._mem = self._mem, {}
        for k, g in mem.items():
            self.put(k, g)

    def groups(self) -> list[Group]:
        if self._db is None:
            return list(self._mem.values())
        return [
            g for (k,) in self._db.execute("SELECT k FROM idx") if (g := self.get(k)) is not None
        ]


@dataclass(frozen=True)
class DedupConfig:
    columns: tuple[str, ...]
    key_columns: tuple[str, ...]  # empty: all columns
    email_columns: tuple[str, ...] = ()
    normalised: bool = True  # case_variations / email_case
    match_nulls: bool = False
    conflict_resolution: str = "keep_first"  # keep_first | keep_last | merge_smart


class DuplicateIndex:
    """Statistics pass: feed every row in file order with its original row index."""

    def __init__(self, config: DedupConfig, index: KeyIndex | None = None) -> None:
        self.config = config
        self.index = index or KeyIndex()
        keys = config.key_columns or config.columns
        self._key_pos = [config.columns.index(c) for c in keys]

    def key(self, row: Sequence[str | None]) -> bytes | None:
        cells = [row[i] for i in self._key_pos]
        if not self.config.match_nulls and any(c is None for c in cells):
            return None
        if self.config.normalised:
            cells = [
                normalise(c, email=self.config.columns[i] in self.config.email_columns)
                for c, i in zip(cells, self._key_pos, strict=True)
            ]
        return digest(cells)

    def add(self, row_index: int, row: Sequence[str | None]) -> None:
        k = self.key(row)
        if k is None:
            return
        g = self.index.get(k)
        values = list(row)
        if g is None:
            self.index.put(k, Group(row_index, row_index, 1, values, list(values), set()))
            return
        g.last, g.count = row_index, g.count + 1
        for i, (a, b) in enumerate(zip(g.values, values, strict=True)):
            if a != b and normalise(a) != normalise(b):
                g.differing.add(self.config.columns[i])
            if g.merged[i] is None and b is not None:
                g.merged[i] = b
        self.index.put(k, g)

    def decide(self, row_index: int, row: Sequence[str | None]) -> tuple[str, int, Group | None]:
        """('keep', row_index, group) | ('remove', survivor, group)."""
        k = self.key(row)
        g = self.index.get(k) if k is not None else None
        if g is None or g.count == 1:
            return "keep", row_index, g
        survivor = g.last if self.config.conflict_resolution == "keep_last" else g.first
        return ("keep" if row_index == survivor else "remove"), survivor, g


def reason(survivor: int, group: Group) -> str:
    text = f"duplicate of row {survivor + 1}"
    if group.differing:
        text += f"; differing fields: {', '.join(sorted(group.differing))}"
    return text
