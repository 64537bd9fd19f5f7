"""Raw chunks in, valid UTF-8 out: the encoding layer of the text readers.

The file arrives as an iterator of raw chunks (about 1 MiB each, straight
from object storage). :class:`RawChunks` pulls them lazily (polling
``cancel`` before each one) and keeps the head for sniffing;
:class:`DecodedStream` turns them into valid UTF-8 for the CSV parser (a
read-only file object) and the JSON parser (pieces of text).

Encoding, decided on evidence from the first 64 KiB
    * a byte-order mark: UTF-8, UTF-16 (LE/BE) or UTF-32 (LE/BE), removed;
    * zero bytes in every second (fourth) position: UTF-16/32 without a mark;
    * otherwise valid UTF-8 (ASCII included) is UTF-8;
    * invalid UTF-8: UTF-8 if it has at least as many valid multi-byte
      characters as invalid sequences (a UTF-8 file with some damage),
      else Windows-1252 (cp1252, the usual encoding of CSVs exported by
      Excel on Western-European Windows, a superset of Latin-1's printable
      characters).
    The decision and its evidence are in the reader's stats. Invalid
    sequences later in a UTF-8 file become U+FFFD and are counted in
    ``replaced_characters`` (as are cp1252's five undefined bytes); we never
    fail on encoding, the report warns with the count.

NUL bytes
    A zero byte is never text. A file made mostly of them is refused as
    binary by :mod:`.detect`; a few stray ones (padding written by some
    exporters) are removed and counted in ``nul_bytes_removed``.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterable

from analysis_service.domain.errors import AnalysisCancelled

ENCODING_SAMPLE_BYTES = 64 * 1024
_UTF8_BOM = b"\xef\xbb\xbf"
_REPLACEMENT_UTF8 = "\ufffd".encode()
_BOM_LENGTH = {"utf-8": 3, "utf-16-le": 2, "utf-16-be": 2, "utf-32-le": 4, "utf-32-be": 4}


def split_incomplete_utf8_tail(data: bytes) -> tuple[bytes, bytes]:
    """Splits off a UTF-8 sequence cut by the chunk boundary, if any.

    Looks at most 3 bytes back for a lead byte whose sequence needs more
    bytes than are present; those bytes wait for the next chunk.
    """
    end = len(data)
    for back in range(1, min(3, end) + 1):
        byte = data[end - back]
        if byte & 0xC0 == 0x80:  # continuation byte: keep looking for the lead
            continue
        if byte >= 0xC0:
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            if need > back:
                return data[: end - back], data[end - back :]
        break
    return data, b""


def decide_8bit_encoding(sample: bytes, *, complete: bool) -> tuple[str, str]:
    """(encoding, evidence) for a head without BOM or zero-byte pattern."""
    body = sample if complete else split_incomplete_utf8_tail(sample)[0]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        wide = sum(1 for ch in text if ord(ch) > 127) if not text.isascii() else 0
        if not wide:
            return "utf-8", "no byte-order mark; the start of the file is plain ASCII"
        return "utf-8", (
            f"no byte-order mark; the start of the file is valid UTF-8 "
            f"({wide:,} non-ASCII characters)"
        )
    text = body.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd") - body.count(_REPLACEMENT_UTF8)
    valid_wide = sum(1 for ch in text if ord(ch) > 127) - text.count("\ufffd")
    size = f"the first {min(len(sample), ENCODING_SAMPLE_BYTES) // 1024 or 1:,} KiB"
    if valid_wide >= invalid:
        return "utf-8", (
            f"no byte-order mark; {size} hold {valid_wide:,} valid UTF-8 multi-byte characters "
            f"and {invalid:,} invalid byte sequences: read as UTF-8, the invalid sequences "
            "replaced by U+FFFD"
        )
    return "cp1252", (
        f"no byte-order mark; {invalid:,} byte sequences in {size} are not valid UTF-8 "
        f"(against {valid_wide:,} valid multi-byte characters): read as Windows-1252 "
        "(cp1252), the usual encoding of Excel exports on Western-European Windows"
    )


class RawChunks:
    """The raw byte stream: lazy pulls, cancellation, a peekable head."""

    def __init__(self, chunks: Iterable[bytes], cancel: Callable[[], bool] | None) -> None:
        self._chunks = iter(chunks)
        self._cancel = cancel
        self._pending: list[bytes] = []
        self.exhausted = False
        self.bytes_read = 0

    def _pull(self) -> bytes | None:
        if self.exhausted:
            return None
        while True:
            if self._cancel is not None and self._cancel():
                raise AnalysisCancelled()
            try:
                chunk = next(self._chunks)
            except StopIteration:
                self.exhausted = True
                return None
            if chunk:
                data = bytes(chunk)
                self.bytes_read += len(data)
                return data

    def head(self, size: int = ENCODING_SAMPLE_BYTES) -> bytes:
        """At least ``size`` bytes from the start (fewer at the end of the
        stream), without consuming them."""
        total = sum(len(p) for p in self._pending)
        while total < size:
            data = self._pull()
            if data is None:
                break
            self._pending.append(data)
            total += len(data)
        return b"".join(self._pending)[:size]

    def skip(self, count: int) -> None:
        """Drops ``count`` bytes from the start of what is pending (a BOM)."""
        joined = b"".join(self._pending)[count:]
        self._pending = [joined] if joined else []

    def next(self) -> bytes | None:
        """The next raw piece; None at the end."""
        if self._pending:
            return self._pending.pop(0)
        return self._pull()


class DecodedStream:
    """Valid UTF-8 pieces of a text file in ``encoding`` (BOM already known)."""

    def __init__(self, raw: RawChunks, encoding: str, *, bom: bool, evidence: str) -> None:
        self.raw = raw
        self.encoding = encoding
        self.bom = bom
        self.evidence = evidence
        self.replaced = 0
        self.nul_removed = 0
        self._tail = b""
        self._finished = False
        self._ahead: list[bytes] = []
        self._wide: codecs.IncrementalDecoder | None = None
        if bom:
            raw.skip(_BOM_LENGTH[encoding])
        if encoding.startswith(("utf-16", "utf-32")):
            self._wide = codecs.getincrementaldecoder(encoding)(errors="replace")
            self._genuine = "\ufffd".encode(encoding)

    @property
    def bytes_read(self) -> int:
        return self.raw.bytes_read

    def _decode(self, raw: bytes, final: bool) -> bytes:
        if self._wide is not None:
            text = self._wide.decode(raw, final)
            self.replaced += text.count("\ufffd") - raw.count(self._genuine)
            data = text.encode("utf-8")
        elif self.encoding == "cp1252":
            text = raw.decode("cp1252", errors="replace")
            self.replaced += text.count("\ufffd") - raw.count(_REPLACEMENT_UTF8)
            data = text.encode("utf-8")
        else:
            joined = self._tail + raw
            if final:
                data, self._tail = joined, b""
            else:
                data, self._tail = split_incomplete_utf8_tail(joined)
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("utf-8", errors="replace")
                # A genuine U+FFFD in the source is valid UTF-8; do not count it.
                self.replaced += text.count("\ufffd") - data.count(_REPLACEMENT_UTF8)
                data = text.encode("utf-8")
        if b"\x00" in data:
            self.nul_removed += data.count(b"\x00")
            data = data.replace(b"\x00", b"")
        return data

    def peek(self, size: int) -> bytes:
        """At least ``size`` decoded bytes from the current position (fewer
        at the end), without consuming them."""
        total = sum(len(p) for p in self._ahead)
        while total < size:
            piece = self._decode_next()
            if piece is None:
                break
            self._ahead.append(piece)
            total += len(piece)
        return b"".join(self._ahead)

    def read(self) -> bytes | None:
        """The next non-empty piece of UTF-8; None at the end."""
        if self._ahead:
            return self._ahead.pop(0)
        return self._decode_next()

    def _decode_next(self) -> bytes | None:
        while not self._finished:
            raw = self.raw.next()
            if raw is None:
                self._finished = True
                data = self._decode(b"", final=True)
            else:
                data = self._decode(raw, final=False)
            if data:
                return data
        return None
