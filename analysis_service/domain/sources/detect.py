"""What a file is, decided from its first bytes (never from its name).

:func:`sniff` looks at the head of the stream (64 KiB) and says "zip"
(which may be an Excel workbook: :mod:`.xlsx_reader` opens the archive to
decide), "text" (CSV or JSON, decided after decoding), or names a format we
do not read, so the error message can tell the person what they uploaded.

Binary versus text: a text file in any 8-bit encoding has almost no C0
control bytes besides tab, line feed, carriage return and form feed; random
or compressed data has about 12% of them. More than 2% (and more than 16 of
them) means binary. UTF-16/32 text is recognised by its byte-order mark or
by the pattern of zero bytes it has in every second (fourth) position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEAD_BYTES = 64 * 1024

# (prefix, offset, description). Order matters where prefixes overlap.
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "a PNG image"),
    (b"\xff\xd8\xff", 0, "a JPEG image"),
    (b"GIF87a", 0, "a GIF image"),
    (b"GIF89a", 0, "a GIF image"),
    (b"II*\x00", 0, "a TIFF image"),
    (b"MM\x00*", 0, "a TIFF image"),
    (b"WEBP", 8, "a WebP image"),
    (b"%PDF-", 0, "a PDF document"),
    (b"\x1f\x8b", 0, "gzip-compressed data"),
    (b"BZh", 0, "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", 0, "xz-compressed data"),
    (b"\x28\xb5\x2f\xfd", 0, "Zstandard-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", 0, "a 7-Zip archive"),
    (b"Rar!\x1a\x07", 0, "a RAR archive"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        0,
        "an old-format Excel .xls workbook (or another Office 97-2003 document, or a "
        "password-protected workbook)",
    ),
    (b"PAR1", 0, "an Apache Parquet file"),
    (b"ARROW1", 0, "an Apache Arrow file"),
    (b"ORC", 0, "an Apache ORC file"),
    (b"Obj\x01", 0, "an Apache Avro file"),
    (b"SQLite format 3\x00", 0, "an SQLite database"),
    (b"\x7fELF", 0, "an executable program (ELF)"),
    (b"MZ", 0, "a Windows executable program"),
    (b"ID3", 0, "an MP3 audio file"),
    (b"ftyp", 4, "an MP4/QuickTime video"),
    (b"OggS", 0, "an Ogg audio/video file"),
    (b"\x00\x00\x01\xba", 0, "an MPEG video"),
)
_ZIP_PREFIXES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f\x7f]")
_MARKUP = re.compile(rb"\s*<(?:!doctype\s+html|html|\?xml|svg)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Sniffed:
    """``kind`` is "text", "zip" or "other"; ``encoding`` (text only) is the
    encoding a BOM or the zero-byte pattern proves, "" when it must be decided
    from the bytes; ``what`` describes an "other" file for messages."""

    kind: str
    encoding: str = ""
    bom: bool = False
    what: str = ""
    evidence: str = ""


def _utf16_or_32_without_bom(head: bytes) -> str:
    """Zero bytes in fixed positions: ASCII-heavy UTF-16/32 without a BOM."""
    sample = head[: len(head) - len(head) % 4]
    if len(sample) < 16 or sample.count(0) < len(sample) // 4:
        return ""
    quarters = [sample[i::4].count(0) / (len(sample) // 4) for i in range(4)]
    if quarters[1] > 0.9 and quarters[2] > 0.9 and quarters[3] > 0.9 and quarters[0] < 0.5:
        return "utf-32-le"
    if quarters[0] > 0.9 and quarters[1] > 0.9 and quarters[2] > 0.9 and quarters[3] < 0.5:
        return "utf-32-be"
    even = sample[0::2].count(0) / (len(sample) // 2)
    odd = sample[1::2].count(0) / (len(sample) // 2)
    if odd > 0.6 and even < 0.1:
        return "utf-16-le"
    if even > 0.6 and odd < 0.1:
        return "utf-16-be"
    return ""


def sniff(head: bytes) -> Sniffed:
    """Classifies the first bytes of a file (at most :data:`HEAD_BYTES`)."""
    if head.startswith(_ZIP_PREFIXES):
        return Sniffed("zip")
    for prefix, encoding in _BOMS:
        if head.startswith(prefix):
            return Sniffed("text", encoding, True, evidence=f"a {encoding} byte-order mark")
    for magic, offset, what in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            if magic == b"MZ" and not _binary(head):
                continue  # a text file may start with "MZ"
            if magic == b"ORC" and not _binary(head):
                continue
            return Sniffed("other", what=what)
    wide = _utf16_or_32_without_bom(head)
    if wide:
        return Sniffed(
            "text",
            wide,
            False,
            evidence=f"no byte-order mark, but the zero bytes are laid out as in {wide} text",
        )
    if head and head.count(0) == len(head):
        return Sniffed(
            "other", what="nothing but zero bytes (it was probably never completely written)"
        )
    if _binary(head):
        return Sniffed("other", what="binary data (not text)")
    if _MARKUP.match(head[:512]):
        kind = "an HTML page" if b"html" in head[:512].lower() else "an XML or SVG document"
        return Sniffed("other", what=kind)
    return Sniffed("text")


def _binary(head: bytes) -> bool:
    controls = len(_CONTROL.findall(head))
    return controls > 16 and controls > 0.02 * len(head)
