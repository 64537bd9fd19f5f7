"""The interim PII estimate used by unified-profiler (agents/pii.py)."""

from __future__ import annotations

import pytest

from analysis_service.agents.pii import estimate_pii, name_tokens

pytestmark = pytest.mark.unit


def test_pii_rules() -> None:
    assert {"contact", "email", "contactemail"} <= name_tokens("contactEmail")
    assert estimate_pii("user_name", ["Alice", "Bob"]) is None
    assert estimate_pii("first_name", ["Alice", "Bob"]).pii_type == "name"  # type: ignore[union-attr]
    cards = ["4111 1111 1111 1111", "5500-0000-0000-0004"]
    card = estimate_pii("payment", cards)
    assert card is not None and card.sensitivity == "critical"
    assert estimate_pii("payment", ["1234 5678 9012 3456"]) is None  # fails Luhn
    assert estimate_pii("mobile", ["+41 79 123 45 67"]).pii_type == "phone_number"  # type: ignore[union-attr]
    assert estimate_pii("zip", ["12345", "54321"]) is None
    assert estimate_pii("tax_id", ["123-45-6789"]).pii_type == "ssn"  # type: ignore[union-attr]
