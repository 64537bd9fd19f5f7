"""Small protobuf helpers shared by the services."""

from __future__ import annotations

import math
from typing import Any

from google.protobuf import struct_pb2
from google.protobuf.json_format import MessageToDict


def struct_to_python(message: struct_pb2.Struct) -> dict[str, Any]:
    """A Struct as plain Python. JSON numbers travel as doubles in a Struct;
    whole ones come back as ints so integer parameters stay integers."""
    return _whole_numbers(MessageToDict(message))


def _whole_numbers(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value
