"""type-fixer's alerts, issues and recommendations as rule tables (see
analysis_service/agents/rules.py), and the per-column notes. Field facts
are :class:`~.plan.ColumnPlan`; dataset facts :class:`TypeDataset`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analysis_service.agents.rules import AlertRule, IssueRule, RecommendationRule, short_list
from analysis_service.cleaning.agents.type_fixer.params import TypeFixerParams
from analysis_service.cleaning.agents.type_fixer.plan import ColumnPlan, Status
from analysis_service.cleaning.agents.type_fixer.rules import (
    CURRENT_TYPE,
    HIGH_ISSUE_COLUMN_SHARE,
    MIXED_SHARE,
    TYPE_SHARE,
)
from analysis_service.cleaning.output import percent
from analysis_service.findings import Priority, Severity


@dataclass(frozen=True)
class TypeDataset:
    total_columns: int
    issue_columns: tuple[str, ...]
    original_issues: int
    remaining_issues: int
    rows_removed: int
    score: float

    @property
    def columns_with_issues(self) -> int:
        return len(self.issue_columns)

    @property
    def issue_column_share(self) -> float:
        return percent(len(self.issue_columns), self.total_columns, empty=0.0)


Rule = AlertRule[ColumnPlan, TypeDataset, TypeFixerParams]
Rec = RecommendationRule[ColumnPlan, TypeDataset, TypeFixerParams]


def _total(attr: str) -> Any:
    return lambda scope: {"total": sum(getattr(f, attr) for f in scope.fields)}


def _failures(scope: Any) -> dict[str, Any]:
    strict = all(f.quarantines for f in scope.fields)
    return {
        "total": sum(f.mismatches for f in scope.fields),
        "fate": "their rows were moved to quarantine (strict_types)"
        if strict
        else "they are kept exactly as they were",
    }


def _gates(scope: Any) -> dict[str, Any]:
    return {"gates": ", ".join(sorted({f.gate for f in scope.fields}))}


ALERTS: tuple[Rule, ...] = (
    Rule(
        "high_mismatches",
        holds=lambda d, p: d.issue_column_share > HIGH_ISSUE_COLUMN_SHARE * 100,
        category="data_types",
        severity=Severity.HIGH,
        message="{dataset.columns_with_issues} of {dataset.total_columns} columns "
        "({dataset.issue_column_share:.1f}%) have type issues (more than {limit:g}%): {cols}",
        recommendation="Export the columns with their types or declare a schema at the source",
        values=lambda s: {
            "limit": HIGH_ISSUE_COLUMN_SHARE * 100,
            "cols": short_list(list(s.dataset.issue_columns)),
        },
        dataset_wide=False,
    ),
    Rule(
        "conversion_failures",
        selects=lambda f, p: f.converted and not f.mixed and f.mismatches > 0,
        category="data_types",
        severity=lambda s: Severity.HIGH if s.params.strict_types else Severity.MEDIUM,
        message="{total} value(s) in {n} converted column(s) do not convert to the "
        "column's type ({names}): {fate}",
        recommendation="Correct the listed values at the source",
        values=_failures,
    ),
    Rule(
        "data_integrity",
        holds=lambda d, p: d.rows_removed > 0,
        category="data_integrity",
        severity=Severity.HIGH,
        message="{dataset.rows_removed} row(s) moved to quarantine because a value could not "
        "be converted to its column's type (strict_types)",
        recommendation="Review the quarantine file; correct the values and re-run",
        dataset_wide=False,
    ),
    Rule(
        "quality",
        holds=lambda d, p: d.score < p.good_threshold,
        category="quality",
        severity=Severity.MEDIUM,
        message="Type fixing score {dataset.score:.1f} is below the good threshold "
        "{params.good_threshold}: {dataset.remaining_issues} of "
        "{dataset.original_issues} type issue(s) remain",
        recommendation="Resolve the remaining type issues listed in the row-level issues",
        dataset_wide=False,
    ),
    Rule(
        "mixed_columns",
        selects=lambda f, p: f.mixed,
        category="data_types",
        severity=Severity.MEDIUM,
        message="{n} column(s) mix types (between {low:.0%} and {high:.0%} of the values "
        "share one type): {names}",
        recommendation="Split mixed columns or correct the odd values at the source",
        values=lambda s: {"low": MIXED_SHARE, "high": TYPE_SHARE},
    ),
    Rule(
        "precision_loss",
        selects=lambda f, p: f.typed and f.imprecise > 0,
        category="precision",
        severity=Severity.LOW,
        message="{total} number(s) in {names} have more digits than a float64 reader holds "
        "exactly; their text is kept digit for digit",
        recommendation="Read these columns as decimal or text downstream",
        values=_total("imprecise"),
    ),
    Rule(
        "no_auto_conversion",
        selects=lambda f, p: f.status is Status.GATED,
        category="configuration",
        severity=Severity.LOW,
        message="{n} column(s) look typed but were not converted ({gates} off): {names}",
        recommendation="Enable {gates} to convert them",
        values=_gates,
    ),
    Rule(
        "ambiguous_dates",
        selects=lambda f, p: f.ambiguous > 0,
        category="data_types",
        severity=Severity.MEDIUM,
        message="{total} day/month date(s) in {names} can be read either way (no value "
        "decides the order): left as they are",
        recommendation="Set date_convention to dmy or mdy",
        values=_total("ambiguous"),
    ),
)

ISSUES: tuple[IssueRule[ColumnPlan, TypeFixerParams], ...] = (
    IssueRule(
        "incorrect_datatype",
        when=lambda f, p: f.typed and f.changes > 0,
        severity=Severity.MEDIUM,
        message="{column} holds {f.label} values written in other forms: "
        "{f.changes} value(s) not in the canonical {f.suggested} form",
        extras=lambda f, p: {"affected_values": f.changes},
    ),
    IssueRule(
        "conversion_failure",
        when=lambda f, p: f.typed and not f.mixed and f.mismatches > 0,
        severity=lambda f, p: Severity.HIGH if f.quarantines else Severity.MEDIUM,
        message="{f.mismatches} value(s) in {column} are not {f.label}",
        extras=lambda f, p: {"affected_values": f.mismatches},
    ),
    IssueRule(
        "type_mismatch",
        when=lambda f, p: f.mixed,
        severity=Severity.MEDIUM,
        message="{column} mixes types: {f.support} of {f.non_null} values are {f.label}",
        extras=lambda f, p: {"affected_values": f.mismatches},
    ),
    IssueRule(
        "ambiguous_date",
        when=lambda f, p: f.ambiguous > 0,
        severity=Severity.MEDIUM,
        message="{f.ambiguous} day/month date(s) in {column} can be read either way",
        extras=lambda f, p: {"affected_values": f.ambiguous},
    ),
)

RECOMMENDATIONS: tuple[Rec, ...] = (
    Rec(
        "auto_conversion",
        selects=lambda f, p: f.status is Status.GATED,
        priority=Priority.MEDIUM,
        text="Enable {gates} to convert {names}",
        timeline="immediate",
        values=_gates,
    ),
    Rec(
        "failed_conversions",
        selects=lambda f, p: f.typed and f.mismatches > 0,
        priority=Priority.HIGH,
        text="Correct the {total} value(s) of {names} that are not of the column's type "
        "(listed in the row-level issues)",
        timeline="1 week",
        values=_total("mismatches"),
    ),
    Rec(
        "mixed_handling",
        selects=lambda f, p: f.mixed,
        priority=Priority.MEDIUM,
        text="Decide one type for {names}: split the column or correct its odd values",
        timeline="1-2 weeks",
    ),
    Rec(
        "schema_enforcement",
        selects=lambda f, p: f.converted,
        priority=Priority.LOW,
        text="Declare the types of {names} in the source schema so they arrive typed",
        timeline="1 month",
    ),
    Rec(
        "documentation",
        selects=lambda f, p: f.code_like > 0 and not f.typed,
        priority=Priority.LOW,
        text="Document {names} as code column(s) (leading zeros, phone numbers) and read them as "
        "text downstream",
        timeline="1 week",
    ),
    Rec(
        "preprocessing",
        selects=lambda f, p: f.status is Status.CATEGORY,
        priority=Priority.LOW,
        text="Treat {names} as categorical (few distinct values)",
        timeline="ongoing",
    ),
)

#: The per-column recommendation (``rec_types_<column>``) for ambiguous dates.
AMBIGUOUS_REC = (
    "Set date_convention to dmy or mdy for {column}: {count} date(s) such as {example} "
    "can be read either way"
)


def notes(c: ColumnPlan) -> list[str]:
    """The column's issues and decisions, in words (type_summary.issues)."""
    out: list[str] = []
    if c.placeholders:
        out.append(f"{c.placeholders} missing-value placeholder(s) such as 'NA' left as they are")
    if c.status is Status.EMPTY:
        return out or ["no values"]
    if c.status is Status.CODE:
        out.append(
            f"{c.code_like} digit string(s) with a leading zero or a '+' (phone): "
            "a code column, kept as text"
        )
    if c.status is Status.CATEGORY:
        out.append(f"{c.distinct} distinct value(s): marked as category, values unchanged")
    if c.typed and c.mixed:
        out.append(f"mixed types: {c.support} of {c.non_null} value(s) are {c.label}")
    if c.status is Status.PRESERVED:
        out.append("left unchanged (preserve_mixed_types)")
    if c.status is Status.GATED:
        out.append(f"not converted ({c.gate} is off)")
    if c.typed and c.changes:
        verb = "rewritten" if c.converted else "to rewrite"
        out.append(f"{c.changes} value(s) {verb} as canonical {c.suggested}")
    if c.typed and c.mismatches:
        fate = "row(s) moved to quarantine" if c.quarantines else "kept as they were"
        if c.strict and c.mixed and c.converted:
            fate += " (mixed column: not quarantined)"
        out.append(f"{c.mismatches} value(s) not {c.label}: {fate}")
    if c.ambiguous:
        out.append(f"{c.ambiguous} ambiguous day/month date(s) left as they are")
    if c.contradictory_dates:
        out.append("both day-first and month-first dates in the column")
    if c.grouping_inconsistent:
        out.append("thousands separators used inconsistently: grouped values not read")
    if c.imprecise:
        out.append(f"{c.imprecise} number(s) beyond float64 precision (text kept exactly)")
    return out


def type_text(c: ColumnPlan) -> str:
    return f"{CURRENT_TYPE} -> {c.label}"
