"""The whole clean-my-data tool (all eight agents, in declared order) on
hand-built files whose right answer is known cell by cell, and the
accounting identity on every test file.

``tests/data/cleaning/customers_messy.csv`` (20 data rows) and what each
agent must do with it:

* quarantine-agent (required customer_id, email; age in [0, 120]): row 9
  (an SQL statement in ``name``), row 10 (age 200), row 16 (no e-mail);
* type-fixer: 31/01/2024 -> 2024-01-31, 2024/3/15 -> 2024-03-15 and,
  since 31/01 says day-first, 06/05/2024 -> 2024-05-06; yes/no/YES ->
  true/false; integers and amounts stay as written; "NA" stays for
  null-handler;
* field-standardization (default, no lowercasing): "new york" ->
  "New York" (4 against 2), "CHICAGO" -> "Chicago", " Boston " -> "Boston";
  names and the upper-case e-mail stay;
* duplicate-resolver: row 6 is row 5 again;
* null-handler (age: median): "NA" and the empty age become 41, the median
  of ITS input (rows 9, 10, 16 and 6 already gone; an integer column keeps
  integers);
* outlier-remover (IQR): row 4's balance 15,000,000; customer_id is an
  identifier and is skipped; no age is outside the fences;
* cleanse-writeback: every check passes on the real files.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import Any

import pytest

from analysis_service.cleaning.runner import CleanRequest, CleanRun, run_clean_agents
from analysis_service.cleaning.source import TableSource, file_chunks
from dqcommon.tools.clean_tool import CLEAN_TOOL
from tests.support.bad_files import CORPUS

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[2] / "data" / "cleaning"
MESSY = DATA / "customers_messy.csv"
PARAMS: dict[str, dict[str, Any]] = {
    "quarantine-agent": {
        "required_fields": ["customer_id", "email"],
        "range_constraints": {"age": {"min": 0, "max": 120}},
    },
    "null-handler": {"column_strategies": {"age": "median"}},
}
ALL = [a.agent_id for a in CLEAN_TOOL.agents]


def _run(path_or_bytes: Path | bytes, work: Path, batch_rows: int = 4) -> CleanRun:
    chunks = (
        file_chunks(path_or_bytes) if isinstance(path_or_bytes, Path) else (lambda: [path_or_bytes])
    )
    return run_clean_agents(
        TableSource(chunks, batch_rows=batch_rows),
        [CleanRequest(a, PARAMS.get(a, {})) for a in ALL],
        work_dir=work,
    )


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize("batch_rows", [1, 4, 50_000])
def test_the_messy_file_cell_by_cell(tmp_path: Path, batch_rows: int) -> None:
    run = _run(MESSY, tmp_path, batch_rows)
    assert run.executed == tuple(ALL)
    assert all(o.ok for o in run.outputs), [(o.agent_id, o.error) for o in run.outputs]
    expected = (DATA / "customers_messy.cleaned.csv").read_bytes()
    assert run.cleaned_csv.read_bytes() == expected
    original = _rows(MESSY)
    quarantine = _rows(run.quarantine_csv)
    assert quarantine[0] == [*original[0], "_row_number", "_agent", "_rule", "_reason"]
    moved = {int(r[8]): r for r in quarantine[1:]}
    assert {n: (r[9], r[10]) for n, r in moved.items()} == {
        4: ("outlier-remover", "outlier_removed"),
        6: ("duplicate-resolver", "duplicate_row"),
        9: ("quarantine-agent", "corrupted_record"),
        10: ("quarantine-agent", "out_of_range"),
        16: ("quarantine-agent", "missing_required_field"),
    }
    for n, r in moved.items():
        assert r[:8] == original[n], n  # the ORIGINAL values (" Boston ", "2024/3/15")
    assert moved[4][11].startswith("outlier: balance=15000000 outside")
    assert moved[6][11] == "duplicate of row 5"
    assert "'age'=200 above max 120" in moved[10][11]
    assert "missing required field 'email'" in moved[16][11]
    # accounting, and the verifier agrees on the real files
    chain = run.chain
    assert (chain.rows_in, chain.rows_cleaned, chain.rows_quarantined) == (20, 15, 5)
    writeback = run.outputs[-1]
    checks = writeback.data["writeback_analysis"]["integrity_verification"]
    assert checks["all_checks_passed"] is True
    assert checks["accounting"]["holds"] is True
    assert writeback.data["quality_status"] == "excellent"
    # the previewer predicted exactly what the writing pass did
    preview = run.outputs[0]
    assert preview.data["predicted"] == {a: t.counts() for a, t in chain.tallies.items()}


def _readable_corpus() -> list[tuple[str, bytes]]:
    files = [(p.name, p.read_bytes()) for p in sorted(DATA.glob("*.csv"))]
    files += [(b.key, b.make()) for b in CORPUS if b.code == "" and b.filename.endswith(".csv")]
    return files


@pytest.mark.parametrize(("name", "data"), _readable_corpus(), ids=lambda x: str(x)[:30])
def test_the_accounting_identity_holds_on_every_test_file(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run = _run(data, Path(tmp), batch_rows=3)
        cleaned = len(_rows(run.cleaned_csv)) - 1
        quarantined = len(_rows(run.quarantine_csv)) - 1
        writeback = run.outputs[-1].data["writeback_analysis"]["integrity_verification"]
    assert run.chain.rows_in == cleaned + quarantined, name
    assert writeback["accounting"]["holds"] is True, name
