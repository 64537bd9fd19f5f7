"""The facts the rules and the result tree read: per target column before
and after (pre from the statistics pass, post from the plan's mapping of
the recorded spellings and from the writing pass's report), and the
dataset's totals.

Before / after, per column: distinct values (exact up to EXACT_DISTINCT,
then HyperLogLog: ``unique_exact`` says which), non-null values, case
variations (keys with more than one spelling once whitespace is
normalised; counted over the recorded spellings, a lower bound when the
column is saturated) and whitespace issues (values with leading, trailing
or irregular inner whitespace; exact).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import numpy as np
import pyarrow as pa

from analysis_service.cleaning.agents.field_standardization.columnar import (
    final_values,
    whitespace_issue,
)
from analysis_service.cleaning.agents.field_standardization.logic import ws_normal
from analysis_service.cleaning.agents.field_standardization.passes import (
    ColumnReport,
    ColumnStats,
)
from analysis_service.cleaning.agents.field_standardization.rules import LISTED_CLUSTERS
from analysis_service.cleaning.agents.field_standardization.steps import ColumnSteps
from analysis_service.cleaning.output import percent


def case_variations(spellings: Iterable[str]) -> int:
    """Keys (fingerprints) with more than one whitespace-normalised spelling."""
    norms = list(spellings)
    if not norms:
        return 0
    issue = whitespace_issue(pa.array(norms, type=pa.large_string()))
    for k in np.flatnonzero(issue).tolist():
        norms[k] = ws_normal(norms[k])
    keys = list(map(str.casefold, norms))
    pairs = set(zip(keys, norms, strict=True))
    if len(pairs) == len(set(keys)):
        return 0  # one spelling per key
    per_key = Counter(map(itemgetter(0), pairs))
    return sum(1 for n in per_key.values() if n > 1)


@dataclass(frozen=True)
class Side:
    """A column before or after standardisation (§6.9 column_analysis)."""

    total_unique_values: int
    total_non_null_values: int
    case_variations: int
    whitespace_issues: int
    unique_exact: bool = True
    case_variations_exact: bool = True

    @property
    def variations(self) -> int:
        return self.case_variations + self.whitespace_issues

    @property
    def variation_score(self) -> float:
        return percent(self.total_unique_values, self.total_non_null_values, empty=0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "total_unique_values": self.total_unique_values,
            "total_non_null_values": self.total_non_null_values,
            "variation_score": self.variation_score,
            "case_variations": self.case_variations,
            "whitespace_issues": self.whitespace_issues,
            "needs_standardization": self.variations > 0,
            "unique_values_exact": self.unique_exact,
            "case_variations_exact": self.case_variations_exact,
        }


@dataclass(frozen=True)
class ColumnFacts:
    name: str
    pre: Side
    post: Side
    changed: int
    notes: Mapping[str, int]
    steps: ColumnSteps
    date_column: bool
    date_evidence: Mapping[str, int]
    saturated: bool
    rule_cells: Mapping[str, int] = field(default_factory=dict)
    clusters: Mapping[str, str] = field(default_factory=dict)
    #: keys left apart: their spellings look like case-sensitive codes
    kept_apart: int = 0

    @property
    def unique_values_reduced(self) -> int:
        return max(self.pre.total_unique_values - self.post.total_unique_values, 0)

    @property
    def case_variations_fixed(self) -> int:
        return max(self.pre.case_variations - self.post.case_variations, 0)

    @property
    def whitespace_issues_fixed(self) -> int:
        return max(self.pre.whitespace_issues - self.post.whitespace_issues, 0)

    @property
    def improvement_percentage(self) -> float:
        fixed = max(self.pre.variations - self.post.variations, 0)
        return percent(fixed, self.pre.variations)

    @property
    def variation_pct(self) -> float:
        """Case variations + whitespace issues before, in % of the values."""
        return percent(self.pre.variations, self.pre.total_non_null_values, empty=0.0)

    def note(self, kind: str) -> int:
        return int(self.notes.get(kind, 0))


def column_facts(
    name: str,
    stats: ColumnStats,
    steps: ColumnSteps,
    report: ColumnReport,
    rule_cells: Mapping[str, int],
) -> ColumnFacts:
    recorded = list(stats.spellings.counts)
    finals = final_values(steps, recorded)
    saturated = stats.spellings.saturated
    before, after = stats.distinct.estimate(), report.distinct.estimate()
    pre = Side(
        before.value,
        stats.non_null,
        case_variations(recorded),
        stats.whitespace_issues,
        before.exact,
        not saturated,
    )
    post = Side(
        after.value,
        stats.non_null,  # no cell becomes null
        case_variations(finals),
        report.whitespace_issues,
        after.exact,
        not saturated,
    )
    clusters = dict(list(steps.case_map.items())[:LISTED_CLUSTERS])
    ev = stats.dates
    return ColumnFacts(
        name=name,
        pre=pre,
        post=post,
        changed=report.changed,
        notes=dict(report.notes),
        steps=steps,
        date_column=steps.dates,
        date_evidence={
            "date_values": ev.dates,
            "non_null_values": ev.non_null,
            "day_first_values": ev.day_first,
            "month_first_values": ev.month_first,
        },
        saturated=saturated,
        rule_cells=dict(rule_cells),
        clusters=clusters,
        kept_apart=stats.spellings.kept_apart,
    )


@dataclass(frozen=True)
class DatasetFacts:
    rows_in: int
    rows_out: int
    columns_in: int
    columns_out: int
    fields: tuple[ColumnFacts, ...]
    overall_score: float
    status: str
    apply_synonyms: bool
    synonyms_configured: bool

    @property
    def variations_before(self) -> int:
        return sum(f.pre.variations for f in self.fields)

    @property
    def variations_after(self) -> int:
        return sum(f.post.variations for f in self.fields)

    @property
    def variations_reduced(self) -> int:
        return max(self.variations_before - self.variations_after, 0)

    @property
    def effectiveness(self) -> float:
        return percent(self.variations_reduced, self.variations_before)

    @property
    def values_changed(self) -> int:
        return sum(f.changed for f in self.fields)

    @property
    def columns_standardized(self) -> int:
        return sum(1 for f in self.fields if f.changed)
