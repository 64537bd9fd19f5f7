"""quarantine-agent's value checks: injection shapes are flagged, ordinary
text is not; types; formats are a full match on RE2."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis_service.cleaning.agents.quarantine_agent.checks import compile_rules, evaluate
from analysis_service.cleaning.agents.quarantine_agent.params import QuarantineParams
from analysis_service.cleaning.agents.quarantine_agent.rules import INJECTION
from analysis_service.cleaning.agents.quarantine_agent.values import TYPE_TESTS

pytestmark = pytest.mark.unit

INJECTIONS = [
    "'; DROP TABLE users; --",
    "x'; drop table accounts",
    "1; DELETE FROM orders",
    "a'; INSERT INTO admins VALUES ('me')",
    "1 UNION SELECT username, password FROM users",
    "0 union all select null, null",
    "' OR 1=1 --",
    "admin' or '1'='1",
    'x" OR "a"="a',
    "SELECT * FROM customers",
    "UPDATE users SET role='admin'",
    "<script>alert(1)</script>",
    "< SCRIPT src=//evil.js>",
    "javascript:alert(document.cookie)",
    '<img src=x onerror="alert(1)">',
]
ORDINARY = [
    "update your records please",
    "select your plan",
    "drop me a line",
    "Please select the best option from the list",
    "We will update the table tomorrow",
    "drop table linens at the front desk",
    "Trade Union Select Committee",
    "the union selected a new leader",
    "JavaScript: The Good Parts",
    "Tom & Jerry <3",
    "Price: 5; delete later if unused",
    "either this or that",
    "1 or 2 = 3",
    "color is red or blue",
    "Fish & chips; insert coin",
    "O'Brien, Sean",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_shapes_are_flagged(text: str) -> None:
    assert INJECTION.search(text) is not None


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_not_flagged(text: str) -> None:
    assert INJECTION.search(text) is None


def _hits(params: QuarantineParams, frame: pd.DataFrame) -> dict[tuple[str, str], list[int]]:
    found = evaluate(compile_rules(params, list(frame.columns)), frame)
    return {(c.rule, c.column): [int(i) for i in m.nonzero()[0]] for c, m in found.hits}


def test_ordinary_text_rows_are_kept_in_a_batch() -> None:
    frame = pd.DataFrame({"note": pd.array([*ORDINARY, *INJECTIONS], dtype="string")})
    hits = _hits(QuarantineParams(), frame)
    assert hits == {("corrupted_record", "note"): list(range(len(ORDINARY), len(frame)))}


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        ("integer", ["1", "-7", "+3", " 42 ", "10.0", "5.00"], ["1,000", "1.5", "1e3", "x", "٣"]),
        (
            "float",
            ["1", "-1.5", ".5", "1e3", "2E-4", "7."],
            ["inf", "nan", "1e999", "9" * 400, "1,5", "x"],
        ),
        ("numeric", ["3", "3.25"], ["three", "1_000"]),
        ("boolean", ["true", "FALSE", "1", "0", "Yes", "no", "Y", "n", "t", "F"], ["2", "maybe"]),
        (
            "datetime",
            ["2024-01-05", "05/01/2024", "13/01/2024", "2024-01-05T10:00:00Z", "2024-01-05 10:00"],
            ["2024-13-45", "31/02/2024", "yesterday", "2024"],
        ),
        ("string", ["anything", "1"], []),
    ],
)
def test_type_tests(kind: str, good: list[str], bad: list[str]) -> None:
    test = TYPE_TESTS[kind]
    assert all(test(v) for v in good), [v for v in good if not test(v)]
    assert not any(test(v) for v in bad), [v for v in bad if test(v)]
    # the vectorised check (Arrow, RE2) agrees with the reference test
    frame = pd.DataFrame({"c": pd.array([*good, *bad, None, " "], dtype="string")})
    params = QuarantineParams.from_mapping(
        {"expected_schema": {"c": kind}, "detect_broken_records": False}
    )
    wrong = list(range(len(good), len(good) + len(bad)))
    assert _hits(params, frame) == ({("type_mismatch", "c"): wrong} if wrong else {})


def test_format_is_a_full_match() -> None:
    frame = pd.DataFrame(
        {
            "email": pd.array(
                ["abc@x.com", "abc@x.com junk", "junk abc@x.com", None, "  "], dtype="string"
            )
        }
    )
    off = {"detect_broken_records": False}
    params = QuarantineParams.from_mapping(
        {**off, "format_constraints": {"email": r"[^@\s]+@x\.com"}}
    )
    assert _hits(params, frame) == {("invalid_format", "email"): [1, 2]}  # blanks are skipped
    # the catalog's example: a space is in [^@], so this value DOES match it in full
    example = QuarantineParams.from_mapping(
        {**off, "format_constraints": {"email": "^[^@]+@[^@]+$"}}
    )
    assert _hits(example, frame) == {}


def test_blank_required_fields_and_empty_records() -> None:
    frame = pd.DataFrame(
        {
            "a": pd.array(["1", None, "", "   ", None], dtype="string"),
            "b": pd.array(["x", "y", "z", None, "\t"], dtype="string"),
        }
    )
    params = QuarantineParams.from_mapping({"required_fields": ["a"]})
    assert _hits(params, frame) == {
        ("corrupted_record", "all"): [3, 4],  # every cell blank (whitespace too)
        ("missing_required_field", "a"): [1, 2, 3, 4],
    }


def test_range_needs_a_number_and_is_inclusive() -> None:
    frame = pd.DataFrame({"age": pd.array(["0", "120", "120.5", "-0.1", "abc", None], "string")})
    loose = QuarantineParams.from_mapping({"range_constraints": {"age": {"min": 0, "max": 120}}})
    assert _hits(loose, frame) == {
        ("corrupted_record", "all"): [5],
        ("out_of_range", "age"): [2, 3],
        ("non_numeric_range_value", "age"): [4],
    }
    typed = QuarantineParams.from_mapping(
        {"range_constraints": {"age": {"min": 0}}, "expected_schema": {"age": "numeric"}}
    )
    assert _hits(typed, frame) == {
        ("corrupted_record", "all"): [5],
        ("type_mismatch", "age"): [4],
        ("out_of_range", "age"): [3],
    }
