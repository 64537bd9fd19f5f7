"""Whole-column readings of type-fixer (pyarrow.compute), for the values
the fast patterns of :mod:`.inference` leave: a batch column is factorised
once (:func:`factorize`) and its distinct values are sorted into tiers by
anchored regexes (:func:`classify`):

* ``text``: a value with a character no number, date or boolean has
  (anything but ASCII digits, ``+-.,eE/:TZ`` and whitespace) that is not a
  missing-value spelling or a boolean word either: :func:`.inference.read`
  would say ``OTHER``; nothing else to know about it;
* ``number``: signed digits (at most 15) or a plain decimal (at most 15
  integer digits), no whitespace: class, code_like, long_plain and
  imprecise computed as :func:`.inference.read` computes them;
* ``date``: a canonical date (2024-03-04): a DATE, its own text;
* the rest (other dates, booleans, missing-value spellings, thousands separators,
  exponents, long digit strings, whitespace ...): read one by one in Python,
  once per distinct value of the batch.

Whitespace is Python's (``str.isspace``), spelled out for RE2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from analysis_service.cleaning.agents.type_fixer.inference import NA_SPELLINGS, Cls

#: Every character ``str.isspace`` (hence ``str.strip``) treats as whitespace.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def _literal(text: str) -> str:
    """``text`` as an RE2 pattern that matches only itself."""
    return "".join(c if c.isascii() and c.isalnum() else f"\\x{{{ord(c):x}}}" for c in text)


_WS = _literal(PY_WHITESPACE)
#: a character no number, date or boolean is written with
NOT_A_NUMBER_OR_DATE = f"[^0-9+\\-.,eE/:TZ{_WS}]"
#: what may strip to a missing-value spelling or (any case) a boolean word
NA_OR_BOOL = (
    f"^[{_WS}]*(?:"
    + "|".join(_literal(t) for t in sorted(NA_SPELLINGS))
    + f"|(?i:true|yes|false|no))[{_WS}]*$"
)
TIER_INT = r"^[+-]?[0-9]{1,15}$"
TIER_DECIMAL = r"^[+-]?(?:[0-9]{1,15}\.[0-9]*|\.[0-9]+)$"
#: a canonical date of a day every year has (29 February is read in
#: Python), year from 1000: a DATE that is its own canonical text
TIER_DATE = (
    r"^[1-9][0-9]{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    r"|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)$"
)
#: the classes, in a fixed order (their codes in :class:`Tiers`)
CLASSES: tuple[Cls, ...] = tuple(Cls)
CODE = {c: i for i, c in enumerate(CLASSES)}
#: significant digits a float64 reader keeps (inference.EXACT_FLOAT_DIGITS)
_EXACT_FLOAT_DIGITS = 15


@dataclass(frozen=True)
class Factorized:
    """Non-null cells of a column: ``codes`` index ``uniques`` (first
    appearance first), ``texts`` the same as Python text, ``counts`` cells
    per distinct value."""

    codes: npt.NDArray[np.int64]
    uniques: pa.Array
    texts: list[str]
    counts: npt.NDArray[np.int64]


def factorize(values: pa.Array) -> Factorized:
    """``values`` holds no null."""
    encoded = pc.dictionary_encode(values)
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    uniques = encoded.dictionary
    counts = np.bincount(codes, minlength=len(uniques)).astype(np.int64)
    return Factorized(codes, uniques, uniques.to_pylist(), counts)


def _mask(values: pa.Array, pattern: str) -> npt.NDArray[np.bool_]:
    out = pc.match_substring_regex(values, pattern).to_numpy(zero_copy_only=False)
    return np.asarray(out, dtype=bool)


@dataclass(frozen=True)
class Tiers:
    """Per distinct value: ``text`` (OTHER for sure), ``number`` (read
    here: ``cls`` its class code, the three flags, ``int_differs`` its
    integer text differs from it), ``date`` (a canonical DATE) and
    ``slow`` = none of them."""

    text: npt.NDArray[np.bool_]
    number: npt.NDArray[np.bool_]
    date: npt.NDArray[np.bool_]
    cls: npt.NDArray[np.int64]
    code_like: npt.NDArray[np.bool_]
    long_plain: npt.NDArray[np.bool_]
    imprecise: npt.NDArray[np.bool_]
    int_differs: npt.NDArray[np.bool_]

    @property
    def slow(self) -> npt.NDArray[np.bool_]:
        return ~(self.text | self.number | self.date)


def classify(values: pa.Array) -> Tiers:
    n = len(values)
    cls = np.full(n, CODE[Cls.OTHER], dtype=np.int64)
    flags = [np.zeros(n, dtype=bool) for _ in range(4)]
    if not n:
        none = np.zeros(0, dtype=bool)
        return Tiers(none, none, none, cls, *flags)
    text = _mask(values, NOT_A_NUMBER_OR_DATE) & ~_mask(values, NA_OR_BOOL)
    date = _mask(values, TIER_DATE)
    cls[date] = CODE[Cls.DATE]
    ints = _mask(values, TIER_INT)
    decimals = _mask(values, TIER_DECIMAL)
    number = ints | decimals
    code_like, long_plain, imprecise, int_differs = flags
    if number.any():
        code_like[:] = number & _mask(values, r"^[+-]?0[0-9]")
        code_like |= ints & _mask(values, r"^\+[0-9]{7}")
        long_plain[:] = number & _mask(values, r"^[+-]?[0-9]{4}")
        integral = decimals & _mask(values, r"\.0*$")
        cls[ints] = CODE[Cls.INT]
        cls[integral] = CODE[Cls.INTEGRAL]
        fraction = decimals & ~integral
        cls[fraction] = CODE[Cls.FLOAT]
        if fraction.any():
            digits = pc.utf8_trim(pc.replace_substring_regex(values, r"[+\-.]", ""), "0")
            length = np.asarray(pc.utf8_length(digits).to_numpy(zero_copy_only=False))
            imprecise[:] = fraction & (length > _EXACT_FLOAT_DIGITS)
        canonical_int = _mask(values, r"^(?:0|-?[1-9][0-9]*)$")
        int_differs[:] = (ints & ~canonical_int) | integral
    return Tiers(text, number, date, cls, code_like, long_plain, imprecise, int_differs)
