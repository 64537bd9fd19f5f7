"""ZIP archives: what is inside, and whether opening it is safe.

Called on the spooled file before anything decompresses a byte. It reads
the end-of-central-directory record itself (so an archive with millions of
entries is refused before :mod:`zipfile` builds an object per entry), then
tells an Excel workbook from Word or PowerPoint documents, OpenDocument
files and plain archives, and checks a workbook against the expansion
limits using the sizes its directory declares, and refuses XML parts that
declare a DTD (the way to entity bombs and external entities; Excel never
writes one), so the fast C parser can read the rest. The sizes are binding:
:mod:`zipfile` never inflates a member past its declared size (it fails the
CRC check instead), so a member that lies about its size cannot expand
further than declared.
"""

from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass
from typing import IO

from analysis_service.domain.errors import (
    DecompressionLimitError,
    InvalidFileFormatError,
    InvalidWorkbookError,
)
from analysis_service.domain.sources.model import ReaderLimits

MAX_ENTRIES = 10_000
MAX_DIRECTORY_BYTES = 16 * 1024 * 1024
_MIB = 1024 * 1024
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_SPREADSHEET_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
)
_OTHER_OFFICE = (
    ("application/vnd.ms-excel.sheet.binary", "an Excel binary workbook (.xlsb)"),
    ("wordprocessingml", "a Word document (.docx)"),
    ("presentationml", "a PowerPoint presentation (.pptx)"),
)
_OPENDOCUMENT = {
    "application/vnd.oasis.opendocument.spreadsheet": "an OpenDocument spreadsheet (.ods)",
    "application/vnd.oasis.opendocument.text": "an OpenDocument text document (.odt)",
    "application/vnd.oasis.opendocument.presentation": "an OpenDocument presentation (.odp)",
}
# Parts openpyxl loads whole into memory when it opens a workbook.
_LOADED_PARTS = ("xl/sharedStrings.xml", "xl/styles.xml", "xl/workbook.xml", "[Content_Types].xml")
_DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".json", ".jsonl", ".xlsx")
_PROLOG_BYTES = 16 * 1024
_ROOT = re.compile(rb"<(?![?!])")


def _size(value: int) -> str:
    if value >= 1024 * _MIB:
        return f"{value / (1024 * _MIB):,.1f} GiB"
    if value >= _MIB:
        return f"{value / _MIB:,.1f} MiB"
    return f"{value / 1024:,.1f} KiB"


def _damaged() -> InvalidFileFormatError:
    return InvalidFileFormatError(
        "The file starts like a ZIP archive (as .xlsx workbooks do) but is damaged or "
        "incomplete; save or download it again"
    )


def _directory_extent(handle: IO[bytes], size: int) -> tuple[int, int]:
    """(entries, central directory bytes) from the end records."""
    tail_size = min(size, 65_557)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        raise _damaged()
    entries, directory = struct.unpack_from("<HI", tail, at + 10)
    if entries == 0xFFFF or directory == 0xFFFFFFFF:
        locator = at - 20
        if locator < 0 or tail[locator : locator + 4] != _ZIP64_LOCATOR:
            raise _damaged()
        (offset,) = struct.unpack_from("<Q", tail, locator + 8)
        handle.seek(offset)
        record = handle.read(56)
        if len(record) < 56 or record[:4] != b"PK\x06\x06":
            raise _damaged()
        entries, directory = struct.unpack_from("<QQ", record, 32)
    return entries, directory


@dataclass(frozen=True)
class Workbook:
    """A ZIP archive that is an Excel workbook and passed the limits."""

    members: int
    uncompressed_bytes: int
    macros: bool


def _read_small(archive: zipfile.ZipFile, name: str, cap: int) -> str:
    """A member's text if it exists and is at most ``cap`` bytes unpacked."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return ""
    if info.file_size > cap or info.flag_bits & 0x1:
        return ""
    return archive.read(info).decode("utf-8", "replace")


def _what_else(archive: zipfile.ZipFile) -> str:
    types = _read_small(archive, "[Content_Types].xml", _MIB)
    for marker, what in _OTHER_OFFICE:
        if marker in types:
            return what
    mimetype = _read_small(archive, "mimetype", 200).strip()
    if mimetype in _OPENDOCUMENT:
        return _OPENDOCUMENT[mimetype]
    names = set(archive.namelist())
    if "META-INF/MANIFEST.MF" in names:
        return "a Java archive (.jar), not an Excel workbook"
    files = [n for n in archive.namelist() if not n.endswith("/")]
    shown = ", ".join(files[:3]) + (f" and {len(files) - 3:,} more" if len(files) > 3 else "")
    data = [n for n in files if n.lower().endswith(_DATA_SUFFIXES)]
    if not files:
        return "an empty ZIP archive"
    if len(data) == 1:
        return f"a ZIP archive (containing {shown}): extract {data[0]} and upload it instead"
    return f"a ZIP archive (containing {shown}): upload the data file itself, not an archive"


def _refuse_dtds(handle: IO[bytes], parts: list[zipfile.ZipInfo]) -> None:
    """A DTD can only stand before the root element: read each part's start."""
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            for info in parts:
                with archive.open(info) as part:
                    head = part.read(_PROLOG_BYTES)
                root = _ROOT.search(head)
                prolog = head[: root.start()] if root else head
                if b"<!DOCTYPE" in prolog.upper() or b"<!ENTITY" in prolog.upper():
                    raise InvalidWorkbookError(
                        f"The workbook part {info.filename} declares a DTD, which Excel never "
                        "writes (the way to XML entity bombs and to reading other files); it "
                        "is not opened"
                    )
                if root is None and len(head) == _PROLOG_BYTES:
                    raise InvalidWorkbookError(
                        f"The workbook part {info.filename} has no XML element in its first "
                        f"{_PROLOG_BYTES // 1024} KiB; it is not a workbook Excel would write"
                    )
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, RuntimeError):
        raise _damaged() from None


def inspect_zip(handle: IO[bytes], size: int, limits: ReaderLimits) -> Workbook:
    """Raises unless ``handle`` is an Excel workbook within the limits."""
    entries, directory = _directory_extent(handle, size)
    if entries > MAX_ENTRIES or directory > MAX_DIRECTORY_BYTES:
        raise DecompressionLimitError(
            f"The archive lists {entries:,} files; an Excel workbook has a few dozen, and "
            f"more than {MAX_ENTRIES:,} are not opened"
        )
    handle.seek(0)
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _damaged() from None
    with archive:
        infos = archive.infolist()
        try:
            types = _read_small(archive, "[Content_Types].xml", limits.xlsx_max_loaded_part_bytes)
            if not any(t in types for t in _SPREADSHEET_TYPES):
                what = _what_else(archive)
                if "ZIP archive" not in what:
                    what += "; save the table as Excel (.xlsx) or CSV and upload that"
                raise InvalidFileFormatError(f"The file is {what}")
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, RuntimeError):
            raise _damaged() from None
    if any(i.flag_bits & 0x1 for i in infos):
        raise InvalidWorkbookError(
            "The workbook's parts are encrypted; remove the password in Excel and upload it again"
        )
    total = sum(i.file_size for i in infos)
    if total > limits.xlsx_max_uncompressed_bytes:
        raise DecompressionLimitError(
            f"The workbook would expand from {_size(size)} to {_size(total)} ({total:,} bytes) "
            f"when unpacked, more than the {limits.xlsx_max_uncompressed_bytes:,} bytes allowed "
            "(a zip bomb, or a workbook too large to analyse); save the sheet as CSV and upload "
            "that instead"
        )
    for info in infos:
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > 16 * _MIB and ratio > limits.xlsx_max_compression_ratio:
            raise DecompressionLimitError(
                f"The workbook part {info.filename} expands {ratio:,.0f} times (from "
                f"{_size(info.compress_size)} to {_size(info.file_size)}); real workbooks "
                f"compress far less than {limits.xlsx_max_compression_ratio:,} times, so this "
                "looks like a zip bomb and is not opened"
            )
        if info.filename in _LOADED_PARTS and info.file_size > limits.xlsx_max_loaded_part_bytes:
            raise DecompressionLimitError(
                f"The workbook part {info.filename} is {_size(info.file_size)} unpacked, more "
                f"than the {_size(limits.xlsx_max_loaded_part_bytes)} that may be loaded at "
                "once; save the sheet as CSV and upload that instead"
            )
    _refuse_dtds(handle, [i for i in infos if i.filename.endswith((".xml", ".rels"))])
    return Workbook(
        members=len(infos),
        uncompressed_bytes=total,
        macros=any(i.filename.lower().endswith("vbaproject.bin") for i in infos),
    )
