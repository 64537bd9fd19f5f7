"""Incremental CSV reading: edge cases of the byte stream and the format."""

from __future__ import annotations

import io
from itertools import pairwise

import pandas as pd
import pytest

from analysis_service.domain.csv_source import (
    NA_TOKENS,
    CsvStreamReader,
    iter_csv_batches,
    sniff_delimiter,
)
from analysis_service.domain.errors import (
    AnalysisCancelled,
    EmptyFileError,
    InvalidCsvError,
    RecordTooLargeError,
)
from tests.unit.analysis.conftest import chunked

pytestmark = pytest.mark.unit


def read_all(data: bytes, size: int = 1 << 20, batch_rows: int = 50_000) -> pd.DataFrame:
    batches = list(iter_csv_batches(chunked(data, size), batch_rows=batch_rows))
    return pd.concat([b.frame for b in batches], ignore_index=True)


TRICKY = (
    "\ufeffid,text,amount\n"
    '1,"multi\nline, with comma",1.5\n'
    '2,"quote ""inside""",NA\n'
    "3,héllo wörld ✓ 𝄞,\n"
    '4,"",-2e3\n'
).encode()


@pytest.mark.parametrize("size", [1, 2, 3, 7, 13, 1 << 20])
def test_chunk_boundaries_anywhere(size: int) -> None:
    """1-byte and 7-byte chunks cut the BOM, quoted newlines and 2- to
    4-byte UTF-8 characters; the result must not depend on the cuts."""
    frame = read_all(TRICKY, size)
    assert list(frame.columns) == ["id", "text", "amount"]
    assert frame["text"].tolist()[:3] == [
        "multi\nline, with comma",
        'quote "inside"',
        "héllo wörld ✓ 𝄞",
    ]
    assert pd.isna(frame["text"].iloc[3])  # quoted empty is null, as in pandas
    assert frame["amount"].isna().tolist() == [False, True, True, False]
    assert all(str(dtype) == "str" for dtype in frame.dtypes)


def test_matches_pandas_read_csv() -> None:
    expected = pd.read_csv(io.BytesIO(TRICKY), dtype=str, encoding="utf-8-sig")
    got = read_all(TRICKY, 5)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_na_tokens_are_pandas_defaults() -> None:
    body = "v\n" + "\n".join(f'"{t}"' if t == "" else t for t in NA_TOKENS if t) + "\nx\n"
    pandas_frame = pd.read_csv(io.BytesIO(body.encode()), dtype=str)
    assert pandas_frame["v"].isna().sum() == len(NA_TOKENS) - 1
    frame = read_all(body.encode())
    assert frame["v"].isna().tolist() == pandas_frame["v"].isna().tolist()
    # and nothing else: whitespace and lookalikes stay values
    frame = read_all(b"v\n \nn.a.\nNone \n")
    assert frame["v"].isna().sum() == 0


def test_first_row_and_bytes_read_progress() -> None:
    data = ("a,b\n" + "".join(f"{i},{i * 2}\n" for i in range(1000))).encode()
    batches = list(iter_csv_batches(chunked(data, 100), batch_rows=300))
    assert [b.first_row for b in batches] == [0, 300, 600, 900]
    assert [len(b.frame) for b in batches] == [300, 300, 300, 100]
    assert batches[-1].bytes_read == len(data)
    assert all(x.bytes_read <= y.bytes_read for x, y in pairwise(batches))
    assert batches[2].frame["a"].iloc[0] == "600"


def test_empty_file() -> None:
    with pytest.raises(EmptyFileError, match="The file is empty"):
        list(iter_csv_batches(iter([])))
    with pytest.raises(EmptyFileError, match="The file is empty"):
        list(iter_csv_batches(iter([b"", b"\xef\xbb\xbf"])))
    with pytest.raises(EmptyFileError, match="only blank lines"):
        list(iter_csv_batches(iter([b"\n\r\n  \n"])))


def test_blank_lines_before_the_header_are_skipped() -> None:
    reader = CsvStreamReader(iter([b"\n\r\na,b\n1,2\n"]))
    frame = pd.concat([b.frame for b in reader])
    assert reader.columns == ["a", "b"]
    assert frame.to_dict("list") == {"a": ["1"], "b": ["2"]}
    assert reader.stats.blank_rows_skipped == 2


def test_header_only_yields_one_empty_batch() -> None:
    batches = list(iter_csv_batches(iter([b"a,b,c\r\n"])))
    assert len(batches) == 1
    assert list(batches[0].frame.columns) == ["a", "b", "c"]
    assert len(batches[0].frame) == 0
    batches = list(iter_csv_batches(iter([b"a,b,c"])))  # no final newline
    assert list(batches[0].frame.columns) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("data", "row", "fields"),
    [
        (b"a,b,c\n1,2,3\n4,5\n6,7,8\n", 3, 2),
        (b"a,b,c\n1,2,3\n4,5,6\n7,8,9,10\n", 4, 4),
        (b'a,b,c\n1,"x\ny",3\n4,5\n', 3, 2),  # rows, not lines
    ],
)
def test_ragged_rows_are_refused_with_their_row(data: bytes, row: int, fields: int) -> None:
    with pytest.raises(InvalidCsvError) as caught:
        list(iter_csv_batches(chunked(data, 3)))
    assert caught.value.row == row
    assert f"Row {row} has {fields} fields but the header has 3" in str(caught.value)


def test_ragged_row_far_into_the_file() -> None:
    body = "a,b\n" + "1,2\n" * 120_000 + "3\n"
    with pytest.raises(InvalidCsvError, match="Row 120,002 has 1 fields"):
        list(iter_csv_batches(chunked(body.encode(), 1 << 16), batch_rows=10_000))


def test_duplicate_and_empty_headers_are_made_unique_and_reported() -> None:
    reader = CsvStreamReader(iter([b"id,name,id,,id_2, \n1,2,3,4,5,6\n"]))
    frame = pd.concat([b.frame for b in reader])
    assert reader.columns == ["id", "name", "id_3", "column_4", "id_2", "column_6"]
    assert frame.iloc[0].tolist() == ["1", "2", "3", "4", "5", "6"]
    renamed = [(r.position, r.original, r.name) for r in reader.stats.renamed_columns]
    assert renamed == [(3, "id", "id_3"), (4, "", "column_4"), (6, " ", "column_6")]


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        ("a;b;c", ";"),
        ("a\tb\tc", "\t"),
        ("a|b|c", "|"),
        ("a,b;c", ","),
        ("single", ","),
        ('"x;y",z', ","),
    ],
)
def test_delimiter_sniffing(header: str, delimiter: str) -> None:
    assert sniff_delimiter(header) == delimiter


def test_semicolon_file() -> None:
    frame = read_all("name;price\nKäse;1,50\nBrot;2,00\n".encode(), 4)
    assert frame.to_dict("list") == {"name": ["Käse", "Brot"], "price": ["1,50", "2,00"]}


def test_invalid_utf8_is_replaced_and_counted() -> None:
    head = ("a,b\n" + "x,ok\n" * 20_000).encode()  # valid start: stays UTF-8
    data = head + b"bad\xff,\xc3\x28\n" + "�,fine\n".encode()
    reader = CsvStreamReader(chunked(data, 1000))
    frame = pd.concat([b.frame for b in reader])
    assert reader.stats.encoding == "utf-8"
    assert reader.stats.replaced_characters == 2  # the genuine U+FFFD is not counted
    assert frame["a"].iloc[-2] == "bad\ufffd"


def test_cp1252_file_is_detected() -> None:
    data = "name,city\nJosé,Zürich\n".encode("cp1252")
    reader = CsvStreamReader(iter([data]))
    frame = pd.concat([b.frame for b in reader])
    assert reader.stats.encoding == "cp1252"
    assert frame.iloc[0].tolist() == ["José", "Zürich"]


def test_unclosed_quote() -> None:
    with pytest.raises(InvalidCsvError):
        list(iter_csv_batches(iter([b'a,b\n1,"open\n2,3\n'])))


def test_cancel_is_polled_between_chunks() -> None:
    polled = 0

    def cancel() -> bool:
        nonlocal polled
        polled += 1
        return polled > 5

    data = ("a,b\n" + "1,2\n" * 10_000).encode()
    with pytest.raises(AnalysisCancelled):
        list(iter_csv_batches(chunked(data, 100), cancel=cancel))
    assert polled == 6


def test_chunks_are_pulled_lazily() -> None:
    """The reader pulls a bounded amount ahead (about 34 parse blocks of
    256 KiB on pyarrow's I/O thread), not the whole 68 MB stream."""
    pulled = 0
    row = b"12345,abcdefghij\n"

    def source():
        nonlocal pulled
        yield b"a,b\n"
        for _ in range(4000):
            pulled += 1
            yield row * 1000  # 17 kB per chunk, 68 MB in all

    batches = iter_csv_batches(source(), batch_rows=1000)
    next(batches)
    next(batches)
    assert pulled * 17_000 < 16 * 1024 * 1024
    batches.close()


def test_row_longer_than_a_parse_block() -> None:
    big = "x" * 1_000_000
    data = f'a,b\n1,2\n3,"{big}"\n'.encode()
    with pytest.raises(RecordTooLargeError, match="longer than"):
        list(iter_csv_batches(chunked(data, 1 << 20)))


def test_keep_na_text_leaves_na_spellings_as_text_and_only_empty_cells_null():
    from analysis_service.domain.sources import SourceOptions, open_table

    data = b'v,k\nNA,1\nnull,2\n"",3\nN/A,4\n,5\n'
    table = open_table([data], options=SourceOptions(keep_na_text=True))
    column = next(iter(table)).frame["v"]
    assert [None if pd.isna(v) else v for v in column] == ["NA", "null", None, "N/A", None]


def test_an_apostrophe_in_text_is_not_taken_for_a_quote_character():
    from analysis_service.domain.sources import open_table

    table = open_table([b"a,b,c\n,'; DROP TABLE t,'; DROP TABLE t\n"])
    assert table.stats.dialect is not None and table.stats.dialect.quotechar == '"'
    row = next(iter(table)).frame.iloc[0]
    assert list(row[1:]) == ["'; DROP TABLE t", "'; DROP TABLE t"]
    quoted = open_table([b"name,city\n'Ann','Paris'\n'Bob','Lyon, FR'\n"])
    assert quoted.stats.dialect is not None and quoted.stats.dialect.quotechar == "'"
    assert list(next(iter(quoted)).frame.iloc[1]) == ["Bob", "Lyon, FR"]
