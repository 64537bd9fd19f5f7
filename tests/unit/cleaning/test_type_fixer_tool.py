"""type-fixer in the whole tool (the runner, with the previewer, null-handler
and cleanse-writeback): writeback re-reads the cleaned CSV and every column
type-fixer converted round-trips to its ``target_type``; the preview
predicts what the writing pass did."""

from __future__ import annotations

import csv
from pathlib import Path

from analysis_service.cleaning.agents.type_fixer import TypeFixer
from analysis_service.cleaning.registry import cleaning_agents
from analysis_service.cleaning.runner import CleanRequest, run_clean_agents
from analysis_service.cleaning.source import TableSource
from tests.unit.cleaning.test_type_fixer_agent import DATA, HEADER, ROWS


def test_writeback_confirms_the_conversions(tmp_path: Path) -> None:
    agents = {**cleaning_agents(), "type-fixer": TypeFixer()}  # the lead registers it
    run = run_clean_agents(
        TableSource(lambda: [DATA], batch_rows=4),
        [
            CleanRequest("cleanse-previewer"),
            CleanRequest("type-fixer", {"strict_types": True}),
            CleanRequest("null-handler"),
            CleanRequest("cleanse-writeback"),
        ],
        work_dir=tmp_path,
        agents=agents,
    )
    assert [o.agent_id for o in run.outputs] == [
        "cleanse-previewer",
        "type-fixer",
        "null-handler",
        "cleanse-writeback",
    ]
    assert all(o.ok for o in run.outputs)
    with run.cleaned_csv.open(newline="") as fh:
        cleaned = list(csv.reader(fh))
    assert cleaned == [HEADER] + [want for i, (_, want) in enumerate(ROWS) if i != 4]
    chain = run.chain
    assert chain.rows_in == 20 == chain.rows_cleaned + chain.rows_quarantined
    assert chain.preview["type-fixer"].counts() == chain.tallies["type-fixer"].counts()
    checks = run.outputs[-1].data["writeback_analysis"]["integrity_verification"]["checks"]
    for key in ("numeric_type_integrity", "datetime_type_integrity", "no_new_nulls"):
        assert checks[key]["passed"], checks[key]
    targets = {c["column"]: c["target_type"] for c in checks["numeric_type_integrity"]["columns"]}
    assert targets["qty"] == "integer" and targets["price"] == "float"
    assert checks["numeric_type_integrity"]["types_from"] == "type-fixer"
