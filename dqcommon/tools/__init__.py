"""The tool catalog and parameter validation shared by the services."""

from dqcommon.tools.catalog import (
    FILE_OPTIONS_KEY,
    PARAMETERS_FILE,
    PARAMETERS_FILENAME,
    PARAMETERS_SLOT,
    AgentDef,
    Catalog,
    FileSlotDef,
    ParamDef,
    ParamType,
    ToolDef,
    default_catalog,
)
from dqcommon.tools.parameters import (
    ParameterError,
    ValidatedParameters,
    Violation,
    validate_parameters,
)

__all__ = [
    "FILE_OPTIONS_KEY",
    "PARAMETERS_FILE",
    "PARAMETERS_FILENAME",
    "PARAMETERS_SLOT",
    "AgentDef",
    "Catalog",
    "FileSlotDef",
    "ParamDef",
    "ParamType",
    "ParameterError",
    "ToolDef",
    "ValidatedParameters",
    "Violation",
    "default_catalog",
    "validate_parameters",
]
