"""Per-value validators, evaluated on a whole sample at once.

Every validator takes the sampled values as a pyarrow string array
(trimmed, no nulls, no blanks) and returns a :class:`Validated`: one tier
per value and the subtypes found. Tiers:

* ``0``: the value is not this entity;
* ``1``: it validates, but in a form that plenty of other data shares
  (nine bare digits as an SSN, a bare digit string as a phone number): it
  counts only when the column name gives context;
* ``2``: it validates in a distinctive form (an e-mail address, a card
  number with a known issuer prefix, its length and a correct Luhn digit):
  it counts with or without context.

A cheap vectorised regex (RE2, through pyarrow) picks the candidates; only
those reach the Python checks (checksums, ranges, parsers), so a sample of
values that are nothing like the entity costs one regex pass.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from analysis_service.domain.pii.tables import CARD_RANGES, IBAN_LENGTHS, KNOWN_SAMPLE_SSNS

Tiers = npt.NDArray[np.int8]

WEAK = 1
STRONG = 2


@dataclass
class Validated:
    """Tiers per value (see the module docstring) and subtype counts."""

    tiers: Tiers
    subtypes: Counter[str] = field(default_factory=Counter)

    @classmethod
    def none(cls, n: int) -> Validated:
        return cls(np.zeros(n, dtype=np.int8))


def candidates(values: pa.Array, pattern: str) -> npt.NDArray[np.intp]:
    """Positions of the values fully matching the RE2 ``pattern``."""
    if len(values) == 0:
        return np.empty(0, dtype=np.intp)
    mask = pc.match_substring_regex(values, pattern).to_numpy(zero_copy_only=False)
    return np.flatnonzero(mask)


def _take(values: pa.Array, positions: npt.NDArray[np.intp]) -> list[str]:
    return values.take(pa.array(positions, type=pa.int64())).to_pylist()


def _per_value(
    values: pa.Array, pattern: str, check: Callable[[str], tuple[int, str | None]]
) -> Validated:
    """Regex candidates, then ``check`` (tier, subtype) on each of them."""
    result = Validated.none(len(values))
    positions = candidates(values, pattern)
    for position, value in zip(positions, _take(values, positions), strict=True):
        tier, subtype = check(value)
        if tier:
            result.tiers[position] = tier
            if subtype:
                result.subtypes[subtype] += 1
    return result


# --- e-mail -------------------------------------------------------------------

#: RE2 prefilter (cheap: no Unicode classes, which make RE2 compile slowly).
_EMAIL = r"^[^@]+@[^@\s]+\.[^@\s]+$"
_EMAIL_SHAPE = re.compile(
    r"(?:[^<>]*<)?(?P<address>[\w!#$%&'*+/=?^`{|}~.-]+@"
    r"(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,63})>?"
)


def _email(value: str) -> tuple[int, str | None]:
    match = _EMAIL_SHAPE.fullmatch(value)
    if match is None or ("<" in value) != value.endswith(">"):
        return 0, None
    address = match["address"]
    local, _, domain = address.rpartition("@")
    if not 0 < len(local) <= 64 or len(address) > 254:
        return 0, None
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return 0, None
    if any(len(label) > 63 for label in domain.split(".")):
        return 0, None
    return STRONG, None


def email(values: pa.Array) -> Validated:
    """RFC 5321 shape: local part (64 max, no leading, trailing or double dot),
    ``@``, domain labels (63 max) and an alphabetic top-level domain; also
    ``Display Name <address>``."""
    return _per_value(values, _EMAIL, _email)


# --- US social security number ------------------------------------------------

_SSN = r"^(?:\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4}|\d{9})$"


def _ssn(value: str) -> tuple[int, str | None]:
    digits = value.replace("-", "").replace(" ", "")
    area, group, serial = int(digits[:3]), digits[3:5], digits[5:]
    if area == 0 or area == 666 or area >= 900 or group == "00" or serial == "0000":
        return 0, None
    if len(set(digits)) == 1 or digits in KNOWN_SAMPLE_SSNS:
        return 0, None
    if len(value) == 9:
        return WEAK, "bare"
    return STRONG, "dashed" if "-" in value else "spaced"


def ssn(values: pa.Array) -> Validated:
    """``AAA-GG-SSSS`` (dashes, spaces, or nine bare digits, which are weak).
    Refused: area 000, 666 or 900-999, group 00, serial 0000, one digit
    repeated, known sample numbers; mixed separators do not match."""
    return _per_value(values, _SSN, _ssn)


# --- payment cards ------------------------------------------------------------

_CARD = r"^\d{12,19}$|^\d{3,6}(?:-\d{3,6}){2,4}$|^\d{3,6}(?: \d{3,6}){2,4}$"
_RANGES_BY_PREFIX_LENGTH = sorted(
    ((len(str(low)), brand, low, high, lengths) for brand, low, high, lengths in CARD_RANGES),
    reverse=True,
)


def card_brand(digits: str) -> str | None:
    """The issuer of a digit string by prefix and length (longest prefix wins)."""
    for prefix_len, brand, low, high, lengths in _RANGES_BY_PREFIX_LENGTH:
        if low <= int(digits[:prefix_len]) <= high:
            return brand if len(digits) in lengths else None
    return None


def luhn_valid(digits: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Luhn check of equal-length digit rows (shape ``(n, length)``)."""
    doubled = digits[:, ::-1].astype(np.int16)
    doubled[:, 1::2] *= 2
    doubled[doubled > 9] -= 9
    return doubled.sum(axis=1) % 10 == 0


def credit_card(values: pa.Array) -> Validated:
    """Issuer prefix + length (:data:`.tables.CARD_RANGES`, Mastercard's
    2-series and 19-digit numbers included) + Luhn. Digits may be grouped
    by single spaces or dashes (one kind per value)."""
    result = Validated.none(len(values))
    positions = candidates(values, _CARD)
    if positions.size == 0:
        return result
    stripped = [v.replace(" ", "").replace("-", "") for v in _take(values, positions)]
    by_length: dict[int, list[int]] = {}
    for i, digits in enumerate(stripped):
        by_length.setdefault(len(digits), []).append(i)
    for length, members in by_length.items():
        if not 12 <= length <= 19:
            continue
        matrix = np.frombuffer("".join(stripped[i] for i in members).encode(), dtype=np.uint8)
        ok = luhn_valid(matrix.reshape(len(members), length) - ord("0"))
        for i in np.asarray(members)[ok]:
            brand = card_brand(stripped[i])
            if brand is not None:
                result.tiers[positions[i]] = STRONG
                result.subtypes[brand] += 1
    return result


# --- IBAN ---------------------------------------------------------------------

_IBAN = r"^[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}$"


def iban_valid(compact: str) -> bool:
    """Registry length for the country and the ISO 7064 mod-97 check."""
    if IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _iban(value: str) -> tuple[int, str | None]:
    compact = value.replace(" ", "").upper()
    return (STRONG, compact[:2]) if iban_valid(compact) else (0, None)


def iban(values: pa.Array) -> Validated:
    """International bank account numbers, compact or printed in groups."""
    return _per_value(values, _IBAN, _iban)


# --- IP addresses -------------------------------------------------------------

_IP = r"^\d{1,3}(?:\.\d{1,3}){3}$|^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$"


def _ip(value: str) -> tuple[int, str | None]:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return 0, None
    return STRONG, f"ipv{address.version}"


def ip_address(values: pa.Array) -> Validated:
    """IPv4 (dotted quad, no leading zeros) and IPv6 (any RFC 4291 form)."""
    return _per_value(values, _IP, _ip)


# --- spreadsheet-mangled numbers ----------------------------------------------

#: Excel's "General" format writes a number with more than 11 digits as
#: ``d.ddddE+XX`` (at most 15 significant digits survive, usually 6).
EXCEL_SCIENTIFIC = r"^[+-]?\d(?:[.,]\d{1,14})?E\+\d{2}$"
MIN_MANGLED_EXPONENT = 11


def lost_digits(value: str) -> int:
    """How many trailing digits of an integer a value like ``5.5E+15`` lost
    (0 when the value is not such a number or lost nothing)."""
    mantissa, _, exponent = value.lstrip("+-").partition("E+")
    power = int(exponent)
    if power < MIN_MANGLED_EXPONENT:
        return 0
    significant = len(mantissa.replace(".", "").replace(",", ""))
    return max(power + 1 - significant, 0)


def mangled_numbers(values: pa.Array) -> tuple[npt.NDArray[np.intp], list[int]]:
    """Positions of integers a spreadsheet shortened, and each one's original
    digit count."""
    positions = candidates(values, EXCEL_SCIENTIFIC)
    kept: list[int] = []
    digits: list[int] = []
    for position, value in zip(positions, _take(values, positions), strict=True):
        if lost_digits(value):
            kept.append(int(position))
            digits.append(int(value.partition("E+")[2]) + 1)
    return np.asarray(kept, dtype=np.intp), digits
