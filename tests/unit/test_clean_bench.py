"""The clean-my-data benchmark compares like with like: on a small dirty
file the pandas version, step by step, removes the same rows and changes
the same cells as each agent of the tool, and writes the same cleaned CSV.

Every agent the registry holds runs. cleanse-previewer and
cleanse-writeback change no data (the preview's counting pass and the
re-reading of the outputs are the tool's extra work), so they are only
checked to run without failing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bench.clean_bench import registered_agents, run_ours
from bench.dirty_data import dirty_csv
from bench.pandas_clean import STEPS, clean

pytestmark = pytest.mark.unit

#: The agents whose pandas step must match the agent exactly.
DATA_AGENTS = (
    "quarantine-agent",
    "type-fixer",
    "field-standardization",
    "duplicate-resolver",
    "null-handler",
    "outlier-remover",
)
META_AGENTS = ("cleanse-previewer", "cleanse-writeback")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_pandas_version_does_what_each_agent_does(tmp_path: Path) -> None:
    path = dirty_csv(5_000, data_dir=tmp_path)
    agents = registered_agents()
    assert set(DATA_AGENTS) | set(META_AGENTS) == set(agents)
    assert set(DATA_AGENTS) <= set(STEPS)
    ours_dir, theirs_dir = tmp_path / "ours", tmp_path / "pandas"
    ours_dir.mkdir()
    theirs_dir.mkdir()
    ours = run_ours(path, agents, work_dir=ours_dir)
    theirs = clean(path, agents, theirs_dir)
    assert ours["agents"] == agents and not ours["failed_agents"]
    assert ours["rows"] == theirs["rows"] > 5_000  # duplicates were added
    for agent in DATA_AGENTS:  # every agent does real work on this file
        assert ours["removed_by_agent"][agent] or ours["cells_by_agent"][agent], agent
    assert ours["removed_by_agent"] == {
        a: theirs["removed_by_agent"].get(a, 0) for a in ours["removed_by_agent"]
    }
    assert ours["cells_by_agent"] == {
        a: theirs["cells_by_agent"].get(a, 0) for a in ours["cells_by_agent"]
    }
    for key in ("rows_cleaned", "rows_quarantined", "cells_changed"):
        assert ours[key] == theirs[key], key
    # the same rows, cell for cell, and the same rows quarantined by each agent
    pd.testing.assert_frame_equal(
        _read(ours_dir / "cleaned.csv"), _read(theirs_dir / "cleaned.csv")
    )
    q_ours, q_theirs = _read(ours_dir / "quarantine.csv"), _read(theirs_dir / "quarantine.csv")
    for agent in DATA_AGENTS:
        mine = q_ours.loc[q_ours["_agent"] == agent, "_row_number"]
        pandas_rows = q_theirs.loc[q_theirs["_agent"] == agent, "_row_number"]
        assert sorted(mine.astype(int)) == sorted(pandas_rows.astype(int)), agent


def test_the_dirty_file_is_cached_and_reproducible(tmp_path: Path) -> None:
    first = dirty_csv(2_000, data_dir=tmp_path)
    again = dirty_csv(2_000, data_dir=tmp_path / "other")
    assert first.read_bytes() == again.read_bytes()
    assert dirty_csv(2_000, data_dir=tmp_path) == first
    frame = pd.read_csv(first, dtype=str, keep_default_na=False)
    assert frame["signup"].str.contains("/").any() and frame["amount"].str.startswith("$").any()
