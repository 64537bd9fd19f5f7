"""Property: whatever the CSV, the full clean-my-data tool (every
registered cleaning agent, at parameters that make each of them work)
never loses a row: the cleaned file and the quarantine file together hold
every input row number exactly once, and the cleaned rows keep their order."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis_service.cleaning.registry import cleaning_agents
from analysis_service.cleaning.runner import CleanRequest, run_clean_agents
from analysis_service.cleaning.source import TableSource
from dqcommon.tools.clean_tool import CLEAN_TOOL

pytestmark = pytest.mark.unit

#: Parameters that make each agent change something on messy data.
WORKING: dict[str, dict[str, Any]] = {
    "quarantine-agent": {
        "required_fields": ["amount"],
        "range_constraints": {"amount": {"min": -1000, "max": 1000}},
    },
    "null-handler": {"column_strategies": {"amount": "median", "label": "mode"}},
    "duplicate-resolver": {"key_columns": ["label"]},
}

_values = st.sampled_from(
    [
        "",
        "NA",
        "-",
        "?",
        "0",
        "1",
        "1.0",
        "2",
        "-3",
        "1e3",
        "99999",
        "abc",
        "Abc",
        " abc ",
        "2024-01-05",
        "05/01/2024",
        "13/01/2024",
        "01/13/2024",
        "true",
        "N/A",
        "null",
        "x y",
    ]
)
_rows = st.lists(st.tuples(_values, _values), min_size=1, max_size=40)


def _agents() -> list[str]:
    registered = cleaning_agents()
    return [a.agent_id for a in CLEAN_TOOL.agents if a.agent_id in registered]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_rows, st.integers(1, 9))
def test_the_full_tool_never_loses_a_row(rows: list[tuple[str, str]], batch_rows: int) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["rid", "amount", "label"])
    # "rid" is unique text no agent has a reason to touch: it names the row
    writer.writerows([[f"row-{i + 1}", a, b] for i, (a, b) in enumerate(rows)])
    data = buf.getvalue().encode()
    with tempfile.TemporaryDirectory() as tmp:
        run = run_clean_agents(
            TableSource(lambda: [data], batch_rows=batch_rows),
            [CleanRequest(a, WORKING.get(a, {})) for a in _agents()],
            work_dir=Path(tmp),
        )
        cleaned = list(csv.reader(run.cleaned_csv.open(newline="")))
        quarantine = list(csv.reader(run.quarantine_csv.open(newline="")))
    n = len(rows)
    assert run.chain.rows_in == n == run.chain.rows_cleaned + run.chain.rows_quarantined
    rid = cleaned[0].index("rid")
    kept = [int(r[rid].removeprefix("row-")) for r in cleaned[1:]]
    assert kept == sorted(kept)  # order kept
    moved = [int(r[quarantine[0].index("_row_number")]) for r in quarantine[1:]]
    assert sorted(kept + moved) == list(range(1, n + 1))
    # the quarantine holds the ORIGINAL values of its rows
    for r in quarantine[1:]:
        number = int(r[quarantine[0].index("_row_number")])
        assert r[0] == f"row-{number}"
        assert (r[1], r[2]) == rows[number - 1]
    assert all(o.ok for o in run.outputs), [o.error for o in run.outputs if not o.ok]
