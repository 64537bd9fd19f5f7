"""CSV dialect sniffing from the head of the stream.

Delimiter
    Each candidate among ``,`` ``;`` tab and ``|`` is tried on the decoded
    head (up to 64 KiB, about 200 records) with Python's csv module: the
    header must split into at least two fields, and the winner is the one
    whose records most often have as many fields as the header; ties go to
    the candidate occurring most often in the header outside quotes, then
    to that order. A header without any of them is one column (comma).
    ``csv.Sniffer`` is not used: it looks at character frequencies of data
    rows and is fooled by commas inside free text.

Quoting
    ``"`` unless the head quotes fields with ``'`` and never with ``"``.
    Backslash escapes (``\\"``) are recognised when they occur inside quoted
    values and doubled quotes (``""``) do not.

Decimal comma
    Decided only when the delimiter is not a comma: ``","`` when more values
    look like ``3,14`` than like ``3.14``. The cells keep their text; the
    profile parses them with the separator (:func:`.cells.to_float64`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from analysis_service.domain.sources.model import CsvDialect

DELIMITER_CANDIDATES: tuple[str, ...] = (",", ";", "\t", "|")
_SNIFF_RECORDS = 200
_DECIMAL_COMMA = re.compile(r"^\s*[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+\s*$")
_DECIMAL_POINT = re.compile(r"^\s*[+-]?\d+\.\d+\s*$")


def sniff_delimiter(header_line: str) -> str:
    """The candidate delimiter occurring most often outside quotes in a
    header line (ties: the order of :data:`DELIMITER_CANDIDATES`)."""
    counts = _header_counts(header_line, '"')
    best = max(DELIMITER_CANDIDATES, key=lambda d: counts[d])  # first wins ties
    return best if counts[best] else ","


def _header_counts(line: str, quotechar: str) -> dict[str, int]:
    counts = dict.fromkeys(DELIMITER_CANDIDATES, 0)
    quoted = False
    for char in line:
        if char == quotechar:
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    return counts


def _line_terminator(text: str) -> str:
    lf = text.find("\n")
    cr = text.find("\r")
    if cr >= 0 and (lf < 0 or cr < lf):
        return "\r\n" if text[cr + 1 : cr + 2] == "\n" else "\r"
    return "\n"


def _quotechar(text: str) -> str:
    counts = {}
    for quote in ('"', "'"):
        q = re.escape(quote)
        pattern = rf"(?:^|(?<=[,;\t|\r\n]))[ ]*{q}[^{q}\n\r]*{q}[ ]*(?=[,;\t|\r\n]|$)"
        counts[quote] = len(re.findall(pattern, text))
    return "'" if counts["'"] > 0 and counts['"'] == 0 else '"'


def _escapechar(text: str, quotechar: str) -> str | None:
    q = re.escape(quotechar)
    backslashed = len(re.findall(rf"\\{q}(?![,;\t|\r\n])", text))
    doubled = len(re.findall(rf"(?<=[^,;\t|\r\n{q}]){q}{q}(?=[^,;\t|\r\n{q}])", text))
    return "\\" if backslashed and not doubled else None


@dataclass(frozen=True)
class _Candidate:
    delimiter: str
    header_fields: int
    consistency: float
    header_count: int
    order: int


def _records(text: str, delimiter: str, quotechar: str, escapechar: str | None) -> list[list[str]]:
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quotechar=quotechar,
        doublequote=escapechar is None,
        escapechar=escapechar,
        strict=False,
    )
    records: list[list[str]] = []
    try:
        for record in reader:
            if record:
                records.append(record)
            if len(records) >= _SNIFF_RECORDS:
                break
    except csv.Error:
        pass  # a field longer than csv's limit: judge on what was read
    return records


def _best_delimiter(
    head: str, first_line: str, quotechar: str
) -> tuple[_Candidate | None, dict[str, list[list[str]]], str | None]:
    """The most consistent delimiter under ``quotechar``, its records, the escape."""
    escapechar = _escapechar(head, quotechar)
    header_counts = _header_counts(first_line, quotechar)
    candidates: list[_Candidate] = []
    chosen_records: dict[str, list[list[str]]] = {}
    for order, delimiter in enumerate(DELIMITER_CANDIDATES):
        if not header_counts[delimiter]:
            continue
        records = _records(head, delimiter, quotechar, escapechar)
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        body = records[1:]
        consistency = sum(1 for r in body if len(r) == width) / len(body) if body else 1.0
        candidates.append(
            _Candidate(delimiter, width, consistency, header_counts[delimiter], order)
        )
        chosen_records[delimiter] = records
    if not candidates:
        return None, chosen_records, escapechar
    best = max(candidates, key=lambda c: (c.consistency, c.header_count, -c.order))
    return best, chosen_records, escapechar


def sniff_dialect(head: str, *, complete: bool) -> tuple[CsvDialect, list[str]]:
    """The dialect of a CSV whose decoded start is ``head`` (the whole file
    when ``complete``), and notes on what was decided beyond the defaults."""
    notes: list[str] = []
    if not complete:  # drop the last, probably cut, line
        cut = max(head.rfind("\n"), head.rfind("\r"))
        if cut > 0:
            head = head[: cut + 1]
    lineterminator = _line_terminator(head)
    quotechar = _quotechar(head)
    first_line = re.split(r"\r\n|\r|\n", head, maxsplit=1)[0]
    best, chosen_records, escapechar = _best_delimiter(head, first_line, quotechar)
    if quotechar == "'":
        # Single quotes win only if they explain the rows better than double
        # quotes do: an apostrophe in text ("'; DROP TABLE t") is not quoting.
        plain, plain_records, plain_escape = _best_delimiter(head, first_line, '"')
        if plain is not None and (best is None or plain.consistency >= best.consistency):
            best, chosen_records, escapechar, quotechar = (
                plain,
                plain_records,
                plain_escape,
                '"',
            )
    delimiter = best.delimiter if best is not None else ","
    decimal = "."
    if delimiter != "," and delimiter in chosen_records:
        comma = point = 0
        for record in chosen_records[delimiter][1:]:
            for value in record:
                if "," in value and _DECIMAL_COMMA.match(value):
                    comma += 1
                elif "." in value and _DECIMAL_POINT.match(value):
                    point += 1
        if comma > point:
            decimal = ","
            notes.append(
                f"Numbers use a decimal comma: {comma:,} values in the first rows look like "
                f'"3,14" against {point:,} like "3.14"; they are read as numbers.'
            )
    if quotechar != '"':
        notes.append("Values are quoted with single quotes (').")
    if escapechar:
        notes.append('Quotes inside quoted values are escaped with a backslash (\\").')
    dialect = CsvDialect(
        delimiter=delimiter,
        quotechar=quotechar,
        doublequote=escapechar is None,
        escapechar=escapechar,
        lineterminator=lineterminator,
        decimal=decimal,
    )
    return dialect, notes
