"""test-coverage-agent's sheet "Test Coverage": upstream's Test Type,
Severity, Description, then ours (one row per configured test, with the
Great Expectations counts), and the status and scores as a side block."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook

from analysis_service.report.sheets.cells import Column, Kind, write_table

TITLE = "Test Coverage"

COLUMNS = (
    Column("Test Type"),
    Column("Severity"),
    Column("Description"),
    Column("Column"),
    Column("Column Present", Kind.BOOL),
    Column("Passed", Kind.BOOL),
    Column("Element Count", Kind.INT),
    Column("Missing Count", Kind.INT),
    Column("Unexpected Count", Kind.INT),
    Column("Unexpected %", Kind.PERCENT),
    Column("Score", Kind.FLOAT),
    Column("Test"),
    Column("First Unexpected Rows"),
)


def _row(test: Mapping[str, Any], issue: Mapping[str, Any] | None) -> list[Any]:
    kind = test.get("test_type")
    if kind == "range":
        bounds = test.get("bounds") or {}
        what = f"between {bounds.get('lower')} and {bounds.get('upper')}"
    elif kind == "format":
        what = f"matches /{test.get('pattern')}/ in full"
    else:
        what = "unique"
    rows = test.get("unexpected_index_list") or []
    return [
        kind,
        issue.get("severity") if issue else "pass",
        issue.get("message") if issue else f"Every value of '{test.get('column')}' is {what}",
        test.get("column"),
        test.get("column_present"),
        test.get("success"),
        test.get("element_count"),
        test.get("missing_count"),
        test.get("unexpected_count"),
        test.get("unexpected_percent"),
        test.get("score"),
        what,
        ", ".join(str(r) for r in rows[:20]) or None,
    ]


def write(book: Workbook, result: Mapping[str, Any]) -> None:
    data = result.get("data", {})
    scores = data.get("test_coverage_scores", {})
    tested = set(data.get("dimensions_tested", []))
    issues = {(i.get("test_type"), i.get("field")): i for i in data.get("test_coverage_issues", [])}
    tests = data.get("tests", [])
    side: list[tuple[str, Any]] = [
        ("Test Coverage", None),
        ("Coverage Status", data.get("coverage_status")),
        ("Issues Found", len(data.get("test_coverage_issues", []))),
        ("Fields Tested", len({t.get("column") for t in tests})),
        ("Tests Passed", data.get("tests_passed")),
        ("Tests Configured", data.get("tests_configured")),
        ("Scores", None),
        ("Overall", scores.get("overall")),
    ]
    side += [
        (name.capitalize(), scores.get(name))
        for name in ("uniqueness", "range", "format")
        if name in tested
    ]
    write_table(
        book,
        TITLE,
        COLUMNS,
        (_row(t, issues.get((t.get("test_type"), t.get("column")))) for t in tests),
        side=side,
    )


__all__ = ["TITLE", "write"]
