"""unified-profiler's parameters (the catalog entry, typed)."""

from __future__ import annotations

from dataclasses import dataclass

from analysis_service.agents.params import AgentParams


@dataclass(frozen=True)
class ProfilerParams(AgentParams):
    """Every parameter has an effect:

    * ``null_alert_threshold``: null % above which a field is critical (the
      high-nulls alert, the critical-nulls recommendation, the issue's
      severity and the ``critical_issues`` count);
    * ``categorical_threshold`` / ``categorical_ratio_threshold``: a field
      with at most that many distinct values, or a distinct/non-null ratio at
      most that, looks categorical: text and boolean fields are reported as
      categorical (and get the imbalance check), numeric ones get the
      low-cardinality finding; a text field whose ratio is at least
      1 - ``categorical_ratio_threshold`` has high cardinality;
    * ``top_n_values``: length of ``distribution.top_values``;
    * ``outlier_iqr_multiplier``: k of the IQR fences;
    * ``outlier_alert_threshold``: outlier % above which a numeric field
      raises the outlier alert and issue, and loses validity.
    """

    null_alert_threshold: int = 50
    categorical_threshold: int = 20
    categorical_ratio_threshold: float = 0.05
    top_n_values: int = 10
    outlier_iqr_multiplier: float = 1.5
    outlier_alert_threshold: int = 5
