"""The primary pass: exact per-bin and per-category counts, row evidence.

:class:`DriftObserver` is fed the same :class:`~..csv_source.CsvBatch` es as
the primary profile. Per column common to both files it keeps:

* numeric baseline column: the count of current numeric values in each of
  the reference's bins (exact, whatever the file size), and row evidence for
  values outside the baseline's range, with ``|z| > z_threshold`` against
  the baseline's mean and std, and beyond ``mean ± shift_band · std``;
* categorical baseline column: the count of current values in each baseline
  category and of the rest (exact), the rest's distinct values with counts
  (exact up to ``new_category_cap`` distinct values, then Misra-Gries), and
  row evidence for values the baseline never had (only when the baseline's
  category list is complete: otherwise "not among the baseline's frequent
  values" is not "never seen").

A value is numeric exactly when the profile counts it as numeric (trimmed
text of the form ``[+-]digits[.digits][e±digits]``, finite in float64), so the
bin counts add up to the current profile's numeric count.

Work per batch is vectorised (Arrow compute + NumPy, no loop over rows).
State is bounded: bins, categories (at most the profile's top-k cap) and at
most ``evidence_per_rule`` rows per rule and column, whatever the file size.
Observers that saw disjoint batches of one file merge into the observer that
saw them all (same counts, same first rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from analysis_service.domain.cell_kinds import NUMBER_PATTERN, as_float64, number_pattern
from analysis_service.domain.csv_source import CsvBatch
from analysis_service.domain.drift.reference import (
    CategoricalReference,
    DriftReference,
    NumericReference,
)
from analysis_service.domain.sketches import TopK

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class EvidenceRule(Enum):
    """Why a row is evidence of drift."""

    OUT_OF_RANGE = "out_of_range"  # numeric value below the baseline min or above its max
    Z_SCORE = "z_score"  # |value - baseline mean| / baseline std > z_threshold
    ABOVE_SHIFT_BAND = "above_shift_band"  # value > baseline mean + shift_band * std
    BELOW_SHIFT_BAND = "below_shift_band"  # value < baseline mean - shift_band * std
    NEW_CATEGORY = "new_category"  # a category the baseline never had


@dataclass
class Evidence:
    """Rows matching one rule: the exact count, the first ``cap`` rows
    (0-based data rows of the file) with their values, in row order."""

    cap: int
    count: int = 0
    rows: list[int] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)

    @property
    def room(self) -> int:
        return max(self.cap - len(self.rows), 0)

    def add(self, mask: npt.NDArray[np.bool_], rows: IntArray, values: Any) -> None:
        """Counts ``mask`` and keeps rows while there is room; ``values`` is
        an array (or Arrow array) aligned with ``mask``."""
        hits = int(np.count_nonzero(mask))
        if hits == 0:
            return
        self.count += hits
        if self.room == 0:
            return
        positions = np.flatnonzero(mask)[: self.room]
        before = len(self.rows)
        self.rows.extend(rows[positions].tolist())
        if isinstance(values, pa.Array):
            self.values.extend(values.take(pa.array(positions, type=pa.int64())).to_pylist())
        else:
            self.values.extend(np.asarray(values)[positions].tolist())
        if before and self.rows[before - 1] > self.rows[before]:  # batches out of order
            self._trim()

    def _trim(self) -> None:
        order = sorted(range(len(self.rows)), key=self.rows.__getitem__)[: self.cap]
        self.rows = [self.rows[i] for i in order]
        self.values = [self.values[i] for i in order]

    def merge(self, other: Evidence) -> None:
        self.count += other.count
        self.rows = [*self.rows, *other.rows]
        self.values = [*self.values, *other.values]
        self._trim()

    def items(self) -> list[tuple[int, Any]]:
        return list(zip(self.rows, self.values, strict=True))


@dataclass
class NumericObservation:
    """Current values of a numeric baseline column, per reference bin."""

    reference: NumericReference
    bin_counts: IntArray
    evidence: dict[EvidenceRule, Evidence]

    @property
    def total(self) -> int:
        return int(self.bin_counts.sum())

    def merge(self, other: NumericObservation) -> None:
        self.bin_counts = self.bin_counts + other.bin_counts
        for rule, evidence in other.evidence.items():
            self.evidence[rule].merge(evidence)


@dataclass
class CategoricalObservation:
    """Current values of a categorical baseline column, per category.

    ``unmatched`` counts non-null values outside the reference's categories:
    new categories when the reference is exact, "other" when it is not.
    ``unmatched_values`` holds those values with their counts (only kept for
    an exact reference, where they are the new categories).
    """

    reference: CategoricalReference
    counts: IntArray
    unmatched: int
    unmatched_values: TopK | None
    evidence: dict[EvidenceRule, Evidence]

    @property
    def total(self) -> int:
        return int(self.counts.sum()) + self.unmatched

    def merge(self, other: CategoricalObservation) -> None:
        self.counts = self.counts + other.counts
        self.unmatched += other.unmatched
        if self.unmatched_values is not None and other.unmatched_values is not None:
            self.unmatched_values.merge(other.unmatched_values)
        for rule, evidence in other.evidence.items():
            self.evidence[rule].merge(evidence)


Observation = NumericObservation | CategoricalObservation


def parse_numbers(values: pa.Array, decimal: str = ".") -> tuple[npt.NDArray[np.intp], FloatArray]:
    """(positions, values) of the cells the profile counts as numeric
    (``decimal``: the source's decimal separator, as the profile reads it).

    Tries one Arrow cast of the cells first, then of the trimmed cells (a
    column of numbers parses in one go; every finite result of Arrow's parser
    also matches :data:`NUMBER_PATTERN`, a test checks look-alikes); if any
    cell does not parse, falls back to the profile's own pattern and casts
    the matching cells.
    """
    valid = pc.is_valid(values).to_numpy(zero_copy_only=False)
    positions = np.flatnonzero(valid)
    if positions.size == 0:
        return positions, np.empty(0)
    present = values.filter(pa.array(valid)) if positions.size < len(values) else values
    if decimal != ".":  # the profile's own pattern and cast, with its separator
        trimmed = pc.utf8_trim_whitespace(present)
        mask = pc.match_substring_regex(trimmed, number_pattern(decimal))
        positions = positions[mask.to_numpy(zero_copy_only=False)]
        numbers = as_float64(trimmed.filter(mask), decimal).to_numpy(zero_copy_only=False)
        finite = np.isfinite(numbers)
        return positions[finite], np.asarray(numbers[finite], dtype=np.float64)
    try:  # Arrow refuses surrounding whitespace, so this only succeeds without any
        numbers = pc.cast(present, pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        trimmed = pc.utf8_trim_whitespace(present)
        try:
            numbers = pc.cast(trimmed, pa.float64()).to_numpy(zero_copy_only=False)
        except pa.ArrowInvalid:
            mask = pc.match_substring_regex(trimmed, NUMBER_PATTERN)
            keep = mask.to_numpy(zero_copy_only=False)
            positions = positions[keep]
            numbers = pc.cast(trimmed.filter(mask), pa.float64()).to_numpy(zero_copy_only=False)
    finite = np.isfinite(numbers)
    if not finite.all():
        positions, numbers = positions[finite], numbers[finite]
    return positions, np.asarray(numbers, dtype=np.float64)


class DriftObserver:
    """Mergeable primary-pass state for drift (see the module docstring).

    ``columns`` are the primary file's columns; the ones the baseline also
    has are observed, the rest are ignored here (they are new columns).
    """

    def __init__(self, reference: DriftReference, columns: list[str]) -> None:
        self.reference = reference
        self.columns = list(columns)
        self.rows = 0
        cap = reference.rules.evidence_per_rule
        self.observations: dict[str, Observation] = {}
        for name in self.columns:
            ref = reference.columns.get(name)
            if isinstance(ref, NumericReference):
                rules = [EvidenceRule.OUT_OF_RANGE]
                if ref.std is not None and ref.std > 0:
                    rules += [
                        EvidenceRule.Z_SCORE,
                        EvidenceRule.ABOVE_SHIFT_BAND,
                        EvidenceRule.BELOW_SHIFT_BAND,
                    ]
                self.observations[name] = NumericObservation(
                    ref,
                    np.zeros(ref.bins.count, dtype=np.int64),
                    {rule: Evidence(cap) for rule in rules},
                )
            elif isinstance(ref, CategoricalReference):
                self.observations[name] = CategoricalObservation(
                    ref,
                    np.zeros(len(ref.categories), dtype=np.int64),
                    0,
                    TopK(cap=reference.rules.new_category_cap) if ref.exact else None,
                    {EvidenceRule.NEW_CATEGORY: Evidence(cap)} if ref.exact else {},
                )

    # -- one batch -------------------------------------------------------------
    def consume(self, batch: CsvBatch) -> None:
        frame = batch.frame
        if len(frame) == 0:
            return
        first_row = batch.first_row
        decimal = batch.stats.decimal
        for name, observation in self.observations.items():
            if name not in frame.columns:
                continue
            column = pa.array(frame[name], type=pa.large_string(), from_pandas=True)
            if isinstance(observation, NumericObservation):
                self._numeric(observation, column, first_row, decimal)
            else:
                self._categorical(observation, column, first_row)
        self.rows += len(frame)

    def _numeric(
        self, obs: NumericObservation, column: pa.Array, first_row: int, decimal: str = "."
    ) -> None:
        positions, values = parse_numbers(column, decimal)
        if values.size == 0:
            return
        ref = obs.reference
        obs.bin_counts += np.bincount(ref.bins.assign(values), minlength=ref.bins.count)
        rows = positions.astype(np.int64) + first_row
        obs.evidence[EvidenceRule.OUT_OF_RANGE].add(
            (values < ref.minimum) | (values > ref.maximum), rows, values
        )
        if ref.std is None or ref.std <= 0:
            return
        rules = self.reference.rules
        deviation = values - ref.mean
        obs.evidence[EvidenceRule.Z_SCORE].add(
            np.abs(deviation) > rules.z_threshold * ref.std, rows, values
        )
        band = rules.shift_band * ref.std
        obs.evidence[EvidenceRule.ABOVE_SHIFT_BAND].add(deviation > band, rows, values)
        obs.evidence[EvidenceRule.BELOW_SHIFT_BAND].add(deviation < -band, rows, values)

    def _categorical(self, obs: CategoricalObservation, column: pa.Array, first_row: int) -> None:
        ref = obs.reference
        valid = pc.is_valid(column).to_numpy(zero_copy_only=False)
        if ref.categories:
            index = pc.fill_null(pc.index_in(column, value_set=ref.value_set), -1)
            positions = index.to_numpy(zero_copy_only=False)
            matched = positions >= 0
            obs.counts += np.bincount(positions[matched], minlength=len(ref.categories))
            unmatched = valid & ~matched
        else:
            unmatched = valid
        hits = int(np.count_nonzero(unmatched))
        if hits == 0:
            return
        obs.unmatched += hits
        if obs.unmatched_values is not None:
            counts = pc.value_counts(column.filter(pa.array(unmatched)))
            obs.unmatched_values.update(
                counts.field("values").to_numpy(zero_copy_only=False),
                counts.field("counts").to_numpy(zero_copy_only=False),
            )
        evidence = obs.evidence.get(EvidenceRule.NEW_CATEGORY)
        if evidence is not None:
            rows = np.arange(len(column), dtype=np.int64) + first_row
            evidence.add(unmatched, rows, column)

    # -- merge -------------------------------------------------------------------
    def merge(self, other: DriftObserver) -> None:
        """Adds what ``other`` saw (disjoint rows of the same file, same
        reference)."""
        if other.reference.fingerprint != self.reference.fingerprint:
            raise ValueError("cannot merge drift observers built from different baselines")
        if other.columns != self.columns:
            raise ValueError("cannot merge drift observers of different columns")
        for name, observation in self.observations.items():
            observation.merge(other.observations[name])  # type: ignore[arg-type]
        self.rows += other.rows

    def observation(self, name: str) -> Observation | None:
        return self.observations.get(name)
