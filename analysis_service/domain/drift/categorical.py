"""Drift statistics of one categorical column (see the package docstring).

The cells are the baseline's categories plus one last cell: new categories
(exact baseline) or "other" (sketched baseline). Current counts come from the
observer and are exact; baseline counts are exact or Misra-Gries bounded.

Chi-square over the union of categories from pooled counts: a category the
baseline never had, with current count ``c``, adds ``c · n_b / n_c`` to
Pearson's statistic (its expected counts are proportional to ``c``), a linear
term, so the statistic over the union equals the statistic with all new
categories in one cell; only the degrees of freedom need their number.
"""

from __future__ import annotations

import numpy as np

from analysis_service.domain.drift.estimates import (
    Estimate,
    Shares,
    chi_square,
    js_distance,
    psi,
    total_variation,
)
from analysis_service.domain.drift.observer import CategoricalObservation
from analysis_service.domain.drift.reference import CategoricalReference
from analysis_service.domain.drift.results import CategoricalDrift, CategoryShare
from analysis_service.domain.drift.settings import DriftRules
from analysis_service.domain.profile import ColumnProfile

ABSENT_EXAMPLES = 20


def compare_categorical(
    ref: CategoricalReference,
    current: ColumnProfile,
    observation: CategoricalObservation,
    rules: DriftRules,
) -> CategoricalDrift:
    counts = np.append(observation.counts, observation.unmatched)
    total = observation.total
    base = ref.shares()
    cur = Shares.exact(counts, float(total))

    new_values = observation.unmatched_values
    new_categories: int | None = None
    new_exact = False
    if ref.exact and new_values is not None:
        new_categories = new_values.counters()
        new_exact = new_values.is_exact
    over_union = ref.exact and new_exact
    dof = len(ref.categories) + (new_categories or 0) - 1 if over_union else None
    chi2 = chi_square(base, cur, ref.total, total, dof=dof)

    absent = observation.counts == 0
    absent_count = int(np.count_nonzero(absent))
    order = np.flatnonzero(absent)[:ABSENT_EXAMPLES]  # categories are in count order
    compared_categories = len(ref.categories)
    baseline_distinct = ref.profile.distinct()
    distinct = current.distinct()
    cells = tuple(
        CategoryShare(
            value=value,
            baseline_share=Estimate.bounded(
                float(base.point[i]), float(base.lower[i]), float(base.upper[i])
            ),
            current_count=int(counts[i]),
            current_share=float(cur.point[i]),
        )
        for i, value in enumerate([*ref.categories, None])
    )
    unmatched_share = float(cur.point[-1])
    absent_rows = float(base.point[:-1][absent].sum()) if absent_count else 0.0
    return CategoricalDrift(
        categories_exact=ref.exact,
        baseline_categories=len(ref.categories) if ref.exact else baseline_distinct.value,
        compared_categories=compared_categories,
        current_categories=distinct.value,
        current_categories_exact=distinct.exact,
        chi2=chi2,
        chi2_over_union=over_union,
        psi=psi(base, cur, rules.psi_floor),
        js_distance=js_distance(base, cur),
        tvd=total_variation(base, cur),
        new_category_share=unmatched_share if ref.exact else None,
        new_category_rows=observation.unmatched if ref.exact else None,
        new_categories=new_categories,
        new_categories_exact=new_exact,
        unmatched_share=unmatched_share,
        absent_category_share=absent_count / compared_categories if compared_categories else 0.0,
        absent_categories=absent_count,
        absent_baseline_row_share=absent_rows,
        absent_examples=tuple(ref.categories[i] for i in order),
        categories=cells,
    )
