"""field-standardization through the real chain, cell by cell: spellings
unified to the most frequent one (names and sentinels keep their case),
every case_strategy, whitespace switches, synonyms, units, dates (several
formats, ambiguous ones left and reported, dmy / mdy), the columns it may
touch, accounting and the tally."""

from __future__ import annotations

import pytest

import analysis_service.cleaning.agents.field_standardization as fs
from analysis_service.cleaning.agents.field_standardization import FieldStandardization
from tests.unit.cleaning.fs_helpers import run_fs

PEOPLE = (
    b"city,name,code,note\n"
    b"New York,Anna Smith,AB-1, N/A \n"
    b"new york,anna smith,ab-1,UNKNOWN\n"
    b" NEW  YORK,Anna  Smith,AB-1,Unknown\n"
    b"New York,McDonald,XY-2,Unknown\n"
    b"Paris,McDonald,XY-2,\n"
    b"paris,O'Brien,xy-2,UNKNOWN\n"
    b"Paris,o'brien,XY-2,unknown\n"
)


def test_default_unifies_to_the_most_frequent_spelling() -> None:
    r = run_fs(PEOPLE)
    assert r.cleaned_text == (
        "city,name,code,note\n"
        "New York,Anna Smith,AB-1,N/A\n"
        "New York,Anna Smith,AB-1,UNKNOWN\n"
        "New York,Anna Smith,AB-1,UNKNOWN\n"  # Unknown/UNKNOWN tie 2:2 -> first seen
        "New York,McDonald,XY-2,UNKNOWN\n"
        "Paris,McDonald,XY-2,\n"  # the empty cell stays empty
        "Paris,O'Brien,XY-2,UNKNOWN\n"
        "Paris,O'Brien,XY-2,UNKNOWN\n"  # O'Brien/o'brien tie 1:1 -> first seen
    )
    assert r.quarantine == [["city", "name", "code", "note", *fs_quarantine_columns()]]
    assert r.run.rows_in == 7 == r.run.rows_cleaned and r.run.rows_quarantined == 0
    assert r.cells("trim_whitespace", "city") == 1 and r.cells("trim_whitespace", "note") == 1
    assert r.cells("internal_spacing", "city") == 1 and r.cells("internal_spacing", "name") == 1
    assert [r.cells("case_unified", c) for c in ("city", "name", "code", "note")] == [3, 2, 2, 3]
    assert r.tree["summary_metrics"]["values_changed"] == 3 + 3 + 2 + 4
    assert r.tree["summary_metrics"]["columns_standardized"] == 4
    pre = r.data["standardization_analysis"]["pre_standardization"]["column_analysis"]
    post = r.data["standardization_analysis"]["post_standardization"]["column_analysis"]
    assert pre["city"]["total_unique_values"] == 5 and post["city"]["total_unique_values"] == 2
    assert (pre["city"]["case_variations"], pre["city"]["whitespace_issues"]) == (2, 1)
    assert (post["city"]["case_variations"], post["city"]["whitespace_issues"]) == (0, 0)
    assert pre["note"]["total_non_null_values"] == 6 == post["note"]["total_non_null_values"]
    metrics = r.data["standardization_score"]["metrics"]
    assert (metrics["variations_before"], metrics["variations_after"]) == (10, 0)
    assert r.data["standardization_score"]["overall_score"] == 100.0
    assert r.data["quality_status"] == "excellent"


def fs_quarantine_columns() -> list[str]:
    from analysis_service.cleaning.model import QUARANTINE_COLUMNS

    return list(QUARANTINE_COLUMNS)


def test_case_sensitive_codes_are_not_unified() -> None:
    r = run_fs(b"video,tag\ndQw4w9WgXcQ,AB-1\nDQw4w9WgXcQ,ab-1\ndQw4w9WgXcQ,AB-1\n")
    assert r.column("video") == ["dQw4w9WgXcQ", "DQw4w9WgXcQ", "dQw4w9WgXcQ"]
    assert r.column("tag") == ["AB-1"] * 3  # upper / lower spellings of one code are unified
    assert r.data["standardization_analysis"]["case_sensitive_keys_kept"] == {"video": 1}


def test_change_records_per_step_with_original_rows() -> None:
    r = run_fs(PEOPLE, batch_rows=3)
    tally = r.run.tallies["field-standardization"]
    trim = tally.rules[("trim_whitespace", "city")].examples
    assert trim == [{"row_index": 2, "before": " NEW  YORK", "after": "NEW  YORK"}]
    spacing = tally.rules[("internal_spacing", "city")].examples
    assert spacing == [{"row_index": 2, "before": "NEW  YORK", "after": "NEW YORK"}]
    case = tally.rules[("case_unified", "city")].examples
    assert [(e["row_index"], e["before"], e["after"]) for e in case] == [
        (1, "new york", "New York"),
        (2, "NEW YORK", "New York"),
        (5, "paris", "Paris"),
    ]
    assert all(t.nulled == 0 for t in tally.rules.values())
    rows = [i for i in r.data["row_level_issues"] if i["column"] == "city"]
    assert [(i["row_index"], i["value"], i["standardized_value"]) for i in rows] == [
        (1, "new york", "New York"),
        (2, " NEW  YORK", "New York"),
        (5, "paris", "Paris"),
    ]
    assert rows[1]["rules"] == ["trim_whitespace", "internal_spacing", "case_unified"]
    assert {i["issue_type"] for i in r.data["row_level_issues"]} == {"inconsistent_format"}


CASES = b"name,city\nAnna Smith,new york\nanna smith,New York\nMcDonald,NEW YORK\n"


@pytest.mark.parametrize(
    ("strategy", "names", "cities"),
    [
        (
            "most_frequent",
            ["Anna Smith", "Anna Smith", "McDonald"],
            ["new york", "new york", "new york"],  # three spellings once each: the first
        ),
        ("lowercase", ["anna smith", "anna smith", "mcdonald"], ["new york"] * 3),
        ("uppercase", ["ANNA SMITH", "ANNA SMITH", "MCDONALD"], ["NEW YORK"] * 3),
        ("titlecase", ["Anna Smith", "Anna Smith", "Mcdonald"], ["New York"] * 3),
        ("none", ["Anna Smith", "anna smith", "McDonald"], ["new york", "New York", "NEW YORK"]),
    ],
)
def test_each_case_strategy(strategy: str, names: list[str], cities: list[str]) -> None:
    r = run_fs(CASES, case_strategy=strategy)
    assert r.column("name") == names and r.column("city") == cities
    rule = "case_unified" if strategy == "most_frequent" else f"case_{strategy}"
    before = ["Anna Smith", "anna smith", "McDonald", "new york", "New York", "NEW YORK"]
    changed = sum(a != b for a, b in zip(names + cities, before, strict=True))
    assert r.cells(rule, "name") + r.cells(rule, "city") == changed


SPACES = b"v\n a  b\na b\nA B\n"


@pytest.mark.parametrize(
    ("trim", "spacing", "expected"),
    [
        (True, True, ["a b", "a b", "a b"]),
        (False, True, [" a b", "a b", "a b"]),  # leading space kept: not asked to trim
        (True, False, ["a  b", "a b", "a b"]),  # double space kept: a spelling of its own
        (False, False, [" a  b", "a b", "a b"]),
    ],
)
def test_whitespace_switches(trim: bool, spacing: bool, expected: list[str]) -> None:
    r = run_fs(SPACES, trim_whitespace=trim, normalize_internal_spacing=spacing)
    assert r.column("v") == expected
    assert r.cells("trim_whitespace", "v") == (1 if trim else 0)
    assert r.cells("internal_spacing", "v") == (1 if spacing else 0)


def test_none_with_whitespace_off_changes_nothing() -> None:
    r = run_fs(
        PEOPLE, case_strategy="none", trim_whitespace=False, normalize_internal_spacing=False
    )
    assert r.cleaned_text == PEOPLE.decode()
    assert r.tree["summary_metrics"]["values_changed"] == 0
    assert r.run.tallies["field-standardization"].rules == {}


COUNTRIES = b"country,other\nUSA,usa\nusa,USA\nU.S.,U.S.\nUnited States,x\nGermany,y\n"
SYNONYMS = {"country": {"usa": "United States", "U.S.": "United States"}}


def test_synonyms_whole_value_case_insensitive_written_verbatim() -> None:
    r = run_fs(COUNTRIES, synonym_mappings=SYNONYMS)
    assert r.column("country") == ["United States"] * 4 + ["Germany"]
    assert r.column("other") == ["usa", "usa", "U.S.", "x", "y"]  # no mapping for it
    assert r.cells("synonym", "country") == 3 and r.cells("case_unified", "country") == 1
    off = run_fs(COUNTRIES, synonym_mappings=SYNONYMS, apply_synonyms=False)
    assert off.column("country") == ["USA", "USA", "U.S.", "United States", "Germany"]
    assert (
        off.data["standardization_analysis"]["standardization_operations"]["synonyms_applied"]
        is False
    )


UNITS = b"weight\n150 lb\n2 kg\n10LB\nheavy\n-1.5 lb\n"
UNIT_MAP = {"weight": {"lb": {"factor": 0.4536, "target_unit": "kg"}}}


def test_units_converted_and_unmatched_reported() -> None:
    r = run_fs(UNITS, unit_standardization=True, unit_mappings=UNIT_MAP)
    assert r.column("weight") == ["68.04 kg", "2 kg", "4.536 kg", "heavy", "-0.6804 kg"]
    assert r.cells("unit", "weight") == 3
    left = [i for i in r.data["row_level_issues"] if i["issue_type"] == "format_violation"]
    assert [(i["row_index"], i["value"], i["reason"]) for i in left] == [
        (3, "heavy", "unit_unmatched")
    ]
    assert r.data["issue_summary"]["by_type"] == {"inconsistent_format": 3, "format_violation": 1}
    off = run_fs(UNITS, unit_mappings=UNIT_MAP)  # unit_standardization defaults to false
    assert off.column("weight") == ["150 lb", "2 kg", "10LB", "heavy", "-1.5 lb"]


DECIDED = (
    b"id,when\n1,2024-01-05\n2,05/01/2024\n3,25/12/2024\n4,2024/3/7\n5,03.04.2024\n6,7-8-2024\n"
)


def test_date_formats_to_target_with_evidence_from_the_whole_column() -> None:
    r = run_fs(DECIDED)
    # 25/12/2024 shows the column is day-first: every day/month value is read so
    assert r.column("when") == [
        "2024-01-05",
        "2024-01-05",
        "2024-12-25",
        "2024-03-07",
        "2024-04-03",
        "2024-08-07",
    ]
    assert r.column("id") == ["1", "2", "3", "4", "5", "6"]
    dates = r.data["standardization_analysis"]["date_columns"]
    assert list(dates) == ["when"] and dates["when"]["order"] == "dmy"
    assert r.cells("date_standardized", "when") == 5
    dotted = run_fs(DECIDED, target_date_format="%d.%m.%Y")
    assert dotted.column("when")[0] == "05.01.2024" and dotted.column("when")[4] == "03.04.2024"
    off = run_fs(DECIDED, date_standardization=False)
    assert off.cleaned_text == DECIDED.decode()


AMBIGUOUS = b"when\n2024-01-05\n03/04/2024\n05/06/2023\n04/04/2024\n2024/2/1\n03/04/2024\n"


@pytest.mark.parametrize(
    ("convention", "expected"),
    [
        (
            "auto",
            ["2024-01-05", "03/04/2024", "05/06/2023", "2024-04-04", "2024-02-01", "03/04/2024"],
        ),
        (
            "dmy",
            ["2024-01-05", "2024-04-03", "2023-06-05", "2024-04-04", "2024-02-01", "2024-04-03"],
        ),
        (
            "mdy",
            ["2024-01-05", "2024-03-04", "2023-05-06", "2024-04-04", "2024-02-01", "2024-03-04"],
        ),
    ],
)
def test_ambiguous_dates_left_and_reported_unless_a_convention_is_given(
    convention: str, expected: list[str]
) -> None:
    r = run_fs(AMBIGUOUS, date_convention=convention)
    assert r.column("when") == expected
    ambiguous = r.data["ambiguous_dates"]
    if convention == "auto":
        assert ambiguous == {
            "when": {
                "count": 3,
                "examples": [
                    {"row_index": 1, "value": "03/04/2024"},
                    {"row_index": 2, "value": "05/06/2023"},
                    {"row_index": 5, "value": "03/04/2024"},
                ],
            }
        }
        rows = [i for i in r.data["row_level_issues"] if i["issue_type"] == "ambiguous_date"]
        assert [i["row_index"] for i in rows] == [1, 2, 5]
        assert rows[0]["severity"] == "warning"
        assert rows[0]["possible_readings"] == ["2024-04-03", "2024-03-04"]
        assert "alert_standardization_ambiguous_dates" in {
            a.alert_id for a in r.output.findings.alerts
        }
        assert "rec_standardization_when" in {
            x.recommendation_id for x in r.output.findings.recommendations
        }
    else:
        assert ambiguous == {}


def test_a_column_with_few_dates_is_not_a_date_column() -> None:
    r = run_fs(b"note\n03/04/2024\nhello\nworld\n")
    assert r.column("note") == ["03/04/2024", "hello", "world"]
    assert r.data["standardization_analysis"]["date_columns"] == {}


def test_target_and_preserve_columns() -> None:
    r = run_fs(CASES, case_strategy="uppercase", target_columns=["city", "ghost"])
    assert r.column("name") == ["Anna Smith", "anna smith", "McDonald"]
    assert r.column("city") == ["NEW YORK"] * 3
    ignored = r.data["standardization_analysis"]["ignored_parameters"]
    assert ignored == {"target_columns": ["ghost"]}
    p = run_fs(CASES, case_strategy="uppercase", preserve_columns=["name"])
    assert p.column("name") == ["Anna Smith", "anna smith", "McDonald"]
    both = run_fs(
        CASES, case_strategy="uppercase", target_columns=["city"], preserve_columns=["city"]
    )
    assert both.cleaned_text == CASES.decode()


def test_saturated_column_leaves_unrecorded_spellings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fs, "MAX_SPELLINGS_PER_COLUMN", 2)
    r = run_fs(b"v\na\nb\nc\nC\nc\nA\nb\n")
    assert r.column("v") == ["a", "b", "c", "C", "c", "A", "b"]
    assert r.data["saturated_columns"] == ["v"]
    pre = r.data["standardization_analysis"]["pre_standardization"]["column_analysis"]["v"]
    assert pre["case_variations_exact"] is False and pre["total_unique_values"] == 5
    assert "alert_standardization_saturated" in {a.alert_id for a in r.output.findings.alerts}


def test_preview_pass_predicts_the_writing_pass() -> None:
    r = run_fs(PEOPLE, batch_rows=2, preview=True, synonym_mappings={"city": {"paris": "PARIS"}})
    agent = "field-standardization"
    assert r.run.preview[agent].counts() == r.run.tallies[agent].counts()
    cells = {k: t.cells for k, t in r.run.tallies[agent].rules.items()}
    assert cells == {k: t.cells for k, t in r.run.preview[agent].rules.items()}
    assert r.column("city") == ["New York"] * 4 + ["PARIS"] * 3


@pytest.mark.parametrize(
    "raw",
    [
        {"case_strategy": "shout"},
        {"date_convention": "ymd"},
        {"target_date_format": "%Y"},
        {"target_date_format": "date"},
        {"target_date_format": "%A %d %B"},
        {"synonym_mappings": {"c": {"x": ""}}},
        {"synonym_mappings": {"c": {"x": "A", "X": "B"}}},
        {"synonym_mappings": {"c": ["x"]}},
        {"unit_mappings": {"w": {"lb": {"factor": 0, "target_unit": "kg"}}}},
        {"unit_mappings": {"w": {"lb": {"factor": 2}}}},
    ],
)
def test_bad_parameters_are_refused(raw: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        FieldStandardization().parse_params(raw)


def test_no_cell_becomes_null_and_null_tokens_are_not_touched() -> None:
    # "   " would be empty once trimmed: it stays as it is. N/A, n/a and NA
    # are read as nulls by the source; the agent changes none of them (the
    # chain writes a null as an empty cell).
    r = run_fs(b"v,w\n   ,N/A\nx ,n/a\nX,NA\nx,N/A\n", case_strategy="uppercase")
    assert r.column("v") == ["   ", "X", "X", "X"]
    assert r.column("w") == ["", "", "", ""]
    rules = r.run.tallies["field-standardization"].rules
    assert {column for _, column in rules} == {"v"}
    assert all(t.nulled == 0 for t in rules.values())
    post = r.data["standardization_analysis"]["post_standardization"]["column_analysis"]["v"]
    assert post["whitespace_issues"] == 1  # the blank cell, reported, not emptied
