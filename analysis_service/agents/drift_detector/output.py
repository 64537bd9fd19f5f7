"""drift-detector's result tree: upstream's keys (``frontend-contract.md``
§6.2, same meaning and JSON type) and ours beside them (KS statistic,
normalised Wasserstein, PSI bins, chi-square, new/absent categories,
Benjamini-Hochberg q-values, exactness and error bounds)."""

from __future__ import annotations

from typing import Any

from analysis_service.agents.drift_detector.params import DriftParams
from analysis_service.agents.drift_detector.rules import DatasetFacts, FieldFacts
from analysis_service.domain.drift import (
    CategoricalDrift,
    ColumnDrift,
    Estimate,
    NumericDrift,
    NumericSummary,
    PValue,
    Severity,
)
from analysis_service.findings import Card, CardStatus, Issue


def _estimate(e: Estimate) -> dict[str, Any]:
    return {"value": e.value, "lower": e.lower, "upper": e.upper, "exact": e.exact}


def _p(p: PValue) -> dict[str, Any]:
    return {"value": p.value, "lower": p.lower, "upper": p.upper, "exact": p.exact}


def _numeric_side(s: NumericSummary) -> dict[str, Any]:
    return {
        "mean": s.mean,
        "median": s.median,
        "stddev": s.std if s.std is not None else 0.0,
        "min": s.minimum,
        "max": s.maximum,
        "distribution": "normal",
        "count": s.count,
        "p5": s.p5,
        "p95": s.p95,
        "quantiles_exact": s.quantiles_exact,
    }


def _numeric_analysis(n: NumericDrift) -> dict[str, Any]:
    return {
        "p_value": n.ks_p_value.upper,
        "js_divergence": n.js_distance.value,
        "wasserstein_distance": n.wasserstein.value,
        "change_in_mean": n.change_in_mean,
        "change_in_variance": abs(n.change_in_std) if n.change_in_std is not None else 0.0,
        "change_in_median": n.change_in_median,
        "ks_statistic": _estimate(n.ks_statistic),
        "ks_p_value": _p(n.ks_p_value),
        "wasserstein": _estimate(n.wasserstein),
        "wasserstein_normalised": _estimate(n.wasserstein_normalised),
        "wasserstein_scale": n.scale,
        "wasserstein_scale_floored": n.scale_floored,
        "psi": _estimate(n.psi),
        "js_distance": _estimate(n.js_distance),
        "binned_chi2": {
            "statistic": _estimate(n.binned_chi2.statistic),
            "dof": n.binned_chi2.dof,
            "p_value": _p(n.binned_chi2.p_value),
        },
        "below_range_share": n.below_range_share,
        "above_range_share": n.above_range_share,
        "bins": [
            {
                "lower": b.lower,
                "upper": b.upper,
                "baseline_share": b.baseline_share.value,
                "current_count": b.current_count,
                "current_share": b.current_share,
            }
            for b in n.bins
        ],
    }


def _categorical_analysis(c: CategoricalDrift) -> dict[str, Any]:
    return {
        "chi2": {
            "statistic": _estimate(c.chi2.statistic),
            "dof": c.chi2.dof,
            "p_value": _p(c.chi2.p_value),
            "over_union": c.chi2_over_union,
        },
        "p_value": c.chi2.p_value.upper,
        "psi": _estimate(c.psi),
        "js_distance": _estimate(c.js_distance),
        "js_divergence": c.js_distance.value,
        "total_variation": _estimate(c.tvd),
        "new_category_share": c.new_category_share,
        "new_category_rows": c.new_category_rows,
        "new_categories": c.new_categories,
        "unmatched_share": c.unmatched_share,
        "absent_category_share": c.absent_category_share,
        "absent_categories": c.absent_categories,
        "absent_baseline_row_share": c.absent_baseline_row_share,
        "absent_examples": list(c.absent_examples),
        "categories_exact": c.categories_exact,
    }


def _severity(column: ColumnDrift) -> str:
    return "low" if column.severity is Severity.NONE else column.severity.value


def _interpretation(column: ColumnDrift) -> dict[str, str]:
    if column.drift_detected:
        message = f"Drift detected in {column.name}"
        impact = "Models and reports built on the baseline may no longer hold for this field."
    else:
        message = f"No significant drift in {column.name}"
        impact = "No action needed for this field."
    return {"message": message, "explanation": column.reason, "business_impact": impact}


def field_tree(f: FieldFacts, params: DriftParams) -> dict[str, Any]:
    c = f.column
    analysis: dict[str, Any] = {
        "drift_detected": c.drift_detected,
        "drift_type": "distribution_shift",
        "severity": _severity(c),
        "statistical_test": params.statistical_test,
        "psi_score": c.psi if c.psi is not None else 0.0,
        "status": c.status.value,
        "reason": c.reason,
        "q_value": c.q_value,
        "bh_rejected": c.bh_rejected,
    }
    if c.decision is not None:
        d = c.decision
        analysis["decision"] = {
            "rule": d.rule,
            "statistic_name": d.statistic_name,
            "statistic": d.statistic,
            "threshold": d.threshold,
            "p_value": _p(d.p_value) if d.p_value is not None else None,
            "certain": d.certain,
        }
    tree: dict[str, Any] = {
        "field_id": c.name,
        "field_name": c.name,
        "kind": c.kind.value,
        "baseline_type": c.baseline_type.value,
        "current_type": c.current_type.value,
        "baseline_values": c.baseline_values,
        "current_values": c.current_values,
        "baseline_null_share": c.baseline_null_share,
        "current_null_share": c.current_null_share,
    }
    if c.numeric is not None:
        tree["baseline_statistics"] = _numeric_side(c.numeric.baseline)
        tree["current_statistics"] = _numeric_side(c.numeric.current)
        analysis.update(_numeric_analysis(c.numeric))
    elif c.categorical is not None:
        cat = c.categorical
        tree["baseline_statistics"] = {
            "unique_values": cat.baseline_categories,
            "distribution": "categorical",
        }
        tree["current_statistics"] = {
            "unique_values": cat.current_categories,
            "distribution": "categorical",
            "unique_values_exact": cat.current_categories_exact,
        }
        analysis.update(_categorical_analysis(cat))
    else:
        kind = "normal" if c.kind.value == "numeric" else "categorical"
        tree["baseline_statistics"] = {"distribution": kind}
        tree["current_statistics"] = {"distribution": kind}
    tree["drift_analysis"] = analysis
    tree["drift_interpretation"] = _interpretation(c)
    tree["issue_severity"] = _severity(c) if c.drift_detected else "low"
    return tree


def drift_summary(d: DatasetFacts) -> dict[str, Any]:
    drift = d.drift
    mt = drift.multiple_testing
    return {
        "overall_drift_score": drift.drifted_share,
        "drift_percentage": round(drift.drifted_share * 100, 2),
        "fields_with_drift": drift.drifted,
        "dataset_stability": "warning" if drift.drift_detected else "stable",
        "drift_detected": drift.drift_detected,
        "statistical_test": drift.test.value,
        "fields_compared": drift.compared,
        "average_psi_score": drift.average_psi if drift.average_psi is not None else 0.0,
        "max_psi_score": d.max_psi,
        "missing_columns": list(drift.missing_columns),
        "new_columns": list(drift.new_columns),
        "multiple_testing": (
            None
            if mt is None
            else {
                "method": mt.method,
                "level": mt.level,
                "tested": mt.tested,
                "rejected": list(mt.rejected),
            }
        ),
    }


def summary_metrics(d: DatasetFacts) -> dict[str, Any]:
    counts = d.drift.severity_counts
    return {
        "fields_analyzed": d.drift.compared,
        "drift_detected_count": d.drift.drifted,
        "drift_severity_high": counts.get(Severity.HIGH, 0),
        "drift_severity_medium": counts.get(Severity.MEDIUM, 0),
        "drift_severity_low": counts.get(Severity.LOW, 0),
        "average_psi_score": d.drift.average_psi if d.drift.average_psi is not None else 0.0,
        "missing_columns": len(d.drift.missing_columns),
        "new_columns": len(d.drift.new_columns),
        "dataset_drift_detected": d.drift.drift_detected,
    }


def card(d: DatasetFacts) -> Card | None:
    if d.drift.drifted == 0:
        return None
    high = any(f.severity is Severity.HIGH for f in d.drifted)
    return Card(
        summary_id="exec_drift",
        title="Distribution Drift",
        value=f"{d.drift.drifted}/{len(d.fields)}",
        status=CardStatus.CRITICAL if high else CardStatus.WARNING,
        description=f"{d.drift.drifted} of {len(d.fields)} common fields drifted",
    )


def analysis_text(d: DatasetFacts) -> str:
    drift = d.drift
    verdict = "Drift detected" if drift.drift_detected else "No drift detected"
    return (
        f"{verdict}: {drift.drifted} of {drift.compared} compared fields drifted under "
        f"{drift.test.value}; {len(drift.missing_columns)} missing and "
        f"{len(drift.new_columns)} new column(s)."
    )


def schema_issues(d: DatasetFacts, ids: Any, agent_id: str) -> list[Issue]:
    from analysis_service.findings import Severity as S

    issues = []
    for name in d.drift.missing_columns:
        issues.append(
            Issue(
                issue_id=ids.issue("missing_column", name),
                agent_id=agent_id,
                field_name=name,
                issue_type="missing_column",
                severity=S.CRITICAL,
                message=f"Column {name} of the baseline is missing from the current file",
            )
        )
    for name in d.drift.new_columns:
        issues.append(
            Issue(
                issue_id=ids.issue("new_column", name),
                agent_id=agent_id,
                field_name=name,
                issue_type="new_column",
                severity=S.LOW,
                message=f"Column {name} is new (not in the baseline)",
            )
        )
    return issues
