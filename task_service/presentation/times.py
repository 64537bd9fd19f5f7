"""The timestamp formats of the REST contract (frontend-contract.md §0.3).

* Task times read from the database: UTC, whole seconds, no offset
  (``2025-12-20T10:00:00``), as the frontend has always received them.
* ``expires_at`` of upload and download URLs: RFC 3339 with ``Z`` (printed
  by the gateway from google.protobuf.Timestamp).
* ``/report``: its ``timestamp`` with ``Z`` (``2025-12-20T10:00:00.123456Z``);
  the times inside ``report.downloads`` with ``+00:00``.
"""

from __future__ import annotations

from datetime import UTC, datetime


def db_time(value: datetime) -> str:
    """``2025-12-20T10:00:00`` (UTC, whole seconds, no offset)."""
    return _utc(value).strftime("%Y-%m-%dT%H:%M:%S")


def z_time(value: datetime) -> str:
    """``2025-12-20T10:00:00.123456Z``."""
    return _utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def offset_time(value: datetime) -> str:
    """``2025-12-20T10:00:00.123456+00:00``."""
    return _utc(value).isoformat(timespec="microseconds")


def normalise_z(text: str) -> str:
    """An ISO 8601 time from a stored report, in the ``Z`` form; text that
    does not parse is returned unchanged."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    return z_time(parsed)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
