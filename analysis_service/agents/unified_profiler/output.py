"""unified-profiler's result tree: upstream's keys (``frontend-contract.md``
§6.1) with their meaning and JSON types, ours beside them.

Ours, per field: ``inferred_type`` (confidence, evidence per kind, the count
and share of cells that do not fit), ``categorical``, ``empty_string_count``,
``distinct_count`` (non-null), ``exactness`` (which numbers are exact and the
error bound of the others), ``histogram`` (numeric), ``datetime`` and
``boolean`` facts. Upstream writes 0.0 for an undefined statistic (skewness
of a constant column); we keep that JSON type and name the undefined ones in
``statistics.undefined``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from analysis_service.agents.unified_profiler.facts import (
    DatasetFacts,
    FieldFacts,
    finite_or,
)
from analysis_service.agents.unified_profiler.rules import (
    CARD_STATUS,
    GOOD_QUALITY,
    WARNING_NULL_PCT,
    critical_nulls,
)
from analysis_service.domain.cell_kinds import Kind
from analysis_service.domain.profile import DatasetProfile, InferredType
from analysis_service.findings import Card, CardStatus, Issue, json_number

#: Bins of the numeric histogram (``histogram`` and the workbook's chart).
HISTOGRAM_BINS = 20


def _pct(value: float) -> float:
    return round(value, 2)


def _num(value: float | None) -> Any:
    return json_number(value)


def _numeric_statistics(f: FieldFacts) -> dict[str, Any]:
    column = f.column
    moments = column.moments
    p25, p50, p75 = column.quantiles([0.25, 0.5, 0.75])
    out = f.outliers
    undefined = [
        name
        for name, value in (
            ("min", moments.min_or_none()),
            ("max", moments.max_or_none()),
            ("mean", moments.mean if moments.count else None),
            ("median", p50),
            ("stddev", moments.std),
            ("variance", moments.variance),
            ("skewness", moments.skewness),
            ("kurtosis", moments.kurtosis),
        )
        if value is None
    ]
    return {
        "type": "numeric",
        "count": moments.count,
        "min": finite_or(moments.min_or_none()),
        "max": finite_or(moments.max_or_none()),
        "mean": finite_or(moments.mean if moments.count else None),
        "median": finite_or(p50),
        "stddev": finite_or(moments.std),
        "variance": finite_or(moments.variance),
        "p25": finite_or(p25),
        "p50": finite_or(p50),
        "p75": finite_or(p75),
        "skewness": finite_or(moments.skewness),
        "kurtosis": finite_or(moments.kurtosis),
        "outlier_count": out.count if out else 0,
        "outlier_percentage": _pct(f.outlier_pct),
        "entropy": f.entropy.value,
        # ours
        "undefined": undefined,
        "iqr": _num(None if p25 is None or p75 is None else p75 - p25),
        "lower_fence": _num(out.lower) if out else None,
        "upper_fence": _num(out.upper) if out else None,
        "z_score_outlier_count": f.z_outliers.count if f.z_outliers else 0,
        "zero_count": column.zero_count,
        "infinite_count": column.infinite_count,
    }


def _text_statistics(f: FieldFacts) -> dict[str, Any]:
    column = f.column
    lengths = column.lengths
    charset = ["alphanumeric"]
    if column.special_characters:
        charset.append("special")
    return {
        "type": "string",
        "min_length": lengths.min or 0,
        "max_length": lengths.max or 0,
        "avg_length": finite_or(lengths.mean),
        "entropy": f.entropy.value,
        "charset_diversity": charset,
        # ours
        "non_ascii": column.non_ascii,
        "formula_like_count": column.formula_like_count,
    }


def _top_values(f: FieldFacts, n: int) -> list[dict[str, Any]]:
    """Upstream includes nulls among the values, shown as "None"."""
    entries = [(e.value, e.count) for e in f.column.top_values(n)]
    if f.column.null_count:
        entries.append(("None", f.column.null_count))
        entries.sort(key=lambda item: -item[1])
    return [
        {"value": value, "count": count, "percentage": _pct(100.0 * count / f.rows)}
        for value, count in entries[:n]
    ]


def _exactness(f: FieldFacts) -> dict[str, Any]:
    column = f.column
    q = column.quantile_state
    out = f.outliers
    return {
        "unique_count": f.distinct.exact,
        "unique_count_bounds": None if f.distinct.exact else [f.distinct.lower, f.distinct.upper],
        "top_values": column.top_values_exact,
        "top_values_count_error_bound": column.top_values_error_bound,
        "quantiles": q.is_exact,
        "quantile_rank_error": json_number(q.rank_error, 6),
        "outlier_count": out.exact if out else True,
        "outlier_count_error_bound": out.error_bound if out else 0,
        "entropy": f.entropy.exact,
    }


def _histogram(f: FieldFacts) -> dict[str, Any] | None:
    histogram = f.column.histogram(HISTOGRAM_BINS)
    if histogram is None:
        return None
    return {
        "edges": [json_number(e) for e in histogram.edges],
        "counts": histogram.counts,
        "exact": histogram.exact,
        "count_error_bound": histogram.error_bound,
    }


def field_tree(f: FieldFacts) -> dict[str, Any]:
    column = f.column
    params = f.params
    tree: dict[str, Any] = {
        "field_id": f.name,
        "field_name": f.name,
        "data_type": f.data_type,
        "semantic_type": f.data_type,
        "properties": {
            "null_count": column.null_count,
            "null_percentage": _pct(f.null_pct),
            "unique_count": f.unique_count,
            "unique_percentage": _pct(f.unique_pct),
            "is_primary_key": f.is_primary_key,
            "is_foreign_key": False,
            "estimated_pii_type": f.pii.pii_type if f.pii else None,
            "estimated_sensitivity_level": f.pii.sensitivity if f.pii else "low",
        },
        "quality_score": _pct(f.quality),
        "quality_indicators": {
            "completeness_score": _pct(f.completeness),
            "uniqueness_score": _pct(f.uniqueness),
            "validity_score": _pct(f.validity),
            "consistency_score": _pct(f.consistency),
        },
    }
    if f.non_null:
        tree["statistics"] = _numeric_statistics(f) if f.numeric else _text_statistics(f)
    top = _top_values(f, params.top_n_values)
    tree["distribution"] = {
        "type": "non_uniform" if len(top) > 1 else "uniform",
        "top_values": top,
    }
    # ours
    tree["inferred_type"] = {
        "type": f.data_type,
        "confidence": json_number(column.type_confidence, 6),
        "majority_kind": column.majority_kind.value if column.majority_kind else None,
        "evidence": {kind.value: count for kind, count in column.kind_counts.items()},
        "mismatch_count": f.mismatch_count,
        "mismatch_percentage": round(f.mismatch_pct, 4),
        "mismatch_kinds": f.mismatch_kinds,
        "conflict": f.type_conflict,
    }
    tree["categorical"] = f.categorical
    tree["empty_string_count"] = column.empty_count
    tree["distinct_count"] = f.distinct_count
    tree["exactness"] = _exactness(f)
    if f.numeric:
        tree["histogram"] = _histogram(f)
    if column.kind_counts[Kind.DATETIME]:
        low, high = column.datetime_min, column.datetime_max
        tree["datetime"] = {
            "min": None if low is None else _timestamp(low, column.has_time),
            "max": None if high is None else _timestamp(high, column.has_time),
            "has_time": column.has_time,
            "timezone": "UTC",
            "count": column.kind_counts[Kind.DATETIME],
            "day_month_order": column.date_order,
            "forms": column.date_counts,
        }
    if f.inferred is InferredType.BOOLEAN:
        tree["boolean"] = {
            "true_count": column.true_count,
            "false_count": column.kind_counts[Kind.BOOLEAN] - column.true_count,
        }
    return tree


def _timestamp(value: Any, has_time: bool) -> str:
    return str(value.isoformat()) if has_time else str(value.date().isoformat())


def quality_summary(dataset: DatasetFacts) -> dict[str, Any]:
    fields = dataset.fields
    params = dataset.params
    critical = sum(1 for f in fields if critical_nulls(f, params))
    warning = sum(
        1 for f in fields if f.null_pct > WARNING_NULL_PCT and not critical_nulls(f, params)
    )
    return {
        "overall_quality_score": _pct(dataset.overall_score),
        "quality_grade": dataset.grade,
        "completeness_score": _pct(dataset.completeness),
        "validity_score": _pct(dataset.validity),
        "consistency_score": _pct(dataset.consistency),
        "accuracy_score": _pct(dataset.validity),
        "fields_requiring_attention": sum(1 for f in fields if f.quality < GOOD_QUALITY),
        "critical_issues": critical,
        "warnings": warning,
        "info_messages": len(fields) - critical - warning,
        # ours
        "uniqueness_score": _pct(dataset.uniqueness),
        "duplicate_rows": dataset.duplicate_rows,
        "duplicate_row_percentage": _pct(dataset.duplicate_pct),
    }


def dataset_tree(dataset: DatasetFacts) -> dict[str, Any]:
    profile = dataset.profile
    source = profile.source
    found = dataset.duplicates
    return {
        "rows": profile.rows,
        "columns": len(profile.columns),
        "duplicate_rows": {
            "count": dataset.duplicate_rows,
            "percentage": _pct(dataset.duplicate_pct),
            "exact": found.exact if found else True,
            "sample_rate": found.sample_rate if found else 1.0,
            "counted": found is not None,
        },
        "source": {
            "encoding": source.encoding,
            "byte_order_mark": source.bom,
            "delimiter": source.delimiter,
            "bytes_read": source.bytes_read,
            "replaced_characters": source.replaced_characters,
            # What the reader decided (format, encoding evidence, dialect,
            # sheet, renamed columns, notes).
            **source.describe(),
        },
    }


def accuracy(profile: DatasetProfile) -> dict[str, str]:
    """How exact each statistic is, in words (the per-field ``exactness``
    says which numbers are approximate)."""
    cfg = profile.config
    return {
        "counts": "exact: rows, nulls, empty strings, type evidence, zeros, infinities, "
        "min and max",
        "moments": "exact up to float64 rounding: mean, variance and stddev (ddof=1), "
        "skewness (G1) and excess kurtosis (G2) as pandas defines them, over the finite values",
        "quantiles": f"exact (linear interpolation, as pandas) while n <= "
        f"{cfg.exact_quantile_limit:,}; then KLL k={cfg.kll_k}, normalized rank error about "
        "1.33% (99% confidence; per field in exactness.quantile_rank_error)",
        "distinct_counts": f"exact while <= {cfg.exact_distinct_limit:,} distinct values; then "
        f"HyperLogLog lg_k={cfg.hll_lg_k}, relative standard error about 1.6% (bounds per field "
        "at 2 standard deviations)",
        "top_values": f"exact while <= {cfg.top_k_cap:,} distinct values; then Misra-Gries with "
        f"{cfg.top_k_cap:,} counters: counts are lower bounds, short by at most the per-field "
        "error bound",
        "outliers": "exact while quantiles are exact; then fences from KLL quartiles, counts "
        f"exact when fewer than {cfg.extremes_k} values lie beyond a fence, otherwise within the "
        "per-field error bound",
        "duplicate_rows": f"exact (64-bit row hashes) up to {cfg.duplicate_row_cap:,} distinct "
        "rows; then estimated from a hash-space sample (dataset.duplicate_rows.sample_rate)",
        "row_level_examples": f"first {cfg.examples_per_kind} cells per column and kind by row; "
        f"outliers from the {cfg.extremes_k} smallest and largest values",
    }


def card(dataset: DatasetFacts) -> Card:
    score = dataset.overall_score
    return Card(
        summary_id="exec_quality",
        title="Overall Data Quality Score",
        value=f"{score:.1f}",
        status=CardStatus(CARD_STATUS.status(score)),
        description=f"Grade {dataset.grade}: completeness {dataset.completeness:.1f}%, "
        f"validity {dataset.validity:.1f}%, consistency {dataset.consistency:.1f}%",
    )


def summary_metrics(dataset: DatasetFacts, issues: Sequence[Issue]) -> dict[str, Any]:
    return {
        "total_columns": len(dataset.fields),
        "total_rows": dataset.rows,
        "columns_with_issues": len({i.field_name for i in issues if i.field_name}),
    }


def analysis_text(dataset: DatasetFacts, counts: Mapping[str, int]) -> str:
    fields = dataset.fields
    lines = [
        f"Profiled {dataset.rows:,} rows and {len(fields)} columns; overall quality "
        f"{dataset.overall_score:.1f}/100 (grade {dataset.grade}).",
    ]
    worst = sorted(fields, key=lambda f: f.quality)[:3]
    if worst and worst[0].quality < CARD_STATUS.floors[0][0]:
        lines.append(
            "Lowest scoring fields: "
            + ", ".join(f"{f.name} ({f.quality:.1f})" for f in worst)
            + "."
        )
    for key, text in (
        ("nulls", "field(s) are more than {params}% null."),
        ("conflicts", "field(s) hold values that do not fit their type."),
        ("pii", "field(s) appear to hold personal data."),
    ):
        if counts.get(key):
            lines.append(
                f"{counts[key]} " + text.format(params=dataset.params.null_alert_threshold)
            )
    if dataset.duplicate_rows:
        lines.append(f"{dataset.duplicate_rows:,} duplicate row(s).")
    return "\n".join(lines)
