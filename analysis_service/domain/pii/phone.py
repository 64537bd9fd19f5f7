"""Phone numbers, checked with libphonenumber's numbering plans (``phonenumbers``).

A value is a candidate when it is made of digits, spaces and ``+ ( ) - . /``
(optionally followed by an extension such as ``x123`` or ``ext. 12``), with
7 to 15 digits (E.164 allows 15), and is not shaped like a date
(``2023-01-15``, ``15.01.2023``), a decimal number (``12345.67``) or an
SSN (``123-45-6789``): those are what a loose phone pattern mistakes for
numbers.

A number written with a leading ``+`` carries its country and is checked
against that country's plan. A number written the North American way
(``(555) 123-4567``, ``555-123-4567``, ``+1``/``1`` optional) is checked
against the North American plan only: other plans with variable-length
numbers (Germany's) accept most ten-digit strings, so trying them would
accept any digits grouped 3-3-4. Any other number (an international prefix
such as ``00``, a trunk ``0``, bare digits) is tried against the default
regions in order (:data:`DEFAULT_REGIONS`, overridable):

* ``US`` first: the North American plan (the US, Canada and the Caribbean
  share it), and the product's other rules (SSN, HIPAA, CCPA) are US ones;
* ``GB``, ``DE``, ``FR``: the largest European plans;
* ``IN``, ``BR``: the largest plans outside Europe and North America whose
  users exchange CSV files with this kind of tool.

Every region added lets more random digit strings through somewhere, which
is why the list is short and why bare digit strings (``5551234567``) only
count when the column name says phone.

Tiers (see :mod:`.validators`): a *valid* number (its plan assigns that
range) written in a phone format (``+``, brackets, grouped digits) is
strong; a valid number written as bare digits, or a formatted number that
is only *possible* (right length, range not assigned), is weak.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import phonenumbers
import pyarrow as pa

from analysis_service.domain.pii.validators import STRONG, WEAK, Validated, _take, candidates

DEFAULT_REGIONS: tuple[str, ...] = ("US", "GB", "DE", "FR", "IN", "BR")

_PHONE = (
    r"^\+?[\d\s().\-/]{6,24}"
    r"(?:\s*(?i:x|ext\.?|extension|#)\s*\d{1,6})?$"
)
_DATE_LIKE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$")
_DECIMAL = re.compile(r"^[+-]?\d+[.,]\d+$")
_SSN_LIKE = re.compile(r"^\d{3}[- ]\d{2}[- ]\d{4}$")
_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extension|#)\s*\d{1,6}$", re.IGNORECASE)
_NANP = re.compile(r"^(?:\+?1[-. ]?)?(?:\(\d{3}\)|\d{3})[-. ]?\d{3}[-. ]\d{4}$")
_NON_DIGIT = re.compile(r"\D")


def _shape(value: str) -> tuple[str, str] | None:
    """(``"bare"`` or ``"formatted"``, the number without its extension), or
    None when the value is not a phone candidate."""
    body = _EXTENSION.sub("", value)
    if _DATE_LIKE.match(body) or _DECIMAL.match(body) or _SSN_LIKE.match(body):
        return None
    digits = _NON_DIGIT.sub("", body)
    if not 7 <= len(digits) <= 15:
        return None
    return ("bare" if body == digits else "formatted"), body


def _origin(number: phonenumbers.PhoneNumber, region: str | None) -> str:
    """The subtype reported: the country of an international or North
    American number, else ``national`` (a national number valid in several
    plans has no single country)."""
    if region is None or region == "US":
        return phonenumbers.region_code_for_number(number) or "international"
    return "national"


class PhoneValidator:
    """Validates phone numbers against the given default regions."""

    def __init__(self, regions: Sequence[str] = DEFAULT_REGIONS) -> None:
        unknown = [r for r in regions if r not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            raise ValueError(f"unknown phone regions: {', '.join(unknown)}")
        self.regions = tuple(regions)

    def _regions_for(self, body: str, shape: str) -> Sequence[str | None]:
        if body.startswith("+"):
            return [None]  # the number names its country
        if shape == "formatted" and _NANP.match(body):
            return ["US"]  # written the North American way: the NANP decides
        return self.regions

    def _check(self, value: str) -> tuple[int, str | None]:
        shaped = _shape(value)
        if shaped is None:
            return 0, None
        shape, body = shaped
        possible: str | None = None
        for region in self._regions_for(body, shape):
            try:
                number = phonenumbers.parse(value, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                return (STRONG if shape == "formatted" else WEAK), _origin(number, region)
            if possible is None and phonenumbers.is_possible_number(number):
                possible = _origin(number, region)
        if possible is not None and shape == "formatted":
            return WEAK, possible
        return 0, None

    def __call__(self, values: pa.Array) -> Validated:
        result = Validated.none(len(values))
        positions = candidates(values, _PHONE)
        for position, value in zip(positions, _take(values, positions), strict=True):
            tier, region = self._check(value)
            if tier:
                result.tiers[position] = tier
                if region:
                    result.subtypes[region] += 1
        return result
