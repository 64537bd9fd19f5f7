"""field-standardization's alerts, issues and recommendations as tables
(upstream's ids first, then ours); cut-offs from :mod:`.rules` or the
parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from analysis_service.agents.rules import AlertRule, IssueRule, RecommendationRule, Scope
from analysis_service.cleaning.agents.field_standardization.facts import ColumnFacts, DatasetFacts
from analysis_service.cleaning.agents.field_standardization.params import StandardizationParams
from analysis_service.cleaning.agents.field_standardization.rules import (
    HIGH_VARIATION_PCT,
    RULE_SYNONYM,
    RULE_UNIT,
)
from analysis_service.findings import Priority, Severity

F: TypeAlias = ColumnFacts
D: TypeAlias = DatasetFacts
P: TypeAlias = StandardizationParams
S: TypeAlias = Scope[ColumnFacts, DatasetFacts, StandardizationParams]


def high_variation(f: F, p: P) -> bool:
    return f.pre.variations > 0 and f.variation_pct >= HIGH_VARIATION_PCT


def left_dates(f: F) -> int:
    return f.note("invalid_date") + f.note("not_a_date")


def idle_mappings(f: F, p: P) -> bool:
    """Mappings configured for the column that matched no value."""
    syn = bool(f.steps.synonyms) and not f.rule_cells.get(RULE_SYNONYM)
    units = bool(f.steps.units) and not f.rule_cells.get(RULE_UNIT)
    return syn or (units and 0 < f.pre.total_non_null_values == f.note("unit_unmatched"))


def _total(what: Callable[[F], int]) -> Callable[[S], dict[str, int]]:
    return lambda s: {"total": sum(what(f) for f in s.fields)}


ALERTS: tuple[AlertRule[F, D, P], ...] = (
    AlertRule(
        "high_variations",
        selects=high_variation,
        category="consistency",
        severity=lambda s: (
            Severity.HIGH
            if any(f.variation_pct >= 2 * HIGH_VARIATION_PCT for f in s.fields)
            else Severity.MEDIUM
        ),
        message=f"{{n}} column(s) had case or whitespace variations amounting to at least "
        f"{HIGH_VARIATION_PCT:g}% of their values: {{names}}",
        recommendation="Fix the spellings where the data is entered; every change is listed "
        "in the row-level issues",
    ),
    AlertRule(
        "column_quality",
        selects=lambda f, p: f.pre.variations > 0 and f.improvement_percentage < p.good_threshold,
        category="consistency",
        severity=Severity.MEDIUM,
        message="{n} column(s) lost less than {params.good_threshold}% of their variations: "
        "{names}",
        recommendation="Check case_strategy, trim_whitespace and normalize_internal_spacing "
        "for these columns",
    ),
    AlertRule(
        "low_improvement",
        holds=lambda d, p: d.variations_before > 0 and d.effectiveness < p.good_threshold,
        category="effectiveness",
        severity=Severity.MEDIUM,
        message="Standardization removed {dataset.effectiveness:.1f}% of the "
        "{dataset.variations_before} variations (good from {params.good_threshold}%)",
        recommendation="Enable the steps the remaining variations need",
    ),
    AlertRule(
        "quality",
        holds=lambda d, p: d.overall_score < p.good_threshold,
        category="data_quality",
        severity=Severity.MEDIUM,
        message="Standardization score {dataset.overall_score:.1f} is below "
        "{params.good_threshold} ({dataset.status})",
        recommendation="Review the remaining variations and the values left as they are",
    ),
    AlertRule(
        "remaining_variations",
        selects=lambda f, p: f.post.variations > 0,
        category="consistency",
        severity=Severity.LOW,
        values=_total(lambda f: f.post.variations),
        message="{n} column(s) still have {total} case variation(s) or whitespace issue(s): "
        "{names}",
        recommendation="See the recommendations on case and whitespace",
    ),
    AlertRule(
        "low_transformation",
        selects=idle_mappings,
        category="configuration",
        severity=Severity.LOW,
        message="The synonym or unit mappings of {n} column(s) matched no value: {names}",
        recommendation="Check the variants and units against the values in the file",
    ),
    AlertRule(
        "no_synonyms",
        holds=lambda d, p: p.apply_synonyms and not d.synonyms_configured,
        category="configuration",
        severity=Severity.LOW,
        message="apply_synonyms is on but synonym_mappings names no standardised column",
        recommendation="Add synonym_mappings for values spelled differently (USA, U.S.)",
        dataset_wide=False,
    ),
    AlertRule(
        "ambiguous_dates",
        selects=lambda f, p: f.note("ambiguous_date") > 0,
        category="dates",
        severity=Severity.MEDIUM,
        values=_total(lambda f: f.note("ambiguous_date")),
        message="{total} date(s) in {n} column(s) could be day/month or month/day under "
        "date_convention {params.date_convention} and were left as they are: {names}",
        recommendation="Set date_convention to dmy or mdy once the source's order is known",
    ),
    AlertRule(
        "values_left",
        selects=lambda f, p: left_dates(f) + f.note("unit_unmatched") > 0,
        category="format",
        severity=Severity.LOW,
        values=_total(lambda f: left_dates(f) + f.note("unit_unmatched")),
        message="{total} value(s) in {n} column(s) are not valid dates or not '<number> <unit>' "
        "with a unit of unit_mappings and were left as they are: {names}",
        recommendation="See the format_violation row-level issues",
    ),
    AlertRule(
        "saturated",
        selects=lambda f, p: f.saturated,
        category="capacity",
        severity=Severity.LOW,
        message="{n} column(s) have more distinct spellings than are counted; spellings "
        "first seen past the cap were not unified: {names}",
        recommendation="Standardise such high-cardinality columns at the source",
    ),
)

ISSUES: tuple[IssueRule[F, P], ...] = (
    IssueRule(
        "field_standardized",
        lambda f, p: f.changed > 0,
        Severity.LOW,
        "{f.changed} value(s) standardised in '{column}'",
        extras=lambda f, p: {"values_changed": f.changed, "rules": dict(f.rule_cells)},
    ),
    IssueRule(
        "high_variation",
        high_variation,
        Severity.MEDIUM,
        "'{column}' had {f.pre.variations} case or whitespace variation(s) over "
        "{f.pre.total_non_null_values} values ({f.variation_pct:.1f}%)",
        extras=lambda f, p: {"variation_percentage": f.variation_pct},
    ),
    IssueRule(
        "case_variations_remaining",
        lambda f, p: f.post.case_variations > 0,
        Severity.MEDIUM,
        "'{column}' still has {f.post.case_variations} value(s) spelled in several cases "
        "(case_strategy {params.case_strategy})",
    ),
    IssueRule(
        "whitespace_remaining",
        lambda f, p: f.post.whitespace_issues > 0,
        Severity.LOW,
        "'{column}' still has {f.post.whitespace_issues} value(s) with extra whitespace",
    ),
    IssueRule(
        "ambiguous_date",
        lambda f, p: f.note("ambiguous_date") > 0,
        Severity.MEDIUM,
        "'{column}' has dates whose day/month order cannot be decided; left as they are",
        extras=lambda f, p: {"count": f.note("ambiguous_date")},
    ),
    IssueRule(
        "format_violation",
        lambda f, p: left_dates(f) + f.note("unit_unmatched") > 0,
        Severity.LOW,
        "'{column}' has values that are not valid dates or not '<number> <unit>' with a "
        "unit of unit_mappings; left as they are",
        extras=lambda f, p: {
            "invalid_dates": f.note("invalid_date"),
            "not_dates": f.note("not_a_date"),
            "unit_unmatched": f.note("unit_unmatched"),
        },
    ),
    IssueRule(
        "standardization_saturated",
        lambda f, p: f.saturated,
        Severity.LOW,
        "'{column}' has more distinct spellings than are counted; later ones were not unified",
    ),
)

RECOMMENDATIONS: tuple[RecommendationRule[F, D, P], ...] = (
    RecommendationRule(
        "validation",
        holds=lambda d, p: d.values_changed > 0,
        priority=Priority.MEDIUM,
        text="Validate values where they are entered so that the {dataset.values_changed} "
        "standardised value(s) arrive standard next time",
        timeline="2-3 weeks",
        effort_hours=8,
        owner="data engineering",
    ),
    RecommendationRule(
        "monitoring",
        holds=lambda d, p: d.values_changed > 0,
        priority=Priority.LOW,
        text="Watch the share of values needing standardisation from run to run",
        timeline="ongoing",
        effort_hours=2,
        owner="data quality",
    ),
    RecommendationRule(
        "automation",
        holds=lambda d, p: d.values_changed > 0,
        priority=Priority.LOW,
        text="Run field-standardization with these parameters on every new delivery",
        timeline="1 month",
        effort_hours=4,
        owner="data engineering",
    ),
    RecommendationRule(
        "documentation",
        holds=lambda d, p: any(f.clusters for f in d.fields),
        priority=Priority.LOW,
        text="Record the unified spellings (spelling_clusters) as the columns' standard values",
        timeline="1 week",
        effort_hours=2,
        owner="data steward",
    ),
    RecommendationRule(
        "synonyms",
        holds=lambda d, p: d.variations_before > 0 and not d.synonyms_configured,
        priority=Priority.LOW,
        text="Add synonym_mappings for values that differ by more than case or spacing "
        "(abbreviations, old names)",
        timeline="1-2 weeks",
        effort_hours=4,
        owner="data steward",
    ),
    RecommendationRule(
        "case",
        selects=lambda f, p: f.post.case_variations > 0,
        priority=Priority.MEDIUM,
        text="Unify the remaining case variations of {names}: case_strategy is "
        "{params.case_strategy}; most_frequent keeps each value's most frequent spelling",
        timeline="1 week",
        effort_hours=1,
        owner="data steward",
    ),
    RecommendationRule(
        "whitespace",
        selects=lambda f, p: f.post.whitespace_issues > 0,
        priority=Priority.LOW,
        text="Remove the remaining extra whitespace of {names} (trim_whitespace "
        "{params.trim_whitespace}, normalize_internal_spacing {params.normalize_internal_spacing})",
        timeline="1 week",
        effort_hours=1,
        owner="data steward",
    ),
    RecommendationRule(
        "synonym_dev",
        selects=idle_mappings,
        priority=Priority.MEDIUM,
        text="The mappings of {names} matched no value: check their variants and units",
        timeline="1 week",
        effort_hours=1,
        owner="data steward",
    ),
    RecommendationRule(
        "training",
        selects=high_variation,
        priority=Priority.LOW,
        text="Show the people entering {names} the standard spellings",
        timeline="1 month",
        effort_hours=4,
        owner="data owner",
    ),
)


@dataclass(frozen=True)
class ColumnAction:
    """One row of ``standardization_analysis.recommendations`` and of the
    per-column ``rec_standardization_<column>``."""

    action: str
    when: Callable[[F, P], bool]
    reason: str
    priority: Priority


COLUMN_ACTIONS: tuple[ColumnAction, ...] = (
    ColumnAction(
        "decide_date_order",
        lambda f, p: f.note("ambiguous_date") > 0,
        "{n_ambiguous} date(s) could be day/month or month/day; set date_convention to dmy "
        "or mdy (now {params.date_convention})",
        Priority.HIGH,
    ),
    ColumnAction(
        "review_dates",
        lambda f, p: left_dates(f) > 0,
        "{n_dates} value(s) of this date column are not valid dates",
        Priority.MEDIUM,
    ),
    ColumnAction(
        "extend_unit_mappings",
        lambda f, p: f.note("unit_unmatched") > 0,
        "{n_units} value(s) are not '<number> <unit>' with a unit of unit_mappings",
        Priority.MEDIUM,
    ),
    ColumnAction(
        "unify_case",
        lambda f, p: f.post.case_variations > 0,
        "{f.post.case_variations} value(s) are still spelled in several cases",
        Priority.MEDIUM,
    ),
    ColumnAction(
        "remove_whitespace",
        lambda f, p: f.post.whitespace_issues > 0,
        "{f.post.whitespace_issues} value(s) still have extra whitespace",
        Priority.LOW,
    ),
    ColumnAction(
        "standardize_at_source",
        lambda f, p: f.saturated,
        "more distinct spellings than are counted; later spellings were not unified",
        Priority.LOW,
    ),
)


def column_actions(fields: tuple[F, ...], params: P) -> list[dict[str, str]]:
    out = []
    for f in fields:
        for a in COLUMN_ACTIONS:
            if a.when(f, params):
                reason = a.reason.format(
                    f=f,
                    params=params,
                    n_ambiguous=f.note("ambiguous_date"),
                    n_dates=left_dates(f),
                    n_units=f.note("unit_unmatched"),
                )
                out.append(
                    {
                        "column": f.name,
                        "action": a.action,
                        "reason": reason,
                        "priority": a.priority.value,
                    }
                )
    return out
