"""cleanse-writeback re-reads the REAL outputs of a real chain: an honest
run passes every check; each kind of tampering with the written files makes
exactly the check that should notice it fail, naming the column."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from analysis_service.agents.base import AgentOutput
from analysis_service.agents.params import AgentParams
from analysis_service.cleaning.agents.cleanse_writeback import CleanseWriteback
from analysis_service.cleaning.agents.cleanse_writeback.params import WritebackParams
from analysis_service.cleaning.agents.duplicate_resolver import DuplicateResolver
from analysis_service.cleaning.agents.duplicate_resolver.params import DedupParams
from analysis_service.cleaning.agents.null_handler import NullHandler
from analysis_service.cleaning.agents.null_handler.params import NullParams
from analysis_service.cleaning.chain import Step
from analysis_service.cleaning.model import (
    AgentKind,
    BatchResult,
    Change,
    CleanBatch,
    CleanContext,
    CleaningAgent,
    StatelessApplier,
)
from tests.unit.cleaning.writeback_support import Chain, checks, failed, read, run, write

pytestmark = pytest.mark.unit

ALL = {
    "accounting",
    "numeric_type_integrity",
    "datetime_type_integrity",
    "no_new_nulls",
    "no_new_duplicates",
    "data_retention",
}


@pytest.fixture()
def chain(tmp_path: Path) -> Chain:
    return run(tmp_path)


def _type_fixer(remaining: int = 0) -> dict[str, Any]:
    """What type-fixer's result says about the columns it converted."""
    return {
        "status": "success",
        "agent_id": "type-fixer",
        "agent_name": "Type Fixer",
        "summary_metrics": {"remaining_type_issues": remaining},
        "data": {
            "type_analysis": {
                "type_summary": {
                    "amount": {"target_type": "float", "remaining_issues": remaining},
                    "age": {"target_type": "integer"},
                    "joined": {"target_type": "datetime"},
                }
            }
        },
    }


def test_an_honest_chain_passes_every_check(chain: Chain) -> None:
    result = chain.verify()
    assert failed(result) == set()
    assert set(checks(result)) == ALL
    accounting = checks(result)["accounting"]
    assert accounting["holds"] is True
    assert accounting["rows_in"] == chain.run.rows_in == 27
    assert accounting["rows_cleaned"] + accounting["rows_quarantined"] == 27
    assert accounting["quarantined_by_agent"] == {"duplicate-resolver": 1, "outlier-remover": 1}
    nulls = checks(result)["no_new_nulls"]["columns"]
    # age: 4 nulls in, all filled; u30's filled age left with its row (outlier): tolerated
    assert nulls["age"]["nulls_after"] == 0 and nulls["age"]["tolerance"] == 1
    assert nulls["city"] == nulls["city"] | {"expected_nulls": 2, "nulls_after": 2}
    assert result["summary_metrics"]["data_ready_for_pipeline"] is True
    assert result["data"]["writeback_analysis"]["data_ready_for_next_tool"] is True
    ids = [a["alert_id"] for a in result["alerts"]]
    assert "alert_writeback_success" in ids and "alert_writeback_integrity_failure" not in ids


def test_honest_run_with_type_fixer_targets_passes(chain: Chain) -> None:
    manifests = {**chain.manifests, "type-fixer": _type_fixer()}
    result = chain.verify(manifests=manifests)
    assert failed(result) == set()
    numeric = checks(result)["numeric_type_integrity"]
    assert numeric["types_from"] == "type-fixer" and numeric["columns_checked"] == 2


def test_a_deleted_row_breaks_only_the_accounting(chain: Chain) -> None:
    rows = read(chain.outputs.cleaned_csv)
    write(chain.outputs.cleaned_csv, rows[:3] + rows[4:])
    result = chain.verify()
    assert failed(result) == {"accounting"}
    accounting = checks(result)["accounting"]
    assert accounting["holds"] is False
    assert accounting["rows_cleaned"] + accounting["rows_quarantined"] == 26
    assert result["row_level_issues"][0]["issue_type"] == "rollback_needed"
    assert result["row_level_issues"][0]["original_count"] == 27
    assert result["data"]["writeback_analysis"]["data_ready_for_next_tool"] is False


def test_a_blanked_cell_is_a_new_null_in_that_column(chain: Chain) -> None:
    rows = read(chain.outputs.cleaned_csv)
    assert rows[2][2] == "Lima"
    rows[2][2] = ""
    write(chain.outputs.cleaned_csv, rows)
    result = chain.verify()
    assert failed(result) == {"no_new_nulls"}
    check = checks(result)["no_new_nulls"]
    assert check["columns_with_high_nulls"] == [
        {"column": "city", "null_percentage": 12.0, "null_count": 3, "unexplained_nulls": 1}
    ]
    assert "'city'" in check["message"] and "1 null(s) no agent accounts for" in check["message"]
    issue = next(i for i in result["issues"] if i["field_name"] == "city")
    assert issue["issue_type"] == "integrity_verification_failure"
    row = next(r for r in result["row_level_issues"] if r["column"] == "city")
    assert row["issue_type"] == "integrity_violation" and row["check_name"] == "No New Nulls"


def test_a_row_replaced_by_a_copy_of_another_is_a_duplicate(chain: Chain) -> None:
    rows = read(chain.outputs.cleaned_csv)
    rows[6] = list(rows[1])  # both complete rows: no null changes
    write(chain.outputs.cleaned_csv, rows)
    result = chain.verify()
    assert failed(result) == {"no_new_duplicates"}
    check = checks(result)["no_new_duplicates"]
    assert check["duplicate_count"] == 1
    assert check["examples"] == [{"row": 6, "duplicate_of": 1}]


def test_an_added_duplicate_row_breaks_duplicates_and_accounting(chain: Chain) -> None:
    rows = read(chain.outputs.cleaned_csv)
    write(chain.outputs.cleaned_csv, [*rows, rows[1]])
    assert failed(chain.verify()) == {"no_new_duplicates", "accounting"}


def test_text_in_a_converted_numeric_column_fails_the_numeric_check(chain: Chain) -> None:
    rows = read(chain.outputs.cleaned_csv)
    assert rows[4][3] == "10"
    rows[4][3] = "ten"
    write(chain.outputs.cleaned_csv, rows)
    result = chain.verify(manifests={**chain.manifests, "type-fixer": _type_fixer()})
    assert failed(result) == {"numeric_type_integrity"}
    check = checks(result)["numeric_type_integrity"]
    assert [i["column"] for i in check["issues"]] == ["amount"]
    assert "'ten' at data row 4" in check["issues"][0]["details"]
    # as many as type-fixer reported it could not convert are its own, kept values
    result = chain.verify(manifests={**chain.manifests, "type-fixer": _type_fixer(remaining=1)})
    assert failed(result) == set()


def test_infinity_in_an_inferred_numeric_column_fails(chain: Chain) -> None:
    rows = read(chain.outputs.cleaned_csv)
    rows[4][3] = "inf"
    write(chain.outputs.cleaned_csv, rows)
    result = chain.verify()
    assert failed(result) == {"numeric_type_integrity"}
    assert checks(result)["numeric_type_integrity"]["issues"][0]["column"] == "amount"


def test_an_impossible_date_fails_the_datetime_check(chain: Chain) -> None:
    rows = read(chain.outputs.cleaned_csv)
    rows[4][4] = "2024-02-30"
    write(chain.outputs.cleaned_csv, rows)
    result = chain.verify()
    assert failed(result) == {"datetime_type_integrity"}
    assert checks(result)["datetime_type_integrity"]["issues"][0]["column"] == "joined"


def test_a_repeated_quarantine_row_number_breaks_the_accounting(chain: Chain) -> None:
    rows = read(chain.outputs.quarantine_csv)
    rows[2][5] = rows[1][5]
    write(chain.outputs.quarantine_csv, rows)
    result = chain.verify()
    assert failed(result) == {"accounting"}
    assert checks(result)["accounting"]["quarantine_row_numbers_valid"] is False


def test_a_missing_column_fails_retention_unless_an_agent_dropped_it(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    chain = run(tmp_path / "a")
    rows = read(chain.outputs.cleaned_csv)
    write(chain.outputs.cleaned_csv, [r[:2] + r[3:] for r in rows])
    result = chain.verify()
    assert failed(result) == {"data_retention", "accounting"}  # + the header the chain declared
    retention = checks(result)["data_retention"]
    assert [i["column"] for i in retention["issues"]] == ["city"]
    dropped = run(
        tmp_path / "b",
        steps=[
            Step(DuplicateResolver(), DedupParams()),
            Step(NullHandler(), NullParams(column_strategies={"city": "drop_column"})),
        ],
    )
    result = dropped.verify()
    assert failed(result) == set()
    assert checks(result)["data_retention"]["columns_dropped_on_request"] == ["city"]


def test_retention_below_the_floor_fails(chain: Chain) -> None:
    result = chain.verify(params=WritebackParams(original_row_count=100))
    assert "data_retention" in failed(result)
    issue = checks(result)["data_retention"]["issues"][0]
    assert issue["type"] == "row_loss" and issue["original"] == 100
    assert "alert_writeback_data_loss" in [a["alert_id"] for a in result["alerts"]]


def test_switched_off_checks_are_absent(chain: Chain) -> None:
    params = WritebackParams(verify_numeric_types=False, verify_no_duplicates=False)
    result = chain.verify(params=params)
    keys = set(result["data"]["writeback_analysis"]["integrity_verification"]["checks"])
    assert keys == ALL - {"accounting", "numeric_type_integrity", "no_new_duplicates"}


class _Blank(CleaningAgent[AgentParams]):
    """A buggy agent: writes an empty string (not a null) into 'city'."""

    agent_id = "blanker"
    agent_name = "Blanker"
    params_type = AgentParams
    kind = AgentKind.TRANSFORM

    def applier(self, plan: Any) -> StatelessApplier:
        class _A(StatelessApplier):
            def apply(self, batch: CleanBatch) -> BatchResult:
                frame = batch.frame.copy()
                cities = frame["city"].fillna("").tolist()
                hit = [i for i, v in enumerate(cities) if v == "Oslo"][:1]
                for i in hit:
                    frame.iat[i, frame.columns.get_loc("city")] = ""
                changes = tuple(
                    Change("blank", "city", batch.row_index[[i]], ["Oslo"], [""]) for i in hit
                )
                return BatchResult(CleanBatch(frame, batch.row_index), changes)

        return _A()

    def finalize(self, ctx: CleanContext[AgentParams]) -> AgentOutput:
        return AgentOutput(self.agent_id, self.agent_name)


def test_an_agent_writing_empty_text_is_caught_as_new_nulls(tmp_path: Path) -> None:
    chain = run(tmp_path, steps=[Step(_Blank(), AgentParams())])
    result = chain.verify()
    assert failed(result) == {"no_new_nulls"}
    column = checks(result)["no_new_nulls"]["columns"]["city"]
    assert column["unexplained_nulls"] == column["nulls_after"] - 2 > 0


def test_without_the_inputs_null_counts_no_new_nulls_cannot_pass(chain: Chain) -> None:
    ctx = dataclasses.replace(chain.context(), input_nulls={}, quarantined_nulls={})
    result = CleanseWriteback().finalize(ctx).to_dict()
    assert failed(result) == {"no_new_nulls"}
    assert "no null counts" in checks(result)["no_new_nulls"]["message"]


def test_without_outputs_the_agent_fails_loudly(chain: Chain) -> None:
    ctx = CleanContext(params=WritebackParams(), columns_in=())
    with pytest.raises(ValueError, match="written"):
        CleanseWriteback().finalize(ctx)
