"""cleanse-writeback's two re-readers of the cleaned CSV agree: Arrow's,
column by column, and the csv module's, row by row, give the same
:class:`CleanedScan` on any file csv.writer can write (hypothesis), and
every file Arrow cannot read as the csv module does goes to the csv
module."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis_service.cleaning.agents.cleanse_writeback.duplicates import DuplicateCounter
from analysis_service.cleaning.agents.cleanse_writeback.reread import CleanedScan, scan_cleaned

#: Values where Python's and RE2's readings could part: whitespace outside
#: str.strip's ASCII set, Unicode digits, long integers, float spellings,
#: impossible dates, NA tokens, quotes and line breaks.
TRICKY = [
    "", "NA", "null", "nan", "NaN", "-nan", "inf", "-Infinity", "+inf", " 12 ", "12", "+7",
    "-0", "007", "1234567890123456789", "9223372036854775808", "-9223372036854775808",
    "99999999999999999999", "1_000", "1e5", "1E-7", "1e400", "-1e999", "1.5", ".5", "5.", "1e",
    "e5", "1.2.3", "true", "FALSE", "True ", " yes ", "T", "n", "0", "2024-02-30", "2024-02-29",
    "2023-02-29", "0000-01-01", "9999-12-31", "03/04/2024", "31.12.2024", "2024/1/2", "2024-1-2",
    "1-2-2024", "13/13/2024", "1/2-2024", " 2024-01-02 ", "2024-01-02T10:00:00", "2024-01-02 10:00",
    "20240102", "\u0663", "\u0661\u0662", "\uff12\uff10\uff12\uff14-01-01", "\x1c12\x1f", "\x0b3",
    "3\x0c", "\u00a012", "a,b", 'say "hi"', "line\nbreak", "cr\rhere", "\u00e9", "\u00df",
    "\u0130", "\u212a", "\ufb01", "x;y", "p|q", "tab\there", "1,000", "$5", "#N/A", "-",
]  # fmt: skip

cells = st.one_of(st.sampled_from(TRICKY), st.text(max_size=12))
targets = st.sampled_from([None, "integer", "float", "boolean", "datetime"])


def _state(scan: CleanedScan) -> dict[str, Any]:
    cols = {}
    for name, c in scan.columns.items():
        facts = {k: v for k, v in vars(c).items() if k not in ("hasher", "types")}
        cols[name] = {**facts, "types": vars(c.types), "dtype": c.types.dtype}
    top = {k: v for k, v in vars(scan).items() if k not in ("columns", "reader")}
    return {**top, "columns": cols, "hashes": scan.column_hashes}


def _write(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ",") -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def _both(path: Path, header: list[str], kinds: dict[str, str]) -> tuple[CleanedScan, CleanedScan]:
    fast = scan_cleaned(path, header, kinds, count_duplicates=True)
    slow = scan_cleaned(path, header, kinds, count_duplicates=True, use_arrow=False)
    assert slow.reader == "csv"
    return fast, slow


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    width=st.integers(2, 4),
    data=st.data(),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
)
def test_arrow_and_csv_module_read_every_written_file_alike(
    tmp_path: Path, width: int, data: st.DataObject, delimiter: str
) -> None:
    header = [f"c{i}" for i in range(width)]
    rows = data.draw(st.lists(st.lists(cells, min_size=width, max_size=width), max_size=40))
    kinds = {c: t for c in header if (t := data.draw(targets)) is not None}
    path = tmp_path / "cleaned.csv"
    _write(path, header, rows, delimiter)
    fast, slow = _both(path, header, kinds)
    assert _state(fast) == _state(slow)
    blank = any(all(cell == "" for cell in row) for row in rows)
    if not blank and not any("\r" in cell for row in rows for cell in row):
        assert fast.reader == "arrow"


def test_a_column_of_one_spelling_kind_is_read_by_arrow(tmp_path: Path) -> None:
    header = ["id", "amount", "day", "flag", "note"]
    rows = [[str(i), f"{i}.5", f"2024-01-{i % 28 + 1:02d}", "true", f"row {i}"] for i in range(500)]
    rows[7][2] = "2024-02-30"
    rows[9][1] = "inf"
    path = tmp_path / "cleaned.csv"
    _write(path, header, rows)
    fast, slow = _both(path, header, {"id": "integer", "day": "datetime", "flag": "boolean"})
    assert fast.reader == "arrow"
    assert _state(fast) == _state(slow)
    assert fast.columns["day"].invalid_dates == 1
    assert fast.columns["day"].failures == 1
    assert fast.columns["amount"].non_finite == 1
    assert fast.dtypes == {
        "id": "Int64",
        "amount": "Float64",
        "day": "String",
        "flag": "Boolean",
        "note": "String",
    }


@pytest.mark.parametrize(
    "damage",
    ["ragged", "blank line", "invalid utf-8", "one column", "repeated header"],
)
def test_files_arrow_would_read_differently_go_to_the_csv_module(
    tmp_path: Path, damage: str
) -> None:
    path = tmp_path / "cleaned.csv"
    header = ["a", "b", "c"]
    text = "a,b,c\n1,x,2024-01-01\n2,y,2024-01-02\n"
    if damage == "ragged":
        text += "3,z\n"
    elif damage == "blank line":
        text += "\n4,w,2024-01-04\n"
    elif damage == "one column":
        header, text = ["a"], 'a\n1\n""\n3\n'
    elif damage == "repeated header":
        header, text = ["a", "a", "c"], "a,a,c\n1,2,3\n"
    data = text.encode()
    if damage == "invalid utf-8":
        data += b"5,\xff\xfe,2024-01-05\n"
    path.write_bytes(data)
    fast, slow = _both(path, header, {"a": "integer"})
    assert fast.reader == "csv"
    assert _state(fast) == _state(slow)
    if damage == "ragged":
        assert fast.ragged_rows == 1
    if damage == "blank line":
        assert fast.ragged_rows == 1 and fast.rows == 4


def test_nan_counts_only_in_a_column_that_stays_numeric(tmp_path: Path) -> None:
    """Whatever the block size, NaN in a column that later turns out to be
    text is not a numeric failure."""
    path = tmp_path / "cleaned.csv"
    rows = [[str(i), "-inf" if i < 3 else "1.5"] for i in range(5000)] + [["5000", "text"]]
    _write(path, ["id", "x"], rows)
    fast, slow = _both(path, ["id", "x"], {})
    assert fast.columns["x"].non_finite == slow.columns["x"].non_finite == 0
    rows[-1][1] = "2.5"
    _write(path, ["id", "x"], rows)
    fast, slow = _both(path, ["id", "x"], {})
    assert fast.columns["x"].non_finite == slow.columns["x"].non_finite == 3


def test_bulk_digests_spill_runs_as_single_ones_do() -> None:
    digests = [bytes([i % 7]) * 16 for i in range(25)]
    one, bulk = DuplicateCounter(run_rows=4), DuplicateCounter(run_rows=4)
    for d in digests:
        one.add(d)
    bulk.add_many(b"".join(digests[:3]))
    bulk.add_many(b"".join(digests[3:22]))
    bulk.add_many(b"".join(digests[22:]))
    assert bulk.finish() == one.finish()


def test_header_only_file(tmp_path: Path) -> None:
    path = tmp_path / "cleaned.csv"
    path.write_text("a,b\n", encoding="utf-8")
    fast, slow = _both(path, ["a", "b"], {})
    assert fast.rows == 0 and _state(fast) == _state(slow)


def test_bom_header(tmp_path: Path) -> None:
    path = tmp_path / "cleaned.csv"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([["a", "b"], ["1", "2"], ["3", "x"]])
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode())
    fast, slow = _both(path, ["a", "b"], {"a": "integer"})
    assert _state(fast) == _state(slow)


def test_small_blocks_read_as_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of 4 KiB (hundreds of them) give the scan of one block."""
    from analysis_service.cleaning.agents.cleanse_writeback import arrow_reread

    safe = [t for t in TRICKY if "\r" not in t and t != ""]
    header = ["a", "b", "c"]
    rows = [[safe[(i * k) % len(safe)] for k in (1, 3, 7)] for i in range(3000)]
    path = tmp_path / "cleaned.csv"
    _write(path, header, rows)
    kinds = {"a": "integer", "b": "float", "c": "datetime"}
    whole, slow = _both(path, header, kinds)
    monkeypatch.setattr(arrow_reread, "BLOCK_BYTES", 1 << 12)
    small = scan_cleaned(path, header, kinds, count_duplicates=True)
    assert whole.reader == small.reader == "arrow"
    assert _state(small) == _state(whole) == _state(slow)
