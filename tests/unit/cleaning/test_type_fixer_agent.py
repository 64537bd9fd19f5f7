"""type-fixer through the real chain, cell by cell: integers written as
"1.0", floats with a thousands separator, leading-zero codes left alone,
dates in several formats (day-first decided by a telling value), a column
of ambiguous dates left as it is, booleans, and one value that does not
convert (kept and reported; with strict_types its row goes to quarantine)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis_service.cleaning.agents.type_fixer import TypeFixer
from analysis_service.cleaning.agents.type_fixer.params import TypeFixerParams
from analysis_service.cleaning.chain import ChainRun, Step, run_chain
from analysis_service.cleaning.model import CleanContext
from analysis_service.cleaning.source import TableSource

HEADER = ["id", "qty", "price", "zip", "joined", "visit", "active", "note"]
# (input row, expected cleaned row)
ROWS = [
    (
        ["1", "1.0", "3.50", "02134", "2024-03-04", "03/04/2024", "yes", "a"],
        ["1", "1", "3.50", "02134", "2024-03-04", "03/04/2024", "true", "a"],
    ),
    (
        ["2", "2", "1e3", "10001", "25/03/2024", "04/05/2024", "No", "b"],
        ["2", "2", "1e3", "10001", "2024-03-25", "04/05/2024", "false", "b"],
    ),
    (
        ["3", "+3", "1,234.5", "90210", "2024/3/4", "05/06/2024", "true", "c"],
        ["3", "3", "1234.5", "90210", "2024-03-04", "05/06/2024", "true", "c"],
    ),
    (
        ["4", "4.00", "2", "00501", "03.04.2024", "07/08/2024", "FALSE", "d"],
        ["4", "4", "2", "00501", "2024-04-03", "07/08/2024", "false", "d"],
    ),
    (
        ["5", "abc", "0.25", "12345", "2024-03-04 10:20", "01/02/2024", "no", "e"],
        ["5", "abc", "0.25", "12345", "2024-03-04T10:20:00", "01/02/2024", "false", "e"],
    ),
    (
        ["6", "6", "7.5", "54321", "2024-03-04T10:20:30Z", "02/01/2024", "YES", "f"],
        ["6", "6", "7.5", "54321", "2024-03-04T10:20:30Z", "02/01/2024", "true", "f"],
    ),
    (
        ["7", "7e0", "-1.5", "60601", "03/04/2024", "03/04/2024", "true", "g"],
        ["7", "7", "-1.5", "60601", "2024-04-03", "03/04/2024", "true", "g"],
    ),
    (
        ["8", "8", "8", "73301", "2024-12-31", "11/12/2024", "false", "h"],
        ["8", "8", "8", "73301", "2024-12-31", "11/12/2024", "false", "h"],
    ),
]
for _i in range(9, 21):
    _m = _i - 8
    _row = [
        str(_i),
        str(_i),
        f"{_i}.25",
        str(20000 + _i),
        f"2024-01-{_i:02d}",
        f"{_m:02d}/{_m % 12 + 1:02d}/2024",
        "true" if _i % 2 else "false",
        f"n{_i}",
    ]
    ROWS.append((_row, list(_row)))  # already canonical: unchanged


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode()


DATA = csv_bytes(HEADER, [r for r, _ in ROWS])


def run(
    params: TypeFixerParams, data: bytes = DATA, batch_rows: int = 3, preview: bool = False
) -> tuple[ChainRun, list[list[str]], list[list[str]], dict[str, Any]]:
    source = TableSource(lambda: [data], batch_rows=batch_rows)  # as the service reads
    step = Step(TypeFixer(), params)
    cleaned, quarantine = io.StringIO(), io.StringIO()
    chain = run_chain(source, [step], cleaned, quarantine, preview=preview)
    out = TypeFixer().finalize(
        CleanContext(
            params=params,
            columns_in=chain.columns,
            plan=step.plan,
            observer=step.observer,
            tally=chain.tallies["type-fixer"],
        )
    )
    return (
        chain,
        list(csv.reader(io.StringIO(cleaned.getvalue()))),
        list(csv.reader(io.StringIO(quarantine.getvalue()))),
        out.to_dict(),
    )


def test_known_answer_cell_by_cell() -> None:
    chain, cleaned, quarantine, result = run(TypeFixerParams(), preview=True)
    assert cleaned[0] == HEADER
    for got, (_, want) in zip(cleaned[1:], ROWS, strict=True):
        assert got == want
    assert len(quarantine) == 1  # header only
    assert chain.rows_in == 20 == chain.rows_cleaned + chain.rows_quarantined
    tally = chain.tallies["type-fixer"]
    assert tally.cells_changed == 15  # qty 4, price 1, joined 5, active 5
    assert {k: t.counts() for k, t in chain.preview.items()} == {
        k: t.counts() for k, t in chain.tallies.items()
    }
    summary = result["data"]["type_analysis"]["type_summary"]
    targets = {c: e.get("target_type") for c, e in summary.items()}
    assert targets == {
        "id": "integer",
        "qty": "integer",
        "price": "float",
        "zip": None,
        "joined": "datetime",
        "visit": "datetime",
        "active": "boolean",
        "note": None,
    }
    assert {c: e["current_type"] for c, e in summary.items()} == dict.fromkeys(HEADER, "String")
    assert summary["zip"]["conversion_status"] == "kept_as_code"
    assert summary["price"]["suggested_type"] == "numeric"
    assert summary["joined"]["date_order"] == "dmy"
    assert summary["visit"]["date_order"] is None
    assert summary["visit"]["remaining_issues"] == 20  # ambiguous, left as they are
    assert summary["qty"]["remaining_issues"] == 1
    assert summary["qty"]["sample_values"] == ["1.0", "2", "+3", "4.00", "abc"]
    assert sum(e.get("changed_values", 0) for e in summary.values()) == tally.cells_changed
    metrics = result["summary_metrics"]
    assert metrics["original_type_issues"] == 36  # 15 rewrites + 1 mismatch + 20 ambiguous
    assert metrics["type_issues_fixed"] == 15
    assert metrics["remaining_type_issues"] == 21
    by_type = result["issue_summary"]["by_type"]
    assert by_type == {"type_mismatch": 1, "ambiguous_date": 20}
    mismatch = next(r for r in result["row_level_issues"] if r["issue_type"] == "type_mismatch")
    assert (mismatch["row_index"], mismatch["column"], mismatch["value"]) == (4, "qty", "abc")
    assert mismatch["severity"] == "warning"
    assert mismatch["suggested_type"] == "integer"


def test_no_cell_becomes_empty() -> None:
    _, cleaned, _, _ = run(TypeFixerParams(strict_types=False))
    assert all(v != "" for row in cleaned[1:] for v in row)


def test_strict_types_quarantines_the_row_with_its_reason() -> None:
    chain, cleaned, quarantine, result = run(TypeFixerParams(strict_types=True))
    expected = [want for _, want in ROWS]
    del expected[4]
    assert cleaned[1:] == expected
    assert quarantine[1:] == [
        [
            *ROWS[4][0],
            "5",
            "type-fixer",
            "type_conversion_failed",
            "qty: 'abc' cannot be converted to integer",
        ]
    ]
    assert chain.rows_in == 20 == chain.rows_cleaned + chain.rows_quarantined
    assert chain.tallies["type-fixer"].cells_changed == 13  # row 5's two rewrites are gone
    metrics = result["summary_metrics"]
    assert (metrics["type_issues_fixed"], metrics["remaining_type_issues"]) == (16, 20)
    mismatch = next(r for r in result["row_level_issues"] if r["issue_type"] == "type_mismatch")
    assert mismatch["severity"] == "critical"
    alert_ids = {a["alert_id"] for a in result["alerts"]}
    assert "alert_types_data_integrity" in alert_ids
    assert result["data"]["fixing_score"]["metrics"]["fixed_rows"] == 19


def test_date_convention_decides_the_ambiguous_column() -> None:
    _, cleaned, _, result = run(TypeFixerParams(date_convention="mdy"))
    assert [r[5] for r in cleaned[1:3]] == ["2024-03-04", "2024-04-05"]
    assert [r[4] for r in cleaned[3:5]] == ["2024-03-04", "2024-03-04"]  # 2024/3/4, 03.04.2024
    assert cleaned[2][4] == "2024-03-25"  # 25/03/2024 decides itself
    _, cleaned, _, _ = run(TypeFixerParams(date_convention="dmy"))
    assert [r[5] for r in cleaned[1:3]] == ["2024-04-03", "2024-05-04"]
    assert "ambiguous_date" not in result["issue_summary"]["by_type"]


def test_switches_off_change_nothing() -> None:
    params = TypeFixerParams(
        auto_convert_numeric=False, auto_convert_datetime=False, auto_convert_category=False
    )
    chain, cleaned, _, result = run(params)
    assert cleaned[1:] == [r for r, _ in ROWS]
    assert chain.tallies["type-fixer"].cells_changed == 0
    summary = result["data"]["type_analysis"]["type_summary"]
    assert summary["qty"]["conversion_status"] == "not_converted"
    assert "target_type" not in summary["qty"]
    ids = {a["alert_id"] for a in result["alerts"]}
    assert "alert_types_no_auto_conversion" in ids
    recs = {r["recommendation_id"] for r in result["recommendations"]}
    assert "rec_types_auto_conversion" in recs
    assert result["summary_metrics"]["type_issues_fixed"] == 0


POOL = [
    "1",
    "-2",
    "+3",
    "1.0",
    "2.50",
    "1e3",
    "1,234",
    "007",
    "0.5",
    "abc",
    "yes",
    "No",
    "2024-03-04",
    "03/04/2024",
    "25/03/2024",
    "2024-03-04 10:20",
    "31/02/2024",
    "",
    "NA",
    "x y",
    "1,234.5",
    "5678",
    "+41791234567",
    "02/03/2024 10:00",
    "TRUE",
    " 7 ",
    "3.25",
]


def _same_value(before: str, after: str, target: str | None) -> bool:
    if before == after:
        return True
    if target in ("integer", "float"):
        return Decimal(before.strip().replace(",", "")) == Decimal(after)
    if target == "boolean":
        return (before.strip().lower() in ("true", "yes")) == (after == "true")
    if target == "datetime":
        parsed = datetime.fromisoformat(after)  # ISO, and the same year, day and month
        return str(parsed.year) in before and {parsed.month, parsed.day} <= {
            int(p) for p in before.replace("/", "-").replace(" ", "-").split("-")[:3]
        }
    return False


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(*[st.sampled_from(POOL)] * 3), min_size=1, max_size=25),
    st.booleans(),
    st.integers(1, 6),
)
def test_random_files_keep_every_row_and_every_value(
    rows: list[tuple[str, str, str]], strict: bool, batch_rows: int
) -> None:
    data = csv_bytes(["a", "b", "c"], [list(r) for r in rows])
    chain, cleaned, quarantine, result = run(TypeFixerParams(strict_types=strict), data, batch_rows)
    assert chain.rows_in == len(rows) == chain.rows_cleaned + chain.rows_quarantined
    metrics = result["summary_metrics"]
    if not strict:  # the plan's count of cells to rewrite is what the writing pass did
        assert metrics["type_issues_fixed"] == metrics["cells_changed"]
    summary = result["data"]["type_analysis"]["type_summary"]
    targets = [summary[c].get("target_type") for c in ("a", "b", "c")]
    kept = iter(cleaned[1:])
    quarantined = {int(q[3]) - 1 for q in quarantine[1:]}
    for i, row in enumerate(rows):
        if i in quarantined:
            continue
        out = next(kept)
        for before, after, target in zip(row, out, targets, strict=True):
            assert (before == "") == (after == "")  # nothing nulled, nothing filled
            assert _same_value(before, after, target), (before, after, target)


def test_after_an_earlier_agent_rows_keep_their_original_numbers() -> None:
    from tests.unit.cleaning.test_chain import _IntRule, _NoParams

    data = b"qty,when\nx,2024-01-01\n1,2024-01-02\n2,bad\n" + b"".join(
        f"{i},2024-01-{i:02d}\n".encode() for i in range(3, 25)
    )

    source = TableSource(lambda: [data], batch_rows=4)

    params = TypeFixerParams(strict_types=True)
    step = Step(TypeFixer(), params)
    quarantine = io.StringIO()
    chain = run_chain(source, [Step(_IntRule(), _NoParams()), step], io.StringIO(), quarantine)
    tally = chain.tallies["type-fixer"]
    result = TypeFixer().finalize(
        CleanContext(params=params, columns_in=chain.columns, plan=step.plan, tally=tally)
    )
    (issue,) = [r for r in result.findings.row_issues if r.column == "when"]
    assert (issue.row_index, issue.value) == (2, "bad")  # the file's row, not the agent's
    rows = list(csv.reader(io.StringIO(quarantine.getvalue())))
    assert [(r[2], r[3], r[4]) for r in rows[1:]] == [
        ("1", "int-rule", "not_integer"),
        ("3", "type-fixer", "type_conversion_failed"),
    ]
    assert tally.rows_in == 24 and chain.rows_in == 25 == chain.rows_cleaned + 2
