"""The "Cleanse Preview" and "Duplicates" sheets through the real report
and workbook (the registry places them at 100 and 140)."""

from __future__ import annotations

import io
from typing import Any

from analysis_service.cleaning.agents.cleanse_previewer import CleansePreviewer
from analysis_service.cleaning.agents.cleanse_previewer.params import PreviewParams
from analysis_service.cleaning.agents.duplicate_resolver import DuplicateResolver
from analysis_service.cleaning.agents.duplicate_resolver.params import DedupParams
from analysis_service.cleaning.chain import Step, run_chain
from analysis_service.cleaning.model import CleanContext
from analysis_service.domain.sources import open_table
from analysis_service.report import build_report
from tests.unit.analysis.test_workbook import open_book, side, table

DATA = b"id,name\n1,Ann\n2,Bob\n1,Ann\n3,ann\n"


def test_both_sheets_in_order_and_matching_the_json() -> None:
    def source() -> Any:
        t = open_table([DATA])
        return t.columns, t

    dedup = DuplicateResolver()
    step = Step(dedup, DedupParams(key_columns=("name",)))
    run = run_chain(source, [step], io.StringIO(), io.StringIO(), preview=True)
    dedup_out = dedup.finalize(
        CleanContext(step.params, run.columns, plan=step.plan, tally=run.tallies[dedup.agent_id])
    )
    preview_out = CleansePreviewer().finalize(
        CleanContext(
            PreviewParams(),
            run.columns,
            preview=run.preview,
            tallies=run.tallies,
            input_rows=run.rows_in,
            input_columns=len(run.columns),
            input_nulls=run.input_nulls,
            executed=("cleanse-previewer", "duplicate-resolver"),
        )
    )
    report = build_report(
        tool_id="clean-my-data",
        analysis_id="c8",
        outputs=[preview_out, dedup_out],
        execution_time_ms=5,
        files={"primary": {"name": "x.csv", "size_bytes": len(DATA)}},
    )
    book = open_book(report)
    names = book.sheetnames
    assert names.index("Cleanse Preview") < names.index("Duplicates")
    header, rows = table(book["Duplicates"])
    summary = dedup_out.data["duplicate_analysis"]["duplicate_summary"]
    assert [r["Detection Method"].value for r in rows] == list(summary)
    assert side(book["Duplicates"], len(header))["Rows Removed"] == 2
    header, rows = table(book["Cleanse Preview"])
    assert [r["Rule ID"].value for r in rows] == ["duplicate-resolver"]
    assert rows[0]["Row Change %"].value == -0.5
