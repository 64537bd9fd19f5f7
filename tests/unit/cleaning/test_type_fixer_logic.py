"""type-fixer's decisions: value classes and canonical texts, the whole
column deciding (not its head), codes, separators, mixed columns,
categories, bounded evidence."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis_service.cleaning.agents.type_fixer.inference import (
    FAST_LONG,
    Cls,
    fast_numbers,
    read,
)
from analysis_service.cleaning.agents.type_fixer.params import TypeFixerParams
from analysis_service.cleaning.agents.type_fixer.rules import EXAMPLES
from tests.unit.cleaning.test_type_fixer_agent import csv_bytes, run


@pytest.mark.parametrize(
    ("value", "cls", "target", "text"),
    [
        ("42", Cls.INT, "integer", "42"),
        ("+5", Cls.INT, "integer", "5"),
        ("-0", Cls.INT, "integer", "0"),
        ("1.0", Cls.INTEGRAL, "integer", "1"),
        ("2.50e1", Cls.INTEGRAL, "integer", "25"),
        ("1e3", Cls.INTEGRAL, "float", "1e3"),
        ("9007199254740993.0", Cls.INTEGRAL, "integer", "9007199254740993"),
        ("12345678901234567890.0", Cls.FLOAT, "float", "12345678901234567890.0"),  # > int64
        ("1,234", Cls.INT, "integer", "1234"),
        ("1,234.5", Cls.FLOAT, "float", "1234.5"),
        (" 3.14 ", Cls.FLOAT, "float", "3.14"),
        ("No", Cls.BOOL, "boolean", "false"),
        ("YES", Cls.BOOL, "boolean", "true"),
        ("2024/3/4", Cls.DATE, "datetime", "2024-03-04"),
        ("25.03.2024", Cls.DATE, "datetime", "2024-03-25"),
        ("2024-03-04 7:05", Cls.DATE, "datetime", "2024-03-04T07:05:00"),
        ("2024-03-04T10:20:30.5+0100", Cls.DATE, "datetime", "2024-03-04T10:20:30.5+01:00"),
    ],
)
def test_classes_and_canonical_texts(value: str, cls: Cls, target: str, text: str) -> None:
    reading = read(value)
    assert reading.cls is cls
    assert reading.canonical(target, None) == text


@pytest.mark.parametrize(
    "value",
    [
        "inf",
        "1e400",
        "1,5",
        "y",
        "F",
        "31/02/2024",
        "2024-13-01",
        "12:30",
        "N°3",
        "٣",  # non-ASCII digits are text
        "٢٠٢٤-٠٣-٠٤",
    ],
)
def test_other_values(value: str) -> None:
    assert read(value).cls is Cls.OTHER


@pytest.mark.parametrize("value", ["NA", "N/A", "null", "NULL", "nan", "None", " NA "])
def test_missing_value_spellings(value: str) -> None:
    assert read(value).cls is Cls.NA


def test_missing_value_spellings_are_left_for_null_handler() -> None:
    values = ["1", "NA", "2.0", "N/A"] + [str(i) for i in range(20)]
    out, result = _column(values, strict_types=True)
    assert out == ["1", "NA", "2", "N/A"] + [str(i) for i in range(20)]
    entry = result["data"]["type_analysis"]["type_summary"]["v"]
    assert entry["target_type"] == "integer"
    assert entry["type_share"] == 100.0
    assert "2 missing-value placeholder(s) such as 'NA' left as they are" in entry["issues"]
    assert result["summary_metrics"]["rows_quarantined"] == 0
    assert result["issue_summary"]["total_issues"] == 0


def test_day_month_dates_need_an_order() -> None:
    reading = read("03/04/2024 10:00")
    assert reading.cls is Cls.DATE_DM
    assert reading.canonical("datetime", None) is None
    assert reading.canonical("datetime", "dmy") == "2024-04-03T10:00:00"
    assert reading.canonical("datetime", "mdy") == "2024-03-04T10:00:00"


def _column(
    values: list[str], batch_rows: int = 7, **params: object
) -> tuple[list[str], dict[str, Any]]:
    _, cleaned, _, result = run(
        TypeFixerParams.from_mapping(params), csv_bytes(["v"], [[v] for v in values]), batch_rows
    )
    return [r[0] for r in cleaned[1:]], result


def test_the_whole_column_decides_not_its_head() -> None:
    values = [f"{i}.0" for i in range(150)]
    out, result = _column(values)
    assert out == [str(i) for i in range(150)]  # integers written as "1.0"
    out, result = _column([*values, "2.5"])  # one value after row 100 makes it float
    assert out == [*values, "2.5"]
    entry = result["data"]["type_analysis"]["type_summary"]["v"]
    assert entry["target_type"] == "float"
    out, result = _column([*values, "007"])  # a late leading-zero code: a code column
    assert out == [*values, "007"]
    assert result["data"]["type_analysis"]["type_summary"]["v"]["conversion_status"] == (
        "kept_as_code"
    )


def test_phone_numbers_are_codes() -> None:
    values = ["+41791234567", "+33612345678", "+4915112345678"]
    out, result = _column(values)
    assert out == values
    entry = result["data"]["type_analysis"]["type_summary"]["v"]
    assert entry["conversion_status"] == "kept_as_code"
    assert read("+1,234,567").code_like is False


def test_thousands_separators_only_when_consistent() -> None:
    out, _ = _column(["1,234", "999", "12,000", "5"])
    assert out == ["1234", "999", "12000", "5"]
    out, result = _column(["1,234", "5678"] + [str(i) for i in range(40)])
    assert out[:2] == ["1,234", "5678"]  # inconsistent: the grouped value is reported
    issues = result["row_level_issues"]
    assert [(r["row_index"], r["value"]) for r in issues] == [(0, "1,234")]


def test_mixed_columns() -> None:
    values = [str(i) for i in range(6)] + ["a", "b", "c", "4.0"]
    out, result = _column(values, preserve_mixed_types=True)
    assert out == values
    entry = result["data"]["type_analysis"]["type_summary"]["v"]
    assert entry["conversion_status"] == "preserved_mixed"
    assert result["issue_summary"]["by_type"] == {"type_conflict": 3}
    assert "alert_types_mixed_columns" in {a["alert_id"] for a in result["alerts"]}
    out, result = _column(values)
    assert out == [*values[:-1], "4"]  # converted; the text values stay
    assert result["issue_summary"]["by_type"] == {"type_mismatch": 3}
    out, result = _column(values, strict_types=True)  # too uncertain to quarantine rows
    assert out == [*values[:-1], "4"]
    assert result["summary_metrics"]["rows_quarantined"] == 0
    assert result["summary_metrics"]["remaining_type_issues"] == 3


def test_text_category_and_booleans() -> None:
    out, result = _column(["red", "blue", "green"] * 10)
    entry = result["data"]["type_analysis"]["type_summary"]["v"]
    assert (entry["suggested_type"], entry["conversion_status"]) == ("category", "category")
    assert out == ["red", "blue", "green"] * 10
    _, result = _column(["red", "blue", "green"] * 10, auto_convert_category=False)
    assert result["data"]["type_analysis"]["type_summary"]["v"]["suggested_type"] == "string"
    _, result = _column(["0", "1", "1", "0"])
    assert result["data"]["type_analysis"]["type_summary"]["v"]["target_type"] == "integer"
    out, result = _column(["y", "n", "y"])
    assert out == ["y", "n", "y"]
    assert result["summary_metrics"]["original_type_issues"] == 0


def test_contradictory_dates_stay_ambiguous() -> None:
    values = ["25/03/2024", "03/25/2024", "03/04/2024", "2024-01-02"]
    out, result = _column(values)
    assert out == ["2024-03-25", "2024-03-25", "03/04/2024", "2024-01-02"]
    entry = result["data"]["type_analysis"]["type_summary"]["v"]
    assert "both day-first and month-first dates in the column" in entry["issues"]
    assert result["issue_summary"]["by_type"] == {"ambiguous_date": 1}


def test_invalid_date_is_a_mismatch_kept_as_it_was() -> None:
    values = [f"2024-01-{d:02d}" for d in range(1, 25)] + ["31/02/2024"]
    out, result = _column(values)
    assert out == values
    assert result["issue_summary"]["by_type"] == {"type_mismatch": 1}


def test_precision_is_reported_and_digits_kept() -> None:
    values = ["12345678901234567", "1", "2"]
    out, result = _column(values)
    assert out == values
    assert "alert_types_precision_loss" in {a["alert_id"] for a in result["alerts"]}
    out, result = _column(["12345678901234567890", "1.0"])  # beyond int64: an identifier
    assert out == ["12345678901234567890", "1.0"]
    entry = result["data"]["type_analysis"]["type_summary"]["v"]
    assert entry["conversion_status"] == "kept_as_code"


def test_empty_column() -> None:
    _, cleaned, _, result = run(TypeFixerParams(), b"a,b\n1,\n2,\n")
    assert [r[1] for r in cleaned[1:]] == ["", ""]
    entry = result["data"]["type_analysis"]["type_summary"]["b"]
    assert entry["conversion_status"] == "empty"


def test_evidence_is_bounded_and_counts_everything() -> None:
    values = [str(i) for i in range(100_000)] + ["bad"] * 5_000
    _, result = _column(values, batch_rows=10_000)
    assert result["issue_summary"]["by_type"] == {"type_mismatch": 5_000}
    assert len(result["data"]["row_level_issues"]) == 100
    assert len(result["row_level_issues"]) == EXAMPLES
    assert result["issue_summary"]["listed_issues"] <= EXAMPLES
    assert result["issue_summary"]["truncated"] is True


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="-+0123456789.,e ", min_size=1, max_size=20),
            st.from_regex(r"-?\d{1,18}(\.\d{0,18})?", fullmatch=True),
        ),
        min_size=1,
    )
)
def test_fast_paths_agree_with_reading_one_by_one(values: list[str]) -> None:
    ints, floats = fast_numbers(pd.Series(values, dtype="string"))
    for value, is_int, is_float in zip(values, ints, floats, strict=True):
        reading = read(value)
        if is_int:
            assert reading.cls is Cls.INT and reading.int_text == value
        if is_float:
            assert reading.cls is Cls.FLOAT
        if is_int or is_float:
            assert reading.float_text == value
            assert not (reading.code_like or reading.imprecise or reading.grouped)
            assert reading.long_plain == bool(re.match(FAST_LONG, value))
