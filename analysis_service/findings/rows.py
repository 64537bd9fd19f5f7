"""Row-level evidence: a fair, bounded list and its summary.

An agent finds evidence of several kinds in several columns (nulls of one
column, outliers of another ...); each kind is a :class:`RowEvidence` with
the number of cells found in the whole file and the first examples by row.
:func:`collect_row_issues` lists at most ``budget`` of them, shared fairly
between the sources (one that has fewer than its share passes the rest on),
so one noisy column cannot hide the others; the summary counts everything
found, not only what is listed. The report shares its own budget between
agents with the same :func:`fair_quotas`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from analysis_service.findings.model import RowIssue, RowSeverity

#: Most row-level issues an agent lists, and most the report lists in total.
MAX_ROW_LEVEL_ISSUES = 1000


@dataclass(frozen=True)
class RowEvidence:
    """``total`` cells of one kind found in the whole input (``exact`` or an
    estimate); ``items`` the listed examples, in row order."""

    issue_type: str
    severity: RowSeverity
    total: int
    items: Sequence[RowIssue]
    exact: bool = True


@dataclass(frozen=True)
class RowIssueSummary:
    """The ``issue_summary`` of an agent or of the whole report.

    ``by_severity`` is *dynamic* (only severities that occur) unless
    ``seeded`` (always critical, warning and info, as the tool-level summary
    of the contract). ``affected_rows`` / ``affected_columns`` are those of
    the listed issues (``affected_columns`` sorted, "global"/"all" left out).
    """

    total_issues: int = 0
    listed_issues: int = 0
    by_type: Mapping[str, int] = field(default_factory=dict, hash=False)
    by_severity: Mapping[str, int] = field(default_factory=dict, hash=False)
    affected_rows: int = 0
    affected_columns: tuple[str, ...] = ()
    exact: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_type", MappingProxyType(dict(self.by_type)))
        object.__setattr__(self, "by_severity", MappingProxyType(dict(self.by_severity)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "total_issues": self.total_issues,
            "by_type": dict(self.by_type),
            "by_severity": dict(self.by_severity),
            "affected_rows": self.affected_rows,
            "affected_columns": list(self.affected_columns),
            "listed_issues": self.listed_issues,
            "truncated": self.total_issues > self.listed_issues,
            "totals_exact": self.exact,
        }


def fair_quotas(sizes: Sequence[int], budget: int) -> list[int]:
    """How many items to take from each source: at most ``budget`` in all,
    equal shares, a source with fewer items than its share passing the rest
    on (water-filling). Earlier sources get the remainder of an uneven split."""
    quotas = [0] * len(sizes)
    remaining = budget
    open_sources = [i for i, size in enumerate(sizes) if size > 0]
    while open_sources and remaining > 0:
        share = max(remaining // len(open_sources), 1)
        still_open = []
        for i in open_sources:
            if remaining <= 0:
                break
            take = min(share, sizes[i] - quotas[i], remaining)
            quotas[i] += take
            remaining -= take
            if quotas[i] < sizes[i]:
                still_open.append(i)
        open_sources = still_open
    return quotas


def _affected(listed: Iterable[RowIssue]) -> tuple[int, tuple[str, ...]]:
    items = list(listed)
    rows = len({item.row_index for item in items})
    columns = sorted({item.column for item in items if item.column not in ("global", "all")})
    return rows, tuple(columns)


def collect_row_issues(
    evidence: Sequence[RowEvidence], budget: int = MAX_ROW_LEVEL_ISSUES, *, seeded: bool = False
) -> tuple[tuple[RowIssue, ...], RowIssueSummary]:
    """At most ``budget`` issues, shared fairly between the evidence
    sources and sorted by (row, column), with the summary of everything."""
    quotas = fair_quotas([len(e.items) for e in evidence], budget)
    listed = [item for e, quota in zip(evidence, quotas, strict=True) for item in e.items[:quota]]
    listed.sort(key=lambda item: (item.row_index, item.column))
    by_type: dict[str, int] = {}
    by_severity: dict[str, int] = {s.value: 0 for s in RowSeverity} if seeded else {}
    for e in evidence:
        if e.total <= 0:
            continue
        by_type[e.issue_type] = by_type.get(e.issue_type, 0) + e.total
        by_severity[e.severity.value] = by_severity.get(e.severity.value, 0) + e.total
    rows, columns = _affected(listed)
    summary = RowIssueSummary(
        total_issues=sum(max(e.total, 0) for e in evidence),
        listed_issues=len(listed),
        by_type=by_type,
        by_severity=by_severity,
        affected_rows=rows,
        affected_columns=columns,
        exact=all(e.exact for e in evidence),
    )
    return tuple(listed), summary


def merge_summaries(
    summaries: Sequence[RowIssueSummary], listed: Sequence[RowIssue], *, seeded: bool = True
) -> RowIssueSummary:
    """The tool-level summary: totals of every agent (counted before any
    cap), affected rows and columns of the merged ``listed`` issues."""
    by_type: dict[str, int] = {}
    by_severity: dict[str, int] = {s.value: 0 for s in RowSeverity} if seeded else {}
    for summary in summaries:
        for key, n in summary.by_type.items():
            by_type[key] = by_type.get(key, 0) + n
        for key, n in summary.by_severity.items():
            by_severity[key] = by_severity.get(key, 0) + n
    rows, columns = _affected(listed)
    return RowIssueSummary(
        total_issues=sum(s.total_issues for s in summaries),
        listed_issues=len(listed),
        by_type=by_type,
        by_severity=by_severity,
        affected_rows=rows,
        affected_columns=columns,
        exact=all(s.exact for s in summaries),
    )
