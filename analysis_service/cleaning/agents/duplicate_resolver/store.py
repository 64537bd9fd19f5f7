"""The duplicate index's storage: digest -> group, and digest sets.

:class:`KeyIndex` keeps up to ``memory_limit`` keys in memory; past them a
row whose key is not in memory goes to the overflow files
(:mod:`.overflow`: sequential writes, grouped after the pass), so the index
never does a lookup on disk while reading and its time stays linear in the
rows. The groups found in the overflow are kept in a second
:class:`KeyIndex` which, like :class:`DigestSet`, moves to a temporary
on-disk SQLite database past its limit (``sqlite3.connect("")`` makes a
private file that SQLite deletes when the connection closes), so answers
stay exact and memory stays flat.

Cost in memory: a group of one row (most rows) is a tuple of its
row_index and its cells packed into one string, about 150 bytes + the
row's text; a group of two or more about 200 bytes + the first and last
rows' text; about 100 bytes per distinct digest (:class:`DigestSet`,
which only holds rows of multi-row groups). In the overflow a row costs 40
bytes on disk + its text.

In SQLite, a batch's new keys are found with ``IN (...)`` queries and
inserted with one ``executemany``; a group of one row is stored as its
packed text and row_index, larger groups as :meth:`Group.dump` JSON.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from analysis_service.cleaning.agents.duplicate_resolver.keys import Packed, unpack
from analysis_service.cleaning.agents.duplicate_resolver.overflow import Overflow

#: "" = SQLite's private temporary database on disk (deleted on close).
SPILL_PATH = ""
#: Keys per SQLite ``IN (...)`` query (below every SQLite's variable limit).
_QUERY_KEYS = 500
#: SQLite page cache per spilled store, KiB (a bound, not a reservation).
_CACHE_KIB = 32_768


def _connect(path: str) -> sqlite3.Connection:
    """A spill database: no journal and no fsync (a private scratch file,
    rebuilt by re-running the task), a bounded page cache."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
    return db


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


#: A group of one row as the in-memory index keeps it: (row_index, packed values).
_Single = tuple[int, Packed]


def _stored_row(entry: Group | _Single) -> tuple[int, int | None, str]:
    """(rows, row_index, text) of an entry on disk: a group of one row whose
    cells pack into one string is stored as that string with its row_index
    (no JSON), any other as :meth:`Group.dump` with a NULL row_index."""
    if isinstance(entry, Group):
        return entry.count, None, entry.dump()
    first, packed = entry
    if isinstance(packed, str):
        return 1, first, packed
    return 1, None, _group(entry).dump()


def _loaded(first: int | None, text: str) -> Group:
    return _group((first, text)) if first is not None else Group.load(text)


def _group(entry: Group | _Single) -> Group:
    if isinstance(entry, Group):
        return entry
    first, packed = entry
    values = unpack(packed)
    return Group(first, first, 1, values, list(values))


class KeyIndex:
    """digest -> Group, in memory up to ``memory_limit`` groups, then on disk.

    In memory a group of one row is only ``(row_index, values)``: most rows
    of a file are unique, and a :class:`Group` is made when a second member
    comes (:meth:`get` makes it; :meth:`put` stores it).

    Past the limit (``overflow``, the default) the groups in memory stay
    there and keep taking their members, and a row whose key is not in
    memory goes to an :class:`~.overflow.Overflow` without any lookup;
    :meth:`overflowed` gives back the rows whose key repeats there, once the
    statistics pass is over, for the caller to group (:meth:`put` then
    stores those groups in a second index, which spills to SQLite past a
    quarter of the limit: a group costs about four keys seen once).
    Without ``overflow`` the whole index moves to SQLite."""

    def __init__(
        self,
        memory_limit: int = 1_000_000,
        spill_path: str = SPILL_PATH,
        *,
        overflow: bool = True,
    ) -> None:
        self.memory_limit = memory_limit
        self._mem: dict[bytes, Group | _Single] = {}
        self._db: sqlite3.Connection | None = None
        self._spill_path = spill_path
        self._settled: dict[bytes, Group] | None = None
        self._may_overflow = overflow
        self._overflow: Overflow | None = None
        self._late: KeyIndex | None = None  # groups of keys first seen in the overflow

    @property
    def spilled(self) -> bool:
        return self._db is not None or self._overflow is not None

    def overflowed(self) -> Iterator[tuple[int, bytes, Packed]]:
        """(row_index, key, packed cells) of the overflow's rows whose key
        repeats there, in file order; once (the files are then deleted)."""
        if self._overflow is None:
            return
        try:
            yield from self._overflow.repeated()
        finally:
            self._overflow.close()

    def settle(self) -> None:
        if self._late is not None:
            self._late.settle()
        self._settle()

    def _settle(self) -> None:
        """The index is complete (the statistics pass is over). Once spilled,
        its groups of two rows or more are read back in one scan, when there
        are at most a quarter of ``memory_limit`` of them (a group costs a few
        times a single row), so that :meth:`duplicates` no longer queries the
        disk for every candidate row."""
        if self._db is None or self._settled is not None:
            return
        cap = max(self.memory_limit // 4, 1)
        found: dict[bytes, Group] = {}
        for k, blob in self._db.execute("SELECT k, g FROM idx WHERE n > 1"):
            if len(found) >= cap:
                return
            found[bytes(k)] = Group.load(blob)
        self._settled = found

    def get(self, key: bytes) -> Group | None:
        if self._db is None:
            entry = self._mem.get(key)
            if entry is not None:
                return _group(entry)
            return None if self._late is None else self._late.get(key)
        row = self._db.execute("SELECT r, g FROM idx WHERE k = ?", (key,)).fetchone()
        return None if row is None else _loaded(row[0], row[1])

    def add_new(
        self,
        keys: Sequence[bytes],
        row_index: Sequence[int],
        rows: Sequence[Packed],
    ) -> list[int]:
        """Store a group of one row for each key not in the index yet (its
        first row here); returns the positions of the other rows, in order,
        for the caller to add one by one (as members of existing groups)."""
        rest: list[int] = []
        mem = self._mem
        full = self._overflow is None and len(mem) + len(keys) > self.memory_limit
        if self._db is None and full:  # this batch might not fit
            if self._may_overflow:
                self._overflow = Overflow()
                # its entries are groups of two rows or more: about four times
                # a key seen once (their first and last rows, merged values)
                late = max(self.memory_limit // 4, 1)
                self._late = KeyIndex(late, self._spill_path, overflow=False)
            else:
                self._spill()
        if self._overflow is not None:
            new: list[int] = []
            for p, k in enumerate(keys):
                (rest if k in mem else new).append(p)
            self._overflow.add(
                [keys[p] for p in new], [row_index[p] for p in new], [rows[p] for p in new]
            )
            return rest
        if self._db is None:
            for p, k in enumerate(keys):
                if k in mem:
                    rest.append(p)
                else:
                    mem[k] = (row_index[p], rows[p])
            return rest
        known = self._stored(keys)
        fresh: list[tuple[bytes, int, int | None, str]] = []
        for p, k in enumerate(keys):
            if k in known:
                rest.append(p)
            else:
                known.add(k)
                fresh.append((k, *_stored_row((row_index[p], rows[p]))))
        self._db.executemany("INSERT INTO idx (k, n, r, g) VALUES (?, ?, ?, ?)", fresh)
        return rest

    def _lookup(self, keys: Iterable[bytes | None], what: str, where: str = "") -> Iterator[Any]:
        """The on-disk rows (``k`` and the columns ``what``) of the distinct
        ``keys`` that meet ``where``: one ``IN (...)`` query per
        ``_QUERY_KEYS`` keys."""
        assert self._db is not None
        wanted = list({k for k in keys if k is not None})
        for at in range(0, len(wanted), _QUERY_KEYS):
            chunk = wanted[at : at + _QUERY_KEYS]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT k{what} FROM idx WHERE {where}k IN ({marks})"  # noqa: S608
            yield from self._db.execute(query, chunk)

    def _stored(self, keys: Sequence[bytes]) -> set[bytes]:
        """Which of ``keys`` the on-disk index holds."""
        return {bytes(k) for (k,) in self._lookup(keys, "")}

    def duplicates(self, keys: Sequence[bytes | None]) -> list[Group | None]:
        """The group of each key when it has two rows or more, else None (one
        ``IN (...)`` query per ``_QUERY_KEYS`` distinct keys once spilled)."""
        if self._db is None:
            get = self._mem.get
            out: list[Group | None] = []
            late: list[int] = []
            for p, k in enumerate(keys):
                entry = None if k is None else get(k)
                out.append(entry if isinstance(entry, Group) and entry.count > 1 else None)
                if entry is None and k is not None and self._late is not None:
                    late.append(p)
            if late and self._late is not None:
                known = self._late.duplicates([keys[p] for p in late])
                for p, g in zip(late, known, strict=True):
                    out[p] = g
            return out
        if self._settled is not None:
            settled = self._settled
            return [None if k is None else settled.get(k) for k in keys]
        found = {bytes(k): blob for k, blob in self._lookup(keys, ", g", "n > 1 AND ")}
        return [None if k is None or k not in found else Group.load(found[k]) for k in keys]

    def put(self, key: bytes, group: Group) -> None:
        self._settled = None  # a change after settle(): back to the disk
        if self._late is not None and key not in self._mem:
            self._late.put(key, group)
            return
        if self._db is None:
            self._mem[key] = group
            if len(self._mem) > self.memory_limit:
                self._spill()
            return
        self._db.execute(
            "INSERT OR REPLACE INTO idx (k, n, r, g) VALUES (?, ?, NULL, ?)",
            (key, group.count, group.dump()),
        )

    def _spill(self) -> None:
        self._db = _connect(self._spill_path)
        self._db.execute("CREATE TABLE idx (k BLOB PRIMARY KEY, n INTEGER, r INTEGER, g TEXT)")
        mem, self._mem = self._mem, {}
        self._db.executemany(
            "INSERT INTO idx (k, n, r, g) VALUES (?, ?, ?, ?)",
            ((k, *_stored_row(e)) for k, e in mem.items()),
        )

    def groups(self, *, min_count: int = 1) -> Iterator[Group]:
        """Every group with ``min_count`` rows or more, streamed (never all
        in memory once spilled). Past an overflow only groups of two rows or
        more can be listed (the single rows stay in its files)."""
        if self._late is not None:
            if min_count < 2:
                raise ValueError("an overflowed index lists groups of two rows or more")
            yield from self._late.groups(min_count=min_count)
        if self._db is None:
            for entry in list(self._mem.values()):
                if isinstance(entry, Group) and entry.count >= min_count:
                    yield entry
                elif min_count <= 1 and not isinstance(entry, Group):
                    yield _group(entry)
            return
        for first, text in self._db.execute("SELECT r, g FROM idx WHERE n >= ?", (min_count,)):
            yield _loaded(first, text)


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
                self._db = _connect(self._spill_path)
                self._db.execute("CREATE TABLE seen (k BLOB PRIMARY KEY) WITHOUT ROWID")
                self._db.executemany("INSERT INTO seen (k) VALUES (?)", ((k,) for k in self._mem))
                self._mem = set()
            return False
        cur = self._db.execute("INSERT OR IGNORE INTO seen (k) VALUES (?)", (key,))
        return cur.rowcount == 0
