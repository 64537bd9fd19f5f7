"""What the chain writes: the CSV writer that keeps every row whole, a
frame's cells as csv rows, the outputs' content hashes and the manifest."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import pandas as pd

if TYPE_CHECKING:
    from analysis_service.cleaning.chain import ChainRun


class CsvOut:
    """csv.writer with the chain's dialect, that never lets a carriage return
    split a row: Python's writer (QUOTE_MINIMAL) quotes only the characters
    of its lineterminator, so with "\\n" a lone "\\r" in a cell would end the
    row for every reader. A batch holding one is written with every field
    quoted (the same values when read back)."""

    def __init__(self, fh: TextIO, options: Mapping[str, Any]) -> None:
        self._plain = csv.writer(fh, **options)
        self._quoted = csv.writer(fh, **{**options, "quoting": csv.QUOTE_ALL})
        self._unsafe = "\r" not in str(options.get("lineterminator", "\r\n"))

    def writerow(self, row: Sequence[Any]) -> None:
        self._plain.writerow(row)

    def writerows(
        self, rows: Iterable[Sequence[Any]], cells: pd.DataFrame, extra: Iterable[str] = ()
    ) -> None:
        """``rows``: the values of ``cells`` (and the ``extra`` texts)."""
        quote = self._unsafe and (_has_carriage_return(cells) or any("\r" in t for t in extra))
        (self._quoted if quote else self._plain).writerows(rows)


def _has_carriage_return(frame: pd.DataFrame) -> bool:
    return any(bool(frame[c].str.contains("\r", regex=False).any()) for c in frame.columns)


def column_values(frame: pd.DataFrame) -> list[Any]:
    """Each column as a list of cell texts ("" for null), for csv.writerows."""
    return [frame[c].to_numpy(dtype=object, na_value="") for c in frame.columns]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest(run: ChainRun, executed: Sequence[str], hashes: Mapping[str, str]) -> dict[str, Any]:
    """Every transformation and the content hash of each output."""
    return {
        "agents_executed": list(executed),
        "rows_in": run.rows_in,
        "rows_cleaned": run.rows_cleaned,
        "rows_quarantined": run.rows_quarantined,
        "accounting_holds": run.rows_in == run.rows_cleaned + run.rows_quarantined,
        "columns_in": len(run.columns),
        "columns_out": len(run.cleaned_columns),
        "passes": run.passes,
        "agents": [t.to_dict() for t in run.tallies.values()],
        "transformations": [r.to_dict() for t in run.tallies.values() for r in t.rules.values()],
        "outputs": [{"name": n, "sha256": h} for n, h in hashes.items()],
    }
