"""Column names as context, and the rules tables."""

from __future__ import annotations

import pytest

from analysis_service.domain.pii import (
    ENTITY_RULES,
    EntityType,
    Framework,
    Sensitivity,
    compliance_notes,
    name_suggests,
    person_context,
    sensitive_name,
    tokens,
)
from analysis_service.domain.pii.context import CONTEXT_WORDS, PersonContext, context_for
from analysis_service.domain.pii.rules import ENTITY_NOTES, FRAMEWORK_NOTES

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("contactEmail2", {"contact", "email", "2"}),
        ("e_mail", {"e", "mail"}),
        ("IPAddress", {"ip", "address"}),
        ("Date Of Birth", {"date", "of", "birth"}),
        ("ZIP-Code", {"zip", "code"}),
    ],
)
def test_tokens(column, expected):
    assert set(tokens(column).parts) == expected


def test_joined_tokens_match_spellings():
    for column in ("email", "E-mail", "e_mail", "EMail", "email_address", "EmailAddress"):
        assert context_for(column, EntityType.EMAIL_ADDRESS), column
    for column in ("dob", "DateOfBirth", "date_of_birth", "Birth Date", "birthday"):
        assert context_for(column, EntityType.DATE_OF_BIRTH), column
    for column in ("zip", "ZipCode", "postal_code", "PostCode", "plz"):
        assert context_for(column, EntityType.ZIPCODE), column


def test_words_are_whole_tokens_not_substrings():
    assert not context_for("zipper_size", EntityType.ZIPCODE)
    assert not context_for("telemetry", EntityType.PHONE_NUMBER)
    assert not context_for("description", EntityType.IP_ADDRESS)
    assert not context_for("scholarship", EntityType.IP_ADDRESS)
    assert not context_for("discard_flag", EntityType.CREDIT_CARD)


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        ("full_name", PersonContext.STRONG),
        ("FirstName", PersonContext.STRONG),
        ("last name", PersonContext.STRONG),
        ("surname", PersonContext.STRONG),
        ("customer_name", PersonContext.STRONG),
        ("account_holder_name", PersonContext.STRONG),
        ("Employee Name", PersonContext.STRONG),
        ("name", PersonContext.WEAK),
        ("Name", PersonContext.WEAK),
        ("author", PersonContext.WEAK),
        ("username", PersonContext.EXCLUDED),
        ("user_name", PersonContext.EXCLUDED),
        ("UserName", PersonContext.EXCLUDED),
        ("filename", PersonContext.EXCLUDED),
        ("file_name", PersonContext.EXCLUDED),
        ("hostname", PersonContext.EXCLUDED),
        ("product_name", PersonContext.EXCLUDED),
        ("airport_name", PersonContext.EXCLUDED),
        ("company_name", PersonContext.EXCLUDED),
        ("display_name", PersonContext.EXCLUDED),
        ("email", PersonContext.NONE),
        ("rename_flag", PersonContext.NONE),
    ],
)
def test_person_context(column, kind):
    assert person_context(column) is kind


def test_name_suggests_is_only_a_hint():
    assert name_suggests("customer_email") == {EntityType.EMAIL_ADDRESS, EntityType.PERSON_NAME}
    assert name_suggests("card_number") == {EntityType.CREDIT_CARD}
    assert name_suggests("amount") == frozenset()


def test_every_entity_has_a_rule_and_context_words():
    assert set(ENTITY_RULES) == set(EntityType) == set(CONTEXT_WORDS)
    for entity, rule in ENTITY_RULES.items():
        assert rule.entity is entity and rule.label
        assert 0 < rule.confidence_with_context <= 1
        assert rule.confidence_alone is None or 0 < rule.confidence_alone <= 1
        assert rule.frameworks, entity
    # Content alone never suffices where the values are common data.
    for entity in (EntityType.DATE_OF_BIRTH, EntityType.ZIPCODE, EntityType.PERSON_NAME):
        assert ENTITY_RULES[entity].confidence_alone is None


def test_sensitivity_table():
    assert ENTITY_RULES[EntityType.CREDIT_CARD].sensitivity is Sensitivity.CRITICAL
    assert ENTITY_RULES[EntityType.SSN].sensitivity is Sensitivity.CRITICAL
    assert ENTITY_RULES[EntityType.ZIPCODE].sensitivity is Sensitivity.MEDIUM
    assert Sensitivity.CRITICAL.rank > Sensitivity.HIGH.rank > Sensitivity.MEDIUM.rank


def test_pci_dss_only_for_cards():
    for entity, rule in ENTITY_RULES.items():
        assert (Framework.PCI_DSS in rule.frameworks) == (entity is EntityType.CREDIT_CARD)


def test_compliance_notes():
    assert set(FRAMEWORK_NOTES) == set(Framework)
    for entity in EntityType:
        notes = compliance_notes(entity)
        assert [n.framework for n in notes] == list(ENTITY_RULES[entity].frameworks)
        for note in notes:
            assert note.text.startswith(f"{note.framework.value}: ")
            assert "{" not in note.text  # every template filled
    card = {n.framework: n.text for n in compliance_notes(EntityType.CREDIT_CARD)}
    assert "3.5.1" in card[Framework.PCI_DSS] and "last four" in card[Framework.PCI_DSS]
    dob = {n.framework: n.text for n in compliance_notes(EntityType.DATE_OF_BIRTH)}
    assert dob[Framework.HIPAA] == ENTITY_NOTES[(EntityType.DATE_OF_BIRTH, Framework.HIPAA)]
    email = {n.framework: n.text for n in compliance_notes(EntityType.EMAIL_ADDRESS)}
    assert "e-mail address is personal data" in email[Framework.GDPR]


@pytest.mark.parametrize(
    ("column", "category"),
    [
        ("password", "credential"),
        ("api_key", "credential"),
        ("AuthToken", "credential"),
        ("routing_number", "financial_account"),
        ("passport_number", "government_id"),
        ("patient_id", "health"),
        ("diagnosis_code", "health"),
        ("ethnicity", "special_category"),
        ("latitude", "precise_location"),
        ("amount", None),
    ],
)
def test_sensitive_names(column, category):
    rule = sensitive_name(column)
    assert (rule.category if rule else None) == category
