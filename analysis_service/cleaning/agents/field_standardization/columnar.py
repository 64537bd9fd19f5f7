"""Whole-column work of field-standardization (pyarrow.compute).

A batch column is factorised once (:func:`factorize`: its distinct values in
order of first appearance, as ``pd.factorize`` gives them, and a code per
non-null cell). Vectorised checks over the distinct values then say which of
them need the Python steps at all (:func:`needs_steps`): most values of a
column have no whitespace issue, no other spelling and are already an ISO
date, and :meth:`ColumnSteps.run` would leave them exactly as they are.
Only the others are run one by one, once per distinct value of the batch.

Whitespace is Python's (``str.isspace``: the 29 characters of
:data:`PY_WHITESPACE`), spelled out for RE2, whose ``\\s`` is ASCII only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis_service.cleaning.agents.field_standardization.steps import ColumnSteps
from analysis_service.cleaning.dates import DateEvidence

#: Every character ``str.isspace`` (hence ``str.split`` / ``str.strip``) treats as whitespace.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def _re2_class(chars: str) -> str:
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"


#: has_whitespace_issue as one regex: a leading or trailing space, two
#: spaces in a row, or any whitespace that is not a plain space
WS_ISSUE = f"^ | $|  |{_re2_class(PY_WHITESPACE.replace(' ', ''))}"
#: ISO dates standardize_date writes back unchanged under "%Y-%m-%d": a
#: four-digit year from 1000 and a day every such year has (29 February is
#: left to Python)
ISO_SAFE = (
    r"^[1-9][0-9]{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    r"|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)$"
)
ISO_FORMAT = "%Y-%m-%d"
#: an ASCII value _parts may read as a date: Python-whitespace around
#: 1-4 digits, a separator, 1-2 digits, a separator, 1-4 digits
_ASCII_WS = _re2_class("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f ")
DATE_CANDIDATE = f"^{_ASCII_WS}*[0-9]{{1,4}}[-/.][0-9]{{1,2}}[-/.][0-9]{{1,4}}{_ASCII_WS}*$"


@dataclass(frozen=True)
class Factorized:
    """One batch column: ``pos`` the positions of its non-null cells,
    ``codes`` per such cell the index of its value in ``uniques`` (distinct
    values, first appearance first), ``counts`` cells per distinct value and
    ``indices`` the codes of every cell (null where the cell is null)."""

    pos: npt.NDArray[np.intp]
    codes: npt.NDArray[np.int64]
    uniques: pa.Array
    counts: npt.NDArray[np.int64]
    indices: pa.Array

    def values(self) -> list[str]:
        return self.uniques.to_pylist()

    def rewrite(self, finals: Sequence[str]) -> pd.api.extensions.ExtensionArray:
        """The column with every distinct value replaced by ``finals`` (nulls kept)."""
        table = pa.array(finals, type=pa.large_string())
        return pd.array(pc.take(table, self.indices), dtype="string")


def _arrow(column: pd.Series) -> pa.Array:
    if isinstance(column.dtype, pd.StringDtype):
        arr = pa.array(column.array)
    else:  # not a text column: the text of each value, as str() writes it
        values = column.to_numpy(dtype=object)
        arr = pa.array([None if pd.isna(v) else str(v) for v in values], type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr


def factorize(column: pd.Series) -> Factorized:
    encoded = pc.dictionary_encode(_arrow(column))
    indices = encoded.indices
    valid = indices.is_valid().to_numpy(zero_copy_only=False)
    pos = np.flatnonzero(valid)
    codes = indices.drop_null().to_numpy(zero_copy_only=False).astype(np.int64)
    uniques = encoded.dictionary
    counts = np.bincount(codes, minlength=len(uniques)).astype(np.int64)
    return Factorized(pos, codes, uniques, counts, indices)


def _mask(result: pa.Array) -> npt.NDArray[np.bool_]:
    return np.asarray(result.to_numpy(zero_copy_only=False), dtype=bool)


def whitespace_issue(values: pa.Array) -> npt.NDArray[np.bool_]:
    """:func:`~.logic.has_whitespace_issue` of each (non-null) value."""
    if not len(values):
        return np.zeros(0, dtype=bool)
    return _mask(pc.match_substring_regex(values, WS_ISSUE))


def needs_steps(steps: ColumnSteps, values: pa.Array) -> npt.NDArray[np.bool_]:
    """Per distinct value: False when ``steps.run`` surely leaves it as it
    is (no step, no note, no whitespace issue), True otherwise."""
    n = len(values)
    if steps.synonyms or steps.units or steps.case not in ("most_frequent", "none"):
        return np.ones(n, dtype=bool)
    if steps.dates and steps.date_format != ISO_FORMAT:
        return np.ones(n, dtype=bool)
    if not n:
        return np.zeros(0, dtype=bool)
    slow = whitespace_issue(values) | (_mask(pc.binary_length(values)) == 0)
    if steps.case_map:
        keys = pa.array(list(steps.case_map), type=values.type)
        slow |= _mask(pc.is_in(values, value_set=keys))
    if steps.dates:
        slow |= ~_mask(pc.match_substring_regex(values, ISO_SAFE))
    return slow


def final_values(steps: ColumnSteps, values: list[str]) -> list[str]:
    """``steps.run(v).final`` of every value, the Python steps only where needed."""
    finals = list(values)
    arr = pa.array(values, type=pa.large_string())
    for k in np.flatnonzero(needs_steps(steps, arr)).tolist():
        finals[k] = steps.run(values[k]).final
    return finals


def add_dates(
    evidence: DateEvidence, values: pa.Array, texts: Sequence[str], counts: npt.NDArray[np.int64]
) -> None:
    """``counts[k]`` cells of ``texts[k]`` each (``values`` the same as
    Arrow), as many :meth:`DateEvidence.add` calls would count them."""
    evidence.non_null += int(counts.sum())
    if not len(values):
        return
    maybe = ~_mask(pc.string_is_ascii(values)) | _mask(
        pc.match_substring_regex(values, DATE_CANDIDATE)
    )
    for k in np.flatnonzero(maybe).tolist():
        one = DateEvidence()
        one.add(texts[k])
        n = int(counts[k])
        evidence.dates += n * one.dates
        evidence.day_first += n * one.day_first
        evidence.month_first += n * one.month_first
