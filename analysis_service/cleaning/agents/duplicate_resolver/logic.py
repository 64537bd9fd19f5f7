"""duplicate-resolver: exact and normalised duplicates over a whole file.

Memory: a row is reduced to a 16-byte blake2b digest of its key (the key
columns, or all columns; normalised = whitespace collapsed and casefolded,
e-mail columns lowercased). The index maps digest -> (first row, last row,
count, first row's values) for up to its memory limit of keys; rows with a
key first seen past it are written to overflow files and grouped, in file
order, by :meth:`DuplicateIndex.settle` once the pass is over
(:mod:`.store`, :mod:`.overflow`). Each requested detection method whose matching
differs from the resolution's keeps a digest set of its own (about 100
bytes per distinct row of a multi-row group, also spilling: such a method
is always finer than the resolution, so only rows joining a group can
repeat an earlier row), a counter and its first 50 affected rows. The
first 100 removed rows are kept for the row-level issues. The row_index
of every row in a multi-row group is kept (8 bytes each, up to
``MAX_MEMBERS``; past it the applier looks every row's key up) so that
the applier keys only those rows. Rows keep their order: survivors stay
where they are, each removed row names its survivor.

Time per row: keys are computed per batch (:mod:`.keys`: pyarrow kernels
and numpy for normalising, one blake2b call per row); Python code runs
per row only to store a new group (a dict insert) and, for rows joining
a group, to update it (the old per-row cost, on duplicates only).

Which rows are removed: the resolution key is normalised when
``case_variations`` is requested, only e-mail columns are normalised when
``email_case`` is requested without it, otherwise values must be equal.

null_handling: ``ignore_nulls`` = a null in the key never matches (such a
row is never a duplicate); ``match_nulls`` = null matches null.

conflict_resolution: ``keep_first`` keeps the first member, ``keep_last``
the last one (known from the statistics pass), ``merge_smart`` keeps the
first and fills its nulls from later members in file order.

``missing_values`` (rows equal except where one side is null) is not a
hash equivalence (null would match anything, and "matches" is not
transitive), so it cannot be found exactly in bounded memory: it is
reported as not supported, never as 0.
"""

from __future__ import annotations

import bisect
import heapq
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from analysis_service.cleaning.agents.duplicate_resolver.keys import (
    BatchCells,
    digest,
    normalise,
    unpack,
)
from analysis_service.cleaning.agents.duplicate_resolver.store import (
    DigestSet,
    Group,
    KeyIndex,
)

__all__ = [
    "BatchCells",
    "DedupConfig",
    "DuplicateIndex",
    "Group",
    "KeyIndex",
    "MethodTally",
    "digest",
    "normalise",
    "reason",
]

#: Affected rows listed per detection method (upstream's 50).
MAX_AFFECTED = 50
#: Removed rows kept for the row-level issues (the result's first 100).
MAX_REMOVED_SAMPLE = 100
#: Rows of multi-row groups remembered by row_index (8 bytes each) so that a
#: pass skips every other row's key; past it every row's key is looked up.
MAX_MEMBERS = 4_000_000

EXACT, ALL, EMAILS = "exact", "all", "emails"
#: How a removed row relates to its survivor (also its quarantine _rule).
DUPLICATE_ROW, PARTIAL_DUPLICATE, KEY_CONFLICT = (
    "duplicate_row",
    "partial_duplicate",
    "key_conflict",
)


@dataclass(frozen=True)
class DedupConfig:
    columns: tuple[str, ...]
    key_columns: tuple[str, ...]  # empty: all columns
    email_columns: tuple[str, ...] = ()
    normalised: bool = True  # case_variations: every key column normalised
    match_nulls: bool = False
    conflict_resolution: str = "keep_first"  # keep_first | keep_last | merge_smart
    normalise_emails: bool = False  # email_case without case_variations
    detection_types: tuple[str, ...] = ()


@dataclass
class MethodTally:
    """One detection method over the whole input: redundant rows (members
    after a group's first), the first ``MAX_AFFECTED`` of them (row_index)."""

    method: str
    count: int = 0
    affected: list[int] = field(default_factory=list)
    supported: bool = True
    applicable: bool = True
    note: str = ""

    def hit(self, row_index: int) -> None:
        """One more redundant row; ``affected`` keeps the first rows of the
        file (the rows past the index's memory are counted after the pass,
        so hits do not always come in file order)."""
        self.count += 1
        if len(self.affected) < MAX_AFFECTED:
            bisect.insort(self.affected, row_index)
        elif row_index < self.affected[-1]:
            bisect.insort(self.affected, row_index)
            self.affected.pop()


class _Matcher:
    def __init__(self, config: DedupConfig, positions: Sequence[int], mode: str) -> None:
        self.config = config
        self.positions = list(positions)
        self.mode = mode

    def key(self, row: Sequence[str | None]) -> bytes | None:
        cells = [row[i] for i in self.positions]
        if not self.config.match_nulls and any(c is None for c in cells):
            return None
        if self.mode != EXACT:
            emails = self.config.email_columns
            cells = [
                normalise(c, email=self.config.columns[i] in emails)
                if self.mode == ALL or self.config.columns[i] in emails
                else c
                for c, i in zip(cells, self.positions, strict=True)
            ]
        return digest(cells)

    def _how(self, position: int) -> bool | None:
        """How a key cell is normalised: None = raw, else as an e-mail or not."""
        email = self.config.columns[position] in self.config.email_columns
        if self.mode == ALL or (self.mode == EMAILS and email):
            return email
        return None

    def keys(self, batch: BatchCells) -> list[bytes | None]:
        """:meth:`key` of every row of ``batch``, computed per column."""
        spec = [(i, self._how(i)) for i in self.positions]
        return batch.digests(spec, nulls_match=self.config.match_nulls)


class DuplicateIndex:
    """Statistics pass: feed every row in file order with its original row index."""

    def __init__(
        self,
        config: DedupConfig,
        index: KeyIndex | None = None,
        digest_limit: int | None = None,
    ) -> None:
        self.config = config
        self.index = index or KeyIndex()
        keys = config.key_columns or config.columns
        key_pos = [config.columns.index(c) for c in keys]
        mode = ALL if config.normalised else EMAILS if config.normalise_emails else EXACT
        self._resolution = _Matcher(config, key_pos, mode)
        self.methods: dict[str, MethodTally] = {}
        self._own: dict[str, tuple[_Matcher, DigestSet]] = {}
        limit = digest_limit or self.index.memory_limit
        all_pos = list(range(len(config.columns)))
        specs = {"exact": (all_pos, EXACT), "case_variations": (key_pos, ALL)}
        specs["email_case"] = (key_pos, EMAILS)
        for method in config.detection_types:
            tally = self.methods.setdefault(method, MethodTally(method))
            if method == "missing_values":
                tally.supported = False
                tally.note = (
                    "not supported in bounded memory: rows equal except where one side is "
                    "null do not form groups a digest can find (null would match anything)"
                )
            elif method == "conflicting" and not config.key_columns:
                tally.applicable = False
                tally.note = "needs key_columns: with all columns compared nothing can conflict"
            elif method == "email_case" and not config.email_columns:
                tally.applicable = False
                tally.note = "no e-mail columns (email_columns empty and none detected by name)"
            elif method in specs:
                positions, m = specs[method]
                if (positions, m) != (key_pos, mode):
                    self._own[method] = (_Matcher(config, positions, m), DigestSet(limit))
        # the first removed rows: max-heap by -row_index, with their values
        self._removed: list[tuple[int, bytes, list[str | None]]] = []
        # row_index of every row in a group of two or more (None: too many)
        self._members: array[int] | None = array("q")
        self._sorted: npt.NDArray[np.int64] | None = None
        self._settled = False

    def key(self, row: Sequence[str | None]) -> bytes | None:
        return self._resolution.key(row)

    @property
    def spilled(self) -> bool:
        return self.index.spilled or any(s.spilled for _, s in self._own.values())

    def _sample_removed(self, row_index: int, key: bytes, values: list[str | None]) -> None:
        item = (-row_index, key, values)
        if len(self._removed) < MAX_REMOVED_SAMPLE:
            heapq.heappush(self._removed, item)
        elif row_index < -self._removed[0][0]:
            heapq.heapreplace(self._removed, item)

    def settle(self) -> None:
        """The statistics pass is over: the rows whose key was first seen
        past the index's memory and repeats are grouped now, in file order,
        exactly as if they had been grouped while read (see
        :meth:`KeyIndex.overflowed`); a spilled index reads its multi-row
        groups back. Idempotent; every question below settles first."""
        if self._settled:
            return
        self._settled = True
        for row_index, k, packed in self.index.overflowed():
            self._add_keyed(row_index, k, unpack(packed))
        self.index.settle()

    def removed_sample(self) -> list[tuple[int, Group, list[str | None]]]:
        """The first removed rows (row_index order) with their group and values."""
        self.settle()
        out = []
        for neg, key, values in sorted(self._removed, key=lambda t: -t[0]):
            g = self.index.get(key)
            if g is not None:
                out.append((-neg, g, values))
        return out

    def add(self, row_index: int, row: Sequence[str | None]) -> None:
        """Feed one row (:meth:`add_batch` does the same for a whole batch)."""
        k = self.key(row)
        if k is not None and self.index.add_new([k], [row_index], [tuple(row)]):
            self._add_keyed(row_index, k, list(row))

    def add_batch(self, row_index: Sequence[int], batch: BatchCells) -> None:
        """Feed a batch: :meth:`add` of every row in order, the resolution
        keys computed per column. A row whose key is new only becomes a group
        of one; Python runs per row only for rows joining a group."""
        keys = self._resolution.keys(batch)
        live = [p for p, k in enumerate(keys) if k is not None]
        rows = batch.packed(None if len(live) == len(keys) else live)
        live_keys: list[bytes] = [keys[p] for p in live]  # type: ignore[misc]
        live_index = [row_index[p] for p in live]
        for q in self.index.add_new(live_keys, live_index, rows):
            self._add_keyed(live_index[q], live_keys[q], unpack(rows[q]))

    def _own_hits(self, row_index: int, values: list[str | None], g: Group) -> None:
        """The own-digest methods for a row joining group ``g``. Each of
        them is finer than the resolution (more columns, less normalised),
        so rows equal for it share a resolution group: a row starting a group
        cannot repeat an earlier one, and its digest is only added to the
        method's set when a second row joins (from the stored values)."""
        for method, (matcher, seen) in self._own.items():
            if g.count == 1:
                first = matcher.key(g.values)
                if first is not None:
                    seen.add(first)
            k = matcher.key(values)
            if k is not None and seen.add(k):
                self.methods[method].hit(row_index)

    def _record_member(self, row_index: int) -> None:
        if self._members is not None:
            self._members.append(row_index)
            self._sorted = None
            if len(self._members) > MAX_MEMBERS:
                self._members = None

    def _add_keyed(self, row_index: int, k: bytes, values: list[str | None]) -> None:
        g = self.index.get(k)
        if g is None:
            self.index.put(k, Group(row_index, row_index, 1, values, list(values)))
            return
        self._own_hits(row_index, values, g)
        if g.count == 1:
            self._record_member(g.first)
        self._record_member(row_index)
        if self.config.conflict_resolution == "keep_last":
            self._sample_removed(g.last, k, g.last_row)
        else:
            self._sample_removed(row_index, k, values)
        g.last, g.count, g.last_values = row_index, g.count + 1, values
        differs = False
        for i, (a, b) in enumerate(zip(g.values, values, strict=True)):
            if a != b:
                g.exact_all = False
                if normalise(a) != normalise(b):
                    g.differing.add(self.config.columns[i])
                    differs = True
            if g.merged[i] is None and b is not None:
                g.merged[i] = b
        self.index.put(k, g)
        for method, tally in self.methods.items():
            if method in self._own or not tally.supported or not tally.applicable:
                continue
            if method != "conflicting" or differs:
                tally.hit(row_index)

    def survivor(self, group: Group) -> int:
        return group.last if self.config.conflict_resolution == "keep_last" else group.first

    def survivor_values(self, group: Group) -> list[str | None]:
        keep_last = self.config.conflict_resolution == "keep_last"
        return group.last_row if keep_last else group.values

    def compare(self, row: Sequence[str | None], group: Group) -> tuple[str, list[str]]:
        """How a removed row differs from its survivor: (kind, fields).
        ``key_conflict`` = some field differs beyond case and spaces (the
        fields named); ``partial_duplicate`` = only case or spaces differ;
        ``duplicate_row`` = identical."""
        survivor = self.survivor_values(group)
        fields = [
            self.config.columns[i]
            for i, (a, b) in enumerate(zip(survivor, row, strict=True))
            if a != b and normalise(a) != normalise(b)
        ]
        if fields:
            return KEY_CONFLICT, sorted(fields)
        return (DUPLICATE_ROW if list(row) == list(survivor) else PARTIAL_DUPLICATE), []

    def decide(self, row_index: int, row: Sequence[str | None]) -> tuple[str, int, Group | None]:
        """('keep', row_index, group) | ('remove', survivor, group); the
        group is None for a row alone with its key."""
        self.settle()
        k = self.key(row)
        g = self.index.get(k) if k is not None else None
        if g is None or g.count == 1:
            return "keep", row_index, None
        survivor = self.survivor(g)
        return ("keep" if row_index == survivor else "remove"), survivor, g

    def candidates(self, row_index: npt.NDArray[np.int64]) -> npt.NDArray[np.intp] | None:
        """Positions of the rows of a batch that are in a group of two or
        more (from the statistics pass: row_index identifies a row of this
        agent's input), or None when too many to keep (then every row's key
        is looked up)."""
        self.settle()
        if self._members is None:
            return None
        if self._sorted is None:
            self._sorted = np.unique(np.frombuffer(self._members, dtype=np.int64))
        members = self._sorted
        if not len(members):
            return np.flatnonzero(np.zeros(len(row_index), dtype=bool))
        # a binary search per row (np.isin would sort the members again per batch)
        at = np.minimum(np.searchsorted(members, row_index), len(members) - 1)
        return np.flatnonzero(members[at] == row_index)

    def members(self, batch: BatchCells) -> list[tuple[int, int, Group]]:
        """The rows of ``batch`` in a group of two or more: (position,
        survivor, group), in row order; :meth:`decide` keeps every other
        row (without a group to compare or merge with)."""
        self.settle()
        groups = self.index.duplicates(self._resolution.keys(batch))
        return [(p, self.survivor(g), g) for p, g in enumerate(groups) if g is not None]


def reason(survivor: int, differing: Sequence[str] = ()) -> str:
    """The quarantine reason: the survivor as a person counts rows
    (row_index + 1, the quarantine file's ``_row_number``) and the fields
    in which the removed row differs from it."""
    text = f"duplicate of row {survivor + 1}"
    if differing:
        text += f"; differing fields: {', '.join(sorted(differing))}"
    return text
