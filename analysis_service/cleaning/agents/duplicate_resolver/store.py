"""The duplicate index's storage: digest -> group, and digest sets, each in
memory up to a limit and then in a temporary on-disk SQLite database
(``sqlite3.connect("")`` makes a private file that SQLite deletes when the
connection closes), so answers stay exact and memory stays flat.

Cost in memory before spilling: about 200 bytes + the first and last rows'
text per group (:class:`KeyIndex`), about 100 bytes per distinct digest
(:class:`DigestSet`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field

#: "" = SQLite's private temporary database on disk (deleted on close).
SPILL_PATH = ""


@dataclass
class Group:
    """Rows sharing one key digest: first and last row (row_index), how
    many, the first and the last row's values, the merged values (first
    non-null per column in file order), the columns whose values differ
    from the first row's, and whether every member is the first row's
    exact copy."""

    first: int
    last: int
    count: int
    values: list[str | None]
    merged: list[str | None]
    differing: set[str] = field(default_factory=set)
    exact_all: bool = True
    last_values: list[str | None] | None = None  # None: the first row is the last

    @property
    def last_row(self) -> list[str | None]:
        return self.values if self.last_values is None else self.last_values

    def dump(self) -> str:
        return json.dumps(
            [
                self.first,
                self.last,
                self.count,
                self.values,
                self.merged,
                sorted(self.differing),
                self.exact_all,
                self.last_values,
            ]
        )

    @classmethod
    def load(cls, blob: str) -> Group:
        d = json.loads(blob)
        return cls(d[0], d[1], d[2], d[3], d[4], set(d[5]), bool(d[6]), d[7])


class KeyIndex:
    """digest -> Group, in memory up to ``memory_limit`` groups, then on disk."""

    def __init__(self, memory_limit: int = 1_000_000, spill_path: str = SPILL_PATH) -> None:
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
        return None if row is None else Group.load(row[0])

    def put(self, key: bytes, group: Group) -> None:
        if self._db is None:
            self._mem[key] = group
            if len(self._mem) > self.memory_limit:
                self._spill()
            return
        self._db.execute("INSERT OR REPLACE INTO idx (k, g) VALUES (?, ?)", (key, group.dump()))

    def _spill(self) -> None:
        self._db = sqlite3.connect(self._spill_path)
        self._db.execute("CREATE TABLE idx (k BLOB PRIMARY KEY, g TEXT)")
        mem, self._mem = self._mem, {}
        for k, g in mem.items():
            self.put(k, g)

    def groups(self) -> Iterator[Group]:
        """Every group, streamed (never all in memory once spilled)."""
        if self._db is None:
            yield from list(self._mem.values())
            return
        for (blob,) in self._db.execute("SELECT g FROM idx"):
            yield Group.load(blob)


class DigestSet:
    """Seen digests, in memory up to ``memory_limit``, then on disk."""

    def __init__(self, memory_limit: int = 1_000_000, spill_path: str = SPILL_PATH) -> None:
        self.memory_limit = memory_limit
        self._mem: set[bytes] = set()
        self._db: sqlite3.Connection | None = None
        self._spill_path = spill_path

    @property
    def spilled(self) -> bool:
        return self._db is not None

    def add(self, key: bytes) -> bool:
        """True when ``key`` was already there."""
        if self._db is None:
            if key in self._mem:
                return True
            self._mem.add(key)
            if len(self._mem) > self.memory_limit:
                self._db = sqlite3.connect(self._spill_path)
                self._db.execute("CREATE TABLE seen (k BLOB PRIMARY KEY)")
                self._db.executemany("INSERT INTO seen (k) VALUES (?)", ((k,) for k in self._mem))
                self._mem = set()
            return False
        cur = self._db.execute("INSERT OR IGNORE INTO seen (k) VALUES (?)", (key,))
        return cur.rowcount == 0
