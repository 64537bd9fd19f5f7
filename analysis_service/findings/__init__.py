"""The shared findings vocabulary of every agent and of the report.

``model`` (typed, frozen items and their severities), ``ids`` (id sequences
per agent), ``issue_types`` (the one table of issue types), ``scoring``
(weights, statuses, grade), ``rows`` (bounded, fair row-level evidence) and
``jsonsafe`` (the one JSON sanitiser).
"""

from analysis_service.findings.ids import IdSequence
from analysis_service.findings.issue_types import ISSUE_TYPES, IssueType, issue_type
from analysis_service.findings.jsonsafe import json_bytes, json_number, jsonable
from analysis_service.findings.model import (
    Alert,
    Card,
    CardStatus,
    Issue,
    Priority,
    Recommendation,
    RowIssue,
    RowSeverity,
    Severity,
)
from analysis_service.findings.rows import (
    MAX_ROW_LEVEL_ISSUES,
    RowEvidence,
    RowIssueSummary,
    collect_row_issues,
    fair_quotas,
    merge_summaries,
)
from analysis_service.findings.scoring import (
    StatusBands,
    grade,
    normalise_weights,
    weighted_score,
)

__all__ = [
    "ISSUE_TYPES",
    "MAX_ROW_LEVEL_ISSUES",
    "Alert",
    "Card",
    "CardStatus",
    "IdSequence",
    "Issue",
    "IssueType",
    "Priority",
    "Recommendation",
    "RowEvidence",
    "RowIssue",
    "RowIssueSummary",
    "RowSeverity",
    "Severity",
    "StatusBands",
    "collect_row_issues",
    "fair_quotas",
    "grade",
    "issue_type",
    "json_bytes",
    "json_number",
    "jsonable",
    "merge_summaries",
    "normalise_weights",
    "weighted_score",
]
