"""CSV inputs: encodings decided on evidence, dialects sniffed, the factory
deciding the format from the content."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from analysis_service.domain.errors import InvalidFileFormatError, TooManyColumnsError
from analysis_service.domain.profile import DatasetProfiler
from analysis_service.domain.sources import (
    ReaderLimits,
    SourceOptions,
    declared_format,
    open_table,
    to_float64,
)
from analysis_service.domain.sources.detect import sniff
from tests.unit.analysis.conftest import chunked

pytestmark = pytest.mark.unit

TEXT = "name,city,amount\nJosé,Zürich,1.5\nRenée,Genève,2\n"


def read(data: bytes, size: int = 5, **options: object):
    reader = open_table(chunked(data, size), options=SourceOptions(**options))  # type: ignore[arg-type]
    frame = pd.concat([b.frame for b in reader], ignore_index=True)
    return reader, frame


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-16-le", b""),  # no BOM: recognised by its zero bytes
        ("utf-32-le", b"\xff\xfe\x00\x00"),
    ],
)
@pytest.mark.parametrize("size", [1, 3, 1 << 20])
def test_unicode_encodings(encoding: str, bom: bytes, size: int) -> None:
    reader, frame = read(bom + TEXT.encode(encoding), size)
    assert frame.to_dict("list") == {
        "name": ["José", "Renée"],
        "city": ["Zürich", "Genève"],
        "amount": ["1.5", "2"],
    }
    stats = reader.stats
    assert (stats.encoding, stats.bom, stats.replaced_characters) == (encoding, bool(bom), 0)
    assert stats.bom_bytes == bom and stats.write_encoding == encoding


def test_cp1252_is_decided_on_evidence_and_explained() -> None:
    reader, frame = read("name;price\nCafé;3€\nThé;2€\n".encode("cp1252"))
    assert frame["price"].tolist() == ["3€", "2€"]
    assert reader.stats.encoding == "cp1252"
    assert "not valid UTF-8" in reader.stats.encoding_evidence


def test_utf8_with_a_little_damage_stays_utf8() -> None:
    data = "name\nJosé\nZoë\nRenée\n".encode() + b"bad\xff\n"
    reader, frame = read(data)
    assert reader.stats.encoding == "utf-8" and reader.stats.replaced_characters == 1
    assert frame["name"].tolist()[:3] == ["José", "Zoë", "Renée"]
    assert "invalid byte sequences" in reader.stats.encoding_evidence


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2;3\n", ";"),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        # commas in free text do not fool it: the header has none
        ("id;comment\n1;well, yes\n2;no, never, ever\n", ";"),
        ("id\tcomment\n1\tParis, France\n", "\t"),
        ("single\nvalue\n", ","),
    ],
)
def test_delimiters(text: str, delimiter: str) -> None:
    reader, _ = read(text.encode(), 1 << 20)
    assert reader.stats.delimiter == delimiter


def test_quoting_escapes_and_line_endings() -> None:
    reader, frame = read(b"a,b\r'x, y',1\r'z',2\r", 3)
    assert reader.stats.dialect.quotechar == "'"  # type: ignore[union-attr]
    assert reader.stats.dialect.lineterminator == "\r"  # type: ignore[union-attr]
    assert frame.to_dict("list") == {"a": ["x, y", "z"], "b": ["1", "2"]}
    reader, frame = read(b'a,b\r\n"say \\"hi\\"",1\r\n', 4)
    assert reader.stats.dialect.escapechar == "\\"  # type: ignore[union-attr]
    assert frame["a"].tolist() == ['say "hi"']


def test_dialect_writes_the_file_back_as_it_came() -> None:
    data = '\ufeffname;price\r\nKäse;1,50\r\n"Brot; hell";2,00\r\n'.encode()
    reader, frame = read(data)
    stats = reader.stats
    out = io.StringIO(newline="")
    writer = csv.writer(out, **stats.dialect.writer_options())  # type: ignore[union-attr]
    writer.writerow(reader.columns)
    writer.writerows(frame.itertuples(index=False))
    assert stats.bom_bytes + out.getvalue().encode(stats.write_encoding) == data


def test_decimal_comma_is_read_as_numbers_but_kept_as_text() -> None:
    data = b"item;price;code\nA;3,14;1,2,3\nB;2,5;4\nC;10;5\n"
    reader = open_table([data])
    profiler = DatasetProfiler(reader.columns)
    batches = list(reader)
    for batch in batches:
        profiler.consume(batch)
    profile = profiler.finish()
    assert batches[0].stats.decimal == "," and "decimal comma" in reader.stats.notes[0]
    assert batches[0].frame["price"].tolist() == ["3,14", "2,5", "10"]
    price = profile.column("price")
    assert price.inferred_type.value == "float"
    assert price.moments.mean == pytest.approx((3.14 + 2.5 + 10) / 3)
    assert profile.column("code").numeric_count == 2  # "1,2,3" is not a number
    values = batches[0].frame["price"].astype(object).tolist()
    import pyarrow as pa

    assert to_float64(pa.array(values), ",").tolist() == [3.14, 2.5, 10.0]


def test_a_comma_file_never_has_decimal_commas() -> None:
    reader, _ = read(b'a,b\n"3,14",1\n"2,5",2\n', 1 << 20)
    assert reader.stats.decimal == "."


def test_content_decides_not_the_name() -> None:
    reader, frame = read(b'[{"a": 1}]', name="data.csv")
    assert reader.stats.format == "json" and frame["a"].tolist() == ["1"]
    assert "named as CSV but contains JSON" in reader.stats.notes[0]
    reader, _ = read(b"a,b\n1,2\n", name="data.json")
    assert reader.stats.format == "csv"
    with pytest.raises(InvalidFileFormatError, match=r"JSON text.*CSV or Excel"):
        read(b'{"a": 1}\n', name="d.json", formats=("csv", "xlsx"))


def test_bracketed_csv_headers_are_not_json() -> None:
    reader, _ = read(b"[id],[name]\n1,x\n", 1 << 20)
    assert reader.stats.format == "csv" and reader.columns == ["[id]", "[name]"]


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old-format Excel .xls"),
        (b"<!DOCTYPE html><html><body>Not found</body></html>", "an HTML page"),
        (b"PAR1" + bytes(100), "Parquet"),
        (b"BZh91AY&SY" + bytes(50), "bzip2"),
        (b"SQLite format 3\x00" + bytes(100), "SQLite"),
    ],
)
def test_other_formats_are_named(head: bytes, what: str) -> None:
    with pytest.raises(InvalidFileFormatError, match=what):
        read(head, name="x.csv")


def test_text_starting_with_magic_letters_is_still_text() -> None:
    assert sniff(b"MZ_code,value\n1,2\n").kind == "text"
    assert sniff(b"ORCID,name\n0000-0001,Ada\n").kind == "text"


def test_declared_formats() -> None:
    assert declared_format("a.CSV") == "csv"
    assert declared_format("C:\\x\\y.JSONL") == "json"
    assert declared_format("book.xlsm") == "xlsx"
    assert declared_format("blob", "application/json") == "json"
    assert declared_format("blob") == ""


def test_column_limit_is_configurable() -> None:
    header = ",".join(f"c{i}" for i in range(11)).encode()
    with pytest.raises(TooManyColumnsError, match="11 columns; at most 10"):
        read(header + b"\n", 1 << 20, limits=ReaderLimits(max_columns=10))
    reader, _ = read(header + b"\n", 1 << 20, limits=ReaderLimits(max_columns=11))
    assert len(reader.columns) == 11


def test_wide_tables_get_fewer_rows_per_batch() -> None:
    header = ",".join(f"c{i}" for i in range(100))
    rows = "\n".join(",".join("1" for _ in range(100)) for _ in range(50))
    reader = open_table(
        [f"{header}\n{rows}\n".encode()],
        options=SourceOptions(limits=ReaderLimits(batch_cells=1_000)),
        batch_rows=1_000,
    )
    sizes = [b.num_rows for b in reader]
    assert sizes == [10] * 5
