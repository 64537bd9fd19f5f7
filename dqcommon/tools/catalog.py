"""The tool catalog: the product's shared vocabulary.

TaskService validates tasks and serves ``GET /tools`` from it;
AnalysisService runs the agents it names. The data shape is in
:mod:`dqcommon.tools.model`; the definitions are in
:mod:`dqcommon.tools.profile_tool` and :mod:`dqcommon.tools.clean_tool`
(one ``AgentDef`` per agent: flip ``available`` there once AnalysisService
implements the agent). Unavailable agents are listed so the frontend can
show them, and refused at task creation.
"""

from __future__ import annotations

from dqcommon.tools.builders import CSV_CONTENT_TYPES
from dqcommon.tools.clean_tool import CLEAN_TOOL
from dqcommon.tools.model import (
    MIB,
    AgentDef,
    Catalog,
    FileSlotDef,
    ParamDef,
    ParamType,
    ToolDef,
)
from dqcommon.tools.profile_tool import PROFILE_TOOL, UNIFIED_PROFILER

#: Slot name of the optional parameters file (upload-urls ``has_parameters``).
PARAMETERS_SLOT = "parameters"
PARAMETERS_FILENAME = "parameters.json"

#: Key of the parameters object that holds per-file options, beside the
#: agent ids: ``{"files": {"primary": {"sheet": "Sales"}}}``.
FILE_OPTIONS_KEY = "files"

#: The optional parameters.json every tool accepts; not one of a tool's
#: ``files`` (the frontend renders those as upload fields).
PARAMETERS_FILE = FileSlotDef(
    slot=PARAMETERS_SLOT,
    required=False,
    formats=("json",),
    content_types=("application/json",),
    max_size_bytes=1 * MIB,
    description=(
        "Optional parameters.json: one object keyed by agent id, each value that agent's "
        "parameters. Replaces parameters given when the task was created; validated when "
        "processing is requested."
    ),
)


def default_catalog() -> Catalog:
    """The catalog this version ships."""
    return Catalog(tools=(PROFILE_TOOL, CLEAN_TOOL))


__all__ = [
    "CLEAN_TOOL",
    "CSV_CONTENT_TYPES",
    "FILE_OPTIONS_KEY",
    "MIB",
    "PARAMETERS_FILE",
    "PARAMETERS_FILENAME",
    "PARAMETERS_SLOT",
    "PROFILE_TOOL",
    "UNIFIED_PROFILER",
    "AgentDef",
    "Catalog",
    "FileSlotDef",
    "ParamDef",
    "ParamType",
    "ToolDef",
    "default_catalog",
]
