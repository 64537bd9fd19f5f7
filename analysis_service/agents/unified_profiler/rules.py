"""unified-profiler's cut-offs and the predicates its rule tables share.

The tables themselves are in ``alerts`` (ALERTS) and ``issues`` (ISSUES and
RECOMMENDATIONS). Thresholds come from the parameters (``params.*`` in the
predicates and templates). Where no parameter exists, the named constants
below are the one place a cut-off lives; each says where it comes from.
"""

from __future__ import annotations

from collections.abc import Sequence

from analysis_service.agents.rules import Scope
from analysis_service.agents.unified_profiler.facts import DatasetFacts, FieldFacts
from analysis_service.agents.unified_profiler.params import ProfilerParams
from analysis_service.findings import Severity, StatusBands

# -- cut-offs without a parameter ---------------------------------------------
#: Quality bands (upstream): card excellent/good/fair, alerts below "good".
EXCELLENT_QUALITY = 90.0
GOOD_QUALITY = 80.0
FAIR_QUALITY = 60.0
CRITICAL_QUALITY = 50.0
#: Upstream's warning band for nulls (below the critical null_alert_threshold).
WARNING_NULL_PCT = 10.0
#: Upstream: the high-nulls alert is critical when those fields average above this.
CRITICAL_NULL_AVERAGE = 75.0
#: ydata-profiling's MISSING / ZEROS trigger: more than 1% of the values.
MISSING_PCT = 1.0
ZEROS_PCT = 1.0
#: ydata-profiling's SKEWED trigger: |skewness| > 20.
SKEWNESS_LIMIT = 20.0
#: ydata-profiling's IMBALANCE trigger: 1 - H/ln(k) > 0.5.
IMBALANCE_LIMIT = 0.5
#: Duplicate rows: share of the rows above which the alert is high / medium.
DUPLICATES_HIGH_PCT = 10.0
DUPLICATES_MEDIUM_PCT = 1.0

#: The card's status and the quality alert's severity, from the score.
CARD_STATUS = StatusBands.of([(EXCELLENT_QUALITY, "excellent"), (GOOD_QUALITY, "good")], "fair")
QUALITY_SEVERITY = StatusBands.of(
    [(FAIR_QUALITY, Severity.MEDIUM), (CRITICAL_QUALITY, Severity.HIGH)], Severity.CRITICAL
)

Rules = Scope[FieldFacts, DatasetFacts, ProfilerParams]


def average(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


# -- predicates shared by alerts, issues and recommendations -------------------
def critical_nulls(f: FieldFacts, p: ProfilerParams) -> bool:
    return f.null_pct > p.null_alert_threshold


def warning_nulls(f: FieldFacts, p: ProfilerParams) -> bool:
    return f.null_pct > min(WARNING_NULL_PCT, p.null_alert_threshold) and not critical_nulls(f, p)


def some_missing(f: FieldFacts, p: ProfilerParams) -> bool:
    return MISSING_PCT < f.null_pct <= p.null_alert_threshold


def many_outliers(f: FieldFacts, p: ProfilerParams) -> bool:
    return f.outliers is not None and f.outlier_pct > p.outlier_alert_threshold


def skewed(f: FieldFacts, p: ProfilerParams) -> bool:
    return f.skewness is not None and abs(f.skewness) > SKEWNESS_LIMIT


def imbalanced(f: FieldFacts, p: ProfilerParams) -> bool:
    return f.imbalance is not None and f.imbalance > IMBALANCE_LIMIT


def low_quality(f: FieldFacts, p: ProfilerParams) -> bool:
    return f.quality < GOOD_QUALITY


def outlier_severity(s: Rules) -> Severity:
    mean = average([f.outlier_pct for f in s.fields])
    return Severity.HIGH if mean > 2 * s.params.outlier_alert_threshold else Severity.MEDIUM


def pii_severity(s: Rules) -> Severity:
    critical = any(f.pii is not None and f.pii.sensitivity == "critical" for f in s.fields)
    return Severity.CRITICAL if critical else Severity.HIGH


def duplicate_severity(s: Rules) -> Severity:
    share = s.dataset.duplicate_pct
    if share > DUPLICATES_HIGH_PCT:
        return Severity.HIGH
    return Severity.MEDIUM if share > DUPLICATES_MEDIUM_PCT else Severity.LOW


_ORDER_WORDS = {
    "day_first": "DD/MM/YYYY",
    "month_first": "MM/DD/YYYY",
    "ambiguous": "DD/MM or MM/DD (every value fits both; the order is not guessed)",
    "mixed": "both DD/MM and MM/DD (some values only fit one order, others only the other)",
}


def day_month_dates(f: FieldFacts, p: ProfilerParams) -> bool:
    return f.day_month_dates > 0


def date_severity(s: Rules) -> Severity:
    orders = {f.date_order for f in s.fields}
    if "mixed" in orders:
        return Severity.HIGH
    return Severity.MEDIUM if "ambiguous" in orders else Severity.LOW


def date_detail(s: Rules) -> str:
    return "; ".join(
        f"{f.name}: {_ORDER_WORDS.get(f.date_order or '', '?')}, {f.day_month_dates:,} value(s)"
        for f in s.fields[:5]
    )


def mismatch_detail(s: Rules) -> str:
    return "; ".join(
        f"{f.name}: {f.mismatch_count:,} of {f.column.classified_count:,} values "
        f"({f.mismatch_pct:.2f}%) are not {f.expected_type}"
        for f in s.fields[:5]
    )
