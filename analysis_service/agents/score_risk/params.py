"""score-risk's parameters (the catalog entry, typed)."""

from __future__ import annotations

from dataclasses import dataclass

from analysis_service.agents.params import AgentParams


@dataclass(frozen=True)
class RiskParams(AgentParams):
    """Every parameter has an effect:

    * ``pii_sample_size``: size of the seeded uniform reservoir of non-null
      values per column the PII validators read (whole file, not the first
      rows);
    * ``high_risk_threshold`` / ``medium_risk_threshold``: risk score at or
      above which a field is high / medium (field levels, the overall level,
      the card's status);
    * ``pii_detection_enabled``: look for PII in the values;
    * ``sensitive_field_detection_enabled``: score sensitive names
      (credentials, health, government ids ...) without PII in the values;
    * ``governance_check_enabled``: report governance gaps (a risky field
      whose name does not say it is encrypted, masked, hashed or tokenised).
    """

    pii_sample_size: int = 100
    high_risk_threshold: int = 70
    medium_risk_threshold: int = 40
    pii_detection_enabled: bool = True
    sensitive_field_detection_enabled: bool = True
    governance_check_enabled: bool = True

    def level(self, score: float) -> str:
        if score >= self.high_risk_threshold:
            return "high"
        return "medium" if score >= self.medium_risk_threshold else "low"
