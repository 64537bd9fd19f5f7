"""The one JSON sanitiser: every number, boolean and container that leaves
the service goes through :func:`jsonable` (or :func:`json_number` for a
single scalar), and :func:`json_bytes` refuses anything that is still not
strict JSON.

Rules: NumPy scalars become Python ``int`` / ``float`` / ``bool``; NaN and
±infinity become ``None`` (strict JSON has no token for them; an agent that
wants a defined value instead, such as upstream's ``0.0`` for an undefined
skewness, says so explicitly with ``default``); mappings get string keys;
tuples, sets and arrays become lists; datetimes become ISO-8601 text; enums
their value; anything else with ``to_dict`` is converted through it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

import numpy as np


def json_number(value: Any, digits: int | None = None, *, default: Any = None) -> Any:
    """A number safe for strict JSON (``default`` when missing, NaN or
    infinite); ``digits`` rounds floats."""
    if value is None:
        return default
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    number = float(value)
    if not math.isfinite(number):
        return default
    return round(number, digits) if digits is not None else number


def jsonable(value: Any) -> Any:
    """A copy of ``value`` made of plain, finite JSON types only."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | int | float | np.bool_ | np.integer | np.floating):
        return json_number(value)
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, datetime | date):
        return value.isoformat()
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return jsonable(to_dict())
    return str(value)


def json_bytes(document: Any) -> bytes:
    """Strict JSON (NaN and Infinity refused), UTF-8, indented by 2."""
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False).encode("utf-8")
