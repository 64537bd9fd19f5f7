"""Column-level decisions: content decides, the name is context only."""

from __future__ import annotations

import math
from datetime import date

import pytest
from faker import Faker

from analysis_service.domain.pii import (
    ColumnDetector,
    ColumnFacts,
    DetectionConfig,
    EntityType,
    detect_column,
    wilson_lower_bound,
)

pytestmark = pytest.mark.unit


def faker(seed: int = 1, locale: str = "en_US") -> Faker:
    fake = Faker(locale)
    fake.seed_instance(seed)
    return fake


def test_the_name_alone_never_decides():
    fake = faker()
    words = [fake.word() for _ in range(100)]
    for column in ("email", "phone", "ssn", "credit_card", "iban", "ip", "dob", "zip", "full_name"):
        assert detect_column(column, [w.lower() for w in words]).detection is None, column


def test_content_alone_for_distinctive_entities():
    fake = faker()
    cases = {
        EntityType.EMAIL_ADDRESS: [fake.email() for _ in range(100)],
        EntityType.CREDIT_CARD: [fake.credit_card_number("visa16") for _ in range(100)],
        EntityType.IBAN: [fake.iban() for _ in range(100)],
        EntityType.IP_ADDRESS: [fake.ipv4() for _ in range(100)],
        EntityType.SSN: [fake.ssn() for _ in range(100)],
    }
    for entity, values in cases.items():
        result = detect_column("col_3", values)
        assert result.entity is entity
        assert result.detection is not None and result.detection.evidence.context == ()


def test_context_lets_weak_forms_count():
    fake = faker()
    bare_ssns = [fake.ssn().replace("-", "") for _ in range(100)]
    assert detect_column("value", bare_ssns).entity is None  # nine digits: could be anything
    result = detect_column("ssn", bare_ssns)
    assert result.entity is EntityType.SSN
    assert result.detection is not None and result.detection.evidence.context == ("ssn",)
    bare_phones = [str(2_125_550_000 + i) for i in range(100)]
    assert detect_column("reference", bare_phones).entity is None
    assert detect_column("mobile_phone", bare_phones).entity is EntityType.PHONE_NUMBER


def test_upstream_false_positives_are_gone():
    fake = faker()
    salaries = [str(fake.random_int(30_000, 99_999)) for _ in range(100)]
    iso_dates = [fake.date() for _ in range(100)]
    long_numbers = [fake.numerify("##########") for _ in range(100)]
    for column, values in (("salary", salaries), ("signup_date", iso_dates), ("id", long_numbers)):
        assert detect_column(column, values).candidates == (), column


def test_birth_dates_need_birth_context_and_the_past():
    cfg = DetectionConfig(today=date(2026, 6, 1))
    detector = ColumnDetector(cfg)
    births = [f"19{n % 90 + 10}-0{n % 9 + 1}-1{n % 9}" for n in range(100)]
    assert detector.detect("created", births).entity is None
    assert detector.detect("date_of_birth", births).entity is EntityType.DATE_OF_BIRTH
    future = [f"20{n % 9 + 30}-01-01" for n in range(100)]
    assert detector.detect("birth_date", future).entity is None


def test_postal_codes_need_address_context():
    codes = [f"{n:05d}" for n in range(10_000, 10_100)]
    assert detect_column("amount", codes).entity is None
    assert detect_column("zip", codes).entity is EntityType.ZIPCODE
    assert detect_column("Postal Code", codes).entity is EntityType.ZIPCODE


def test_person_names_by_context_and_content():
    fake = faker()
    people = [fake.name() for _ in range(100)]
    assert detect_column("full_name", people).entity is EntityType.PERSON_NAME
    assert detect_column("name", people).entity is EntityType.PERSON_NAME
    assert detect_column("username", people).entity is None
    assert detect_column("filename", people).entity is None
    assert detect_column("label", people).entity is None  # no name word at all
    usernames = [fake.user_name() for _ in range(100)]
    assert detect_column("name", usernames).entity is None


def test_airport_names_under_name_are_not_people():
    airports = [
        "Los Angeles International Airport",
        "Heathrow Airport",
        "Lowell Field",
        "Epps Airpark",
        "Total Rf Heliport",
        "Schiphol",
        "Stansted",
        "Dulles",
        "Changi",
        "Narita",
    ] * 10
    assert detect_column("name", airports).entity is None
    # Shaped like names but nobody's: products and cities under "name" too.
    products = ["Rustic Steel Chair", "Sleek Cotton Lamp", "Small Granite Table"] * 30
    cities = ["Springfield", "Hamburg", "Lyon", "Bologna", "Rotterdam"] * 20
    assert detect_column("name", products).entity is None
    assert detect_column("name", cities).entity is None


def test_evidence_and_rows():
    fake = faker()
    values = [fake.email() for _ in range(8)] + ["not an email", "n/a-ish"]
    rows = list(range(100, 110))
    result = detect_column("email", values, rows=rows)
    assert result.detection is not None
    evidence = result.detection.evidence
    assert (evidence.sampled, evidence.validated, evidence.strong) == (10, 8, 8)
    assert evidence.share == 0.8
    assert evidence.rows == tuple(range(100, 108))
    assert evidence.failed_rows == (108, 109)
    assert result.detection.label == "e-mail address"
    assert result.detection.sensitivity.value == "high"
    assert [n.framework.value for n in result.detection.compliance] == ["GDPR", "CCPA", "HIPAA"]


def test_nulls_and_blanks_are_not_sampled_values():
    result = detect_column("email", ["a@b.co", None, "  ", "", "c@d.org "], rows=[0, 1, 2, 3, 4])
    assert result.sampled == 2
    assert result.detection is not None and result.detection.evidence.rows == (0, 4)
    assert detect_column("email", [None, " "]).detection is None


def test_confidence_grows_with_evidence():
    fake = faker()
    emails = [fake.email() for _ in range(1000)]
    small = detect_column("email", emails[:10]).detection
    large = detect_column("email", emails).detection
    exact = detect_column("email", emails[:10], facts=ColumnFacts(non_null_count=10)).detection
    assert small and large and exact
    assert small.confidence < large.confidence < 0.99
    assert exact.confidence == pytest.approx(0.99)  # the sample is the whole column
    with_context = detect_column("email", emails[:100]).detection
    without = detect_column("data", emails[:100]).detection
    assert with_context and without and without.confidence < with_context.confidence


def test_wilson_lower_bound():
    # Textbook values (z = 1.96): 10/10 -> 0.7225, 50/100 -> 0.4038.
    assert wilson_lower_bound(10, 10) == pytest.approx(0.7225, abs=1e-4)
    assert wilson_lower_bound(50, 100) == pytest.approx(0.4038, abs=1e-4)
    assert wilson_lower_bound(0, 0) == 0.0
    assert wilson_lower_bound(7, 10, population=10) == pytest.approx(0.7)
    # Finite-population correction: a sample of half the column is tighter.
    assert wilson_lower_bound(50, 100) < wilson_lower_bound(50, 100, population=200) < 0.5


def test_numeric_columns_skip_text_entities():
    emails = ["a@b.co"] * 20
    assert detect_column("email", emails, facts=ColumnFacts(inferred_type="integer")).entity is None


def test_best_candidate_wins():
    # IPv4 addresses under a zip header: zip formats do not match, IP wins by content.
    fake = faker()
    result = detect_column("zip", [fake.ipv4() for _ in range(50)])
    assert result.entity is EntityType.IP_ADDRESS
    confidences = [c.confidence for c in result.candidates]
    assert confidences == sorted(confidences, reverse=True)


def test_lost_precision():
    values = ["4.53201E+15", "5.5E+15", "4.91234E+15", "4111111111111111"]
    result = detect_column("card_number", values, rows=[3, 4, 5, 6])
    lost = result.lost_precision
    assert lost is not None
    assert (lost.affected, lost.sampled, lost.original_digits) == (3, 4, 16)
    assert lost.rows == (3, 4, 5) and lost.share == 0.75
    assert lost.suggests == (EntityType.CREDIT_CARD,)
    floats = [f"{x:.3e}" for x in (1.5e12, 2.25e-3, 6.02e23)] + ["1.2E+05"]
    assert detect_column("measurement", floats).lost_precision is None


def test_default_detector_is_shared_and_configurable():
    config = DetectionConfig(min_share_alone=0.99)
    strict = ColumnDetector(config)
    values = ["a@b.co"] * 95 + ["x"] * 5
    assert detect_column("data", values).entity is EntityType.EMAIL_ADDRESS
    assert strict.detect("data", values).entity is None
    assert math.isclose(strict.config.min_share_alone, 0.99)


def test_profiler_use_and_sampler_use():
    from analysis_service.domain.csv_source import iter_csv_batches
    from analysis_service.domain.pii import PiiSampler
    from analysis_service.domain.profile import profile_batches

    fake = faker()
    lines = ["contact_email,amount"] + [f"{fake.email()},{n}" for n in range(300)] + [" ,1"]
    data = ("\n".join(lines) + "\n").encode()
    # The profiler: its own sample of values plus the facts of the whole column.
    profile = profile_batches(iter_csv_batches([data], batch_rows=50))
    column = profile.column("contact_email")
    facts = ColumnFacts.from_profile(column)
    assert facts == ColumnFacts(non_null_count=300, inferred_type="string")
    estimate = detect_column(column.name, column.sample_values(100), facts=facts)
    assert estimate.detection is not None
    assert (estimate.entity, estimate.detection.sensitivity.value) == (
        EntityType.EMAIL_ADDRESS,
        "high",
    )
    # The agent: the sampler's reservoir, rows included.
    sampler = PiiSampler(["contact_email", "amount"], 40, seed=3)
    for batch in iter_csv_batches([data], batch_rows=64):
        sampler.consume(batch)
    result = ColumnDetector().detect_sample(sampler.sample("contact_email"))
    assert result.entity is EntityType.EMAIL_ADDRESS and result.sampled == 40
    assert set(result.detection.evidence.rows) <= set(sampler.sample("contact_email").rows)
    assert ColumnDetector().detect_sample(sampler.sample("amount")).detection is None
