"""unified-profiler's row-level evidence: one source per (field, kind),
listed fairly by :func:`~analysis_service.findings.collect_row_issues`.

Upstream kinds: ``null`` (every null cell), ``outlier`` (IQR fences, with
``bounds``), ``type_mismatch`` (cells that do not fit the inferred type),
``distribution_anomaly`` (|z| > 3, with ``z_score``). Ours: ``infinite_value``,
``formula_like_value`` (text a spreadsheet would run as a formula) and
``duplicate_row`` (column ``"all"``, with ``duplicate_of_row``). Totals
count every cell found in the file; the listed examples are the first by
row (outliers: the most extreme). ``row_index`` is the 0-based data row of
the original file.
"""

from __future__ import annotations

from collections.abc import Sequence

from analysis_service.agents.unified_profiler.facts import DatasetFacts, FieldFacts
from analysis_service.findings import RowEvidence, RowIssue, RowSeverity, json_number


def _null(f: FieldFacts) -> RowEvidence:
    items = [
        RowIssue(row, f.name, "null", RowSeverity.WARNING, f"Null value in {f.name}", None)
        for row in f.column.null_rows()
    ]
    return RowEvidence("null", RowSeverity.WARNING, f.column.null_count, items)


def _mismatch(f: FieldFacts) -> RowEvidence:
    severity = RowSeverity.WARNING if f.type_conflict else RowSeverity.INFO
    items = [
        RowIssue(
            row,
            f.name,
            "type_mismatch",
            severity,
            f"{kind.value.capitalize()} value where {f.name} holds {f.expected_type} values",
            value,
            {"expected_type": f.expected_type, "detected_kind": kind.value},
        )
        for row, value, kind in f.column.mismatch_examples()
    ]
    return RowEvidence("type_mismatch", severity, f.mismatch_count, items)


def _outliers(f: FieldFacts) -> RowEvidence | None:
    out = f.outliers
    if out is None or out.count == 0:
        return None
    bounds = {"lower": json_number(out.lower), "upper": json_number(out.upper)}
    items = [
        RowIssue(
            row,
            f.name,
            "outlier",
            RowSeverity.WARNING,
            f"{value:.6g} is outside the IQR fences of {f.name}",
            json_number(value),
            {"bounds": bounds},
        )
        for row, value in out.examples
    ]
    return RowEvidence("outlier", RowSeverity.WARNING, out.count, items, exact=out.exact)


def _anomalies(f: FieldFacts) -> RowEvidence | None:
    out = f.z_outliers
    moments = f.column.moments
    std = moments.std
    if out is None or out.count == 0 or not std:
        return None
    items = [
        RowIssue(
            row,
            f.name,
            "distribution_anomaly",
            RowSeverity.INFO,
            f"{value:.6g} is {abs(value - moments.mean) / std:.1f} standard deviations from the "
            f"mean of {f.name}",
            json_number(value),
            {"z_score": json_number((value - moments.mean) / std, 4)},
        )
        for row, value in out.examples
    ]
    return RowEvidence("distribution_anomaly", RowSeverity.INFO, out.count, items, exact=out.exact)


def _infinite(f: FieldFacts) -> RowEvidence:
    items = [
        RowIssue(
            row,
            f.name,
            "infinite_value",
            RowSeverity.WARNING,
            f"Infinite number in {f.name}",
            value,
        )
        for row, value in f.column.infinite_examples()
    ]
    return RowEvidence("infinite_value", RowSeverity.WARNING, f.column.infinite_count, items)


def _formulas(f: FieldFacts) -> RowEvidence:
    items = [
        RowIssue(
            row,
            f.name,
            "formula_like_value",
            RowSeverity.WARNING,
            f"Text in {f.name} that a spreadsheet may run as a formula",
            value,
        )
        for row, value in f.column.formula_like_examples()
    ]
    return RowEvidence(
        "formula_like_value", RowSeverity.WARNING, f.column.formula_like_count, items
    )


def _duplicates(dataset: DatasetFacts) -> RowEvidence | None:
    found = dataset.duplicates
    if found is None or found.duplicate_rows == 0:
        return None
    items = [
        RowIssue(
            row,
            "all",
            "duplicate_row",
            RowSeverity.WARNING,
            f"Row {row} repeats row {first} in every column",
            None,
            {"duplicate_of_row": first},
        )
        for row, first in found.examples
    ]
    return RowEvidence(
        "duplicate_row", RowSeverity.WARNING, found.duplicate_rows, items, exact=found.exact
    )


def row_evidence(fields: Sequence[FieldFacts], dataset: DatasetFacts) -> list[RowEvidence]:
    """Every source, field by field, then the dataset's duplicates."""
    sources: list[RowEvidence | None] = []
    for f in fields:
        if f.column.null_count:
            sources.append(_null(f))
        if f.mismatch_count:
            sources.append(_mismatch(f))
        sources.append(_outliers(f))
        sources.append(_anomalies(f))
        if f.column.infinite_count:
            sources.append(_infinite(f))
        if f.column.formula_like_count:
            sources.append(_formulas(f))
    sources.append(_duplicates(dataset))
    return [s for s in sources if s is not None]
