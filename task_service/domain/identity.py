"""Who is calling, and where their files live.

The gateway verifies the caller's Bearer token and passes its subject (the
``sub`` claim: the existing auth service puts the user's e-mail there) as
request metadata. The subject is the owner of a task; it is never put into
an object key as it is (an e-mail would bring ``@``, and other identity
providers' subjects may hold ``/`` or ``|``): keys use a fixed-length hash
of it instead, which is safe in any key or URL, stable for the same
subject, and keeps e-mail addresses out of presigned URLs and bucket logs.
"""

from __future__ import annotations

import hashlib
import re

from task_service.domain import errors

#: Longest subject accepted (an e-mail address has at most 254 characters).
MAX_SUBJECT_LENGTH = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_user_id(user_id: str | None) -> str:
    """The caller's verified subject, or AUTHENTICATION_REQUIRED."""
    if not user_id:
        raise errors.authentication_required(
            "Missing user identity: calls need the x-user-id metadata that the gateway sets "
            "from a verified Bearer token."
        )
    if len(user_id) > MAX_SUBJECT_LENGTH or _CONTROL.search(user_id) or user_id != user_id.strip():
        raise errors.authentication_required(
            f"Invalid user identity in x-user-id: at most {MAX_SUBJECT_LENGTH} printable "
            "characters without surrounding spaces."
        )
    return user_id


def storage_user_segment(user_id: str) -> str:
    """The ``users/{segment}/`` part of the caller's object keys: ``u-`` and
    the first 32 hex digits (128 bits) of the SHA-256 of the subject."""
    return "u-" + hashlib.sha256(user_id.encode("utf-8")).hexdigest()[:32]
