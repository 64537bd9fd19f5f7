"""clean-my-data end to end on real parts (SQLite and PostgreSQL, SeaweedFS,
the three services in-process): the four outputs with their kinds, every
input row in exactly one of the cleaned and quarantine files, the input's
CSV dialect kept, the manifest's hashes those of the stored bytes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re

import pytest
import requests

from dataquality.task.v1 import task_pb2
from dataquality.task.v1 import task_service_pb2 as pb
from tests.integration.task.test_task_service import USER, create, upload, wait_for

pytestmark = pytest.mark.integration
S = task_pb2.Task

#: Semicolon-separated, as many European exports are: the cleaned file keeps it.
HEADER = ["id", "name", "amount", "city"]
ROWS = [
    ["1", "Ann", "10", "Paris"],
    ["2", "Bob", "11", "Lyon"],
    ["2", "Bob", "11", "Lyon"],  # exact duplicate of row 2
    ["3", "Cy", "", "Nice"],  # null amount -> median
    ["4", "Di", "12", "Paris"],
    ["5", "Ed", "9", "Lyon"],
    ["6", "Flo", "10", "Nice"],
    ["7", "Gus", "1000", "Paris"],  # outlier
    ["8", "Hal", "11", "Lyon"],
    ["9", "Ivy", "10", "Paris"],
]
AGENTS = ("outlier-remover", "null-handler", "duplicate-resolver", "null-handler")


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def _download(url: str) -> bytes:
    got = requests.get(url, timeout=30)
    assert got.status_code == 200, got.text
    return got.content


def test_clean_flow_writes_four_outputs_and_loses_no_row(tasks):
    task = create(
        tasks,
        {"null-handler": {"column_strategies": {"amount": "median"}}},
        tool="clean-my-data",
        agents=AGENTS,
    )
    upload(tasks, task.task_id, _csv([HEADER, *ROWS]), filename="sales.csv")
    tasks.ProcessTask(pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER)
    done = wait_for(tasks, task.task_id, {S.COMPLETED, S.FAILED})
    assert done.status == S.COMPLETED, (done.error_code, done.error_message)
    # declared order, each agent once, whatever the request's order
    assert [a.agent_id for a in done.agent_results] == [
        "duplicate-resolver",
        "null-handler",
        "outlier-remover",
    ]
    assert all(a.status == "SUCCEEDED" for a in done.agent_results)

    listing = tasks.GetTaskDownloads(
        pb.GetTaskDownloadsRequest(task_id=task.task_id), metadata=USER
    ).downloads
    kinds = sorted((d.kind, d.type, d.format) for d in listing)
    assert kinds == [
        ("cleaned_data", "data", "csv"),
        ("manifest", "report", "json"),
        ("quarantine", "data", "csv"),
        ("report", "report", "json"),
        ("report", "report", "xlsx"),
    ]
    by_kind = {d.kind if d.kind != "report" else d.format: d for d in listing}
    assert re.fullmatch(r"sales_cleaned_\d{8}_\d{6}\.csv", by_kind["cleaned_data"].filename)
    assert re.fullmatch(r"sales_quarantine_\d{8}_\d{6}\.csv", by_kind["quarantine"].filename)
    bodies = {k: _download(d.url) for k, d in by_kind.items()}

    cleaned = list(csv.reader(io.StringIO(bodies["cleaned_data"].decode()), delimiter=";"))
    quarantine = list(csv.reader(io.StringIO(bodies["quarantine"].decode()), delimiter=";"))
    assert cleaned[0] == HEADER
    assert quarantine[0] == [*HEADER, "_row_number", "_agent", "_rule", "_reason"]
    # every input row exactly once: the cleaned rows in order, the rest in quarantine
    numbers = {int(r[4]) for r in quarantine[1:]}
    assert numbers == {3, 8}
    kept = [n for n in range(1, len(ROWS) + 1) if n not in numbers]
    assert [r[0] for r in cleaned[1:]] == [ROWS[n - 1][0] for n in kept]
    assert len(cleaned) - 1 + len(quarantine) - 1 == len(ROWS)
    by_number = {int(r[4]): r for r in quarantine[1:]}
    assert by_number[3][:4] == ROWS[2] and by_number[3][5] == "duplicate-resolver"
    assert "row 2" in by_number[3][7]
    assert by_number[8][:4] == ROWS[7] and by_number[8][5] == "outlier-remover"
    # the null was filled with the median of null-handler's input (no duplicate)
    # (9, 10, 10, 10, 11, 11, 12, 1000 -> 10.5, rounded half to even in an
    # integer column)
    assert cleaned[1 + kept.index(4)][2] == "10"

    report = json.loads(bodies["json"])
    block = report["cleaning"]
    assert (block["rows_in"], block["rows_cleaned"], block["rows_quarantined"]) == (10, 8, 2)
    assert block["accounting_holds"] is True
    assert block["agents_executed"] == ["duplicate-resolver", "null-handler", "outlier-remover"]
    assert report["metadata"]["agents_executed"] == block["agents_executed"]

    manifest = json.loads(bodies["manifest"])
    assert manifest["rows_in"] == 10 and manifest["accounting_holds"] is True
    stored = {o["name"]: o["sha256"] for o in manifest["outputs"]}
    for kind, download in by_kind.items():
        if kind == "manifest":
            continue
        assert stored[download.filename] == hashlib.sha256(bodies[kind]).hexdigest(), kind
    rules = {(t["agent"], t["rule"]) for t in manifest["transformations"]}
    assert ("duplicate-resolver", "duplicate_row") in rules

    page = tasks.GetTaskReport(pb.GetTaskReportRequest(task_id=task.task_id), metadata=USER)
    served = json.loads(page.data)  # the JSON report, not the manifest
    assert set(served["report"]) >= {"duplicate-resolver", "null-handler", "outlier-remover"}
    names = {d["file_name"]: d["kind"] for d in served["report"]["downloads"]}
    assert sorted(names.values()) == ["cleaned_data", "manifest", "quarantine", "report", "report"]


def test_every_agent_when_none_is_named_and_the_workbook_has_their_sheets(tasks):
    from pathlib import Path

    import openpyxl

    from dqcommon.tools.clean_tool import CLEAN_TOOL

    messy = Path(__file__).resolve().parents[2] / "data" / "cleaning" / "customers_messy.csv"
    task = create(
        tasks,
        {
            "quarantine-agent": {
                "required_fields": ["customer_id", "email"],
                "range_constraints": {"age": {"min": 0, "max": 120}},
            },
            "null-handler": {"column_strategies": {"age": "median"}},
        },
        tool="clean-my-data",
        agents=(),
    )
    upload(tasks, task.task_id, messy.read_bytes(), filename="customers.csv")
    tasks.ProcessTask(pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER)
    done = wait_for(tasks, task.task_id, {S.COMPLETED, S.FAILED})
    assert done.status == S.COMPLETED, (done.error_code, done.error_message)
    assert [a.agent_id for a in done.agent_results] == [a.agent_id for a in CLEAN_TOOL.agents]
    assert all(a.status == "SUCCEEDED" for a in done.agent_results)
    listing = tasks.GetTaskDownloads(
        pb.GetTaskDownloadsRequest(task_id=task.task_id), metadata=USER
    ).downloads
    by = {(d.kind, d.format): d for d in listing}
    cleaned = _download(by[("cleaned_data", "csv")].url)
    expected = messy.with_name("customers_messy.cleaned.csv").read_bytes()
    assert cleaned == expected  # the same bytes as the unit test's, through B2's API
    book = openpyxl.load_workbook(io.BytesIO(_download(by[("report", "xlsx")].url)))
    assert [
        s
        for s in book.sheetnames
        if s
        in {
            "Cleanse Preview",
            "Null Handler",
            "Outlier Remover",
            "Type Fixer",
            "Duplicates",
            "Field Standardization",
            "Cleanse Writeback",
            "Quarantine",
        }
    ] == [
        "Cleanse Preview",
        "Null Handler",
        "Outlier Remover",
        "Type Fixer",
        "Duplicates",
        "Field Standardization",
        "Cleanse Writeback",
        "Quarantine",
    ]
    report = json.loads(_download(by[("report", "json")].url))
    checks = report["agent_results"]["cleanse-writeback"]["data"]["writeback_analysis"]
    assert checks["integrity_verification"]["all_checks_passed"] is True
    assert report["cleaning"]["rows_in"] == 20 and report["cleaning"]["rows_quarantined"] == 5
