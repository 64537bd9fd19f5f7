"""duplicate-resolver through the real chain: exact + near duplicates, key
conflict named in the reason, order kept, accounting identity."""

from __future__ import annotations

import csv
import io
from typing import Any

from analysis_service.cleaning.agents.duplicate_resolver import DuplicateResolver
from analysis_service.cleaning.agents.duplicate_resolver.params import DedupParams
from analysis_service.cleaning.chain import Step, run_chain
from analysis_service.domain.sources import open_table

DATA = (
    b"id,name,email,city\n"
    b"1,Ann,ann@x.org,Rome\n"
    b"2,Bob,bob@x.org,\n"
    b"1,Ann,ann@x.org,Rome\n"
    b"3,ann ,ANN@x.org,Oslo\n"
    b"4,Bob,bob@x.org,Lima\n"
)


def _run(params: DedupParams) -> tuple[Any, list[list[str]], list[list[str]]]:
    def source() -> Any:
        table = open_table([DATA], batch_rows=2)
        return table.columns, table

    cleaned, quarantine = io.StringIO(), io.StringIO()
    run = run_chain(source, [Step(DuplicateResolver(), params)], cleaned, quarantine)
    return (
        run,
        list(csv.reader(io.StringIO(cleaned.getvalue()))),
        list(csv.reader(io.StringIO(quarantine.getvalue()))),
    )


def test_exact_duplicates_all_columns() -> None:
    run, cleaned, quarantine = _run(DedupParams(detection_types=("exact",)))
    assert [r[0] for r in cleaned[1:]] == ["1", "2", "3", "4"]
    assert quarantine[1][4:] == ["3", "duplicate-resolver", "duplicate_row", "duplicate of row 1"]
    assert run.rows_in == 5 == run.rows_cleaned + run.rows_quarantined


def test_key_conflicts_keep_last_and_merge_smart() -> None:
    run, cleaned, quarantine = _run(
        DedupParams(key_columns=("name", "email"), conflict_resolution="keep_last")
    )
    assert [r[0] for r in cleaned[1:]] == ["3", "4"]  # survivors in file order
    reasons = {r[4]: r[7] for r in quarantine[1:]}
    assert reasons["1"] == "duplicate of row 4; differing fields: city, id"
    assert reasons["2"] == "duplicate of row 5; differing fields: city, id"
    run, cleaned, _ = _run(DedupParams(key_columns=("name", "email"), merge_strategy="merge_smart"))
    assert cleaned[1:] == [["1", "Ann", "ann@x.org", "Rome"], ["2", "Bob", "bob@x.org", "Lima"]]
    assert run.rows_in == run.rows_cleaned + run.rows_quarantined
