"""unified-profiler: per-column statistics, quality scores and a grade.

Computed entirely from the shared :class:`DatasetProfile` (no observer).
Differences from upstream, on purpose:

* all six catalog parameters are honoured (categorical_threshold and
  categorical_ratio_threshold mark text columns as categorical;
  null_alert_threshold and outlier_alert_threshold drive the alerts, issues
  and the validity indicator instead of fixed 50% / 5%);
* PII, type-conflict and distribution-shape alerts really fire;
* the type is inferred from every value, not from the first rows, and values
  that do not fit it are counted and listed with their row;
* every statistic states whether it is exact (``data.accuracy`` and the
  ``*_exact`` flags per field);
* quality indicators: completeness = non-missing share (null *and*
  whitespace-only cells are missing); validity = 100 minus the outlier
  share when it exceeds outlier_alert_threshold (capped at 20 points, as
  upstream), for numeric columns; consistency = share of values that fit
  the inferred type (upstream's "more than one distinct value" rule said
  nothing about consistency; constant columns get their own issue);
  uniqueness = distinct / rows. Field score = mean(completeness, validity,
  consistency).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from analysis_service.agents.base import (
    MAX_ROW_LEVEL_ISSUES,
    AgentContext,
    AgentOutput,
    BatchObserver,
)
from analysis_service.agents.pii import PiiEstimate, estimate_pii
from analysis_service.domain.profile import (
    ColumnProfile,
    DatasetProfile,
    InferredType,
    Kind,
    OutlierCount,
    as_jsonable_number,
)
from analysis_service.domain.sources import SourceStats, describe_renamed
from dqcommon.tools.catalog import UNIFIED_PROFILER

AGENT_ID = UNIFIED_PROFILER.agent_id
AGENT_NAME = UNIFIED_PROFILER.name
Z_THRESHOLD = 3.0
MAX_ISSUES = 1000


def _num(value: Any, digits: int | None = None) -> Any:
    number = as_jsonable_number(value)
    if digits is not None and isinstance(number, float):
        return round(number, digits)
    return number


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 4) if whole else 0.0


def grade(score: float) -> str:
    """A >= 90, B >= 80, C >= 70, D >= 60, else F."""
    for letter, floor in (("A", 90), ("B", 80), ("C", 70), ("D", 60)):
        if score >= floor:
            return letter
    return "F"


@dataclass
class _FieldResult:
    """A field's JSON plus what alerts/issues need from it."""

    column: ColumnProfile
    json: dict[str, Any]
    null_pct: float
    outliers: OutlierCount | None
    outlier_pct: float
    z_outliers: OutlierCount | None
    pii: PiiEstimate | None
    score: float
    unique_pct: float
    distinct: int


class UnifiedProfilerAgent:
    """The unified-profiler agent (stateless; safe to share)."""

    agent_id = AGENT_ID
    agent_name = AGENT_NAME
    needs_baseline = False

    def observer(self, parameters: Mapping[str, Any], columns: list[str]) -> BatchObserver | None:
        return None

    def finalize(self, ctx: AgentContext) -> AgentOutput:
        started = time.perf_counter()
        params = {**UNIFIED_PROFILER.defaults(), **dict(ctx.parameters)}
        profile = ctx.primary
        fields = [_field_result(column, profile, params) for column in profile.columns]
        quality = _quality_summary(fields, params)
        alerts = _alerts(fields, quality, profile, params)
        issues = _issues(fields, params)
        recommendations = _recommendations(fields, quality, params)
        row_issues, issue_summary = _row_level(fields)
        columns_with_issues = len({i["field_name"] for i in issues if i["field_name"]})
        output = AgentOutput(
            agent_id=AGENT_ID,
            agent_name=AGENT_NAME,
            summary_metrics={
                "total_columns": len(fields),
                "total_rows": profile.rows,
                "columns_with_issues": columns_with_issues,
            },
            data={
                "fields": [f.json for f in fields],
                "quality_summary": quality,
                "source": _source(profile),
                "accuracy": _accuracy(fields, profile),
                "defaults": UNIFIED_PROFILER.defaults(),
                "overrides": dict(ctx.overrides) if ctx.overrides else None,
                "parameters": params,
            },
            alerts=alerts,
            issues=issues,
            recommendations=recommendations,
            executive_summary=[_card(quality)],
            ai_analysis_text=_analysis_text(fields, quality, profile),
            row_level_issues=row_issues,
            issue_summary=issue_summary,
        )
        output.execution_time_ms = round((time.perf_counter() - started) * 1000)
        return output


# --- per field ---------------------------------------------------------------


def _is_categorical(column: ColumnProfile, distinct: int, params: Mapping[str, Any]) -> bool:
    if column.inferred_type is InferredType.BOOLEAN:
        return True
    if column.inferred_type is not InferredType.STRING or column.classified_count == 0:
        return False
    ratio = distinct / max(column.non_null_count, 1)
    return distinct <= int(params["categorical_threshold"]) or ratio <= float(
        params["categorical_ratio_threshold"]
    )


def _field_result(
    column: ColumnProfile, profile: DatasetProfile, params: Mapping[str, Any]
) -> _FieldResult:
    rows = column.rows
    distinct = column.distinct()
    null_pct = _pct(column.null_count, rows)
    missing = column.null_count + column.empty_count
    completeness = 100.0 - _pct(missing, rows) if rows else 100.0
    unique_pct = _pct(distinct.value, rows)
    categorical = _is_categorical(column, distinct.value, params)
    inferred = column.inferred_type
    numeric = inferred.is_numeric

    outliers = column.iqr_outliers(float(params["outlier_iqr_multiplier"])) if numeric else None
    z_out = column.z_outliers(Z_THRESHOLD) if numeric else None
    numeric_n = column.numeric_count
    outlier_pct = _pct(outliers.count, numeric_n) if outliers else 0.0
    if outlier_pct > float(params["outlier_alert_threshold"]):
        validity = 100.0 - min(outlier_pct, 20.0)
    else:
        validity = 100.0
    classified = column.classified_count
    consistency = 100.0 - _pct(column.type_mismatch_count, classified) if classified else 100.0
    score = round((completeness + validity + consistency) / 3.0, 2)
    pii = estimate_pii(column.name, column.sample_values(100))

    top_n = int(params["top_n_values"])
    non_null = column.non_null_count
    top_values = [
        {
            "value": entry.value,
            "count": entry.count,
            "percentage": _pct(entry.count, rows),
            "percentage_of_non_null": _pct(entry.count, non_null),
        }
        for entry in column.top_values(top_n)
    ]
    semantic = "categorical" if categorical and inferred is InferredType.STRING else inferred.value

    field: dict[str, Any] = {
        "field_name": column.name,
        "semantic_type": semantic,
        "inferred_type": inferred.value,
        "type_confidence": _num(column.type_confidence, 6),
        "categorical": categorical,
        "total_count": rows,
        "non_null_count": non_null,
        "null_count": column.null_count,
        "null_percentage": null_pct,
        "empty_string_count": column.empty_count,
        "unique_count": distinct.value,
        "unique_count_exact": distinct.exact,
        "unique_count_bounds": None if distinct.exact else [distinct.lower, distinct.upper],
        "unique_percentage": unique_pct,
        "type_evidence": {kind.value: count for kind, count in column.kind_counts.items()},
        "type_mismatch_count": column.type_mismatch_count,
        "type_mismatch_percentage": _pct(column.type_mismatch_count, classified),
        "top_values": top_values,
        "top_values_exact": column.top_values_exact,
        "top_values_count_error_bound": column.top_values_error_bound,
        "distribution": {"type": "non_uniform" if len(top_values) > 1 else "uniform"},
        "numeric_stats": _numeric_stats(column, outliers, z_out, outlier_pct) if numeric else None,
        "text_stats": None if numeric else _text_stats(column),
        "datetime_stats": _datetime_stats(column) if column.datetime_min is not None else None,
        "boolean_stats": (
            {
                "true_count": column.true_count,
                "false_count": column.kind_counts[Kind.BOOLEAN] - column.true_count,
            }
            if inferred is InferredType.BOOLEAN
            else None
        ),
        "estimated_pii_type": pii.pii_type if pii else None,
        "estimated_sensitivity_level": pii.sensitivity if pii else None,
        "quality_indicators": {
            "completeness": round(completeness, 4),
            "validity": round(validity, 4),
            "consistency": round(consistency, 4),
            "uniqueness": unique_pct,
        },
        "quality_score": score,
    }
    return _FieldResult(
        column=column,
        json=field,
        null_pct=null_pct,
        outliers=outliers,
        outlier_pct=outlier_pct,
        z_outliers=z_out,
        pii=pii,
        score=score,
        unique_pct=unique_pct,
        distinct=distinct.value,
    )


def _numeric_stats(
    column: ColumnProfile,
    outliers: OutlierCount | None,
    z_out: OutlierCount | None,
    outlier_pct: float,
) -> dict[str, Any]:
    moments = column.moments
    q = column.quantile_state
    p25, p50, p75 = column.quantiles([0.25, 0.5, 0.75])
    iqr = None if p25 is None or p75 is None else p75 - p25
    return {
        "count": moments.count,
        "min": _num(moments.min_or_none()),
        "max": _num(moments.max_or_none()),
        "mean": _num(moments.mean if moments.count else None),
        "median": _num(p50),
        "std": _num(moments.std),
        "variance": _num(moments.variance),
        "p25": _num(p25),
        "p50": _num(p50),
        "p75": _num(p75),
        "iqr": _num(iqr),
        "skewness": _num(moments.skewness),
        "kurtosis": _num(moments.kurtosis),
        "quantiles_exact": q.is_exact,
        "quantile_rank_error": _num(q.rank_error, 6),
        "outlier_count": outliers.count if outliers else 0,
        "outlier_percentage": outlier_pct,
        "outlier_count_exact": outliers.exact if outliers else True,
        "outlier_count_error_bound": outliers.error_bound if outliers else 0,
        "lower_fence": _num(outliers.lower) if outliers else None,
        "upper_fence": _num(outliers.upper) if outliers else None,
        "z_score_outlier_count": z_out.count if z_out else 0,
        "z_score_outlier_count_exact": z_out.exact if z_out else True,
    }


def _text_stats(column: ColumnProfile) -> dict[str, Any] | None:
    lengths = column.lengths
    if lengths.moments.count == 0:
        return None
    charset = ["alphanumeric"]
    if column.special_characters:
        charset.append("special")
    if column.non_ascii:
        charset.append("non_ascii")
    return {
        "min_length": lengths.min,
        "max_length": lengths.max,
        "mean_length": _num(lengths.mean, 4),
        "charset_diversity": charset,
        "special_characters": column.special_characters,
    }


def _datetime_stats(column: ColumnProfile) -> dict[str, Any]:
    def fmt(ts: Any) -> str:
        if column.has_time:
            return str(ts.isoformat())
        return str(ts.date().isoformat())

    return {
        "min": fmt(column.datetime_min),
        "max": fmt(column.datetime_max),
        "timezone": "UTC",
        "count": column.kind_counts[Kind.DATETIME],
    }


# --- dataset level -----------------------------------------------------------


def _quality_summary(fields: list[_FieldResult], params: Mapping[str, Any]) -> dict[str, Any]:
    def mean(key: str) -> float:
        values = [f.json["quality_indicators"][key] for f in fields]
        return round(sum(values) / len(values), 2) if values else 100.0

    overall = round(sum(f.score for f in fields) / len(fields), 2) if fields else 100.0
    threshold = float(params["null_alert_threshold"])
    critical = sum(1 for f in fields if f.null_pct > threshold)
    warning = sum(1 for f in fields if 10.0 < f.null_pct <= threshold)
    return {
        "overall_quality_score": overall,
        "quality_grade": grade(overall),
        "average_completeness": mean("completeness"),
        "average_validity": mean("validity"),
        "average_accuracy": mean("validity"),
        "average_consistency": mean("consistency"),
        "average_uniqueness": mean("uniqueness"),
        "fields_below_80": sum(1 for f in fields if f.score < 80),
        "critical_fields": critical,
        "warning_fields": warning,
        "info_fields": len(fields) - critical - warning,
    }


def _source(profile: DatasetProfile) -> dict[str, Any]:
    """What the reader decided about the file (format, encoding and its
    evidence, dialect, sheet, renamed columns, notes)."""
    source = profile.source
    return {
        "encoding": source.encoding,
        "byte_order_mark": source.bom,
        "delimiter": source.delimiter,
        "bytes_read": source.bytes_read,
        "replaced_characters": source.replaced_characters,
        **source.describe(),
    }


def _accuracy(fields: list[_FieldResult], profile: DatasetProfile) -> dict[str, Any]:
    cfg = profile.config
    numeric = [f for f in fields if f.column.inferred_type.is_numeric]
    approx_q = [f.column.name for f in numeric if not f.column.quantile_state.is_exact]
    rank_errors = [f.column.quantile_state.rank_error for f in numeric]
    approx_d = [f.column.name for f in fields if not f.column.distinct().exact]
    approx_top = [f.column.name for f in fields if not f.column.top_values_exact]
    approx_out = [f.column.name for f in numeric if f.outliers is not None and not f.outliers.exact]
    rse = max((f.column.distinct().relative_standard_error for f in fields), default=0.0)
    return {
        "counts": "exact: rows, nulls, empty strings, type evidence, min and max",
        "moments": (
            "exact up to float64 rounding: mean, variance and std (ddof=1), skewness (G1) "
            "and excess kurtosis (G2) as pandas defines them, from streaming moment sums"
        ),
        "quantiles": {
            "method": (
                f"exact (linear interpolation, as pandas) while n <= {cfg.exact_quantile_limit:,}; "
                f"then KLL k={cfg.kll_k}, normalized rank error <= "
                f"{max(rank_errors, default=0.0) * 100:.2f}% (99% confidence)"
            ),
            "approximate_columns": approx_q,
        },
        "distinct_counts": {
            "method": (
                f"exact while <= {cfg.exact_distinct_limit:,} distinct values; then HyperLogLog "
                f"lg_k={cfg.hll_lg_k}, relative standard error about {rse * 100 or 1.6:.2f}% "
                "(bounds given per field at 2 standard deviations)"
            ),
            "approximate_columns": approx_d,
        },
        "top_values": {
            "method": (
                f"exact while <= {cfg.top_k_cap:,} distinct values; then Misra-Gries with "
                f"{cfg.top_k_cap:,} counters: counts are lower bounds, short by at most the "
                "per-field error bound (<= non-null values / "
                f"{cfg.top_k_cap + 1:,})"
            ),
            "approximate_columns": approx_top,
        },
        "outliers": {
            "method": (
                "exact while quantiles are exact (fences from exact quartiles); then fences "
                f"from KLL quartiles, and counts exact when fewer than {cfg.extremes_k} values "
                "lie beyond a fence (from the kept extremes), otherwise from the KLL cdf "
                "within ±error bound"
            ),
            "approximate_columns": approx_out,
        },
        "row_level_examples": (
            f"first {cfg.examples_per_kind} cells per column and kind by row; outliers from "
            f"the {cfg.extremes_k} smallest and largest values"
        ),
    }


def _card(quality: Mapping[str, Any]) -> dict[str, Any]:
    score = quality["overall_quality_score"]
    status = "excellent" if score >= 90 else "good" if score >= 80 else "fair"
    if score < 60:
        status = "poor"
    return {
        "summary_id": "exec_profiler_quality",
        "title": "Overall Data Quality Score",
        "value": f"{score:.1f}/100 ({quality['quality_grade']})",
        "status": status,
        "description": (
            f"Grade {quality['quality_grade']}: "
            f"completeness {quality['average_completeness']:.1f}%, "
            f"validity {quality['average_validity']:.1f}%, "
            f"consistency {quality['average_consistency']:.1f}%"
        ),
    }


class _Ids:
    """Sequential ids per prefix (alert_1, issue_1 ...)."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def __call__(self, prefix: str) -> str:
        self._next[prefix] = self._next.get(prefix, 0) + 1
        return f"{prefix}_{self._next[prefix]}"


def _alert(
    ids: _Ids, severity: str, category: str, message: str, fields: list[str], recommendation: str
) -> dict[str, Any]:
    return {
        "alert_id": ids("alert_profiler"),
        "severity": severity,
        "category": category,
        "message": message,
        "affected_fields_count": len(fields),
        "affected_fields": fields[:50],
        "recommendation": recommendation,
    }


def _names(fields: list[_FieldResult]) -> str:
    names = [f.column.name for f in fields]
    shown = ", ".join(names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _alerts(
    fields: list[_FieldResult],
    quality: Mapping[str, Any],
    profile: DatasetProfile,
    params: Mapping[str, Any],
) -> list[dict[str, Any]]:
    ids = _Ids()
    alerts: list[dict[str, Any]] = []
    all_names = [f.column.name for f in fields]
    score = quality["overall_quality_score"]
    if score < 80:
        severity = "critical" if score < 50 else "high" if score < 60 else "medium"
        alerts.append(
            _alert(
                ids,
                severity,
                "data_quality",
                f"Overall data quality score is {score:.1f}/100 (grade {quality['quality_grade']})",
                all_names,
                "Review the fields with the lowest quality scores first",
            )
        )
    elif score >= 90:
        alerts.append(
            _alert(
                ids,
                "low",
                "data_quality",
                f"Data quality is excellent: {score:.1f}/100 (grade {quality['quality_grade']})",
                [],
                "No action needed; keep monitoring",
            )
        )

    null_threshold = float(params["null_alert_threshold"])
    high_null = [f for f in fields if f.null_pct > null_threshold]
    if high_null:
        avg = sum(f.null_pct for f in high_null) / len(high_null)
        alerts.append(
            _alert(
                ids,
                "critical" if avg > 75 else "high",
                "completeness",
                f"{len(high_null)} field(s) have more than {null_threshold:g}% null values "
                f"(average {avg:.1f}%): {_names(high_null)}",
                [f.column.name for f in high_null],
                "Find out why these values are missing at the source, or drop or impute the fields",
            )
        )

    outlier_threshold = float(params["outlier_alert_threshold"])
    outlying = [f for f in fields if f.outliers is not None and f.outlier_pct > outlier_threshold]
    if outlying:
        avg = sum(f.outlier_pct for f in outlying) / len(outlying)
        alerts.append(
            _alert(
                ids,
                "high" if avg > 2 * outlier_threshold else "medium",
                "outliers",
                f"{len(outlying)} numeric field(s) have more than {outlier_threshold:g}% IQR "
                f"outliers (average {avg:.1f}%): {_names(outlying)}",
                [f.column.name for f in outlying],
                "Check the outlying values listed in the row-level issues; cap, fix or keep them "
                "deliberately",
            )
        )

    conflicts = [f for f in fields if _type_conflict(f)]
    if conflicts:
        worst = max(f.json["type_mismatch_percentage"] for f in conflicts)
        alerts.append(
            _alert(
                ids,
                "high" if worst > 5 else "medium",
                "type_consistency",
                f"{len(conflicts)} field(s) hold values that do not fit their type: "
                f"{_names(conflicts)}",
                [f.column.name for f in conflicts],
                "Fix the listed values or the producing system; see the type_mismatch row-level "
                "issues",
            )
        )

    for sensitivity in ("critical", "high"):
        pii = [f for f in fields if f.pii is not None and f.pii.sensitivity == sensitivity]
        if pii:
            kinds = sorted({f.pii.pii_type for f in pii if f.pii})
            alerts.append(
                _alert(
                    ids,
                    sensitivity,
                    "pii",
                    f"{len(pii)} field(s) appear to contain personal data ({', '.join(kinds)}): "
                    f"{_names(pii)}",
                    [f.column.name for f in pii],
                    "Mask, tokenise or restrict access to these fields before sharing the data",
                )
            )

    low_card = [
        f
        for f in fields
        if (f.distinct <= 1 and f.column.non_null_count > 0)
        or (
            f.unique_pct < 5
            and f.column.inferred_type.is_numeric
            and f.distinct > 1
            and f.column.numeric_count >= 100
        )
    ]
    if low_card:
        alerts.append(
            _alert(
                ids,
                "medium",
                "cardinality",
                f"{len(low_card)} field(s) have very few distinct values (constant, or numeric "
                f"with under 5% distinct): {_names(low_card)}",
                [f.column.name for f in low_card],
                "Check whether these fields carry information; constant fields can be dropped",
            )
        )
    high_card = [
        f
        for f in fields
        if f.column.inferred_type is InferredType.STRING
        and f.unique_pct > 95
        and f.null_pct < 10
        and f.column.rows >= 20
    ]
    if high_card:
        alerts.append(
            _alert(
                ids,
                "medium",
                "cardinality",
                f"{len(high_card)} text field(s) are almost all distinct (identifiers or free "
                f"text): {_names(high_card)}",
                [f.column.name for f in high_card],
                "Treat them as keys or free text; they are not useful as categories",
            )
        )

    skewed = [
        f
        for f in fields
        if f.column.inferred_type.is_numeric and (f.column.moments.skewness or 0.0) ** 2 > 4
    ]
    if skewed:
        alerts.append(
            _alert(
                ids,
                "low",
                "distribution",
                f"{len(skewed)} numeric field(s) are strongly skewed (|skewness| > 2): "
                f"{_names(skewed)}",
                [f.column.name for f in skewed],
                "Use the median and quantiles rather than the mean; consider a log transform",
            )
        )

    completeness = quality["average_completeness"]
    if completeness < 80:
        alerts.append(
            _alert(
                ids,
                "high" if completeness < 60 else "medium",
                "completeness",
                f"Average completeness is {completeness:.1f}%",
                all_names,
                "Improve data capture for the least complete fields",
            )
        )

    source = profile.source
    if source.replaced_characters:
        alerts.append(
            _alert(
                ids,
                "medium",
                "encoding",
                f"{source.replaced_characters:,} invalid byte sequence(s) in the file were "
                "replaced by U+FFFD; values containing them are damaged in the source",
                [],
                "Export the file again as UTF-8",
            )
        )
    if source.encoding != "utf-8":
        alerts.append(
            _alert(
                ids,
                "low",
                "encoding",
                f"The file is not UTF-8; it was read as {source.encoding} "
                f"({source.encoding_evidence})",
                [],
                "Prefer UTF-8 exports so that every tool reads the text the same way",
            )
        )
    if source.renamed_columns or source.nul_bytes_removed or source.notes:
        alerts.append(_source_alert(ids, source))
    return alerts


def _source_alert(ids: _Ids, source: SourceStats) -> dict[str, Any]:
    """One alert with what the reader changed or decided about the file."""
    parts = list(source.notes)
    renamed = [r.name for r in source.renamed_columns]
    if source.renamed_columns:
        parts.insert(0, describe_renamed(source.renamed_columns))
    if source.nul_bytes_removed:
        parts.append(f"{source.nul_bytes_removed:,} NUL (zero) bytes were removed from the text")
    return _alert(
        ids,
        "low" if not renamed and not source.nul_bytes_removed else "medium",
        "source",
        "; ".join(parts),
        renamed or [],
        "Give every column a unique name in the source" if renamed else "No action needed",
    )


def _type_conflict(f: _FieldResult) -> bool:
    column = f.column
    if column.type_mismatch_count == 0:
        return False
    return column.inferred_type is not InferredType.STRING or column.majority_kind is not Kind.TEXT


def _issue(
    ids: _Ids, field: str, issue_type: str, severity: str, message: str, **extras: Any
) -> dict[str, Any]:
    return {
        "issue_id": ids("issue_profiler"),
        "agent_id": AGENT_ID,
        "field_name": field,
        "issue_type": issue_type,
        "severity": severity,
        "message": message,
        **extras,
    }


def _issues(fields: list[_FieldResult], params: Mapping[str, Any]) -> list[dict[str, Any]]:
    ids = _Ids()
    issues: list[dict[str, Any]] = []
    null_threshold = float(params["null_alert_threshold"])
    outlier_threshold = float(params["outlier_alert_threshold"])
    for f in fields:
        name = f.column.name
        if f.score < 80:
            issues.append(
                _issue(
                    ids,
                    name,
                    "low_quality",
                    "high" if f.score < 60 else "medium",
                    f"Quality score of {name} is {f.score:.1f}/100",
                    quality_score=f.score,
                )
            )
        if f.null_pct > 10:
            issues.append(
                _issue(
                    ids,
                    name,
                    "high_nulls",
                    "high" if f.null_pct > null_threshold else "medium",
                    f"{name} is {f.null_pct:.1f}% null ({f.column.null_count:,} of "
                    f"{f.column.rows:,} rows)",
                    null_percentage=f.null_pct,
                )
            )
        if f.outliers is not None and f.outlier_pct > outlier_threshold:
            issues.append(
                _issue(
                    ids,
                    name,
                    "outliers",
                    "medium",
                    f"{name} has {f.outliers.count:,} IQR outliers ({f.outlier_pct:.1f}%) outside "
                    f"[{f.outliers.lower:.6g}, {f.outliers.upper:.6g}]",
                    outlier_percentage=f.outlier_pct,
                    exact=f.outliers.exact,
                )
            )
        if f.column.type_mismatch_count:
            conflict = _type_conflict(f)
            issues.append(
                _issue(
                    ids,
                    name,
                    "type_mismatch",
                    ("high" if f.json["type_mismatch_percentage"] > 5 else "medium")
                    if conflict
                    else "low",
                    f"{f.column.type_mismatch_count:,} value(s) of {name} do not fit its "
                    f"{_type_label(f)}",
                    mismatch_count=f.column.type_mismatch_count,
                    mismatch_kinds=[k.value for k in f.column.mismatch_kinds],
                )
            )
        if f.pii is not None:
            issues.append(
                _issue(
                    ids,
                    name,
                    "pii_detected",
                    f.pii.sensitivity,
                    f"{name} appears to contain {f.pii.pii_type.replace('_', ' ')} values "
                    f"({f.pii.match_share:.0%} of sampled values match)",
                    pii_type=f.pii.pii_type,
                )
            )
        if f.distinct == 1 and f.column.non_null_count > 1:
            issues.append(
                _issue(
                    ids,
                    name,
                    "constant_column",
                    "low",
                    f"{name} holds a single distinct value",
                )
            )
        elif (
            f.column.inferred_type is InferredType.STRING
            and f.unique_pct > 95
            and f.null_pct < 10
            and f.column.rows >= 20
        ):
            issues.append(
                _issue(
                    ids,
                    name,
                    "high_cardinality",
                    "low",
                    f"{name} is {f.unique_pct:.1f}% distinct (identifier or free text)",
                )
            )
        if len(issues) >= MAX_ISSUES:
            break
    return issues[:MAX_ISSUES]


def _type_label(f: _FieldResult) -> str:
    column = f.column
    if column.inferred_type is InferredType.STRING and column.majority_kind not in (
        None,
        Kind.TEXT,
    ):
        share = column.kind_counts[column.majority_kind] / max(column.classified_count, 1)
        return f"majority type ({column.majority_kind.value}, {share:.0%} of values)"
    return f"inferred type ({column.inferred_type.value})"


def _recommendation(
    ids: _Ids, field: str, priority: str, text: str, timeline: str, hours: int, owner: str
) -> dict[str, Any]:
    return {
        "recommendation_id": ids("rec_profiler"),
        "agent_id": AGENT_ID,
        "field_name": field,
        "priority": priority,
        "recommendation": text,
        "timeline": timeline,
        "estimated_effort_hours": hours,
        "owner": owner,
    }


def _recommendations(
    fields: list[_FieldResult], quality: Mapping[str, Any], params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    ids = _Ids()
    recs: list[dict[str, Any]] = []
    null_threshold = float(params["null_alert_threshold"])
    outlier_threshold = float(params["outlier_alert_threshold"])
    for f in fields:
        name = f.column.name
        if f.null_pct > null_threshold:
            recs.append(
                _recommendation(
                    ids,
                    name,
                    "high",
                    f"Investigate missing values in {name} ({f.null_pct:.1f}% null) and fix "
                    "capture or impute",
                    "1-2 weeks",
                    4,
                    "data_engineering",
                )
            )
        elif f.null_pct > 10:
            recs.append(
                _recommendation(
                    ids,
                    name,
                    "medium",
                    f"Add a completeness check for {name}",
                    "1 month",
                    2,
                    "data_engineering",
                )
            )
        if f.outliers is not None and f.outlier_pct > outlier_threshold:
            recs.append(
                _recommendation(
                    ids,
                    name,
                    "medium",
                    f"Review outliers in {name}; decide whether to cap, correct or keep them",
                    "1-2 weeks",
                    3,
                    "data_analysis",
                )
            )
        if _type_conflict(f):
            recs.append(
                _recommendation(
                    ids,
                    name,
                    "high",
                    f"Standardise {name} to one type; clean-my-data's type-fixer can convert it",
                    "1-2 weeks",
                    3,
                    "data_engineering",
                )
            )
        if f.pii is not None:
            recs.append(
                _recommendation(
                    ids,
                    name,
                    "critical" if f.pii.sensitivity == "critical" else "high",
                    f"Protect {name} ({f.pii.pii_type.replace('_', ' ')}): mask or tokenise it and "
                    "restrict access",
                    "immediate",
                    4,
                    "data_governance",
                )
            )
    if quality["overall_quality_score"] < 80:
        recs.append(
            _recommendation(
                ids,
                "",
                "high",
                "Set up a data quality monitoring process for this dataset",
                "1 month",
                8,
                "data_governance",
            )
        )
    return recs


# --- row level ---------------------------------------------------------------


def _value_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _row_level(fields: list[_FieldResult]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Row-level evidence, shared fairly: one item per (field, kind) queue per
    round, until the budget is spent. ``total_issues`` counts every cell
    found, not just the listed ones."""
    queues: list[list[dict[str, Any]]] = []
    totals: dict[str, int] = {}
    by_severity_total: dict[str, int] = {}

    def count(kind: str, severity: str, n: int) -> None:
        totals[kind] = totals.get(kind, 0) + n
        by_severity_total[severity] = by_severity_total.get(severity, 0) + n

    for f in fields:
        column = f.column
        name = column.name
        if column.null_count:
            count("null_value", "warning", column.null_count)
            queues.append(
                [
                    {
                        "row_index": row,
                        "column": name,
                        "issue_type": "null_value",
                        "severity": "warning",
                        "message": f"Null value in {name}",
                        "value": None,
                        "extras": {},
                    }
                    for row in column.null_rows()
                ]
            )
        if column.type_mismatch_count:
            severity = "warning" if _type_conflict(f) else "info"
            count("type_mismatch", severity, column.type_mismatch_count)
            expected = _type_label(f)
            queues.append(
                [
                    {
                        "row_index": row,
                        "column": name,
                        "issue_type": "type_mismatch",
                        "severity": severity,
                        "message": f"{kind.value.capitalize()} value does not fit the {expected} "
                        f"of {name}",
                        "value": _value_text(value),
                        "extras": {
                            "expected_type": column.inferred_type.value,
                            "detected_kind": kind.value,
                        },
                    }
                    for row, value, kind in column.mismatch_examples()
                ]
            )
        if f.outliers is not None and f.outliers.count:
            out = f.outliers
            count("outlier", "warning", out.count)
            queues.append(
                [
                    {
                        "row_index": row,
                        "column": name,
                        "issue_type": "outlier",
                        "severity": "warning",
                        "message": f"{value:.6g} is outside the IQR fences of {name}",
                        "value": _value_text(_num(value)),
                        "extras": {"bounds": {"lower": _num(out.lower), "upper": _num(out.upper)}},
                    }
                    for row, value in out.examples
                ]
            )
        z_out = f.z_outliers
        if z_out is not None and z_out.count:
            moments = column.moments
            std = moments.std or 1.0
            count("distribution_anomaly", "info", z_out.count)
            queues.append(
                [
                    {
                        "row_index": row,
                        "column": name,
                        "issue_type": "distribution_anomaly",
                        "severity": "info",
                        "message": f"{value:.6g} is {abs(value - moments.mean) / std:.1f} standard "
                        f"deviations from the mean of {name}",
                        "value": _value_text(_num(value)),
                        "extras": {"z_score": _num((value - moments.mean) / std, 4)},
                    }
                    for row, value in z_out.examples
                ]
            )
    listed: list[dict[str, Any]] = []
    depth = 0
    while len(listed) < MAX_ROW_LEVEL_ISSUES and any(depth < len(q) for q in queues):
        for queue in queues:
            if depth < len(queue) and len(listed) < MAX_ROW_LEVEL_ISSUES:
                listed.append(queue[depth])
        depth += 1
    listed.sort(key=lambda item: (item["row_index"], item["column"]))
    by_severity = dict.fromkeys(("critical", "warning", "info"), 0)
    by_severity.update(by_severity_total)
    summary = {
        "total_issues": sum(totals.values()),
        "listed_issues": len(listed),
        "truncated": sum(totals.values()) > len(listed),
        "by_type": totals,
        "by_severity": by_severity,
        "affected_rows": len({item["row_index"] for item in listed}),
        "affected_columns": sorted({item["column"] for item in listed}),
    }
    return listed, summary


def _analysis_text(
    fields: list[_FieldResult], quality: Mapping[str, Any], profile: DatasetProfile
) -> str:
    lines = [
        f"Profiled {profile.rows:,} rows and {len(fields)} columns; overall quality "
        f"{quality['overall_quality_score']:.1f}/100 (grade {quality['quality_grade']}).",
    ]
    worst = sorted(fields, key=lambda f: f.score)[:3]
    if worst and worst[0].score < 90:
        lines.append(
            "Lowest scoring fields: "
            + ", ".join(f"{f.column.name} ({f.score:.1f})" for f in worst)
            + "."
        )
    nullish = [f for f in fields if f.null_pct > 10]
    if nullish:
        lines.append(f"{len(nullish)} field(s) are more than 10% null.")
    pii = [f for f in fields if f.pii is not None]
    if pii:
        lines.append(f"Possible personal data in: {_names(pii)}.")
    conflicts = [f for f in fields if _type_conflict(f)]
    if conflicts:
        lines.append(f"Type conflicts in: {_names(conflicts)}.")
    return "\n".join(lines)
