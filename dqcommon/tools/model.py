"""The catalog's data shape: tools, their file slots, agents and parameters.

The shape mirrors the tool definitions the frontend builds its forms from
(``GET /tools/{tool_id}``): every field here is either one of those keys or
something the services need (content types, byte limits, report names).
Definitions live in ``profile_tool.py`` and ``clean_tool.py``; edit them
there, one ``AgentDef`` per agent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

MIB = 1024 * 1024


class ParamType(Enum):
    """Value type of a parameter; the values are the frontend's type strings."""

    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    STRING = "string"
    ARRAY = "array"
    OBJECT = "object"


@dataclass(frozen=True)
class ParamDef:
    """One agent parameter: enough to render a form field and to validate a
    value. ``minimum``/``maximum`` are inclusive; ``allowed`` restricts a
    string (or, for an array, its items); ``items`` is the item type of an
    array ("string" or "object"); ``show`` puts the field in the form
    (hidden fields keep their default); ``column_selection`` asks the form
    for a picker of the uploaded file's columns. ``default`` may be None
    only for parameters whose absence means "unknown" (null is then a valid
    value too)."""

    name: str
    type: ParamType
    default: Any
    description: str
    minimum: float | None = None
    maximum: float | None = None
    allowed: tuple[str, ...] = ()
    items: str | None = None
    show: bool = False
    column_selection: bool = False
    example: Any = None

    @property
    def nullable(self) -> bool:
        return self.default is None


@dataclass(frozen=True)
class AgentDef:
    """One agent of a tool. ``available`` is True once AnalysisService
    implements it (a test keeps the two in step); unavailable agents are
    listed with ``isAvailable: false`` and refused at task creation."""

    agent_id: str
    name: str
    description: str
    available: bool
    icon: str = "🧩"
    features: tuple[str, ...] = ()
    accuracy: str = "n/a"
    input_type: str = "CSV"
    version: str = "1.0.0"
    # File slots the agent reads (the frontend's agent ``required_files``).
    input_slots: tuple[str, ...] = ("primary",)
    parameters: tuple[ParamDef, ...] = ()

    def parameter(self, name: str) -> ParamDef | None:
        return next((p for p in self.parameters if p.name == name), None)

    def defaults(self) -> dict[str, Any]:
        return {p.name: _copy(p.default) for p in self.parameters}


@dataclass(frozen=True)
class FileSlotDef:
    """One input file a tool accepts."""

    slot: str
    required: bool
    formats: tuple[str, ...]
    content_types: tuple[str, ...]
    max_size_bytes: int
    description: str
    required_by_agents: tuple[str, ...] = ()

    @property
    def max_size_mb(self) -> int:
        return self.max_size_bytes // MIB


@dataclass(frozen=True)
class ToolDef:
    """One tool. ``files`` are the user's data files (parameters.json is a
    separate, optional upload shared by every tool)."""

    tool_id: str
    name: str
    description: str
    version: str
    category: str
    files: tuple[FileSlotDef, ...]
    agents: tuple[AgentDef, ...]
    icon: str = "🧰"
    tags: tuple[str, ...] = ()
    # Product status shown by the frontend ("Private", "Public", ...).
    status: str = "Private"
    # False hides the tool from GET /tools.
    show: bool = True
    # Every agent is free to run (this backend has no billing).
    is_free: bool = True
    # Base of the report file names: "<prefix>_analysis.xlsx" / ".json".
    report_prefix: str = field(default="")

    def agent(self, agent_id: str) -> AgentDef | None:
        return next((a for a in self.agents if a.agent_id == agent_id), None)

    def slot(self, name: str) -> FileSlotDef | None:
        return next((s for s in self.files if s.slot == name), None)

    def available_agents(self) -> tuple[str, ...]:
        return tuple(a.agent_id for a in self.agents if a.available)

    @property
    def available(self) -> bool:
        return bool(self.available_agents())

    def required_slots(self, agents: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """Slots that must be uploaded for a task running ``agents``."""
        chosen = set(agents)
        return tuple(
            s.slot for s in self.files if s.required or chosen.intersection(s.required_by_agents)
        )


@dataclass(frozen=True)
class Catalog:
    """Every tool, by id."""

    tools: tuple[ToolDef, ...]

    def tool(self, tool_id: str) -> ToolDef | None:
        return next((t for t in self.tools if t.tool_id == tool_id), None)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
