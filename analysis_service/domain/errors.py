"""Exceptions of the profiling domain.

They carry messages written for the person who uploaded the file: the
pipeline maps every :class:`InputError` to INVALID_ARGUMENT / a failed task
with the error's ``code`` (an ``ErrorReason`` name) and shows ``str(error)``
as is, and :class:`AnalysisCancelled` to CANCELLED.
"""

from __future__ import annotations


class AnalysisError(Exception):
    """Base class of the errors the profiling domain raises on purpose."""


class InputError(AnalysisError):
    """An input file cannot be read as a table we can profile faithfully.

    ``code`` is the error code recorded on the failed task (documented in
    ``error_reason.proto``). ``row`` is the 1-based row of the file (the
    header is row 1; for JSON the line) when the problem is tied to one
    place, so a client can point at it. ``slot`` is filled in by the reader
    factory with the input's slot (``primary``, ``baseline``).
    """

    def __init__(self, message: str, *, code: str, row: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.row = row
        self.slot: str | None = None


class InvalidCsvError(InputError):
    """Text that is not a CSV table we can read (ragged rows, unclosed quotes)."""

    def __init__(self, message: str, *, row: int | None = None) -> None:
        super().__init__(message, code="INVALID_CSV", row=row)


class InvalidFileFormatError(InputError):
    """The content is not a format we read (an image, an archive, binary
    data), or not one the slot accepts; the message names what it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="INVALID_FILE_FORMAT")


class EmptyFileError(InputError):
    """Nothing to read: no bytes, only blank lines, an empty sheet or array."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="EMPTY_FILE")


class TooManyColumnsError(InputError):
    """More columns than the configured limit (memory is per column)."""

    def __init__(self, message: str, *, columns: int, limit: int) -> None:
        super().__init__(message, code="TOO_MANY_COLUMNS")
        self.columns = columns
        self.limit = limit


class RecordTooLargeError(InputError):
    """One line, row or JSON record is larger than the reader accepts."""

    def __init__(self, message: str, *, row: int | None = None) -> None:
        super().__init__(message, code="RECORD_TOO_LARGE", row=row)


class InvalidJsonError(InputError):
    """Malformed JSON, or JSON that is not an array of objects / JSON Lines."""

    def __init__(self, message: str, *, row: int | None = None) -> None:
        super().__init__(message, code="INVALID_JSON", row=row)


class NestingTooDeepError(InputError):
    """A JSON record nests objects or arrays deeper than the limit."""

    def __init__(self, message: str, *, row: int | None = None) -> None:
        super().__init__(message, code="NESTING_TOO_DEEP", row=row)


class InvalidWorkbookError(InputError):
    """An Excel workbook that is damaged, encrypted or has no usable sheet."""

    def __init__(self, message: str, *, row: int | None = None) -> None:
        super().__init__(message, code="INVALID_XLSX", row=row)


class SheetNotFoundError(InputError):
    """The ``sheet`` option names no worksheet of the workbook."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="SHEET_NOT_FOUND")


class DecompressionLimitError(InputError):
    """A compressed file (xlsx) would expand beyond the limits (a zip bomb)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="DECOMPRESSION_LIMIT_EXCEEDED")


class FileTooLargeError(InputError):
    """The file is larger than the reader may spool to local disk."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="FILE_TOO_LARGE")


class AnalysisCancelled(AnalysisError):
    """The caller's ``cancel()`` hook asked the pass to stop."""

    def __init__(self, message: str = "The analysis was cancelled") -> None:
        super().__init__(message)
