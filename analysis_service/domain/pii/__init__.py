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

Typical use (an agent)::

    sampler = PiiSampler(columns, parameters["pii_sample_size"], seed=0)
    ...  # the runner feeds sampler.consume(batch) during the pass
    detector = ColumnDetector()
    for name, sample in sampler.samples().items():
        result = detector.detect(name, sample.values, rows=sample.rows,
                                 facts=ColumnFacts(non_null_count=sample.non_null))
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
