"""Exceptions of the profiling domain.

They carry messages written for the person who uploaded the file: the
servicer maps :class:`InvalidCsvError` to INVALID_ARGUMENT / a failed task and
shows ``str(error)`` as is, and :class:`AnalysisCancelled` to CANCELLED.
"""

from __future__ import annotations


class AnalysisError(Exception):
    """Base class of the errors the profiling domain raises on purpose."""


class InvalidCsvError(AnalysisError):
    """The input is not a CSV file we can profile faithfully.

    ``row`` is the 1-based row of the file (the header is row 1) when the
    problem is tied to one row, so a client can point at it.
    """

    def __init__(self, message: str, *, row: int | None = None) -> None:
        super().__init__(message)
        self.row = row


class AnalysisCancelled(AnalysisError):
    """The caller's ``cancel()`` hook asked the pass to stop."""

    def __init__(self, message: str = "The analysis was cancelled") -> None:
        super().__init__(message)
