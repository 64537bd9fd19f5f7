"""Short constructors for the parameter definitions in the tool files."""

from __future__ import annotations

from typing import Any

from dqcommon.tools.model import MIB, FileSlotDef, ParamDef, ParamType

CSV_CONTENT_TYPES = (
    "text/csv",
    "application/csv",
    "text/plain",
    # What browsers on Windows report for .csv files.
    "application/vnd.ms-excel",
)


JSON_CONTENT_TYPES = ("application/json", "application/x-ndjson", "application/jsonl")
XLSX_CONTENT_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    # What some browsers and tools send for a file they do not know.
    "application/octet-stream",
)
_CONTENT_TYPES = {"csv": CSV_CONTENT_TYPES, "json": JSON_CONTENT_TYPES, "xlsx": XLSX_CONTENT_TYPES}


def table_slot(
    slot: str,
    required: bool,
    description: str,
    required_by: tuple[str, ...] = (),
    formats: tuple[str, ...] = ("csv", "json", "xlsx"),
) -> FileSlotDef:
    """A data table of at most 500 MiB. The analysis reads the content (not
    the extension), so any declared content type of the accepted formats is
    fine for any of their extensions."""
    return FileSlotDef(
        slot=slot,
        required=required,
        formats=formats,
        content_types=tuple(dict.fromkeys(t for f in formats for t in _CONTENT_TYPES[f])),
        max_size_bytes=500 * MIB,
        description=description,
        required_by_agents=required_by,
    )


def integer(
    name: str,
    default: int | None,
    description: str,
    lo: float | None = None,
    hi: float | None = None,
    *,
    show: bool = False,
) -> ParamDef:
    return ParamDef(name, ParamType.INTEGER, default, description, lo, hi, show=show)


def number(
    name: str,
    default: float,
    description: str,
    lo: float | None = None,
    hi: float | None = None,
    *,
    show: bool = False,
) -> ParamDef:
    return ParamDef(name, ParamType.FLOAT, float(default), description, lo, hi, show=show)


def boolean(name: str, default: bool, description: str, *, show: bool = False) -> ParamDef:
    return ParamDef(name, ParamType.BOOLEAN, default, description, show=show)


def choice(
    name: str, default: str, allowed: tuple[str, ...], description: str, *, show: bool = False
) -> ParamDef:
    return ParamDef(name, ParamType.STRING, default, description, allowed=allowed, show=show)


def text(name: str, default: str, description: str, *, show: bool = False) -> ParamDef:
    return ParamDef(name, ParamType.STRING, default, description, show=show)


def columns(name: str, description: str, *, show: bool = True) -> ParamDef:
    """A list of column names, picked from the uploaded file in the form."""
    return ParamDef(
        name,
        ParamType.ARRAY,
        [],
        description,
        items="string",
        show=show,
        column_selection=True,
        example=["customer_id"],
    )


def mapping(name: str, description: str, example: Any = None, *, show: bool = False) -> ParamDef:
    """A JSON object (its shape is in the description)."""
    return ParamDef(name, ParamType.OBJECT, {}, description, show=show, example=example)


def weight(name: str, default: float, what: str) -> ParamDef:
    return number(
        name, default, f"Weight of {what} in the agent's score (weights are normalised).", 0, 1
    )


def thresholds(excellent: int = 90, good: int = 75) -> tuple[ParamDef, ...]:
    return (
        integer(
            "excellent_threshold",
            excellent,
            "Score at or above which the status is excellent.",
            0,
            100,
        ),
        integer("good_threshold", good, "Score at or above which the status is good.", 0, 100),
    )


def retention_weights() -> tuple[ParamDef, ...]:
    return (
        weight("data_retention_weight", 0.3, "row retention"),
        weight("column_retention_weight", 0.2, "column retention"),
    )


def date_convention() -> ParamDef:
    """The one date convention of the cleaning agents (cleaning/dates.py)."""
    return choice(
        "date_convention",
        "auto",
        ("auto", "dmy", "mdy"),
        "How day/month dates are read: auto decides per column from values with a part "
        "above 12 and reports the undecidable ones (03/04/2024) without changing them; "
        "dmy or mdy fix the order.",
    )
