"""Value generators for the PII corpus (Faker-based, deterministic per seed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import phonenumbers
from faker import Faker

Gen = Callable[[Faker], str]


def card(*types: str) -> Gen:
    return lambda f: f.credit_card_number(card_type=f.random_element(types))


def grouped(gen: Gen, sep: str) -> Gen:
    def grouped(f: Faker) -> str:
        digits = gen(f)
        if len(digits) == 15:  # American Express prints 4-6-5
            return sep.join((digits[:4], digits[4:10], digits[10:]))
        return sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))

    return grouped


def assigned_phone(region: str, international: bool) -> Gen:
    fmt = phonenumbers.PhoneNumberFormat
    style = fmt.INTERNATIONAL if international else fmt.NATIONAL

    def phone(f: Faker) -> str:
        while True:
            raw = f.phone_number()
            try:
                number = phonenumbers.parse(raw, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                return phonenumbers.format_number(number, style)

    return phone


#: Fixed bounds: Faker's own date methods end at "now", which changes between runs.
_EPOCH, _END = datetime(1970, 1, 1), datetime(2025, 12, 31, 23, 59, 59)


def moment(f: Faker) -> datetime:
    return f.date_time_between(_EPOCH, _END)


def birth_date(fmt: str) -> Gen:
    return lambda f: f.date_between(date(1925, 1, 1), date(2025, 6, 30)).strftime(fmt)


def product(f: Faker) -> str:
    adjective = f.random_element(_ADJECTIVES)
    material = f.random_element(_MATERIALS)
    return f"{adjective} {material} {f.random_element(_PRODUCTS)}"


def airport(f: Faker) -> str:
    if f.random_int(0, 9) < 5:
        return str(f.random_element(_AIRPORTS))
    kind = f.random_element(
        ("Airport", "Regional Airport", "Municipal Airport", "Field", "Airpark", "Heliport")
    )
    return f"{f.last_name()} {kind}" if f.random_int(0, 1) else f"{f.city()} {kind}"


def mangled(digits: int) -> Gen:
    """What a spreadsheet writes for a ``digits``-long integer: ``4.53201E+15``
    (six significant digits, trailing zeros dropped: ``5.5E+15``)."""

    def mangled(f: Faker) -> str:
        mantissa, exponent = f"{int(f.numerify('%' + '#' * (digits - 1))):.5E}".split("E")
        return f"{mantissa.rstrip('0').rstrip('.')}E{exponent}"

    return mangled


_ADJECTIVES: tuple[str, ...] = (
    "Ergonomic",
    "Rustic",
    "Sleek",
    "Handcrafted",
    "Practical",
    "Small",
    "Refined",
)
_ADJECTIVES += ("Gorgeous", "Intelligent", "Incredible", "Fantastic", "Generic", "Awesome")
_MATERIALS = ("Steel", "Wooden", "Cotton", "Granite", "Plastic", "Rubber", "Bronze", "Leather")
_PRODUCTS: tuple[str, ...] = (
    "Chair",
    "Table",
    "Keyboard",
    "Shoes",
    "Lamp",
    "Gloves",
    "Bottle",
    "Backpack",
)
_PRODUCTS += ("Watch", "Sofa", "Jacket", "Helmet", "Kettle", "Speaker", "Notebook")
_AIRPORTS = (
    "Hartsfield-Jackson Atlanta International Airport",
    "Los Angeles International Airport",
    "O'Hare International Airport",
    "Denver International Airport",
    "John F. Kennedy International Airport",
    "San Francisco International Airport",
    "Seattle-Tacoma International Airport",
    "Charlotte Douglas International Airport",
    "Newark Liberty International Airport",
    "George Bush Intercontinental Airport",
    "Ronald Reagan Washington National Airport",
    "LaGuardia Airport",
    "Heathrow Airport",
    "Gatwick Airport",
    "Charles de Gaulle Airport",
    "Frankfurt Airport",
    "Amsterdam Airport Schiphol",
    "Leonardo da Vinci-Fiumicino Airport",
    "Singapore Changi Airport",
    "Indira Gandhi International Airport",
    "Toronto Pearson International Airport",
    "Sydney Kingsford Smith Airport",
    "Ben Gurion Airport",
    "Lowell Field",
    "Epps Airpark",
    "Total Rf Heliport",
    "Schiphol",
    "Heathrow",
    "Stansted",
    "Luton",
    "Dulles",
    "Hobby",
    "Changi",
    "Narita",
    "Haneda",
    "Malpensa",
    "Orly",
    "Kastrup",
    "Arlanda",
    "Gardermoen",
)


def chunks(text: str) -> str:
    """An IBAN as printed: groups of four."""
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
