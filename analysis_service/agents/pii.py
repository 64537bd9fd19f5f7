"""PII estimate for one column from its name and a sample of its values.

Upstream rules (name list + share of the first 100 values matching a
pattern), made to actually fire and to over-match less:

* the name test works on *tokens* (``contactEmail``, ``e-mail``,
  ``Phone Number`` ...), not on an exact lowercase match, and person names
  exclude compound names such as ``user_name`` or ``file_name``;
* e-mail, SSN and card numbers may also be recognised from values alone,
  since their patterns are specific (cards additionally pass the Luhn
  check); phone numbers and person names need the name hint, because long
  digit strings and capitalised words are everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^[\d\s\-()+.]{10,}$")
_SSN = re.compile(r"^\d{3}-\d{2}-\d{4}$")
_PERSON = re.compile(r"^[A-Z][a-z]+")
_CARD = re.compile(r"^\d{4}([ -]?)\d{4}\1\d{4}\1\d{4}$")

_EMAIL_TOKENS = {"email", "mail", "emailaddress"}
_PHONE_TOKENS = {"phone", "mobile", "telephone", "tel", "cell", "fax"}
_NAME_TOKENS = {"name", "fullname", "firstname", "lastname", "surname", "forename", "givenname"}
_NOT_PERSON_TOKENS = {
    "user",
    "file",
    "host",
    "domain",
    "column",
    "table",
    "product",
    "company",
    "brand",
    "app",
    "city",
    "country",
    "street",
    "path",
    "category",
    "display",
    "screen",
    "account",
    "business",
    "server",
    "device",
    "project",
    "item",
    "type",
    "field",
    "sheet",
    "dataset",
}
_CARD_TOKENS = {"card", "cc", "creditcard", "pan"}
_SSN_TOKENS = {"ssn"}


@dataclass(frozen=True)
class PiiEstimate:
    """``pii_type`` in email_address / phone_number / ssn / name /
    credit_card; ``sensitivity`` high or critical; ``match_share`` is the
    share of sampled values matching the pattern."""

    pii_type: str
    sensitivity: str
    match_share: float
    from_name: bool


def name_tokens(column: str) -> set[str]:
    """Lowercase tokens of a column name, splitting on non-letters and
    camelCase; adjacent pairs are joined too (``e_mail`` -> ``email``)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", column)
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if p]
    tokens = set(parts)
    tokens.update(a + b for a, b in pairwise(parts))
    tokens.add("".join(parts))
    return tokens


def _luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char)
        if i % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _share(values: Sequence[str], test: re.Pattern[str]) -> float:
    return sum(1 for v in values if test.search(v)) / len(values)


def _card_share(values: Sequence[str]) -> float:
    hits = 0
    for value in values:
        if _CARD.match(value) and _luhn(re.sub(r"\D", "", value)):
            hits += 1
    return hits / len(values)


def estimate_pii(column: str, sample: Sequence[str]) -> PiiEstimate | None:
    """The most likely PII type of the column, or None."""
    values = [v.strip() for v in sample if v and v.strip()]
    if not values:
        return None
    tokens = name_tokens(column)
    email_hint = bool(tokens & _EMAIL_TOKENS)
    share = _share(values, _EMAIL)
    if share > 0.7 or (email_hint and share > 0.5):
        return PiiEstimate("email_address", "high", share, email_hint)
    card_hint = bool(tokens & _CARD_TOKENS)
    share = _card_share(values)
    if share > 0.7:
        return PiiEstimate("credit_card", "critical", share, card_hint)
    ssn_hint = bool(tokens & _SSN_TOKENS) or {"social", "security"} <= tokens
    share = _share(values, _SSN)
    if share > 0.7:
        return PiiEstimate("ssn", "high", share, ssn_hint)
    if tokens & _PHONE_TOKENS:
        share = _share(values, _PHONE)
        if share > 0.7:
            return PiiEstimate("phone_number", "high", share, True)
    if tokens & _NAME_TOKENS and not tokens & _NOT_PERSON_TOKENS:
        share = _share(values, _PERSON)
        if share > 0.8:
            return PiiEstimate("name", "high", share, True)
    return None
