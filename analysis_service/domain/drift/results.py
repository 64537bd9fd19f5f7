"""The result types of a drift comparison (plain frozen data, all finite).

Every float here is finite (no NaN, no infinity): undefined statistics are
``None`` with a reason, never NaN. See the package docstring for what each
field means and when it is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from analysis_service.domain.drift.estimates import ChiSquare, Estimate, PValue
from analysis_service.domain.drift.observer import EvidenceRule
from analysis_service.domain.drift.settings import StatisticalTest
from analysis_service.domain.profile import InferredType


class ColumnKind(Enum):
    """How a common column is compared (decided by both sides' types)."""

    NUMERIC = "numeric"
    CATEGORICAL = "categorical"


class ColumnStatus(Enum):
    COMPARED = "compared"
    INSUFFICIENT_DATA = "insufficient_data"  # a side has fewer than min_sample_size values
    TYPE_CHANGED = "type_changed"  # numeric on one side, not on the other


class Severity(Enum):
    """How strong a detected drift is; ``NONE`` exactly when no drift."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class NumericSummary:
    """One side's numeric values. ``quantiles_exact``: median, p5 and p95
    come from an exact buffer (else from the KLL sketch, within its rank
    error); count, mean, std, min and max are always exact."""

    count: int
    mean: float
    std: float | None
    minimum: float
    maximum: float
    median: float
    p5: float
    p95: float
    quantiles_exact: bool


@dataclass(frozen=True)
class BinShare:
    """One PSI bin: bounds (None = unbounded edge bin) and both sides."""

    lower: float | None
    upper: float | None
    baseline_share: Estimate
    current_count: int
    current_share: float


@dataclass(frozen=True)
class NumericDrift:
    """Everything measured on a numeric column (exactness per statistic).

    ``ks_statistic`` / ``wasserstein``: exact iff both quantile states are
    exact. ``psi``, ``js_distance``, ``binned_chi2``: exact iff the baseline's
    quantile state is exact (current bin counts are always exact).
    ``wasserstein_normalised`` is ``wasserstein / scale``, where ``scale`` is
    the baseline std, or for a constant baseline the floor of
    :class:`~.settings.DriftRules` (``scale_floored``).
    """

    baseline: NumericSummary
    current: NumericSummary
    ks_statistic: Estimate
    ks_p_value: PValue
    wasserstein: Estimate
    wasserstein_normalised: Estimate
    scale: float
    scale_floored: bool
    psi: Estimate
    js_distance: Estimate
    binned_chi2: ChiSquare
    bins: tuple[BinShare, ...]
    below_range_share: float
    above_range_share: float
    change_in_mean: float
    change_in_median: float
    change_in_std: float | None

    @property
    def out_of_range_share(self) -> float:
        return self.below_range_share + self.above_range_share


@dataclass(frozen=True)
class CategoryShare:
    """One category's share on both sides (``value`` None: the pooled cell of
    new categories, or of "other" values for a sketched baseline)."""

    value: str | None
    baseline_share: Estimate
    current_count: int
    current_share: float


@dataclass(frozen=True)
class CategoricalDrift:
    """Everything measured on a categorical column.

    ``categories_exact``: the baseline's category list is complete with exact
    counts; then every statistic is exact, and ``chi2`` is over the union of
    both sides' categories (its degrees of freedom need the number of new
    categories: when more than ``new_category_cap`` appeared, the test is over
    the baseline's categories plus one cell for all new ones, with the same
    statistic and fewer degrees of freedom; ``chi2_over_union`` tells).
    ``psi``, ``js_distance`` and ``tvd`` pool the new categories into one cell
    (the categorical twin of the numeric edge bins: PSI stays finite and
    comparable however many new values appear; JS and TVD are unchanged by
    the pooling). With a sketched baseline the cells are its frequent values
    plus "other", the statistics carry bounds, ``new_category_share`` is None
    and ``unmatched_share`` (current rows outside the baseline's frequent
    values) is its upper bound.

    ``baseline_categories`` / ``current_categories``: distinct non-null values
    (exact, or the profile's HyperLogLog estimate; ``current_categories_exact``);
    ``compared_categories``: the baseline cells compared on their own (all
    categories when exact, the frequent values otherwise); the absent counts
    and shares are over those.
    """

    categories_exact: bool
    baseline_categories: int
    compared_categories: int
    current_categories: int
    current_categories_exact: bool
    chi2: ChiSquare
    chi2_over_union: bool
    psi: Estimate
    js_distance: Estimate
    tvd: Estimate
    new_category_share: float | None
    new_category_rows: int | None
    new_categories: int | None
    new_categories_exact: bool
    unmatched_share: float
    absent_category_share: float
    absent_categories: int
    absent_baseline_row_share: float
    absent_examples: tuple[str, ...]
    categories: tuple[CategoryShare, ...]


@dataclass(frozen=True)
class Decision:
    """The verdict of the chosen test on one column.

    ``rule`` says in words what was compared. ``statistic`` is the number
    compared with ``threshold`` (a p-value bound against the significance
    level, or an effect size against its cut-off); ``p_value`` is set for
    significance tests. ``certain``: the verdict holds for every value within
    the statistic's error bound (always true when exact).
    """

    test: StatisticalTest
    drift_detected: bool
    rule: str
    statistic_name: str
    statistic: float
    threshold: float
    p_value: PValue | None
    certain: bool


@dataclass(frozen=True)
class RowEvidence:
    """Rows that show drift, by rule: exact count, first rows with values
    (``row_index``: 0-based data row of the primary file). For numeric rules
    ``z_scores`` holds ``(value - baseline mean) / baseline std`` per row
    (None without a baseline spread)."""

    rule: EvidenceRule
    count: int
    rows: tuple[int, ...]
    values: tuple[Any, ...]
    z_scores: tuple[float, ...] | None


@dataclass(frozen=True)
class ColumnDrift:
    """One common column."""

    name: str
    status: ColumnStatus
    kind: ColumnKind
    baseline_type: InferredType
    current_type: InferredType
    baseline_values: int
    current_values: int
    baseline_null_share: float
    current_null_share: float
    baseline_numeric_share: float
    current_numeric_share: float
    numeric: NumericDrift | None
    categorical: CategoricalDrift | None
    decision: Decision | None
    severity: Severity
    q_value: float | None
    bh_rejected: bool
    evidence: tuple[RowEvidence, ...]
    reason: str

    @property
    def drift_detected(self) -> bool:
        if self.status is ColumnStatus.TYPE_CHANGED:
            return True
        return self.decision is not None and self.decision.drift_detected

    @property
    def psi(self) -> float | None:
        stats = self.numeric or self.categorical
        return None if stats is None else stats.psi.value


@dataclass(frozen=True)
class MultipleTesting:
    """Benjamini-Hochberg over the compared columns' decision p-values
    (their upper bounds where a side is a sketch), at false-discovery rate
    ``level`` (= the significance level). None of it under the Wasserstein
    rule, which has no p-values."""

    method: str
    level: float
    tested: int
    rejected: tuple[str, ...]


@dataclass(frozen=True)
class DatasetDrift:
    """The whole comparison.

    ``drift_detected`` (the dataset verdict): a column's type changed, or,
    under a significance test, Benjamini-Hochberg rejects at least one
    column at FDR = significance level, or, under the Wasserstein rule, at
    least one column's effect size reaches its threshold. ``drifted_share``
    is the flat share (drifted / compared) for readers who want it.
    """

    test: StatisticalTest
    columns: tuple[ColumnDrift, ...]
    missing_columns: tuple[str, ...]
    new_columns: tuple[str, ...]
    compared: int
    drifted: int
    drifted_share: float
    severity_counts: dict[Severity, int]
    average_psi: float | None
    multiple_testing: MultipleTesting | None
    drift_detected: bool

    def column(self, name: str) -> ColumnDrift:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)
