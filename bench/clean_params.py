"""The parameters both sides of the clean-my-data benchmark use (ours
through the catalog, the pandas version the same values), chosen so that
every agent does real work on bench/dirty_data's file."""

from __future__ import annotations

from typing import Any

#: Columns imputed with the median / with the most frequent value.
NUMERIC = ("amount", "score", "quantity")
TEXT = ("segment", "comment", "active", "signup", "code")

REQUIRED = ("id", "email")
RANGES = {"quantity": {"min": 0, "max": 100}}
FORMATS = {"email": "^[^@]+@[^@]+$"}

#: Agent id -> the parameters the bench gives it (everything else: defaults).
BENCH_PARAMS: dict[str, dict[str, Any]] = {
    "cleanse-previewer": {
        "preview_rules": [
            {"type": "drop_duplicates", "target_columns": [], "description": "duplicates"},
            {
                "type": "impute_nulls",
                "target_columns": list(NUMERIC),
                "strategy": "median",
                "description": "numeric nulls",
            },
            {
                "type": "remove_outliers",
                "target_columns": list(NUMERIC),
                "method": "iqr",
                "iqr_multiplier": 1.5,
                "description": "IQR outliers",
            },
        ]
    },
    "quarantine-agent": {
        "required_fields": list(REQUIRED),
        "range_constraints": RANGES,
        "format_constraints": FORMATS,
    },
    "duplicate-resolver": {"key_columns": []},
    "null-handler": {
        "column_strategies": {
            **dict.fromkeys(NUMERIC, "median"),
            **dict.fromkeys(TEXT, "mode"),
        }
    },
}

#: The agent the per-pass case runs alone (one statistics pass, cheap observer).
CHEAP_AGENT = "outlier-remover"
