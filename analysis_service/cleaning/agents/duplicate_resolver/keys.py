"""duplicate-resolver's keys for a whole batch at once (pyarrow + numpy).

Gives, for every row, exactly the digest that :func:`.logic.digest` of the
row's key cells (normalised as :func:`.logic.normalise` says) gives, so the
per-row and the per-batch paths agree bit for bit:

* a cell is normalised with ``ascii_lower`` when it is pure ASCII with no
  control byte (below 0x20), no leading or trailing space and no two
  spaces in a row: for such a cell ``strip``, collapsing ``\\s+`` and both
  ``casefold`` and ``lower`` reduce to ASCII lowercasing. Every other cell
  (non-ASCII text, tabs, odd spacing, NUL ...) goes through
  :func:`.logic.normalise` itself, so Unicode whitespace and full case
  folding (``ß`` -> ``ss``) keep Python's semantics;
* NULs are removed from the values (only where a column has one), cells are
  joined with ``\\x1f`` and a null becomes ``\\x00``
  (``binary_join_element_wise``), and each joined row is hashed with
  blake2b (16 bytes): one C call per row, no per-cell Python.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["BatchCells", "Packed", "digest", "normalise", "unpack"]

_SPACES = re.compile(r"\s+")
_NULL = "\x00"
_SEP = "\x1f"
_SEP_SCALAR = pa.scalar(_SEP, pa.large_string())


def normalise(value: str | None, *, email: bool = False) -> str | None:
    """Whitespace trimmed and collapsed, casefolded (e-mail: lowercased)."""
    if value is None:
        return None
    v = _SPACES.sub(" ", value.strip())
    return v.lower() if email else v.casefold()


def digest(values: Sequence[str | None]) -> bytes:
    """One row's key digest (the reference the batch path matches)."""
    text = _SEP.join(_NULL if v is None else v.replace(_NULL, "") for v in values)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def _column(values: pd.Series) -> pa.Array:
    arr = pa.array(values.array, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return _rebased(arr.cast(pa.large_string()))


def _rebased(arr: pa.Array) -> pa.Array:
    """``arr`` with offsets starting at 0 and no slice offset (the same
    buffers otherwise). pyarrow's ``ascii_lower`` returns an invalid array
    for a column whose first offset is not 0 (pandas hands out such slices
    of a batch), so every column is rebased before any kernel sees it."""
    n = len(arr)
    bufs = arr.buffers()
    if n == 0 or bufs[1] is None:
        return arr
    offsets = np.frombuffer(bufs[1], dtype=np.int64, count=n + 1, offset=arr.offset * 8)
    if arr.offset == 0 and offsets[0] == 0:
        return arr
    first, last = int(offsets[0]), int(offsets[-1])
    data = bufs[2].slice(first, last - first) if bufs[2] is not None else pa.py_buffer(b"")
    valid = arr.is_valid().buffers()[1] if arr.null_count else None
    return pa.Array.from_buffers(
        pa.large_string(),
        n,
        [valid, pa.py_buffer(offsets - first), data],
        null_count=arr.null_count,
    )


def arrow_columns(frame: pd.DataFrame) -> list[pa.Array]:
    """Every column of ``frame`` as a pyarrow large_string array (NA -> null)."""
    return [_column(frame.iloc[:, j]) for j in range(frame.shape[1])]


def _bytes(arr: pa.Array) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
    """The cells' byte offsets (relative, ``len + 1``) and the bytes they cover."""
    n = len(arr)
    bufs = arr.buffers()
    if n == 0 or bufs[1] is None:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.uint8)
    offsets = np.frombuffer(bufs[1], dtype=np.int64, count=n + 1, offset=arr.offset * 8)
    if bufs[2] is None:
        return offsets - offsets[0], np.zeros(0, dtype=np.uint8)
    data = np.frombuffer(bufs[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return offsets - offsets[0], data


def _irregular(arr: pa.Array) -> npt.NDArray[np.bool_]:
    """True where a cell is not plain ASCII with single inner spaces (see
    the module docstring): those cells need Python's normalise."""
    n = len(arr)
    rel, data = _bytes(arr)
    flags = np.zeros(n, dtype=bool)
    if len(data) == 0:
        return flags
    space = data == 32
    start = np.zeros(len(data) + 1, dtype=bool)
    start[rel[:-1]] = True
    end = np.zeros(len(data) + 1, dtype=bool)
    end[rel[1:] - 1] = True  # an empty first cell marks index -1: the spare slot
    start, end = start[:-1], end[:-1]
    follows = np.zeros(len(data), dtype=bool)
    follows[:-1] = space[1:]
    bad = (data < 32) | (data >= 128) | (space & (start | end | (follows & ~end)))
    pos = np.flatnonzero(bad)
    if len(pos):
        flags[np.searchsorted(rel, pos, side="right") - 1] = True
    if arr.null_count:
        flags &= ~arr.is_null().to_numpy(zero_copy_only=False)
    return flags


def _normalised(arr: pa.Array, *, email: bool) -> pa.Array:
    """:func:`normalise` of every cell: vectorised where exact, Python elsewhere."""
    out = pc.ascii_lower(arr)
    flags = _irregular(arr)
    if not flags.any():
        return out
    picked = np.flatnonzero(flags)
    fixed = [normalise(v, email=email) for v in arr.take(pa.array(picked)).to_pylist()]
    return pc.replace_with_mask(out, pa.array(flags), pa.array(fixed, pa.large_string()))


def _without_nul(arr: pa.Array) -> pa.Array:
    _, data = _bytes(arr)
    if len(data) and (data == 0).any():
        return pc.replace_substring(arr, _NULL, "")
    return arr


def _control(arr: pa.Array) -> npt.NDArray[np.bool_]:
    """True where a cell holds a byte below 0x20 (NUL, the separator, tabs ...)."""
    rel, data = _bytes(arr)
    flags = np.zeros(len(arr), dtype=bool)
    pos = np.flatnonzero(data < 32)
    if len(pos):
        flags[np.searchsorted(rel, pos, side="right") - 1] = True
    return flags


#: One row as the index keeps a group of one: its cells joined with
#: ``\x1f``, a null as ``\x00`` (a row with a control byte stays a tuple).
Packed = str | tuple[str | None, ...]


def unpack(row: Packed) -> list[str | None]:
    """A row's values from :meth:`BatchCells.packed`."""
    if isinstance(row, tuple):
        return list(row)
    return [None if v == _NULL else v for v in row.split(_SEP)]


class BatchCells:
    """One batch's columns as pyarrow arrays, with each normalised column
    and each joined key computed once however many matchers use them."""

    def __init__(self, columns: Sequence[pa.Array], rows: int) -> None:
        self.rows = rows
        self.columns = list(columns)
        self._normalised: dict[tuple[int, bool], pa.Array] = {}
        self._joined: dict[tuple[tuple[int, bool | None], ...], pa.Array] = {}

    @classmethod
    def of(cls, frame: pd.DataFrame) -> BatchCells:
        return cls(arrow_columns(frame), len(frame))

    def subset(self, positions: npt.NDArray[np.intp]) -> BatchCells:
        """The rows at ``positions`` (in that order)."""
        take = pa.array(np.asarray(positions, dtype=np.int64))
        return BatchCells([_rebased(c.take(take)) for c in self.columns], len(positions))

    def cell(self, position: int, how: bool | None) -> pa.Array:
        """Column ``position``: raw (``how`` None), normalised (False) or
        normalised as an e-mail column (True)."""
        if how is None:
            return self.columns[position]
        key = (position, how)
        if key not in self._normalised:
            self._normalised[key] = _normalised(self.columns[position], email=how)
        return self._normalised[key]

    def _join(self, spec: tuple[tuple[int, bool | None], ...]) -> pa.Array:
        """The cells of ``spec`` (position, how) joined per row, NULs removed,
        ``\x1f`` between cells, ``\x00`` for a null."""
        if spec not in self._joined:
            cells = [_without_nul(self.cell(i, how)) for i, how in spec]
            self._joined[spec] = pc.binary_join_element_wise(
                *cells, _SEP_SCALAR, null_handling="replace", null_replacement=_NULL
            )
        return self._joined[spec]

    def digests(
        self, spec: Sequence[tuple[int, bool | None]], *, nulls_match: bool
    ) -> list[bytes | None]:
        """Every row's :func:`digest` of the cells ``spec`` names, as
        (position, how) pairs (None: a null in the key, and nulls never match)."""
        if not spec:
            return [digest(())] * self.rows
        texts = self._join(tuple(spec)).cast(pa.large_binary()).to_pylist()
        blake = hashlib.blake2b
        out: list[bytes | None] = [blake(t, digest_size=16).digest() for t in texts]
        if not nulls_match:
            null = np.zeros(self.rows, dtype=bool)
            for i, how in spec:
                a = self.cell(i, how)
                if a.null_count:
                    null |= a.is_null().to_numpy(zero_copy_only=False)
            for p in np.flatnonzero(null).tolist():
                out[p] = None
        return out

    def packed(self, positions: Sequence[int] | None = None) -> list[Packed]:
        """The rows (all, or those at ``positions``) packed (see :data:`Packed`):
        one string per row instead of a tuple of cells, for the index."""
        if not self.columns:
            return list(self.rows_at(positions))
        joined = self._join(tuple((i, None) for i in range(len(self.columns))))
        texts: list[Packed] = joined.to_pylist()
        odd = np.zeros(self.rows, dtype=bool)
        for a in self.columns:
            odd |= _control(a)
        picked = np.flatnonzero(odd).tolist()
        for p, row in zip(picked, self.rows_at(picked), strict=True):
            texts[p] = row
        return texts if positions is None else [texts[p] for p in positions]

    def rows_at(self, positions: Sequence[int] | None = None) -> list[tuple[str | None, ...]]:
        """The rows (all of them, or those at ``positions``) as tuples."""
        cols = self.columns
        if positions is not None:
            take = pa.array(np.asarray(positions, dtype=np.int64))
            cols = [c.take(take) for c in cols]
        if not cols:
            return [() for _ in range(self.rows if positions is None else len(positions))]
        return list(zip(*(c.to_pylist() for c in cols), strict=True))
