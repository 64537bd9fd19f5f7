"""A labelled corpus of CSV columns for column-level PII detection.

Generated at test time with Faker (seeded, so every run sees the same
columns), never committed as a file. Each column has a realistic header (in
several spellings), ``ROWS`` values from one of several locales, a few
nulls and a little junk in the positives, and a label: the entity it holds,
or None for the look-alike negatives (order ids, timestamps, ISO dates,
salaries, 5-digit amounts, long numeric codes, product names, cities,
airport names under ``name``, usernames, file names ...). Columns whose
name says PII while the values are not (``phone_model``, ``card_type``,
``email_opt_in``) are negatives too: the name alone must never decide.

Two Faker habits are corrected, both documented by tests:

* Faker's JCB-16 prefix (``35``) and two of its Maestro prefixes
  (``0604``, ``6390``) are wider than the issuers' ranges, so those card
  types are left out of the positives (the validator rightly refuses
  them; ``test_validators`` checks the rest of Faker's cards);
* Faker draws phone digits uniformly, so about half of its US numbers fall
  in unassigned area codes, which no real column has. Columns with a phone
  word in the header take Faker's numbers as they are; the columns where
  content alone must decide keep only the numbers the numbering plan
  assigns.

``python -m tests.unit.analysis.pii.evaluation`` prints the precision/recall
table that the README shows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import cycle, islice

from faker import Faker

from analysis_service.domain.pii import EntityType as E
from tests.unit.analysis.pii.generators import (
    Gen,
    airport,
    assigned_phone,
    birth_date,
    card,
    chunks,
    grouped,
    mangled,
    moment,
    product,
)

ROWS = 200
SAMPLE_SIZE = 100
SEED = 20240611


def _headers(spellings: str) -> tuple[str, ...]:
    return tuple(spellings.split("|"))


@dataclass(frozen=True)
class LabelledColumn:
    header: str
    locale: str
    values: list[str | None]
    entity: E | None
    lost_precision: bool
    what: str


# --- the columns --------------------------------------------------------------

#: entity -> (headers, [(locale, generator, what)]); the i-th column of an entity
#: takes the i-th header and the i-th source (both cycled).
POSITIVES: dict[E, tuple[tuple[str, ...], tuple[tuple[str, Gen, str], ...]]] = {
    E.EMAIL_ADDRESS: (
        _headers(
            "email|Email|E-mail|email_address|EmailAddress|contact_email|work email|"
            "user_email|mail|contact|Courriel|value"
        ),
        (
            ("en_US", lambda f: f.email(), "email"),
            ("de_DE", lambda f: f.free_email(), "free email"),
            ("fr_FR", lambda f: f.company_email(), "company email"),
            ("en_GB", lambda f: f"{f.name()} <{f.email()}>", "display name + address"),
            ("en_US", lambda f: f.email().upper(), "upper case"),
            ("en_US", lambda f: f.email().replace("@", f"+{f.word()}@"), "plus tags"),
        ),
    ),
    E.PHONE_NUMBER: (
        _headers(
            "phone|Phone Number|phone_number|mobile|Mobile No|tel|Telephone|cell_phone|"
            "contactNumber|fax|work_phone|PhoneNo"
        ),
        (
            ("en_US", lambda f: f.phone_number(), "Faker US"),
            ("en_GB", lambda f: f.phone_number(), "Faker GB"),
            ("de_DE", lambda f: f.phone_number(), "Faker DE"),
            ("fr_FR", lambda f: f.phone_number(), "Faker FR"),
            ("en_IN", lambda f: f.phone_number(), "Faker IN"),
            ("pt_BR", lambda f: f.phone_number(), "Faker BR"),
            ("en_CA", lambda f: f.phone_number(), "Faker CA"),
        ),
    ),
    E.SSN: (
        _headers(
            "ssn|SSN|social_security_number|SocialSecurityNumber|Social Security No|"
            "employee_ssn|ssn|applicant_ssn|tax_id_ssn|SSN"
        ),
        (
            ("en_US", lambda f: f.ssn(), "dashed"),
            ("en_US", lambda f: f.ssn().replace("-", ""), "bare nine digits"),
            ("en_US", lambda f: f.ssn().replace("-", " "), "spaced"),
        ),
    ),
    E.CREDIT_CARD: (
        _headers(
            "credit_card|card_number|CardNumber|cc_number|Credit Card No|pan|payment_card|"
            "debit_card_number|value|billing_info|cc|CARD_NO"
        ),
        (
            ("en_US", card("visa16", "visa13", "visa19"), "Visa 13/16/19"),
            ("en_US", card("mastercard"), "Mastercard (51-55 and 2221-2720)"),
            ("en_US", card("amex"), "American Express"),
            ("en_US", card("discover", "diners", "jcb15"), "Discover, Diners, JCB-15"),
            ("en_US", grouped(card("visa16", "mastercard", "amex"), " "), "grouped by spaces"),
            ("en_US", grouped(card("visa16", "mastercard"), "-"), "grouped by dashes"),
        ),
    ),
    E.IBAN: (
        _headers(
            "iban|IBAN|bank_account|account_iban|Kontonummer|payee|IBAN Number|"
            "beneficiary_account|iban_code|account"
        ),
        (
            ("en_GB", lambda f: f.iban(), "GB"),
            ("de_DE", lambda f: f.iban(), "DE"),
            ("fr_FR", lambda f: f.iban(), "FR"),
            ("nl_NL", lambda f: f.iban(), "NL"),
            ("es_ES", lambda f: chunks(f.iban()), "ES printed in groups"),
            ("it_IT", lambda f: f.iban(), "IT"),
            ("pl_PL", lambda f: chunks(f.iban()), "PL printed in groups"),
        ),
    ),
    E.IP_ADDRESS: (
        _headers(
            "ip|ip_address|IPAddress|client_ip|remote_addr|source|IP|last_login_ip|host|"
            "ipv6|peer|ip_addr"
        ),
        (
            ("en_US", lambda f: f.ipv4(), "IPv4"),
            ("en_US", lambda f: f.ipv6(), "IPv6"),
            ("en_US", lambda f: f.ipv4_private(), "private IPv4"),
            ("en_US", lambda f: f.ipv4() if f.random_int(0, 1) else f.ipv6(), "mixed"),
        ),
    ),
    E.DATE_OF_BIRTH: (
        _headers(
            "dob|date_of_birth|DateOfBirth|birth_date|Birthday|birthdate|DOB|Date of Birth|"
            "patient_dob|geburtsdatum|born_on|bday"
        ),
        (
            ("en_US", birth_date("%Y-%m-%d"), "ISO"),
            ("en_US", birth_date("%m/%d/%Y"), "US month-first"),
            ("de_DE", birth_date("%d.%m.%Y"), "German day-first"),
            ("en_GB", birth_date("%d/%m/%Y"), "UK day-first"),
            ("en_US", birth_date("%B %d, %Y"), "month name"),
            ("en_US", birth_date("%Y-%m-%d 00:00:00"), "midnight timestamps"),
        ),
    ),
    E.ZIPCODE: (
        _headers(
            "zip|zipcode|ZIP Code|postal_code|PostCode|postcode|billing_zip|plz|Zip|"
            "shipping_postal_code|postalCode|zip_code"
        ),
        (
            ("en_US", lambda f: f.zipcode(), "US ZIP"),
            ("en_US", lambda f: f.zipcode_plus4(), "US ZIP+4"),
            ("en_GB", lambda f: f.postcode(), "UK"),
            ("en_CA", lambda f: f.postalcode(), "CA"),
            ("de_DE", lambda f: f.postcode(), "DE"),
            ("fr_FR", lambda f: f.postcode(), "FR"),
            ("nl_NL", lambda f: f.postcode(), "NL"),
            ("pt_BR", lambda f: f.postcode(), "BR"),
            ("ja_JP", lambda f: f.zipcode(), "JP"),
            ("en_US", lambda f: f.zipcode().lstrip("0"), "US ZIP, leading zeros lost"),
        ),
    ),
    E.PERSON_NAME: (
        _headers(
            "full_name|first_name|last_name|FirstName|customer_name|contact_name|"
            "Employee Name|surname|patient_name|name|Name|author"
        ),
        (
            ("en_US", lambda f: f.name(), "en_US"),
            ("en_GB", lambda f: f.name(), "en_GB"),
            ("de_DE", lambda f: f.name(), "de_DE"),
            ("fr_FR", lambda f: f.name(), "fr_FR"),
            ("es_ES", lambda f: f.name(), "es_ES"),
            ("it_IT", lambda f: f.name(), "it_IT"),
            ("pt_BR", lambda f: f.name(), "pt_BR"),
            ("en_IN", lambda f: f.name(), "en_IN"),
            ("en_US", lambda f: f.name().upper(), "upper case"),
            ("en_GB", lambda f: f"{f.last_name()}, {f.first_name()}", "Last, First"),
        ),
    ),
}

#: Content alone must decide here (no context word in the header).
CONTENT_ONLY: tuple[tuple[str, str, E, Gen, str], ...] = (
    ("contact", "en_GB", E.PHONE_NUMBER, assigned_phone("GB", False), "assigned, national"),
    ("reach_at", "en_US", E.PHONE_NUMBER, assigned_phone("US", False), "assigned, national"),
    ("contact", "de_DE", E.PHONE_NUMBER, assigned_phone("DE", True), "assigned, +49"),
    ("whom", "fr_FR", E.PHONE_NUMBER, assigned_phone("FR", True), "assigned, +33"),
    ("field_7", "en_US", E.SSN, lambda f: f.ssn(), "dashed SSN"),
    ("notes_ref", "en_US", E.SSN, lambda f: f.ssn(), "dashed SSN"),
)

NEGATIVES: tuple[tuple[str, str, Gen, str], ...] = (
    ("order_id", "en_US", lambda f: f"ORD-{f.random_int(1, 999_999):06d}", "order ids"),
    ("id", "en_US", lambda f: str(f.random_int(10_000_000, 99_999_999)), "8-digit ids"),
    ("transaction_id", "en_US", lambda f: f.uuid4(), "uuids"),
    ("invoice_number", "en_US", lambda f: f.bothify("INV-####-??").upper(), "invoice numbers"),
    ("created_at", "en_US", lambda f: moment(f).strftime("%Y-%m-%d %H:%M:%S"), "timestamps"),
    ("updated_at", "en_US", lambda f: moment(f).isoformat() + "Z", "ISO timestamps"),
    ("event_time", "en_US", lambda f: moment(f).strftime("%H:%M:%S"), "times"),
    ("signup_date", "en_US", lambda f: moment(f).date().isoformat(), "ISO dates"),
    ("order_date", "en_US", lambda f: moment(f).strftime("%m/%d/%Y"), "US dates"),
    ("date", "de_DE", lambda f: moment(f).strftime("%d.%m.%Y"), "German dates"),
    ("salary", "en_US", lambda f: str(f.random_int(30_000, 99_999)), "5-digit salaries"),
    ("annual_salary", "en_US", lambda f: f"{f.random_int(30_000, 250_000)}.00", "salaries"),
    ("amount", "en_US", lambda f: str(f.random_int(10_000, 99_999)), "5-digit amounts"),
    ("price", "en_US", lambda f: f"{f.random_int(100, 99_999) / 100:.2f}", "prices"),
    ("total", "en_US", lambda f: f.pricetag(), "price tags"),
    ("barcode", "en_US", lambda f: f.ean13(), "EAN-13 codes"),
    ("isbn", "en_US", lambda f: f.isbn13(), "ISBN-13"),
    ("account_code", "en_US", lambda f: f.numerify("################"), "16-digit codes"),
    ("tracking_number", "en_US", lambda f: f.numerify("1Z##############"), "tracking numbers"),
    ("reference", "en_US", lambda f: f.numerify("##########"), "10-digit references"),
    ("msisdn_hash", "en_US", lambda f: f.sha1()[:16], "hashes"),
    ("product_name", "en_US", product, "product names"),
    ("product", "en_US", product, "product names"),
    ("name", "en_US", product, "product names under name"),
    ("name", "en_US", airport, "airport names under name"),
    ("Name", "en_GB", airport, "airport names under Name"),
    ("airport_name", "en_US", airport, "airport names"),
    ("city", "en_US", lambda f: f.city(), "cities"),
    ("name", "de_DE", lambda f: f.city(), "German cities under name"),
    ("name", "fr_FR", lambda f: f.city(), "French cities under name"),
    ("name", "en_US", lambda f: f.country(), "countries under name"),
    ("username", "en_US", lambda f: f.user_name(), "usernames"),
    ("user_name", "de_DE", lambda f: f.user_name(), "usernames"),
    ("login", "en_US", lambda f: f.user_name(), "logins"),
    ("filename", "en_US", lambda f: f.file_name(), "file names"),
    ("file_name", "en_US", lambda f: f.file_name(), "file names"),
    ("path", "en_US", lambda f: f.file_path(), "file paths"),
    ("company_name", "en_US", lambda f: f.company(), "companies"),
    ("job_title", "en_US", lambda f: f.job(), "jobs"),
    ("street", "en_US", lambda f: f.street_name(), "street names"),
    ("country", "en_US", lambda f: f.country_code(), "country codes"),
    ("segment", "en_US", lambda f: f.random_element(("retail", "corporate", "public")), "labels"),
    ("quantity", "en_US", lambda f: str(f.random_int(0, 500)), "small integers"),
    ("score", "en_US", lambda f: f"{f.pyfloat(min_value=-5, max_value=5):.4f}", "floats"),
    ("version", "en_US", lambda f: f.numerify("#.#.##"), "versions"),
    ("mac_address", "en_US", lambda f: f.mac_address(), "MAC addresses"),
    ("url", "en_US", lambda f: f.url(), "URLs"),
    ("domain", "en_US", lambda f: f.domain_name(), "domains"),
    ("comment", "en_US", lambda f: f.sentence(), "sentences"),
    ("phone_model", "en_US", lambda f: f"Model {f.random_int(1, 15)} Pro", "phone models"),
    ("card_type", "en_US", lambda f: f.credit_card_provider(), "card brands"),
    ("email_opt_in", "en_US", lambda f: f.random_element(("true", "false")), "booleans"),
    ("birth_place", "de_DE", lambda f: f.city(), "birth places"),
    ("ip_country", "en_US", lambda f: f.country_code(), "country codes"),
    ("zip_file", "en_US", lambda f: f.file_name(extension="zip"), "zip archives"),
    ("license_plate", "en_US", lambda f: f.license_plate(), "licence plates"),
    ("sku", "en_US", lambda f: f.bothify("??-#####").upper(), "SKUs"),
    ("customer", "en_US", lambda f: f"C-{f.random_int(1000, 99999)}", "customer ids"),
    ("customer_id", "en_US", lambda f: str(f.random_int(1_000_000_000, 1_999_999_999)), "ids"),
    ("employee_id", "en_US", lambda f: str(f.random_int(100_000_000, 899_999_999)), "9-digit"),
    ("routing_number", "en_US", lambda f: f.aba(), "ABA routing numbers"),
    ("account_number", "en_US", lambda f: f.numerify("##########"), "bank account numbers"),
    ("ssn_last4", "en_US", lambda f: f.ssn()[-4:], "SSN last four"),
    ("card_last4", "en_US", lambda f: f.credit_card_number()[-4:], "card last four"),
    ("birth_year", "en_US", lambda f: str(f.random_int(1940, 2010)), "birth years"),
    ("dob_verified", "en_US", lambda f: f.random_element(("yes", "no")), "booleans"),
    ("tel_extension", "en_US", lambda f: f.numerify("####"), "extensions"),
    ("ip", "en_US", lambda f: f.hostname(), "host names under ip"),
    ("age", "en_US", lambda f: str(f.random_int(18, 90)), "ages"),
    ("latitude", "en_US", lambda f: str(f.latitude()), "latitudes"),
    ("measurement", "en_US", lambda f: f"{f.pyfloat(min_value=1, max_value=9):.3e}", "sci floats"),
)

LOST: tuple[tuple[str, str, Gen, str], ...] = (
    ("card_number", "en_US", mangled(16), "cards as 4.53201E+15"),
    ("account_id", "en_US", mangled(12), "12-digit ids"),
    ("ean", "en_US", mangled(13), "13-digit codes"),
    ("phone", "en_GB", mangled(12), "phones with country code"),
)


def _values(locale: str, gen: Gen, seed: int, noisy: bool) -> list[str | None]:
    fake = Faker(locale)
    fake.seed_instance(seed)
    noise = random.Random(seed)
    values: list[str | None] = []
    for _ in range(ROWS):
        draw = noise.random()
        if noisy and draw < 0.04:
            values.append(None)
        elif noisy and draw < 0.07:
            values.append(noise.choice(("unknown", "-", "?", "TBD", "none given")))
        else:
            values.append(gen(fake))
    return values


def build_corpus(per_entity: int = 24, seed: int = SEED) -> list[LabelledColumn]:
    columns: list[LabelledColumn] = []
    serial = seed
    for entity, (headers, sources) in POSITIVES.items():
        pairs = islice(zip(cycle(headers), cycle(sources)), per_entity)
        for header, (locale, gen, what) in pairs:
            serial += 1
            values = _values(locale, gen, serial, noisy=True)
            columns.append(LabelledColumn(header, locale, values, entity, False, what))
    for header, locale, entity, gen, what in CONTENT_ONLY:
        serial += 1
        values = _values(locale, gen, serial, noisy=True)
        columns.append(LabelledColumn(header, locale, values, entity, False, what))
    for header, locale, gen, what in NEGATIVES:
        serial += 1
        values = _values(locale, gen, serial, noisy=False)
        columns.append(LabelledColumn(header, locale, values, None, False, what))
    for header, locale, gen, what in LOST:
        serial += 1
        values = _values(locale, gen, serial, noisy=True)
        columns.append(LabelledColumn(header, locale, values, None, True, what))
    return columns
