"""Per-value validators: every rule of each entity, accepted and refused."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pytest
from faker import Faker

from analysis_service.domain.pii import dates, names, validators
from analysis_service.domain.pii.phone import PhoneValidator
from analysis_service.domain.pii.tables import IBAN_LENGTHS

pytestmark = pytest.mark.unit

TODAY = date(2026, 6, 1)


def tiers(check, values):
    return check(pa.array(values, type=pa.large_string())).tiers.tolist()


def luhn_digit(body: str) -> str:
    """The check digit that makes ``body + digit`` pass Luhn (independent of
    the validator: the textbook right-to-left sum)."""
    total = 0
    for i, char in enumerate(reversed(body)):
        d = int(char)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


# --- e-mail -------------------------------------------------------------------


def test_email_shapes():
    good = ["a@b.co", "first.last+tag@sub.example.org", "Ann Lee <ann@x.io>", "ü@bücher.de"]
    bad = ["a@b", "@b.com", "a@@b.com", ".a@b.com", "a.@b.com", "a..b@c.com", "a b@c.com"]
    bad += ["a@b.c", "a@-b.com", "Ann <ann@x.io", "x" * 65 + "@b.com", "a@b.c0m"]
    assert tiers(validators.email, good) == [2] * len(good)
    assert tiers(validators.email, bad) == [0] * len(bad)


# --- SSN ----------------------------------------------------------------------


def test_ssn_rules():
    assert tiers(validators.ssn, ["123-45-6788", "123 45 6788", "123456788"]) == [2, 2, 1]
    refused = [
        "000-12-3456",  # area 000
        "666-12-3456",  # area 666
        "900-12-3456",  # area 9xx
        "999-12-3456",
        "123-00-4567",  # group 00
        "123-45-0000",  # serial 0000
        "111-11-1111",  # one digit
        "078-05-1120",  # the Woolworth wallet card
        "219-09-9999",  # SSA pamphlet
        "123-45-6789",  # the placeholder
        "123-45 6788",  # mixed separators
        "12-345-6788",  # wrong grouping
        "1234-56-788",
    ]
    assert tiers(validators.ssn, refused) == [0] * len(refused)


def test_faker_ssns_validate():
    fake = Faker("en_US")
    fake.seed_instance(1)
    assert set(tiers(validators.ssn, [fake.ssn() for _ in range(500)])) == {2}


# --- payment cards ------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "length", "brand"),
    [
        ("4", 13, "visa"),
        ("4", 16, "visa"),
        ("4", 19, "visa"),
        ("51", 16, "mastercard"),
        ("55", 16, "mastercard"),
        ("2221", 16, "mastercard"),  # 2-series, first
        ("2720", 16, "mastercard"),  # 2-series, last
        ("34", 15, "amex"),
        ("37", 15, "amex"),
        ("6011", 16, "discover"),
        ("6011", 19, "discover"),
        ("65", 16, "discover"),
        ("622126", 16, "discover"),
        ("36", 14, "diners"),
        ("3528", 16, "jcb"),
        ("3589", 19, "jcb"),
        ("62", 19, "unionpay"),
        ("6759", 12, "maestro"),
        ("2200", 16, "mir"),
    ],
)
def test_card_issuers(prefix, length, brand):
    rng = np.random.default_rng(length * 1000 + len(prefix))
    body = prefix + "".join(map(str, rng.integers(0, 10, length - len(prefix) - 1)))
    number = body + luhn_digit(body)
    result = validators.credit_card(pa.array([number], type=pa.large_string()))
    assert result.tiers.tolist() == [2]
    assert dict(result.subtypes) == {brand: 1}
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert tiers(validators.credit_card, [wrong]) == [0]  # Luhn


def test_card_prefix_and_length_are_checked():
    def valid(body: str) -> str:
        return body + luhn_digit(body)

    refused = [
        valid("2220" + "1" * 11),  # just below the 2-series
        valid("2721" + "1" * 11),  # just above it
        valid("41" + "1" * 12),  # Visa with 15 digits
        valid("51" + "1" * 16),  # Mastercard with 19
        valid("34" + "1" * 13),  # Amex with 16
        valid("3527" + "1" * 11),  # below JCB's range
        valid("9" + "1" * 14),  # no issuer
        valid("1" * 11),  # too short
    ]
    assert tiers(validators.credit_card, refused) == [0] * len(refused)


def test_card_separators():
    number = "4111111111111111"
    spaced, dashed = "4111 1111 1111 1111", "4111-1111-1111-1111"
    amex = "3782 822463 10005"
    mixed = "4111 1111-1111 1111"
    assert tiers(validators.credit_card, [number, spaced, dashed, amex, mixed]) == [2, 2, 2, 2, 0]


def test_faker_cards_pass_luhn_and_issuer_ranges():
    fake = Faker("en_US")
    fake.seed_instance(7)
    kinds = ["amex", "diners", "discover", "jcb15", "jcb16", "maestro", "mastercard"]
    kinds += ["visa13", "visa16", "visa19"]
    for kind in kinds:
        numbers = [fake.credit_card_number(card_type=kind) for _ in range(300)]
        matrix = np.array([[int(c) for c in n] for n in numbers], dtype=np.uint8)
        assert validators.luhn_valid(matrix).all(), kind  # every Faker card passes Luhn
        accepted = np.array(tiers(validators.credit_card, numbers)) == 2
        if kind == "jcb16":  # Faker draws 35xx; JCB is 3528-3589 only
            inside = np.array([3528 <= int(n[:4]) <= 3589 for n in numbers])
            assert (accepted == inside).all()
        elif kind == "maestro":  # Faker also draws 0604 and 6390, not Maestro ranges
            outside = np.array([n.startswith(("0604", "6390")) for n in numbers])
            assert (accepted == ~outside).all()
        else:
            assert accepted.all(), kind
    two_series = [n for n in (fake.credit_card_number("mastercard") for _ in range(400))]
    assert any(2221 <= int(n[:4]) <= 2720 for n in two_series)


# --- IBAN ---------------------------------------------------------------------


def test_iban_mod97_and_lengths():
    good = ["DE89370400440532013000", "GB82 WEST 1234 5698 7654 32", "fr1420041010050500013m02606"]
    assert tiers(validators.iban, good) == [2, 2, 2]
    bad = [
        "DE89370400440532013001",  # checksum
        "DE8937040044053201300",  # German IBANs have 22 characters
        "XX89370400440532013000",  # no such country
        "GB82WEST123456987654",
    ]
    assert tiers(validators.iban, bad) == [0] * len(bad)


def test_faker_ibans_validate():
    for locale in ("en_GB", "de_DE", "fr_FR", "nl_NL", "es_ES", "it_IT", "pl_PL", "pt_PT"):
        fake = Faker(locale)
        fake.seed_instance(3)
        values = [fake.iban() for _ in range(100)]
        assert set(tiers(validators.iban, values)) == {2}, locale
        assert {v[:2] for v in values} <= IBAN_LENGTHS.keys()


# --- IP addresses -------------------------------------------------------------


def test_ip_addresses():
    result = validators.ip_address(
        pa.array(["192.168.0.1", "8.8.8.8", "::1", "2001:db8::8a2e:370:7334"], pa.large_string())
    )
    assert result.tiers.tolist() == [2, 2, 2, 2]
    assert dict(result.subtypes) == {"ipv4": 2, "ipv6": 2}
    bad = ["256.1.1.1", "192.168.001.001", "1.2.3", "00:1A:2B:3C:4D:5E", "10:22:33", "1.2.3.4.5"]
    assert tiers(validators.ip_address, bad) == [0] * len(bad)


# --- spreadsheet damage ---------------------------------------------------------


def test_lost_digits():
    assert validators.lost_digits("4.53201E+15") == 10  # 16 digits, 6 kept
    assert validators.lost_digits("5.5E+15") == 14
    assert validators.lost_digits("1.23456789012E+11") == 0  # all 12 digits kept
    assert validators.lost_digits("1.2E+05") == 0  # small: a real float
    positions, digits = validators.mangled_numbers(
        pa.array(
            ["4.53201E+15", "1.5e+15", "6.02e23", "1.5E-10", "123", "1.2E+12"], pa.large_string()
        )
    )
    assert positions.tolist() == [0, 5] and digits == [16, 13]


# --- phone numbers --------------------------------------------------------------


def test_phone_formats_and_plans():
    check = PhoneValidator()
    strong = ["(212) 555-0100", "+1 212-555-0100", "+44 20 7946 0958", "020 7946 0958"]
    strong += ["+49 30 901820", "01 42 68 53 00", "212.555.0100 x123"]
    assert tiers(check, strong) == [2] * len(strong)
    assert tiers(check, ["2125550100"]) == [1]  # bare digits: only with context
    assert tiers(check, ["(111) 555-0100"]) == [1]  # possible, area code not assigned
    never = ["2023-01-15", "15.01.2023", "01/15/2023", "12345.67", "123-45-6789", "12345"]
    never += ["2023-01-15 10:22:33", "ORD-1234567", "1234567890123456789"]
    assert tiers(check, never) == [0] * len(never)


def test_phone_regions_are_validated():
    with pytest.raises(ValueError, match="XX"):
        PhoneValidator(("US", "XX"))


# --- dates of birth and postal codes --------------------------------------------


def test_parse_date_formats():
    for text in ("1984-03-07", "03/07/1984", "07.03.1984", "19840307", "March 7, 1984"):
        assert dates.parse_date(text, TODAY) in (date(1984, 3, 7), date(1984, 7, 3)), text
    assert dates.parse_date("7 Mar 1984", TODAY) == date(1984, 3, 7)
    assert dates.parse_date("31/12/1990", TODAY) == date(1990, 12, 31)  # only day-first fits
    assert dates.parse_date("1984-02-30", TODAY) is None


def test_birth_dates_are_past_and_plausible():
    values = ["1984-03-07", "1984-03-07 00:00:00", "2030-01-01", "1850-01-01", "1984-03-07 10:30"]
    assert tiers(lambda v: dates.birth_dates(v, TODAY), values) == [1, 1, 0, 0, 0]


def test_postal_formats():
    good = ["02134", "02134-1234", "SW1A 1AA", "K1A 0B1", "1012 AB", "01310-100", "100-0001"]
    good += ["1000-001", "00-950", "8001", "110001"]
    assert tiers(dates.postal_codes, good) == [1] * len(good)
    assert tiers(dates.postal_codes, ["123", "1234567", "ABCDE", "12.345"]) == [0] * 4


# --- person names ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("John Smith", ["John", "Smith"]),
        ("Dr. Jane O'Brien-Walsh", ["Jane", "O'Brien-Walsh"]),
        ("Smith, John", ["John", "Smith"]),
        ("JOHN SMITH", ["JOHN", "SMITH"]),
        ("Ludwig van Beethoven", ["Ludwig", "Beethoven"]),
        ("Univ.Prof. Andres Franke B.Sc.", ["Andres", "Franke"]),
        ("Martin Luther King Jr.", ["Martin", "Luther", "King"]),
        ("J. R. Tolkien", ["J", "R", "Tolkien"]),
    ],
)
def test_name_shapes(value, words):
    assert names.name_words(value) == words


@pytest.mark.parametrize(
    "value",
    [
        "Los Angeles International Airport",
        "Lowell Field",
        "Acme Inc",
        "Bank of America",
        "john smith",
        "jsmith42",
        "report_2021.pdf",
        "Rustic Steel Chair Deluxe Edition For Home",
        "R2-D2",
        "",
    ],
)
def test_not_names(value):
    assert names.name_words(value) is None


def test_given_names_flag():
    result, given = names.person_names(
        pa.array(["Mary Jones", "Rustic Steel Chair", "Springfield"], pa.large_string())
    )
    assert result.tiers.tolist() == [1, 1, 1]
    assert given.tolist() == [True, False, False]
