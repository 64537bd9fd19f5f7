"""Column names: unique, non-empty, and not too many of them."""

from __future__ import annotations

from collections.abc import Sequence

from analysis_service.domain.errors import TooManyColumnsError
from analysis_service.domain.sources.model import RenamedColumn


def unique_names(names: Sequence[str]) -> tuple[list[str], tuple[RenamedColumn, ...]]:
    """Gives every column a distinct, non-empty name.

    An empty (or blank) name becomes ``column_<position>`` (1-based, as a
    spreadsheet counts); the second and later uses of a name become
    ``<name>_2``, ``<name>_3``... The first use keeps its name, and no new
    name takes one that appears elsewhere in the header. Returns the names
    and what was renamed, so the report can say so.
    """
    taken = {name for name in names if name.strip()}
    seen: set[str] = set()
    result: list[str] = []
    renamed: list[RenamedColumn] = []
    for position, name in enumerate(names, start=1):
        if name.strip() and name not in seen:
            seen.add(name)
            result.append(name)
            continue
        if not name.strip():
            base, suffix = f"column_{position}", 1
            candidate = base
        else:
            base, suffix = name, 2
            candidate = f"{base}_{suffix}"
        while candidate in taken or candidate in seen:
            suffix += 1
            candidate = f"{base}_{suffix}"
        seen.add(candidate)
        taken.add(candidate)
        result.append(candidate)
        renamed.append(RenamedColumn(position=position, original=name, name=candidate))
    return result, tuple(renamed)


def check_column_count(count: int, limit: int, *, exact: bool = True) -> None:
    """Refuses a table wider than ``limit`` columns before any per-column
    state exists. ``exact`` is False when counting stopped at the limit."""
    if count <= limit:
        return
    counted = f"{count:,}" if exact else f"more than {limit:,}"
    raise TooManyColumnsError(
        f"The table has {counted} columns; at most {limit:,} can be analysed, because every "
        "column keeps its own statistics in memory. Remove the columns you do not need, or "
        f"split the table into files of at most {limit:,} columns.",
        columns=count,
        limit=limit,
    )


def describe_renamed(renamed: Sequence[RenamedColumn], limit: int = 10) -> str:
    """One sentence for reports: which header names were changed."""
    parts = [
        f'column {r.position} ("{r.original}") is now "{r.name}"'
        if r.original.strip()
        else f'column {r.position} had no name and is now "{r.name}"'
        for r in renamed[:limit]
    ]
    more = f" and {len(renamed) - limit:,} more" if len(renamed) > limit else ""
    return "Header names were empty or repeated: " + "; ".join(parts) + more
