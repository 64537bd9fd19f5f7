"""Column-level detection: which entity a column holds, how sure, and why.

For every entity the sampled values are validated (:mod:`.validators`,
:mod:`.phone`, :mod:`.dates`, :mod:`.names`), and the column name is read
as context (:mod:`.context`). An entity is a *candidate* when

* the name gives context and at least ``min_share_with_context`` (60%) of
  the sampled values validate (weak or strong), or
* the name gives none, the entity may be recognised from content alone
  (``confidence_alone`` in :data:`.rules.ENTITY_RULES`), and at least
  ``min_share_alone`` (80%) validate strongly;

person names under a plain ``name`` header (weak context) must also start
with a common given name in ``min_given_name_share`` (15%) of the values
(product names, cities and airports: 0-6%).
The name alone never makes a candidate: a column called ``email`` whose
values are not addresses is not an e-mail column.

Confidence = the rule's base confidence x the lower bound of the 95% Wilson
interval of the validated share, with the finite-population correction
when the number of non-null values is known (a sample that is the whole
column has no sampling error: the bound is the share itself). So ten
values that all validate give less confidence than a thousand. The
candidate with the highest confidence wins; ties go to the rule order.

Spreadsheet damage is reported beside the entity: integers that a
spreadsheet wrote as ``5.5E+15`` lost their last digits (an identifier that
can no longer be validated or joined), see :class:`LostPrecision`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from analysis_service.domain.pii import dates, names, validators
from analysis_service.domain.pii.context import PersonContext, context_for, person_context
from analysis_service.domain.pii.entities import EntityType, Sensitivity
from analysis_service.domain.pii.phone import DEFAULT_REGIONS, PhoneValidator
from analysis_service.domain.pii.rules import (
    ENTITY_RULES,
    PERSON_NAME_WEAK_CONFIDENCE,
    ComplianceNote,
    compliance_notes,
)
from analysis_service.domain.pii.sampler import ColumnSample
from analysis_service.domain.pii.validators import STRONG, Validated
from analysis_service.domain.profile import ColumnProfile

_Z95 = 1.959963984540054
_TEXT_ONLY = (EntityType.EMAIL_ADDRESS, EntityType.PERSON_NAME, EntityType.IBAN)


@dataclass(frozen=True)
class DetectionConfig:
    """Decision thresholds (defaults documented in the module docstring)."""

    min_share_with_context: float = 0.6
    min_share_alone: float = 0.8
    min_given_name_share: float = 0.15
    phone_regions: tuple[str, ...] = DEFAULT_REGIONS
    max_evidence_rows: int = 20
    #: "Today" for birth dates (None: the current date); fixed in tests.
    today: date | None = None


@dataclass(frozen=True)
class ColumnFacts:
    """What the caller already knows about the whole column (all optional).

    ``non_null_count``: values in the column, so a sample that covers all
    of them is treated as exact. ``inferred_type``: the profiler's type
    (``integer``, ``float``, ``boolean``, ``datetime``, ``string``); in a
    numeric or boolean column the text-only entities (e-mail, names, IBAN)
    are not tried.
    """

    non_null_count: int | None = None
    inferred_type: str | None = None

    @classmethod
    def from_profile(cls, column: ColumnProfile) -> ColumnFacts:
        """The facts of a finished profiler column (non-blank values, type)."""
        return cls(
            non_null_count=column.non_null_count - column.empty_count,
            inferred_type=column.inferred_type.value,
        )


@dataclass(frozen=True)
class Evidence:
    """Why an entity was (or was not) chosen.

    ``sampled``: non-blank sampled values; ``validated``: those that counted
    (weak ones only with context); ``strong``: those that validate in a
    distinctive form; ``share = validated / sampled``. ``context``: the name
    words that gave context (empty: content alone). ``subtypes``: counts per
    brand, IP version, phone region, SSN or postal format among the
    validated values (for person names also ``given_name_first``: values
    starting with a common given name). ``rows`` and ``failed_rows``: file rows (0-based data
    rows) of validated and of non-validating sampled values, at most
    ``max_evidence_rows`` each, when the caller gave rows.
    """

    sampled: int
    validated: int
    strong: int
    share: float
    context: tuple[str, ...]
    subtypes: dict[str, int]
    rows: tuple[int, ...]
    failed_rows: tuple[int, ...]


@dataclass(frozen=True)
class Detection:
    entity: EntityType
    confidence: float
    evidence: Evidence

    @property
    def sensitivity(self) -> Sensitivity:
        return ENTITY_RULES[self.entity].sensitivity

    @property
    def label(self) -> str:
        return ENTITY_RULES[self.entity].label

    @property
    def compliance(self) -> tuple[ComplianceNote, ...]:
        return compliance_notes(self.entity)


@dataclass(frozen=True)
class LostPrecision:
    """Integers written in a spreadsheet's scientific notation (``5.5E+15``):
    their last digits are gone. ``original_digits``: the most common length
    the numbers had; ``suggests``: entities the column name points at
    (a card number that lost digits can no longer be checked)."""

    sampled: int
    affected: int
    share: float
    original_digits: int
    rows: tuple[int, ...]
    suggests: tuple[EntityType, ...]


@dataclass(frozen=True)
class ColumnAssessment:
    """The result for one column: ``detection`` is the winning entity (None:
    no PII found), ``candidates`` every entity that qualified, best first."""

    column: str
    sampled: int
    detection: Detection | None
    candidates: tuple[Detection, ...] = ()
    lost_precision: LostPrecision | None = None
    name_suggests: frozenset[EntityType] = field(default_factory=frozenset)

    @property
    def entity(self) -> EntityType | None:
        return self.detection.entity if self.detection else None


def wilson_lower_bound(hits: int, n: int, population: int | None = None) -> float:
    """Lower end of the 95% Wilson score interval for ``hits / n``; with a
    known ``population`` the sampling error shrinks by the finite-population
    correction (zero when the sample is the whole population)."""
    if n <= 0:
        return 0.0
    p = hits / n
    z = _Z95
    if population is not None and population > 1:
        z *= math.sqrt(max(population - n, 0) / (population - 1))
    if z == 0:
        return p
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max((centre - spread) / (1 + z2 / n), 0.0)


def _clean(
    values: Sequence[str | None] | pa.Array | pa.ChunkedArray, rows: Sequence[int] | None
) -> tuple[pa.Array, npt.NDArray[np.int64] | None]:
    if isinstance(values, pa.ChunkedArray):
        array = values.combine_chunks()
    elif isinstance(values, pa.Array):
        array = values
    else:
        array = pa.array(values, type=pa.large_string())
    if not pa.types.is_large_string(array.type):
        array = array.cast(pa.large_string())
    trimmed = pc.utf8_trim_whitespace(array)
    keep = pc.and_(pc.is_valid(trimmed), pc.greater(pc.utf8_length(trimmed), 0))
    keep_np = keep.to_numpy(zero_copy_only=False).astype(bool)
    row_array = None if rows is None else np.asarray(rows, dtype=np.int64)[keep_np]
    return trimmed.filter(keep), row_array


class ColumnDetector:
    """Detects PII in columns; holds the configuration and the phone validator."""

    def __init__(self, config: DetectionConfig | None = None) -> None:
        self.config = config or DetectionConfig()
        self._phone = PhoneValidator(self.config.phone_regions)

    def detect(
        self,
        column: str,
        values: Sequence[str | None] | pa.Array | pa.ChunkedArray,
        *,
        rows: Sequence[int] | None = None,
        facts: ColumnFacts | None = None,
    ) -> ColumnAssessment:
        """Assesses one column from a sample of its values (nulls and blanks
        are dropped; ``rows`` are the file rows of ``values``, if known)."""
        facts = facts or ColumnFacts()
        sample, row_array = _clean(values, rows)
        n = len(sample)
        suggests = frozenset(e for e in EntityType if context_for(column, e))
        if n == 0:
            return ColumnAssessment(column, 0, None, (), None, suggests)
        found = [
            detection
            for entity in ENTITY_RULES
            if (detection := self._judge(entity, column, sample, row_array, facts)) is not None
        ]
        order = list(ENTITY_RULES)
        found.sort(key=lambda d: (-d.confidence, order.index(d.entity)))
        lost = self._lost_precision(column, sample, row_array, suggests)
        return ColumnAssessment(
            column, n, found[0] if found else None, tuple(found), lost, suggests
        )

    def detect_sample(
        self, sample: ColumnSample, facts: ColumnFacts | None = None
    ) -> ColumnAssessment:
        """:meth:`detect` on a :class:`.sampler.ColumnSample` (its rows are
        the evidence rows; its population the finite-population size unless
        ``facts`` says otherwise)."""
        facts = facts or ColumnFacts(non_null_count=sample.non_null)
        return self.detect(sample.column, sample.values, rows=sample.rows, facts=facts)

    # -- one entity ----------------------------------------------------------
    def _validate(
        self, entity: EntityType, sample: pa.Array
    ) -> tuple[Validated, npt.NDArray[np.bool_] | None]:
        if entity is EntityType.PERSON_NAME:
            return names.person_names(sample)
        today = self.config.today or date.today()
        checks: dict[EntityType, Callable[[pa.Array], Validated]] = {
            EntityType.EMAIL_ADDRESS: validators.email,
            EntityType.SSN: validators.ssn,
            EntityType.CREDIT_CARD: validators.credit_card,
            EntityType.IBAN: validators.iban,
            EntityType.IP_ADDRESS: validators.ip_address,
            EntityType.PHONE_NUMBER: self._phone,
            EntityType.ZIPCODE: dates.postal_codes,
            EntityType.DATE_OF_BIRTH: lambda v: dates.birth_dates(v, today),
        }
        return checks[entity](sample), None

    def _judge(
        self,
        entity: EntityType,
        column: str,
        sample: pa.Array,
        rows: npt.NDArray[np.int64] | None,
        facts: ColumnFacts,
    ) -> Detection | None:
        rule = ENTITY_RULES[entity]
        context = context_for(column, entity)
        if not context and rule.confidence_alone is None:
            return None
        if entity is EntityType.PERSON_NAME and person_context(column) is PersonContext.EXCLUDED:
            return None
        if entity in _TEXT_ONLY and facts.inferred_type in ("integer", "float", "boolean"):
            return None
        cfg = self.config
        validated, given = self._validate(entity, sample)
        n = len(sample)
        tiers = validated.tiers
        counted = tiers >= 1 if context else tiers == STRONG
        hits = int(counted.sum())
        share = hits / n
        if share < (cfg.min_share_with_context if context else cfg.min_share_alone):
            return None
        base = rule.confidence_with_context if context else (rule.confidence_alone or 0.0)
        if given is not None:  # person names: how many start with a common given name
            validated.subtypes["given_name_first"] = int(given.sum())
        if entity is EntityType.PERSON_NAME and person_context(column) is PersonContext.WEAK:
            if given is None or given.sum() / n < cfg.min_given_name_share:
                return None
            base = PERSON_NAME_WEAK_CONFIDENCE
        confidence = base * wilson_lower_bound(hits, n, facts.non_null_count)
        cap = cfg.max_evidence_rows
        evidence = Evidence(
            sampled=n,
            validated=hits,
            strong=int((tiers == STRONG).sum()),
            share=share,
            context=context,
            subtypes=dict(validated.subtypes.most_common()),
            rows=() if rows is None else tuple(int(r) for r in rows[counted][:cap]),
            failed_rows=() if rows is None else tuple(int(r) for r in rows[~counted][:cap]),
        )
        return Detection(entity, round(confidence, 4), evidence)

    # -- spreadsheet damage --------------------------------------------------
    def _lost_precision(
        self,
        column: str,
        sample: pa.Array,
        rows: npt.NDArray[np.int64] | None,
        suggests: frozenset[EntityType],
    ) -> LostPrecision | None:
        positions, digits = validators.mangled_numbers(sample)
        if positions.size == 0:
            return None
        original = Counter(digits).most_common(1)[0][0]
        hinted = tuple(e for e in ENTITY_RULES if e in suggests)
        cap = self.config.max_evidence_rows
        return LostPrecision(
            sampled=len(sample),
            affected=int(positions.size),
            share=positions.size / len(sample),
            original_digits=original,
            rows=() if rows is None else tuple(int(r) for r in rows[positions][:cap]),
            suggests=hinted,
        )


@lru_cache(maxsize=1)
def default_detector() -> ColumnDetector:
    """The detector with the default configuration (built once, immutable)."""
    return ColumnDetector()


def detect_column(
    column: str,
    values: Sequence[str | None] | pa.Array | pa.ChunkedArray,
    *,
    rows: Sequence[int] | None = None,
    facts: ColumnFacts | None = None,
) -> ColumnAssessment:
    """:meth:`ColumnDetector.detect` with the default configuration."""
    return default_detector().detect(column, values, rows=rows, facts=facts)
