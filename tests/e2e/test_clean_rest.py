"""clean-my-data through the real Envoy, as the frontend does it: the
cleaned CSV, the quarantine CSV, the reports and the manifest listed in
/downloads with the contract's `type` and our `kind`, and /report with
every selected agent."""

from __future__ import annotations

import csv
import io

import pytest
import requests

from dqclient.client import TaskClient
from tests.e2e.test_rest_flow import dataset, declare

pytestmark = pytest.mark.e2e


def test_clean_flow_through_the_gateway(client: TaskClient):
    data = dataset(rows=500)
    agents = ["outlier-remover", "duplicate-resolver", "null-handler"]
    task = client.create_task(
        "clean-my-data", agents, {"null-handler": {"column_strategies": {"age": "median"}}}
    )
    grant = client.upload_urls(task["task_id"], declare(data))
    upload = grant["uploads"]["primary"]
    assert requests.put(upload["url"], data=data, headers=upload["headers"], timeout=30).ok
    client.process(task["task_id"])
    final = client.wait(task["task_id"], timeout=120, interval=0.1)
    assert final["status"] == "COMPLETED", final

    listing = client.downloads(task["task_id"])["downloads"]
    kinds = sorted((d["kind"], d["type"], d["mime_type"]) for d in listing)
    assert kinds == [
        ("cleaned_data", "data", "text/csv"),
        ("manifest", "report", "application/json"),
        ("quarantine", "data", "text/csv"),
        ("report", "report", "application/json"),
        (
            "report",
            "report",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ]
    assert all(isinstance(d["size_bytes"], (int, float)) for d in listing)
    by_kind = {d["kind"]: d for d in listing if d["kind"] != "report"}
    cleaned = list(csv.reader(io.StringIO(requests.get(by_kind["cleaned_data"]["url"]).text)))
    quarantine = list(csv.reader(io.StringIO(requests.get(by_kind["quarantine"]["url"]).text)))
    assert len(cleaned) - 1 + len(quarantine) - 1 == 500
    assert cleaned[0] == next(csv.reader(io.StringIO(data.decode())))
    # the outlier row (balance 10,000,000 at data row 5) is in quarantine with its reason
    outlier = [r for r in quarantine[1:] if r[-4] == "6"]
    assert outlier and outlier[0][-3] == "outlier-remover"
    # no age is empty any more: the median filled it
    age = cleaned[0].index("age")
    assert all(r[age] != "" for r in cleaned[1:])

    page = client.report(task["task_id"])
    assert {"duplicate-resolver", "null-handler", "outlier-remover"} <= set(page["report"])
    assert {d["kind"] for d in page["report"]["downloads"]} == {
        "report",
        "cleaned_data",
        "quarantine",
        "manifest",
    }
