"""Rules as data: per entity its sensitivity, confidence and frameworks; the
compliance note per framework; names that are sensitive without PII values.

Changing what an entity weighs, which frameworks it falls under or what a
note says is an edit of these tables, never of the detector.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis_service.domain.pii.context import tokens
from analysis_service.domain.pii.entities import EntityType, Framework, Sensitivity

_ALL = (Framework.GDPR, Framework.CCPA, Framework.HIPAA)


@dataclass(frozen=True)
class EntityRule:
    """How one entity is judged and what it implies.

    ``confidence_alone`` is the confidence of a column whose sampled values
    all validate strongly while its name says nothing (None: the entity is
    never reported without context); ``confidence_with_context`` the same
    when the name gives context. The detector multiplies them by the lower
    bound of the share that validates (see :mod:`.detector`).
    """

    entity: EntityType
    label: str
    sensitivity: Sensitivity
    frameworks: tuple[Framework, ...]
    confidence_alone: float | None
    confidence_with_context: float


#: In priority order: on equal confidence the earlier entity wins.
ENTITY_RULES: dict[EntityType, EntityRule] = {
    rule.entity: rule
    for rule in (
        EntityRule(
            EntityType.CREDIT_CARD,
            "payment card number",
            Sensitivity.CRITICAL,
            (Framework.PCI_DSS, *_ALL),
            0.90,
            0.99,
        ),
        EntityRule(EntityType.IBAN, "IBAN", Sensitivity.HIGH, _ALL, 0.95, 0.99),
        EntityRule(
            EntityType.SSN, "US social security number", Sensitivity.CRITICAL, _ALL, 0.75, 0.97
        ),
        EntityRule(EntityType.EMAIL_ADDRESS, "e-mail address", Sensitivity.HIGH, _ALL, 0.90, 0.99),
        EntityRule(EntityType.PHONE_NUMBER, "phone number", Sensitivity.HIGH, _ALL, 0.70, 0.95),
        EntityRule(EntityType.IP_ADDRESS, "IP address", Sensitivity.MEDIUM, _ALL, 0.85, 0.97),
        EntityRule(EntityType.DATE_OF_BIRTH, "date of birth", Sensitivity.HIGH, _ALL, None, 0.90),
        EntityRule(EntityType.ZIPCODE, "postal code", Sensitivity.MEDIUM, _ALL, None, 0.85),
        EntityRule(EntityType.PERSON_NAME, "person's name", Sensitivity.HIGH, _ALL, None, 0.90),
    )
}

#: Confidence of person names under a plain ``name`` header (weak context).
PERSON_NAME_WEAK_CONFIDENCE = 0.75


# --- compliance notes -----------------------------------------------------------

#: The note per framework; ``{label}`` is the entity's label.
FRAMEWORK_NOTES: dict[Framework, str] = {
    Framework.GDPR: (
        "GDPR: {label} is personal data (Art. 4(1)); processing it needs a lawful basis "
        "such as consent (Art. 6), and it must be protected, e.g. pseudonymised or "
        "encrypted (Art. 32)."
    ),
    Framework.CCPA: (
        "CCPA: {label} is personal information (Cal. Civ. Code 1798.140(v)); consumers "
        "may ask to know and to delete it and opt out of its sale or sharing."
    ),
    Framework.HIPAA: (
        "HIPAA: {label} is one of the 18 Safe Harbor identifiers (45 CFR 164.514(b)(2)); "
        "next to health information it makes the records protected health information, "
        "so remove it to de-identify or encrypt it (164.312)."
    ),
    Framework.PCI_DSS: (
        "PCI DSS: stored primary account numbers must be unreadable (Requirement 3.5.1: "
        "truncation, tokenisation, strong cryptography or keyed hashes) and masked when "
        "displayed, showing at most the BIN and the last four digits (Requirement 3.4.1)."
    ),
}

#: Notes that say more than the framework's general one for a given entity.
ENTITY_NOTES: dict[tuple[EntityType, Framework], str] = {
    (EntityType.SSN, Framework.CCPA): (
        "CCPA: a social security number is sensitive personal information "
        "(1798.140(ae)); consumers may limit its use (1798.121), and a breach of it "
        "unencrypted opens a private right of action (1798.150)."
    ),
    (EntityType.CREDIT_CARD, Framework.CCPA): (
        "CCPA: a card number is sensitive personal information (1798.140(ae)); a breach "
        "of it unencrypted opens a private right of action (1798.150)."
    ),
    (EntityType.IBAN, Framework.CCPA): (
        "CCPA: a financial account number is sensitive personal information "
        "(1798.140(ae)); consumers may limit its use (1798.121)."
    ),
    (EntityType.SSN, Framework.GDPR): (
        "GDPR: a national identification number is personal data whose processing member "
        "states may restrict further (Art. 87); it needs a lawful basis (Art. 6) and "
        "strong protection (Art. 32)."
    ),
    (EntityType.IP_ADDRESS, Framework.GDPR): (
        "GDPR: an IP address is an online identifier (Recital 30) and personal data "
        "(Art. 4(1)); logs keeping it need a lawful basis and a retention limit (Art. 5(1)(e))."
    ),
    (EntityType.DATE_OF_BIRTH, Framework.HIPAA): (
        "HIPAA: all elements of dates except the year, birth dates included, are Safe "
        "Harbor identifiers (45 CFR 164.514(b)(2)(i)(C)); keep only the year to de-identify."
    ),
    (EntityType.ZIPCODE, Framework.HIPAA): (
        "HIPAA: geographic units smaller than a state, ZIP codes included, are Safe Harbor "
        "identifiers (45 CFR 164.514(b)(2)(i)(B)); only the first three digits may stay, "
        "and only where that area has more than 20,000 people."
    ),
}


@dataclass(frozen=True)
class ComplianceNote:
    framework: Framework
    text: str


def compliance_notes(entity: EntityType) -> tuple[ComplianceNote, ...]:
    """One note per framework the entity falls under, in the rule's order."""
    rule = ENTITY_RULES[entity]
    return tuple(
        ComplianceNote(
            framework,
            ENTITY_NOTES.get((entity, framework))
            or FRAMEWORK_NOTES[framework].format(label=rule.label),
        )
        for framework in rule.frameworks
    )


# --- names that are sensitive whatever their values -----------------------------


@dataclass(frozen=True)
class SensitiveNameRule:
    """A kind of column that is sensitive by what it is named, even when no
    value validates as PII (secrets, health data ...). A hint for risk
    scoring, never a PII finding."""

    category: str
    label: str
    words: frozenset[str]
    sensitivity: Sensitivity
    frameworks: tuple[Framework, ...]


SENSITIVE_NAME_RULES: tuple[SensitiveNameRule, ...] = (
    SensitiveNameRule(
        "credential",
        "password, secret or access token",
        frozenset(
            {"password", "passwd", "pwd", "passphrase", "secret", "token", "apikey"}
            | {"accesskey", "secretkey", "privatekey", "authtoken", "sessionid", "otp"}
        ),
        Sensitivity.CRITICAL,
        (),
    ),
    SensitiveNameRule(
        "financial_account",
        "financial account or card data",
        frozenset(
            {"accountnumber", "acctno", "acctnumber", "bankaccount", "routingnumber"}
            | {"sortcode", "iban", "cardnumber", "creditcard", "cvv", "cvc", "cvv2"}
        ),
        Sensitivity.HIGH,
        (Framework.GDPR, Framework.CCPA, Framework.PCI_DSS),
    ),
    SensitiveNameRule(
        "government_id",
        "government identifier",
        frozenset(
            {"ssn", "socialsecurity", "passport", "passportnumber", "driverslicense"}
            | {"driverlicense", "licensenumber", "nationalid", "taxid", "itin", "nino"}
            | {"aadhaar", "personalnumber", "personnummer"}
        ),
        Sensitivity.HIGH,
        (Framework.GDPR, Framework.CCPA, Framework.HIPAA),
    ),
    SensitiveNameRule(
        "health",
        "health data",
        frozenset(
            {"patient", "patientid", "mrn", "medicalrecord", "diagnosis", "icd", "icd10"}
            | {"prescription", "medication", "treatment", "allergy", "allergies"}
            | {"bloodtype", "healthplan", "disability", "symptoms"}
        ),
        Sensitivity.HIGH,
        (Framework.HIPAA, Framework.GDPR, Framework.CCPA),
    ),
    SensitiveNameRule(
        "special_category",
        "special-category personal data (GDPR Art. 9)",
        frozenset(
            {"race", "ethnicity", "ethnic", "religion", "religious", "sexualorientation"}
            | {"politicalopinion", "politicalparty", "tradeunion", "biometric"}
            | {"fingerprint", "genetic", "dna"}
        ),
        Sensitivity.HIGH,
        (Framework.GDPR, Framework.CCPA),
    ),
    SensitiveNameRule(
        "precise_location",
        "precise geolocation",
        frozenset({"latitude", "longitude", "lat", "lng", "lon", "geolocation", "gps"}),
        Sensitivity.MEDIUM,
        (Framework.GDPR, Framework.CCPA),
    ),
)


def sensitive_name(column: str) -> SensitiveNameRule | None:
    """The first sensitive-name rule whose words appear in the name, or None."""
    found = tokens(column)
    for rule in SENSITIVE_NAME_RULES:
        if found.has(rule.words):
            return rule
    return None
