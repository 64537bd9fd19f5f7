"""From the finished pass to a :class:`~.results.DatasetDrift` (no data read).

Decision rules (``decide``), per ``statistical_test`` and column kind:

=====================  ==============================  ================================
statistical_test       numeric column                  categorical column
=====================  ==============================  ================================
kolmogorov_smirnov     KS two-sample: p < alpha        chi-square homogeneity: p < alpha
chi2                   chi-square on the PSI bins      chi-square homogeneity: p < alpha
                       (2 x bins table): p < alpha
wasserstein            W1 / baseline std >= threshold  total variation distance (W1 under
                                                       the discrete metric) >= threshold
=====================  ==============================  ================================

``p`` is the exact p-value when the statistic is exact and its upper bound
otherwise; KS orders values, so on unordered categories the two-sample test
is the chi-square test of homogeneity. Severity of a drifted column from its
PSI (``psi_high`` / ``psi_medium``, else low); a column with a changed type
is drifted with high severity; an undrifted one has severity ``NONE``.
"""

from __future__ import annotations

from dataclasses import replace

from analysis_service.domain.drift.categorical import compare_categorical
from analysis_service.domain.drift.estimates import Estimate, PValue, benjamini_hochberg
from analysis_service.domain.drift.numeric import compare_numeric, z_scores
from analysis_service.domain.drift.observer import (
    CategoricalObservation,
    DriftObserver,
    NumericObservation,
)
from analysis_service.domain.drift.reference import (
    CategoricalReference,
    DriftReference,
    NumericReference,
)
from analysis_service.domain.drift.results import (
    CategoricalDrift,
    ColumnDrift,
    ColumnKind,
    ColumnStatus,
    DatasetDrift,
    Decision,
    MultipleTesting,
    NumericDrift,
    RowEvidence,
    Severity,
)
from analysis_service.domain.drift.settings import DriftParameters, DriftRules, StatisticalTest
from analysis_service.domain.profile import ColumnProfile, DatasetProfile


def _p_decision(test: StatisticalTest, rule: str, name: str, p: PValue, alpha: float) -> Decision:
    drift = p.upper < alpha
    certain = p.exact or drift or p.lower >= alpha
    return Decision(test, drift, rule, name, p.upper, alpha, p, certain)


def _effect_decision(
    test: StatisticalTest, rule: str, name: str, value: Estimate, threshold: float
) -> Decision:
    drift = value.value >= threshold
    certain = value.exact or value.lower >= threshold or value.upper < threshold
    return Decision(test, drift, rule, name, value.value, threshold, None, certain)


def decide(
    stats: NumericDrift | CategoricalDrift, params: DriftParameters, rules: DriftRules
) -> Decision:
    test, alpha = params.statistical_test, params.significance_level
    if isinstance(stats, NumericDrift):
        if test is StatisticalTest.KOLMOGOROV_SMIRNOV:
            return _p_decision(
                test,
                "two-sample Kolmogorov-Smirnov test: p < significance level",
                "ks_p_value",
                stats.ks_p_value,
                alpha,
            )
        if test is StatisticalTest.CHI2:
            return _p_decision(
                test,
                "chi-square test of homogeneity on the baseline's PSI bins: p < significance level",
                "binned_chi2_p_value",
                stats.binned_chi2.p_value,
                alpha,
            )
        return _effect_decision(
            test,
            "Wasserstein distance / baseline std >= threshold",
            "wasserstein_normalised",
            stats.wasserstein_normalised,
            rules.wasserstein_threshold,
        )
    if test is StatisticalTest.WASSERSTEIN:
        return _effect_decision(
            test,
            "total variation distance (Wasserstein under the discrete metric) >= threshold",
            "total_variation_distance",
            stats.tvd,
            rules.wasserstein_threshold,
        )
    return _p_decision(
        test,
        "chi-square test of homogeneity over the categories: p < significance level",
        "chi2_p_value",
        stats.chi2.p_value,
        alpha,
    )


def severity_of(psi: float, rules: DriftRules) -> Severity:
    if psi >= rules.psi_high:
        return Severity.HIGH
    if psi >= rules.psi_medium:
        return Severity.MEDIUM
    return Severity.LOW


def _share(part: int, whole: int) -> float:
    return part / whole if whole > 0 else 0.0


def _finite_numbers(column: ColumnProfile) -> int:
    """Numeric cells that are finite: the values drift compares (the
    profile counts infinities as numbers of their own, outside moments and
    quantiles)."""
    return column.numeric_count - column.infinite_count


def _numeric_share(column: ColumnProfile) -> float:
    return _share(column.numeric_count, column.classified_count)


def _evidence(
    observation: NumericObservation | CategoricalObservation | None,
) -> tuple[RowEvidence, ...]:
    if observation is None:
        return ()
    result = []
    for rule, evidence in observation.evidence.items():
        z = None
        if isinstance(observation, NumericObservation):
            z = z_scores(evidence.values, observation.reference)
        result.append(
            RowEvidence(rule, evidence.count, tuple(evidence.rows), tuple(evidence.values), z)
        )
    return tuple(result)


def _column(
    name: str,
    ref: NumericReference | CategoricalReference,
    current: ColumnProfile,
    observer: DriftObserver,
    params: DriftParameters,
    rules: DriftRules,
) -> ColumnDrift:
    base = ref.profile
    observation = observer.observation(name)
    base_numeric = isinstance(ref, NumericReference)
    cur_numeric = current.inferred_type.is_numeric
    kind = ColumnKind.NUMERIC if base_numeric else ColumnKind.CATEGORICAL
    if base_numeric and cur_numeric:
        base_values, cur_values = _finite_numbers(base), _finite_numbers(current)
    else:
        base_values, cur_values = base.non_null_count, current.non_null_count
    skipped = ColumnDrift(
        name=name,
        status=ColumnStatus.INSUFFICIENT_DATA,
        kind=kind,
        baseline_type=base.inferred_type,
        current_type=current.inferred_type,
        baseline_values=base_values,
        current_values=cur_values,
        baseline_null_share=_share(base.null_count, base.rows),
        current_null_share=_share(current.null_count, current.rows),
        baseline_numeric_share=_numeric_share(base),
        current_numeric_share=_numeric_share(current),
        numeric=None,
        categorical=None,
        decision=None,
        severity=Severity.NONE,
        q_value=None,
        bh_rejected=False,
        evidence=_evidence(observation),
        reason="",
    )
    smallest = min(base_values, cur_values)
    if smallest < params.min_sample_size:
        side = "baseline" if base_values <= cur_values else "current file"
        what = "numeric" if base_numeric and cur_numeric else "non-null"
        return replace(
            skipped,
            reason=(
                f"the {side} has {smallest} {what} value(s), fewer than "
                f"min_sample_size={params.min_sample_size}"
            ),
        )
    if base_numeric != cur_numeric:
        return replace(
            skipped,
            status=ColumnStatus.TYPE_CHANGED,
            severity=Severity.HIGH,
            reason=(
                f"the column is {base.inferred_type.value} in the baseline and "
                f"{current.inferred_type.value} in the current file"
            ),
        )
    stats: NumericDrift | CategoricalDrift
    if isinstance(ref, NumericReference):
        assert isinstance(observation, NumericObservation)
        stats = compare_numeric(ref, current, observation, rules)
    else:
        assert isinstance(observation, CategoricalObservation)
        stats = compare_categorical(ref, current, observation, rules)
    decision = decide(stats, params, rules)
    severity = severity_of(stats.psi.value, rules) if decision.drift_detected else Severity.NONE
    return replace(
        skipped,
        status=ColumnStatus.COMPARED,
        numeric=stats if isinstance(stats, NumericDrift) else None,
        categorical=stats if isinstance(stats, CategoricalDrift) else None,
        decision=decision,
        severity=severity,
        reason=decision.rule,
    )


def detect_drift(
    reference: DriftReference,
    current: DatasetProfile,
    observer: DriftObserver,
    params: DriftParameters | None = None,
) -> DatasetDrift:
    """Compares the primary's finished profile (and the observer fed with
    the same pass) with the baseline the reference was built from."""
    params = params or DriftParameters()
    if observer.reference.fingerprint != reference.fingerprint:
        raise ValueError("the observer was built from another baseline")
    rules = reference.rules
    baseline_names = [c.name for c in reference.baseline.columns]
    current_names = current.column_names
    common = [n for n in current_names if n in reference.columns]
    columns = [
        _column(n, reference.columns[n], current.column(n), observer, params, rules) for n in common
    ]
    test = params.statistical_test
    compared = [c for c in columns if c.status is ColumnStatus.COMPARED]
    multiple: MultipleTesting | None = None
    if test.is_significance_test and compared:
        tested = [
            (c.name, c.decision.p_value.upper)
            for c in compared
            if c.decision is not None and c.decision.p_value is not None
        ]
        q_values, rejected = benjamini_hochberg([p for _, p in tested], params.significance_level)
        by_name = {name: (q, r) for (name, _), q, r in zip(tested, q_values, rejected, strict=True)}
        columns = [_with_bh(c, *by_name[c.name]) if c.name in by_name else c for c in columns]
        multiple = MultipleTesting(
            method="benjamini_hochberg",
            level=params.significance_level,
            tested=len(tested),
            rejected=tuple(name for name, (_, r) in by_name.items() if r),
        )
    judged = [c for c in columns if c.status is not ColumnStatus.INSUFFICIENT_DATA]
    drifted = [c for c in judged if c.drift_detected]
    type_changed = any(c.status is ColumnStatus.TYPE_CHANGED for c in columns)
    if multiple is not None:
        dataset_drift = type_changed or bool(multiple.rejected)
    else:
        dataset_drift = bool(drifted)
    psis = [c.psi for c in compared if c.psi is not None]
    return DatasetDrift(
        test=test,
        columns=tuple(columns),
        missing_columns=tuple(n for n in baseline_names if n not in set(current_names)),
        new_columns=tuple(n for n in current_names if n not in reference.columns),
        compared=len(judged),
        drifted=len(drifted),
        drifted_share=_share(len(drifted), len(judged)),
        severity_counts={s: sum(1 for c in columns if c.severity is s) for s in Severity},
        average_psi=sum(psis) / len(psis) if psis else None,
        multiple_testing=multiple,
        drift_detected=dataset_drift,
    )


def _with_bh(column: ColumnDrift, q: float, rejected: bool) -> ColumnDrift:
    return replace(column, q_value=q, bh_rejected=rejected)
