"""What the profiler's rules and output read about each field and the
dataset: computed once from the shared profile and the parameters.

Quality indicators (0-100):

* completeness = 100 - missing % (null *and* whitespace-only cells);
* validity = 100 for non-numeric fields; for numeric ones 100 minus the
  share of invalid numbers, capped at 20 points as upstream: infinite values
  always, IQR outliers when their share exceeds ``outlier_alert_threshold``;
* consistency = share of classified values that fit the inferred type;
* uniqueness = distinct / rows (reported, not in the field score).

Field score = mean(completeness, validity, consistency); overall score =
mean of the field scores (100 for a file without columns).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from analysis_service.agents.unified_profiler.params import ProfilerParams
from analysis_service.domain.cell_kinds import Kind
from analysis_service.domain.pii import ColumnFacts, detect_column
from analysis_service.domain.profile import (
    ColumnProfile,
    DatasetProfile,
    Entropy,
    InferredType,
    OutlierCount,
)
from analysis_service.domain.row_hashes import DuplicateRows
from analysis_service.domain.sketches import DistinctEstimate
from analysis_service.domain.sources import describe_renamed
from analysis_service.findings import grade

#: |z| above which a value is listed as a distribution anomaly (upstream's 3).
Z_SCORE_LIMIT = 3.0
#: Validity loses at most this many points (upstream).
VALIDITY_PENALTY_CAP = 20.0
#: Values sampled for the PII estimate (upstream: the first 100).
PII_SAMPLE = 100


def pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else 0.0


def looks_categorical(distinct: int, non_null: int, params: ProfilerParams) -> bool:
    """At most ``categorical_threshold`` distinct values, or a distinct
    ratio of at most ``categorical_ratio_threshold``."""
    if non_null == 0 or distinct == 0:
        return False
    ratio = distinct / non_null
    return distinct <= params.categorical_threshold or ratio <= params.categorical_ratio_threshold


@dataclass(frozen=True)
class PiiEstimate:
    """The profiler's view of the ONE PII detector (:mod:`analysis_service.domain.pii`,
    the same one score-risk uses): ``pii_type`` the entity's wire value,
    ``sensitivity`` in the contract's words (``critical`` / ``high``; the
    detector's ``medium`` entities, postal codes and IP addresses, are
    reported as ``high``), ``match_share`` the share of sampled values that
    validate, ``from_name`` whether the column name gave context."""

    pii_type: str
    sensitivity: str
    match_share: float
    from_name: bool

    @classmethod
    def of(cls, column: ColumnProfile) -> PiiEstimate | None:
        found = detect_column(
            column.name, column.sample_values(PII_SAMPLE), facts=ColumnFacts.from_profile(column)
        )
        detection = found.detection
        if detection is None:
            return None
        sensitivity = detection.sensitivity.value
        return cls(
            pii_type=detection.entity.value,
            sensitivity="critical" if sensitivity == "critical" else "high",
            match_share=detection.evidence.share,
            from_name=bool(detection.evidence.context),
        )


@dataclass(frozen=True)
class FieldFacts:
    """One field, as the rules see it."""

    column: ColumnProfile
    params: ProfilerParams
    distinct: DistinctEstimate
    outliers: OutlierCount | None
    z_outliers: OutlierCount | None
    entropy: Entropy
    pii: PiiEstimate | None

    @classmethod
    def of(cls, column: ColumnProfile, params: ProfilerParams) -> FieldFacts:
        numeric = column.inferred_type.is_numeric
        return cls(
            column=column,
            params=params,
            distinct=column.distinct(),
            outliers=column.iqr_outliers(params.outlier_iqr_multiplier) if numeric else None,
            z_outliers=column.z_outliers(Z_SCORE_LIMIT) if numeric else None,
            entropy=column.entropy(),
            pii=PiiEstimate.of(column),
        )

    # -- identity and type ---------------------------------------------------
    @property
    def name(self) -> str:
        return self.column.name

    @property
    def inferred(self) -> InferredType:
        return self.column.inferred_type

    @property
    def data_type(self) -> str:
        return self.inferred.value

    @property
    def numeric(self) -> bool:
        return self.inferred.is_numeric

    @property
    def text(self) -> bool:
        return self.inferred is InferredType.STRING

    # -- counts ----------------------------------------------------------------
    @property
    def rows(self) -> int:
        return self.column.rows

    @property
    def non_null(self) -> int:
        return self.column.non_null_count

    @property
    def null_pct(self) -> float:
        return pct(self.column.null_count, self.rows)

    @property
    def missing_pct(self) -> float:
        return pct(self.column.null_count + self.column.empty_count, self.rows)

    @property
    def distinct_count(self) -> int:
        return self.distinct.value

    @property
    def unique_count(self) -> int:
        """Upstream's meaning: distinct values *including* null as one."""
        return self.distinct.value + (1 if self.column.null_count else 0)

    @property
    def unique_pct(self) -> float:
        return pct(self.unique_count, self.rows)

    @property
    def distinct_ratio(self) -> float:
        return self.distinct.value / self.non_null if self.non_null else 0.0

    # -- shape -----------------------------------------------------------------
    @property
    def constant(self) -> bool:
        return self.distinct.exact and self.distinct.value == 1 and self.non_null > 1

    @property
    def all_distinct(self) -> bool:
        """Every non-null value different (exactly known)."""
        return self.distinct.exact and self.non_null >= 2 and self.distinct.value == self.non_null

    @property
    def is_primary_key(self) -> bool:
        """A candidate key: complete and exactly all distinct."""
        return self.all_distinct and self.column.null_count == 0 and self.column.empty_count == 0

    @property
    def categorical(self) -> bool:
        if self.inferred is InferredType.BOOLEAN:
            return True
        return self.text and looks_categorical(self.distinct.value, self.non_null, self.params)

    @property
    def low_cardinality(self) -> bool:
        """A numeric field that looks like a category code."""
        return (
            self.numeric
            and self.distinct.value >= 2
            and self.non_null > self.params.categorical_threshold
            and looks_categorical(self.distinct.value, self.non_null, self.params)
        )

    @property
    def high_cardinality(self) -> bool:
        """A text field with almost only distinct values (identifiers or free text)."""
        return (
            self.text
            and self.non_null > self.params.categorical_threshold
            and self.distinct_ratio >= 1.0 - self.params.categorical_ratio_threshold
        )

    @property
    def imbalance(self) -> float | None:
        """1 - H / ln(k) for categorical fields (0 balanced ... 1 one category)."""
        if not self.categorical:
            return None
        normalised = self.entropy.normalised
        return None if normalised is None else max(0.0, 1.0 - normalised)

    @property
    def skewness(self) -> float | None:
        return self.column.moments.skewness if self.numeric else None

    @property
    def zero_pct(self) -> float:
        return pct(self.column.zero_count, self.column.numeric_count)

    @property
    def infinite_pct(self) -> float:
        return pct(self.column.infinite_count, self.column.numeric_count)

    @property
    def outlier_pct(self) -> float:
        if self.outliers is None:
            return 0.0
        return pct(self.outliers.count, self.column.moments.count)

    # -- type evidence -------------------------------------------------------
    @property
    def mismatch_count(self) -> int:
        return self.column.type_mismatch_count

    @property
    def mismatch_pct(self) -> float:
        return pct(self.mismatch_count, self.column.classified_count)

    @property
    def mixed(self) -> bool:
        """No type reaches the inference threshold, but the majority is not text."""
        return self.text and self.column.majority_kind not in (None, Kind.TEXT)

    @property
    def type_conflict(self) -> bool:
        """Values that do not fit a typed (or mixed) column. Numbers or dates
        among a text column's values are listed, but are not a conflict."""
        return self.mismatch_count > 0 and (not self.text or self.mixed)

    @property
    def expected_type(self) -> str:
        """What the mismatching values fail to be."""
        majority = self.column.majority_kind
        if self.mixed and majority is not None:
            return majority.value
        return self.data_type

    @property
    def day_month_dates(self) -> int:
        """Dates written DD/MM/YYYY or MM/DD/YYYY (whatever the order)."""
        counts = self.column.date_counts
        return counts["day_first"] + counts["month_first"] + counts["either_order"]

    @property
    def date_order(self) -> str | None:
        return self.column.date_order

    @property
    def mismatch_kinds(self) -> list[str]:
        return [kind.value for kind in self.column.mismatch_kinds]

    # -- quality -----------------------------------------------------------
    @property
    def completeness(self) -> float:
        return 100.0 - self.missing_pct if self.rows else 100.0

    @property
    def validity(self) -> float:
        if not self.numeric:
            return 100.0
        penalty = self.infinite_pct
        if self.outlier_pct > self.params.outlier_alert_threshold:
            penalty += self.outlier_pct
        return 100.0 - min(penalty, VALIDITY_PENALTY_CAP)

    @property
    def consistency(self) -> float:
        return 100.0 - self.mismatch_pct if self.column.classified_count else 100.0

    @property
    def uniqueness(self) -> float:
        return self.unique_pct

    @property
    def quality(self) -> float:
        return (self.completeness + self.validity + self.consistency) / 3.0


@dataclass(frozen=True)
class DatasetFacts:
    """The dataset, as the rules see it."""

    profile: DatasetProfile
    fields: tuple[FieldFacts, ...]
    params: ProfilerParams

    @property
    def rows(self) -> int:
        return self.profile.rows

    def _mean(self, values: list[float]) -> float:
        return sum(values) / len(values) if values else 100.0

    @property
    def overall_score(self) -> float:
        return self._mean([f.quality for f in self.fields])

    @property
    def grade(self) -> str:
        return grade(self.overall_score)

    @property
    def completeness(self) -> float:
        return self._mean([f.completeness for f in self.fields])

    @property
    def validity(self) -> float:
        return self._mean([f.validity for f in self.fields])

    @property
    def consistency(self) -> float:
        return self._mean([f.consistency for f in self.fields])

    @property
    def uniqueness(self) -> float:
        return self._mean([f.uniqueness for f in self.fields])

    @property
    def duplicates(self) -> DuplicateRows | None:
        return self.profile.duplicates

    @property
    def duplicate_rows(self) -> int:
        return self.duplicates.duplicate_rows if self.duplicates else 0

    @property
    def duplicate_pct(self) -> float:
        return pct(self.duplicate_rows, self.rows)

    @property
    def replaced_characters(self) -> int:
        return self.profile.source.replaced_characters

    @property
    def encoding(self) -> str:
        return self.profile.source.encoding

    @property
    def encoding_evidence(self) -> str:
        return self.profile.source.encoding_evidence or "decided from the first 64 KiB"

    @property
    def renamed_columns(self) -> list[str]:
        """Header names the reader had to change (empty or repeated)."""
        return [r.name for r in self.profile.source.renamed_columns]

    @property
    def source_changes(self) -> str:
        """What the reader changed or decided about the file, in words
        (renamed headers, removed NUL bytes, the reader's notes); empty when
        nothing."""
        source = self.profile.source
        parts = list(source.notes)
        if source.renamed_columns:
            parts.insert(0, describe_renamed(source.renamed_columns))
        if source.nul_bytes_removed:
            parts.append(
                f"{source.nul_bytes_removed:,} NUL (zero) bytes were removed from the text"
            )
        return "; ".join(parts)


def finite_or(value: float | None, default: float = 0.0) -> float:
    """Upstream's convention for undefined statistics (0.0 instead of NaN)."""
    if value is None or not math.isfinite(value):
        return default
    return float(value)
