"""The bad-file corpus: inputs a new user might upload, and what each must
give. Shared by the unit tests of the readers and the integration test
through the real AnalysisService and StorageService.

Everything is generated here (deterministically), except the xlsx zip bomb,
a committed 4 KiB fixture that expands to 4 GiB: compressing 4 GiB takes
about 45 s, so it was made once with :func:`write_xlsx_bomb`.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inputs"
XLSX_BOMB = FIXTURES / "xlsx-bomb-4gib.xlsx"
MIB = 1024 * 1024

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"


def minimal_xlsx(sheet_xml: str, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A hand-made workbook (no styles, no shared strings) around one sheet."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _skeleton(archive: zipfile.ZipFile) -> None:
    archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
    archive.writestr("_rels/.rels", _ROOT_RELS)
    archive.writestr("xl/workbook.xml", _WORKBOOK)
    archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)


def write_xlsx_bomb(path: Path = XLSX_BOMB, gib: int = 4) -> None:
    """A valid-looking workbook whose sheet is ``gib`` GiB of spaces after
    the sheet's opening tags, bzip2-compressed to a few KiB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_BZIP2, compresslevel=9) as archive:
        _skeleton(archive)
        block = b" " * MIB
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_HEAD.encode())
            for _ in range(gib * 1024):
                sheet.write(block)
            sheet.write(SHEET_TAIL.encode())


def ratio_bomb_xlsx(megabytes: int = 64) -> bytes:
    """Deflate at its best (about 1000x): a sheet of ``megabytes`` MiB of
    spaces in about 64 KiB per 64 MiB; within the total limit, refused by
    the ratio limit."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        _skeleton(archive)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(SHEET_HEAD.encode())
            block = b" " * MIB
            for _ in range(megabytes):
                sheet.write(block)
            sheet.write(SHEET_TAIL.encode())
    return buffer.getvalue()


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx() -> bytes:
    types = _CONTENT_TYPES.replace(
        "spreadsheetml.sheet.main+xml", "wordprocessingml.document.main+xml"
    )
    return zip_of({"[Content_Types].xml": types.encode(), "word/document.xml": b"<w/>"})


def png() -> bytes:
    rng = np.random.default_rng(1)
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.bytes(4096)


def random_binary(size: int = 256 * 1024) -> bytes:
    return np.random.default_rng(2).bytes(size)


def wide_csv(columns: int = 100_000, rows: int = 2) -> bytes:
    """About 600 KB: ``columns`` short names and ``rows`` rows of digits."""
    header = ",".join(f"c{i}" for i in range(columns))
    body = "\n".join(",".join(str((i + r) % 10) for i in range(columns)) for r in range(rows))
    return (header + "\n" + body + "\n").encode()


def deep_json(depth: int = 10_000) -> bytes:
    return b"[" + b'{"a":' * depth + b"1" + b"}" * depth + b"]"


def jsonl_with_broken_line() -> bytes:
    lines = [json.dumps({"id": i, "name": f"n{i}"}) for i in range(1, 8)]
    lines[4] = '{"id": 5, "name": "n5"'  # line 5: the closing brace is missing
    return ("\n".join(lines) + "\n").encode()


FORMULA_CELLS = ["=1+1", "+41 79 123 45 67", "-5", "@SUM(A1:A2)", '=HYPERLINK("http://x","y")']


def formula_csv() -> bytes:
    rows = ["=cmd|' /C calc'!A0,value"]
    rows += [f'"{cell.replace(chr(34), chr(34) * 2)}",{i}' for i, cell in enumerate(FORMULA_CELLS)]
    return ("\n".join(rows) + "\n").encode()


@dataclass(frozen=True)
class BadFile:
    """One corpus entry: the bytes, the name it is uploaded under, and the
    error code it must fail with ("" when it must succeed) plus a fragment of
    the message a person reads."""

    key: str
    make: Callable[[], bytes]
    filename: str
    code: str
    message: str


CORPUS: tuple[BadFile, ...] = (
    BadFile("png-named-csv", png, "photo.csv", "INVALID_FILE_FORMAT", "a PNG image"),
    BadFile("random-binary", random_binary, "data.csv", "INVALID_FILE_FORMAT", "binary data"),
    BadFile(
        "pdf", lambda: b"%PDF-1.7\n" + random_binary(2048), "a.csv", "INVALID_FILE_FORMAT", "PDF"
    ),
    BadFile(
        "gzip",
        lambda: b"\x1f\x8b\x08\x00" + random_binary(2048),
        "a.csv",
        "INVALID_FILE_FORMAT",
        "gzip",
    ),
    BadFile("empty", lambda: b"", "empty.csv", "EMPTY_FILE", "empty"),
    BadFile("header-only", lambda: b"a,b,c\n", "h.csv", "", ""),
    BadFile(
        "single-line-10mb", lambda: b"x" * (10 * MIB), "line.csv", "RECORD_TOO_LARGE", "longer than"
    ),
    BadFile(
        "invalid-utf8",
        lambda: "name,city\nJosé,Zürich\nRenée,Genève\n".encode("cp1252"),
        "latin.csv",
        "",
        "",
    ),
    BadFile("ragged-rows", lambda: b"a,b\n1,2\n3\n", "r.csv", "INVALID_CSV", "Row 3 has 1 fields"),
    BadFile("nul-bytes", lambda: b"a,b\n1,x\x00y\n2,\x00\x00z\n", "n.csv", "", ""),
    BadFile("zero-bytes", lambda: bytes(64 * 1024), "z.csv", "INVALID_FILE_FORMAT", "zero bytes"),
    BadFile("100k-columns", wide_csv, "wide.csv", "TOO_MANY_COLUMNS", "100,000 columns"),
    BadFile(
        "xlsx-zip-bomb",
        XLSX_BOMB.read_bytes,
        "bomb.xlsx",
        "DECOMPRESSION_LIMIT_EXCEEDED",
        "4.0 GiB",
    ),
    BadFile(
        "xlsx-ratio-bomb", ratio_bomb_xlsx, "bomb2.xlsx", "DECOMPRESSION_LIMIT_EXCEEDED", "zip bomb"
    ),
    BadFile(
        "xlsx-really-a-zip",
        lambda: zip_of({"data.csv": b"a,b\n1,2\n", "notes.md": b"# notes"}),
        "book.xlsx",
        "INVALID_FILE_FORMAT",
        "a ZIP archive (containing data.csv, notes.md): extract data.csv",
    ),
    BadFile("docx-named-xlsx", docx, "book.xlsx", "INVALID_FILE_FORMAT", "a Word document"),
    BadFile(
        "xlsx-truncated",
        lambda: minimal_xlsx(
            SHEET_HEAD + "<row r='1'><c t='inlineStr'><is><t>a</t></is></c></row>" + SHEET_TAIL
        )[:300],
        "cut.xlsx",
        "INVALID_FILE_FORMAT",
        "damaged or incomplete",
    ),
    BadFile("json-10000-deep", deep_json, "deep.json", "NESTING_TOO_DEEP", "nested"),
    BadFile(
        "jsonl-broken-line",
        jsonl_with_broken_line,
        "lines.json",
        "INVALID_JSON",
        "Line 5 is not valid JSON",
    ),
    BadFile("formula-cells", formula_csv, "formulas.csv", "", ""),
)
