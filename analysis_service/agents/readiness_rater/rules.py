"""readiness-rater's rules as data: what each finding of another agent
costs the readiness score, and the profile's own deductions.

A deduction is subtracted from the weighted component score (upstream
lists deductions without subtracting them). Findings of the other agents
that ran in the same task (their *published* alerts) cost
``SEVERITY_POINTS`` each, at most ``AGENT_CAP`` per agent, so one noisy
agent cannot sink the verdict alone. Alerts of categories the components
already measure (``COUNTED_BY_COMPONENTS``: missing values, type
mismatches) are not deducted again.
"""

from __future__ import annotations

from analysis_service.findings import Severity

SEVERITY_POINTS: dict[Severity, float] = {
    Severity.CRITICAL: 10.0,
    Severity.HIGH: 5.0,
    Severity.MEDIUM: 2.0,
    Severity.LOW: 0.0,
}
#: most points one other agent's findings can cost
AGENT_CAP = 25.0
#: full-row duplicates: points per percent of duplicate rows, and the cap
DUPLICATE_POINTS_PER_PERCENT = 1.0
DUPLICATE_CAP = 15.0
#: alert categories (substrings) the components already count
COUNTED_BY_COMPONENTS = ("missing", "null", "completeness", "type")
#: what the user should do about another agent's findings
REMEDIATION = {
    "unified-profiler": "Work through the profiler's alerts (outliers, constant or skewed columns)",
    "drift-detector": "Check the drifted columns against the baseline before using the data",
    "score-risk": "Mask or restrict the personal and sensitive columns before sharing",
    "test-coverage-agent": "Fix the values failing the configured tests",
}
#: row-level ``readiness_low``: a row with more than this share of empty
#: cells, critical above the second share (upstream's 30 % and 50 %), and
#: how many such rows are kept as examples
LOW_ROW_SHARE = 0.30
LOW_ROW_CRITICAL_SHARE = 0.50
LOW_ROW_EXAMPLES = 100
