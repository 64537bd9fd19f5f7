"""JSON inputs: arrays and JSON Lines, streamed, flattened, unioned."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis_service.domain.errors import (
    AnalysisCancelled,
    EmptyFileError,
    FileTooLargeError,
    InvalidJsonError,
    NestingTooDeepError,
    RecordTooLargeError,
    TooManyColumnsError,
)
from analysis_service.domain.sources import ReaderLimits, SourceOptions, open_table
from tests.unit.analysis.conftest import chunked

pytestmark = pytest.mark.unit

RECORDS = [
    {"id": 1, "name": "Ada", "address": {"city": "London", "geo": {"lat": 51.5}}},
    {"id": 2, "tags": ["a", "b"], "address": {"city": "Zürich"}, "active": True},
    {"id": 3, "name": None, "score": 1e20, "empty": {}, "note": ""},
]
EXPECTED = {
    "id": ["1", "2", "3"],
    "name": ["Ada", None, None],
    "address.city": ["London", "Zürich", None],
    "address.geo.lat": ["51.5", None, None],
    "tags": [None, '["a","b"]', None],
    "active": [None, "true", None],
    "score": [None, None, "1e+20"],
    "empty": [None, None, None],
    "note": [None, None, ""],
}


def read(data: bytes, size: int = 7, **options: object):
    reader = open_table(chunked(data, size), options=SourceOptions(**options), batch_rows=2)  # type: ignore[arg-type]
    batches = list(reader)
    frame = pd.concat([b.frame for b in batches], ignore_index=True)
    return reader, batches, frame


def plain(frame: pd.DataFrame) -> dict[str, list[str | None]]:
    return {c: [None if pd.isna(v) else v for v in frame[c]] for c in frame.columns}


@pytest.mark.parametrize("size", [1, 7, 1 << 20])
@pytest.mark.parametrize("layout", ["array", "lines", "pretty"])
def test_layouts_flatten_and_union(layout: str, size: int) -> None:
    if layout == "array":
        data = json.dumps(RECORDS).encode()
    elif layout == "lines":
        data = "\n".join(json.dumps(r, ensure_ascii=False) for r in RECORDS).encode()
    else:
        data = "\n".join(json.dumps(r, indent=2) for r in RECORDS).encode()
    reader, batches, frame = read(data, size)
    assert reader.columns == list(EXPECTED)
    assert plain(frame) == EXPECTED
    assert [b.first_row for b in batches] == [0, 2]
    assert reader.stats.format == "json"
    assert reader.stats.json_layout == ("array" if layout == "array" else "lines")
    if layout == "lines":
        assert [int(r) for b in batches for r in b.source_rows] == [1, 2, 3]  # type: ignore[union-attr]


def test_utf16_json_and_unicode_escapes() -> None:
    data = "\ufeff" + json.dumps([{"k": "caf\u00e9 \U0001d11e"}])
    _, _, frame = read(data.encode("utf-16-le"), 3)
    assert frame["k"].tolist() == ["café 𝄞"]


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b'[{"a": 1},]', InvalidJsonError, "Record 2 of the JSON array"),
        (b'[{"a": 1} {"a": 2}]', InvalidJsonError, "expected ',' or ']' after record 1"),
        (b'[{"a": 1}] [{"a": 2}]', InvalidJsonError, "after the end of the JSON array"),
        (b"[1, 2, 3]", InvalidJsonError, "Record 1 (line 1) is a number, not an object"),
        (b'{"a": 1}\n[1]\n', InvalidJsonError, "Line 2 is an array, not an object"),
        (b'{"a": 1}\n{"a": tru}\n', InvalidJsonError, "Line 2 is not valid JSON"),
        (b'[{"a": "unterminated', InvalidJsonError, "Record 1 of the JSON array"),
        (b"[]", EmptyFileError, "no records"),
        (b"[{}, {}]", EmptyFileError, "no records"),
        (b"[" + b"[" * 5000 + b"]" * 5000 + b"]", NestingTooDeepError, "nested"),
        (b'[{"a": ' + b"[" * 100 + b"]" * 100 + b"}]", NestingTooDeepError, "arrays"),
        (
            b'[{"a": ' + b'{"b": ' * 70 + b"1" + b"}" * 70 + b"}]",
            NestingTooDeepError,
            "more than 64 levels",
        ),
    ],
)
def test_bad_json_fails_precisely(data: bytes, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as caught:
        read(data, 5)
    assert message in str(caught.value)


def test_broken_line_names_its_line() -> None:
    lines = [json.dumps({"n": i}) for i in range(10)]
    lines[6] = '{"n": 6,, }'
    with pytest.raises(InvalidJsonError) as caught:
        read("\n".join(lines).encode(), 4)
    assert caught.value.row == 7
    assert str(caught.value).startswith("Line 7 is not valid JSON")


def test_limits() -> None:
    big = json.dumps([{"a": "x" * 300_000}]).encode()
    with pytest.raises(RecordTooLargeError, match="larger than"):
        read(big, 1 << 16, limits=ReaderLimits(max_record_bytes=100_000))
    wide = json.dumps([{f"k{i}": i for i in range(30)}]).encode()
    with pytest.raises(TooManyColumnsError, match="more than 20"):
        read(wide, 1 << 20, limits=ReaderLimits(max_columns=20))
    many = ("\n".join(json.dumps({"a": "y" * 100}) for _ in range(5_000))).encode()
    with pytest.raises(FileTooLargeError, match="too large to analyse"):
        read(many, 1 << 16, limits=ReaderLimits(spool_max_bytes=100_000, batch_cells=100))


def test_cancel_is_polled_while_parsing_and_handing_out() -> None:
    data = ("\n".join(json.dumps({"a": i}) for i in range(1000))).encode()
    calls = 0

    def cancel() -> bool:
        nonlocal calls
        calls += 1
        return calls > 3

    with pytest.raises(AnalysisCancelled):
        open_table(chunked(data, 100), cancel=cancel)
