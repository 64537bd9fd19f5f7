"""What can go wrong in the object store, in the service's own terms.

The S3 adapter raises these; the servicer turns them into
:class:`dqcommon.errors.ServiceError` (see ``storage_service.servicer``).
They never carry the store's response text to clients.
"""

from __future__ import annotations


class StoreError(Exception):
    """The store failed in a way a caller cannot act on (a bug or an
    unexpected answer). Reported as INTERNAL."""


class StorageUnavailableError(StoreError):
    """The store cannot be reached, times out, is overloaded, or refuses our
    credentials or bucket. Reported as UNAVAILABLE (retry later)."""


class ObjectNotFoundError(StoreError):
    """No object has this key."""


class ObjectChangedError(StoreError):
    """The object no longer has the entity tag the caller asked for."""


class RangeNotSatisfiableError(StoreError):
    """A read starts beyond the end of the object."""

    def __init__(self, offset: int, size: int) -> None:
        super().__init__(f"offset {offset} is beyond the object size {size}")
        self.offset = offset
        self.size = size


class InvalidPageTokenError(StoreError):
    """A list page token is malformed or belongs to another listing."""


class UploadNotFoundError(StoreError):
    """No multipart upload has this id (it was completed or aborted)."""


class UploadIncompleteError(StoreError):
    """A multipart upload cannot be completed from the parts given."""
