"""The clean-my-data benchmark compares like with like: on a small dirty
file the pandas version writes the same cleaned CSV and quarantines the
same rows as the tool."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bench.clean_bench import registered_agents, run_ours
from bench.dirty_data import dirty_csv
from bench.pandas_clean import clean

pytestmark = pytest.mark.unit

#: The agents whose pandas steps are checked to match (the others' pandas
#: steps are approximations until those agents land).
CHECKED = ("duplicate-resolver", "null-handler", "outlier-remover")


def test_pandas_version_writes_what_the_tool_writes(tmp_path: Path) -> None:
    path = dirty_csv(5_000, data_dir=tmp_path)
    agents = [a for a in registered_agents() if a in CHECKED]
    ours = run_ours(path, agents)
    out = tmp_path / "pandas"
    out.mkdir()
    theirs = clean(path, agents, out)
    assert ours["agents"] == agents and not ours["failed_agents"]
    assert ours["rows"] == theirs["rows"] > 5_000  # duplicates were added
    assert ours["rows_quarantined"] > 0 and ours["passes"] >= len(agents)
    for key in ("rows_cleaned", "rows_quarantined", "cells_changed"):
        assert ours[key] == theirs[key], key
    assert ours["removed_by_agent"] == {a: theirs["removed_by_agent"].get(a, 0) for a in agents}


def test_the_dirty_file_is_cached_and_reproducible(tmp_path: Path) -> None:
    first = dirty_csv(2_000, data_dir=tmp_path)
    again = dirty_csv(2_000, data_dir=tmp_path / "other")
    assert first.read_bytes() == again.read_bytes()
    assert dirty_csv(2_000, data_dir=tmp_path) == first
    frame = pd.read_csv(first, dtype=str, keep_default_na=False)
    assert frame["signup"].str.contains("/").any() and frame["amount"].str.startswith("$").any()
