"""HTTP header values the service signs into URLs: content types and
download file names (``Content-Disposition``, RFC 6266 / RFC 8187)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

# type/subtype with optional parameters; visible ASCII only (no CR/LF, so
# nothing can be injected into a signed header).
_MIME_CHARS = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"
_CONTENT_TYPE_RE = re.compile(
    rf"{_MIME_CHARS}/{_MIME_CHARS}"
    rf"([ \t]*;[ \t]*{_MIME_CHARS}=({_MIME_CHARS}|\"[\x20\x21\x23-\x5b\x5d-\x7e]*\"))*"
)
MAX_CONTENT_TYPE_LENGTH = 255
MAX_FILENAME_LENGTH = 255


def is_valid_content_type(value: str) -> bool:
    """True for a well-formed MIME type such as ``text/csv; charset=utf-8``."""
    return 0 < len(value) <= MAX_CONTENT_TYPE_LENGTH and bool(_CONTENT_TYPE_RE.fullmatch(value))


def clean_download_filename(value: str) -> str:
    """The last path component of ``value`` without control characters,
    normalised (NFC) and shortened to 255 characters; may be empty."""
    value = unicodedata.normalize("NFC", value)
    value = re.split(r"[/\\]", value)[-1]
    value = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C")
    value = value.strip().strip(".")
    return value[:MAX_FILENAME_LENGTH]


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII ``filename`` for old clients and, when the
    name is not plain ASCII, the exact name as RFC 8187 ``filename*``."""
    fallback = "".join(
        ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\%;' else "_" for ch in filename
    )
    header = f'attachment; filename="{fallback}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header
