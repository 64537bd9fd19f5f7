"""The tools API: the catalog as the frontend builds its pages and forms
from it (frontend-contract.md §4.1-§4.5). Keys keep the contract's
spelling, camelCase ones included (``isAvailable``, ``isFree``,
``columnSelection``), and objects keep the catalog's order (agents and
parameters in declared order), which is why these documents are built here
and sent as JSON bytes rather than printed from protobuf messages."""

from __future__ import annotations

import json
from typing import Any

from dqcommon.tools import AgentDef, Catalog, FileSlotDef, ParamDef, ParamType, ToolDef


def tools_document(catalog: Catalog) -> dict[str, Any]:
    """``GET /tools``: every shown tool, in catalog order."""
    return {"tools": [tool_summary(t) for t in catalog.tools if t.show]}


def tool_document(tool: ToolDef) -> dict[str, Any]:
    """``GET /tools/{tool_id}``."""
    files = {s.slot: file_slot(s) for s in tool.files}
    return {
        "tool": tool_object(tool, files),
        "agents": {a.agent_id: agent_object(tool, a) for a in tool.agents},
        "file_requirements": files,
    }


def encode(document: dict[str, Any]) -> bytes:
    """UTF-8 JSON, emoji and accents kept as they are."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def tool_summary(tool: ToolDef) -> dict[str, Any]:
    return {
        "id": tool.tool_id,
        "name": tool.name,
        "description": tool.description,
        "icon": tool.icon,
        "category": tool.category,
        "status": tool.status,
        "isAvailable": tool.available,
        "tags": list(tool.tags),
        "available_agents": list(tool.available_agents()),
        "isFree": tool.is_free,
        # The contract's name is misleading: every slot, required or not.
        "required_files": [s.slot for s in tool.files],
    }


def tool_object(tool: ToolDef, files: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": tool.tool_id,
        "name": tool.name,
        "description": tool.description,
        "icon": tool.icon,
        "category": tool.category,
        "tags": list(tool.tags),
        "isAvailable": tool.available,
        "status": tool.status,
        "show": tool.show,
        "version": tool.version,
        "available_agents": list(tool.available_agents()),
        "files": files,
    }


def file_slot(slot: FileSlotDef) -> dict[str, Any]:
    return {
        "description": slot.description,
        "required": slot.required,
        "formats": list(slot.formats),
        "max_size_mb": slot.max_size_mb,
        "content_types": list(slot.content_types),
        "required_by_agents": list(slot.required_by_agents),
    }


def agent_object(tool: ToolDef, agent: AgentDef) -> dict[str, Any]:
    return {
        "id": agent.agent_id,
        "name": agent.name,
        "description": agent.description,
        "icon": agent.icon,
        "category": tool.category,
        "isAvailable": agent.available,
        "accuracy": agent.accuracy,
        "features": list(agent.features),
        "input": {"type": agent.input_type},
        "version": agent.version,
        "required_files": list(agent.input_slots),
        "parameters": {p.name: parameter_object(p) for p in agent.parameters},
    }


def parameter_object(spec: ParamDef) -> dict[str, Any]:
    """One form field. Optional keys appear only where they apply, as in the
    frontend's tool definitions (``allowed`` on enums, ``items`` on arrays,
    ``min``/``max`` where bounded, ``columnSelection`` on column pickers)."""
    entry: dict[str, Any] = {
        "type": spec.type.value,
        "description": spec.description,
        "default": spec.default,
    }
    if spec.minimum is not None:
        entry["min"] = _bound(spec, spec.minimum)
    if spec.maximum is not None:
        entry["max"] = _bound(spec, spec.maximum)
    if spec.allowed:
        entry["allowed"] = list(spec.allowed)
    if spec.items:
        entry["items"] = spec.items
    if spec.example is not None:
        entry["example"] = spec.example
        entry["show_example"] = True
    entry["show_description"] = True
    entry["show"] = spec.show
    entry["required"] = False
    if spec.column_selection:
        entry["columnSelection"] = True
    return entry


def _bound(spec: ParamDef, value: float) -> int | float:
    return int(value) if spec.type is ParamType.INTEGER else float(value)
