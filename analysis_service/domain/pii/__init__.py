"""PII detection: validators, column-level detection, sampling, rules.

A pure domain package (no agent, report or I/O code). The pieces:

* :class:`PiiSampler` (:mod:`.sampler`): the batch observer that keeps a
  seeded, mergeable, uniform sample of ``sample_size`` values per column
  with their file rows;
* :func:`detect_column` / :class:`ColumnDetector` (:mod:`.detector`):
  column name + sampled values (+ optional :class:`ColumnFacts`) ->
  :class:`ColumnAssessment` (the winning :class:`Detection` with its
  entity, confidence and :class:`Evidence`; every candidate; spreadsheet
  damage as :class:`LostPrecision`);
* :data:`ENTITY_RULES`, :func:`compliance_notes`, :func:`sensitive_name`
  (:mod:`.rules`): sensitivity, frameworks and notes, as data;
* the validators themselves (:mod:`.validators`, :mod:`.phone`,
  :mod:`.dates`, :mod:`.names`) and the name context (:mod:`.context`).

Typical use::

    # score-risk: a sampler fed during the pass, then one detection per column
    sampler = PiiSampler(columns, parameters["pii_sample_size"], seed=0)
    ...  # the runner calls sampler.consume(batch) for every batch
    detector = ColumnDetector()
    results = [detector.detect_sample(s) for s in sampler.samples().values()]

    # the unified profiler: its own first values plus the profile's facts
    result = detect_column(column.name, column.sample_values(100),
                           facts=ColumnFacts.from_profile(column))
    estimated_pii_type = result.entity.value if result.entity else None
    estimated_sensitivity_level = (
        result.detection.sensitivity.value if result.detection else None)
"""

from analysis_service.domain.pii.context import name_suggests, person_context, tokens
from analysis_service.domain.pii.detector import (
    ColumnAssessment,
    ColumnDetector,
    ColumnFacts,
    Detection,
    DetectionConfig,
    Evidence,
    LostPrecision,
    detect_column,
    wilson_lower_bound,
)
from analysis_service.domain.pii.entities import EntityType, Framework, Sensitivity
from analysis_service.domain.pii.rules import (
    ENTITY_RULES,
    SENSITIVE_NAME_RULES,
    ComplianceNote,
    EntityRule,
    SensitiveNameRule,
    compliance_notes,
    sensitive_name,
)
from analysis_service.domain.pii.sampler import ColumnSample, PiiSampler

__all__ = [
    "ENTITY_RULES",
    "SENSITIVE_NAME_RULES",
    "ColumnAssessment",
    "ColumnDetector",
    "ColumnFacts",
    "ColumnSample",
    "ComplianceNote",
    "Detection",
    "DetectionConfig",
    "EntityRule",
    "EntityType",
    "Evidence",
    "Framework",
    "LostPrecision",
    "PiiSampler",
    "SensitiveNameRule",
    "Sensitivity",
    "compliance_notes",
    "detect_column",
    "name_suggests",
    "person_context",
    "sensitive_name",
    "tokens",
    "wilson_lower_bound",
]
