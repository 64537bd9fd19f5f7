"""The column name as context: tokens, and which entities a name speaks for.

A name is split into lowercase tokens on anything that is not a letter or
digit, on camelCase boundaries and between letters and digits
(``contactEmail2`` -> ``contact``, ``email``, ``2``). Adjacent tokens are
also joined (``e_mail`` -> ``email``, ``Date Of Birth`` -> ``dateof``,
``ofbirth``), and the whole name is joined too (``dateofbirth``), so a
context word matches however the header was spelled. Words are matched as
whole tokens, never as substrings: ``username`` is one token and is not
``name``; ``filename`` neither.

The name never decides on its own: it only lets weaker content evidence
count (see :mod:`.detector`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from itertools import pairwise

from analysis_service.domain.pii.entities import EntityType

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_SEPARATORS = re.compile(r"[\W_]+")


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class NameTokens:
    """``parts`` in order; ``all`` adds adjacent pairs and the whole name."""

    parts: tuple[str, ...]
    all: frozenset[str]

    def has(self, words: frozenset[str]) -> frozenset[str]:
        """The context words present (empty when none)."""
        return self.all & words


@lru_cache(maxsize=4096)
def tokens(column: str) -> NameTokens:
    spaced = _LETTER_DIGIT.sub(" ", _CAMEL.sub(" ", column))
    parts = tuple(p for p in _SEPARATORS.split(spaced.lower()) if p)
    words = set(parts)
    words.update(a + b for a, b in pairwise(parts))
    if parts:
        words.add("".join(parts))
    return NameTokens(parts, frozenset(words))


#: Context words per entity, matched against :attr:`NameTokens.all`.
CONTEXT_WORDS: dict[EntityType, frozenset[str]] = {
    EntityType.EMAIL_ADDRESS: words("email mail emailaddress emailaddr mailto"),
    EntityType.PHONE_NUMBER: words(
        "phone phonenumber phoneno telephone tel telno mobile mobileno cell cellphone fax "
        "msisdn whatsapp contactnumber contactno landline"
    ),
    EntityType.SSN: words("ssn socialsecurity socialsecuritynumber socsec"),
    EntityType.CREDIT_CARD: words(
        "card cardnumber cardno creditcard debitcard cc ccnumber ccnum pan paymentcard"
    ),
    EntityType.IBAN: words("iban bankaccount accountnumber account"),
    EntityType.IP_ADDRESS: words("ip ipaddress ipaddr ipv4 ipv6 clientip remoteaddr remoteip"),
    EntityType.DATE_OF_BIRTH: words(
        "dob birth birthdate birthday dateofbirth born bday geburtsdatum"
    ),
    EntityType.ZIPCODE: words("zip zipcode postal postcode postalcode plz cep pincode"),
    EntityType.PERSON_NAME: frozenset(),  # classified by :func:`person_context`
}


class PersonContext(Enum):
    """What a column name says about person names in it."""

    NONE = "none"  # no name word: person names are never reported
    EXCLUDED = "excluded"  # a name of something else: user, file, airport, product ...
    WEAK = "weak"  # plain ``name`` (or a person role alone): content must also look like people
    STRONG = "strong"  # first/last/full name, customer name ...: content shape is enough


#: Tokens that are a person's name by themselves.
_PERSON_NAME_WORDS = words(
    """
    firstname lastname fullname surname forename givenname familyname middlename
    maidenname fname lname vorname nachname prenom apellido apellidos cognome
    """
)
#: With ``name`` they make a person's name (``customer_name``, ``first name``).
_PERSON_QUALIFIERS = words(
    """
    first last full given family middle maiden legal person personal customer client
    contact patient employee emp staff member owner holder cardholder recipient sender
    author manager guardian parent father mother spouse applicant student teacher doctor
    physician nurse driver passenger traveler traveller guest buyer beneficiary insured
    subscriber signatory kin candidate resident tenant victim witness
    """
)
#: A person role alone (``customer``, ``author``): weak person context.
_PERSON_ROLES = _PERSON_QUALIFIERS - words(
    "first last full given family middle maiden legal personal contact"
)
#: Names of things that are not people: with these, a ``name`` column is not a
#: person's name (unless a person qualifier is there too: ``account_holder_name``).
_NOT_PERSON = words(
    """
    user username login screen display nick nickname handle alias file filename path
    host hostname domain server device machine app application service database db
    schema table column field sheet dataset bucket queue product item sku brand model
    company business org organisation organization vendor supplier merchant store shop
    bank team department dept project category type tag label key role job course event
    city town country state county region province district street place location site
    venue airport airline station hotel school university hospital account image icon
    font class module function method variable param parameter attribute feature metric
    species pet animal drug medication plan group list channel campaign game song album
    artist book movie film show series title dish ingredient color colour folder
    directory repo repository branch package library network ssid stage step status unit
    currency language locale timezone zone
    """
)


def _person(column: str) -> tuple[PersonContext, tuple[str, ...]]:
    found = tokens(column)
    parts = set(found.parts)
    if direct := found.has(_PERSON_NAME_WORDS):
        return PersonContext.STRONG, tuple(sorted(direct))
    named = parts & {"name", "names"}
    qualifiers = parts & _PERSON_QUALIFIERS
    if named and qualifiers:
        return PersonContext.STRONG, tuple(sorted(named | qualifiers))
    if found.has(_NOT_PERSON):
        return PersonContext.EXCLUDED, ()
    if roles := named or parts & _PERSON_ROLES:
        return PersonContext.WEAK, tuple(sorted(roles))
    return PersonContext.NONE, ()


def person_context(column: str) -> PersonContext:
    """How strongly the name points at person names (see :class:`PersonContext`)."""
    return _person(column)[0]


def context_for(column: str, entity: EntityType) -> tuple[str, ...]:
    """The context words for ``entity`` found in the name, sorted (empty: none).

    For person names: the name words when :func:`person_context` is weak or
    strong (``("first", "name")``, ``("name",)``).
    """
    if entity is EntityType.PERSON_NAME:
        return _person(column)[1]
    return tuple(sorted(tokens(column).has(CONTEXT_WORDS[entity])))


def name_suggests(column: str) -> frozenset[EntityType]:
    """Entities whose context words appear in the name (a hint, never a finding)."""
    found = {entity for entity in EntityType if context_for(column, entity)}
    return frozenset(found)
