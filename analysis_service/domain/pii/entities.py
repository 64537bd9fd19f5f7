"""The vocabulary: entity types, sensitivity levels and compliance frameworks.

The string values are the wire values. Where the frontend contract already
names a type (``email_address``, ``phone_number``, ``ssn``, ``credit_card``,
``zipcode`` in score-risk; ``name`` for a person's name in the profiler's
``estimated_pii_type``) the value is that name, so both agents report one
vocabulary and the existing frontend renders it unchanged.
"""

from __future__ import annotations

from enum import Enum


class EntityType(Enum):
    """A kind of personal data recognised in a column's values."""

    EMAIL_ADDRESS = "email_address"
    PHONE_NUMBER = "phone_number"
    SSN = "ssn"  # US social security number
    CREDIT_CARD = "credit_card"  # payment card number (PAN)
    IBAN = "iban"
    IP_ADDRESS = "ip_address"  # IPv4 or IPv6
    DATE_OF_BIRTH = "date_of_birth"
    ZIPCODE = "zipcode"  # postal code (US ZIP and other countries' formats)
    PERSON_NAME = "name"  # a person's name (the profiler contract's value)


class Sensitivity(Enum):
    """How much harm exposure of the value can do (same words as severities)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """3 for critical down to 0 for low (for sorting and comparisons)."""
        return {"critical": 3, "high": 2, "medium": 1, "low": 0}[self.value]


class Framework(Enum):
    """A compliance framework a finding may fall under."""

    GDPR = "GDPR"
    CCPA = "CCPA"
    HIPAA = "HIPAA"
    PCI_DSS = "PCI DSS"
