"""The clean-my-data runner on a local file: the chain of the registered
data-changing agents, results in declared order, the accounting."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from analysis_service.cleaning.chain import ChainError
from analysis_service.cleaning.runner import CleanRequest, run_clean_agents
from analysis_service.cleaning.source import TableSource, file_chunks

pytestmark = pytest.mark.unit

ROWS = [
    ["id", "name", "amount"],
    ["1", "Ann", "10"],
    ["2", "Bob", "11"],
    ["2", "Bob", "11"],  # exact duplicate of data row 2 (file row 3)
    ["3", "Cy", ""],
    ["4", "Di", "12"],
    ["5", "Ed", "9"],
    ["6", "Flo", "10"],
    ["7", "Gus", "1000"],  # outlier
    ["8", "Hal", "11"],
]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="") as fh:
        return list(csv.reader(fh))


def test_chain_of_registered_agents_accounts_for_every_row(tmp_path: Path) -> None:
    src = TableSource(file_chunks(_write(tmp_path / "in.csv", ROWS)), batch_rows=3)
    work = tmp_path / "work"
    work.mkdir()
    run = run_clean_agents(
        src,
        [
            CleanRequest("duplicate-resolver"),
            CleanRequest("null-handler", {"column_strategies": {"amount": "median"}}),
            CleanRequest("outlier-remover"),
        ],
        work_dir=work,
    )
    assert run.executed == ("duplicate-resolver", "null-handler", "outlier-remover")
    assert [o.agent_id for o in run.outputs] == list(run.executed)
    assert all(o.ok for o in run.outputs)
    cleaned = _read(run.cleaned_csv)
    quarantine = _read(run.quarantine_csv)
    assert cleaned[0] == ["id", "name", "amount"]
    assert quarantine[0] == ["id", "name", "amount", "_row_number", "_agent", "_rule", "_reason"]
    assert run.chain.rows_in == 9 == len(cleaned) - 1 + len(quarantine) - 1
    by_row = {int(r[3]): r for r in quarantine[1:]}
    assert by_row[3][4] == "duplicate-resolver" and "row 2" in by_row[3][6]
    assert by_row[8][:3] == ["7", "Gus", "1000"] and by_row[8][4] == "outlier-remover"
    # the null was imputed with the median of this agent's input (no duplicate row)
    # (9, 10, 10, 11, 11, 12, 1000: the duplicate row is already gone)
    assert ["3", "Cy", "11"] in cleaned
    # the input is fetched and parsed once, whatever the number of agents;
    # the later passes read the local spools
    assert src.opened == 1
    assert run.chain.passes == 5  # input, dedup, null-handler, outlier-remover, quarantine


def test_unknown_agent_fails_the_whole_run(tmp_path: Path) -> None:
    src = TableSource(file_chunks(_write(tmp_path / "in.csv", ROWS)))
    with pytest.raises(ChainError) as info:
        run_clean_agents(src, [CleanRequest("no-such-agent")], work_dir=tmp_path)
    assert info.value.code == "AGENT_NOT_AVAILABLE"


def test_parameters_the_agent_refuses_fail_the_whole_run(tmp_path: Path) -> None:
    src = TableSource(file_chunks(_write(tmp_path / "in.csv", ROWS)))
    with pytest.raises(ChainError) as info:
        run_clean_agents(src, [CleanRequest("outlier-remover", {"no_such": 1})], work_dir=tmp_path)
    assert info.value.code == "AGENT_PARAMETERS_INVALID"
