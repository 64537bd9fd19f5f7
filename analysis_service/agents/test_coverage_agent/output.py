"""test-coverage-agent's results: per-test GE fields, scores, the upstream
tree (``frontend-contract.md`` §6.4) and the findings.

Scores: each test scores 100 - its unexpected percent (a test on a column
that is not in the file scores 0); a dimension's score is the mean of its
tests; the overall score is the weighted mean of the dimensions that have
tests (weights normalised over them). With no test at all the status is
``not_configured`` and every score is 0 (nothing was tested).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from analysis_service.agents.test_coverage_agent.observer import (
    INDEX_CAP,
    PARTIAL_VALUES,
    CoverageObserver,
    Unexpected,
)
from analysis_service.agents.test_coverage_agent.params import CoverageParams
from analysis_service.domain.profile import DatasetProfile
from analysis_service.findings import StatusBands, normalise_weights
from dqcommon.tools.patterns import pattern_of

DIMENSIONS = ("uniqueness", "range", "format")
NOT_CONFIGURED = "not_configured"
_MISSING_TYPE = {
    "uniqueness": "missing_unique_column",
    "range": "missing_range_column",
    "format": "missing_format_column",
}
_VIOLATION_TYPE = {
    "uniqueness": "uniqueness_violation",
    "range": "range_violation",
    "format": "format_violation",
}


@dataclass(frozen=True)
class TestResult:
    """One test's outcome (``present`` False: its column is not in the file);
    ``values`` are the values of ``rows``, in the same order."""

    test_type: str
    column: str
    present: bool
    element_count: int = 0
    missing_count: int = 0
    unexpected_count: int = 0
    rows: Sequence[int] = ()
    values: Sequence[Any] = ()
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def non_missing(self) -> int:
        return self.element_count - self.missing_count

    @property
    def unexpected_percent(self) -> float:
        return 100.0 * self.unexpected_count / self.non_missing if self.non_missing else 0.0

    @property
    def score(self) -> float:
        return 100.0 - self.unexpected_percent if self.present else 0.0

    @property
    def success(self) -> bool:
        return self.present and self.unexpected_count == 0

    def to_dict(self) -> dict[str, Any]:
        tree: dict[str, Any] = {
            "test_type": self.test_type,
            "column": self.column,
            "column_present": self.present,
            "success": self.success,
            "element_count": self.element_count,
            "missing_count": self.missing_count,
            "missing_percent": (
                100.0 * self.missing_count / self.element_count if self.element_count else 0.0
            ),
            "unexpected_count": self.unexpected_count,
            "unexpected_percent": self.unexpected_percent,
            "unexpected_percent_total": (
                100.0 * self.unexpected_count / self.element_count if self.element_count else 0.0
            ),
            "partial_unexpected_list": list(self.values[:PARTIAL_VALUES]),
            "unexpected_index_list": list(self.rows),
            "unexpected_index_list_truncated": self.unexpected_count > len(self.rows),
            "score": self.score,
        }
        tree.update(self.extras)
        return tree


def _from(
    kind: str, column: str, profile: DatasetProfile, found: Unexpected, **extras: Any
) -> TestResult:
    return TestResult(
        kind,
        column,
        True,
        element_count=profile.rows,
        missing_count=profile.rows - found.element_count,
        unexpected_count=found.unexpected_count,
        rows=found.rows,
        values=found.values,
        extras=extras,
    )


def test_results(
    params: CoverageParams, profile: DatasetProfile, observer: CoverageObserver | None
) -> list[TestResult]:
    """Every configured test, in parameter order (dimension by dimension)."""
    results: list[TestResult] = []
    for column in dict.fromkeys(params.unique_columns):
        state = observer.unique.get(column) if observer else None
        if state is None:
            results.append(TestResult("uniqueness", column, False))
            continue
        u = state.result()
        state.close()
        results.append(
            TestResult(
                "uniqueness",
                column,
                True,
                element_count=profile.rows,
                missing_count=profile.rows - u.element_count,
                unexpected_count=u.unexpected_count,
                rows=u.unexpected_rows,
                values=u.unexpected_values,
                extras={
                    "duplicate_count": u.duplicate_count,
                    "duplicated_values": u.duplicated_values,
                    "spilled_to_disk": u.spilled,
                    "exact": True,
                },
            )
        )
    for column, spec in params.range_tests.items():
        ranged = observer.ranges.get(column) if observer else None
        if ranged is None:
            results.append(TestResult("range", column, False, extras={"bounds": dict(spec)}))
            continue
        results.append(
            _from(
                "range",
                column,
                profile,
                ranged.found,
                bounds={"lower": ranged.minimum, "upper": ranged.maximum},
                non_numeric_count=ranged.non_numeric_count,
            )
        )
    for column, spec in params.format_tests.items():
        formatted = observer.formats.get(column) if observer else None
        parsed = pattern_of(spec) or ("", "")
        if formatted is None:
            results.append(TestResult("format", column, False, extras={"pattern": parsed[0]}))
            continue
        results.append(
            _from(
                "format",
                column,
                profile,
                formatted.found,
                pattern=formatted.pattern,
                description=formatted.description,
                match="full",
                engine="re2",
            )
        )
    return results


@dataclass(frozen=True)
class Scores:
    overall: float
    dimensions: dict[str, float | None]
    status: str


def scores(params: CoverageParams, results: Sequence[TestResult]) -> Scores:
    if not results:
        return Scores(0.0, dict.fromkeys(DIMENSIONS, 0.0), NOT_CONFIGURED)
    dims: dict[str, float | None] = {}
    for dim in DIMENSIONS:
        mine = [r.score for r in results if r.test_type == dim]
        dims[dim] = sum(mine) / len(mine) if mine else None
    weights = {
        "uniqueness": params.uniqueness_weight,
        "range": params.range_weight,
        "format": params.format_weight,
    }
    used = normalise_weights({d: w for d, w in weights.items() if dims[d] is not None})
    overall = sum(used[d] * float(dims[d] or 0.0) for d in used)
    bands = StatusBands.of(
        [(params.excellent_threshold, "excellent"), (params.good_threshold, "good")]
        if params.excellent_threshold >= params.good_threshold
        else [(params.good_threshold, "good")],
        "needs_improvement",
    )
    return Scores(overall, dims, bands.status(overall))


def coverage_issues(results: Sequence[TestResult], columns: Sequence[str]) -> list[dict[str, Any]]:
    """The upstream ``test_coverage_issues`` list."""
    out: list[dict[str, Any]] = []
    for r in results:
        if not r.present:
            shown = ", ".join(columns[:20]) + (" ..." if len(columns) > 20 else "")
            out.append(
                {
                    "type": _MISSING_TYPE[r.test_type],
                    "field": r.column,
                    "severity": "critical",
                    "message": f"The {r.test_type} test names column '{r.column}', which is not "
                    f"in the file (columns: {shown}); the test did not run",
                    "test_type": r.test_type,
                }
            )
        elif r.unexpected_count:
            item: dict[str, Any] = {
                "type": _VIOLATION_TYPE[r.test_type],
                "field": r.column,
                "severity": "critical" if r.test_type == "uniqueness" else "warning",
                "message": _violation_message(r),
                "test_type": r.test_type,
                "unexpected_count": r.unexpected_count,
                "unexpected_percent": r.unexpected_percent,
            }
            if r.test_type == "uniqueness":
                item["duplicate_count"] = r.extras["duplicate_count"]
            else:
                item["violations"] = r.unexpected_count
            out.append(item)
    return out


def _violation_message(r: TestResult) -> str:
    share = f"{r.unexpected_count} of {r.non_missing} non-null values ({r.unexpected_percent:.2f}%)"
    if r.test_type == "uniqueness":
        return (
            f"Column '{r.column}' must be unique: {share} share a value with another row "
            f"({r.extras['duplicate_count']} repeats of {r.extras['duplicated_values']} values)"
        )
    if r.test_type == "range":
        b = r.extras["bounds"]
        return (
            f"Column '{r.column}': {share} are outside [{b['lower']}, {b['upper']}] or not "
            f"numbers ({r.extras['non_numeric_count']} not numbers)"
        )
    return f"Column '{r.column}': {share} do not match /{r.extras['pattern']}/ in full"


__all__ = ["INDEX_CAP", "Scores", "TestResult", "coverage_issues", "scores", "test_results"]
