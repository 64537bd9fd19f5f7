"""Object names shared by the services."""

from __future__ import annotations


def attempt_prefix(attempt: int) -> str:
    """Prefix of every output object one processing attempt writes."""
    return f"attempt-{attempt}."


def output_object_name(attempt: int, filename: str) -> str:
    """Stored name of an output: each processing attempt writes its own
    objects, so a retry can never mix its files with an earlier attempt's;
    the task records which attempt's objects are its outputs, and the user
    downloads them under ``filename``."""
    return attempt_prefix(attempt) + filename
