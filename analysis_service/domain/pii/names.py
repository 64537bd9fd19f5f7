"""Person names: the shape of a name, and what names of other things contain.

A value *looks like a person's name* when, after dropping honorifics
(``Dr.``, ``Mrs``), suffixes (``Jr.``, ``III``, ``PhD``) and particles
(``van``, ``de``, ``bin``), it is one to five words of letters (apostrophes
and inner hyphens allowed, ``O'Brien``, ``Jean-Luc``; initials such as
``J.`` too), each capitalised, or the whole value in capitals; a
``Last, First`` form is accepted. No digits, no ``@ _ / & :``.

That shape is shared by airport names, products, cities and companies, so
the shape is never enough on its own:

* a value containing a word of :data:`NOT_PERSON_WORDS` (``Airport``,
  ``International``, ``Field``, ``Inc``, ``Hotel``, ``of``, ``the`` ...)
  is not a person's name;
* under a plain ``name`` header (weak context, see :mod:`.context`) a
  share of the values must also start with a common given name from
  :data:`.given_names.GIVEN_NAMES` (about a thousand frequent given names
  of English-, German-, French-, Spanish-, Italian-, Portuguese- and
  Dutch-speaking countries and India), which product names, cities and
  airports almost never do.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from analysis_service.domain.pii.context import words
from analysis_service.domain.pii.given_names import GIVEN_NAMES
from analysis_service.domain.pii.validators import WEAK, Validated, _take, candidates

# Compared folded, without dots ("Univ.Prof." -> "univprof", "B.Sc." -> "bsc").
_HONORIFICS = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "herr", "frau", "mme", "mlle"}
    | {"m", "sr", "sra", "srta", "rev", "fr", "hon", "capt", "col", "lt", "sgt", "univprof"}
    | {"drmed", "dipl", "diplng", "dipling", "ing", "mag", "sig", "sigra", "dott", "dottssa"}
    | {"shri", "smt", "kum"}
)
_SUFFIXES = frozenset(
    {"jr", "sr", "ii", "iii", "iv", "v", "md", "phd", "dds", "dvm", "esq", "mba", "cpa", "rn"}
    | {"ba", "bsc", "ma", "msc", "beng", "meng", "llb", "llm", "mag", "dipling", "mph"}
)
_PARTICLES = frozenset(
    {"van", "von", "de", "da", "di", "del", "della", "der", "den", "du", "la", "le", "dos"}
    | {"das", "do", "bin", "binti", "ibn", "al", "el", "ter", "ten", "te", "het", "op", "zu"}
    | {"y", "e", "i"}
)

#: Words that make a capitalised phrase the name of a place, organisation or
#: thing rather than a person (compared in lower case).
NOT_PERSON_WORDS = words(
    """
    airport airfield airstrip airpark aerodrome heliport helipad seaplane international
    intl regional municipal national county field base station terminal port harbor
    harbour railway metro
    inc ltd llc plc gmbh srl corp corporation company group holdings partners associates
    solutions services systems technologies industries enterprises foundation trust
    association institute university college school academy hospital clinic center
    centre bank club society hotel motel inn resort restaurant cafe bar store shop
    market mall
    city town village lake river mount mountain island beach valley bay springs falls
    heights street road avenue drive boulevard square new
    of the and for in on at with by
    """
)

_TOKEN = re.compile(r"^(?:[^\W\d_][^\W\d_'\u2019-]*(?:['\u2019-][^\W\d_]+)*\.?|[^\W\d_]\.)$")
#: RE2 prefilter: no digits nor the punctuation names never have (cheap; the
#: exact test is :func:`name_words`).
_NAME_CHARS = r"^[^\d@_/\\&:;#%$!?=+*|<>()\[\]{}\"]{1,80}$"


_FOLD = str.maketrans("áàâäãåçéèêëíìîïñóòôöõøúùûüýÿ", "aaaaaaceeeeiiiinoooooouuuuyy")


def _fold(word: str) -> str:
    return word.lower().translate(_FOLD)


def _bare(word: str) -> str:
    return _fold(word).replace(".", "").replace("-", "")


def name_words(value: str) -> list[str] | None:
    """The name words of a value that looks like a person's name, else None
    (honorifics, suffixes and particles removed; ``Last, First`` reordered)."""
    text = value.strip()
    if text.count(",") == 1:
        last, first = (part.strip() for part in text.split(","))
        if not last or not first:
            return None
        # "Smith, John" -> "John Smith"; "John Smith, Jr." -> "John Smith"
        text = last if _bare(first) in _SUFFIXES else f"{first} {last}"
    elif "," in text:
        return None
    words = text.split()
    if not words or len(words) > 8:
        return None
    upper = text.isupper()
    kept: list[str] = []
    for index, word in enumerate(words):
        bare = _bare(word)
        if not kept and bare in _HONORIFICS and index < len(words) - 1:
            continue
        if kept and bare in _SUFFIXES:
            continue
        if bare in NOT_PERSON_WORDS:
            return None
        if bare in _PARTICLES and word.islower() and index < len(words) - 1:
            continue
        if not _TOKEN.match(word):
            return None
        if not (upper or word[0].isupper()):
            return None
        kept.append(word.rstrip("."))
    if not 1 <= len(kept) <= 5:
        return None
    return kept


def person_names(values: pa.Array) -> tuple[Validated, npt.NDArray[np.bool_]]:
    """Weak tiers for values shaped like names, and per value whether its
    first name word is a common given name."""
    result = Validated.none(len(values))
    given = np.zeros(len(values), dtype=bool)
    positions = candidates(values, _NAME_CHARS)
    for position, value in zip(positions, _take(values, positions), strict=True):
        words = name_words(value)
        if words is None:
            continue
        result.tiers[position] = WEAK
        result.subtypes["full" if len(words) > 1 else "single"] += 1
        given[position] = _fold(words[0]) in GIVEN_NAMES
    return result, given
