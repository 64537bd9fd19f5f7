"""Regular expressions of format tests: one engine for validation and use.

Format tests run on Google's RE2 (``google-re2``): matching is linear in the
length of the input, so a pattern such as ``(a+)+$`` cannot backtrack
catastrophically on a long value. RE2 refuses what it cannot run in linear
time (look-arounds, back-references); such a pattern is an invalid
parameter, refused at task creation with the engine's reason, the same
engine the analysis uses, so a pattern accepted at creation always runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # errors are returned to the caller, not logged


class PatternError(ValueError):
    """A pattern RE2 cannot compile (the message is the engine's reason)."""


def compile_pattern(pattern: str) -> Any:
    """The compiled RE2 pattern, or :class:`PatternError`. A ``\\Q`` quote
    left open is refused: it would swallow the anchors the analysis wraps
    the pattern in (``^(?:pattern)$``)."""
    if _open_quote(pattern):
        raise PatternError("\\Q quote without its closing \\E")
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(str(reason)) from None


def _open_quote(pattern: str) -> bool:
    i, quoted = 0, False
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            mark = pattern[i + 1]
            if not quoted and mark == "Q":
                quoted = True
            elif quoted and mark == "E":
                quoted = False
            i += 2
            continue
        i += 1
    return quoted


def pattern_of(spec: Any) -> tuple[str, str] | None:
    """(pattern, description) of one format test: a regex string, or an
    object ``{"pattern": regex, "description": text}``; None if neither."""
    if isinstance(spec, str):
        return spec, ""
    if isinstance(spec, Mapping) and isinstance(spec.get("pattern"), str):
        description = spec.get("description")
        return spec["pattern"], description if isinstance(description, str) else ""
    return None


def format_test_problems(tests: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(column, problem) for every format test that cannot run."""
    problems = []
    for column, spec in tests.items():
        parsed = pattern_of(spec)
        if parsed is None:
            problems.append((column, 'must be a regex string or {"pattern": regex}'))
            continue
        try:
            compile_pattern(parsed[0])
        except PatternError as exc:
            problems.append((column, f"invalid regular expression: {exc}"))
    return problems


def range_test_problems(tests: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(column, problem) for every range test that is not {min?, max?} numbers."""
    problems = []
    for column, spec in tests.items():
        if not isinstance(spec, Mapping) or set(spec) - {"min", "max"}:
            problems.append((column, 'must be an object {"min": number, "max": number}'))
            continue
        bounds = [spec.get(k) for k in ("min", "max")]
        if any(
            b is not None and (isinstance(b, bool) or not isinstance(b, int | float))
            for b in bounds
        ):
            problems.append((column, "min and max must be numbers (or omitted)"))
        elif bounds[0] is not None and bounds[1] is not None and bounds[0] > bounds[1]:
            problems.append((column, "min must not exceed max"))
    return problems


#: The column types quarantine-agent's ``expected_schema`` knows.
SCHEMA_TYPES = ("integer", "float", "numeric", "boolean", "datetime", "string")


def schema_problems(schema: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(column, problem) for every expected type that is not one of SCHEMA_TYPES."""
    return [
        (column, f"must be one of {', '.join(SCHEMA_TYPES)}")
        for column, kind in schema.items()
        if kind not in SCHEMA_TYPES
    ]
