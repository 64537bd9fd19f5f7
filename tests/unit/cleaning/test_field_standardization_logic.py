from decimal import Decimal

from analysis_service.cleaning.agents.field_standardization.logic import (
    DateEvidence,
    SpellingTable,
    UnitRule,
    apply_case,
    convert_unit,
    fingerprint,
    standardize_date,
)


def test_most_frequent_spelling_wins_and_nothing_is_lowercased() -> None:
    table = SpellingTable()
    for v in ["New York", "new york", "New  York", "New York", "Paris", " paris", "Paris", "IBM"]:
        table.add(v)
    assert table.canonical() == {"new york": "New York", "New  York": "New York", " paris": "Paris"}
    assert fingerprint("  New   YORK ") == "new york"


def test_table_is_bounded() -> None:
    table = SpellingTable(max_spellings=2)
    for v in ["a", "b", "c", "C", "a"]:
        table.add(v)
    assert table.saturated and table.counts == {"a": 2, "b": 1} and table.unrecorded == 2
    assert table.canonical() == {}


def test_units_are_exact_decimals_and_whole_values() -> None:
    rules = {"lb": UnitRule(Decimal("0.4536"), "kg")}
    targets = frozenset({"kg"})
    assert convert_unit("150 lb", rules, targets) == ("68.04 kg", "converted")
    assert convert_unit("10LB", rules, targets) == ("4.536 kg", "converted")
    assert convert_unit("2 kg", rules, targets) == ("2 kg", "unchanged")
    assert convert_unit("about 3 lb", rules, targets)[1] == "unmatched"
    assert convert_unit("3", rules, targets)[1] == "unmatched"


def test_case_options() -> None:
    assert apply_case("aNNa smith", "titlecase") == "Anna Smith"
    assert apply_case("o'brien, DON'T; i'm 3rd jean-luc", "titlecase") == (
        "O'Brien, Don't; I'm 3rd Jean-Luc"
    )
    assert apply_case("x", "uppercase") == "X"
    assert apply_case("AbC", "none") == "AbC"


def test_ambiguous_dates_reported_not_guessed() -> None:
    ev = DateEvidence()
    for v in ["03/04/2024", "2024-01-05", "05/06/2023", "x"]:
        ev.add(v)
    assert ev.is_date_column() and ev.order("auto") is None
    assert standardize_date("03/04/2024", ev.order("auto"), "%Y-%m-%d").status == "ambiguous"
    assert standardize_date("2024/1/5", None, "%Y-%m-%d").value == "2024-01-05"
    assert standardize_date("25/12/2024", None, "%Y-%m-%d").value == "2024-12-25"
    assert standardize_date("03/04/2024", "dmy", "%Y-%m-%d").value == "2024-04-03"
    assert standardize_date("03/04/2024", "mdy", "%Y-%m-%d").value == "2024-03-04"
    assert standardize_date("31/02/2024", "dmy", "%Y-%m-%d").status == "invalid"


def test_column_evidence_decides_order() -> None:
    ev = DateEvidence()
    for v in ["25/12/2024", "03/04/2024"]:
        ev.add(v)
    assert ev.order("auto") == "dmy"
    assert standardize_date("03/04/2024", ev.order("auto"), "%d.%m.%Y").value == "03.04.2024"
