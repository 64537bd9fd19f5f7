"""Drift between a baseline file and the primary file, from mergeable state.

The statistics core of the ``drift-detector`` agent: pure domain (no gRPC,
storage, report or agent vocabulary). Nothing of the baseline is kept beyond
its profile's bounded state (exact buffers up to the profile's caps, then
sketches); nothing of the primary beyond its profile and the bounded
:class:`DriftObserver`.

Wiring (what an agent calls, and when)
--------------------------------------
1. After the baseline's pass, once::

       reference = DriftReference.from_profile(baseline_profile, DriftRules())

   It fixes, per baseline column, the PSI bins (numeric) or the category list
   (categorical) and keeps pointers to the baseline's column profiles.
2. Before the primary's pass, with the primary's header::

       observer = DriftObserver(reference, primary_columns)

   It is a ``BatchObserver``: ``observer.consume(batch)`` for every primary
   :class:`~analysis_service.domain.csv_source.CsvBatch` (the same batches
   the primary profile gets), ``observer.merge(other)`` to combine observers
   of disjoint batches (same reference).
3. After the primary's pass, no data read::

       result = detect_drift(reference, primary_profile, observer,
                             DriftParameters(statistical_test=StatisticalTest("chi2"),
                                             significance_level=0.05,
                                             min_sample_size=100))

   ``result`` is a :class:`DatasetDrift`. ``DriftParameters`` takes the
   catalog's three parameters (``statistical_test`` as the enum or its
   string value); raises ``ValueError`` on values outside their range.

Results (:mod:`.results`; every float finite, never NaN or infinity)
----------------------------------------------------------------------
``DatasetDrift``: ``columns`` (one :class:`ColumnDrift` per column common to
both files, in the primary's order), ``missing_columns`` (baseline only),
``new_columns`` (primary only), ``compared`` (common columns judged: compared
or type changed), ``drifted``, ``drifted_share``, ``severity_counts``,
``average_psi`` (over compared columns, None if none), ``multiple_testing``
(Benjamini-Hochberg: ``level``, ``tested``, ``rejected`` column names; None
under the Wasserstein rule) and ``drift_detected`` (the dataset verdict: a
type change, or a BH rejection at FDR = significance level under a
significance test, or a column at its effect-size threshold under the
Wasserstein rule).

``ColumnDrift``: ``status`` (``COMPARED``, ``INSUFFICIENT_DATA`` when a side
has fewer than ``min_sample_size`` non-null values (numeric values for a
numeric column), ``TYPE_CHANGED`` when it is numeric on one side only: drifted,
severity high, no statistics), ``kind`` (numeric / categorical, from the
baseline), both inferred types, value counts, null and numeric shares,
``numeric`` or ``categorical`` statistics, ``decision``, ``severity`` (from PSI:
``NONE`` when not drifted, else ``LOW`` / ``MEDIUM`` / ``HIGH``), ``q_value``
and ``bh_rejected`` (BH), ``evidence`` (row evidence, below), ``reason``
(why skipped or which rule decided), ``drift_detected``, ``psi``.

Per numeric column (:class:`NumericDrift`): both sides' ``count, mean, std,
min, max, median, p5, p95``; ``ks_statistic`` and ``ks_p_value``;
``wasserstein`` (raw) and ``wasserstein_normalised`` (divided by ``scale``:
the baseline std, or for a constant baseline ``max(0.1% of |mean|, 0.001)``,
``scale_floored``); ``psi`` over the fixed bins (``bins``: bounds, baseline
share, current count and share); ``js_distance`` (Jensen-Shannon distance,
log base 2, in [0, 1]) over the same bins; ``binned_chi2``; the current share
``below_range_share`` / ``above_range_share`` of the baseline's range;
``change_in_mean / median / std`` (current minus baseline).

Per categorical column (:class:`CategoricalDrift`): ``chi2`` (homogeneity,
over the union of categories), ``psi`` and ``js_distance`` and ``tvd`` (total
variation) over the baseline's categories plus one pooled cell for new
categories, ``new_category_share`` (current rows in categories the baseline
never had), ``new_category_rows``, ``new_categories``, ``absent_category_share``
(baseline categories with no current row, over the baseline's categories),
``absent_categories``, ``absent_baseline_row_share``, ``absent_examples``,
``categories`` (per category both shares).

Exactness and error bounds
--------------------------
Each statistic is an :class:`Estimate` (``value``, ``lower``, ``upper``,
``exact``) and each p-value a :class:`PValue` (``value`` only when exact;
``lower`` / ``upper`` bounds always). Exact means equal to scipy on the raw
values (``ks_2samp``, ``wasserstein_distance``, ``chi2_contingency`` without
continuity correction, ``jensenshannon(base=2)``):

* KS and Wasserstein: exact when both sides' numeric values are in exact
  buffers (up to ``ProfileConfig.exact_quantile_limit``, 100,000); else
  ``D`` within ``±(eps_b + eps_c)`` and ``W1`` within ``±sum eps·(H - L)``,
  where ``eps`` is the KLL rank error (about 1.3% at k=200, 99% confidence)
  and ``[L, H]`` the range between the k-th smallest and k-th largest value
  (outside it the profile's exact extremes make the cdf exact). No point KS
  p-value from a sketch: the bounds are the asymptotic p-values at the ends
  of ``D``'s interval (see :mod:`.numeric`).
* PSI, JS, binned chi-square: the current counts per bin are always exact
  (observer); exact when the baseline's buffer is, else the baseline's bin
  shares are within the sketch's share error and the statistics bounded over
  that box (:mod:`.estimates`), chi-square p-values bounded likewise.
* Categorical: exact when the baseline has at most ``top_k_cap`` (1,024)
  distinct values (current counts always are: observer). Else the cells are
  the baseline's frequent values whose Misra-Gries count is at least
  ``sketch_category_min_ratio`` (4) times the summary's error bound, plus
  "other"; baseline shares within that bound (midpoint as the estimate),
  statistics bounded, ``new_category_share`` None (``unmatched_share`` is its
  upper bound). A column without such frequent values (ids, e-mails, free
  text) is one "other" cell: nothing to compare, no drift claimed.
* Sketch results can differ slightly between runs (datasketches' KLL
  compaction is randomised), always within their bounds.

Decision rules (:func:`decide`, see :mod:`.detect` for the table):
``kolmogorov_smirnov`` — numeric: KS p < alpha; categorical: chi-square p <
alpha. ``chi2`` — numeric: chi-square on the PSI bins; categorical:
chi-square over the categories. ``wasserstein`` — numeric: W1 / baseline std
>= ``wasserstein_threshold`` (0.1); categorical: total variation distance
(W1 under the discrete metric) >= 0.1. With a sketch, p-value rules compare
the p-value's *upper bound* with alpha (drift only when the sketch error
cannot explain it); ``Decision.certain`` tells whether the whole error
interval agrees with the verdict.

Row evidence (:class:`RowEvidence`, from the observer; ``rows`` are 0-based
data rows of the primary file, the first ``evidence_per_rule`` in file order,
``count`` exact): ``OUT_OF_RANGE`` (below the baseline min / above its max),
``Z_SCORE`` (``|z| > 3`` against the baseline mean and std; ``z_scores``
given), ``ABOVE_SHIFT_BAND`` / ``BELOW_SHIFT_BAND`` (beyond ``mean ± 1.5
std``: the mean-shift rows), ``NEW_CATEGORY`` (exact baseline categories only).
Evidence is collected for every observed column; the agent chooses which to
report (e.g. only drifted columns).

For the upstream result tree (``frontend-contract.md`` §6.2), one reading:
``baseline_statistics`` / ``current_statistics`` from ``NumericSummary`` (mean,
median, std as ``stddev``, min, max) or ``baseline_categories`` /
``current_categories`` (``unique_values``); ``drift_analysis.p_value`` from
``decision.p_value.upper`` (or ``ks_p_value.upper``) with its exactness beside
it; ``psi_score`` = ``psi.value``; ``js_divergence`` = ``js_distance.value``
(upstream's was a JS *distance* too, natural log: ours is base 2, so
upstream's = ours times sqrt(ln 2)); ``wasserstein_distance`` =
``wasserstein.value`` (raw); ``change_in_variance`` = ``|change_in_std|``
(what upstream computed under that name); ``severity`` from ``severity``
(``NONE`` -> ``"low"``); ``drift_summary.overall_drift_score`` =
``drifted_share``.
"""

from analysis_service.domain.drift.detect import decide, detect_drift, severity_of
from analysis_service.domain.drift.estimates import ChiSquare, Estimate, PValue
from analysis_service.domain.drift.observer import DriftObserver, EvidenceRule
from analysis_service.domain.drift.reference import (
    CategoricalReference,
    DriftReference,
    NumericReference,
)
from analysis_service.domain.drift.results import (
    BinShare,
    CategoricalDrift,
    CategoryShare,
    ColumnDrift,
    ColumnKind,
    ColumnStatus,
    DatasetDrift,
    Decision,
    MultipleTesting,
    NumericDrift,
    NumericSummary,
    RowEvidence,
    Severity,
)
from analysis_service.domain.drift.settings import DriftParameters, DriftRules, StatisticalTest

__all__ = [
    "BinShare",
    "CategoricalDrift",
    "CategoricalReference",
    "CategoryShare",
    "ChiSquare",
    "ColumnDrift",
    "ColumnKind",
    "ColumnStatus",
    "DatasetDrift",
    "Decision",
    "DriftObserver",
    "DriftParameters",
    "DriftReference",
    "DriftRules",
    "Estimate",
    "EvidenceRule",
    "MultipleTesting",
    "NumericDrift",
    "NumericReference",
    "NumericSummary",
    "PValue",
    "RowEvidence",
    "Severity",
    "StatisticalTest",
    "decide",
    "detect_drift",
    "severity_of",
]
